/* ref_ops.h: plain-C references for the kernels of cl/, written from the math (spec sections
 * cited), accumulating in double. Tensors are contiguous row-major unless strides are given.
 * They are the truth the kernel tests compare against; speed is not a concern. */
#ifndef ARDIFF_SELFTEST_REF_OPS_H
#define ARDIFF_SELFTEST_REF_OPS_H

#include <stddef.h>
#include <stdint.h>

/* y = (x - mean) / sqrt(var + eps) * g + b per row (biased variance), x, y [rows, dim] */
void ref_layernorm(const float *x, int rows, int dim, const float *g, const float *b, float eps,
                   float *y);
/* s = x + r (rounded to float, as stored), y = LN(s) */
void ref_add_layernorm(const float *x, const float *r, int rows, int dim, const float *g,
                       const float *b, float eps, float *s, float *y);

/* A [rows, L, width] strided view: element (r, l, c) at p[r*rs + l*ts + c]. */
typedef struct ref_seq {
    const float *p;
    size_t rs, ts;
} ref_seq;

/* Multi-head attention, per head h (columns h*dh .. h*dh+dh-1), query row r, query i:
 *   logit_j = ((q_i + u)·k_j + (q_i + w)·R_j) / sqrt(dh)   (u, w, R: NULL = absent terms)
 *   keys/values of row src = r / kv_group; mask [src, j] == 0 excludes key j (mask NULL: none;
 *   a row with every key masked averages all values, the kernels' convention)
 *   out_i = sum_j softmax(logit)_j v_j */
void ref_attention(ref_seq q, ref_seq k, ref_seq v, ref_seq R, const float *u, const float *w,
                   const int32_t *mask, size_t m_rs, float *out, size_t o_rs, size_t o_ts,
                   int rows, int Lq, int Lk, int H, int dh, int kv_group);

double ref_gelu(double x); /* 0.5 x (1 + erf(x / sqrt 2)) */
/* y = act(x + bias) (bias NULL: none); act 0 none, 1 GELU, 2 tanh, 3 SiLU; x, y [rows, cols] */
void ref_bias_act(const float *x, const float *bias, int rows, int cols, int act, float *y);
/* y[i, c] = (x[i, c] + b[c]) * GELU(x[i, F + c] + b[F + c]); x [rows, 2F], y [rows, F] */
void ref_geglu(const float *x, const float *bias, int rows, int F, float *y);

/* out[m] = E[ids[m]] (+ P[m % N]) (+ Ty[0]); P, Ty NULL = absent; ids outside [0, V): zeros */
void ref_embed(const int32_t *ids, const float *E, const float *P, const float *Ty, int M, int N,
               int d, int V, float *out);
/* spec §1.4: s = t * 1000 / T, f_k = exp(-ln(1e4) k / half), [cos(s f) | sin(s f) | 0 if odd] */
void ref_time_embed(const int32_t *t, int M, int C, int T, float *out);

/* ||E[j]||^2 */
void ref_row_sqnorm(const float *E, int V, int d, float *out);
/* squared L2 distance between x and E[j], in double */
double ref_sqdist(const float *x, const float *e, int d);
/* nearest row of E by direct differences (ties: lowest id); *best_dist its squared distance */
int ref_nearest(const float *x, const float *E, int V, int d, double *best_dist);
/* argmax_j (E[j]·x + b[j]) (b NULL: none), ties lowest id */
int ref_argmax(const float *x, const float *E, const float *b, int V, int d);

/* The skip posterior step (spec §4.2) for tokens [rows, N, d]: token n goes a[n] -> b[n];
 * abar[T] float (as the kernel gets it); eps [rows, N, d] the noise; out z_b. a == b copies. */
void ref_denoise(const float *z, const float *x0, const int32_t *a, const int32_t *b,
                 const float *abar, const float *eps, int rows, int N, int d, float *out);

/* C = alpha op(A) op(B) + beta C, row-major [m, n], op(X) = X or X^T; double accumulation
 * (op(A) and op(B)^T are first copied to contiguous double rows, so large shapes stay fast). */
void ref_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *A,
              size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);

#endif
