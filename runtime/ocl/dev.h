/* dev.h: a device as the layers above see it (engine, program, benchmarks, tests): opened one
 * way, described, its buffers and transfers, its GEMM and its kernel-variant table. No OpenCL
 * types: ocl_dev and ocl_buf are opaque here (their insides are in ocl.h, private to
 * runtime/ocl, the benchmarks and the tests). The typed kernel launchers are in ops.h.
 */
#ifndef ARDIFF_OCL_DEV_H
#define ARDIFF_OCL_DEV_H

#include <stddef.h>
#include <stdint.h>

#include "ardiff.h"
#include "variants.h"

typedef struct ocl_dev ocl_dev;
typedef struct ocl_buf ocl_buf;

/* ---- opening a device (dev.c) ---- */
/* The one start-up sequence every caller uses: device `index` of the flat list
 * (ardiff_devices_list), its build options from its description (ops_build_options), a context
 * and in-order queue, the program (through the binary cache, program.c) and its kernels, with
 * the subgroup reductions where the device claims them and their self-test passes (below), the
 * kernel-variant table (type defaults, then the stored tuning of tune.h, then the environment:
 * variants.h), then every kernel launched once on tiny buffers and waited for (ops_warmup).
 * It never tunes: ocl_tune_first_use (tune.h) does, for the engine. */
ardiff_status ocl_dev_open(int index, ocl_dev **out);
/* Waits for the queue, prints the profile (ARDIFF_PROFILE) and releases everything; NULL is a
 * no-op. */
void ocl_dev_free(ocl_dev *dev);
/* Waits until the device has finished everything enqueued. */
ardiff_status ocl_finish(ocl_dev *dev);

const ardiff_device_desc *ocl_dev_desc(const ocl_dev *dev);
/* How the program was obtained at open: its -D options, the wall time it took, and whether it
 * came from the binary cache. */
const char *ocl_dev_options(const ocl_dev *dev);
double ocl_dev_build_ms(const ocl_dev *dev);
int ocl_dev_cache_hit(const ocl_dev *dev);

/* The subgroup reductions of the work-group kernels (cl/common.cl: row_sum, row_max; used by
 * layer norm and attention, variant group): the gated optional path of ocl_dev_open. ON: the
 * device claims cl_khr_subgroups or cl_intel_subgroups, the program built with them and the
 * start-up self-test passed (sg_gate.c); REFUSED: it claims them, but the build or the
 * self-test failed (one warning; the work-group reductions run instead); OFF: claimed but
 * ARDIFF_SUBGROUPS=off; UNCLAIMED: no subgroup extension. *note (may be NULL) says why, with
 * the self-test's measured errors. */
typedef enum ocl_sg_state {
    OCL_SG_UNCLAIMED = 0, OCL_SG_OFF, OCL_SG_ON, OCL_SG_REFUSED
} ocl_sg_state;
ocl_sg_state ocl_dev_subgroups(const ocl_dev *dev, const char **note);
/* "on", "refused", "off", "not claimed" */
const char *ocl_sg_state_name(ocl_sg_state s);
/* The device's kernel-variant table (variants.h). Setting it takes effect at the next launch. */
const ocl_variants *ocl_dev_variants(const ocl_dev *dev);
/* Where the table came from at open (or at the last tuning): "type defaults (cpu device)",
 * "stored tuning (measured on ...)", with "; ARDIFF_KERNELS=gpu overrides ..." appended. */
const char *ocl_dev_variants_origin(const ocl_dev *dev);
ardiff_status ocl_dev_set_variants(ocl_dev *dev, const ocl_variants *t);

/* Program cache folder ($ARDIFF_CACHE_DIR, else $XDG_CACHE_HOME/ardiff, else ~/.cache/ardiff)
 * or NULL when ARDIFF_CACHE=0|off|no disables it (cache.c). */
const char *ocl_cache_dir(void);

/* ---- buffers (buffer.c) ---- */
ardiff_status ocl_buf_alloc(ocl_dev *dev, size_t bytes, ocl_buf **out);
void ocl_buf_free(ocl_buf *b);
/* Blocking transfers (set-up and final read-back only; never inside a step). */
ardiff_status ocl_buf_write(ocl_dev *dev, ocl_buf *b, size_t offset, const void *src, size_t bytes);
ardiff_status ocl_buf_read(ocl_dev *dev, const ocl_buf *b, size_t offset, void *dst, size_t bytes);
ardiff_status ocl_buf_fill_zero(ocl_dev *dev, ocl_buf *b);

/* ---- GEMM (gemm.c) ---- */
/* C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C, row-major; offsets and leading
 * dimensions in elements. A·Bᵀ single GEMMs run on the device's gemm_nt variant (CLBlast or the
 * tiled kernel); every other case on CLBlast, with the temporary reserved by ocl_gemm_reserve. */
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
 * the tiled kernel, which needs none). */
ardiff_status ocl_gemm_temp_bytes(ocl_dev *dev, const ocl_gemm_args *shapes, int count,
                                  size_t *bytes);

#endif
