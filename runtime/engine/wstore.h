/* wstore.h: where one device keeps the model's weights, and in which precision.
 *
 * fp32 storage: the whole arena (weights.h) is uploaded as it is; every group is always there.
 * fp16 storage: the arena is converted on the host to IEEE half (round to nearest, ties to even)
 * and uploaded as such, which halves the resident weight memory. All arithmetic stays fp32:
 * before a group of weights is used, ad_wstore_use enqueues the expansion of that group into one
 * fp32 scratch buffer, the size of the largest group (cl/convert.cl, vload_half: core OpenCL
 * 1.2, so every device can do it). The groups are contiguous blocks of the arena in plan order:
 *
 *   [encoder word table] | encoder embeddings (position, token type, LayerNorm) |
 *   encoder layer 0 .. Le-1 | decoder pre (up-projection, positions, LayerNorm) |
 *   decoder layer 0 .. Ld-1 | decoder post (down-projection; empty when out_channels = hidden) |
 *   head (E, lm bias)
 *
 * The encoder's [V, h] word table would be the largest group by far (V = 30522), yet a batch
 * reads only its source tokens' rows: in fp16 storage ad_wstore_encoder_words gathers those rows
 * straight from the half arena, and the table is never expanded. The scratch is then the size of
 * the largest other group (the head [V, d] or a decoder layer).
 *
 * The store remembers which group the scratch holds, so consecutive uses of the same group
 * (the head: clamping at every step, then the final argmax) expand it once. Expansions are
 * enqueued on the device's in-order queue like every kernel: no host round trip, no allocation
 * after creation.
 *
 * Callers read weights through ad_wstore_buf (the fp32 buffer the kernels read: the arena, or
 * the scratch) at the offsets of ad_wstore_offsets (the arena's offsets, rebased to the start of
 * each field's group in fp16 storage). An offset is valid only while its group is in use.
 * (enc_word is the exception: in fp16 storage it is not readable in ad_wstore_buf.)
 */
#ifndef ARDIFF_ENGINE_WSTORE_H
#define ARDIFF_ENGINE_WSTORE_H

#include <stddef.h>

#include "ardiff.h"
#include "engine/config.h"
#include "engine/weights.h"
#include "ocl/ops.h"

typedef enum ad_wgroup {
    AD_WG_ENC_EMBED = 0,
    AD_WG_ENC_LAYER, /* with a layer index */
    AD_WG_DEC_PRE,
    AD_WG_DEC_LAYER, /* with a layer index */
    AD_WG_DEC_POST,
    AD_WG_HEAD
} ad_wgroup;

/* Device memory of one storage choice, in bytes (host-only arithmetic: no device needed). */
typedef struct ad_wstore_size {
    size_t fp32_arena;  /* the arena as fp32 (what fp32 storage keeps resident) */
    size_t resident;    /* the stored weights: fp32 arena, or the fp16 arena */
    size_t scratch;     /* fp32 scratch for the largest group (0 for fp32 storage) */
    size_t largest;     /* floats of the largest group */
    char largest_name[48];
} ad_wstore_size;

ardiff_status ad_wstore_size_of(const ad_model_config *c, const ad_weights *w,
                                ardiff_precision precision, ad_wstore_size *out);

typedef struct ad_wstore ad_wstore;

/* Uploads w to dev in the given precision (fp16: fails if a weight overflows half's range) and
 * logs the memory it takes at INFO level. */
ardiff_status ad_wstore_create(ocl_dev *dev, const ad_model_config *c, const ad_weights *w,
                               ardiff_precision precision, ad_wstore **out);
void ad_wstore_free(ad_wstore *s);

/* Makes group g (layer: index for the layer groups, else ignored) readable at the offsets of
 * ad_wstore_offsets; in fp16 storage this enqueues its expansion unless the scratch holds it. */
ardiff_status ad_wstore_use(ad_wstore *s, ad_wgroup g, int layer);

/* fp16 storage only: out [M, h] (fp32, row-major from o_off) = the encoder word embeddings of
 * the int32 ids [M] at ids_off, read from the half arena. */
ardiff_status ad_wstore_encoder_words(ad_wstore *s, const ocl_buf *ids, size_t ids_off, int M,
                                      ocl_buf *out, size_t o_off);

const ocl_buf *ad_wstore_buf(const ad_wstore *s);
const ad_weights *ad_wstore_offsets(const ad_wstore *s);
ardiff_precision ad_wstore_precision(const ad_wstore *s);

#endif
