/* forward.c: the network on one device, encoder and decoder (forward.h); the sampling loop
 * that calls the decoder is sampler.c.
 *
 * Row layout: decoder row r = (source r / kv_group, candidate); a decoder activation is
 * [rows * N, width] row-major. Linear layers are y = x Wᵀ + b with W [out, in] as PyTorch
 * stores it, i.e. GEMMs with B transposed. The residual stream h is updated in place by GEMMs
 * with beta = 1 (h += a Woᵀ), then the bias is added.
 */
#include "forward.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "engine/wstore.h"
#include "ocl/dev.h"

struct ad_fwd {
    ocl_dev *dev;
    const ad_model_config *c;
    ad_wstore *ws;       /* the weights, fp32 or fp16-stored (wstore.h) */
    const ad_weights *w; /* offsets into W: valid for a group while it is in use (wuse) */
    const ocl_buf *W;    /* the fp32 weights the kernels read */
    int h, d, dout, ct, N, V, T, Hd, He, dhd, dhe;
    int rows_max, src_rows_max, S_max;
    const ad_fwd_extra *extra; /* the sampler's part of the plan (create only; may be NULL) */
    /* state of the current batch and its decoder rows (ad_fwd_set_rows) */
    int B, S, rows, kv_group;
    /* device buffers */
    ocl_buf *src_ids, *src_mask, *e, *e_qkv, *e_att, *e_tmp, *e_ff, *ckv;
    ocl_buf *hres, *hn, *wide, *qkv, *att, *ff, *ffg, *temb, *tm, *R;
    ocl_buf *ones;       /* time_att = 0: int32 [N] of 1, the self-attention's (no-op) mask */
    char kernels[256];   /* the device's kernel-variant table, one line (ad_fwd_kernels) */
};

/* Makes a group of weights readable at f->w's offsets (wstore.h). */
static ardiff_status wuse(ad_fwd *f, ad_wgroup g, int layer)
{
    return ad_wstore_use(f->ws, g, layer);
}

/* y[M, n] = x[M, k] · W[n, k]ᵀ + beta * y, W at arena offset w_off. */
static ardiff_status lin(ad_fwd *f, const ocl_buf *x, size_t x_off, size_t M, size_t k,
                         size_t w_off, size_t n, ocl_buf *y, size_t y_off, float beta)
{
    ocl_gemm_args g = {0};
    g.trans_b = 1;
    g.m = M; g.n = n; g.k = k;
    g.alpha = 1.0f; g.beta = beta;
    g.a = x; g.a_off = x_off; g.lda = k;
    g.b = f->W; g.b_off = w_off; g.ldb = k;
    g.c = y; g.c_off = y_off; g.ldc = n;
    g.batch = 1;
    return ocl_gemm(f->dev, &g);
}

/* y = act(y + b) in place, b at arena offset */
static ardiff_status bias(ad_fwd *f, ocl_buf *y, size_t M, size_t n, size_t b_off, ops_act act)
{
    return ops_bias_act(f->dev, y, 0, n, f->W, b_off, y, 0, n, (int)M, (int)n, act);
}

static ardiff_status ln(ad_fwd *f, const ocl_buf *x, ocl_buf *y, size_t M, int n, size_t g, size_t b)
{
    return ops_layernorm(f->dev, x, 0, (size_t)n, f->W, g, f->W, b, y, 0, (size_t)n, (int)M, n,
                         (float)f->c->layer_norm_eps);
}

/* ---- creation ------------------------------------------------------------------------------ */

static void reserve_shape(ocl_gemm_args *g, size_t m, size_t n, size_t k)
{
    memset(g, 0, sizeof *g);
    g->trans_b = 1;
    g->m = m; g->n = n; g->k = k;
    g->lda = k; g->ldb = k; g->ldc = n;
    g->batch = 1;
}

#define FWD_GEMM_MAX (16 + AD_FWD_EXTRA_MAX)

/* Every GEMM shape the plan uses, the sampler's after the network's (s: room for
 * FWD_GEMM_MAX); returns the count. */
static int gemm_shapes(const ad_fwd *f, ocl_gemm_args *s)
{
    size_t M = (size_t)f->rows_max * f->N, Me = (size_t)f->src_rows_max * f->S_max;
    size_t h = f->h, I = f->c->encoder_intermediate_size;
    int n = 0;
    reserve_shape(&s[n++], M, 2 * h, f->d);
    reserve_shape(&s[n++], M, h, 2 * h);
    reserve_shape(&s[n++], M, 3 * h, h);
    reserve_shape(&s[n++], M, h, h);
    reserve_shape(&s[n++], M, 8 * h, h);
    reserve_shape(&s[n++], M, h, 4 * h);
    reserve_shape(&s[n++], M, f->dout, 2 * h);
    reserve_shape(&s[n++], f->N, 4 * f->ct, f->ct);
    reserve_shape(&s[n++], f->N, h, 4 * f->ct);
    reserve_shape(&s[n++], Me, 3 * h, h);
    reserve_shape(&s[n++], Me, h, h);
    reserve_shape(&s[n++], Me, I, h);
    reserve_shape(&s[n++], Me, h, I);
    reserve_shape(&s[n++], Me, 2 * h, h);
    for (int i = 0; f->extra && i < f->extra->n_gemm; i++)
        reserve_shape(&s[n++], f->extra->gemm[i].m, f->extra->gemm[i].n, f->extra->gemm[i].k);
    return n;
}

void ad_fwd_tune_shapes(const ad_model_config *c, int k, const char *what, ocl_tune_shapes *s)
{
    memset(s, 0, sizeof *s);
    s->k = k < 1 ? 1 : k < 10 ? k : 10; /* keeps a tuning to seconds */
    s->N = c->tgt_len;
    s->S = c->max_src_len;
    s->h = c->hidden_size;
    s->heads = c->decoder_heads;
    s->ff = c->encoder_intermediate_size; /* the decoder's feed-forward size too */
    s->d = c->in_channels;
    s->V = c->vocab_size;
    snprintf(s->what, sizeof s->what, "%s", what);
}

/* the device's kernel tuning on this model's shapes at its first generation (ocl/tune.h) */
static ardiff_status tune_first_use(ad_fwd *f)
{
    ocl_tune_shapes s;
    ad_fwd_tune_shapes(f->c, f->rows_max, "the first generation's model", &s);
    return ocl_tune_first_use(f->dev, &s);
}

#define FWD_BUFS_MAX 24 /* buffer_list makes 19 at most */

/* one device buffer of the network's plan (besides the weights, CLBlast's temporary and the
 * sampler's buffers, ad_fwd_extra) */
typedef struct fwd_buf {
    ocl_buf **slot;
    ad_mem_item m;
} fwd_buf;

/* The network's buffers in allocation order, each with its size and what makes it grow. The
 * memory check (check_memory) and the allocation (plan_buffers) both read this one list. */
static int buffer_list(ad_fwd *f, fwd_buf *b)
{
    size_t M = (size_t)f->rows_max * f->N, Me = (size_t)f->src_rows_max * f->S_max;
    size_t h = f->h, I = f->c->encoder_intermediate_size, L = f->c->decoder_layers, N = f->N;
    size_t wide = 2 * h > (size_t)f->d ? 2 * h : (size_t)f->d;
    const size_t F = sizeof(float), I4 = sizeof(int32_t);
    const ad_mem_scale FIX = AD_MEM_FIXED, SRC = AD_MEM_SOURCES, ROW = AD_MEM_ROWS;
    int n = 0;
#define BUF(field, bytes, scale, what) b[n++] = (fwd_buf){&f->field, {(what), (bytes), (scale)}}
    BUF(src_ids, Me * I4, SRC, "source ids");          /* [B, S] */
    BUF(src_mask, Me * I4, SRC, "source mask");        /* [B, S] */
    BUF(e, Me * h * F, SRC, "encoder states");         /* [B*S, h] */
    BUF(e_qkv, Me * 3 * h * F, SRC, "encoder q/k/v");  /* [B*S, 3h] */
    BUF(e_att, Me * h * F, SRC, "encoder attention");
    BUF(e_tmp, Me * h * F, SRC, "encoder scratch");
    BUF(e_ff, Me * I * F, SRC, "encoder feed-forward"); /* [B*S, I] */
    BUF(ckv, L * Me * 2 * h * F, SRC, "cross-attention keys/values"); /* [L, B*S, 2h] */
    BUF(hres, M * h * F, ROW, "decoder residual");     /* [rows*N, h] */
    BUF(hn, M * h * F, ROW, "decoder norm");
    BUF(wide, M * wide * F, ROW, "decoder projection"); /* [rows*N, max(2h, d)] */
    BUF(qkv, M * 3 * h * F, ROW, "decoder q/k/v");     /* [rows*N, 3h] */
    BUF(att, M * h * F, ROW, "decoder attention");
    BUF(ff, M * 8 * h * F, ROW, "decoder feed-forward"); /* [rows*N, 8h] */
    BUF(ffg, M * 4 * h * F, ROW, "decoder GEGLU");     /* [rows*N, 4h] */
    BUF(temb, N * f->ct * F, FIX, "time features");
    BUF(tm, N * 4 * f->ct * F, FIX, "time MLP");
    BUF(R, L * N * h * F, FIX, "time terms");          /* [L, N, h] */
    if (!f->c->time_att) BUF(ones, N * I4, FIX, "self-attention mask");
#undef BUF
    return n;
}

/* What the plan (and the sampler's part of it) will take on the device, compared with its
 * limits before anything is allocated (engine/devmem.h): one clear error instead of a failed
 * allocation halfway. */
static ardiff_status check_memory(ad_fwd *f, const ad_weights *w, ardiff_precision prec)
{
    fwd_buf b[FWD_BUFS_MAX];
    ad_mem_item items[FWD_BUFS_MAX + AD_FWD_EXTRA_MAX + 3];
    int n = buffer_list(f, b);
    for (int i = 0; i < n; i++) items[i] = b[i].m;
    for (int i = 0; f->extra && i < f->extra->n_items; i++) items[n++] = f->extra->items[i];
    ad_wstore_size ws;
    AD_TRY(ad_wstore_size_of(f->c, w, prec, &ws));
    items[n++] = (ad_mem_item){"weights", ws.resident, AD_MEM_WEIGHTS};
    if (ws.scratch) items[n++] = (ad_mem_item){"fp16 weight expansion", ws.scratch, AD_MEM_WEIGHTS};
    ocl_gemm_args s[FWD_GEMM_MAX];
    size_t tmp = 0;
    AD_TRY(ocl_gemm_temp_bytes(f->dev, s, gemm_shapes(f, s), &tmp));
    items[n++] = (ad_mem_item){"CLBlast temporary", tmp, AD_MEM_ROWS};
    return ad_devmem_check(ocl_dev_desc(f->dev), items, n, f->src_rows_max,
                           f->rows_max / f->src_rows_max);
}

static ardiff_status plan_buffers(ad_fwd *f)
{
    fwd_buf b[FWD_BUFS_MAX];
    int n = buffer_list(f, b);
    for (int i = 0; i < n; i++) AD_TRY(ocl_buf_alloc(f->dev, b[i].m.bytes, b[i].slot));
    if (f->ones) {
        int32_t *one = malloc((size_t)f->N * sizeof *one);
        if (!one) return ad_fail(ARDIFF_E_OOM, "out of host memory");
        for (int i = 0; i < f->N; i++) one[i] = 1;
        ardiff_status st = ocl_buf_write(f->dev, f->ones, 0, one, (size_t)f->N * sizeof *one);
        free(one);
        AD_TRY(st);
    }
    ocl_gemm_args s[FWD_GEMM_MAX]; /* the CLBlast temporary buffer, sized once for every shape */
    return ocl_gemm_reserve(f->dev, s, gemm_shapes(f, s));
}

static ardiff_status upload_weights(ad_fwd *f, const ad_weights *host, ardiff_precision prec)
{
    AD_TRY(ad_wstore_create(f->dev, f->c, host, prec, &f->ws));
    f->W = ad_wstore_buf(f->ws);
    f->w = ad_wstore_offsets(f->ws);
    return ARDIFF_OK;
}

ardiff_status ad_fwd_create(int index, const ad_model_config *c, const ad_weights *w,
                            ardiff_precision precision, int src_rows_max, int rows_max,
                            const ad_fwd_extra *extra, ad_fwd **out)
{
    *out = NULL;
    ad_fwd *f = calloc(1, sizeof *f);
    if (!f) return ad_fail(ARDIFF_E_OOM, "out of host memory");
    f->c = c;
    f->h = c->hidden_size;
    f->d = c->in_channels;
    f->dout = c->out_channels;
    f->ct = c->time_channels;
    f->N = c->tgt_len;
    f->V = c->vocab_size;
    f->T = c->diffusion_steps;
    f->Hd = c->decoder_heads;
    f->He = c->encoder_heads;
    f->dhd = f->h / f->Hd;
    f->dhe = f->h / f->He;
    f->rows_max = rows_max;
    f->src_rows_max = src_rows_max;
    f->S_max = c->max_src_len;
    f->extra = extra;

    ardiff_status st = ocl_dev_open(index, &f->dev);
    if (st == ARDIFF_OK) st = tune_first_use(f);
    if (st == ARDIFF_OK)
        st = ocl_variants_format(ocl_dev_variants(f->dev), f->kernels, sizeof f->kernels);
    if (st == ARDIFF_OK) st = check_memory(f, w, precision);
    if (st == ARDIFF_OK) st = plan_buffers(f);
    if (st == ARDIFF_OK) st = upload_weights(f, w, precision);
    if (st == ARDIFF_OK) st = ocl_finish(f->dev);
    f->extra = NULL; /* the caller's: not kept past create */
    if (st != ARDIFF_OK) {
        ad_fwd_free(f);
        return st;
    }
    *out = f;
    return ARDIFF_OK;
}

void ad_fwd_free(ad_fwd *f)
{
    if (!f) return;
    ocl_buf *bufs[] = {f->src_ids, f->src_mask, f->e, f->e_qkv, f->e_att, f->e_tmp, f->e_ff,
                       f->ckv, f->hres, f->hn, f->wide, f->qkv, f->att, f->ff, f->ffg, f->temb,
                       f->tm, f->R, f->ones};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) ocl_buf_free(bufs[i]);
    ad_wstore_free(f->ws);
    ocl_dev_free(f->dev);
    free(f);
}

const ardiff_device_desc *ad_fwd_device(const ad_fwd *f) { return ocl_dev_desc(f->dev); }
ocl_dev *ad_fwd_dev(ad_fwd *f) { return f->dev; }
const char *ad_fwd_kernels(const ad_fwd *f) { return f->kernels; }
ardiff_status ad_fwd_sync(ad_fwd *f) { return ocl_finish(f->dev); }

/* ---- encoder ------------------------------------------------------------------------------- */

static ardiff_status encoder_layer(ad_fwd *f, const ad_enc_layer_w *L, size_t Me)
{
    size_t h = f->h, I = f->c->encoder_intermediate_size;
    ocl_dev *dev = f->dev;
    /* [B*S, h] -> qkv [B*S, 3h] */
    AD_TRY(lin(f, f->e, 0, Me, h, L->qkv_w, 3 * h, f->e_qkv, 0, 0.0f));
    AD_TRY(bias(f, f->e_qkv, Me, 3 * h, L->qkv_b, OPS_ACT_NONE));
    size_t rs = (size_t)f->S * 3 * h;
    ops_seq q = {f->e_qkv, 0, rs, 3 * h}, k = {f->e_qkv, h, rs, 3 * h}, v = {f->e_qkv, 2 * h, rs, 3 * h};
    ops_seq_out o = {f->e_att, 0, (size_t)f->S * h, h};
    AD_TRY(ops_attention_encoder(dev, q, k, v, f->src_mask, 0, (size_t)f->S, o, f->B, f->S, f->He,
                                 f->dhe));
    /* post-LN: e = LN(e + dense(att)) */
    AD_TRY(lin(f, f->e_att, 0, Me, h, L->ao_w, h, f->e_tmp, 0, 0.0f));
    AD_TRY(bias(f, f->e_tmp, Me, h, L->ao_b, OPS_ACT_NONE));
    AD_TRY(ops_add_layernorm(dev, f->e_tmp, 0, h, f->e, 0, h, f->e_tmp, 0, h, f->W, L->ln1_g, f->W,
                             L->ln1_b, f->e, 0, h, (int)Me, (int)h, (float)f->c->layer_norm_eps));
    AD_TRY(lin(f, f->e, 0, Me, h, L->ff1_w, I, f->e_ff, 0, 0.0f));
    AD_TRY(bias(f, f->e_ff, Me, I, L->ff1_b, OPS_ACT_GELU));
    AD_TRY(lin(f, f->e_ff, 0, Me, I, L->ff2_w, h, f->e_tmp, 0, 0.0f));
    AD_TRY(bias(f, f->e_tmp, Me, h, L->ff2_b, OPS_ACT_NONE));
    return ops_add_layernorm(dev, f->e_tmp, 0, h, f->e, 0, h, f->e_tmp, 0, h, f->W, L->ln2_g, f->W,
                             L->ln2_b, f->e, 0, h, (int)Me, (int)h, (float)f->c->layer_norm_eps);
}

ardiff_status ad_fwd_encode(ad_fwd *f, const int32_t *ids, const int32_t *mask, int B, int S)
{
    if (B < 1 || B > f->src_rows_max || S < 1 || S > f->S_max)
        return ad_fail(ARDIFF_E_INVALID_ARG, "encode: batch %d x %d tokens exceeds the plan "
                       "(%d x %d)", B, S, f->src_rows_max, f->S_max);
    f->B = B;
    f->S = S;
    size_t Me = (size_t)B * S, h = f->h;
    AD_TRY(ocl_buf_write(f->dev, f->src_ids, 0, ids, Me * sizeof(int32_t)));
    AD_TRY(ocl_buf_write(f->dev, f->src_mask, 0, mask, Me * sizeof(int32_t)));
    const ad_weights *w = f->w;
    AD_TRY(wuse(f, AD_WG_ENC_EMBED, 0));
    if (ad_wstore_precision(f->ws) == ARDIFF_PRECISION_FP32) {
        AD_TRY(ops_embed_bert(f->dev, f->src_ids, 0, f->W, w->enc_word, f->W, w->enc_pos, f->W,
                              w->enc_type, f->e_tmp, 0, B, S, (int)h, f->V));
    } else { /* word rows from the half arena, then (+ position) + token type 0, in that order */
        AD_TRY(ad_wstore_encoder_words(f->ws, f->src_ids, 0, (int)Me, f->e_tmp, 0));
        AD_TRY(ops_pos_add(f->dev, f->e_tmp, 0, f->W, w->enc_pos, B, S, (int)h));
        AD_TRY(ops_pos_add(f->dev, f->e_tmp, 0, f->W, w->enc_type, (int)Me, 1, (int)h));
    }
    AD_TRY(ln(f, f->e_tmp, f->e, Me, (int)h, w->enc_ln_g, w->enc_ln_b));
    for (int l = 0; l < f->c->encoder_layers; l++) {
        AD_TRY(wuse(f, AD_WG_ENC_LAYER, l));
        AD_TRY(encoder_layer(f, &w->enc[l], Me));
    }
    /* cross-attention keys and values of every decoder layer, once per batch: [B*S, 2h] */
    for (int l = 0; l < f->c->decoder_layers; l++) {
        AD_TRY(wuse(f, AD_WG_DEC_LAYER, l));
        AD_TRY(lin(f, f->e, 0, Me, h, w->dec[l].ckv_w, 2 * h, f->ckv, (size_t)l * Me * 2 * h, 0.0f));
    }
    return ARDIFF_OK;
}

ardiff_status ad_fwd_read_encoder(ad_fwd *f, float *out)
{
    return ocl_buf_read(f->dev, f->e, 0, out, (size_t)f->B * f->S * f->h * sizeof(float));
}

/* ---- decoder ------------------------------------------------------------------------------- */

ardiff_status ad_fwd_set_rows(ad_fwd *f, int rows, int kv_group)
{
    if (rows < 1 || rows > f->rows_max || kv_group < 1 || rows % kv_group ||
        rows / kv_group > f->B)
        return ad_fail(ARDIFF_E_INVALID_ARG, "%d decoder rows (groups of %d, %d sources) do not "
                       "fit the plan (%d rows)", rows, kv_group, f->B, f->rows_max);
    f->rows = rows;
    f->kv_group = kv_group;
    return ARDIFF_OK;
}

/* f->R[off .. off + N*h) = time_trans(temb) = W2·SiLU(W0·temb + b0) + b2, [N, h], from the
 * step's time features (shared by all rows): a layer's key-side term (time_att) or the
 * decoder-input term (time_att = 0). */
static ardiff_status time_mlp(ad_fwd *f, size_t w0, size_t b0, size_t w2, size_t b2, size_t off)
{
    size_t N = f->N, ct = f->ct, h = f->h;
    AD_TRY(lin(f, f->temb, 0, N, ct, w0, 4 * ct, f->tm, 0, 0.0f));
    AD_TRY(bias(f, f->tm, N, 4 * ct, b0, OPS_ACT_SILU));
    AD_TRY(lin(f, f->tm, 0, N, 4 * ct, w2, h, f->R, off, 0.0f));
    return ops_bias_act(f->dev, f->R, off, h, f->W, b2, f->R, off, h, (int)N, (int)h,
                        OPS_ACT_NONE);
}

/* Layer l's time term R_l [N, h] at f->R + l*N*h. */
static ardiff_status time_term(ad_fwd *f, int l)
{
    const ad_dec_layer_w *L = &f->w->dec[l];
    return time_mlp(f, L->t0_w, L->t0_b, L->t2_w, L->t2_b, (size_t)l * f->N * f->h);
}

static ardiff_status decoder_layer(ad_fwd *f, int l, size_t M)
{
    const ad_dec_layer_w *L = &f->w->dec[l];
    size_t h = f->h, N = f->N, Me = (size_t)f->B * f->S;
    ocl_dev *dev = f->dev;
    /* self-attention: with the key-side time term (time_att), else plain (an all-ones mask
     * shared by every row) */
    AD_TRY(ln(f, f->hres, f->hn, M, (int)h, L->n1_g, L->n1_b));
    AD_TRY(lin(f, f->hn, 0, M, h, L->qkv_w, 3 * h, f->qkv, 0, 0.0f));
    size_t rs = N * 3 * h;
    ops_seq q = {f->qkv, 0, rs, 3 * h}, k = {f->qkv, h, rs, 3 * h}, v = {f->qkv, 2 * h, rs, 3 * h};
    ops_seq_out o = {f->att, 0, N * h, h};
    if (f->c->time_att) {
        ops_seq R = {f->R, (size_t)l * N * h, 0, h}; /* row stride 0: every row shares R_l */
        AD_TRY(ops_attention_self_time(dev, q, k, v, R, f->W, L->u, f->W, L->w, o, f->rows,
                                       (int)N, f->Hd, f->dhd));
    } else {
        AD_TRY(ops_attention_encoder(dev, q, k, v, f->ones, 0, 0, o, f->rows, (int)N, f->Hd,
                                     f->dhd));
    }
    AD_TRY(lin(f, f->att, 0, M, h, L->o_w, h, f->hres, 0, 1.0f));
    AD_TRY(bias(f, f->hres, M, h, L->o_b, OPS_ACT_NONE));
    /* cross-attention: row r reads source r / kv_group */
    AD_TRY(ln(f, f->hres, f->hn, M, (int)h, L->n2_g, L->n2_b));
    AD_TRY(lin(f, f->hn, 0, M, h, L->cq_w, h, f->qkv, 0, 0.0f));
    size_t kv = (size_t)l * Me * 2 * h, srs = (size_t)f->S * 2 * h;
    ops_seq cq = {f->qkv, 0, N * h, h};
    ops_seq ck = {f->ckv, kv, srs, 2 * h}, cv = {f->ckv, kv + h, srs, 2 * h};
    AD_TRY(ops_attention_cross(dev, cq, ck, cv, f->src_mask, 0, (size_t)f->S, o, f->rows, (int)N,
                               f->S, f->Hd, f->dhd, f->kv_group));
    AD_TRY(lin(f, f->att, 0, M, h, L->co_w, h, f->hres, 0, 1.0f));
    AD_TRY(bias(f, f->hres, M, h, L->co_b, OPS_ACT_NONE));
    /* GEGLU feed-forward */
    AD_TRY(ln(f, f->hres, f->hn, M, (int)h, L->n3_g, L->n3_b));
    AD_TRY(lin(f, f->hn, 0, M, h, L->ff0_w, 8 * h, f->ff, 0, 0.0f));
    AD_TRY(ops_geglu(dev, f->ff, 0, 8 * h, f->W, L->ff0_b, f->ffg, 0, 4 * h, (int)M, (int)(4 * h)));
    AD_TRY(lin(f, f->ffg, 0, M, 4 * h, L->ff2_w, h, f->hres, 0, 1.0f));
    return bias(f, f->hres, M, h, L->ff2_b, OPS_ACT_NONE);
}

ardiff_status ad_fwd_denoise(ad_fwd *f, const ocl_buf *z, const ocl_buf *tab, size_t tau_off,
                             ocl_buf *x0)
{
    const ad_weights *w = f->w;
    size_t M = (size_t)f->rows * f->N, h = f->h, d = f->d;
    if (f->rows < 1) return ad_fail(ARDIFF_E_INVALID_ARG, "denoise: no decoder rows set");
    AD_TRY(ops_time_embed(f->dev, tab, tau_off, f->temb, 0, f->N, f->ct, f->T));
    AD_TRY(wuse(f, AD_WG_DEC_PRE, 0));
    if (w->has_up) { /* [M, d] -> tanh -> [M, 2h] -> [M, h] */
        AD_TRY(lin(f, z, 0, M, d, w->up0_w, 2 * h, f->wide, 0, 0.0f));
        AD_TRY(bias(f, f->wide, M, 2 * h, w->up0_b, OPS_ACT_TANH));
        AD_TRY(lin(f, f->wide, 0, M, 2 * h, w->up2_w, h, f->hres, 0, 0.0f));
        AD_TRY(bias(f, f->hres, M, h, w->up2_b, OPS_ACT_NONE));
    } else {
        AD_TRY(ops_scale(f->dev, z, 0, d, f->hres, 0, h, (int)M, (int)h, 1.0f));
    }
    AD_TRY(ops_pos_add(f->dev, f->hres, 0, f->W, w->dec_pos, f->rows, f->N, (int)h));
    if (!f->c->time_att) { /* + time_trans(temb) [N, h], the same for every row */
        AD_TRY(time_mlp(f, w->tin0_w, w->tin0_b, w->tin2_w, w->tin2_b, 0));
        AD_TRY(ops_pos_add(f->dev, f->hres, 0, f->R, 0, f->rows, f->N, (int)h));
    }
    AD_TRY(ln(f, f->hres, f->hres, M, (int)h, w->dec_ln_g, w->dec_ln_b));
    for (int l = 0; l < f->c->decoder_layers; l++) {
        AD_TRY(wuse(f, AD_WG_DEC_LAYER, l));
        if (f->c->time_att) AD_TRY(time_term(f, l));
        AD_TRY(decoder_layer(f, l, M));
    }
    AD_TRY(wuse(f, AD_WG_DEC_POST, 0));
    if (w->has_down) {
        AD_TRY(lin(f, f->hres, 0, M, h, w->down0_w, 2 * h, f->wide, 0, 0.0f));
        AD_TRY(bias(f, f->wide, M, 2 * h, w->down0_b, OPS_ACT_TANH));
        AD_TRY(lin(f, f->wide, 0, M, 2 * h, w->down2_w, d, x0, 0, 0.0f));
        return bias(f, x0, M, d, w->down2_b, OPS_ACT_NONE);
    }
    return ops_scale(f->dev, f->hres, 0, h, x0, 0, d, (int)M, (int)d, 1.0f);
}

ardiff_status ad_fwd_word_embedding(ad_fwd *f, ad_fwd_embedding *out)
{
    AD_TRY(wuse(f, AD_WG_HEAD, 0));
    out->W = f->W;
    out->emb = f->w->emb;
    out->bias = f->w->lm_b;
    return ARDIFF_OK;
}
