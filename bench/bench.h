/* bench.h: shared pieces of ardiff_bench. */
#ifndef ARDIFF_BENCH_H
#define ARDIFF_BENCH_H

#include "ocl/ocl.h"

typedef struct bench_opts {
    int reps;          /* timed repetitions per case (median reported) */
    const char *model; /* "commongen", "xsum" or "all" */
    int candidates;    /* k: decoder rows are k * N */
} bench_opts;

double bench_now_ms(void);
int bench_gemm(ocl_dev *dev, const bench_opts *o);
int bench_kernels(ocl_dev *dev, const bench_opts *o);

/* median of n values (sorts v) */
double bench_median(double *v, int n);

#endif
