/* buffer.c: device buffers and the blocking transfers used at set-up and read-back. */
#include <stdlib.h>

#include "ocl.h"

ardiff_status ocl_buf_alloc(ocl_dev *dev, size_t bytes, ocl_buf **out)
{
    *out = NULL;
    if (bytes == 0) bytes = 4; /* OpenCL refuses size 0; keep empty tensors valid */
    if (bytes > dev->desc.max_alloc)
        return ad_fail(ARDIFF_E_OOM, "buffer of %zu bytes exceeds the max allocation (%llu bytes) "
                       "of device %d (%s)", bytes, (unsigned long long)dev->desc.max_alloc,
                       dev->desc.index, dev->desc.name);
    ocl_buf *b = calloc(1, sizeof *b);
    if (!b) return ad_fail(ARDIFF_E_OOM, "out of host memory");
    cl_int err;
    b->mem = clCreateBuffer(dev->ctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
    if (err != CL_SUCCESS) {
        free(b);
        return ocl_fail(err, "clCreateBuffer", __FILE__, __LINE__, dev);
    }
    b->bytes = bytes;
    *out = b;
    return ARDIFF_OK;
}

void ocl_buf_free(ocl_buf *b)
{
    if (!b) return;
    if (b->mem) clReleaseMemObject(b->mem);
    free(b);
}

static ardiff_status range_check(ocl_dev *dev, const ocl_buf *b, size_t off, size_t bytes,
                                 const char *what)
{
    if (off > b->bytes || bytes > b->bytes - off)
        return ad_fail(ARDIFF_E_INTERNAL, "%s of %zu bytes at offset %zu overruns a buffer of %zu "
                       "bytes on device %d", what, bytes, off, b->bytes, dev->desc.index);
    return ARDIFF_OK;
}

ardiff_status ocl_buf_write(ocl_dev *dev, ocl_buf *b, size_t offset, const void *src, size_t bytes)
{
    if (!bytes) return ARDIFF_OK;
    AD_TRY(range_check(dev, b, offset, bytes, "write"));
    OCL_CHECK(dev, clEnqueueWriteBuffer(dev->queue, b->mem, CL_TRUE, offset, bytes, src, 0, NULL, NULL));
    return ARDIFF_OK;
}

ardiff_status ocl_buf_read(ocl_dev *dev, const ocl_buf *b, size_t offset, void *dst, size_t bytes)
{
    if (!bytes) return ARDIFF_OK;
    AD_TRY(range_check(dev, b, offset, bytes, "read"));
    OCL_CHECK(dev, clEnqueueReadBuffer(dev->queue, b->mem, CL_TRUE, offset, bytes, dst, 0, NULL, NULL));
    return ARDIFF_OK;
}

ardiff_status ocl_buf_fill_zero(ocl_dev *dev, ocl_buf *b)
{
    const float zero = 0.0f;
    size_t bytes = b->bytes & ~(size_t)3;
    if (!bytes) return ARDIFF_OK;
    OCL_CHECK(dev, clEnqueueFillBuffer(dev->queue, b->mem, &zero, sizeof zero, 0, bytes, 0, NULL, NULL));
    return ARDIFF_OK;
}
