/* step_cost.h: the FLOPs of one decoder step, counted from the model's sizes (model.ini), and
 * OpenBLAS SGEMM on that step's GEMM shapes on the host: the baseline of the step's FLOP rate
 * in ardiff_bench_generate. */
#ifndef ARDIFF_BENCH_STEP_COST_H
#define ARDIFF_BENCH_STEP_COST_H

/* The sizes the count needs, names as in runtime/engine/forward.c. */
typedef struct step_model {
    int h, d, out, ct, layers, N, V, time_att;
} step_model;

/* Reads MODEL_DIR/model.ini. Returns 0, or -1 with a message on stderr. */
int step_model_read(const char *model_dir, step_model *m);

/* FLOPs (multiply-add = 2) of one decoder call on `rows` sequences (inputs x candidates) whose
 * sources hold S tokens: the decoder's GEMMs, its attention products (scores and the weighted
 * sum, self and cross), and clamping as the dense x.E^T product (k N x V x d); elementwise ops
 * are not counted. gemm_only: the GEMMs alone (what step_openblas_ms times). */
double step_flops(const step_model *m, int rows, int S, int gemm_only);

/* FLOPs of the final output head (argmax over E.z + b) on `rows` sequences. */
double step_head_flops(const step_model *m, int rows);

/* Median ms of OpenBLAS cblas_sgemm over one decoder call's GEMMs (step_flops(..., 1)) on the
 * host, reps timed passes after a warm-up; -1 when built without OpenBLAS. */
double step_openblas_ms(const step_model *m, int rows, int reps);

/* "OpenBLAS <config>, <threads> threads", or "not built with OpenBLAS". */
const char *step_openblas_name(void);

#endif
