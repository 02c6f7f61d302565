/* variants.h: which kernel variant a device runs for each op that has more than one: a table
 * (op -> variant) held by each device (dev.h: ocl_dev_variants, ocl_dev_set_variants).
 *
 * The ops and their variants (index 0 is the gpu kernel set's, index 1 the cpu set's):
 *   gemm_nt    A·Bᵀ single GEMMs: clblast (CLBlast, any device) | tiled (cl/gemm.cl; no temporary)
 *   attention  one query row per work group (group) | per work item, online softmax (item)
 *   layernorm  one row per work group (group) | per work item (item)
 *   clamp      GEMM + argmin (gemm: the gemm_nt product, then cl/rounding.cl) | fused (cl/clamp.cl)
 * plus one parameter, clamp_splits: the fused clamping's vocabulary slices (0: by compute units).
 *
 * Where a device's table comes from, later beating earlier (ocl_dev_open):
 *   1. type defaults (ocl_variants_of_type): the cpu set for CPU devices and the gpu set for
 *      every other device, from the queried type only (never a device name);
 *   2. the stored tuning (tune.h), measured on the device and kept beside the program cache;
 *   3. the environment (ocl_variants_env): ARDIFF_KERNELS=auto|gpu|cpu (the whole set) and
 *      ARDIFF_CLAMP=auto|gemm|fused (clamping only).
 * All variants differ only in the order of sums (docs/numerics.md). Tests and benchmarks switch
 * variants through ocl_dev_set_variants.
 *
 * The table reads and writes as one line of text, "gemm_nt=tiled attention=item layernorm=item
 * clamp=fused clamp_splits=0" (ocl_variants_format, ocl_variants_parse): the stored tuning's
 * form, and what `ardiff devices --verbose` prints.
 * No OpenCL types: the engine, the program and the tests may include it.
 */
#ifndef ARDIFF_OCL_VARIANTS_H
#define ARDIFF_OCL_VARIANTS_H

#include <stddef.h>

#include "ardiff.h"

typedef enum ocl_op {
    OCL_OP_GEMM_NT = 0,
    OCL_OP_ATTENTION,
    OCL_OP_LAYERNORM,
    OCL_OP_CLAMP,
    OCL_OP_COUNT
} ocl_op;

/* variant values, per op */
enum { OCL_GEMM_CLBLAST = 0, OCL_GEMM_TILED = 1 };
enum { OCL_PER_GROUP = 0, OCL_PER_ITEM = 1 };      /* attention, layernorm */
enum { OCL_CLAMP_GEMM = 0, OCL_CLAMP_FUSED = 1 };
enum { OCL_SET_GPU = 0, OCL_SET_CPU = 1 };         /* kernel sets: every op's variant 0 or 1 */

typedef struct ocl_variants {
    int v[OCL_OP_COUNT]; /* the variant of each op */
    int clamp_splits;    /* fused clamping: vocabulary slices; 0 picks by compute units */
} ocl_variants;

/* The table of a kernel set (OCL_SET_GPU or OCL_SET_CPU): every op's variant of that set. */
void ocl_variants_of_set(int set, ocl_variants *t);
/* The type defaults of a device (step 1 at the top). */
void ocl_variants_of_type(const ardiff_device_desc *desc, ocl_variants *t);
/* Applies ARDIFF_KERNELS and ARDIFF_CLAMP over *t (step 3); *overridden (may be NULL) gets the
 * OCL_ENV_* bits of the variables that changed it. Fails naming the variable when its value is
 * unknown (*t unchanged then). */
enum { OCL_ENV_KERNELS = 1, OCL_ENV_CLAMP = 2 };
ardiff_status ocl_variants_env(const ardiff_device_desc *desc, ocl_variants *t, int *overridden);
/* Type defaults, then the environment (steps 1 and 3, no stored tuning); fails as
 * ocl_variants_env. */
ardiff_status ocl_variants_default(const ardiff_device_desc *desc, ocl_variants *t);
/* "cpu" or "gpu" when gemm_nt, attention and layernorm all take that set's variant, else
 * "mixed" (clamping is named on its own). */
const char *ocl_variants_set_name(const ocl_variants *t);

/* Names of an op and of one of its variants (NULL when out of range). */
const char *ocl_op_name(ocl_op op);
const char *ocl_variant_name(ocl_op op, int variant);

/* One line, "op=variant ... clamp_splits=N"; fails when cap is too small. */
ardiff_status ocl_variants_format(const ocl_variants *t, char *buf, size_t cap);
/* Reads "key=value" items separated by blanks or newlines over *t: keys not named keep their
 * value. Fails (ARDIFF_E_INVALID_ARG, naming the item) on an unknown key or value; *t is left
 * as it was then. */
ardiff_status ocl_variants_parse(const char *text, ocl_variants *t);

#endif
