/* dev.c: one device's runtime: context, in-order queue, program and kernels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocl.h"
#include "core/clock.h"

static ardiff_status create_kernels(ocl_dev *dev)
{
    cl_uint n = 0;
    OCL_CHECK(dev, clCreateKernelsInProgram(dev->program, 0, NULL, &n));
    if (n == 0) return ARDIFF_OK;
    cl_kernel *ks = calloc(n, sizeof *ks);
    dev->kernels = calloc(n, sizeof *dev->kernels);
    if (!ks || !dev->kernels) {
        free(ks);
        return ad_fail(ARDIFF_E_OOM, "out of host memory creating kernels");
    }
    cl_int err = clCreateKernelsInProgram(dev->program, n, ks, NULL);
    if (err != CL_SUCCESS) {
        free(ks);
        return ocl_fail(err, "clCreateKernelsInProgram", __FILE__, __LINE__, dev);
    }
    for (cl_uint i = 0; i < n; i++) {
        dev->kernels[i].kernel = ks[i];
        clGetKernelInfo(ks[i], CL_KERNEL_FUNCTION_NAME, sizeof dev->kernels[i].name,
                        dev->kernels[i].name, NULL);
        dev->kernels[i].name[sizeof dev->kernels[i].name - 1] = '\0';
    }
    dev->kernel_count = (int)n;
    free(ks);
    return ARDIFF_OK;
}

static ardiff_status dev_init(ocl_dev *dev, int index, const char *options)
{
    ardiff_device_desc *descs = NULL;
    cl_platform_id *plats = NULL;
    cl_device_id *ids = NULL;
    int n = 0;
    AD_TRY(ocl_enumerate(&descs, &plats, &ids, &n));
    if (index < 0 || index >= n) {
        free(descs); free(plats); free(ids);
        return ad_fail(ARDIFF_E_NO_DEVICE, "device index %d out of range (%d devices)", index, n);
    }
    dev->desc = descs[index];
    dev->platform = plats[index];
    dev->device = ids[index];
    free(descs); free(plats); free(ids);

    cl_int err;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)dev->platform, 0};
    dev->ctx = clCreateContext(props, 1, &dev->device, NULL, NULL, &err);
    if (err != CL_SUCCESS) return ocl_fail(err, "clCreateContext", __FILE__, __LINE__, dev);
    dev->queue = clCreateCommandQueue(dev->ctx, dev->device, 0, &err);
    if (err != CL_SUCCESS) return ocl_fail(err, "clCreateCommandQueue", __FILE__, __LINE__, dev);

    char *text = NULL;
    size_t len = 0;
    char origin[512];
    AD_TRY(ocl_program_source(&text, &len, origin, sizeof origin));
    snprintf(dev->options, sizeof dev->options, "%s", options ? options : "");
    double t0 = ad_now_ms();
    ardiff_status st = ocl_program_get(dev, text, len, dev->options, &dev->program, &dev->cache_hit);
    dev->build_ms = ad_now_ms() - t0;
    free(text);
    if (st != ARDIFF_OK) return st;
    AD_INFO("device %d (%s): kernels from %s, %s in %.0f ms", index, dev->desc.name, origin,
            dev->cache_hit ? "program cache hit" : "built from source", dev->build_ms);
    return create_kernels(dev);
}

ardiff_status ocl_dev_open(int index, const char *options, ocl_dev **out)
{
    *out = NULL;
    ocl_dev *dev = calloc(1, sizeof *dev);
    if (!dev) return ad_fail(ARDIFF_E_OOM, "out of host memory");
    ardiff_status st = dev_init(dev, index, options);
    if (st != ARDIFF_OK) {
        ocl_dev_free(dev);
        return st;
    }
    *out = dev;
    return ARDIFF_OK;
}

void ocl_dev_free(ocl_dev *dev)
{
    if (!dev) return;
    if (dev->queue) clFinish(dev->queue);
    for (int i = 0; i < dev->kernel_count; i++)
        clReleaseKernel(dev->kernels[i].kernel);
    free(dev->kernels);
    if (dev->gemm_tmp) clReleaseMemObject(dev->gemm_tmp);
    if (dev->program) clReleaseProgram(dev->program);
    if (dev->queue) clReleaseCommandQueue(dev->queue);
    if (dev->ctx) clReleaseContext(dev->ctx);
    free(dev);
}

cl_kernel ocl_kernel(ocl_dev *dev, const char *name)
{
    for (int i = 0; i < dev->kernel_count; i++)
        if (!strcmp(dev->kernels[i].name, name)) return dev->kernels[i].kernel;
    ad_fail(ARDIFF_E_INTERNAL, "kernel '%s' not found in the program of device %d (%s)", name,
            dev->desc.index, dev->desc.name);
    return NULL;
}

ardiff_status ocl_finish(ocl_dev *dev)
{
    OCL_CHECK(dev, clFinish(dev->queue));
    return ARDIFF_OK;
}
