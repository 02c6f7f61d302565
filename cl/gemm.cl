/* gemm.cl: C[M, N] = alpha * A[M, K] * B[N, K]^T + beta * C, all row-major (the shape of every
 * linear layer y = x W^T and of the clamping scores x E^T).
 * -D macros: WG (see common.cl).
 *
 * Used instead of CLBlast on devices for which CLBlast has no tuning and its default kernels are
 * slow (PoCL's CPU device: runtime/ocl/gemm.c says when). No local memory and no barriers: each
 * work item keeps a 4 x 2 block of C in registers as eight float8 accumulators and walks K
 * eight at a time with vload8, so both operands are read along contiguous rows. 4 x 2 rather
 * than 4 x 4: its 8 accumulators and 6 operands fit the 16 vector registers of AVX2, where the
 * 4 x 4 block's 16 + 8 spilled (1.2 to 2x faster on the decoder's shapes, PoCL and Intel,
 * docs/kernels.md). Rows and columns past M or N are clamped on load and never stored.
 * beta == 0 does not read C (BLAS semantics: C may hold garbage).
 * Accumulation order: per output, eight partial sums over k = 0 mod 8 .. 7 mod 8, added as the
 * pairwise tree of hsum8_tree (common.cl), then the k % 8 tail in order (clamp.cl repeats it so
 * that fused clamping makes the choices of this GEMM + argmin; tests/test_clamp.c checks they
 * agree on near-ties that only rounding decides).
 * global = (ceil(N/2) rounded up to WG, ceil(M/4)), local = (WG, 1). */

#define GEMM_ROW(P, off, ld, r, last) ((P) + (off) + (size_t)min((r), (last)) * (ld))

__kernel __attribute__((reqd_work_group_size(WG, 1, 1))) ITEM_SIMD
void ardiff_gemm_nt_f32(__global const float *A, int a_off, int lda,
                        __global const float *B, int b_off, int ldb,
                        __global float *C, int c_off, int ldc,
                        int M, int N, int K, float alpha, float beta)
{
    const int n0 = get_global_id(0) * 2;
    const int m0 = get_global_id(1) * 4;
    if (n0 >= N || m0 >= M) return;
    __global const float *a0 = GEMM_ROW(A, a_off, lda, m0 + 0, M - 1);
    __global const float *a1 = GEMM_ROW(A, a_off, lda, m0 + 1, M - 1);
    __global const float *a2 = GEMM_ROW(A, a_off, lda, m0 + 2, M - 1);
    __global const float *a3 = GEMM_ROW(A, a_off, lda, m0 + 3, M - 1);
    __global const float *b0 = GEMM_ROW(B, b_off, ldb, n0 + 0, N - 1);
    __global const float *b1 = GEMM_ROW(B, b_off, ldb, n0 + 1, N - 1);
    float8 c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0, c30 = 0, c31 = 0;
    int k = 0;
    for (; k + 8 <= K; k += 8) {
        const float8 y0 = vload8(0, b0 + k), y1 = vload8(0, b1 + k);
        const float8 x0 = vload8(0, a0 + k), x1 = vload8(0, a1 + k);
        c00 = mad(x0, y0, c00); c01 = mad(x0, y1, c01);
        c10 = mad(x1, y0, c10); c11 = mad(x1, y1, c11);
        const float8 x2 = vload8(0, a2 + k), x3 = vload8(0, a3 + k);
        c20 = mad(x2, y0, c20); c21 = mad(x2, y1, c21);
        c30 = mad(x3, y0, c30); c31 = mad(x3, y1, c31);
    }
    const float8 h = hsum8_tree(c00, c01, c10, c11, c20, c21, c30, c31);
    float s[4][2] = {{h.s0, h.s1}, {h.s2, h.s3}, {h.s4, h.s5}, {h.s6, h.s7}};
    for (; k < K; k++) {
        const float x[4] = {a0[k], a1[k], a2[k], a3[k]};
        const float y[2] = {b0[k], b1[k]};
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 2; j++) s[i][j] = mad(x[i], y[j], s[i][j]);
    }
    for (int i = 0; i < 4 && m0 + i < M; i++) {
        __global float *crow = C + c_off + (size_t)(m0 + i) * ldc + n0;
        for (int j = 0; j < 2 && n0 + j < N; j++)
            crow[j] = beta == 0.0f ? alpha * s[i][j] : mad(beta, crow[j], alpha * s[i][j]);
    }
}
