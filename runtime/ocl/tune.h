/* tune.h: the per-device kernel tuning: each op's variants (variants.h) timed on the device on
 * representative shapes, the fastest kept in a file beside the program cache and loaded by
 * ocl_dev_open over the type defaults (the environment still beats it: variants.h).
 *
 * What is measured (tune.c), on the shapes of one decoder step (ocl_tune_shapes):
 *   gemm_nt    the decoder layer's four A·Bᵀ GEMMs (qkv, output, feed-forward in and out)
 *   attention  the self-attention with the time term and the cross-attention
 *   layernorm  a layer norm and an add + layer norm over [k*N, h]
 *   clamp      the clamping of [k*N, d] against the vocabulary: GEMM + argmin on the chosen
 *              gemm_nt, and the fused kernel with each clamp_splits candidate
 * The candidates of an op are timed side by side: a warm-up launch each (it also compiles),
 * then OCL_TUNE_REPS rounds that run every candidate once (a load that comes and goes on the
 * machine falls on all of them; after the first round a candidate over twice the best stops),
 * wall clock around a clFinish; each gets its median. The work-group size (-DWG) is a build option and is not tuned: another
 * value means another program and another order of the row reductions.
 *
 * The file (tunefile.c): `<cache dir>/<hash of key>.tune`, text, keyed like the program cache
 * entries (source hash, build options, device, driver, platform) plus a format version, so a new
 * driver or changed kernels make it stale; written atomically; a damaged one (bad first line,
 * checksum, table) is deleted with one warning, a foreign one (another key) is ignored with one
 * warning, and either way the type defaults are used until the next tuning.
 *
 * When tuning runs (ocl_tune_first_use, called by the engine when it opens a device for a
 * model): ARDIFF_TUNE=auto (default) tunes once, at the first generation on a device with no
 * stored table, on that model's shapes, and stores the table; later runs load it, so the same
 * seed on the same device gives the same output. No tuning when ARDIFF_TUNE=off, when the
 * program cache is off (a table that cannot be stored would be measured afresh, and might
 * differ, on every run), or when ARDIFF_KERNELS or ARDIFF_CLAMP chooses the variants.
 * `ardiff devices --tune` re-measures and overwrites. No OpenCL types here.
 */
#ifndef ARDIFF_OCL_TUNE_H
#define ARDIFF_OCL_TUNE_H

#include <stddef.h>

#include "dev.h"
#include "variants.h"

#define OCL_TUNE_REPS 5
#define OCL_TUNE_MAX_SPLITS 8 /* clamp_splits candidates */

/* The shapes of one decoder step that the tuning times. */
typedef struct ocl_tune_shapes {
    int k;      /* candidates (rows of the decoder batch) */
    int N;      /* target tokens */
    int S;      /* source tokens (cross-attention keys) */
    int h;      /* hidden size */
    int heads;  /* decoder heads (h / heads <= OPS_ATT_MAX_DH) */
    int ff;     /* feed-forward size */
    int d;      /* embedding channels (clamping) */
    int V;      /* vocabulary */
    char what[96]; /* where they come from ("model commongen-small-gpu", "bundled defaults") */
} ocl_tune_shapes;

/* The bundled small model's shapes: k 10, N 32, S 32, h 128, 8 heads, ff 512, d 64, V 6000. */
void ocl_tune_shapes_bundled(ocl_tune_shapes *s);
/* "k=10 N=32 S=32 h=128 heads=8 ff=512 d=64 V=6000" */
void ocl_tune_shapes_format(const ocl_tune_shapes *s, char *buf, size_t cap);

typedef struct ocl_tune_result {
    ocl_variants table;                 /* the fastest of each op */
    double ms[OCL_OP_COUNT][2];         /* median ms of each op's variants; < 0: not measured */
    int splits[OCL_TUNE_MAX_SPLITS];    /* the clamp_splits candidates of the fused variant */
    double splits_ms[OCL_TUNE_MAX_SPLITS];
    int nsplits;
    double wall_ms;                     /* the whole measurement */
} ocl_tune_result;

/* Times every op's variants on dev (tune.c; see the top). Leaves dev's table as it was. */
ardiff_status ocl_tune_measure(ocl_dev *dev, const ocl_tune_shapes *s, ocl_tune_result *r);
/* One line per op: "gemm_nt: clblast 12.1 ms, tiled 3.2 ms -> tiled". */
void ocl_tune_report(const ocl_tune_result *r, char *buf, size_t cap);

/* The tuning file of dev (ocl_cache_dir() plus a name from its key); 0 when the cache is off. */
int ocl_tune_path(const ocl_dev *dev, char *path, size_t cap);
/* Reads dev's stored table into *t (and, if shapes is not NULL, the shapes line it was measured
 * on). 1: loaded; 0: none, or ignored with one warning (damaged: deleted; foreign: kept). */
int ocl_tune_load(const ocl_dev *dev, ocl_variants *t, char *shapes, size_t shapes_cap);
/* Stores r for dev, atomically. replace: overwrite whatever is there (the re-tune command);
 * else the first valid table wins: when another process stored one meanwhile, *adopted gets
 * it (1) and the file is left alone (0: r was stored). */
ardiff_status ocl_tune_store(const ocl_dev *dev, const ocl_tune_shapes *s,
                             const ocl_tune_result *r, int replace, ocl_variants *adopted,
                             int *was_adopted);

/* The policy at the top: tunes dev on s when it should, stores the table and applies it (one
 * note on stderr while it measures). A measurement or store that fails is one warning and the
 * type defaults are kept; this fails only when the device's queue does. */
ardiff_status ocl_tune_first_use(ocl_dev *dev, const ocl_tune_shapes *s);

#endif
