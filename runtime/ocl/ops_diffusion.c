/* ops_diffusion.c: launchers of cl/rng.cl and cl/denoise.cl. */
#include "ops_internal.h"

static ardiff_status token_dims(const ocl_dev *dev, const char *op, const ocl_buf *in_of_row,
                                size_t in_off, const ocl_buf *cand_of_row, size_t cand_off,
                                int rows, int N, int d)
{
    AD_TRY(ops_check_range(op, "rows", rows, 0, INT_MAX));
    AD_TRY(ops_check_range(op, "positions", N, 1, 65536)); /* the counter holds 16 bits */
    AD_TRY(ops_check_range(op, "dim", d, 1, 4 * 65536));
    if ((long long)rows * N * d > INT_MAX)
        return ad_fail(ARDIFF_E_INVALID_ARG, "%s: rows*N*d = %lld too large", op,
                       (long long)rows * N * d);
    AD_TRY(ops_check_view(dev, op, "input_of_row", in_of_row, in_off, 1, 0, 1, 0, (size_t)rows,
                          sizeof(int32_t)));
    AD_TRY(ops_check_view(dev, op, "cand_of_row", cand_of_row, cand_off, 1, 0, 1, 0,
                          (size_t)rows, sizeof(int32_t)));
    return ARDIFF_OK;
}

ardiff_status ops_rng_normal(ocl_dev *dev, ocl_buf *out, size_t out_off,
                             const ocl_buf *input_of_row, size_t in_off,
                             const ocl_buf *cand_of_row, size_t cand_off,
                             int rows, int N, int d, uint64_t seed, uint32_t step)
{
    const char *op = "ops_rng_normal";
    AD_TRY(token_dims(dev, op, input_of_row, in_off, cand_of_row, cand_off, rows, N, d));
    OPS_CHECK_2D(dev, op, "out", out, out_off, rows * N, (size_t)d, d);
    if (rows == 0) return ARDIFF_OK;
    ops_arg a[] = {OA_BUF(out), OA_INT(out_off), OA_BUF(input_of_row), OA_INT(in_off),
                   OA_BUF(cand_of_row), OA_INT(cand_off), OA_INT(rows), OA_INT(N), OA_INT(d),
                   OA_UINT(seed & 0xffffffffu), OA_UINT(seed >> 32), OA_UINT(step)};
    return ops_launch(dev, "ardiff_rng_normal_f32", OPS_ITEMS, (size_t)(d + 3) / 4,
                      (size_t)rows * N, a, OA_COUNT(a));
}

ardiff_status ops_denoise_step(ocl_dev *dev, const ocl_buf *z, size_t z_off,
                               const ocl_buf *x0, size_t x0_off, ocl_buf *z_out, size_t out_off,
                               const ocl_buf *tab, size_t a_off, size_t b_off,
                               const ocl_buf *abar, int T,
                               const ocl_buf *input_of_row, size_t in_off,
                               const ocl_buf *cand_of_row, size_t cand_off,
                               int rows, int N, int d, uint64_t seed, uint32_t step)
{
    const char *op = "ops_denoise_step";
    AD_TRY(token_dims(dev, op, input_of_row, in_off, cand_of_row, cand_off, rows, N, d));
    AD_TRY(ops_check_range(op, "T", T, 1, INT_MAX));
    AD_TRY(ops_check_range(op, "step", step, 1, UINT32_MAX));
    const int M = rows * N;
    OPS_CHECK_2D(dev, op, "z", z, z_off, M, (size_t)d, d);
    OPS_CHECK_2D(dev, op, "x0", x0, x0_off, M, (size_t)d, d);
    OPS_CHECK_2D(dev, op, "z_out", z_out, out_off, M, (size_t)d, d);
    OPS_CHECK_2D(dev, op, "alphas_cumprod", abar, 0, 1, 0, T);
    AD_TRY(ops_check_view(dev, op, "timesteps a", tab, a_off, 1, 0, 1, 0, (size_t)N,
                          sizeof(int32_t)));
    AD_TRY(ops_check_view(dev, op, "timesteps b", tab, b_off, 1, 0, 1, 0, (size_t)N,
                          sizeof(int32_t)));
    if (rows == 0) return ARDIFF_OK;
    ops_arg a[] = {OA_BUF(z), OA_INT(z_off), OA_BUF(x0), OA_INT(x0_off), OA_BUF(z_out),
                   OA_INT(out_off), OA_BUF(tab), OA_INT(a_off), OA_INT(b_off), OA_BUF(abar),
                   OA_INT(T), OA_BUF(input_of_row), OA_INT(in_off), OA_BUF(cand_of_row),
                   OA_INT(cand_off), OA_INT(rows), OA_INT(N), OA_INT(d),
                   OA_UINT(seed & 0xffffffffu), OA_UINT(seed >> 32), OA_UINT(step)};
    return ops_launch(dev, "ardiff_denoise_step_f32", OPS_ITEMS, (size_t)(d + 3) / 4, (size_t)M,
                      a, OA_COUNT(a));
}
