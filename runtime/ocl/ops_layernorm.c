/* ops_layernorm.c: launchers of cl/layernorm.cl (a work group per row for the gpu kernel set,
 * a work item per row for the cpu set: the layernorm variant, variants.h). */
#include "ops_internal.h"

static ardiff_status ln_params(const ocl_dev *dev, const char *op, const ocl_buf *g, size_t g_off,
                               const ocl_buf *b, size_t b_off, int rows, int dim, float eps)
{
    AD_TRY(ops_check_range(op, "rows", rows, 0, INT_MAX));
    AD_TRY(ops_check_range(op, "dim", dim, 1, INT_MAX));
    if (!(eps > 0.0f)) return ad_fail(ARDIFF_E_INVALID_ARG, "%s: eps = %g must be > 0", op, eps);
    OPS_CHECK_2D(dev, op, "gamma", g, g_off, 1, 0, dim);
    OPS_CHECK_2D(dev, op, "beta", b, b_off, 1, 0, dim);
    return ARDIFF_OK;
}

ardiff_status ops_layernorm(ocl_dev *dev, const ocl_buf *x, size_t x_off, size_t ldx,
                            const ocl_buf *g, size_t g_off, const ocl_buf *b, size_t b_off,
                            ocl_buf *y, size_t y_off, size_t ldy, int rows, int dim, float eps)
{
    const char *op = "ops_layernorm";
    AD_TRY(ln_params(dev, op, g, g_off, b, b_off, rows, dim, eps));
    OPS_CHECK_2D(dev, op, "x", x, x_off, rows, ldx, dim);
    OPS_CHECK_2D(dev, op, "y", y, y_off, rows, ldy, dim);
    if (rows == 0) return ARDIFF_OK;
    ops_arg a[] = {OA_BUF(x), OA_INT(x_off), OA_INT(ldx), OA_BUF(g), OA_INT(g_off), OA_BUF(b),
                   OA_INT(b_off), OA_BUF(y), OA_INT(y_off), OA_INT(ldy), OA_INT(rows),
                   OA_INT(dim), OA_FLOAT(eps)};
    if (dev->variants.v[OCL_OP_LAYERNORM] == OCL_PER_ITEM)
        return ops_launch(dev, "ardiff_layernorm_wi_f32", OPS_ITEMS, (size_t)rows, 1, a,
                          OA_COUNT(a));
    return ops_launch(dev, "ardiff_layernorm_f32", OPS_GROUPS, (size_t)rows, 1, a, OA_COUNT(a));
}

ardiff_status ops_add_layernorm(ocl_dev *dev, const ocl_buf *x, size_t x_off, size_t ldx,
                                const ocl_buf *r, size_t r_off, size_t ldr,
                                ocl_buf *s, size_t s_off, size_t lds,
                                const ocl_buf *g, size_t g_off, const ocl_buf *b, size_t b_off,
                                ocl_buf *y, size_t y_off, size_t ldy, int rows, int dim, float eps)
{
    const char *op = "ops_add_layernorm";
    AD_TRY(ln_params(dev, op, g, g_off, b, b_off, rows, dim, eps));
    OPS_CHECK_2D(dev, op, "x", x, x_off, rows, ldx, dim);
    OPS_CHECK_2D(dev, op, "r", r, r_off, rows, ldr, dim);
    OPS_CHECK_2D(dev, op, "s", s, s_off, rows, lds, dim);
    OPS_CHECK_2D(dev, op, "y", y, y_off, rows, ldy, dim);
    if (rows == 0) return ARDIFF_OK;
    ops_arg a[] = {OA_BUF(x), OA_INT(x_off), OA_INT(ldx), OA_BUF(r), OA_INT(r_off), OA_INT(ldr),
                   OA_BUF(s), OA_INT(s_off), OA_INT(lds), OA_BUF(g), OA_INT(g_off), OA_BUF(b),
                   OA_INT(b_off), OA_BUF(y), OA_INT(y_off), OA_INT(ldy), OA_INT(rows),
                   OA_INT(dim), OA_FLOAT(eps)};
    if (dev->variants.v[OCL_OP_LAYERNORM] == OCL_PER_ITEM)
        return ops_launch(dev, "ardiff_add_layernorm_wi_f32", OPS_ITEMS, (size_t)rows, 1, a,
                          OA_COUNT(a));
    return ops_launch(dev, "ardiff_add_layernorm_f32", OPS_GROUPS, (size_t)rows, 1, a,
                      OA_COUNT(a));
}
