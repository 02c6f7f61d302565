/* sampler.h: the AR-Diffusion sampler on one device (spec §4), the C twin of
 * tools/ardiff_ref/sampler.py (sample_loop) together with the sampling steps of generate.py and
 * diffusion.py that it runs on the device: the per-token timestep table (TimeSchedule.table),
 * the starting noise z_T (noise(0)), the K steps of x̂0 = denoise(z, a), clamping
 * (nearest_embedding) and the exact skip posterior (skip_step, cl/denoise.cl), then the final
 * argmax (final_ids). The network is forward.h; the schedules' arithmetic schedule.h; the random
 * stream docs/rng.md. Changing the sampler means this file, sampler.c, cl/denoise.cl and their
 * Python twins.
 *
 * A generation on one device: ad_sampler_table (on the host, once per generate call), then per
 * batch ad_fwd_encode, ad_sampler_begin, ad_sample_loop, ad_sampler_final_ids. Everything
 * between begin and final_ids is enqueued on the device's in-order queue; nothing is read back
 * unless a step is recorded.
 */
#ifndef ARDIFF_ENGINE_SAMPLER_H
#define ARDIFF_ENGINE_SAMPLER_H

#include <stdint.h>

#include "ardiff.h"
#include "engine/config.h"
#include "engine/forward.h"

typedef struct ad_sampler ad_sampler;

/* The sampler's device buffers and the GEMM shape of its clamping for a plan of rows_max
 * decoder rows and steps_max steps, for the device's one memory check (ad_fwd_create). */
void ad_sampler_plan(const ad_model_config *c, int rows_max, int steps_max, ad_fwd_extra *extra);
/* The sampler on the device of f (which must outlive it, and have been created with
 * ad_sampler_plan's extra for the same sizes): allocates its buffers, uploads the noise
 * schedule and the norms of the word embeddings. */
ardiff_status ad_sampler_create(ad_fwd *f, const ad_model_config *c, int rows_max, int steps_max,
                                ad_sampler **out);
void ad_sampler_free(ad_sampler *s);

/* The per-token timestep table of p->steps steps under p->schedule and p->anchor_scale
 * (make_schedule(...).table(K), timesteps.py): table int32 [(p->steps + 1) * N], row r the
 * timesteps at grid point r; *calls = the network calls to run (p->steps, or one fewer when the
 * grid reaches 0 early; ad_sched_table). */
ardiff_status ad_sampler_table(const ad_model_config *c, const ardiff_params *p, int32_t *table,
                               int *calls);

/* Starts a generation of `rows` decoder rows over the last ad_fwd_encode: row r belongs to
 * source r / kv_group and draws its noise as (input_of_row[r], cand_of_row[r]); uploads the
 * timestep table (int32 [(K+1), N], K = calls) and draws z_T (generate.py: noise(0)). */
ardiff_status ad_sampler_begin(ad_sampler *s, int rows, int kv_group, const int32_t *input_of_row,
                               const int32_t *cand_of_row, const int32_t *table, int K,
                               uint64_t seed);

/* Called after step s (1..K) when recording (sample_loop's record). */
typedef ardiff_status (*ad_sample_record_fn)(int s, void *user);
/* The K steps (sample_loop): x0 = denoise(z, row s-1), clamped, z moved to row s by the skip
 * posterior with fresh noise. record may be NULL. */
ardiff_status ad_sample_loop(ad_sampler *s, ad_sample_record_fn record, void *user);
/* The last step's x0 before and after clamping, [rows, N, d] each (NULL: skip). */
ardiff_status ad_sampler_read_x0(ad_sampler *s, float *x0, float *x0_clamped);

/* ids [rows, N] = argmax(E z + b) (final_ids, diffusion.py); waits for the device. */
ardiff_status ad_sampler_final_ids(ad_sampler *s, int32_t *ids);

#endif
