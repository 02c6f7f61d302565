/* schedule.c: noise schedule, AR and uniform time schedules, the skipping grid (schedule.h). */
#include "schedule.h"

#include <math.h>

#include "core/error.h"

#define MAX_BETA 0.999

static double sqrt_abar(double s) { return 1.0 - sqrt(s + 1e-4); }

ardiff_status ad_noise_alphas_cumprod(int T, double *out)
{
    if (T < AD_SCHED_MIN_T)
        return ad_fail(ARDIFF_E_INVALID_ARG, "diffusion_steps must be >= %d, got %d", AD_SCHED_MIN_T, T);
    double prod = 1.0;
    for (int k = 0; k < T; k++) {
        double beta = 1.0 - sqrt_abar((double)(k + 1) / T) / sqrt_abar((double)k / T);
        if (beta > MAX_BETA) beta = MAX_BETA;
        prod *= 1.0 - beta;
        out[k] = prod;
    }
    return ARDIFF_OK;
}

ardiff_status ad_sched_init(ad_time_schedule *s, ad_sched_kind kind, int T, int N, double anchor_scale)
{
    if (T < AD_SCHED_MIN_T || N < 1)
        return ad_fail(ARDIFF_E_INVALID_ARG, "time schedule: bad sizes T=%d N=%d", T, N);
    s->kind = kind;
    s->T = T;
    s->N = N;
    s->anchor_scale = anchor_scale;
    s->anchor_x = (int)floor(anchor_scale * N);
    if (kind == AD_SCHED_AR && !(anchor_scale > 0 && s->anchor_x > N - 1))
        return ad_fail(ARDIFF_E_INVALID_ARG, "anchor scale %g puts the anchor at %d, not beyond the "
                       "last position %d", anchor_scale, s->anchor_x, N - 1);
    return ARDIFF_OK;
}

int ad_sched_num_indices(const ad_time_schedule *s)
{
    return s->kind == AD_SCHED_AR ? s->N + s->T : s->T;
}

void ad_sched_token_timesteps(const ad_time_schedule *s, int i, int32_t *out)
{
    if (s->kind == AD_SCHED_UNIFORM) {
        for (int x = 0; x < s->N; x++) out[x] = i;
        return;
    }
    const int N = s->N, T = s->T;
    float xs = (float)(N - 1 - i > 0 ? N - 1 - i : 0);
    float ts = (float)(i - (N - 1) > 0 ? i - (N - 1) : 0);
    float xe = (float)s->anchor_x, te = (float)(T - 1);
    for (int x = 0; x < N; x++) {
        float q = ((float)x - xe) / (xs - xe); /* binary32 throughout; built with -ffp-contract=off */
        float t = q * (ts - te);
        t = t + te;
        float r = rintf(t); /* round half to even in the default rounding mode */
        if (r < 0) r = 0;
        if (r > (float)(T - 1)) r = (float)(T - 1);
        out[x] = (int32_t)r;
    }
}

int ad_sched_grid(const ad_time_schedule *s, int K, int *points)
{
    int M = ad_sched_num_indices(s);
    if (K < 1 || K > M) {
        ad_fail(ARDIFF_E_INVALID_ARG, "steps must be in [1, %d] for this schedule, got %d", M, K);
        return -1;
    }
    int stride = M / K, n = 0;
    for (int p = M - 1; p >= 0 && n < K; p -= stride) points[n++] = p;
    if (points[n - 1] != 0) points[n++] = 0;
    return n;
}

ardiff_status ad_sched_table(const ad_time_schedule *s, int K, int32_t *table, int *calls)
{
    *calls = 0;
    int pts[AD_SCHED_MAX_STEPS + 1];
    if (K > AD_SCHED_MAX_STEPS)
        return ad_fail(ARDIFF_E_INVALID_ARG, "steps %d too large (max %d)", K, AD_SCHED_MAX_STEPS);
    int n = ad_sched_grid(s, K, pts);
    if (n < 0) return ARDIFF_E_INVALID_ARG;
    for (int r = 0; r < n; r++) ad_sched_token_timesteps(s, pts[r], table + (size_t)r * s->N);
    *calls = n - 1;
    return ARDIFF_OK;
}
