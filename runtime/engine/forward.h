/* forward.h: the network on one device, x̂0 from (z, t): the encoder (once per batch, with the
 * cross-attention keys and values of every decoder layer) and the decoder (once per sampler
 * step), as CLBlast GEMMs plus our kernels, all enqueued on the device's in-order queue; the C
 * twin of ArDiffusionLM.encode and .denoise (tools/ardiff_ref/model.py). Creating one opens the
 * device, uploads the weights and plans every buffer for the worst case (rows_max decoder rows,
 * src_rows_max sources of S_max tokens); the sampler (sampler.h), which drives the decoder step
 * by step, adds its own buffers to the same plan (ad_fwd_extra), so one memory check covers
 * the device.
 */
#ifndef ARDIFF_ENGINE_FORWARD_H
#define ARDIFF_ENGINE_FORWARD_H

#include <stddef.h>
#include <stdint.h>

#include "ardiff.h"
#include "engine/config.h"
#include "engine/devmem.h"
#include "engine/weights.h"
#include "ocl/ops.h"
#include "ocl/tune.h"

typedef struct ad_fwd ad_fwd;

#define AD_FWD_EXTRA_MAX 16

/* What another part of the engine will add to the device (the sampler: its buffers and the
 * GEMM shapes of its clamping), checked with the network's plan before anything is allocated
 * (devmem.h), its GEMM shapes counted in CLBlast's temporary buffer. */
typedef struct ad_fwd_extra {
    ad_mem_item items[AD_FWD_EXTRA_MAX];
    int n_items;
    struct {
        size_t m, n, k; /* C [m, n] = A [m, k] · B [n, k]ᵀ, contiguous row-major */
    } gemm[AD_FWD_EXTRA_MAX];
    int n_gemm;
} ad_fwd_extra;

/* Opens device `index`, builds the kernels, checks that the plan plus `extra` (may be NULL) fits
 * the device, uploads the weights in the given storage precision (engine/wstore.h) and plans
 * the buffers. */
ardiff_status ad_fwd_create(int index, const ad_model_config *cfg, const ad_weights *w,
                            ardiff_precision precision, int src_rows_max, int rows_max,
                            const ad_fwd_extra *extra, ad_fwd **out);
void ad_fwd_free(ad_fwd *f);
const ardiff_device_desc *ad_fwd_device(const ad_fwd *f);
/* The device, for the buffers and kernel launches of the sampler on it. */
ocl_dev *ad_fwd_dev(ad_fwd *f);
/* The device's kernel-variant table as one line (ocl_variants_format), fixed after create. */
const char *ad_fwd_kernels(const ad_fwd *f);
/* The shapes a kernel tuning of the model times (ocl/tune.h): one decoder step of k candidates
 * (capped at 10), the model's lengths and sizes; `what` says where they come from. */
void ad_fwd_tune_shapes(const ad_model_config *c, int k, const char *what, ocl_tune_shapes *s);
/* Waits until the device has finished everything enqueued. */
ardiff_status ad_fwd_sync(ad_fwd *f);

/* Encoder over B sources of S tokens (ids, mask int32 [B, S]); keeps the states and the
 * cross-attention K/V on the device. */
ardiff_status ad_fwd_encode(ad_fwd *f, const int32_t *ids, const int32_t *mask, int B, int S);
/* Reads back the encoder states [B, S, h] of the last ad_fwd_encode. */
ardiff_status ad_fwd_read_encoder(ad_fwd *f, float *out);

/* The decoder rows of the following ad_fwd_denoise calls: `rows` rows, row r reading source
 * r / kv_group of the last ad_fwd_encode (sample_loop's enc.repeat_interleave(k), without the
 * copy). */
ardiff_status ad_fwd_set_rows(ad_fwd *f, int rows, int kv_group);
/* x0 [rows*N, d] = decoder(z [rows*N, d], tau, encoder states): the network's estimate of the
 * clean embeddings (ArDiffusionLM.denoise). tau: the per-token code timesteps, int32 [N] at
 * element offset tau_off of `tab`, the same for every row. */
ardiff_status ad_fwd_denoise(ad_fwd *f, const ocl_buf *z, const ocl_buf *tab, size_t tau_off,
                             ocl_buf *x0);

/* The word embedding E [V, d] and the output head's bias b [V] (model.word_embedding.weight,
 * lm_head.bias) as the kernels read them: a buffer and element offsets into it. */
typedef struct ad_fwd_embedding {
    const ocl_buf *W;
    size_t emb, bias;
} ad_fwd_embedding;
/* Makes E and b readable on the device (fp16 storage expands them) and describes them: valid
 * until the next ad_fwd_encode or ad_fwd_denoise. */
ardiff_status ad_fwd_word_embedding(ad_fwd *f, ad_fwd_embedding *out);

#endif
