/* denoise.cl: the position-aware skip step of AR-Diffusion (spec §4.2), per token.
 * -D macros: WG (see common.cl).
 *
 * Token n of row r moves from code timestep a = tab[a_off+n] to b = tab[b_off+n] (the rows of
 * the [K+1, N] timestep table uploaded once). With abar = alphas_cumprod (float[T]),
 *   rho  = abar_a / abar_b
 *   mean = sqrt(rho)(1-abar_b)/(1-abar_a) z_a + sqrt(abar_b)(1-rho)/(1-abar_a) x0
 *   var  = max((1-rho)(1-abar_b)/(1-abar_a), 0)
 *   z_b  = mean + [b != 0] sqrt(var) eps,   eps = normal(seed, input_of_row[r],
 *                                                   cand_of_row[r], step, n, c)
 * Where a == b the token is copied unchanged (bit-exact, zero variance). Indices outside
 * [0, T) are clamped (the engine validates the table at upload; this only prevents
 * out-of-bounds reads). No value can become NaN: 1-abar_a is floored at FLT_MIN.
 */
#pragma OPENCL FP_CONTRACT OFF

/* z_out may alias z_in. All tensors [rows*N, d] contiguous from their offsets.
 * global = (round_up(ceil(d/4), WG), rows*N) */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_denoise_step_f32(__global const float *z_in, int z_off,
                             __global const float *x0, int x0_off,
                             __global float *z_out, int out_off,
                             __global const int *tab, int a_off, int b_off,
                             __global const float *abar, int T,
                             __global const int *input_of_row, int in_off,
                             __global const int *cand_of_row, int cand_off,
                             int rows, int N, int d, uint seed_lo, uint seed_hi, uint step)
{
    const int blk = get_global_id(0);
    const int tok = get_global_id(1);
    if (4 * blk >= d || tok >= rows * N) return;
    const int r = tok / N, n = tok % N;
    const int a = clamp(tab[a_off + n], 0, T - 1);
    const int b = clamp(tab[b_off + n], 0, T - 1);
    const size_t base = (size_t)tok * d + 4 * blk;
    const int cnt = min(4, d - 4 * blk);
    if (a == b) {
        for (int i = 0; i < cnt; i++) z_out[out_off + base + i] = z_in[z_off + base + i];
        return;
    }
    const float ab_a = abar[a], ab_b = abar[b];
    const float rho = ab_a / ab_b;
    const float den = fmax(1.0f - ab_a, FLT_MIN);
    const float cz = sqrt(rho) * (1.0f - ab_b) / den;
    const float cx = sqrt(ab_b) * (1.0f - rho) / den;
    const float var = fmax((1.0f - rho) * (1.0f - ab_b) / den, 0.0f);
    float e[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    float sd = 0.0f;
    if (b != 0) {
        sd = sqrt(var);
        float4 q = rng_normal4(seed_lo, seed_hi, (uint)input_of_row[in_off + r],
                               (uint)cand_of_row[cand_off + r], step, (uint)n, (uint)blk);
        e[0] = q.x; e[1] = q.y; e[2] = q.z; e[3] = q.w;
    }
    for (int i = 0; i < cnt; i++) {
        float zb = cz * z_in[z_off + base + i] + cx * x0[x0_off + base + i];
        z_out[out_off + base + i] = zb + sd * e[i];
    }
}
