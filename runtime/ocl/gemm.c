/* gemm.c: row-major GEMM through CLBlast, with a temporary buffer sized once at load, or
 * through our tiled kernel (cl/gemm.cl) where CLBlast is slow.
 *
 * Why two paths: CLBlast 1.5 ships tuned parameters for GPUs; on PoCL's CPU device it falls back
 * to defaults that run at 3-5 GFLOP/s on the shapes we use, about 1/10 of OpenBLAS on the same
 * cores (bench/results/kernels-pocl-cpu-*.txt). The tiled kernel reads both operands along
 * contiguous rows and needs no local memory; it is the gemm_nt variant "tiled" of the device's
 * variant table (variants.h: the cpu kernel set's; ARDIFF_KERNELS=gpu|cpu overrides for
 * comparison). Only the A·Bᵀ, batch-1 case has a tiled kernel; every other GEMM goes to
 * CLBlast on every device.
 *
 * Single GEMMs use CLBlastSgemmWithTempBuffer and the device's reserved buffer, so CLBlast never
 * allocates inside the generation loop. Strided batches use CLBlastSgemmStridedBatched (CLBlast
 * 1.5 has no temp-buffer variant of it; its batched kernel needs no temporary for our shapes).
 */
#include <clblast_c.h>
#include <stdio.h>

#include "ocl.h"
#include "ops_internal.h"

const char *ocl_clblast_status_name(int s)
{
    switch (s) {
#define E(x) case x: return #x;
    E(CLBlastSuccess) E(CLBlastNotImplemented) E(CLBlastInvalidMatrixA) E(CLBlastInvalidMatrixB)
    E(CLBlastInvalidMatrixC) E(CLBlastInvalidDimension) E(CLBlastInvalidLeadDimA)
    E(CLBlastInvalidLeadDimB) E(CLBlastInvalidLeadDimC) E(CLBlastInsufficientMemoryA)
    E(CLBlastInsufficientMemoryB) E(CLBlastInsufficientMemoryC) E(CLBlastInsufficientMemoryTemp)
    E(CLBlastInvalidBatchCount) E(CLBlastInvalidOverrideKernel) E(CLBlastMissingOverrideParameter)
    E(CLBlastInvalidLocalMemUsage) E(CLBlastNoHalfPrecision) E(CLBlastNoDoublePrecision)
    E(CLBlastInvalidVectorScalar) E(CLBlastInsufficientMemoryScalar) E(CLBlastDatabaseError)
    E(CLBlastUnknownError) E(CLBlastUnexpectedError)
#undef E
    default: return s > -1000 ? ocl_error_name(s) : "CLBlastUnknownStatus";
    }
}

#define clblast_fail(s, call, g, dev) clblast_fail_at((s), (call), (g), (dev), __LINE__)

static ardiff_status clblast_fail_at(int s, const char *call, const ocl_gemm_args *g,
                                     const ocl_dev *dev, int line)
{
    return ad_fail(s == CLBlastTempBufferAllocFailure || s == CLBlastOpenCLOutOfResources
                       ? ARDIFF_E_OOM : ARDIFF_E_CLBLAST,
                   "CLBlast %s failed: %s (%d) for m=%zu n=%zu k=%zu trans=%d%d batch=%zu at "
                   "%s:%d on device %d (%s)",
                   call, ocl_clblast_status_name(s), s, g->m, g->n, g->k, g->trans_a, g->trans_b,
                   g->batch, __FILE__, line, dev->desc.index, dev->desc.name);
}

static size_t temp_size(ocl_dev *dev, const ocl_gemm_args *g, int *status)
{
    size_t bytes = 0;
    *status = CLBlastSGemmTempBufferSize(CLBlastLayoutRowMajor,
                                         g->trans_a ? CLBlastTransposeYes : CLBlastTransposeNo,
                                         g->trans_b ? CLBlastTransposeYes : CLBlastTransposeNo,
                                         g->m, g->n, g->k, g->a_off, g->lda, g->b_off, g->ldb,
                                         g->c_off, g->ldc, &dev->queue, &bytes);
    return bytes;
}

/* 1 if g runs on our tiled kernel (gemm_tiled): no CLBlast, no temporary buffer */
static int runs_tiled(const ocl_dev *dev, const ocl_gemm_args *g)
{
    return dev->variants.v[OCL_OP_GEMM_NT] == OCL_GEMM_TILED && !g->trans_a && g->trans_b &&
           g->batch <= 1;
}

ardiff_status ocl_gemm_temp_bytes(ocl_dev *dev, const ocl_gemm_args *shapes, int count,
                                  size_t *bytes)
{
    *bytes = 0;
    for (int i = 0; i < count; i++) {
        if (runs_tiled(dev, &shapes[i])) continue;
        int s = 0;
        size_t b = temp_size(dev, &shapes[i], &s);
        if (s != CLBlastSuccess) return clblast_fail(s, "SGemmTempBufferSize", &shapes[i], dev);
        if (b > *bytes) *bytes = b;
    }
    return ARDIFF_OK;
}

ardiff_status ocl_gemm_reserve(ocl_dev *dev, const ocl_gemm_args *shapes, int count)
{
    size_t need = 0;
    AD_TRY(ocl_gemm_temp_bytes(dev, shapes, count, &need));
    if (need < dev->gemm_tmp_bytes) need = dev->gemm_tmp_bytes;
    if (need <= dev->gemm_tmp_bytes && dev->gemm_tmp) return ARDIFF_OK;
    if (need == 0) need = 4;
    if ((uint64_t)need > dev->desc.max_alloc)
        return ad_fail(ARDIFF_E_OOM, "CLBlast temporary buffer of %zu bytes exceeds the max "
                       "allocation (%llu bytes) of device %d (%s)", need,
                       (unsigned long long)dev->desc.max_alloc, dev->desc.index, dev->desc.name);
    if (dev->gemm_tmp) clReleaseMemObject(dev->gemm_tmp);
    dev->gemm_tmp = NULL;
    dev->gemm_tmp_bytes = 0;
    cl_int err;
    dev->gemm_tmp = clCreateBuffer(dev->ctx, CL_MEM_READ_WRITE, need, NULL, &err);
    if (err != CL_SUCCESS) return ocl_fail(err, "clCreateBuffer(gemm temp)", __FILE__, __LINE__, dev);
    dev->gemm_tmp_bytes = need;
    AD_DEBUG("device %d: CLBlast temporary buffer %zu bytes", dev->desc.index, need);
    return ARDIFF_OK;
}

/* C = alpha A·Bᵀ + beta C with cl/gemm.cl, after the checks CLBlast would make (leading
 * dimensions, views inside their buffers, int indexing) */
static ardiff_status gemm_tiled(ocl_dev *dev, const ocl_gemm_args *g)
{
    const char *op = "ocl_gemm";
    if ((g->k > 0 && (g->lda < g->k || g->ldb < g->k)) || (g->n > 0 && g->ldc < g->n))
        return ad_fail(ARDIFF_E_INVALID_ARG, "%s: leading dimensions lda %zu, ldb %zu, ldc %zu "
                       "too small for m=%zu n=%zu k=%zu (A·Bᵀ, row-major) on device %d", op,
                       g->lda, g->ldb, g->ldc, g->m, g->n, g->k, dev->desc.index);
    OPS_CHECK_2D(dev, op, "A", g->a, g->a_off, g->m, g->lda, g->k);
    OPS_CHECK_2D(dev, op, "B", g->b, g->b_off, g->n, g->ldb, g->k);
    OPS_CHECK_2D(dev, op, "C", g->c, g->c_off, g->m, g->ldc, g->n);
    if (g->m == 0 || g->n == 0) return ARDIFF_OK;
    ops_arg a[] = {OA_BUF(g->a), OA_INT(g->a_off), OA_INT(g->lda), OA_BUF(g->b), OA_INT(g->b_off),
                   OA_INT(g->ldb), OA_BUF(g->c), OA_INT(g->c_off), OA_INT(g->ldc), OA_INT(g->m),
                   OA_INT(g->n), OA_INT(g->k), OA_FLOAT(g->alpha), OA_FLOAT(g->beta)};
    return ops_launch(dev, "ardiff_gemm_nt_f32", OPS_ITEMS, (g->n + 1) / 2, (g->m + 3) / 4, a,
                      OA_COUNT(a));
}

ardiff_status ocl_gemm(ocl_dev *dev, const ocl_gemm_args *g)
{
    if (runs_tiled(dev, g)) return gemm_tiled(dev, g);
    CLBlastTranspose ta = g->trans_a ? CLBlastTransposeYes : CLBlastTransposeNo;
    CLBlastTranspose tb = g->trans_b ? CLBlastTransposeYes : CLBlastTransposeNo;
    int s;
    if (g->batch > 1) {
        s = CLBlastSgemmStridedBatched(CLBlastLayoutRowMajor, ta, tb, g->m, g->n, g->k, g->alpha,
                                       g->a->mem, g->a_off, g->lda, g->a_stride, g->b->mem,
                                       g->b_off, g->ldb, g->b_stride, g->beta, g->c->mem, g->c_off,
                                       g->ldc, g->c_stride, g->batch, &dev->queue, NULL);
        if (s != CLBlastSuccess) return clblast_fail(s, "SgemmStridedBatched", g, dev);
        return ARDIFF_OK;
    }
    if (!dev->gemm_tmp) AD_TRY(ocl_gemm_reserve(dev, g, 1));
    cl_event ev = NULL;
    s = CLBlastSgemmWithTempBuffer(CLBlastLayoutRowMajor, ta, tb, g->m, g->n, g->k, g->alpha,
                                   g->a->mem, g->a_off, g->lda, g->b->mem, g->b_off, g->ldb,
                                   g->beta, g->c->mem, g->c_off, g->ldc, &dev->queue,
                                   dev->profile ? &ev : NULL, dev->gemm_tmp);
    if (s == CLBlastInsufficientMemoryTemp) {
        /* a shape nobody reserved for: grow once, warn, so the plan can be fixed */
        AD_WARN("device %d: GEMM m=%zu n=%zu k=%zu was not reserved at load; growing the CLBlast "
                "temporary buffer", dev->desc.index, g->m, g->n, g->k);
        AD_TRY(ocl_gemm_reserve(dev, g, 1));
        s = CLBlastSgemmWithTempBuffer(CLBlastLayoutRowMajor, ta, tb, g->m, g->n, g->k, g->alpha,
                                       g->a->mem, g->a_off, g->lda, g->b->mem, g->b_off, g->ldb,
                                       g->beta, g->c->mem, g->c_off, g->ldc, &dev->queue, NULL,
                                       dev->gemm_tmp);
    }
    if (s != CLBlastSuccess) return clblast_fail(s, "SgemmWithTempBuffer", g, dev);
    return ocl_prof_event(dev, "gemm (CLBlast)", ev);
}
