/* weights.c: checking the model's tensors and packing them into the fp32 arena (weights.h). */
#include "weights.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define MAX_ENTRIES (16 + AD_MAX_LAYERS * 40)

typedef struct entry {
    char name[160];
    int rank;
    long dims[2];
    size_t *slot;
    int optional;       /* lm_head.weight: tied, may be absent */
} entry;

typedef struct plan {
    entry e[MAX_ENTRIES];
    int n;
    size_t sink[AD_MAX_LAYERS * 8]; /* slots nobody reads: the k/v parts of fused matrices */
    int nsink;
} plan;

#define SINK(p) (&(p)->sink[(p)->nsink++])

static void add(plan *p, size_t *slot, long d0, long d1, const char *fmt, ...) AD_PRINTF(5, 6);

static void add(plan *p, size_t *slot, long d0, long d1, const char *fmt, ...)
{
    entry *e = &p->e[p->n++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->name, sizeof e->name, fmt, ap);
    va_end(ap);
    e->rank = d1 ? 2 : 1;
    e->dims[0] = d0;
    e->dims[1] = d1;
    e->slot = slot;
    e->optional = 0;
}

/* A two-layer MLP of the official model (Linear, activation, Linear: PREFIX.0 and PREFIX.2),
 * in -> mid -> out. */
static void add_mlp(plan *p, size_t *w0, size_t *b0, size_t *w2, size_t *b2, long in, long mid,
                    long out, const char *prefix)
{
    add(p, w0, mid, in, "%s.0.weight", prefix);
    add(p, b0, mid, 0, "%s.0.bias", prefix);
    add(p, w2, out, mid, "%s.2.weight", prefix);
    add(p, b2, out, 0, "%s.2.bias", prefix);
}

static void plan_encoder(plan *p, const ad_model_config *c, ad_weights *w)
{
    long h = c->hidden_size, I = c->encoder_intermediate_size;
    add(p, &w->enc_word, c->vocab_size, h, "encoder.embeddings.word_embeddings.weight");
    add(p, &w->enc_pos, c->max_pos_len, h, "encoder.embeddings.position_embeddings.weight");
    add(p, &w->enc_type, c->type_vocab_size, h, "encoder.embeddings.token_type_embeddings.weight");
    add(p, &w->enc_ln_g, h, 0, "encoder.embeddings.LayerNorm.weight");
    add(p, &w->enc_ln_b, h, 0, "encoder.embeddings.LayerNorm.bias");
    for (int l = 0; l < c->encoder_layers; l++) {
        ad_enc_layer_w *L = &w->enc[l];
        const char *pre = "encoder.encoder.layer";
        /* key and value land right after query: one [3h, h] weight, one [3h] bias */
        add(p, &L->qkv_w, h, h, "%s.%d.attention.self.query.weight", pre, l);
        add(p, SINK(p), h, h, "%s.%d.attention.self.key.weight", pre, l);
        add(p, SINK(p), h, h, "%s.%d.attention.self.value.weight", pre, l);
        add(p, &L->qkv_b, h, 0, "%s.%d.attention.self.query.bias", pre, l);
        add(p, SINK(p), h, 0, "%s.%d.attention.self.key.bias", pre, l);
        add(p, SINK(p), h, 0, "%s.%d.attention.self.value.bias", pre, l);
        add(p, &L->ao_w, h, h, "%s.%d.attention.output.dense.weight", pre, l);
        add(p, &L->ao_b, h, 0, "%s.%d.attention.output.dense.bias", pre, l);
        add(p, &L->ln1_g, h, 0, "%s.%d.attention.output.LayerNorm.weight", pre, l);
        add(p, &L->ln1_b, h, 0, "%s.%d.attention.output.LayerNorm.bias", pre, l);
        add(p, &L->ff1_w, I, h, "%s.%d.intermediate.dense.weight", pre, l);
        add(p, &L->ff1_b, I, 0, "%s.%d.intermediate.dense.bias", pre, l);
        add(p, &L->ff2_w, h, I, "%s.%d.output.dense.weight", pre, l);
        add(p, &L->ff2_b, h, 0, "%s.%d.output.dense.bias", pre, l);
        add(p, &L->ln2_g, h, 0, "%s.%d.output.LayerNorm.weight", pre, l);
        add(p, &L->ln2_b, h, 0, "%s.%d.output.LayerNorm.bias", pre, l);
    }
}

static void plan_decoder(plan *p, const ad_model_config *c, ad_weights *w)
{
    long h = c->hidden_size, d = c->in_channels, o = c->out_channels, ct = c->time_channels;
    long H = c->decoder_heads, dh = h / H;
    w->has_up = d != h;
    w->has_down = o != h;
    if (w->has_up)
        add_mlp(p, &w->up0_w, &w->up0_b, &w->up2_w, &w->up2_b, d, 2 * h, h, "input_up_proj");
    add(p, &w->dec_pos, c->max_pos_len, h, "position_embeddings.weight");
    add(p, &w->dec_ln_g, h, 0, "LayerNorm.weight");
    add(p, &w->dec_ln_b, h, 0, "LayerNorm.bias");
    if (!c->time_att)
        add_mlp(p, &w->tin0_w, &w->tin0_b, &w->tin2_w, &w->tin2_b, ct, 4 * ct, h, "time_trans");
    for (int l = 0; l < c->decoder_layers; l++) {
        ad_dec_layer_w *L = &w->dec[l];
        const char *b = "transformer_blocks";
        if (c->time_att) {
            char pre[64];
            snprintf(pre, sizeof pre, "%s.%d.time_trans", b, l);
            add_mlp(p, &L->t0_w, &L->t0_b, &L->t2_w, &L->t2_b, ct, 4 * ct, h, pre);
            add(p, &L->u, H, dh, "%s.%d.r_w_bias", b, l);
            add(p, &L->w, H, dh, "%s.%d.r_r_bias", b, l);
        }
        add(p, &L->qkv_w, h, h, "%s.%d.attn1.to_q.weight", b, l);
        add(p, SINK(p), h, h, "%s.%d.attn1.to_k.weight", b, l);
        add(p, SINK(p), h, h, "%s.%d.attn1.to_v.weight", b, l);
        add(p, &L->o_w, h, h, "%s.%d.attn1.to_out.0.weight", b, l);
        add(p, &L->o_b, h, 0, "%s.%d.attn1.to_out.0.bias", b, l);
        add(p, &L->cq_w, h, h, "%s.%d.attn2.to_q.weight", b, l);
        add(p, &L->ckv_w, h, h, "%s.%d.attn2.to_k.weight", b, l);
        add(p, SINK(p), h, h, "%s.%d.attn2.to_v.weight", b, l);
        add(p, &L->co_w, h, h, "%s.%d.attn2.to_out.0.weight", b, l);
        add(p, &L->co_b, h, 0, "%s.%d.attn2.to_out.0.bias", b, l);
        add(p, &L->ff0_w, 8 * h, h, "%s.%d.ff.net.0.proj.weight", b, l);
        add(p, &L->ff0_b, 8 * h, 0, "%s.%d.ff.net.0.proj.bias", b, l);
        add(p, &L->ff2_w, h, 4 * h, "%s.%d.ff.net.2.weight", b, l);
        add(p, &L->ff2_b, h, 0, "%s.%d.ff.net.2.bias", b, l);
        add(p, &L->n1_g, h, 0, "%s.%d.norm1.weight", b, l);
        add(p, &L->n1_b, h, 0, "%s.%d.norm1.bias", b, l);
        add(p, &L->n2_g, h, 0, "%s.%d.norm2.weight", b, l);
        add(p, &L->n2_b, h, 0, "%s.%d.norm2.bias", b, l);
        add(p, &L->n3_g, h, 0, "%s.%d.norm3.weight", b, l);
        add(p, &L->n3_b, h, 0, "%s.%d.norm3.bias", b, l);
    }
    if (w->has_down)
        add_mlp(p, &w->down0_w, &w->down0_b, &w->down2_w, &w->down2_b, h, 2 * h, o,
                "output_down_proj");
    /* the head is tied: lm_head.weight (if present) wins, as the official loader does */
    add(p, &w->emb, c->vocab_size, d, "lm_head.weight");
    p->e[p->n - 1].optional = 1;
    add(p, &w->lm_b, c->vocab_size, 0, "lm_head.bias");
}

/* Tensors of a checkpoint that ardiff reads elsewhere or needs not. */
static int ignorable(const char *name)
{
    return !strcmp(name, "word_embedding.weight") || !strcmp(name, "position_ids") ||
           !strcmp(name, "encoder.embeddings.position_ids") ||
           !strcmp(name, "encoder.embeddings.token_type_ids") ||
           !strncmp(name, "encoder.pooler.", 15);
}

static int planned(const plan *p, const char *name)
{
    for (int i = 0; i < p->n; i++)
        if (!strcmp(p->e[i].name, name)) return 1;
    return 0;
}

/* Every loaded value must be finite: a NaN or Inf in any tensor spreads through the network and
 * silently yields empty text. Checked once, on the host copy (fp32, after any fp16/bf16
 * expansion). Names the first bad tensor, the element and the file. */
static ardiff_status check_finite(const plan *p, const ad_st_tensor *const *found,
                                  const float *host, const char *path)
{
    for (int i = 0; i < p->n; i++) {
        const entry *e = &p->e[i];
        size_t n = (size_t)e->dims[0] * (size_t)(e->rank == 2 ? e->dims[1] : 1);
        const float *v = host + *e->slot;
        for (size_t j = 0; j < n; j++) {
            if (isfinite(v[j])) continue;
            return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' holds %s at element %zu of %zu; "
                           "the weights are broken (re-export or re-convert the model)", path,
                           found[i]->name, isnan(v[j]) ? "NaN" : v[j] > 0 ? "+Inf" : "-Inf",
                           j, n);
        }
    }
    return ARDIFF_OK;
}

ardiff_status ad_weights_load(const ad_model_config *c, const ad_safetensors *st, ad_weights *w)
{
    memset(w, 0, sizeof *w);
    if (c->encoder_layers > AD_MAX_LAYERS || c->decoder_layers > AD_MAX_LAYERS)
        return ad_fail(ARDIFF_E_UNSUPPORTED, "more than %d layers", AD_MAX_LAYERS);
    plan *p = calloc(1, sizeof *p);
    if (!p) return ad_fail(ARDIFF_E_OOM, "out of host memory");
    plan_encoder(p, c, w);
    plan_decoder(p, c, w);

    ardiff_status st_ = ARDIFF_OK;
    const ad_st_tensor **found = calloc((size_t)p->n, sizeof *found);
    if (!found) { free(p); return ad_fail(ARDIFF_E_OOM, "out of host memory"); }
    size_t total = 0;
    for (int i = 0; i < p->n && st_ == ARDIFF_OK; i++) {
        entry *e = &p->e[i];
        const char *name = e->name;
        if (e->optional && !ad_st_find(st, name)) name = "word_embedding.weight";
        st_ = e->rank == 2
                  ? ad_st_expect(st, name, AD_ST_ANY_FLOAT, &found[i], 2, (int)e->dims[0], (int)e->dims[1])
                  : ad_st_expect(st, name, AD_ST_ANY_FLOAT, &found[i], 1, (int)e->dims[0]);
        *e->slot = total;
        total += (size_t)e->dims[0] * (size_t)(e->rank == 2 ? e->dims[1] : 1);
    }
    if (st_ == ARDIFF_OK) {
        for (int i = 0; i < ad_st_count(st); i++) {
            const ad_st_tensor *t = ad_st_at(st, i);
            if (!planned(p, t->name) && !ignorable(t->name))
                AD_WARN("%s: tensor '%s' is not used by this model (ignored)", ad_st_path(st), t->name);
        }
        w->host = malloc(total * sizeof(float));
        if (!w->host) st_ = ad_fail(ARDIFF_E_OOM, "out of host memory for %zu weights", total);
    }
    for (int i = 0; i < p->n && st_ == ARDIFF_OK; i++)
        st_ = ad_st_read_f32(found[i], w->host + *p->e[i].slot);
    if (st_ == ARDIFF_OK) st_ = check_finite(p, found, w->host, ad_st_path(st));
    w->total = total;
    free(found);
    free(p);
    if (st_ != ARDIFF_OK) ad_weights_free(w);
    return st_;
}

void ad_weights_free(ad_weights *w)
{
    if (!w) return;
    free(w->host);
    w->host = NULL;
}
