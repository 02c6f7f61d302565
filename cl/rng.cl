/* rng.cl: fills a buffer with the normals of the ardiff random stream (docs/rng.md), e.g. the
 * starting noise z_T (step 0). The stream itself (Philox4x32-10, Box-Muller) is in common.cl.
 * -D macros: WG (see common.cl).
 */
#pragma OPENCL FP_CONTRACT OFF

/* out[r, n, c] = normal(seed, input_of_row[r], cand_of_row[r], step, n, c), out [rows, N, d]
 * contiguous from out_off. One work item per (token, block of 4 channels).
 * global = (round_up(ceil(d/4), WG), rows*N) */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_rng_normal_f32(__global float *out, int out_off,
                           __global const int *input_of_row, int in_off,
                           __global const int *cand_of_row, int cand_off,
                           int rows, int N, int d, uint seed_lo, uint seed_hi, uint step)
{
    const int blk = get_global_id(0);
    const int tok = get_global_id(1);
    if (4 * blk >= d || tok >= rows * N) return;
    const int r = tok / N, n = tok % N;
    float4 e = rng_normal4(seed_lo, seed_hi, (uint)input_of_row[in_off + r],
                           (uint)cand_of_row[cand_off + r], step, (uint)n, (uint)blk);
    __global float *o = out + out_off + (size_t)tok * d + 4 * blk;
    const int left = d - 4 * blk;
    o[0] = e.x;
    if (left > 1) o[1] = e.y;
    if (left > 2) o[2] = e.z;
    if (left > 3) o[3] = e.w;
}
