/* bench_kernels.c: every kernel at the sizes of the official CommonGen and XSUM models, with the
 * rows runtime/engine/forward.c gives it (k candidates × N target positions in the decoder, the
 * source at its maximum length in the encoder, N rows for the time features). The kernels that
 * differ between the kernel sets (attention, layer norm, and the clamping and output head through
 * their x.E^T GEMM) are timed under both; the others once, with the device's default set.
 * GB/s counts the bytes a kernel must read and write once; attention and rounding also report
 * GFLOP/s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ocl/ops.h"

typedef bench_model msize;

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

/* the encoder's post-LN residual (the decoder adds its residuals through the GEMMs' beta) */
static ardiff_status k_add_layernorm(bctx *x, const msize *m, int k)
{
    (void)k;
    return ops_add_layernorm(x->dev, x->a, 0, m->h, x->b, 0, m->h, x->c, 0, m->h, x->g, 0, x->g, 0,
                             x->a, 0, m->h, m->S, m->h, 1e-12f);
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

/* the encoder FFN's bias + GELU, [S, ffn] */
static ardiff_status k_gelu(bctx *x, const msize *m, int k)
{
    (void)k;
    return ops_bias_act(x->dev, x->a, 0, m->ffn, x->g, 0, x->b, 0, m->ffn, m->S, m->ffn,
                        OPS_ACT_GELU);
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

/* the time features of one step, shared by all rows: [N, ct] */
static ardiff_status k_time_embed(bctx *x, const msize *m, int k)
{
    (void)k;
    return ops_time_embed(x->dev, x->tab, 0, x->c, 0, m->N, m->ct, m->T);
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

static ardiff_status k_bias(bctx *x, const msize *m, int k) /* every linear layer's bias add */
{
    int M = k * m->N;
    return ops_bias_act(x->dev, x->a, 0, m->h, x->g, 0, x->b, 0, m->h, M, m->h, OPS_ACT_NONE);
}

static ardiff_status k_tanh(bctx *x, const msize *m, int k) /* decoder up/down projections */
{
    int M = k * m->N;
    return ops_bias_act(x->dev, x->a, 0, 2 * m->h, x->g, 0, x->b, 0, 2 * m->h, M, 2 * m->h,
                        OPS_ACT_TANH);
}

static ardiff_status k_silu(bctx *x, const msize *m, int k) /* time MLP, N rows */
{
    (void)k;
    return ops_bias_act(x->dev, x->a, 0, 4 * m->ct, x->g, 0, x->b, 0, 4 * m->ct, m->N, 4 * m->ct,
                        OPS_ACT_SILU);
}

static ardiff_status k_add(bctx *x, const msize *m, int k)
{
    int M = k * m->N;
    return ops_add(x->dev, x->a, 0, m->h, x->b, 0, m->h, x->c, 0, m->h, M, m->h);
}

static ardiff_status k_scale(bctx *x, const msize *m, int k) /* d_emb == h models: no projection */
{
    int M = k * m->N;
    return ops_scale(x->dev, x->a, 0, m->d, x->c, 0, m->d, M, m->d, 1.0f);
}

static ardiff_status k_pos_add(bctx *x, const msize *m, int k)
{
    return ops_pos_add(x->dev, x->c, 0, x->b, 0, k, m->N, m->h);
}

static ardiff_status k_embed_tokens(bctx *x, const msize *m, int k)
{
    return ops_embed_tokens(x->dev, x->ids, 0, x->b, 0, x->c, 0, k * m->N, m->d, m->V);
}

static ardiff_status k_row_sqnorm(bctx *x, const msize *m, int k) /* once per load */
{
    (void)k;
    return ops_row_sqnorm(x->dev, x->b, 0, x->norm, 0, m->V, m->d);
}

static ardiff_status k_half_head(bctx *x, const msize *m, int k) /* fp16: expand E [V, d] */
{
    (void)k;
    return ops_half_to_float(x->dev, x->b, 0, x->scores, 0, (size_t)m->V * m->d);
}

static ardiff_status k_half_rows(bctx *x, const msize *m, int k) /* fp16: encoder word rows */
{
    (void)k;
    return ops_half_rows_to_float(x->dev, x->b, 0, x->ids, 0, x->c, 0, m->S, m->h, m->V);
}

static ardiff_status k_rng(bctx *x, const msize *m, int k)
{
    return ops_rng_normal(x->dev, x->c, 0, x->rows_in, 0, x->rows_c, 0, k, m->N, m->d, 42, 0);
}

typedef struct kcase {
    const char *name;
    bench_fn fn;
    int both; /* 1: the kernel sets launch different kernels (or GEMMs): time under both */
} kcase;

static double bytes_of(const char *name, const msize *m, int k)
{
    double M = (double)k * m->N, h = m->h, d = m->d, S = m->S, ffn = m->ffn;
    if (!strcmp(name, "layernorm")) return 4 * M * h * 2;
    if (!strcmp(name, "add_layernorm")) return 4 * S * h * 4;
    if (!strcmp(name, "attention_self_time")) return 4 * (M * 3 * h + m->N * h + M * h);
    if (!strcmp(name, "attention_cross")) return 4 * (M * h + S * 2 * h + M * h);
    if (!strcmp(name, "attention_encoder")) return 4 * (S * 4 * h);
    if (!strcmp(name, "bias_gelu")) return 4 * S * ffn * 2;
    if (!strcmp(name, "geglu")) return 4 * (M * 8 * h + M * 4 * h);
    if (!strcmp(name, "embed_bert")) return 4 * S * h * 3;
    if (!strcmp(name, "time_embed")) return 4.0 * m->N * m->ct;
    if (!strcmp(name, "round_nearest")) return 4 * ((double)m->V * d + M * d * 2);
    if (!strcmp(name, "round_argmax")) return 4 * ((double)m->V * d + M * d);
    if (!strcmp(name, "denoise_step")) return 4 * M * d * 3;
    if (!strcmp(name, "rng_normal")) return 4 * M * d;
    if (!strcmp(name, "bias")) return 4 * M * h * 2;
    if (!strcmp(name, "bias_tanh")) return 4 * M * 2 * h * 2;
    if (!strcmp(name, "bias_silu")) return 4.0 * m->N * 4 * m->ct * 2;
    if (!strcmp(name, "add")) return 4 * M * h * 3;
    if (!strcmp(name, "scale")) return 4 * M * d * 2;
    if (!strcmp(name, "pos_add")) return 4 * M * h * 2;
    if (!strcmp(name, "embed_tokens")) return 4 * M * d * 2;
    if (!strcmp(name, "row_sqnorm")) return 4.0 * m->V * d;
    if (!strcmp(name, "half_to_float (head)")) return 6.0 * m->V * d;
    if (!strcmp(name, "half_rows_to_float")) return 6 * S * h;
    return 0;
}

static double flops_of(const char *name, const msize *m, int k)
{
    double M = (double)k * m->N, h = m->h;
    /* per query, key and all heads: (q+u).k and (q+w).R, then p.v, 2 h each (bench/step_cost.c
     * counts the same) */
    if (!strcmp(name, "attention_self_time")) return 2.0 * 3 * M * m->N * h;
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
    if ((size_t)m->S * m->ffn > big) big = (size_t)m->S * m->ffn;
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

/* The roofline columns: the share of the peak bandwidth, of the peak GFLOP/s, and of the roof
 * min(peak GFLOP/s, intensity x peak GB/s) at the kernel's arithmetic intensity (FLOP per byte
 * it must move); a kernel without FLOPs is bandwidth-bound, its roof the peak bandwidth. */
static void roofline_cells(const bench_opts *o, double bytes, double flops, double ms)
{
    if (o->peak_gbs <= 0 || o->peak_gfs <= 0 || bytes <= 0) return;
    double gbs = bytes / ms / 1e6, gfs = flops / ms / 1e6, ai = flops / bytes;
    double roof = ai > 0 ? (ai * o->peak_gbs < o->peak_gfs ? ai * o->peak_gbs : o->peak_gfs) : 0;
    printf(" %6.1f%% ", 100 * gbs / o->peak_gbs);
    if (flops > 0) printf("%6.1f%% %8.2f %6.1f%% %s", 100 * gfs / o->peak_gfs, ai,
                          100 * gfs / roof, ai * o->peak_gbs < o->peak_gfs ? "memory" : "compute");
    else printf("%7s %8s %6.1f%% %s", "-", "0", 100 * gbs / o->peak_gbs, "memory");
}

/* times one case under the current kernel set and prints its row; 0 or -1 */
static int run_case(bctx *x, const bench_opts *o, const msize *m, int k, const kcase *c,
                    const char *label, double *t)
{
    int bad = c->fn(x, m, k) || ocl_finish(x->dev);
    for (int r = 0; r < x->reps && !bad; r++) {
        double t0 = bench_now_ms();
        bad = c->fn(x, m, k) || ocl_finish(x->dev);
        t[r] = bench_now_ms() - t0;
    }
    if (bad) {
        fprintf(stderr, "ardiff_bench: %s %s: %s\n", m->name, label, ardiff_last_error());
        return -1;
    }
    double ms = bench_median(t, x->reps);
    double gb = bytes_of(c->name, m, k) / ms / 1e6;
    double gf = flops_of(c->name, m, k) / ms / 1e6;
    printf("%-10s %-26s %10.3f %9.2f ", m->name, label, ms, gb);
    if (gf > 0) printf("%9.2f", gf);
    else printf("%9s", "-");
    roofline_cells(o, bytes_of(c->name, m, k), flops_of(c->name, m, k), ms);
    printf("\n");
    return 0;
}

int bench_kernels(ocl_dev *dev, const bench_opts *o)
{
    static const kcase cases[] = {
        {"layernorm", k_layernorm, 1}, {"add_layernorm", k_add_layernorm, 1},
        {"attention_self_time", k_self_time, 1}, {"attention_cross", k_cross, 1},
        {"attention_encoder", k_encoder_att, 1}, {"bias_gelu", k_gelu, 0}, {"geglu", k_geglu, 0},
        {"embed_bert", k_embed_bert, 0}, {"time_embed", k_time_embed, 0},
        {"round_nearest", k_round_nearest, 1}, {"round_argmax", k_round_argmax, 1},
        {"denoise_step", k_denoise, 0}, {"rng_normal", k_rng, 0}, {"bias", k_bias, 0},
        {"bias_tanh", k_tanh, 0}, {"bias_silu", k_silu, 0}, {"add", k_add, 0},
        {"scale", k_scale, 0}, {"pos_add", k_pos_add, 0}, {"embed_tokens", k_embed_tokens, 0},
        {"row_sqnorm", k_row_sqnorm, 0}, {"half_to_float (head)", k_half_head, 0},
        {"half_rows_to_float", k_half_rows, 0}};
    int k = o->candidates, rc = 0, set = bench_cpu_set(dev);
    const ocl_variants table = *ocl_dev_variants(dev);
    printf("\n## kernels (k=%d; decoder rows k*N; encoder rows S, source at max length; time "
           "features N rows)\n", k);
    printf("# [gpu] / [cpu]: under that kernel set (* the default here, %s); rows without a set "
           "ran once with the default; round_* include their x.E^T GEMM, except round_nearest "
           "[cpu]: the fused kernel (cl/clamp.cl; ARDIFF_CLAMP)\n", bench_set_name(set));
    if (o->peak_gbs > 0 && o->peak_gfs > 0) {
        printf("# roofline against the peaks measured above (%.2f GB/s, %.2f GFLOP/s): %%BW, %%GF "
               "= share of each peak; AI = FLOP per byte; %%roof = achieved / min(peak GF, AI x "
               "peak BW), and which roof binds\n", o->peak_gbs, o->peak_gfs);
        printf("%-10s %-26s %10s %9s %9s %7s %7s %8s %7s %s\n", "model", "kernel", "ms", "GB/s",
               "GFLOP/s", "%BW", "%GF", "AI", "%roof", "bound");
    } else
        printf("%-10s %-26s %10s %9s %9s\n", "model", "kernel", "ms", "GB/s", "GFLOP/s");
    double *t = malloc(sizeof(double) * (size_t)o->reps);
    for (int s = 0; s < BENCH_MODELS && t; s++) {
        const msize *m = &bench_models[s];
        if (!bench_model_on(o, m)) continue;
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
            char label[64];
            if (!cases[c].both) {
                if (run_case(&x, o, m, k, &cases[c], cases[c].name, t)) rc = 1;
                continue;
            }
            for (int cpu = 0; cpu < 2; cpu++) {
                if (bench_use_set(dev, cpu)) rc = 1;
                snprintf(label, sizeof label, "%s [%s]%s", cases[c].name, bench_set_name(cpu),
                         cpu == set ? "*" : "");
                if (run_case(&x, o, m, k, &cases[c], label, t)) rc = 1;
            }
            ocl_dev_set_variants(dev, &table);
        }
        free_all(&x);
    }
    free(t);
    return rc;
}
