/* bench_gemm.c: the GEMM shapes of the official CommonGen and XSUM models (spec §1.6), as
 * y = x.W^T (PyTorch Linear weights are [out, in]), timed with CLBlast on the device and with
 * OpenBLAS cblas_sgemm on the host in the same run. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

typedef struct gemm_shape {
    const char *model, *what;
    size_t m, n, k; /* rows, out features, in features */
} gemm_shape;

/* m is filled in from k*N (decoder) or the source length (encoder). */
static int shapes_for(const char *model, int kcand, gemm_shape *s)
{
    int n = 0;
    if (!strcmp(model, "commongen") || !strcmp(model, "all")) {
        size_t M = (size_t)kcand * 54, S = 128; /* h=128, d=64, FFN 512, vocab 30522 */
        gemm_shape c[] = {
            {"commongen", "dec up-proj 1", M, 256, 64}, {"commongen", "dec up-proj 2", M, 128, 256},
            {"commongen", "dec q/k/v", M, 128, 128},    {"commongen", "dec time MLP 1", M, 256, 64},
            {"commongen", "dec time MLP 2", M, 128, 256}, {"commongen", "dec GEGLU in", M, 1024, 128},
            {"commongen", "dec GEGLU out", M, 128, 512}, {"commongen", "dec down-proj 2", M, 64, 256},
            {"commongen", "clamp x.E^T", M, 30522, 64},  {"commongen", "enc q/k/v", S, 128, 128},
            {"commongen", "enc FFN in", S, 512, 128},   {"commongen", "enc FFN out", S, 128, 512},
        };
        memcpy(s + n, c, sizeof c);
        n += (int)(sizeof c / sizeof c[0]);
    }
    if (!strcmp(model, "xsum") || !strcmp(model, "all")) {
        size_t M = (size_t)kcand * 50, S = 512; /* h=512, d=128, FFN 2048, vocab 30522 */
        gemm_shape x[] = {
            {"xsum", "dec up-proj 1", M, 1024, 128}, {"xsum", "dec up-proj 2", M, 512, 1024},
            {"xsum", "dec q/k/v", M, 512, 512},      {"xsum", "dec time MLP 1", M, 512, 128},
            {"xsum", "dec time MLP 2", M, 512, 512}, {"xsum", "dec GEGLU in", M, 4096, 512},
            {"xsum", "dec GEGLU out", M, 512, 2048}, {"xsum", "dec down-proj 2", M, 128, 1024},
            {"xsum", "clamp x.E^T", M, 30522, 128},   {"xsum", "enc q/k/v", S, 512, 512},
            {"xsum", "enc FFN in", S, 2048, 512},    {"xsum", "enc FFN out", S, 512, 2048},
        };
        memcpy(s + n, x, sizeof x);
        n += (int)(sizeof x / sizeof x[0]);
    }
    return n;
}

static void fill(float *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)((seed >> 8) & 0xffff) / 65536.0f - 0.5f;
    }
}

static int run_shape(ocl_dev *dev, const gemm_shape *s, int reps, double *cl_ms, double *blas_ms)
{
    size_t na = s->m * s->k, nb = s->n * s->k, nc = s->m * s->n;
    float *a = malloc(na * 4), *b = malloc(nb * 4), *c = malloc(nc * 4);
    ocl_buf *da = NULL, *db = NULL, *dc = NULL;
    double *t = malloc(sizeof(double) * (size_t)reps);
    int rc = -1;
    if (!a || !b || !c || !t) goto done;
    fill(a, na, 1);
    fill(b, nb, 2);
    if (ocl_buf_alloc(dev, na * 4, &da) || ocl_buf_alloc(dev, nb * 4, &db) ||
        ocl_buf_alloc(dev, nc * 4, &dc) || ocl_buf_write(dev, da, 0, a, na * 4) ||
        ocl_buf_write(dev, db, 0, b, nb * 4))
        goto done;
    ocl_gemm_args g = {0, 1, s->m, s->n, s->k, 1.0f, 0.0f, da, 0, s->k, db, 0, s->k, dc, 0, s->n,
                       1, 0, 0, 0};
    if (ocl_gemm_reserve(dev, &g, 1) || ocl_gemm(dev, &g) || ocl_finish(dev)) goto done;
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now_ms();
        if (ocl_gemm(dev, &g) || ocl_finish(dev)) goto done;
        t[r] = bench_now_ms() - t0;
    }
    *cl_ms = bench_median(t, reps);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)s->m, (int)s->n, (int)s->k, 1.0f, a,
                (int)s->k, b, (int)s->k, 0.0f, c, (int)s->n);
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now_ms();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)s->m, (int)s->n, (int)s->k, 1.0f,
                    a, (int)s->k, b, (int)s->k, 0.0f, c, (int)s->n);
        t[r] = bench_now_ms() - t0;
    }
    *blas_ms = bench_median(t, reps);
    rc = 0;
done:
    if (rc) fprintf(stderr, "ardiff_bench: gemm %s %s: %s\n", s->model, s->what, ardiff_last_error());
    ocl_buf_free(da);
    ocl_buf_free(db);
    ocl_buf_free(dc);
    free(a);
    free(b);
    free(c);
    free(t);
    return rc;
}

int bench_gemm(ocl_dev *dev, const bench_opts *o)
{
    gemm_shape s[32];
    int n = shapes_for(o->model, o->candidates, s);
    printf("\n## GEMM y = x.W^T, fp32 (k=%d candidates; decoder rows = k·N)\n", o->candidates);
    printf("%-10s %-16s %6s %6s %6s %11s %11s %13s %13s %7s\n", "model", "op", "m", "n", "k",
           "CLBlast ms", "OpenBLAS ms", "CLBlast GF/s", "OpenBLAS GF/s", "ratio");
    int rc = 0;
    for (int i = 0; i < n; i++) {
        double cl = 0, bl = 0;
        if (run_shape(dev, &s[i], o->reps, &cl, &bl) != 0) { rc = 1; continue; }
        double flop = 2.0 * (double)s[i].m * (double)s[i].n * (double)s[i].k;
        printf("%-10s %-16s %6zu %6zu %6zu %11.3f %11.3f %13.1f %13.1f %7.2f\n", s[i].model,
               s[i].what, s[i].m, s[i].n, s[i].k, cl, bl, flop / cl / 1e6, flop / bl / 1e6,
               bl / cl);
    }
    printf("(ratio = OpenBLAS time / CLBlast time: above 1 means the device is faster)\n");
    return rc;
}
