/* ops_elementwise.c: launchers of cl/elementwise.cl. */
#include "ops_internal.h"

static ardiff_status dims(const char *op, int rows, int cols)
{
    AD_TRY(ops_check_range(op, "rows", rows, 0, INT_MAX));
    return ops_check_range(op, "cols", cols, 1, INT_MAX);
}

ardiff_status ops_bias_act(ocl_dev *dev, const ocl_buf *x, size_t x_off, size_t ldx,
                           const ocl_buf *bias, size_t b_off, ocl_buf *y, size_t y_off,
                           size_t ldy, int rows, int cols, ops_act act)
{
    const char *op = "ops_bias_act";
    AD_TRY(dims(op, rows, cols));
    AD_TRY(ops_check_range(op, "act", act, OPS_ACT_NONE, OPS_ACT_SILU));
    OPS_CHECK_2D(dev, op, "x", x, x_off, rows, ldx, cols);
    OPS_CHECK_2D(dev, op, "y", y, y_off, rows, ldy, cols);
    if (bias) OPS_CHECK_2D(dev, op, "bias", bias, b_off, 1, 0, cols);
    if (rows == 0) return ARDIFF_OK;
    const ocl_buf *bb = bias ? bias : x; /* bound but unread when there is no bias */
    ops_arg a[] = {OA_BUF(x), OA_INT(x_off), OA_INT(ldx), OA_BUF(bb), OA_INT(bias ? b_off : 0),
                   OA_INT(bias != NULL), OA_BUF(y), OA_INT(y_off), OA_INT(ldy), OA_INT(rows),
                   OA_INT(cols)};
    static const char *const names[] = {"ardiff_bias_f32", "ardiff_bias_gelu_f32",
                                        "ardiff_bias_tanh_f32", "ardiff_bias_silu_f32"};
    return ops_launch(dev, names[act], OPS_ITEMS, (size_t)cols, (size_t)rows, a, OA_COUNT(a));
}

ardiff_status ops_geglu(ocl_dev *dev, const ocl_buf *x, size_t x_off, size_t ldx,
                        const ocl_buf *bias, size_t b_off, ocl_buf *y, size_t y_off, size_t ldy,
                        int rows, int F)
{
    const char *op = "ops_geglu";
    AD_TRY(dims(op, rows, F));
    AD_TRY(ops_check_range(op, "F", F, 1, INT_MAX / 2));
    OPS_CHECK_2D(dev, op, "x", x, x_off, rows, ldx, 2 * F);
    OPS_CHECK_2D(dev, op, "y", y, y_off, rows, ldy, F);
    if (bias) OPS_CHECK_2D(dev, op, "bias", bias, b_off, 1, 0, 2 * F);
    if (rows == 0) return ARDIFF_OK;
    const ocl_buf *bb = bias ? bias : x;
    ops_arg a[] = {OA_BUF(x), OA_INT(x_off), OA_INT(ldx), OA_BUF(bb), OA_INT(bias ? b_off : 0),
                   OA_INT(bias != NULL), OA_BUF(y), OA_INT(y_off), OA_INT(ldy), OA_INT(rows),
                   OA_INT(F)};
    return ops_launch(dev, "ardiff_geglu_f32", OPS_ITEMS, (size_t)F, (size_t)rows, a, OA_COUNT(a));
}

ardiff_status ops_add(ocl_dev *dev, const ocl_buf *a_, size_t a_off, size_t lda,
                      const ocl_buf *b, size_t b_off, size_t ldb, ocl_buf *y, size_t y_off,
                      size_t ldy, int rows, int cols)
{
    const char *op = "ops_add";
    AD_TRY(dims(op, rows, cols));
    OPS_CHECK_2D(dev, op, "a", a_, a_off, rows, lda, cols);
    OPS_CHECK_2D(dev, op, "b", b, b_off, rows, ldb, cols);
    OPS_CHECK_2D(dev, op, "y", y, y_off, rows, ldy, cols);
    if (rows == 0) return ARDIFF_OK;
    ops_arg a[] = {OA_BUF(a_), OA_INT(a_off), OA_INT(lda), OA_BUF(b), OA_INT(b_off), OA_INT(ldb),
                   OA_BUF(y), OA_INT(y_off), OA_INT(ldy), OA_INT(rows), OA_INT(cols)};
    return ops_launch(dev, "ardiff_add_f32", OPS_ITEMS, (size_t)cols, (size_t)rows, a, OA_COUNT(a));
}

ardiff_status ops_scale(ocl_dev *dev, const ocl_buf *x, size_t x_off, size_t ldx, ocl_buf *y,
                        size_t y_off, size_t ldy, int rows, int cols, float alpha)
{
    const char *op = "ops_scale";
    AD_TRY(dims(op, rows, cols));
    OPS_CHECK_2D(dev, op, "x", x, x_off, rows, ldx, cols);
    OPS_CHECK_2D(dev, op, "y", y, y_off, rows, ldy, cols);
    if (rows == 0) return ARDIFF_OK;
    ops_arg a[] = {OA_BUF(x), OA_INT(x_off), OA_INT(ldx), OA_BUF(y), OA_INT(y_off), OA_INT(ldy),
                   OA_INT(rows), OA_INT(cols), OA_FLOAT(alpha)};
    return ops_launch(dev, "ardiff_scale_f32", OPS_ITEMS, (size_t)cols, (size_t)rows, a,
                      OA_COUNT(a));
}
