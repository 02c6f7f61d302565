/* bench_gemm.c: the GEMM shapes of the official CommonGen and XSUM models (spec §1.6), as
 * y = x.W^T (PyTorch Linear weights are [out, in]), exactly as runtime/engine/forward.c runs
 * them. Each shape is timed on the device through both paths of ocl_gemm (CLBlast: the gpu
 * kernel set; the tiled kernel of cl/gemm.cl: the cpu set) and with OpenBLAS cblas_sgemm on the
 * host, in the same run. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

typedef struct gemm_shape {
    const char *model, *what;
    size_t m, n, k; /* rows, out features, in features */
    float beta;     /* 1: the output accumulates onto the residual stream */
} gemm_shape;

/* forward.c's calls of lin() and sampler.c's clamping GEMM (ops_rounding.c); decoder rows M = k*N, the
 * encoder at one source of maximum length. Returns the number of shapes written to s. */
static int shapes_of(const bench_model *b, int kcand, gemm_shape *s)
{
    size_t M = (size_t)kcand * b->N, N = b->N, S = b->S, h = b->h, d = b->d, ct = b->ct;
    size_t chunk = BENCH_ROUND_SCRATCH_FLOATS / (size_t)b->V;
    gemm_shape c[] = {
        {b->name, "dec up-proj 1", M, 2 * h, d, 0},
        {b->name, "dec up-proj 2", M, h, 2 * h, 0},
        {b->name, "dec time MLP 1", N, 4 * ct, ct, 0},
        {b->name, "dec time MLP 2", N, h, 4 * ct, 0},
        {b->name, "dec fused q/k/v", M, 3 * h, h, 0},
        {b->name, "dec o,cq,co (x3)", M, h, h, 1},
        {b->name, "dec GEGLU in", M, 8 * h, h, 0},
        {b->name, "dec GEGLU out", M, h, 4 * h, 1},
        {b->name, "dec down-proj 1", M, 2 * h, h, 0},
        {b->name, "dec down-proj 2", M, d, 2 * h, 0},
        {b->name, "clamp x.E^T", M < chunk ? M : chunk, (size_t)b->V, d, 0},
        {b->name, "enc fused QKV", S, 3 * h, h, 0},
        {b->name, "enc attn out", S, h, h, 0},
        {b->name, "enc FFN in", S, (size_t)b->ffn, h, 0},
        {b->name, "enc FFN out", S, h, (size_t)b->ffn, 0},
        {b->name, "enc cross K/V", S, 2 * h, h, 0},
    };
    memcpy(s, c, sizeof c);
    return (int)(sizeof c / sizeof c[0]);
}

static void fill(float *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)((seed >> 8) & 0xffff) / 65536.0f - 0.5f;
    }
}

/* median ms of ocl_gemm with the given kernel set (after one warm-up), or -1 on failure */
static double time_device(ocl_dev *dev, const ocl_gemm_args *g, int cpu_kernels, int reps,
                          double *t)
{
    if (bench_use_set(dev, cpu_kernels) || ocl_gemm(dev, g) || ocl_finish(dev)) return -1;
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now_ms();
        if (ocl_gemm(dev, g) || ocl_finish(dev)) return -1;
        t[r] = bench_now_ms() - t0;
    }
    return bench_median(t, reps);
}

/* ms[0] CLBlast, ms[1] tiled, ms[2] OpenBLAS; -1 where that path failed */
static int run_shape(ocl_dev *dev, const gemm_shape *s, int reps, double ms[3])
{
    size_t na = s->m * s->k, nb = s->n * s->k, nc = s->m * s->n;
    float *a = malloc(na * 4), *b = malloc(nb * 4), *c = calloc(nc, 4);
    ocl_buf *da = NULL, *db = NULL, *dc = NULL;
    double *t = malloc(sizeof(double) * (size_t)reps);
    int rc = -1;
    const ocl_variants set = *ocl_dev_variants(dev);
    ms[0] = ms[1] = ms[2] = -1;
    if (!a || !b || !c || !t) goto done;
    fill(a, na, 1);
    fill(b, nb, 2);
    if (ocl_buf_alloc(dev, na * 4, &da) || ocl_buf_alloc(dev, nb * 4, &db) ||
        ocl_buf_alloc(dev, nc * 4, &dc) || ocl_buf_write(dev, da, 0, a, na * 4) ||
        ocl_buf_write(dev, db, 0, b, nb * 4) || ocl_buf_write(dev, dc, 0, c, nc * 4))
        goto done;
    ocl_gemm_args g = {0, 1, s->m, s->n, s->k, 1.0f, s->beta, da, 0, s->k, db, 0, s->k, dc, 0,
                       s->n, 1, 0, 0, 0};
    /* reserve for the CLBlast pass (the tiled pass needs no temporary) */
    if (bench_use_set(dev, 0) || ocl_gemm_reserve(dev, &g, 1)) goto done;
    ms[0] = time_device(dev, &g, 0, reps, t);
    if (ms[0] < 0)
        fprintf(stderr, "ardiff_bench: gemm %s %s (CLBlast): %s\n", s->model, s->what,
                ardiff_last_error());
    ms[1] = time_device(dev, &g, 1, reps, t);
    if (ms[1] < 0)
        fprintf(stderr, "ardiff_bench: gemm %s %s (tiled): %s\n", s->model, s->what,
                ardiff_last_error());
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)s->m, (int)s->n, (int)s->k, 1.0f, a,
                (int)s->k, b, (int)s->k, s->beta, c, (int)s->n);
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now_ms();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)s->m, (int)s->n, (int)s->k, 1.0f,
                    a, (int)s->k, b, (int)s->k, s->beta, c, (int)s->n);
        t[r] = bench_now_ms() - t0;
    }
    ms[2] = bench_median(t, reps);
    rc = ms[0] < 0 || ms[1] < 0 ? -1 : 0;
done:
    if (ms[0] < 0 && ms[1] < 0 && ms[2] < 0)
        fprintf(stderr, "ardiff_bench: gemm %s %s: %s\n", s->model, s->what, ardiff_last_error());
    ocl_dev_set_variants(dev, &set);
    ocl_buf_free(da);
    ocl_buf_free(db);
    ocl_buf_free(dc);
    free(a);
    free(b);
    free(c);
    free(t);
    return rc;
}

/* "%Ns" cells: a time, a rate or a ratio, or "-" where the path failed */
static void cell(double v, int width, int prec)
{
    if (v < 0) printf(" %*s", width, "-");
    else printf(" %*.*f", width, prec, v);
}

int bench_gemm(ocl_dev *dev, const bench_opts *o)
{
    const int cpu = bench_cpu_set(dev);
    const char *mark_cl = cpu ? "" : "*", *mark_ti = cpu ? "*" : "";
    char h[6][24];
    snprintf(h[0], sizeof h[0], "CLBlast%s ms", mark_cl);
    snprintf(h[1], sizeof h[1], "tiled%s ms", mark_ti);
    snprintf(h[2], sizeof h[2], "CLBlast%s GF/s", mark_cl);
    snprintf(h[3], sizeof h[3], "tiled%s GF/s", mark_ti);
    snprintf(h[4], sizeof h[4], "CLBlast%s/OB", mark_cl);
    snprintf(h[5], sizeof h[5], "tiled%s/OB", mark_ti);
    printf("\n## GEMM y = x.W^T, fp32 (k=%d candidates; decoder rows = k·N; time MLP on N rows)\n",
           o->candidates);
    printf("# the runtime uses the %s here (*: kernel set %s); the other path is timed by "
           "switching the kernel set\n",
           cpu ? "tiled kernel (cl/gemm.cl)" : "CLBlast GEMMs", bench_set_name(cpu));
    printf("%-10s %-16s %6s %6s %6s %11s %11s %11s %13s %13s %13s %11s %11s\n", "model", "op", "m",
           "n", "k", h[0], h[1], "OpenBLAS ms", h[2], h[3], "OpenBLAS GF/s", h[4], h[5]);
    int rc = 0;
    for (int mi = 0; mi < BENCH_MODELS; mi++) {
        if (!bench_model_on(o, &bench_models[mi])) continue;
        gemm_shape s[32];
        int n = shapes_of(&bench_models[mi], o->candidates, s);
        for (int i = 0; i < n; i++) {
            double ms[3];
            if (run_shape(dev, &s[i], o->reps, ms) != 0) rc = 1;
            double flop = 2.0 * (double)s[i].m * (double)s[i].n * (double)s[i].k, gf[3];
            for (int j = 0; j < 3; j++) gf[j] = ms[j] > 0 ? flop / ms[j] / 1e6 : -1;
            printf("%-10s %-16s %6zu %6zu %6zu", s[i].model, s[i].what, s[i].m, s[i].n, s[i].k);
            for (int j = 0; j < 3; j++) cell(ms[j], 11, 3);
            for (int j = 0; j < 3; j++) cell(gf[j], 13, 1);
            for (int j = 0; j < 2; j++) cell(gf[j] > 0 && gf[2] > 0 ? gf[j] / gf[2] : -1, 11, 2);
            printf("\n");
        }
    }
    printf("(X/OB = X GFLOP/s / OpenBLAS GFLOP/s: above 1 means that device path is faster than "
           "OpenBLAS on the host;\n o,cq,co = self-attention output, cross query and cross output, "
           "one shape three times per layer; clamp x.E^T per chunk of rows, as the runtime runs "
           "it)\n");
    return rc;
}
