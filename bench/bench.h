/* bench.h: shared pieces of ardiff_bench. */
#ifndef ARDIFF_BENCH_H
#define ARDIFF_BENCH_H

#include "ocl/ocl.h"

typedef struct bench_opts {
    int reps;          /* timed repetitions per case (median reported) */
    const char *model; /* "commongen", "xsum" or "all" */
    int candidates;    /* k: decoder rows are k * N */
    double peak_gbs, peak_gfs; /* measured by bench_peak (0: not measured) */
} bench_opts;

/* The sizes of the official CommonGen and XSUM models (spec §1.6), with the names of
 * runtime/engine/forward.c: h hidden, d = in = out channels, ct time channels, ffn encoder
 * FFN width (I), H heads, N target length, S source length (its maximum), V vocabulary, T steps. */
typedef struct bench_model {
    const char *name;
    int h, d, ct, ffn, H, N, S, V, T;
} bench_model;

/* runtime/engine/sampler.c's ROUND_SCRATCH_FLOATS: clamping runs in chunks of this / V rows */
#define BENCH_ROUND_SCRATCH_FLOATS (16u << 20)

#define BENCH_MODELS 2
extern const bench_model bench_models[BENCH_MODELS];

/* 1 if the model is selected by o->model */
int bench_model_on(const bench_opts *o, const bench_model *m);
/* "cpu" or "gpu": the name of a kernel set (1: cpu) */
const char *bench_set_name(int cpu_kernels);
/* 1 if dev runs the cpu kernel set (its gemm_nt variant is the tiled kernel) */
int bench_cpu_set(const ocl_dev *dev);
/* Switches dev to a kernel set's variant table (variants.h; 1: cpu, 0: gpu). */
ardiff_status bench_use_set(ocl_dev *dev, int cpu);

double bench_now_ms(void);
/* Both tables time the kernel sets by switching dev's variant table (ocl_dev_set_variants), and
 * restore it before returning. */
int bench_gemm(ocl_dev *dev, const bench_opts *o);
int bench_kernels(ocl_dev *dev, const bench_opts *o);
/* Fused clamping vs GEMM + argmin for k = 1, 10, 50 (ignores o->candidates); switches and
 * restores dev's clamp variant. */
int bench_clamp(ocl_dev *dev, const bench_opts *o);

/* Measures the device's peak bandwidth (a copy kernel) and GEMM GFLOP/s (its default GEMM,
 * the best of a few shapes) into o->peak_gbs / o->peak_gfs; prints them with OpenBLAS on the
 * same shapes. */
int bench_peak(ocl_dev *dev, bench_opts *o);

/* median of n values (sorts v) */
double bench_median(double *v, int n);

#endif
