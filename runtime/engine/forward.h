/* forward.h: the network on one device: the encoder (once per batch, with the cross-attention
 * keys and values of every decoder layer) and the decoder (once per sampler step), as CLBlast
 * GEMMs plus our kernels, all enqueued on the device's in-order queue. Every buffer is planned
 * at creation for the worst case (rows_max decoder rows, src_rows_max sources of S_max tokens).
 */
#ifndef ARDIFF_ENGINE_FORWARD_H
#define ARDIFF_ENGINE_FORWARD_H

#include <stdint.h>

#include "ardiff.h"
#include "engine/config.h"
#include "engine/weights.h"
#include "ocl/ops.h"
#include "ocl/tune.h"

typedef struct ad_fwd ad_fwd;

/* Opens device `index`, builds the kernels, uploads the weights in the given storage precision
 * (engine/wstore.h) and plans the buffers. */
ardiff_status ad_fwd_create(int index, const ad_model_config *cfg, const ad_weights *w,
                            ardiff_precision precision, int src_rows_max, int rows_max,
                            int steps_max, ad_fwd **out);
void ad_fwd_free(ad_fwd *f);
const ardiff_device_desc *ad_fwd_device(const ad_fwd *f);
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

/* Sets up a generation of `rows` decoder rows: row r belongs to source r / kv_group, and its
 * noise uses (input_of_row[r], cand_of_row[r]); table int32 [(K+1), N]; draws z_T. */
ardiff_status ad_fwd_begin(ad_fwd *f, int rows, int kv_group, const int32_t *input_of_row,
                           const int32_t *cand_of_row, const int32_t *table, int K, uint64_t seed);
/* Sampler step s (1..K): x0 = decoder(z, tau row s-1), clamp, z = skip posterior to row s. */
ardiff_status ad_fwd_step(ad_fwd *f, int s);
/* Reads back the last step's x0 before and after clamping, [rows, N, d] each (NULL: skip). */
ardiff_status ad_fwd_read_x0(ad_fwd *f, float *x0, float *x0_clamped);
/* Final decoding: ids [rows, N] = argmax(E z + b); waits for the device. */
ardiff_status ad_fwd_finish(ad_fwd *f, int32_t *ids);
/* Reads back z [rows, N, d]. */
ardiff_status ad_fwd_read_z(ad_fwd *f, float *z);

#endif
