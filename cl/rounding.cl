/* rounding.cl: from continuous embeddings back to the vocabulary.
 * -D macros: WG (see common.cl).
 *
 * Clamping (spec §4.2 step 2) picks, per row x [d], the word embedding e_j (E [V, d]) nearest
 * in L2. Like the official code it expands ||x - e||^2 = ||x||^2 - 2 x·e + ||e||^2: the
 * launcher computes S = X E^T with a CLBlast GEMM, ||e||^2 once at load
 * (ardiff_row_sqnorm_f32), and ardiff_round_nearest_f32 takes the argmin of
 * max(||x||^2 + ||e_j||^2 - 2 S_j, 0), ties to the lowest id. The expansion loses about
 * 1e-7 * (||x||^2 + ||e||^2) to cancellation, so two nearly equidistant words may swap
 * compared with direct differences; the tests check the chosen distance against the true
 * minimum within that tolerance.
 * The output head takes argmax_j (S_j + b_j) with S = X E^T (ties: lowest id).
 */

/* n[j] = sum_c E[j, c]^2; one work item per vocabulary row. global = round_up(V, WG) */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_row_sqnorm_f32(__global const float *E, int e_off, int lde,
                           __global float *n, int n_off, int V, int d)
{
    const int j = get_global_id(0);
    if (j >= V) return;
    __global const float *e = E + e_off + (size_t)j * lde;
    float s = 0.0f;
    for (int c = 0; c < d; c++) s += e[c] * e[c];
    n[n_off + j] = s;
}

/* One work group per row m: id = argmin_j max(||x_m||^2 + n[j] - 2 S[m, j], 0);
 * ids[m] = id, out[m, :] = E[id, :]. out may alias x. global = M * WG */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_round_nearest_f32(__global const float *S, int s_off, int lds,
                              __global const float *n, int n_off,
                              __global const float *x, int x_off, int ldx,
                              __global const float *E, int e_off, int lde,
                              __global float *out, int o_off, int ldo,
                              __global int *ids, int id_off, int M, int V, int d)
{
    __local float redv[WG];
    __local int redi[WG];
    const int m = get_group_id(0);
    const int lid = get_local_id(0);
    __global const float *xr = x + x_off + (size_t)m * ldx;
    float q = 0.0f;
    for (int c = lid; c < d; c += WG) q += xr[c] * xr[c];
    const float xn = wg_sum(q, redv);
    __global const float *sr = S + s_off + (size_t)m * lds;
    float best = FLT_MAX;
    int bi = V;
    for (int j = lid; j < V; j += WG) {
        float dist = fmax(xn + n[n_off + j] - 2.0f * sr[j], 0.0f);
        if (argmin_better(dist, j, best, bi)) {
            best = dist;
            bi = j;
        }
    }
    float bv;
    const int id = wg_argmin(best, bi, redv, redi, &bv);
    /* every work item has read x (for xn) before wg_argmin's barriers: out may alias x */
    __global float *orow = out + o_off + (size_t)m * ldo;
    /* id == V only when every distance is NaN: pass x through and report id -1 */
    __global const float *src = id < V ? E + e_off + (size_t)id * lde : xr;
    for (int c = lid; c < d; c += WG) orow[c] = src[c];
    if (lid == 0) ids[id_off + m] = id < V ? id : -1;
}

/* One work group per row m: ids[m] = argmax_j (S[m, j] + b[j]) (b ignored when has_bias == 0),
 * ties to the lowest id. global = M * WG */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_round_argmax_f32(__global const float *S, int s_off, int lds,
                             __global const float *b, int b_off, int has_bias,
                             __global int *ids, int id_off, int M, int V)
{
    __local float redv[WG];
    __local int redi[WG];
    const int m = get_group_id(0);
    const int lid = get_local_id(0);
    __global const float *sr = S + s_off + (size_t)m * lds;
    float best = FLT_MAX;
    int bi = V;
    for (int j = lid; j < V; j += WG) {
        float v = -(sr[j] + (has_bias ? b[b_off + j] : 0.0f)); /* argmax = argmin of -v */
        if (argmin_better(v, j, best, bi)) {
            best = v;
            bi = j;
        }
    }
    float bv;
    const int id = wg_argmin(best, bi, redv, redi, &bv);
    if (lid == 0) ids[id_off + m] = id < V ? id : -1; /* -1: every logit NaN */
}
