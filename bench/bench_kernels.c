/* bench_kernels.c: every kernel at the sizes of the official CommonGen and XSUM models
 * (k candidates × N target positions, the source at its maximum length). GB/s counts the bytes a
 * kernel must read and write once; attention and rounding also report GFLOP/s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ocl/ops.h"

typedef struct msize {
    const char *name;
    int h, d, H, N, S, V, T;
} msize;

typedef struct bctx {
    ocl_dev *dev;
    int reps;
    ocl_buf *a, *b, *c, *g, *ids, *mask, *tab, *rows_in, *rows_c, *norm, *scores;
} bctx;

typedef ardiff_status (*bench_fn)(bctx *x, const msize *m, int k);

static ardiff_status k_layernorm(bctx *x, const msize *m, int k)
{
    int M = k * m->N;
    return ops_layernorm(x->dev, x->a, 0, m->h, x->g, 0, x->g, 0, x->b, 0, m->h, M, m->h, 1e-12f);
}

static ardiff_status k_add_layernorm(bctx *x, const msize *m, int k)
{
    int M = k * m->N;
    return ops_add_layernorm(x->dev, x->a, 0, m->h, x->b, 0, m->h, x->c, 0, m->h, x->g, 0, x->g, 0,
                             x->a, 0, m->h, M, m->h, 1e-12f);
}

static ardiff_status k_self_time(bctx *x, const msize *m, int k)
{
    size_t h = m->h, rs = (size_t)m->N * 3 * h;
    ops_seq q = {x->a, 0, rs, 3 * h}, kk = {x->a, h, rs, 3 * h}, v = {x->a, 2 * h, rs, 3 * h};
    ops_seq R = {x->b, 0, 0, h};
    ops_seq_out o = {x->c, 0, (size_t)m->N * h, h};
    return ops_attention_self_time(x->dev, q, kk, v, R, x->g, 0, x->g, 0, o, k, m->N, m->H,
                                   m->h / m->H);
}

static ardiff_status k_cross(bctx *x, const msize *m, int k)
{
    size_t h = m->h;
    ops_seq q = {x->a, 0, (size_t)m->N * h, h};
    ops_seq kk = {x->b, 0, (size_t)m->S * 2 * h, 2 * h}, v = {x->b, h, (size_t)m->S * 2 * h, 2 * h};
    ops_seq_out o = {x->c, 0, (size_t)m->N * h, h};
    return ops_attention_cross(x->dev, q, kk, v, x->mask, 0, m->S, o, k, m->N, m->S, m->H,
                               m->h / m->H, k);
}

static ardiff_status k_encoder_att(bctx *x, const msize *m, int k)
{
    (void)k;
    size_t h = m->h, rs = (size_t)m->S * 3 * h;
    ops_seq q = {x->a, 0, rs, 3 * h}, kk = {x->a, h, rs, 3 * h}, v = {x->a, 2 * h, rs, 3 * h};
    ops_seq_out o = {x->c, 0, (size_t)m->S * h, h};
    return ops_attention_encoder(x->dev, q, kk, v, x->mask, 0, m->S, o, 1, m->S, m->H, m->h / m->H);
}

static ardiff_status k_gelu(bctx *x, const msize *m, int k)
{
    int M = k * m->N;
    return ops_bias_act(x->dev, x->a, 0, 4 * m->h, x->g, 0, x->b, 0, 4 * m->h, M, 4 * m->h, OPS_ACT_GELU);
}

static ardiff_status k_geglu(bctx *x, const msize *m, int k)
{
    int M = k * m->N;
    return ops_geglu(x->dev, x->a, 0, 8 * m->h, x->g, 0, x->b, 0, 4 * m->h, M, 4 * m->h);
}

static ardiff_status k_embed_bert(bctx *x, const msize *m, int k)
{
    (void)k;
    return ops_embed_bert(x->dev, x->ids, 0, x->b, 0, x->b, 0, x->b, 0, x->c, 0, 1, m->S, m->h, m->V);
}

static ardiff_status k_time_embed(bctx *x, const msize *m, int k)
{
    return ops_time_embed(x->dev, x->tab, 0, x->c, 0, k * m->N, m->d, m->T);
}

static ardiff_status k_round_nearest(bctx *x, const msize *m, int k)
{
    int M = k * m->N;
    return ops_round_nearest(x->dev, x->a, 0, x->b, 0, x->norm, 0, x->scores, 0, x->c, 0, x->ids, 0,
                             M, m->V, m->d);
}

static ardiff_status k_round_argmax(bctx *x, const msize *m, int k)
{
    int M = k * m->N;
    return ops_round_argmax(x->dev, x->a, 0, x->b, 0, x->g, 0, x->scores, 0, x->ids, 0, M, m->V, m->d);
}

static ardiff_status k_denoise(bctx *x, const msize *m, int k)
{
    return ops_denoise_step(x->dev, x->a, 0, x->b, 0, x->c, 0, x->tab, 0, (size_t)m->N, x->g, m->T,
                            x->rows_in, 0, x->rows_c, 0, k, m->N, m->d, 42, 3);
}

static ardiff_status k_rng(bctx *x, const msize *m, int k)
{
    return ops_rng_normal(x->dev, x->c, 0, x->rows_in, 0, x->rows_c, 0, k, m->N, m->d, 42, 0);
}

typedef struct kcase {
    const char *name;
    bench_fn fn;
} kcase;

static double bytes_of(const char *name, const msize *m, int k)
{
    double M = (double)k * m->N, h = m->h, d = m->d, S = m->S;
    if (!strcmp(name, "layernorm")) return 4 * M * h * 2;
    if (!strcmp(name, "add_layernorm")) return 4 * M * h * 4;
    if (!strcmp(name, "attention_self_time")) return 4 * (M * 3 * h + m->N * h + M * h);
    if (!strcmp(name, "attention_cross")) return 4 * (M * h + S * 2 * h + M * h);
    if (!strcmp(name, "attention_encoder")) return 4 * (S * 4 * h);
    if (!strcmp(name, "bias_gelu")) return 4 * M * 4 * h * 2;
    if (!strcmp(name, "geglu")) return 4 * (M * 8 * h + M * 4 * h);
    if (!strcmp(name, "embed_bert")) return 4 * S * h * 3;
    if (!strcmp(name, "time_embed")) return 4 * M * d;
    if (!strcmp(name, "round_nearest")) return 4 * ((double)m->V * d + M * d * 2);
    if (!strcmp(name, "round_argmax")) return 4 * ((double)m->V * d + M * d);
    if (!strcmp(name, "denoise_step")) return 4 * M * d * 3;
    if (!strcmp(name, "rng_normal")) return 4 * M * d;
    return 0;
}

static double flops_of(const char *name, const msize *m, int k)
{
    double M = (double)k * m->N, h = m->h;
    if (!strcmp(name, "attention_self_time")) return 2.0 * 2 * M * m->N * h * 2; /* ac+bd, pv */
    if (!strcmp(name, "attention_cross")) return 2.0 * 2 * M * m->S * h;
    if (!strcmp(name, "attention_encoder")) return 2.0 * 2 * m->S * (double)m->S * h;
    if (!strcmp(name, "round_nearest") || !strcmp(name, "round_argmax"))
        return 2.0 * M * m->V * m->d;
    return 0;
}

static int alloc_all(bctx *x, const msize *m, int k)
{
    size_t M = (size_t)k * m->N, big = M * 8 * m->h;
    size_t need_b = (size_t)m->V * m->h; /* also the BERT word table */
    if ((size_t)m->S * 3 * m->h > big) big = (size_t)m->S * 3 * m->h;
    if (need_b < big) need_b = big;
    size_t nf[] = {big, need_b, big, (size_t)m->V > big ? (size_t)m->V : big};
    ocl_buf **bf[] = {&x->a, &x->b, &x->c, &x->g};
    for (int i = 0; i < 4; i++) {
        if (ocl_buf_alloc(x->dev, nf[i] * 4, bf[i])) return -1;
        float *h = malloc(nf[i] * 4);
        if (!h) return -1;
        for (size_t j = 0; j < nf[i]; j++) h[j] = (float)((j * 2654435761u) % 1000) / 1000.0f - 0.5f;
        if (i == 3)
            for (size_t j = 0; j < (size_t)m->T && j < nf[i]; j++) h[j] = 1.0f - (float)j / (float)(m->T + 1);
        int rc = ocl_buf_write(x->dev, *bf[i], 0, h, nf[i] * 4);
        free(h);
        if (rc) return -1;
    }
    size_t ni = M > (size_t)m->S ? M : (size_t)m->S;
    int32_t *iv = malloc(sizeof(int32_t) * (ni + 2 * (size_t)m->N + 2 * (size_t)k));
    if (!iv) return -1;
    for (size_t j = 0; j < ni; j++) iv[j] = (int32_t)((j * 7919) % (size_t)m->V);
    if (ocl_buf_alloc(x->dev, ni * 4, &x->ids) || ocl_buf_write(x->dev, x->ids, 0, iv, ni * 4)) return -1;
    for (size_t j = 0; j < ni; j++) iv[j] = 1;
    if (ocl_buf_alloc(x->dev, ni * 4, &x->mask) || ocl_buf_write(x->dev, x->mask, 0, iv, ni * 4)) return -1;
    for (int j = 0; j < m->N; j++) { iv[j] = 900 + j; iv[m->N + j] = 800 + j; }
    size_t tn = ni > 2 * (size_t)m->N ? ni : 2 * (size_t)m->N;
    for (size_t j = 2 * (size_t)m->N; j < tn; j++) iv[j] = (int32_t)(j % (size_t)m->T);
    if (ocl_buf_alloc(x->dev, tn * 4, &x->tab) || ocl_buf_write(x->dev, x->tab, 0, iv, tn * 4)) return -1;
    for (int j = 0; j < k; j++) iv[j] = j;
    if (ocl_buf_alloc(x->dev, (size_t)k * 4, &x->rows_in) || ocl_buf_write(x->dev, x->rows_in, 0, iv, (size_t)k * 4) ||
        ocl_buf_alloc(x->dev, (size_t)k * 4, &x->rows_c) || ocl_buf_write(x->dev, x->rows_c, 0, iv, (size_t)k * 4))
        return -1;
    free(iv);
    if (ocl_buf_alloc(x->dev, (size_t)m->V * 4, &x->norm) ||
        ops_row_sqnorm(x->dev, x->b, 0, x->norm, 0, m->V, m->d) ||
        ocl_buf_alloc(x->dev, M * (size_t)m->V * 4, &x->scores))
        return -1;
    return ocl_finish(x->dev) ? -1 : 0;
}

static void free_all(bctx *x)
{
    ocl_buf *b[] = {x->a, x->b, x->c, x->g, x->ids, x->mask, x->tab, x->rows_in, x->rows_c, x->norm, x->scores};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) ocl_buf_free(b[i]);
    ocl_dev *dev = x->dev;
    int reps = x->reps;
    memset(x, 0, sizeof *x);
    x->dev = dev;
    x->reps = reps;
}

int bench_kernels(ocl_dev *dev, const bench_opts *o)
{
    static const msize sizes[] = {{"commongen", 128, 64, 8, 54, 128, 30522, 2000},
                                  {"xsum", 512, 128, 8, 50, 512, 30522, 2000}};
    static const kcase cases[] = {
        {"layernorm", k_layernorm}, {"add_layernorm", k_add_layernorm},
        {"attention_self_time", k_self_time}, {"attention_cross", k_cross},
        {"attention_encoder", k_encoder_att}, {"bias_gelu", k_gelu}, {"geglu", k_geglu},
        {"embed_bert", k_embed_bert}, {"time_embed", k_time_embed},
        {"round_nearest", k_round_nearest}, {"round_argmax", k_round_argmax},
        {"denoise_step", k_denoise}, {"rng_normal", k_rng}};
    int k = o->candidates, rc = 0;
    printf("\n## kernels (k=%d; decoder rows k*N; source at max length)\n", k);
    printf("%-10s %-20s %10s %9s %9s\n", "model", "kernel", "ms", "GB/s", "GFLOP/s");
    double *t = malloc(sizeof(double) * (size_t)o->reps);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0] && t; s++) {
        const msize *m = &sizes[s];
        if (strcmp(o->model, "all") && strcmp(o->model, m->name)) continue;
        bctx x;
        memset(&x, 0, sizeof x);
        x.dev = dev;
        x.reps = o->reps;
        if (alloc_all(&x, m, k) != 0) {
            fprintf(stderr, "ardiff_bench: %s buffers: %s\n", m->name, ardiff_last_error());
            free_all(&x);
            rc = 1;
            continue;
        }
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            int bad = cases[c].fn(&x, m, k) || ocl_finish(dev);
            for (int r = 0; r < o->reps && !bad; r++) {
                double t0 = bench_now_ms();
                bad = cases[c].fn(&x, m, k) || ocl_finish(dev);
                t[r] = bench_now_ms() - t0;
            }
            if (bad) {
                fprintf(stderr, "ardiff_bench: %s %s: %s\n", m->name, cases[c].name, ardiff_last_error());
                rc = 1;
                continue;
            }
            double ms = bench_median(t, o->reps);
            double gb = bytes_of(cases[c].name, m, k) / ms / 1e6;
            double gf = flops_of(cases[c].name, m, k) / ms / 1e6;
            printf("%-10s %-20s %10.3f %9.2f ", m->name, cases[c].name, ms, gb);
            if (gf > 0) printf("%9.2f\n", gf);
            else printf("%9s\n", "-");
        }
        free_all(&x);
    }
    free(t);
    return rc;
}
