/* clamp.cl: clamping (spec §4.2 step 2) fused with its scores: the nearest word embedding of
 * each row of x [M, d] among E [V, d], without writing the [M, V] score matrix.
 * -D macros: WG (see common.cl); CLAMP_ROWS, rows per work group (16: one float16 lane per
 * row); CLAMP_MAX_D, the largest d (the group's x tile lives in local memory).
 *
 * It makes exactly the choices of the unfused path of the cpu kernel set (gemm.cl's tiled
 * S = x E^T, then rounding.cl's ardiff_round_nearest_f32), bit for bit:
 *  - x·e_j in gemm.cl's order: lane l (0..7) accumulates x[k] e_j[k] for k = l, l + 8, ... with
 *    mad, the eight lanes are added as the tree ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)),
 *    then the d % 8 tail follows in order with mad. Here, as in gemm.cl, each dot product is a
 *    float8 accumulator over k and the tree is hsum8_tree (common.cl), on a block of 4 rows x 2
 *    words, so every row gets the same operations in the same order;
 *  - ||x||^2 in the order of wg_sum in ardiff_round_nearest_f32 (row_sqnorm_wg);
 *  - ||e_j||^2: the same n[] (ardiff_row_sqnorm_f32, computed once at load);
 *  - dist_j = max((||x||^2 + n_j) - 2 x·e_j, 0): the same expression (FP_CONTRACT is off);
 *  - the winner: the least (dist_j, j) pair in the order of argmin_better (smaller distance,
 *    ties to the lower id), starting from (FLT_MAX, V). dist_j is never NaN (fmax returns the
 *    non-NaN argument), so the order is total and the least pair does not depend on how the
 *    vocabulary is split among work items, work groups and the second kernel.
 * This needs an implementation whose mad gives the same result for float8, float16 and scalar
 * operands (fused or not: PoCL 3.1 makes it a multiply and an add); tests/test_clamp.c checks the
 * identity on each device it runs on (PoCL and Intel's CPU runtime so far), on exact ties and
 * on near-ties that only rounding decides. With the gpu set the GEMM path's scores come from
 * CLBlast in its own order, so there the two variants may differ on such near-ties.
 *
 * ardiff_clamp_fused_f32: work group (t, s) takes rows t*16 .. t*16+15 (their x tile copied
 * into local memory) and the s-th of nsplit slices of slice_cols words. Each work item walks a
 * contiguous run of words two at a time; per pair it computes the 32 dot products in four
 * blocks of 4 rows x 2 words (clamp_dots4x2) and keeps the running best of each row in a lane
 * of a float16 / int16 pair. The group then reduces its WG bests per row in local
 * memory. With nsplit == 1 it writes ids[m] and out[m] = E[id] directly; otherwise it writes
 * the pair to the partial buffers and ardiff_clamp_finish_f32 reduces the slices. As in
 * rounding.cl, id == V (every distance +inf) passes x through and reports id -1.
 * Global = (row tiles * WG, nsplit), local = (WG, 1). No early returns (common.cl).
 */
#ifndef CLAMP_ROWS
#define CLAMP_ROWS 16
#endif
#ifndef CLAMP_MAX_D
#define CLAMP_MAX_D 256
#endif
#if CLAMP_ROWS != 16
#error "clamp.cl: CLAMP_ROWS must be 16 (one float16 lane per row)"
#endif

#define CLAMP_ROW(P, off, ld, r, last) ((P) + (off) + (size_t)min((r), (last)) * (ld))

/* ||x||^2 summed in the order of wg_sum over lanes that each took x[c]^2, c = lane mod WG */
inline float row_sqnorm_wg(__global const float *xr, int d)
{
    float red[WG];
    for (int l = 0; l < WG; l++) {
        float q = 0.0f;
        for (int c = l; c < d; c += WG) q += xr[c] * xr[c];
        red[l] = q;
    }
    for (int s = WG / 2; s > 0; s >>= 1)
        for (int l = 0; l < s; l++) red[l] += red[l + s];
    return red[0];
}

/* The dot products of 4 rows of the tile (xq: row-major, stride d) with two words e0, e1:
 * lane 2 r + w is x_r · e_w, in gemm.cl's order (see the top of the file): lane l of each
 * accumulator takes k = l, l + 8, ..., then hsum8_tree (common.cl), then the d % 8 tail. A 4 x 2
 * block keeps its 8 accumulators and 6 operands in 16 registers of AVX2 (no spills), and each
 * word's row is read from the cache 4 times per 16 rows, not once per row. */
inline float8 clamp_dots4x2(__global const float *x0, __global const float *x1,
                            __global const float *x2, __global const float *x3, int d,
                            __global const float *e0, __global const float *e1)
{
    float8 c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0, c30 = 0, c31 = 0;
    int k = 0;
    for (; k + 8 <= d; k += 8) {
        const float8 y0 = vload8(0, e0 + k), y1 = vload8(0, e1 + k);
        const float8 a = vload8(0, x0 + k), b = vload8(0, x1 + k);
        c00 = mad(a, y0, c00);
        c01 = mad(a, y1, c01);
        c10 = mad(b, y0, c10);
        c11 = mad(b, y1, c11);
        const float8 c = vload8(0, x2 + k), e = vload8(0, x3 + k);
        c20 = mad(c, y0, c20);
        c21 = mad(c, y1, c21);
        c30 = mad(e, y0, c30);
        c31 = mad(e, y1, c31);
    }
    float8 h = hsum8_tree(c00, c01, c10, c11, c20, c21, c30, c31);
    for (; k < d; k++)
        h = mad((float8)(x0[k], x0[k], x1[k], x1[k], x2[k], x2[k], x3[k], x3[k]),
                (float8)(e0[k], e1[k], e0[k], e1[k], e0[k], e1[k], e0[k], e1[k]), h);
    return h;
}

/* rounding.cl's distance (||x||^2 + n_j) - 2 S_j, clamped at 0, of rows 4q .. 4q + 3 (lanes L of
 * the running pairs best, bi) to words j and jb (> j, or == j at an odd end: a repeat of the
 * same pair changes nothing), then argmin_better against the running pairs: the words come in
 * increasing order, so only the start (FLT_MAX, V) can lose a tie */
#define CLAMP_QUAD(q, L)                                                                       \
    {                                                                                          \
        const float8 h = clamp_dots4x2(xr[4 * (q)], xr[4 * (q) + 1], xr[4 * (q) + 2],          \
                                       xr[4 * (q) + 3], d, e0, e1);                            \
        float4 b = best.L;                                                                     \
        int4 bx = bi.L;                                                                        \
        float4 dist = fmax(xn16.L + (float4)nj - 2.0f * h.even, 0.0f);                         \
        int4 better = dist < b || (dist == b && bx == (int4)V);                                \
        b = select(b, dist, better);                                                           \
        bx = select(bx, (int4)j, better);                                                      \
        dist = fmax(xn16.L + (float4)njb - 2.0f * h.odd, 0.0f);                                \
        better = dist < b || (dist == b && bx == (int4)V);                                     \
        best.L = select(b, dist, better);                                                      \
        bi.L = select(bx, (int4)jb, better);                                                   \
    }

/* the group's 16 rows of x, row-major: xt[r * d + k] = x[m0 + r, k] (rows past M repeat row
 * M - 1), and their ||x||^2 */
inline void clamp_load_tile(__global const float *x, int x_off, int ldx, int m0, int M, int d,
                            __local float *xt, __local float *xn)
{
    for (int t = get_local_id(0); t < 16 * d; t += WG) {
        const int r = t / d, k = t - r * d; /* row r, channel k */
        xt[r * d + k] = CLAMP_ROW(x, x_off, ldx, m0 + r, M - 1)[k];
    }
    const int lid = get_local_id(0);
    if (lid < 16) xn[lid] = row_sqnorm_wg(CLAMP_ROW(x, x_off, ldx, m0 + lid, M - 1), d);
}

/* out[m] = E[id] (or x[m] when id is V: no finite distance), ids[m] = id (-1 for V), by the
 * work items of one group; out may alias x */
inline void clamp_write_row(__global const float *xr, __global const float *E, int e_off,
                            int lde, __global float *orow, __global int *idp, int id, int V,
                            int d)
{
    __global const float *src = id < V ? E + e_off + (size_t)id * lde : xr;
    for (int c = get_local_id(0); c < d; c += WG) orow[c] = src[c];
    if (get_local_id(0) == 0) *idp = id < V ? id : -1;
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1))) ITEM_SIMD
void ardiff_clamp_fused_f32(__global const float *x, int x_off, int ldx,
                            __global const float *E, int e_off, int lde,
                            __global const float *n, int n_off,
                            __global float *out, int o_off, int ldo,
                            __global int *ids, int id_off,
                            __global float *pv, int pv_off, __global int *pi, int pi_off,
                            int M, int V, int d, int nsplit, int slice_cols)
{
    __local float xt[CLAMP_MAX_D * 16];
    __local float xn[16];
    __local float redv[16 * WG];
    __local int redi[16 * WG];
    __local int win[16];
    const int lid = get_local_id(0);
    const int m0 = get_group_id(0) * 16, split = get_group_id(1);
    clamp_load_tile(x, x_off, ldx, m0, M, d, xt, xn);
    barrier(CLK_LOCAL_MEM_FENCE);

    /* this work item's run of words inside the group's slice */
    const int s0 = min(split * slice_cols, V), s1 = min(s0 + slice_cols, V);
    const int per = (s1 - s0 + WG - 1) / WG;
    const int j0 = min(s0 + lid * per, s1), j1 = min(j0 + per, s1);
    const float16 xn16 = vload16(0, xn);
    float16 best = FLT_MAX;
    int16 bi = V;
    __global const float *xr[16];
    for (int r = 0; r < 16; r++) xr[r] = CLAMP_ROW(x, x_off, ldx, m0 + r, M - 1);
    for (int j = j0; j < j1; j += 2) {
        const int jb = min(j + 1, j1 - 1);
        __global const float *e0 = E + e_off + (size_t)j * lde, *e1 = E + e_off + (size_t)jb * lde;
        const float nj = n[n_off + j], njb = n[n_off + jb];
        CLAMP_QUAD(0, s0123)
        CLAMP_QUAD(1, s4567)
        CLAMP_QUAD(2, s89ab)
        CLAMP_QUAD(3, scdef)
    }
    float bv[16];
    int bx[16];
    vstore16(best, 0, bv);
    vstore16(bi, 0, bx);
    for (int r = 0; r < 16; r++) {
        redv[r * WG + lid] = bv[r];
        redi[r * WG + lid] = bx[r];
    }
    barrier(CLK_LOCAL_MEM_FENCE);

    /* every work item has read its x rows: from here out (which may alias x) can be written */
    if (lid < 16) {
        float v = FLT_MAX;
        int id = V;
        for (int w = 0; w < WG; w++)
            if (argmin_better(redv[lid * WG + w], redi[lid * WG + w], v, id)) {
                v = redv[lid * WG + w];
                id = redi[lid * WG + w];
            }
        win[lid] = id;
        if (nsplit > 1 && m0 + lid < M) {
            pv[pv_off + (m0 + lid) * nsplit + split] = v;
            pi[pi_off + (m0 + lid) * nsplit + split] = id;
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int r = 0; nsplit == 1 && r < 16 && m0 + r < M; r++)
        clamp_write_row(x + x_off + (size_t)(m0 + r) * ldx, E, e_off, lde,
                        out + o_off + (size_t)(m0 + r) * ldo, ids + id_off + m0 + r, win[r], V, d);
}

/* One work group per row m: the least of the nsplit partial pairs; then as above. */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_clamp_finish_f32(__global const float *pv, int pv_off, __global const int *pi,
                             int pi_off, int nsplit, __global const float *x, int x_off, int ldx,
                             __global const float *E, int e_off, int lde,
                             __global float *out, int o_off, int ldo,
                             __global int *ids, int id_off, int V, int d)
{
    __local float redv[WG];
    __local int redi[WG];
    const int m = get_group_id(0);
    float best = FLT_MAX;
    int bi = V;
    for (int s = get_local_id(0); s < nsplit; s += WG) {
        const float v = pv[pv_off + m * nsplit + s];
        const int i = pi[pi_off + m * nsplit + s];
        if (argmin_better(v, i, best, bi)) {
            best = v;
            bi = i;
        }
    }
    float bv;
    const int id = wg_argmin(best, bi, redv, redi, &bv);
    clamp_write_row(x + x_off + (size_t)m * ldx, E, e_off, lde, out + o_off + (size_t)m * ldo,
                    ids + id_off + m, id, V, d);
}
