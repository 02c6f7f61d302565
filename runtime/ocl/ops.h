/* ops.h: one typed launcher per kernel in cl/ (the engine's view of the device).
 *
 * Conventions
 *  - Buffers are `const ocl_buf *` (inputs) or `ocl_buf *` (outputs) plus an offset in
 *    ELEMENTS (float or int32), never sub-buffers. Leading dimensions (ld*) and strides are in
 *    elements too. Outputs may alias inputs where a comment says so (in-place ops).
 *  - Every launcher validates its sizes and that each access stays inside its buffer, and
 *    reports a bad argument by value (ARDIFF_E_INVALID_ARG). A call with zero rows does nothing.
 *  - Launchers only set arguments and enqueue on dev->queue (in order); none calls clFinish.
 *  - Shapes in comments: [rows, cols]; M = rows * N tokens.
 * This header shows no OpenCL types: the engine includes it.
 */
#ifndef ARDIFF_OCL_OPS_H
#define ARDIFF_OCL_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "ardiff.h"
#include "dev.h"

/* Limits fixed at build time (-D options of ops_build_options). */
#define OPS_WG_MAX 64          /* work-group size: largest power of two <= min(64, device max) */
#define OPS_ATT_MAX_KEYS 512   /* most keys per attention row */
#define OPS_ATT_MAX_DH 128     /* largest head dimension */
#define OPS_CLAMP_ROWS 16      /* rows per work group of the fused clamping (cl/clamp.cl: 16) */
#define OPS_CLAMP_MAX_D 256    /* largest d the fused clamping takes (its x tile in local memory) */

/* ---- layer norm (layernorm.cl) ---------------------------------------------------------- */
/* y = LN(x) * g + b over the last dim; x, y [rows, dim] with leading dims ldx, ldy; y may alias x. */
ardiff_status ops_layernorm(ocl_dev *dev, const ocl_buf *x, size_t x_off, size_t ldx,
                            const ocl_buf *g, size_t g_off, const ocl_buf *b, size_t b_off,
                            ocl_buf *y, size_t y_off, size_t ldy, int rows, int dim, float eps);
/* s = x + r (written: the residual stream), y = LN(s) * g + b. s may alias x or r. */
ardiff_status ops_add_layernorm(ocl_dev *dev, const ocl_buf *x, size_t x_off, size_t ldx,
                                const ocl_buf *r, size_t r_off, size_t ldr,
                                ocl_buf *s, size_t s_off, size_t lds,
                                const ocl_buf *g, size_t g_off, const ocl_buf *b, size_t b_off,
                                ocl_buf *y, size_t y_off, size_t ldy, int rows, int dim, float eps);

/* ---- attention (attention.cl) ----------------------------------------------------------- */
/* A [rows, L, H*dh] view: element (r, l, c) at off + r*rs + l*ts + c (elements). */
typedef struct ops_seq {
    const ocl_buf *buf;
    size_t off, rs, ts;
} ops_seq;
typedef struct ops_seq_out {
    ocl_buf *buf;
    size_t off, rs, ts;
} ops_seq_out;

/* Decoder self-attention with the time term (spec §1.4): per head,
 * out_i = softmax_j(((q_i + u)·k_j + (q_i + w)·R_j) / sqrt(dh)) v_j, no mask.
 * u (r_w_bias), w (r_r_bias): [H*dh]. R: the per-token time MLP output [rows, L, H*dh]. */
ardiff_status ops_attention_self_time(ocl_dev *dev, ops_seq q, ops_seq k, ops_seq v, ops_seq R,
                                      const ocl_buf *u, size_t u_off,
                                      const ocl_buf *w, size_t w_off, ops_seq_out out,
                                      int rows, int L, int H, int dh);
/* Cross-attention: query row r [Lq] attends to source row r / kv_group of k, v [*, Lk];
 * mask int32 [rows / kv_group, Lk] (row stride m_rs; 1 = real, 0 = pad). */
ardiff_status ops_attention_cross(ocl_dev *dev, ops_seq q, ops_seq k, ops_seq v,
                                  const ocl_buf *mask, size_t m_off, size_t m_rs,
                                  ops_seq_out out, int rows, int Lq, int Lk, int H, int dh,
                                  int kv_group);
/* Encoder self-attention with a key padding mask int32 [rows, L] (row stride m_rs). */
ardiff_status ops_attention_encoder(ocl_dev *dev, ops_seq q, ops_seq k, ops_seq v,
                                    const ocl_buf *mask, size_t m_off, size_t m_rs,
                                    ops_seq_out out, int rows, int L, int H, int dh);

/* ---- elementwise (elementwise.cl) ------------------------------------------------------- */
typedef enum ops_act { OPS_ACT_NONE = 0, OPS_ACT_GELU = 1, OPS_ACT_TANH = 2, OPS_ACT_SILU = 3 } ops_act;
/* y = act(x + bias) with bias [cols] (NULL: no bias); GELU is the erf form. y may alias x. */
ardiff_status ops_bias_act(ocl_dev *dev, const ocl_buf *x, size_t x_off, size_t ldx,
                           const ocl_buf *bias, size_t b_off, ocl_buf *y, size_t y_off,
                           size_t ldy, int rows, int cols, ops_act act);
/* GEGLU: x [rows, 2F] (+ bias [2F], NULL: none) -> y[:, c] = x[:, c] * GELU(x[:, F + c]). */
ardiff_status ops_geglu(ocl_dev *dev, const ocl_buf *x, size_t x_off, size_t ldx,
                        const ocl_buf *bias, size_t b_off, ocl_buf *y, size_t y_off, size_t ldy,
                        int rows, int F);
/* y = a + b, [rows, cols]; y may alias a or b. */
ardiff_status ops_add(ocl_dev *dev, const ocl_buf *a, size_t a_off, size_t lda,
                      const ocl_buf *b, size_t b_off, size_t ldb, ocl_buf *y, size_t y_off,
                      size_t ldy, int rows, int cols);
/* y = alpha * x, [rows, cols]; y may alias x. */
ardiff_status ops_scale(ocl_dev *dev, const ocl_buf *x, size_t x_off, size_t ldx, ocl_buf *y,
                        size_t y_off, size_t ldy, int rows, int cols, float alpha);

/* ---- embeddings (embed.cl); all [M, d] contiguous --------------------------------------- */
/* out[m] = E[ids[m]] for M tokens; E [V, d]. An id outside [0, V) gives a zero row. */
ardiff_status ops_embed_tokens(ocl_dev *dev, const ocl_buf *ids, size_t ids_off,
                               const ocl_buf *E, size_t e_off, ocl_buf *out, size_t o_off,
                               int M, int d, int V);
/* BERT embeddings before their LN: out[r, n] = W[ids[r, n]] + P[n] + Ty[0];
 * ids [rows, S], W [V, d], P [>= S, d], Ty [>= 1, d]. */
ardiff_status ops_embed_bert(ocl_dev *dev, const ocl_buf *ids, size_t ids_off,
                             const ocl_buf *W, size_t w_off, const ocl_buf *P, size_t p_off,
                             const ocl_buf *Ty, size_t t_off, ocl_buf *out, size_t o_off,
                             int rows, int S, int d, int V);
/* x[r, n] += P[n] for x [rows, N, d] (in place). */
ardiff_status ops_pos_add(ocl_dev *dev, ocl_buf *x, size_t x_off, const ocl_buf *P, size_t p_off,
                          int rows, int N, int d);
/* Sinusoidal time features (spec §1.4) of code timesteps t int32 [M] (0 <= t < T):
 * out [M, C], cos half first; s = t * 1000/T. */
ardiff_status ops_time_embed(ocl_dev *dev, const ocl_buf *t, size_t t_off, ocl_buf *out,
                             size_t o_off, int M, int C, int T);

/* ---- rounding (rounding.cl + a CLBlast GEMM) -------------------------------------------- */
/* n[j] = ||E[j]||^2, E [V, d] contiguous (once at load). */
ardiff_status ops_row_sqnorm(ocl_dev *dev, const ocl_buf *E, size_t e_off, ocl_buf *n,
                             size_t n_off, int V, int d);
/* Clamping: for each row of x [M, d], the nearest row of E [V, d] in L2 (ties: lowest id):
 * out [M, d] gets that row (out may alias x), ids [M] its id. enorm [V] from ops_row_sqnorm;
 * scores: scratch [M, V]. Two variants (the device's clamp variant, variants.h): S = x E^T through
 * ocl_gemm, then an argmin (cl/rounding.cl), or the fused kernel (cl/clamp.cl; d up to
 * OPS_CLAMP_MAX_D, beyond it the GEMM path runs), which never writes S and uses at most M V
 * floats of the scratch (2 per row and vocabulary slice); with the tiled gemm_nt variant both
 * make the same choices bit for bit. See cl/rounding.cl for the numerics of the
 * ||x||^2 - 2 x·e + ||e||^2 expansion (the official code's choice). */
ardiff_status ops_round_nearest(ocl_dev *dev, const ocl_buf *x, size_t x_off,
                                const ocl_buf *E, size_t e_off, const ocl_buf *enorm,
                                size_t n_off, ocl_buf *scores, size_t s_off, ocl_buf *out,
                                size_t o_off, ocl_buf *ids, size_t id_off, int M, int V, int d);
/* 1 if ops_round_nearest takes the fused variant on dev for rows of d channels (the device's
 * clamp variant is fused and d <= OPS_CLAMP_MAX_D). */
int ops_clamp_is_fused(const ocl_dev *dev, int d);
/* Output head: ids[m] = argmax_j (E x_m + b)_j (ties: lowest id); bias [V] or NULL;
 * scores: scratch [M, V]. */
ardiff_status ops_round_argmax(ocl_dev *dev, const ocl_buf *x, size_t x_off,
                               const ocl_buf *E, size_t e_off, const ocl_buf *bias, size_t b_off,
                               ocl_buf *scores, size_t s_off, ocl_buf *ids, size_t id_off,
                               int M, int V, int d);

/* ---- diffusion (denoise.cl, rng.cl) ----------------------------------------------------- */
/* out [rows, N, d] = the normals of (seed, input_of_row[r], cand_of_row[r], step, n, c)
 * (docs/rng.md); input_of_row, cand_of_row: int32 [rows]. */
ardiff_status ops_rng_normal(ocl_dev *dev, ocl_buf *out, size_t out_off,
                             const ocl_buf *input_of_row, size_t in_off,
                             const ocl_buf *cand_of_row, size_t cand_off,
                             int rows, int N, int d, uint64_t seed, uint32_t step);
/* The position-aware skip step (spec §4.2; cl/denoise.cl) for z, x0, z_out [rows, N, d]:
 * token n moves from code timestep tab[a_off + n] to tab[b_off + n] (tab: the int32 [K+1, N]
 * table), abar: alphas_cumprod float [T]; noise from the stream at (seed, input_of_row[r],
 * cand_of_row[r], step >= 1, n, c). z_out may alias z. */
ardiff_status ops_denoise_step(ocl_dev *dev, const ocl_buf *z, size_t z_off,
                               const ocl_buf *x0, size_t x0_off, ocl_buf *z_out, size_t out_off,
                               const ocl_buf *tab, size_t a_off, size_t b_off,
                               const ocl_buf *abar, int T,
                               const ocl_buf *input_of_row, size_t in_off,
                               const ocl_buf *cand_of_row, size_t cand_off,
                               int rows, int N, int d, uint64_t seed, uint32_t step);

/* ---- storage conversion (convert.cl) ------------------------------------------------------ */
/* dst [n] floats at dst_off = src [n] IEEE halves (uint16 storage) at src_off (both offsets in
 * elements of their own type); exact for every half value. Needs no cl_khr_fp16 (vload_half). */
ardiff_status ops_half_to_float(ocl_dev *dev, const ocl_buf *src, size_t src_off, ocl_buf *dst,
                                size_t dst_off, size_t n);
/* dst [M, d] floats = rows ids[m] (int32 [M]) of the half table src [V, d] (an id outside
 * [0, V) gives a zero row): an embedding lookup straight from fp16 storage. */
ardiff_status ops_half_rows_to_float(ocl_dev *dev, const ocl_buf *src, size_t src_off,
                                     const ocl_buf *ids, size_t ids_off, ocl_buf *dst,
                                     size_t dst_off, int M, int d, int V);

#endif
