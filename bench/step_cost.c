/* step_cost.c: one decoder call's FLOPs from the model's sizes, and OpenBLAS on its GEMMs. The
 * list of GEMMs follows runtime/engine/forward.c (ad_fwd_denoise(): the decoder) and
 * runtime/engine/sampler.c (the clamping product):
 * change both together. */
#include "step_cost.h"

#include <iniparser/iniparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef ARDIFF_BENCH_OPENBLAS
#include <cblas.h>
#endif

int step_model_read(const char *model_dir, step_model *m)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/model.ini", model_dir);
    dictionary *d = iniparser_load(path);
    if (!d) {
        fprintf(stderr, "ardiff_bench_generate: cannot read %s\n", path);
        return -1;
    }
    m->h = iniparser_getint(d, "model:hidden_size", 0);
    m->d = iniparser_getint(d, "model:in_channels", 0);
    m->out = iniparser_getint(d, "model:out_channels", 0);
    m->ct = iniparser_getint(d, "model:time_channels", 0);
    m->layers = iniparser_getint(d, "model:decoder_layers", 0);
    m->N = iniparser_getint(d, "model:tgt_len", 0);
    m->V = iniparser_getint(d, "model:vocab_size", 0);
    m->time_att = iniparser_getboolean(d, "model:time_att", 1); /* config.c's default */
    iniparser_freedict(d);
    if (m->h < 1 || m->d < 1 || m->out < 1 || m->ct < 1 || m->layers < 1 || m->N < 1 || m->V < 1) {
        fprintf(stderr, "ardiff_bench_generate: %s lacks a size the FLOP count needs\n", path);
        return -1;
    }
    return 0;
}

typedef struct shape {
    double m, n, k, times; /* y[m, n] = x[m, k] . W[n, k]^T, `times` per decoder call */
} shape;

/* forward.c's GEMMs of one decoder call on M = rows N rows; returns the count written */
static int step_shapes(const step_model *m, int rows, shape *s)
{
    double M = (double)rows * m->N, N = m->N, h = m->h, d = m->d, o = m->out, ct = m->ct;
    double L = m->layers;
    int n = 0;
    if (m->d != m->h) { /* up-projection [M, d] -> tanh [M, 2h] -> [M, h] */
        s[n++] = (shape){M, 2 * h, d, 1};
        s[n++] = (shape){M, h, 2 * h, 1};
    }
    /* the time MLP on N rows: per layer (time_att), else once */
    s[n++] = (shape){N, 4 * ct, ct, m->time_att ? L : 1};
    s[n++] = (shape){N, h, 4 * ct, m->time_att ? L : 1};
    s[n++] = (shape){M, 3 * h, h, L}; /* fused q/k/v */
    s[n++] = (shape){M, h, h, 3 * L}; /* self output, cross query, cross output */
    s[n++] = (shape){M, 8 * h, h, L}; /* GEGLU in */
    s[n++] = (shape){M, h, 4 * h, L}; /* GEGLU out */
    if (m->out != m->h) {
        s[n++] = (shape){M, 2 * h, h, 1};
        s[n++] = (shape){M, o, 2 * h, 1};
    }
    s[n++] = (shape){M, m->V, o, 1}; /* clamping's x.E^T */
    return n;
}

double step_flops(const step_model *m, int rows, int S, int gemm_only)
{
    shape s[16];
    int n = step_shapes(m, rows, s);
    double f = 0, M = (double)rows * m->N, h = m->h;
    for (int i = 0; i < n; i++) f += 2 * s[i].m * s[i].n * s[i].k * s[i].times;
    if (gemm_only) return f;
    /* per row and key over all heads: q.k (and q.R with time_att) then p.v, 2 h each */
    double self = (m->time_att ? 6 : 4) * M * m->N * h, cross = 4 * M * (double)S * h;
    return f + m->layers * (self + cross);
}

double step_head_flops(const step_model *m, int rows)
{
    return 2.0 * rows * m->N * (double)m->V * m->out;
}

#ifdef ARDIFF_BENCH_OPENBLAS
/* runtime/engine/forward.c's ROUND_SCRATCH_FLOATS: clamping runs in chunks of this / V rows */
#define CLAMP_SCRATCH_FLOATS (16u << 20)

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void pass(const shape *s, int n, int V, float *x, float *w, float *y)
{
    for (int i = 0; i < n; i++) {
        int rows = (int)s[i].m, chunk = rows;
        if ((int)s[i].n == V) chunk = (int)(CLAMP_SCRATCH_FLOATS / (unsigned)V);
        for (int t = 0; t < (int)s[i].times; t++)
            for (int r0 = 0; r0 < rows; r0 += chunk) {
                int mr = rows - r0 < chunk ? rows - r0 : chunk;
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, mr, (int)s[i].n, (int)s[i].k,
                            1.0f, x, (int)s[i].k, w, (int)s[i].k, 0.0f, y, (int)s[i].n);
            }
    }
}

double step_openblas_ms(const step_model *m, int rows, int reps)
{
    shape s[16];
    int n = step_shapes(m, rows, s);
    size_t nx = 0, nw = 0, ny = 0;
    for (int i = 0; i < n; i++) {
        size_t mr = (size_t)s[i].m;
        if ((int)s[i].n == m->V && mr > CLAMP_SCRATCH_FLOATS / (unsigned)m->V)
            mr = CLAMP_SCRATCH_FLOATS / (unsigned)m->V;
        size_t a = (size_t)s[i].m * (size_t)s[i].k, b = (size_t)s[i].n * (size_t)s[i].k;
        size_t c = mr * (size_t)s[i].n;
        nx = a > nx ? a : nx, nw = b > nw ? b : nw, ny = c > ny ? c : ny;
    }
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *y = malloc(ny * 4);
    double *t = malloc(sizeof(double) * (size_t)(reps > 0 ? reps : 1)), ms = -1;
    if (x && w && y && t && reps > 0) {
        for (size_t i = 0; i < nx; i++) x[i] = (float)(i % 97) / 97.0f - 0.5f;
        for (size_t i = 0; i < nw; i++) w[i] = (float)(i % 89) / 89.0f - 0.5f;
        pass(s, n, m->V, x, w, y); /* warm-up */
        for (int r = 0; r < reps; r++) {
            double t0 = now_ms();
            pass(s, n, m->V, x, w, y);
            t[r] = now_ms() - t0;
        }
        qsort(t, (size_t)reps, sizeof *t, cmp_double);
        ms = reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
    }
    free(x), free(w), free(y), free(t);
    return ms;
}

const char *step_openblas_name(void)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "OpenBLAS (%s), %d threads", openblas_get_config(),
             openblas_get_num_threads());
    return buf;
}
#else
double step_openblas_ms(const step_model *m, int rows, int reps)
{
    (void)m, (void)rows, (void)reps;
    return -1;
}

const char *step_openblas_name(void) { return "not built with OpenBLAS (libopenblas-dev)"; }
#endif
