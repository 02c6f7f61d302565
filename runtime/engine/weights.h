/* weights.h: the model's tensors, checked against model.ini and packed into one fp32 arena.
 *
 * Tensor names are the official PyTorch state-dict names (docs/model-format.md). The arena puts
 * tensors that one GEMM reads together next to each other, so q/k/v (and the cross-attention
 * k/v, and their biases) become one [3h, h] (or [2h, h]) weight without copying at run time.
 * Offsets are in floats from the start of the arena; the same arena is uploaded to every device.
 */
#ifndef ARDIFF_ENGINE_WEIGHTS_H
#define ARDIFF_ENGINE_WEIGHTS_H

#include <stddef.h>

#include "ardiff.h"
#include "engine/config.h"
#include "engine/safetensors.h"

#define AD_MAX_LAYERS 64

typedef struct ad_enc_layer_w {
    size_t qkv_w, qkv_b;     /* [3h, h], [3h]: query, key, value */
    size_t ao_w, ao_b;       /* attention output dense [h, h], [h] */
    size_t ln1_g, ln1_b;     /* attention.output.LayerNorm */
    size_t ff1_w, ff1_b;     /* intermediate.dense [I, h], [I] */
    size_t ff2_w, ff2_b;     /* output.dense [h, I], [h] */
    size_t ln2_g, ln2_b;     /* output.LayerNorm */
} ad_enc_layer_w;

typedef struct ad_dec_layer_w {
    size_t t0_w, t0_b, t2_w, t2_b; /* time_trans: [4c, c], [4c]; [h, 4c], [h] (time_att only) */
    size_t u, w;                   /* r_w_bias, r_r_bias [H, dh] (time_att only) */
    size_t qkv_w;                  /* attn1 to_q, to_k, to_v [3h, h] */
    size_t o_w, o_b;               /* attn1.to_out.0 */
    size_t cq_w;                   /* attn2.to_q [h, h] */
    size_t ckv_w;                  /* attn2 to_k, to_v [2h, h] */
    size_t co_w, co_b;             /* attn2.to_out.0 */
    size_t ff0_w, ff0_b;           /* ff.net.0.proj [8h, h], [8h] */
    size_t ff2_w, ff2_b;           /* ff.net.2 [h, 4h], [h] */
    size_t n1_g, n1_b, n2_g, n2_b, n3_g, n3_b;
} ad_dec_layer_w;

typedef struct ad_weights {
    size_t total;            /* floats in the arena */
    float *host;             /* the arena on the host (uploaded once per device) */
    /* encoder */
    size_t enc_word, enc_pos, enc_type, enc_ln_g, enc_ln_b;
    ad_enc_layer_w enc[AD_MAX_LAYERS];
    /* decoder */
    int has_up, has_down;
    size_t up0_w, up0_b, up2_w, up2_b;       /* input_up_proj: [2h, d], [h, 2h] */
    size_t dec_pos, dec_ln_g, dec_ln_b;
    size_t tin0_w, tin0_b, tin2_w, tin2_b;   /* time_att = 0: time_trans [4c, c], [4c]; [h, 4c], [h] */
    ad_dec_layer_w dec[AD_MAX_LAYERS];
    size_t down0_w, down0_b, down2_w, down2_b; /* output_down_proj: [2h, h], [out, 2h] */
    size_t emb, lm_b;                         /* word embedding = lm_head.weight [V, d]; bias [V] */
} ad_weights;

/* Checks every tensor of the model in st against cfg (names, shapes, float dtypes), warns about
 * tensors it does not use, and fills the arena. Fails naming the first bad tensor. */
ardiff_status ad_weights_load(const ad_model_config *cfg, const ad_safetensors *st, ad_weights *w);
void ad_weights_free(ad_weights *w);

#endif
