/* bench_peak.c: the device's measured peaks, the roofs of the kernel table's roofline columns:
 * bandwidth with a copy kernel (float4 per work item, buffers far larger than any cache) and
 * GFLOP/s with the device's own GEMM (the gemm_nt variant the runtime uses on it) on a square
 * shape and on the model's largest shapes, the best of them; OpenBLAS on the same shapes on the
 * host for comparison. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ocl/ocl.h"

#define COPY_BYTES ((size_t)256 << 20)  /* per buffer: memory bandwidth, the roof */
#define COPY_CACHED ((size_t)1 << 20)    /* per buffer: a working set that stays in cache */

static const char copy_src[] =
    "__kernel void ardiff_bench_copy(__global const float4 *x, __global float4 *y)\n"
    "{ size_t i = get_global_id(0); y[i] = x[i]; }\n";

/* median GB/s (read + write) of the copy kernel on two buffers of `bytes`, or -1 */
static double copy_gbs(ocl_dev *dev, size_t bytes, int reps)
{
    cl_int err;
    const char *src = copy_src;
    double gbs = -1, *t = malloc(sizeof(double) * (size_t)reps);
    cl_program p = clCreateProgramWithSource(dev->ctx, 1, &src, NULL, &err);
    cl_kernel k = NULL;
    cl_mem a = NULL, b = NULL;
    size_t n = bytes / 16;
    if (err != CL_SUCCESS || !t) goto done;
    if (clBuildProgram(p, 1, &dev->device, "", NULL, NULL) != CL_SUCCESS) goto done;
    k = clCreateKernel(p, "ardiff_bench_copy", &err);
    if (err != CL_SUCCESS) goto done;
    a = clCreateBuffer(dev->ctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
    if (err == CL_SUCCESS) b = clCreateBuffer(dev->ctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
    if (err != CL_SUCCESS) goto done;
    float zero = 0;
    if (clEnqueueFillBuffer(dev->queue, a, &zero, 4, 0, bytes, 0, NULL, NULL) ||
        clEnqueueFillBuffer(dev->queue, b, &zero, 4, 0, bytes, 0, NULL, NULL) ||
        clSetKernelArg(k, 0, sizeof a, &a) || clSetKernelArg(k, 1, sizeof b, &b))
        goto done;
    for (int r = -1; r < reps; r++) { /* r = -1: warm-up (first launch compiles on PoCL) */
        double t0 = bench_now_ms();
        if (clEnqueueNDRangeKernel(dev->queue, k, 1, NULL, &n, NULL, 0, NULL, NULL) ||
            clFinish(dev->queue))
            goto done;
        if (r >= 0) t[r] = bench_now_ms() - t0;
    }
    gbs = 2.0 * bytes / bench_median(t, reps) / 1e6;
done:
    if (gbs < 0) fprintf(stderr, "ardiff_bench: the copy kernel failed (OpenCL error %d)\n", err);
    if (a) clReleaseMemObject(a);
    if (b) clReleaseMemObject(b);
    if (k) clReleaseKernel(k);
    if (p) clReleaseProgram(p);
    free(t);
    return gbs;
}

/* median ms of y = x.W^T [m, n, k] on the device (its default GEMM) and with OpenBLAS */
static int gemm_ms(ocl_dev *dev, size_t m, size_t n, size_t k, int reps, double ms[2])
{
    float *a = malloc(m * k * 4), *b = malloc(n * k * 4), *c = calloc(m * n, 4);
    double *t = malloc(sizeof(double) * (size_t)reps);
    ocl_buf *da = NULL, *db = NULL, *dc = NULL;
    int rc = -1;
    ms[0] = ms[1] = -1;
    if (!a || !b || !c || !t) goto done;
    for (size_t i = 0; i < m * k; i++) a[i] = (float)(i % 101) / 101.0f - 0.5f;
    for (size_t i = 0; i < n * k; i++) b[i] = (float)(i % 103) / 103.0f - 0.5f;
    if (ocl_buf_alloc(dev, m * k * 4, &da) || ocl_buf_alloc(dev, n * k * 4, &db) ||
        ocl_buf_alloc(dev, m * n * 4, &dc) || ocl_buf_write(dev, da, 0, a, m * k * 4) ||
        ocl_buf_write(dev, db, 0, b, n * k * 4))
        goto done;
    ocl_gemm_args g = {0, 1, m, n, k, 1.0f, 0.0f, da, 0, k, db, 0, k, dc, 0, n, 1, 0, 0, 0};
    if (ocl_gemm_reserve(dev, &g, 1)) goto done;
    for (int r = -1; r < reps; r++) {
        double t0 = bench_now_ms();
        if (ocl_gemm(dev, &g) || ocl_finish(dev)) goto done;
        if (r >= 0) t[r] = bench_now_ms() - t0;
    }
    ms[0] = bench_median(t, reps);
    for (int r = -1; r < reps; r++) {
        double t0 = bench_now_ms();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, 1.0f, a,
                    (int)k, b, (int)k, 0.0f, c, (int)n);
        if (r >= 0) t[r] = bench_now_ms() - t0;
    }
    ms[1] = bench_median(t, reps);
    rc = 0;
done:
    if (rc) fprintf(stderr, "ardiff_bench: gemm %zux%zux%zu: %s\n", m, n, k, ardiff_last_error());
    ocl_buf_free(da);
    ocl_buf_free(db);
    ocl_buf_free(dc);
    free(a), free(b), free(c), free(t);
    return rc;
}

int bench_peak(ocl_dev *dev, bench_opts *o)
{
    const bench_model *cg = &bench_models[0];
    size_t M = (size_t)o->candidates * cg->N, chunk = BENCH_ROUND_SCRATCH_FLOATS / (size_t)cg->V;
    struct { const char *what; size_t m, n, k; } s[] = {
        {"square 1024", 1024, 1024, 1024},
        {"commongen GEGLU in", M, 8 * (size_t)cg->h, (size_t)cg->h},
        {"commongen clamp x.E^T", M < chunk ? M : chunk, (size_t)cg->V, (size_t)cg->d},
    };
    int rc = 0;
    printf("\n## measured peaks (the roofs of the kernel table's roofline columns)\n");
    o->peak_gbs = copy_gbs(dev, COPY_BYTES, o->reps);
    double cached = copy_gbs(dev, COPY_CACHED, o->reps);
    if (o->peak_gbs < 0 || cached < 0) rc = 1;
    printf("copy kernel (float4 per work item), GB/s read + write: 2 x %zu MiB %.2f (the roof "
           "below); 2 x %zu MiB %.2f (cache-resident: kernels whose bytes fit in cache can pass "
           "100%% of the roof)\n", COPY_BYTES >> 20, o->peak_gbs, COPY_CACHED >> 20, cached);
    printf("%-24s %6s %6s %6s %12s %14s  (device GEMM: the %s)\n", "GEMM y = x.W^T", "m", "n",
           "k", "device GF/s", "OpenBLAS GF/s",
           bench_cpu_set(dev) ? "tiled kernel, cl/gemm.cl" : "CLBlast GEMM");
    o->peak_gfs = -1;
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        double ms[2], f = 2.0 * (double)s[i].m * (double)s[i].n * (double)s[i].k;
        if (gemm_ms(dev, s[i].m, s[i].n, s[i].k, o->reps, ms)) { rc = 1; continue; }
        double gf = f / ms[0] / 1e6;
        if (gf > o->peak_gfs) o->peak_gfs = gf;
        printf("%-24s %6zu %6zu %6zu %12.2f %14.2f\n", s[i].what, s[i].m, s[i].n, s[i].k, gf,
               f / ms[1] / 1e6);
    }
    printf("peak used below: %.2f GB/s, %.2f GFLOP/s (the best device GEMM above)\n", o->peak_gbs,
           o->peak_gfs);
    return rc;
}
