/* tune.c: timing each op's kernel variants on a device and picking the fastest (tune.h), and
 * the first-use policy. The file is tunefile.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ocl.h"
#include "ops_internal.h"
#include "tune.h"
#include "core/clock.h"

#define CLAMP_ROWS_MAX 320 /* rows of the timed clamping: a k=10, N=32 step */
#define NEAR_TIE 1.05      /* clamp_splits=0 (adapts to the rows) wins within 5 % of the best */

void ocl_tune_shapes_bundled(ocl_tune_shapes *s)
{
    memset(s, 0, sizeof *s);
    s->k = 10;
    s->N = 32;
    s->S = 32;
    s->h = 128;
    s->heads = 8;
    s->ff = 512;
    s->d = 64;
    s->V = 6000;
    snprintf(s->what, sizeof s->what, "the bundled small model's shapes");
}

void ocl_tune_shapes_format(const ocl_tune_shapes *s, char *buf, size_t cap)
{
    snprintf(buf, cap, "k=%d N=%d S=%d h=%d heads=%d ff=%d d=%d V=%d", s->k, s->N, s->S, s->h,
             s->heads, s->ff, s->d, s->V);
}

/* the buffers of one measurement */
typedef struct tune_ctx {
    const ocl_tune_shapes *s;
    int M, Mc;              /* decoder rows k*N; clamped rows */
    ocl_buf *x, *w, *y, *e, *en, *sc, *ids, *mask;
} tune_ctx;

typedef ardiff_status (*tune_fn)(ocl_dev *dev, const tune_ctx *c);

static size_t max3(size_t a, size_t b, size_t c)
{
    size_t m = a > b ? a : b;
    return m > c ? m : c;
}

/* y[M, n] = x[M, kk] w[n, kk]^T */
static ardiff_status gemm(ocl_dev *dev, const tune_ctx *c, size_t n, size_t kk)
{
    ocl_gemm_args g = {0};
    g.trans_b = 1;
    g.m = (size_t)c->M; g.n = n; g.k = kk;
    g.alpha = 1.0f;
    g.a = c->x; g.lda = kk;
    g.b = c->w; g.ldb = kk;
    g.c = c->y; g.ldc = n;
    g.batch = 1;
    return ocl_gemm(dev, &g);
}

/* the decoder layer's A·Bᵀ GEMMs: qkv, output, feed-forward in and out */
static ardiff_status run_gemms(ocl_dev *dev, const tune_ctx *c)
{
    size_t h = (size_t)c->s->h, ff = (size_t)c->s->ff;
    AD_TRY(gemm(dev, c, 3 * h, h));
    AD_TRY(gemm(dev, c, h, h));
    AD_TRY(gemm(dev, c, ff, h));
    return gemm(dev, c, h, ff);
}

static ardiff_status reserve_gemms(ocl_dev *dev, const tune_ctx *c)
{
    size_t h = (size_t)c->s->h, ff = (size_t)c->s->ff, M = (size_t)c->M;
    size_t sh[5][3] = {{3 * h, h, M}, {h, h, M}, {ff, h, M}, {h, ff, M},
                       {(size_t)c->s->V, (size_t)c->s->d, (size_t)c->Mc}};
    ocl_gemm_args g[5];
    for (int i = 0; i < 5; i++) {
        memset(&g[i], 0, sizeof g[i]);
        g[i].trans_b = 1;
        g[i].m = sh[i][2]; g[i].n = sh[i][0]; g[i].k = sh[i][1];
        g[i].alpha = 1.0f;
        g[i].a = c->x; g[i].lda = sh[i][1];
        g[i].b = i < 4 ? c->w : c->e; g[i].ldb = sh[i][1];
        g[i].c = i < 4 ? c->y : c->sc; g[i].ldc = sh[i][0];
        g[i].batch = 1;
    }
    return ocl_gemm_reserve(dev, g, 5);
}

/* self-attention with the time term over [k, N, h], and cross-attention to one source [S, h] */
static ardiff_status run_attention(ocl_dev *dev, const tune_ctx *c)
{
    const ocl_tune_shapes *s = c->s;
    size_t rs = (size_t)s->N * (size_t)s->h, ts = (size_t)s->h;
    ops_seq q = {c->x, 0, rs, ts}, kv = {c->w, 0, (size_t)s->S * ts, ts};
    ops_seq_out o = {c->y, 0, rs, ts};
    int dh = s->h / s->heads;
    AD_TRY(ops_attention_self_time(dev, q, q, q, q, c->w, 0, c->w, ts, o, s->k, s->N, s->heads,
                                   dh));
    return ops_attention_cross(dev, q, kv, kv, c->mask, 0, (size_t)s->S, o, s->k, s->N, s->S,
                               s->heads, dh, s->k);
}

static ardiff_status run_layernorm(ocl_dev *dev, const tune_ctx *c)
{
    int h = c->s->h;
    AD_TRY(ops_layernorm(dev, c->x, 0, (size_t)h, c->w, 0, c->w, (size_t)h, c->y, 0, (size_t)h,
                         c->M, h, 1e-12f));
    /* s (the residual stream) at y[0, M*h), the normalised rows after it */
    return ops_add_layernorm(dev, c->x, 0, (size_t)h, c->x, 0, (size_t)h, c->y, 0, (size_t)h,
                             c->w, 0, c->w, (size_t)h, c->y, (size_t)c->M * (size_t)h, (size_t)h,
                             c->M, h, 1e-12f);
}

static ardiff_status run_clamp(ocl_dev *dev, const tune_ctx *c)
{
    return ops_round_nearest(dev, c->x, 0, c->e, 0, c->en, 0, c->sc, 0, c->y, 0, c->ids, 0, c->Mc,
                             c->s->V, c->s->d);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define MAX_CAND 9 /* candidates timed side by side: the clamping's GEMM path and 8 splits */

/* wall ms of one run of fn under table t */
static ardiff_status run_once(ocl_dev *dev, const tune_ctx *c, tune_fn fn, const ocl_variants *t,
                              double *ms)
{
    dev->variants = *t;
    double t0 = ad_now_ms();
    AD_TRY(fn(dev, c));
    AD_TRY(ocl_finish(dev));
    *ms = ad_now_ms() - t0;
    return ARDIFF_OK;
}

/* The median wall ms of fn under each of the n tables, timed interleaved (round r runs every
 * candidate once, so a load that comes and goes on the machine falls on all of them): a warm-up
 * each, then OCL_TUNE_REPS rounds; after the first, a candidate over twice the best stops. */
static ardiff_status time_side_by_side(ocl_dev *dev, const tune_ctx *c, tune_fn fn,
                                       const ocl_variants *tabs, int n, double *ms)
{
    double runs[MAX_CAND][OCL_TUNE_REPS], w;
    int count[MAX_CAND] = {0}, active[MAX_CAND];
    for (int i = 0; i < n; i++) {
        AD_TRY(run_once(dev, c, fn, &tabs[i], &w));
        active[i] = 1;
    }
    for (int rep = 0; rep < OCL_TUNE_REPS; rep++) {
        for (int i = 0; i < n; i++)
            if (active[i]) AD_TRY(run_once(dev, c, fn, &tabs[i], &runs[i][count[i]++]));
        if (rep > 0) continue;
        double best = runs[0][0];
        for (int i = 1; i < n; i++) best = runs[i][0] < best ? runs[i][0] : best;
        for (int i = 0; i < n; i++) active[i] = runs[i][0] <= 2.0 * best;
    }
    for (int i = 0; i < n; i++) {
        qsort(runs[i], (size_t)count[i], sizeof runs[i][0], cmp_double);
        ms[i] = runs[i][count[i] / 2];
    }
    return ARDIFF_OK;
}

/* both variants of op under r->table; the faster goes into r->table */
static ardiff_status tune_op(ocl_dev *dev, const tune_ctx *c, ocl_op op, tune_fn fn,
                             ocl_tune_result *r)
{
    ocl_variants t[2] = {r->table, r->table};
    t[0].v[op] = 0;
    t[1].v[op] = 1;
    AD_TRY(time_side_by_side(dev, c, fn, t, 2, r->ms[op]));
    r->table.v[op] = r->ms[op][1] < r->ms[op][0];
    return ARDIFF_OK;
}

/* clamping: GEMM + argmin on the chosen gemm_nt, and the fused kernel per clamp_splits */
static ardiff_status tune_clamp(ocl_dev *dev, const tune_ctx *c, ocl_tune_result *r)
{
    static const int cand[] = {0, 1, 2, 4, 8, 16, 32};
    ocl_variants t[MAX_CAND];
    double ms[MAX_CAND];
    int n = 0;
    t[n] = r->table;
    t[n].v[OCL_OP_CLAMP] = OCL_CLAMP_GEMM;
    t[n++].clamp_splits = 0;
    r->nsplits = 0;
    for (size_t i = 0; c->s->d <= OPS_CLAMP_MAX_D && i < sizeof cand / sizeof cand[0] &&
                       r->nsplits < OCL_TUNE_MAX_SPLITS && n < MAX_CAND; i++) {
        if (cand[i] > c->s->V / 2) break; /* the fused kernel's limit (ops_rounding.c) */
        t[n] = r->table;
        t[n].v[OCL_OP_CLAMP] = OCL_CLAMP_FUSED;
        t[n++].clamp_splits = cand[i];
        r->splits[r->nsplits++] = cand[i];
    }
    AD_TRY(time_side_by_side(dev, c, run_clamp, t, n, ms));
    r->ms[OCL_OP_CLAMP][OCL_CLAMP_GEMM] = ms[0];
    r->table.v[OCL_OP_CLAMP] = OCL_CLAMP_GEMM;
    r->table.clamp_splits = 0;
    if (n == 1) return ARDIFF_OK; /* d over the fused kernel's limit */
    int pick = 1;
    for (int i = 1; i < n; i++) {
        r->splits_ms[i - 1] = ms[i];
        if (ms[i] < ms[pick]) pick = i;
    }
    if (ms[1] <= NEAR_TIE * ms[pick]) pick = 1; /* clamp_splits=0 adapts to the rows */
    r->ms[OCL_OP_CLAMP][OCL_CLAMP_FUSED] = ms[pick];
    if (ms[pick] < ms[0]) {
        r->table.v[OCL_OP_CLAMP] = OCL_CLAMP_FUSED;
        r->table.clamp_splits = t[pick].clamp_splits;
    }
    return ARDIFF_OK;
}

static ardiff_status check_shapes(const ocl_tune_shapes *s)
{
    if (s->k < 1 || s->N < 1 || s->S < 1 || s->h < 1 || s->heads < 1 || s->ff < 1 || s->d < 1 ||
        s->V < 2 || s->h % s->heads || s->h / s->heads > OPS_ATT_MAX_DH ||
        s->N > OPS_ATT_MAX_KEYS || s->S > OPS_ATT_MAX_KEYS || (long long)s->k * s->N > (1 << 20) ||
        s->V > (1 << 22) || s->h > 16384 || s->ff > 65536 || s->d > 16384)
        return ad_fail(ARDIFF_E_INVALID_ARG, "kernel tuning: shapes k=%d N=%d S=%d h=%d heads=%d "
                       "ff=%d d=%d V=%d are out of range", s->k, s->N, s->S, s->h, s->heads, s->ff,
                       s->d, s->V);
    return ARDIFF_OK;
}

/* buffers for s, filled with small pseudo-random values (mask: ones) */
static ardiff_status alloc_ctx(ocl_dev *dev, const ocl_tune_shapes *s, tune_ctx *c)
{
    c->s = s;
    c->M = s->k * s->N;
    c->Mc = c->M < CLAMP_ROWS_MAX ? c->M : CLAMP_ROWS_MAX;
    size_t M = (size_t)c->M, h = (size_t)s->h, ff = (size_t)s->ff, d = (size_t)s->d;
    size_t nx = M * max3(h, ff, d), nw = max3(3 * h * h, ff * h, (size_t)s->S * h + 2 * h);
    size_t ny = M * max3(3 * h, ff, d), ne = (size_t)s->V * d;
    size_t nsc = (size_t)c->Mc * (size_t)s->V, big = max3(nx, nw, ne);
    AD_TRY(ocl_buf_alloc(dev, nx * sizeof(float), &c->x));
    AD_TRY(ocl_buf_alloc(dev, nw * sizeof(float), &c->w));
    AD_TRY(ocl_buf_alloc(dev, ny * sizeof(float), &c->y));
    AD_TRY(ocl_buf_alloc(dev, ne * sizeof(float), &c->e));
    AD_TRY(ocl_buf_alloc(dev, (size_t)s->V * sizeof(float), &c->en));
    AD_TRY(ocl_buf_alloc(dev, nsc * sizeof(float), &c->sc));
    AD_TRY(ocl_buf_alloc(dev, (size_t)c->Mc * sizeof(int32_t), &c->ids));
    AD_TRY(ocl_buf_alloc(dev, (size_t)s->S * sizeof(int32_t), &c->mask));
    float *host = malloc(big * sizeof(float));
    if (!host) return ad_fail(ARDIFF_E_OOM, "kernel tuning: out of host memory");
    uint32_t st = 12345u;
    for (size_t i = 0; i < big; i++) {
        st = st * 1664525u + 1013904223u;
        host[i] = (float)(st >> 8) / 8388608.0f - 1.0f; /* [-1, 1) */
    }
    ardiff_status rc = ocl_buf_write(dev, c->x, 0, host, nx * sizeof(float));
    if (rc == ARDIFF_OK) rc = ocl_buf_write(dev, c->w, 0, host, nw * sizeof(float));
    if (rc == ARDIFF_OK) rc = ocl_buf_write(dev, c->e, 0, host + 7, (ne - 7) * sizeof(float));
    for (int i = 0; rc == ARDIFF_OK && i < s->S; i++) ((int32_t *)host)[i] = 1;
    if (rc == ARDIFF_OK) rc = ocl_buf_write(dev, c->mask, 0, host, (size_t)s->S * sizeof(int32_t));
    free(host);
    AD_TRY(rc);
    return ops_row_sqnorm(dev, c->e, 0, c->en, 0, s->V, s->d);
}

static void free_ctx(tune_ctx *c)
{
    ocl_buf *b[] = {c->x, c->w, c->y, c->e, c->en, c->sc, c->ids, c->mask};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) ocl_buf_free(b[i]);
}

static ardiff_status measure(ocl_dev *dev, const tune_ctx *c, ocl_tune_result *r)
{
    ocl_variants gpu;
    ocl_variants_of_set(OCL_SET_GPU, &gpu);
    dev->variants = gpu;
    AD_TRY(reserve_gemms(dev, c));
    AD_TRY(tune_op(dev, c, OCL_OP_GEMM_NT, run_gemms, r));
    AD_TRY(tune_op(dev, c, OCL_OP_ATTENTION, run_attention, r));
    AD_TRY(tune_op(dev, c, OCL_OP_LAYERNORM, run_layernorm, r));
    return tune_clamp(dev, c, r);
}

ardiff_status ocl_tune_measure(ocl_dev *dev, const ocl_tune_shapes *s, ocl_tune_result *r)
{
    AD_TRY(check_shapes(s));
    memset(r, 0, sizeof *r);
    for (int op = 0; op < OCL_OP_COUNT; op++) r->ms[op][0] = r->ms[op][1] = -1;
    ocl_variants_of_type(&dev->desc, &r->table);
    const ocl_variants saved = dev->variants;
    const int had_tmp = dev->gemm_tmp != NULL;
    double t0 = ad_now_ms();
    tune_ctx c;
    memset(&c, 0, sizeof c);
    ardiff_status st = alloc_ctx(dev, s, &c);
    if (st == ARDIFF_OK) st = measure(dev, &c, r);
    if (st == ARDIFF_OK) st = ocl_finish(dev);
    free_ctx(&c);
    dev->variants = saved;
    if (!had_tmp && dev->gemm_tmp) { /* the engine sizes its own (ocl_gemm_reserve) */
        clReleaseMemObject(dev->gemm_tmp);
        dev->gemm_tmp = NULL;
        dev->gemm_tmp_bytes = 0;
    }
    r->wall_ms = ad_now_ms() - t0;
    if (st != ARDIFF_OK) return ad_fail_prefix(st, "kernel tuning on device %d", dev->desc.index);
    return ARDIFF_OK;
}

void ocl_tune_report(const ocl_tune_result *r, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
#define PUT(...)                                                                  \
    do {                                                                          \
        int k_ = snprintf(buf + n, n < cap ? cap - n : 0, __VA_ARGS__);           \
        if (k_ > 0) n = n + (size_t)k_ < cap ? n + (size_t)k_ : cap - 1;          \
    } while (0)
    for (int op = 0; op < OCL_OP_COUNT; op++) {
        PUT("%s:", ocl_op_name((ocl_op)op));
        for (int v = 0; v < 2; v++) {
            if (r->ms[op][v] < 0) PUT(" %s -", ocl_variant_name((ocl_op)op, v));
            else PUT(" %s %.2f ms", ocl_variant_name((ocl_op)op, v), r->ms[op][v]);
            if (v == 0) PUT(",");
        }
        if (op == OCL_OP_CLAMP && r->nsplits > 0) {
            PUT(" (fused by clamp_splits:");
            for (int i = 0; i < r->nsplits; i++)
                PUT(" %d %.2f", r->splits[i], r->splits_ms[i]);
            PUT(")");
        }
        PUT(" -> %s", ocl_variant_name((ocl_op)op, r->table.v[op]));
        if (op == OCL_OP_CLAMP && r->table.v[op] == OCL_CLAMP_FUSED)
            PUT(", clamp_splits=%d", r->table.clamp_splits);
        PUT("\n");
    }
#undef PUT
}

static int tune_off(void)
{
    const char *e = getenv("ARDIFF_TUNE");
    return e && (!strcmp(e, "0") || !strcasecmp(e, "off") || !strcasecmp(e, "no"));
}

ardiff_status ocl_tune_first_use(ocl_dev *dev, const ocl_tune_shapes *s)
{
    if (tune_off() || !ocl_cache_dir() || dev->variants_env ||
        !strncmp(dev->variants_origin, "stored tuning", 13))
        return ARDIFF_OK;
    if (ad_log_enabled(ARDIFF_LOG_WARN))
        fprintf(stderr, "ardiff: tuning kernels for device %d (%s), first use; a few seconds, "
                "once (ARDIFF_TUNE=off skips)\n", dev->desc.index, dev->desc.name);
    ocl_tune_result r;
    if (ocl_tune_measure(dev, s, &r) != ARDIFF_OK) {
        /* a variant the device cannot run: the defaults, as before tuning existed */
        AD_WARN("%s; keeping the type defaults", ardiff_last_error());
        ad_clear_error();
        return ocl_finish(dev);
    }
    ocl_variants theirs;
    int adopted = 0;
    char path[4200], shp[128], line[256];
    ardiff_status st = ocl_tune_store(dev, s, &r, 0, &theirs, &adopted);
    if (st != ARDIFF_OK) {
        /* not stored: keep the defaults, so this run is what the next one will be */
        AD_WARN("%s; keeping the type defaults", ardiff_last_error());
        ad_clear_error();
        return ARDIFF_OK;
    }
    dev->variants = adopted ? theirs : r.table;
    ocl_tune_shapes_format(s, shp, sizeof shp);
    if (snprintf(dev->variants_origin, sizeof dev->variants_origin, "stored tuning (measured "
                 "on %s (%s)%s)", shp, s->what, adopted ? ", by another process" : ", now") < 0)
        dev->variants_origin[0] = '\0';
    ocl_tune_path(dev, path, sizeof path);
    AD_TRY(ocl_variants_format(&dev->variants, line, sizeof line));
    AD_INFO("device %d (%s): tuned in %.1f s: %s, stored in %s", dev->desc.index, dev->desc.name,
            r.wall_ms / 1e3, line, path);
    return ARDIFF_OK;
}
