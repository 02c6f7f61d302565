/* ops_common.c: build options, the shared launch helper, argument checks and the warm-up. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ops_internal.h"

static int pick_wg(size_t max_wg)
{
    int wg = 1;
    while ((size_t)wg * 2 <= max_wg && wg * 2 <= OPS_WG_MAX) wg *= 2;
    return wg;
}

ardiff_status ops_build_options(const ardiff_device_desc *desc, char *buf, size_t n)
{
    if (!desc || !buf || n == 0) return ad_fail(ARDIFF_E_INVALID_ARG, "ops_build_options: no buffer");
    int wg = pick_wg(desc->max_work_group ? desc->max_work_group : 1);
    /* Intel's CPU compiler vectorises across work items on top of a work item's own vectors
     * unless told not to (common.cl, ITEM_SIMD); the hint is its extension, so only its CPU
     * device is given the macro that spells it */
    int intel_cpu = strstr(desc->platform, "Intel") && !strcmp(desc->type, "cpu");
    int len = snprintf(buf, n, "-DWG=%d -DATT_MAX_KEYS=%d -DATT_MAX_DH=%d -DCLAMP_ROWS=%d "
                       "-DCLAMP_MAX_D=%d%s", wg, OPS_ATT_MAX_KEYS, OPS_ATT_MAX_DH, OPS_CLAMP_ROWS,
                       OPS_CLAMP_MAX_D, intel_cpu ? " -DINTEL_CPU_HINTS" : "");
    if (len < 0 || (size_t)len >= n)
        return ad_fail(ARDIFF_E_INVALID_ARG, "ops_build_options: buffer of %zu bytes too small", n);
    return ARDIFF_OK;
}

ardiff_status ops_check_range(const char *op, const char *what, long long v, long long lo,
                              long long hi)
{
    if (v < lo || v > hi)
        return ad_fail(ARDIFF_E_INVALID_ARG, "%s: %s = %lld out of range [%lld, %lld]", op, what,
                       v, lo, hi);
    return ARDIFF_OK;
}

ardiff_status ops_check_view(const ocl_dev *dev, const char *op, const char *what,
                             const ocl_buf *b, size_t off, size_t outer, size_t s_outer,
                             size_t mid, size_t s_mid, size_t inner, size_t elem_size)
{
    if (outer == 0 || mid == 0 || inner == 0) return ARDIFF_OK;
    if (!b) return ad_fail(ARDIFF_E_INVALID_ARG, "%s: %s buffer is NULL", op, what);
    /* last element index; every term is bounded by INT_MAX below, so no overflow in size_t */
    if (off > INT_MAX || s_outer > INT_MAX || s_mid > INT_MAX || inner > INT_MAX ||
        outer > INT_MAX || mid > INT_MAX)
        return ad_fail(ARDIFF_E_INVALID_ARG, "%s: %s view (offset %zu, strides %zu/%zu) exceeds "
                       "the kernels' int indexing", op, what, off, s_outer, s_mid);
    size_t last = off + (outer - 1) * s_outer + (mid - 1) * s_mid + inner - 1;
    if (last > INT_MAX)
        return ad_fail(ARDIFF_E_INVALID_ARG, "%s: %s view ends at element %zu, beyond the kernels' "
                       "int indexing", op, what, last);
    if ((last + 1) * elem_size > b->bytes)
        return ad_fail(ARDIFF_E_INVALID_ARG, "%s: %s view [%zu x %zu x %zu] at offset %zu (strides "
                       "%zu, %zu) needs %zu bytes but the buffer holds %zu on device %d", op, what,
                       outer, mid, inner, off, s_outer, s_mid, (last + 1) * elem_size, b->bytes,
                       dev->desc.index);
    return ARDIFF_OK;
}

ardiff_status ops_launch(ocl_dev *dev, const char *name, ops_grid grid, size_t nx, size_t ny,
                         const ops_arg *args, int nargs)
{
    cl_kernel k = ocl_kernel(dev, name);
    if (!k) return ARDIFF_E_INTERNAL; /* message set by ocl_kernel */
    size_t req[3] = {0, 0, 0};
    OCL_CHECK(dev, clGetKernelWorkGroupInfo(k, dev->device, CL_KERNEL_COMPILE_WORK_GROUP_SIZE,
                                            sizeof req, req, NULL));
    size_t wg = req[0] ? req[0] : 1;
    for (int i = 0; i < nargs; i++) {
        cl_int err = clSetKernelArg(k, (cl_uint)i, args[i].size, args[i].ptr);
        if (err != CL_SUCCESS) {
            return ad_fail_prefix(ocl_fail(err, "clSetKernelArg", __FILE__, __LINE__, dev),
                                  "kernel %s, argument %d", name, i);
        }
    }
    if (nx == 0 || ny == 0) return ARDIFF_OK;
    size_t gx = grid == OPS_GROUPS ? nx * wg : (nx + wg - 1) / wg * wg;
    size_t global[2] = {gx, ny}, local[2] = {wg, 1};
    cl_event ev = NULL;
    cl_int err = clEnqueueNDRangeKernel(dev->queue, k, 2, NULL, global, local, 0, NULL,
                                        dev->profile ? &ev : NULL);
    if (err != CL_SUCCESS)
        return ad_fail_prefix(ocl_fail(err, "clEnqueueNDRangeKernel", __FILE__, __LINE__, dev),
                              "kernel %s (global %zu x %zu, local %zu)", name, gx, ny, wg);
    return ocl_prof_event(dev, name, ev);
}
