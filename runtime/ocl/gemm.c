/* gemm.c: row-major GEMM through CLBlast, with a temporary buffer sized once at load.
 *
 * Single GEMMs use CLBlastSgemmWithTempBuffer and the device's reserved buffer, so CLBlast never
 * allocates inside the generation loop. Strided batches use CLBlastSgemmStridedBatched (CLBlast
 * 1.5 has no temp-buffer variant of it; its batched kernel needs no temporary for our shapes).
 */
#include <clblast_c.h>
#include <stdio.h>

#include "ocl.h"

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

static ardiff_status clblast_fail(int s, const char *call, const ocl_gemm_args *g, const ocl_dev *dev)
{
    return ad_fail(s == CLBlastTempBufferAllocFailure || s == CLBlastOpenCLOutOfResources
                       ? ARDIFF_E_OOM : ARDIFF_E_CLBLAST,
                   "CLBlast %s failed: %s (%d) for m=%zu n=%zu k=%zu trans=%d%d batch=%zu on "
                   "device %d (%s)",
                   call, ocl_clblast_status_name(s), s, g->m, g->n, g->k, g->trans_a, g->trans_b,
                   g->batch, dev->desc.index, dev->desc.name);
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

ardiff_status ocl_gemm_reserve(ocl_dev *dev, const ocl_gemm_args *shapes, int count)
{
    size_t need = dev->gemm_tmp_bytes;
    for (int i = 0; i < count; i++) {
        int s = 0;
        size_t b = temp_size(dev, &shapes[i], &s);
        if (s != CLBlastSuccess) return clblast_fail(s, "SGemmTempBufferSize", &shapes[i], dev);
        if (b > need) need = b;
    }
    if (need <= dev->gemm_tmp_bytes && dev->gemm_tmp) return ARDIFF_OK;
    if (need == 0) need = 4;
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

ardiff_status ocl_gemm(ocl_dev *dev, const ocl_gemm_args *g)
{
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
    s = CLBlastSgemmWithTempBuffer(CLBlastLayoutRowMajor, ta, tb, g->m, g->n, g->k, g->alpha,
                                   g->a->mem, g->a_off, g->lda, g->b->mem, g->b_off, g->ldb,
                                   g->beta, g->c->mem, g->c_off, g->ldc, &dev->queue, NULL,
                                   dev->gemm_tmp);
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
    return ARDIFF_OK;
}
