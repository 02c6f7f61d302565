/* ops_convert.c: launchers of cl/convert.cl. */
#include "ops_internal.h"

ardiff_status ops_half_to_float(ocl_dev *dev, const ocl_buf *src, size_t src_off, ocl_buf *dst,
                                size_t dst_off, size_t n)
{
    const char *op = "ops_half_to_float";
    /* work item j touches element 4j..4j+3: keep the whole padded grid inside int */
    if (n > (size_t)INT_MAX - 4 * OPS_WG_MAX)
        return ad_fail(ARDIFF_E_INVALID_ARG, "%s: n = %zu exceeds the kernel's int indexing", op, n);
    AD_TRY(ops_check_view(dev, op, "src", src, src_off, 1, 0, 1, 0, n, sizeof(uint16_t)));
    AD_TRY(ops_check_view(dev, op, "dst", dst, dst_off, 1, 0, 1, 0, n, sizeof(float)));
    if (n == 0) return ARDIFF_OK;
    ops_arg a[] = {OA_BUF(src), OA_INT(src_off), OA_BUF(dst), OA_INT(dst_off), OA_INT(n)};
    return ops_launch(dev, "ardiff_half_to_float", OPS_ITEMS, (n + 3) / 4, 1, a, OA_COUNT(a));
}

ardiff_status ops_half_rows_to_float(ocl_dev *dev, const ocl_buf *src, size_t src_off,
                                     const ocl_buf *ids, size_t ids_off, ocl_buf *dst,
                                     size_t dst_off, int M, int d, int V)
{
    const char *op = "ops_half_rows_to_float";
    AD_TRY(ops_check_range(op, "rows", M, 0, INT_MAX));
    AD_TRY(ops_check_range(op, "dim", d, 1, INT_MAX));
    AD_TRY(ops_check_range(op, "vocab", V, 1, INT_MAX));
    AD_TRY(ops_check_view(dev, op, "table", src, src_off, (size_t)V, (size_t)d, 1, 0, (size_t)d,
                          sizeof(uint16_t)));
    AD_TRY(ops_check_view(dev, op, "ids", ids, ids_off, 1, 0, 1, 0, (size_t)M, sizeof(int32_t)));
    OPS_CHECK_2D(dev, op, "dst", dst, dst_off, M, (size_t)d, d);
    if (M == 0) return ARDIFF_OK;
    ops_arg a[] = {OA_BUF(src), OA_INT(src_off), OA_BUF(ids), OA_INT(ids_off), OA_BUF(dst),
                   OA_INT(dst_off), OA_INT(M), OA_INT(d), OA_INT(V)};
    return ops_launch(dev, "ardiff_half_rows_to_float", OPS_ITEMS, (size_t)d, (size_t)M, a,
                      OA_COUNT(a));
}
