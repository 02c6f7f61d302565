/* bench_clamp.c: clamping at the official model sizes (spec §1.6), the fused kernel
 * (cl/clamp.cl) against GEMM + argmin (x.E^T through ocl_gemm with the device's kernel set,
 * then cl/rounding.cl), for k = 1, 10 and 50 candidates (M = k*N rows), in chunks of rows as
 * runtime/engine/sampler.c runs it. One run times both on the same device and prints their
 * medians, the ratio, and whether both chose the same ids. Inputs are random (x near rows of
 * E, like the decoder's predictions late in sampling), which the timing does not depend on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ocl/ops.h"

typedef struct cbufs {
    ocl_buf *x, *E, *n, *S, *out, *ids;
} cbufs;

static void cfree(cbufs *b)
{
    ocl_buf *all[] = {b->x, b->E, b->n, b->S, b->out, b->ids};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) ocl_buf_free(all[i]);
    memset(b, 0, sizeof *b);
}

static float frand(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)((*s >> 8) & 0xffff) / 65536.0f - 0.5f;
}

/* E [V, d] random, x [M, d] = rows of E plus noise; norms; scratch [chunk, V] */
static int calloc_all(ocl_dev *dev, cbufs *b, const bench_model *m, int M, int chunk)
{
    const size_t V = (size_t)m->V, d = (size_t)m->d;
    float *E = malloc(V * d * sizeof *E), *x = malloc((size_t)M * d * sizeof *x);
    unsigned s = 12345u;
    int rc = !E || !x;
    for (size_t i = 0; !rc && i < V * d; i++) E[i] = frand(&s);
    for (int r = 0; !rc && r < M; r++) {
        size_t j = (size_t)(r * 7919) % V;
        for (size_t c = 0; c < d; c++) x[(size_t)r * d + c] = E[j * d + c] + 0.3f * frand(&s);
    }
    rc = rc || ocl_buf_alloc(dev, V * d * 4, &b->E) || ocl_buf_write(dev, b->E, 0, E, V * d * 4) ||
         ocl_buf_alloc(dev, (size_t)M * d * 4, &b->x) ||
         ocl_buf_write(dev, b->x, 0, x, (size_t)M * d * 4) || ocl_buf_alloc(dev, V * 4, &b->n) ||
         ops_row_sqnorm(dev, b->E, 0, b->n, 0, m->V, m->d) ||
         ocl_buf_alloc(dev, (size_t)chunk * V * 4, &b->S) ||
         ocl_buf_alloc(dev, (size_t)M * d * 4, &b->out) ||
         ocl_buf_alloc(dev, (size_t)M * 4, &b->ids) || ocl_finish(dev);
    free(E);
    free(x);
    return rc ? -1 : 0;
}

/* one clamping of all M rows, chunk rows per call (sampler.c's loop) */
static ardiff_status clamp_all(ocl_dev *dev, cbufs *b, const bench_model *m, int M, int chunk)
{
    const size_t d = (size_t)m->d;
    for (int r0 = 0; r0 < M; r0 += chunk) {
        int rows = M - r0 < chunk ? M - r0 : chunk;
        AD_TRY(ops_round_nearest(dev, b->x, (size_t)r0 * d, b->E, 0, b->n, 0, b->S, 0, b->out,
                                 (size_t)r0 * d, b->ids, (size_t)r0, rows, m->V, m->d));
    }
    return ocl_finish(dev);
}

/* ms of one clamping of all rows with the given variant (fused 0/1), or -1 on failure */
static double time_once(ocl_dev *dev, cbufs *b, const bench_model *m, int M, int chunk, int fused)
{
    const ocl_variants saved = *ocl_dev_variants(dev);
    ocl_variants t = saved;
    t.v[OCL_OP_CLAMP] = fused ? OCL_CLAMP_FUSED : OCL_CLAMP_GEMM;
    ardiff_status st = ocl_dev_set_variants(dev, &t);
    double t0 = bench_now_ms();
    if (st == ARDIFF_OK) st = clamp_all(dev, b, m, M, chunk);
    ocl_dev_set_variants(dev, &saved);
    if (st != ARDIFF_OK) fprintf(stderr, "ardiff_bench: clamping: %s\n", ardiff_last_error());
    return st == ARDIFF_OK ? bench_now_ms() - t0 : -1.0;
}

/* medians of both variants, timed alternately (a warm-up of each first) so that a change in the
 * machine's load falls on both; ids of each into ig, ifu. 0 or -1 */
static int time_both(ocl_dev *dev, cbufs *b, const bench_model *m, int M, int chunk, int reps,
                     double *t, double *med, int32_t *ig, int32_t *ifu)
{
    int32_t *ids[2] = {ig, ifu};
    for (int v = 0; v < 2; v++)
        if (time_once(dev, b, m, M, chunk, v) < 0 ||
            ocl_buf_read(dev, b->ids, 0, ids[v], (size_t)M * sizeof(int32_t)) != ARDIFF_OK)
            return -1;
    for (int r = 0; r < reps; r++)
        for (int v = 0; v < 2; v++)
            if ((t[v * reps + r] = time_once(dev, b, m, M, chunk, v)) < 0) return -1;
    med[0] = bench_median(t, reps);
    med[1] = bench_median(t + reps, reps);
    return 0;
}

static int clamp_row(ocl_dev *dev, const bench_model *m, int k, int reps, double *t)
{
    const int M = k * m->N, chunk0 = (int)(BENCH_ROUND_SCRATCH_FLOATS / (unsigned)m->V);
    const int chunk = M < chunk0 ? M : chunk0;
    cbufs b = {0};
    int32_t *ig = malloc((size_t)M * sizeof *ig), *ifu = malloc((size_t)M * sizeof *ifu);
    double med[2] = {-1, -1};
    int rc = !ig || !ifu || calloc_all(dev, &b, m, M, chunk);
    if (!rc && time_both(dev, &b, m, M, chunk, reps, t, med, ig, ifu) == 0) {
        const double tg = med[0], tf = med[1];
        double gf = 2.0 * M * (double)m->V * m->d / tf / 1e6;
        printf("%-10s %3d %5d %4d %6d %5d %11.2f %11.2f %7.2f %9.1f  %s\n", m->name, k, M, m->d,
               m->V, chunk, tg, tf, tg / tf, gf,
               memcmp(ig, ifu, (size_t)M * sizeof *ig) ? "NO" : "yes");
    } else {
        fprintf(stderr, "ardiff_bench: %s k=%d: %s\n", m->name, k,
                rc ? "buffers or set-up failed" : "timing failed");
        rc = -1;
    }
    cfree(&b);
    free(ig);
    free(ifu);
    return rc ? -1 : 0;
}

int bench_clamp(ocl_dev *dev, const bench_opts *o)
{
    static const int ks[] = {1, 10, 50};
    int rc = 0;
    double *t = malloc(sizeof(double) * 2 * (size_t)o->reps);
    if (!t) return 1;
    printf("\n## clamping: fused (cl/clamp.cl) vs GEMM + argmin (%s kernel set's x.E^T GEMM, "
           "then cl/rounding.cl)\n", bench_set_name(bench_cpu_set(dev)));
    printf("# M = k*N rows in chunks of `chunk` rows (sampler.c); ms: median of %d, the two "
           "variants timed alternately; ratio = GEMM+argmin ms / fused ms; GF/s: 2 M V d / fused "
           "time; same: identical ids\n", o->reps);
    printf("# default clamping on this device: %s\n",
           ops_clamp_is_fused(dev, 64) ? "fused" : "GEMM + argmin");
    printf("%-10s %3s %5s %4s %6s %5s %11s %11s %7s %9s  %s\n", "model", "k", "M", "d", "V",
           "chunk", "gemm+am ms", "fused ms", "ratio", "fused GF/s", "same");
    for (int s = 0; s < BENCH_MODELS; s++) {
        if (!bench_model_on(o, &bench_models[s])) continue;
        for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
            if (clamp_row(dev, &bench_models[s], ks[i], o->reps, t)) rc = 1;
    }
    free(t);
    return rc;
}
