/* sampler.c: the AR-Diffusion sampler on one device (sampler.h), side by side with
 * tools/ardiff_ref: each function names the Python it mirrors, in the order a generation runs
 * them (generate.py's table and noise(0), then sampler.py's sample_loop over diffusion.py's
 * nearest_embedding and skip_step, then final_ids).
 *
 * Rows: decoder row r = input-major (source r / kv_group, candidate), as the Python's flattened
 * [B*k, N, d]; every tensor here is [rows*N, d] row-major. The network (model.denoise) is
 * forward.c; the kernels are launched through ocl/ops.h.
 */
#include "sampler.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "engine/schedule.h"
#include "ocl/dev.h"
#include "ocl/ops.h"

#define ROUND_SCRATCH_FLOATS (16u << 20) /* clamping scores [chunk, V]: 64 MiB at most */
#define SYNC_EVERY 32                    /* steps between queue waits (ad_sample_loop) */

struct ad_sampler {
    ad_fwd *f;    /* the network on this device (not owned) */
    ocl_dev *dev; /* its device */
    int N, d, V, T, rows_max, steps_max, round_chunk;
    /* the current generation (ad_sampler_begin) */
    int rows, K;
    uint64_t seed;
    /* device buffers */
    ocl_buf *enorm;             /* |E_v|^2 [V] (nearest_embedding) */
    ocl_buf *abar;              /* alphas_cumprod as float [T] (NoiseSchedule, skip_step) */
    ocl_buf *tab;               /* the timestep table int32 [K+1, N] */
    ocl_buf *row_in, *row_cand; /* the noise coordinates of each row, int32 [rows] */
    ocl_buf *z, *x0, *x0c;      /* z, x0, clamped x0 [rows*N, d] */
    ocl_buf *ids;               /* clamp ids, then the final ids [rows*N] */
    ocl_buf *scores;            /* clamping and output-head scores [round_chunk, V] */
};

/* ---- the sampler's place on the device ------------------------------------------------------ */

static void set_sizes(ad_sampler *s, const ad_model_config *c, int rows_max, int steps_max)
{
    s->N = c->tgt_len;
    s->d = c->in_channels;
    s->V = c->vocab_size;
    s->T = c->diffusion_steps;
    s->rows_max = rows_max;
    s->steps_max = steps_max;
    /* rows of the clamping score scratch [chunk, V]: at most ROUND_SCRATCH_FLOATS floats */
    size_t M = (size_t)rows_max * s->N;
    s->round_chunk = (int)(ROUND_SCRATCH_FLOATS / (size_t)s->V);
    if (s->round_chunk < 1) s->round_chunk = 1;
    if ((size_t)s->round_chunk > M) s->round_chunk = (int)M;
}

#define SAMPLER_BUFS 10 /* buffer_list makes 10 */
_Static_assert(SAMPLER_BUFS <= AD_FWD_EXTRA_MAX, "the sampler's buffers must fit ad_fwd_extra");

/* The sampler's buffers in allocation order with their sizes and what makes them grow: one
 * list for the memory check (ad_sampler_plan) and the allocation (ad_sampler_create). */
static int buffer_list(ad_sampler *s, ocl_buf **slot[SAMPLER_BUFS], ad_mem_item *items)
{
    size_t M = (size_t)s->rows_max * s->N, d = (size_t)s->d, N = (size_t)s->N;
    const size_t F = sizeof(float), I4 = sizeof(int32_t);
    int n = 0;
#define BUF(field, bytes, scale, what) \
    (slot[n] = &s->field, items[n++] = (ad_mem_item){(what), (bytes), (scale)})
    BUF(enorm, (size_t)s->V * F, AD_MEM_FIXED, "embedding norms");
    BUF(abar, (size_t)s->T * F, AD_MEM_FIXED, "noise schedule");
    BUF(tab, (size_t)(s->steps_max + 1) * N * I4, AD_MEM_FIXED, "timestep table");
    BUF(row_in, (size_t)s->rows_max * I4, AD_MEM_ROWS, "row inputs");
    BUF(row_cand, (size_t)s->rows_max * I4, AD_MEM_ROWS, "row candidates");
    BUF(z, M * d * F, AD_MEM_ROWS, "decoder z");
    BUF(x0, M * d * F, AD_MEM_ROWS, "decoder x0");
    BUF(x0c, M * d * F, AD_MEM_ROWS, "clamped x0");
    BUF(ids, M * I4, AD_MEM_ROWS, "output ids");
    BUF(scores, (size_t)s->round_chunk * s->V * F, AD_MEM_ROWS, "clamping scores");
#undef BUF
    return n;
}

void ad_sampler_plan(const ad_model_config *c, int rows_max, int steps_max, ad_fwd_extra *extra)
{
    ad_sampler s;
    ocl_buf **slot[SAMPLER_BUFS];
    memset(&s, 0, sizeof s);
    memset(extra, 0, sizeof *extra);
    set_sizes(&s, c, rows_max, steps_max);
    extra->n_items = buffer_list(&s, slot, extra->items);
    /* the clamping's and the output head's scores: x [chunk, d] · E [V, d]ᵀ */
    extra->gemm[0].m = (size_t)s.round_chunk;
    extra->gemm[0].n = (size_t)s.V;
    extra->gemm[0].k = (size_t)s.d;
    extra->n_gemm = 1;
}

/* NoiseSchedule(T).alphas_cumprod (schedule.py), rounded to float once for the skip step. */
static ardiff_status upload_noise_schedule(ad_sampler *s)
{
    double *ad = malloc(sizeof(double) * (size_t)s->T);
    float *af = malloc(sizeof(float) * (size_t)s->T);
    ardiff_status st = (ad && af) ? ad_noise_alphas_cumprod(s->T, ad)
                                  : ad_fail(ARDIFF_E_OOM, "out of host memory");
    for (int i = 0; st == ARDIFF_OK && i < s->T; i++) af[i] = (float)ad[i];
    if (st == ARDIFF_OK) st = ocl_buf_write(s->dev, s->abar, 0, af, sizeof(float) * (size_t)s->T);
    free(ad);
    free(af);
    return st;
}

ardiff_status ad_sampler_create(ad_fwd *f, const ad_model_config *c, int rows_max, int steps_max,
                                ad_sampler **out)
{
    *out = NULL;
    ad_sampler *s = calloc(1, sizeof *s);
    if (!s) return ad_fail(ARDIFF_E_OOM, "out of host memory");
    s->f = f;
    s->dev = ad_fwd_dev(f);
    set_sizes(s, c, rows_max, steps_max);
    ocl_buf **slot[SAMPLER_BUFS];
    ad_mem_item items[SAMPLER_BUFS];
    int n = buffer_list(s, slot, items);
    ardiff_status st = ARDIFF_OK;
    for (int i = 0; st == ARDIFF_OK && i < n; i++) st = ocl_buf_alloc(s->dev, items[i].bytes, slot[i]);
    ad_fwd_embedding E;
    if (st == ARDIFF_OK) st = ad_fwd_word_embedding(f, &E); /* as stored (fp16: rounded) */
    if (st == ARDIFF_OK) st = ops_row_sqnorm(s->dev, E.W, E.emb, s->enorm, 0, s->V, s->d);
    if (st == ARDIFF_OK) st = upload_noise_schedule(s);
    if (st == ARDIFF_OK) st = ocl_finish(s->dev);
    if (st != ARDIFF_OK) {
        ad_sampler_free(s);
        return st;
    }
    *out = s;
    return ARDIFF_OK;
}

void ad_sampler_free(ad_sampler *s)
{
    if (!s) return;
    ocl_buf *bufs[] = {s->enorm, s->abar, s->tab, s->row_in, s->row_cand,
                       s->z, s->x0, s->x0c, s->ids, s->scores};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) ocl_buf_free(bufs[i]);
    free(s);
}

/* ---- generate.py: the timestep table and z_T ------------------------------------------------- */

/* sched = make_schedule(schedule, T, N, anchor_scale); table = sched.table(K) */
ardiff_status ad_sampler_table(const ad_model_config *c, const ardiff_params *p, int32_t *table,
                               int *calls)
{
    *calls = 0;
    ad_time_schedule sched;
    AD_TRY(ad_sched_init(&sched, p->schedule == ARDIFF_SCHEDULE_UNIFORM ? AD_SCHED_UNIFORM
                                                                        : AD_SCHED_AR,
                         c->diffusion_steps, c->tgt_len, p->anchor_scale));
    return ad_sched_table(&sched, p->steps, table, calls);
}

/* The table goes to the device once; z_T = noise(0): step 0 of the stream at each row's
 * (input, candidate) (rng.normals_batch). */
ardiff_status ad_sampler_begin(ad_sampler *s, int rows, int kv_group, const int32_t *input_of_row,
                               const int32_t *cand_of_row, const int32_t *table, int K,
                               uint64_t seed)
{
    if (rows < 1 || rows > s->rows_max || K < 1 || K > s->steps_max)
        return ad_fail(ARDIFF_E_INVALID_ARG, "generation of %d rows and %d steps does not fit "
                       "the plan (%d rows, %d steps)", rows, K, s->rows_max, s->steps_max);
    AD_TRY(ad_fwd_set_rows(s->f, rows, kv_group)); /* sample_loop: enc.repeat_interleave(k) */
    s->rows = rows;
    s->K = K;
    s->seed = seed;
    AD_TRY(ocl_buf_write(s->dev, s->tab, 0, table, (size_t)(K + 1) * s->N * sizeof(int32_t)));
    AD_TRY(ocl_buf_write(s->dev, s->row_in, 0, input_of_row, (size_t)rows * sizeof(int32_t)));
    AD_TRY(ocl_buf_write(s->dev, s->row_cand, 0, cand_of_row, (size_t)rows * sizeof(int32_t)));
    return ops_rng_normal(s->dev, s->z, 0, s->row_in, 0, s->row_cand, 0, rows, s->N, s->d, seed,
                          0);
}

/* ---- diffusion.py: clamping and the skip step ------------------------------------------------ */

/* x0c, ids = nearest_embedding(x0, E): every row of x0 to its L2-nearest word embedding, in
 * chunks of rows that fit the score scratch. */
static ardiff_status nearest_embedding(ad_sampler *s)
{
    size_t M = (size_t)s->rows * s->N, d = (size_t)s->d, chunk = (size_t)s->round_chunk;
    ad_fwd_embedding E;
    AD_TRY(ad_fwd_word_embedding(s->f, &E));
    for (size_t r0 = 0; r0 < M; r0 += chunk) {
        size_t m = M - r0 < chunk ? M - r0 : chunk;
        AD_TRY(ops_round_nearest(s->dev, s->x0, r0 * d, E.W, E.emb, s->enorm, 0, s->scores, 0,
                                 s->x0c, r0 * d, s->ids, r0, (int)m, s->V, (int)d));
    }
    return ARDIFF_OK;
}

/* z = skip_step(z, x0c, a, b, eps, ns) with a = table row step-1, b = row step and
 * eps = noise_for_step(step), drawn inside the kernel (cl/denoise.cl). */
static ardiff_status skip_step(ad_sampler *s, int step)
{
    size_t N = (size_t)s->N;
    return ops_denoise_step(s->dev, s->z, 0, s->x0c, 0, s->z, 0, s->tab, (size_t)(step - 1) * N,
                            (size_t)step * N, s->abar, s->T, s->row_in, 0, s->row_cand, 0,
                            s->rows, s->N, s->d, s->seed, (uint32_t)step);
}

/* ---- sampler.py: sample_loop ------------------------------------------------------------------ */

/* One pass of sample_loop's body: a, b = table[s-1], table[s]; x0 = model.denoise(z, a);
 * x0c = nearest_embedding(x0, E); z = skip_step(z, x0c, a, b, eps, ns). */
static ardiff_status sample_step(ad_sampler *s, int step)
{
    AD_TRY(ad_fwd_denoise(s->f, s->z, s->tab, (size_t)(step - 1) * s->N, s->x0));
    AD_TRY(nearest_embedding(s));
    return skip_step(s, step);
}

ardiff_status ad_sample_loop(ad_sampler *s, ad_sample_record_fn record, void *user)
{
    for (int step = 1; step <= s->K; step++) {
        AD_TRY(sample_step(s, step));
        /* bound the commands in flight: with thousands of steps (uniform K = 2000) an unflushed
         * in-order queue holds ~100 commands per step, which PoCL keeps in host memory. A wait
         * every SYNC_EVERY steps costs one idle gap per 32 steps and reads nothing back. */
        if (step % SYNC_EVERY == 0 && step < s->K) AD_TRY(ocl_finish(s->dev));
        if (record) AD_TRY(record(step, user));
    }
    return ARDIFF_OK;
}

ardiff_status ad_sampler_read_x0(ad_sampler *s, float *x0, float *x0c)
{
    size_t bytes = (size_t)s->rows * s->N * s->d * sizeof(float);
    if (x0) AD_TRY(ocl_buf_read(s->dev, s->x0, 0, x0, bytes));
    if (x0c) AD_TRY(ocl_buf_read(s->dev, s->x0c, 0, x0c, bytes));
    return ARDIFF_OK;
}

/* ---- diffusion.py: final_ids --------------------------------------------------------------- */

/* ids = final_ids(z, E, bias) = argmax(E·z + b), the only read-back of a generation */
ardiff_status ad_sampler_final_ids(ad_sampler *s, int32_t *ids)
{
    size_t M = (size_t)s->rows * s->N, d = (size_t)s->d, chunk = (size_t)s->round_chunk;
    ad_fwd_embedding E;
    AD_TRY(ad_fwd_word_embedding(s->f, &E));
    for (size_t r0 = 0; r0 < M; r0 += chunk) {
        size_t m = M - r0 < chunk ? M - r0 : chunk;
        AD_TRY(ops_round_argmax(s->dev, s->z, r0 * d, E.W, E.emb, E.W, E.bias, s->scores, 0,
                                s->ids, r0, (int)m, s->V, (int)d));
    }
    return ocl_buf_read(s->dev, s->ids, 0, ids, M * sizeof(int32_t));
}
