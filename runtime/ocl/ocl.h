/* ocl.h: the OpenCL host layer (devices, programs and their binary cache, buffers, CLBlast).
 *
 * It knows nothing of diffusion. One ocl_dev per device: its own context, in-order queue,
 * program, kernels and CLBlast temporary buffer. Every call that fails stores a message naming
 * the OpenCL/CLBlast error, the call site and the device (error.h) and returns a status.
 */
#ifndef ARDIFF_OCL_H
#define ARDIFF_OCL_H

#include <CL/cl.h>
#include <stddef.h>
#include <stdint.h>

#include "ardiff.h"
#include "core/error.h"

/* A device buffer. Engine code only sees `ocl_buf *` (declared opaque in ops.h). */
struct ocl_buf {
    cl_mem mem;
    size_t bytes;
};
typedef struct ocl_buf ocl_buf;

typedef struct ocl_kernel_entry {
    char name[64];
    cl_kernel kernel;
} ocl_kernel_entry;

/* time spent in one kernel (ARDIFF_PROFILE) */
typedef struct ocl_prof_entry {
    char name[64];
    double ms;
    long calls;
} ocl_prof_entry;
#define OCL_PROF_MAX 64

typedef struct ocl_dev {
    ardiff_device_desc desc;
    cl_platform_id platform;
    cl_device_id device;
    cl_context ctx;
    cl_command_queue queue;
    cl_program program;
    char options[1024];      /* build options the program was built with */
    ocl_kernel_entry *kernels;
    int kernel_count;
    int cpu_kernels;         /* 1: the kernel set for CPUs (ocl_pick_kernels) */
    int clamp_fused;         /* clamping variant: -1 auto (fused iff cpu_kernels), 0 GEMM + argmin,
                                1 fused (cl/clamp.cl); ARDIFF_CLAMP (ocl_pick_kernels) */
    int clamp_splits;        /* fused clamping: vocabulary slices; 0 picks by compute units */
    int profile;             /* ARDIFF_PROFILE set: every launch waits and is timed */
    ocl_prof_entry prof[OCL_PROF_MAX];
    int prof_count;
    cl_mem gemm_tmp;         /* CLBlast temporary buffer, sized once (ocl_gemm_reserve) */
    size_t gemm_tmp_bytes;
    double build_ms;         /* wall time to obtain the program (cache hit or build) */
    int cache_hit;           /* 1 if the program came from the binary cache */
} ocl_dev;

/* Chooses the kernel set of a device (dev->cpu_kernels). "gpu": CLBlast GEMMs and attention with
 * one work group per query; "cpu": the tiled A·Bᵀ GEMM of cl/gemm.cl (CLBlast for the other
 * GEMM cases) and attention with one work item per query (no barriers, online softmax).
 * ARDIFF_KERNELS=auto|gpu|cpu; auto (the default) gives CPU devices the cpu set and every other
 * device the gpu set. The clamping variant (dev->clamp_fused): ARDIFF_CLAMP=auto|gemm|fused;
 * auto (the default) takes the fused kernel with the cpu set, whose GEMM order it shares (its
 * choices are then identical), and the GEMM + argmin with the gpu set. Fails naming the
 * variable when a value is unknown. */
ardiff_status ocl_pick_kernels(ocl_dev *dev);

/* With profiling on (ARDIFF_PROFILE=1), waits for ev and adds its device time to `name`;
 * releases ev. A no-op returning OK when ev is NULL. */
ardiff_status ocl_prof_event(ocl_dev *dev, const char *name, cl_event ev);
/* Prints the profile table (kernel, calls, total and mean ms, share) on stderr. */
void ocl_prof_print(const ocl_dev *dev);

/* Name of an OpenCL error code ("CL_OUT_OF_RESOURCES"). */
const char *ocl_error_name(cl_int err);

/* Stores "<call> failed: <NAME> (<code>) at <file>:<line> on device <n> (<name>)" and returns
 * ARDIFF_E_OPENCL (ARDIFF_E_OOM for allocation failures). dev may be NULL. */
ardiff_status ocl_fail(cl_int err, const char *call, const char *file, int line, const ocl_dev *dev);

#define OCL_CHECK(dev, call)                                                    \
    do {                                                                        \
        cl_int ocl_check_e_ = (call);                                           \
        if (ocl_check_e_ != CL_SUCCESS)                                         \
            return ocl_fail(ocl_check_e_, #call, __FILE__, __LINE__, (dev));    \
    } while (0)

/* ---- devices (device.c) ---- */
/* Fills the flat device list (platform order, then device order). *ids may be NULL. */
ardiff_status ocl_enumerate(ardiff_device_desc **descs, cl_platform_id **platforms,
                            cl_device_id **ids, int *count);

/* ---- per-device runtime (dev.c) ---- */
/* Opens device `index` of the flat list: context, queue, program built with `options` (the
 * standard options are prepended; see program.c) and all its kernels. */
ardiff_status ocl_dev_open(int index, const char *options, ocl_dev **out);
void ocl_dev_free(ocl_dev *dev);
/* The kernel called `name` (NULL with a message if the program lacks it). */
cl_kernel ocl_kernel(ocl_dev *dev, const char *name);
ardiff_status ocl_finish(ocl_dev *dev);

/* ---- programs (program.c) ---- */
/* Concatenated kernel sources: embedded, or from $ARDIFF_CL_DIR. Caller frees *text. */
ardiff_status ocl_program_source(char **text, size_t *len, char *origin, size_t origin_len);
/* Builds (or loads from the binary cache) a program of `text` with `options` for dev. */
ardiff_status ocl_program_get(ocl_dev *dev, const char *text, size_t len, const char *options,
                              cl_program *out, int *cache_hit);

/* ---- binary cache (cache.c) ---- */
/* Cache folder ($ARDIFF_CACHE_DIR, else $XDG_CACHE_HOME/ardiff, else ~/.cache/ardiff) or NULL
 * when ARDIFF_CACHE=0|off|no disables it. */
const char *ocl_cache_dir(void);
/* Key string for a program binary: format version, source hash, options, device, driver, platform. */
void ocl_cache_key(const ocl_dev *dev, const char *text, size_t len, const char *options,
                   char *key, size_t key_len);
/* Returns a malloc'd binary for key, or NULL (missing, unreadable or mismatched: never fails).
 * Every entry's digest is checked first; a damaged entry is deleted with one warning. */
unsigned char *ocl_cache_load(const char *key, size_t *len);
/* Writes atomically (temporary file + rename). Failures are logged and ignored. */
void ocl_cache_store(const char *key, const unsigned char *bin, size_t len);
uint64_t ocl_hash64(const void *data, size_t len, uint64_t seed);

/* ---- buffers (buffer.c) ---- */
ardiff_status ocl_buf_alloc(ocl_dev *dev, size_t bytes, ocl_buf **out);
void ocl_buf_free(ocl_buf *b);
/* Blocking transfers (set-up and final read-back only; never inside a step). */
ardiff_status ocl_buf_write(ocl_dev *dev, ocl_buf *b, size_t offset, const void *src, size_t bytes);
ardiff_status ocl_buf_read(ocl_dev *dev, const ocl_buf *b, size_t offset, void *dst, size_t bytes);
ardiff_status ocl_buf_fill_zero(ocl_dev *dev, ocl_buf *b);

/* ---- GEMM through CLBlast (gemm.c) ---- */
/* C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C, row-major; offsets and leading
 * dimensions in elements. Uses the temporary buffer reserved with ocl_gemm_reserve. */
typedef struct ocl_gemm_args {
    int trans_a, trans_b;
    size_t m, n, k;
    float alpha, beta;
    const ocl_buf *a; size_t a_off, lda;
    const ocl_buf *b; size_t b_off, ldb;
    ocl_buf *c; size_t c_off, ldc;
    /* strided batch: batch > 1 runs `batch` GEMMs, operand i at off + i * stride */
    size_t batch, a_stride, b_stride, c_stride;
} ocl_gemm_args;
ardiff_status ocl_gemm(ocl_dev *dev, const ocl_gemm_args *g);
/* Grows the temporary buffer to cover every GEMM shape in `shapes` (called once at load);
 * fails (ARDIFF_E_OOM) if it would exceed the device's max allocation. */
ardiff_status ocl_gemm_reserve(ocl_dev *dev, const ocl_gemm_args *shapes, int count);
/* The temporary buffer those shapes need, without allocating (0 when every one of them runs on
 * the tiled kernel of the cpu set, which needs none). */
ardiff_status ocl_gemm_temp_bytes(ocl_dev *dev, const ocl_gemm_args *shapes, int count,
                                  size_t *bytes);
const char *ocl_clblast_status_name(int status);

#endif
