/* wstore.c: fp32 or fp16 weight storage on one device (wstore.h). */
#include "wstore.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "engine/safetensors.h"
#include "ocl/dev.h"

#define NGROUPS_MAX (4 + 2 * AD_MAX_LAYERS)
#define UPLOAD_CHUNK ((size_t)1 << 20) /* halves converted and written at a time */

/* one contiguous block [start, end) of the arena (floats) */
typedef struct wgroup {
    ad_wgroup kind;
    int layer;
    size_t start, end;
} wgroup;

typedef struct wplan {
    wgroup g[NGROUPS_MAX];
    int n;
    int enc0, dec0, pre, post, head; /* index of the first group of each kind */
    size_t words, V, h;              /* the encoder word table [V, h] at arena offset words */
} wplan;

struct ad_wstore {
    ocl_dev *dev;
    ardiff_precision precision;
    ocl_buf *arena;     /* fp32: the arena; fp16: the half arena (uint16 per weight) */
    ocl_buf *scratch;   /* fp16 only: the expanded group, [largest] floats */
    wplan plan;
    int current;        /* group the scratch holds, -1 if none */
    ad_weights view;    /* offsets into ad_wstore_buf (rebased per group in fp16 storage) */
};

static void group_name(const wgroup *g, char *buf, size_t n)
{
    static const char *const names[] = {"encoder embeddings", "encoder layer", "decoder pre",
                                        "decoder layer", "decoder post", "head"};
    if (g->kind == AD_WG_ENC_LAYER || g->kind == AD_WG_DEC_LAYER)
        snprintf(buf, n, "%s %d", names[g->kind], g->layer);
    else
        snprintf(buf, n, "%s", names[g->kind]);
}

static void push(wplan *p, ad_wgroup kind, int layer, size_t start)
{
    wgroup *g = &p->g[p->n++];
    g->kind = kind;
    g->layer = layer;
    g->start = start;
}

/* The groups from the arena offsets (weights.c plans the blocks in this order); each ends where
 * the next begins. Fails if the offsets are not in that order (a change of weights.c's plan). */
static ardiff_status make_plan(const ad_model_config *c, const ad_weights *w, wplan *p)
{
    memset(p, 0, sizeof *p);
    p->words = w->enc_word;
    p->V = (size_t)c->vocab_size;
    p->h = (size_t)c->hidden_size;
    if (w->enc_word != 0 || w->enc_pos != p->V * p->h)
        return ad_fail(ARDIFF_E_INTERNAL, "the encoder word embeddings do not open the arena");
    push(p, AD_WG_ENC_EMBED, 0, w->enc_pos); /* the word table is gathered, never expanded */
    p->enc0 = p->n;
    for (int l = 0; l < c->encoder_layers; l++) push(p, AD_WG_ENC_LAYER, l, w->enc[l].qkv_w);
    p->pre = p->n;
    push(p, AD_WG_DEC_PRE, 0, w->has_up ? w->up0_w : w->dec_pos);
    p->dec0 = p->n;
    for (int l = 0; l < c->decoder_layers; l++)
        push(p, AD_WG_DEC_LAYER, l, c->time_att ? w->dec[l].t0_w : w->dec[l].qkv_w);
    p->post = p->n;
    push(p, AD_WG_DEC_POST, 0, w->has_down ? w->down0_w : w->emb); /* empty without down-proj */
    p->head = p->n;
    push(p, AD_WG_HEAD, 0, w->emb);
    for (int i = 0; i < p->n; i++) {
        p->g[i].end = i + 1 < p->n ? p->g[i + 1].start : w->total;
        if (p->g[i].end < p->g[i].start || (p->g[i].end == p->g[i].start && i != p->post))
            return ad_fail(ARDIFF_E_INTERNAL, "weight groups out of plan order at group %d "
                           "(offsets %zu..%zu)", i, p->g[i].start, p->g[i].end);
    }
    return ARDIFF_OK;
}

/* Rebases n offsets (all inside group g) to the group's start. */
static ardiff_status rebase(size_t *off, size_t n, const wgroup *g)
{
    for (size_t i = 0; i < n; i++) {
        if (off[i] < g->start || off[i] >= g->end) {
            char name[48];
            group_name(g, name, sizeof name);
            return ad_fail(ARDIFF_E_INTERNAL, "weight at offset %zu lies outside its group %s "
                           "[%zu, %zu)", off[i], name, g->start, g->end);
        }
        off[i] -= g->start;
    }
    return ARDIFF_OK;
}

/* The layer structs hold nothing but size_t offsets: rebase them as arrays. */
_Static_assert(sizeof(ad_enc_layer_w) % sizeof(size_t) == 0, "ad_enc_layer_w: offsets only");
_Static_assert(sizeof(ad_dec_layer_w) % sizeof(size_t) == 0, "ad_dec_layer_w: offsets only");
#define NFIELDS(T) (sizeof(T) / sizeof(size_t))

static ardiff_status make_view(const ad_model_config *c, const wplan *p, ad_weights *v)
{
    size_t enc_embed[] = {v->enc_pos, v->enc_type, v->enc_ln_g, v->enc_ln_b};
    AD_TRY(rebase(enc_embed, 4, &p->g[0]));
    v->enc_pos = enc_embed[0], v->enc_type = enc_embed[1];
    v->enc_ln_g = enc_embed[2], v->enc_ln_b = enc_embed[3];
    /* v->enc_word stays an offset into the half arena: see ad_wstore_encoder_words */
    for (int l = 0; l < c->encoder_layers; l++)
        AD_TRY(rebase((size_t *)&v->enc[l], NFIELDS(ad_enc_layer_w), &p->g[p->enc0 + l]));
    const wgroup *pre = &p->g[p->pre];
    if (v->has_up) {
        size_t up[] = {v->up0_w, v->up0_b, v->up2_w, v->up2_b};
        AD_TRY(rebase(up, 4, pre));
        v->up0_w = up[0], v->up0_b = up[1], v->up2_w = up[2], v->up2_b = up[3];
    }
    AD_TRY(rebase(&v->dec_pos, 1, pre));
    AD_TRY(rebase(&v->dec_ln_g, 1, pre));
    AD_TRY(rebase(&v->dec_ln_b, 1, pre));
    if (!c->time_att) {
        size_t tin[] = {v->tin0_w, v->tin0_b, v->tin2_w, v->tin2_b};
        AD_TRY(rebase(tin, 4, pre));
        v->tin0_w = tin[0], v->tin0_b = tin[1], v->tin2_w = tin[2], v->tin2_b = tin[3];
    }
    for (int l = 0; l < c->decoder_layers; l++) {
        ad_dec_layer_w *L = &v->dec[l];
        if (!c->time_att) /* no per-layer time weights: offsets never read, kept in the group */
            L->t0_w = L->t0_b = L->t2_w = L->t2_b = L->u = L->w = p->g[p->dec0 + l].start;
        AD_TRY(rebase((size_t *)L, NFIELDS(ad_dec_layer_w), &p->g[p->dec0 + l]));
    }
    if (v->has_down) {
        size_t down[] = {v->down0_w, v->down0_b, v->down2_w, v->down2_b};
        AD_TRY(rebase(down, 4, &p->g[p->post]));
        v->down0_w = down[0], v->down0_b = down[1], v->down2_w = down[2], v->down2_b = down[3];
    }
    AD_TRY(rebase(&v->emb, 1, &p->g[p->head]));
    return rebase(&v->lm_b, 1, &p->g[p->head]);
}

ardiff_status ad_wstore_size_of(const ad_model_config *c, const ad_weights *w,
                                ardiff_precision precision, ad_wstore_size *out)
{
    memset(out, 0, sizeof *out);
    wplan p;
    AD_TRY(make_plan(c, w, &p));
    int big = 0;
    for (int i = 1; i < p.n; i++)
        if (p.g[i].end - p.g[i].start > p.g[big].end - p.g[big].start) big = i;
    out->fp32_arena = w->total * sizeof(float);
    out->largest = p.g[big].end - p.g[big].start;
    group_name(&p.g[big], out->largest_name, sizeof out->largest_name);
    if (precision == ARDIFF_PRECISION_FP16) {
        out->resident = w->total * sizeof(uint16_t);
        out->scratch = out->largest * sizeof(float);
    } else {
        out->resident = out->fp32_arena;
    }
    return ARDIFF_OK;
}

/* Converts the arena to half in chunks and writes it to s->arena. A finite weight beyond half's
 * range would become infinite: that is refused, naming its group. */
static ardiff_status upload_half(ad_wstore *s, const ad_weights *w)
{
    uint16_t *buf = malloc(UPLOAD_CHUNK * sizeof *buf);
    if (!buf) return ad_fail(ARDIFF_E_OOM, "out of host memory");
    ardiff_status st = ARDIFF_OK;
    for (size_t i0 = 0; st == ARDIFF_OK && i0 < w->total; i0 += UPLOAD_CHUNK) {
        size_t n = w->total - i0 < UPLOAD_CHUNK ? w->total - i0 : UPLOAD_CHUNK;
        for (size_t i = 0; i < n; i++) {
            float x = w->host[i0 + i];
            buf[i] = ad_f32_to_f16(x);
            if (isfinite(x) && (buf[i] & 0x7c00u) == 0x7c00u) {
                int g = 0;
                while (g + 1 < s->plan.n && s->plan.g[g + 1].start <= i0 + i) g++;
                char name[48];
                group_name(&s->plan.g[g], name, sizeof name);
                st = ad_fail(ARDIFF_E_UNSUPPORTED, "fp16 storage: weight %g (%s, arena offset "
                             "%zu) is beyond the half range (|x| <= 65504); use fp32", x, name,
                             i0 + i);
                break;
            }
        }
        if (st == ARDIFF_OK)
            st = ocl_buf_write(s->dev, s->arena, i0 * sizeof *buf, buf, n * sizeof *buf);
    }
    free(buf);
    return st;
}

static void log_memory(const ad_wstore *s, const ad_wstore_size *z)
{
    const double MiB = 1024.0 * 1024.0;
    if (s->precision == ARDIFF_PRECISION_FP16)
        AD_INFO("device %d: weights stored as fp16: %.2f MiB resident + %.2f MiB fp32 scratch "
                "(largest group: %s, %zu weights) = %.2f MiB, vs %.2f MiB stored as fp32",
                ocl_dev_desc(s->dev)->index, z->resident / MiB, z->scratch / MiB, z->largest_name,
                z->largest, (z->resident + z->scratch) / MiB, z->fp32_arena / MiB);
    else
        AD_INFO("device %d: weights stored as fp32: %.2f MiB", ocl_dev_desc(s->dev)->index,
                z->resident / MiB);
}

static ardiff_status init(ad_wstore *s, const ad_model_config *c, const ad_weights *w)
{
    ad_wstore_size z;
    AD_TRY(ad_wstore_size_of(c, w, s->precision, &z));
    AD_TRY(make_plan(c, w, &s->plan));
    s->view = *w;
    s->view.host = NULL;
    s->current = -1;
    if (s->precision == ARDIFF_PRECISION_FP32) {
        AD_TRY(ocl_buf_alloc(s->dev, z.resident, &s->arena));
        AD_TRY(ocl_buf_write(s->dev, s->arena, 0, w->host, z.resident));
    } else {
        AD_TRY(make_view(c, &s->plan, &s->view));
        AD_TRY(ocl_buf_alloc(s->dev, z.resident, &s->arena));
        AD_TRY(ocl_buf_alloc(s->dev, z.scratch, &s->scratch));
        AD_TRY(upload_half(s, w));
    }
    log_memory(s, &z);
    return ARDIFF_OK;
}

ardiff_status ad_wstore_create(ocl_dev *dev, const ad_model_config *c, const ad_weights *w,
                               ardiff_precision precision, ad_wstore **out)
{
    *out = NULL;
    if (precision != ARDIFF_PRECISION_FP32 && precision != ARDIFF_PRECISION_FP16)
        return ad_fail(ARDIFF_E_INVALID_ARG, "unknown weight precision %d", (int)precision);
    ad_wstore *s = calloc(1, sizeof *s);
    if (!s) return ad_fail(ARDIFF_E_OOM, "out of host memory");
    s->dev = dev;
    s->precision = precision;
    ardiff_status st = init(s, c, w);
    if (st != ARDIFF_OK) {
        ad_wstore_free(s);
        return st;
    }
    *out = s;
    return ARDIFF_OK;
}

void ad_wstore_free(ad_wstore *s)
{
    if (!s) return;
    ocl_buf_free(s->arena);
    ocl_buf_free(s->scratch);
    free(s);
}

ardiff_status ad_wstore_use(ad_wstore *s, ad_wgroup g, int layer)
{
    if (s->precision == ARDIFF_PRECISION_FP32) return ARDIFF_OK;
    const wplan *p = &s->plan;
    int i = -1;
    switch (g) {
    case AD_WG_ENC_EMBED: i = 0; break;
    case AD_WG_ENC_LAYER: i = layer >= 0 && p->enc0 + layer < p->pre ? p->enc0 + layer : -1; break;
    case AD_WG_DEC_PRE: i = p->pre; break;
    case AD_WG_DEC_LAYER: i = layer >= 0 && p->dec0 + layer < p->post ? p->dec0 + layer : -1; break;
    case AD_WG_DEC_POST: i = p->post; break;
    case AD_WG_HEAD: i = p->head; break;
    }
    if (i < 0) return ad_fail(ARDIFF_E_INTERNAL, "weight group %d, layer %d does not exist", (int)g,
                              layer);
    const wgroup *w = &p->g[i];
    if (i == s->current || w->end == w->start) return ARDIFF_OK;
    s->current = -1;
    AD_TRY(ops_half_to_float(s->dev, s->arena, w->start, s->scratch, 0, w->end - w->start));
    s->current = i;
    return ARDIFF_OK;
}

ardiff_status ad_wstore_encoder_words(ad_wstore *s, const ocl_buf *ids, size_t ids_off, int M,
                                      ocl_buf *out, size_t o_off)
{
    if (s->precision != ARDIFF_PRECISION_FP16)
        return ad_fail(ARDIFF_E_INTERNAL, "ad_wstore_encoder_words: fp16 storage only");
    return ops_half_rows_to_float(s->dev, s->arena, s->plan.words, ids, ids_off, out, o_off, M,
                                  (int)s->plan.h, (int)s->plan.V);
}

const ocl_buf *ad_wstore_buf(const ad_wstore *s)
{
    return s->precision == ARDIFF_PRECISION_FP16 ? s->scratch : s->arena;
}

const ad_weights *ad_wstore_offsets(const ad_wstore *s) { return &s->view; }
ardiff_precision ad_wstore_precision(const ad_wstore *s) { return s->precision; }
