/* ocl.h: the OpenCL host layer's insides (devices, programs and their binary cache, buffers,
 * CLBlast). Private to runtime/ocl, the benchmarks and the tests: the engine and the program see
 * a device through dev.h and ops.h, which show no OpenCL types.
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
#include "dev.h"

/* A device buffer. Engine code only sees `ocl_buf *` (opaque in dev.h). */
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
    ocl_variants variants;   /* the kernel variant of each op (variants.h) */
    char variants_origin[320]; /* where the table came from (type defaults, stored tuning, env) */
    int variants_env;        /* OCL_ENV_* bits of the variables that overrode it at open */
    uint64_t source_hash[2]; /* of the kernel sources: part of the tuning file's key (tune.h) */
    int profile;             /* ARDIFF_PROFILE set: every launch waits and is timed */
    ocl_prof_entry prof[OCL_PROF_MAX];
    int prof_count;
    cl_mem gemm_tmp;         /* CLBlast temporary buffer, sized once (ocl_gemm_reserve) */
    size_t gemm_tmp_bytes;
    double build_ms;         /* wall time to obtain the program (cache hit or build) */
    int cache_hit;           /* 1 if the program came from the binary cache */
    int subgroups;           /* ocl_sg_state (dev.h): the subgroup reductions of cl/common.cl */
    char subgroups_note[512]; /* why: unclaimed, switched off, the self-test's figures */
} ocl_dev;

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

/* ---- per-device runtime (dev.c; opening and freeing: dev.h) ---- */
/* The kernel called `name` (NULL with a message if the program lacks it). */
cl_kernel ocl_kernel(ocl_dev *dev, const char *name);

/* ---- programs (program.c) ---- */
/* Concatenated kernel sources: embedded, or from $ARDIFF_CL_DIR. Caller frees *text. */
ardiff_status ocl_program_source(char **text, size_t *len, char *origin, size_t origin_len);
/* Builds (or loads from the binary cache) a program of `text` with `options` for dev. */
ardiff_status ocl_program_get(ocl_dev *dev, const char *text, size_t len, const char *options,
                              cl_program *out, int *cache_hit);

/* ---- binary cache (cache.c) ---- */
/* Key string for a program binary: format version, source hash, options, device, driver, platform. */
void ocl_cache_key(const ocl_dev *dev, const char *text, size_t len, const char *options,
                   char *key, size_t key_len);
/* Returns a malloc'd binary for key, or NULL (missing, unreadable or mismatched: never fails).
 * Every entry's digest is checked first; a damaged entry is deleted with one warning. */
unsigned char *ocl_cache_load(const char *key, size_t *len);
/* Writes atomically (temporary file + rename). Failures are logged and ignored. */
void ocl_cache_store(const char *key, const unsigned char *bin, size_t len);
uint64_t ocl_hash64(const void *data, size_t len, uint64_t seed);
/* Creates dir and its parents (0755); 0 on success or when it exists. */
int ocl_mkdir_p(const char *dir);

/* ---- GEMM (gemm.c; the calls: dev.h) ---- */
const char *ocl_clblast_status_name(int status);

#endif
