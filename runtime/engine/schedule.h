/* schedule.h: the noise schedule and the time schedules (which noise level every token has at
 * every sentence-level step), exactly as tools/ardiff_ref/{schedule,timesteps}.py compute them;
 * the sampler (sampler.h) and the config checks use them.
 *
 * AR (code convention, spec §3.3): positions x = 0..N-1, sentence indices i = 0..N+T-1,
 *   start (x_s, t_s) = (max(N-1-i, 0), max(i-(N-1), 0)), anchor (x_e, t_e) = (floor(s*N), T-1),
 *   tau(x, i) = clamp(rint(((x - x_e) / (x_s - x_e)) * (t_s - t_e) + t_e), 0, T-1)
 *   in binary32, in that order, rint = round half to even.
 * Uniform (GENIE-style): indices i = 0..T-1 and tau(x, i) = i for every x.
 * Grid for K steps (both): M indices, stride = M / K, points M-1, M-1-stride, ... (first K),
 * then 0 appended if the last is not 0: K+1 points, K network calls.
 */
#ifndef ARDIFF_ENGINE_SCHEDULE_H
#define ARDIFF_ENGINE_SCHEDULE_H

#include <stdint.h>

#include "ardiff.h"

/* Limits the schedule code enforces; model.ini is checked against the same ones (config.c). */
#define AD_SCHED_MIN_T 2        /* diffusion_steps: the sqrt schedule needs two levels */
#define AD_SCHED_MAX_STEPS 8191 /* K: the grid of ad_sched_table holds K+1 points */

typedef enum ad_sched_kind { AD_SCHED_AR = 0, AD_SCHED_UNIFORM = 1 } ad_sched_kind;

typedef struct ad_time_schedule {
    ad_sched_kind kind;
    int T, N;
    double anchor_scale; /* AR only: anchor at floor(scale * N) */
    int anchor_x;
} ad_time_schedule;

/* sqrt noise schedule: alphas_cumprod[k], k = 0..T-1, in double (spec §2.1). */
ardiff_status ad_noise_alphas_cumprod(int T, double *out);

ardiff_status ad_sched_init(ad_time_schedule *s, ad_sched_kind kind, int T, int N, double anchor_scale);
/* number of sentence-level indices: N+T (AR) or T (uniform) */
int ad_sched_num_indices(const ad_time_schedule *s);
/* per-token code timesteps of sentence index i: out[N] */
void ad_sched_token_timesteps(const ad_time_schedule *s, int i, int32_t *out);
/* the sentence indices of a K-step generation (spec 4.1): every stride-th index from the top,
 * the first K of them, then 0 if the last is not 0. Returns the count: K+1, or K when the K-th
 * index is already 0 (K = num_indices: stride 1), which leaves K-1 network calls, as the
 * reference does; -1 if K is out of range [1, num_indices] (message set). */
int ad_sched_grid(const ad_time_schedule *s, int K, int *points);
/* table[(K+1) * N]: row r = timesteps at grid point r; step s (1-based) goes row s-1 -> row s.
 * *calls = rows filled - 1, the number of network calls to run (K, or K-1 as above): a caller
 * must never step past it (row K is not written when calls = K-1). */
ardiff_status ad_sched_table(const ad_time_schedule *s, int K, int32_t *table, int *calls);

#endif
