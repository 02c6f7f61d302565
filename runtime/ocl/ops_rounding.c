/* ops_rounding.c: launchers of cl/rounding.cl (clamping to the vocabulary, the output head),
 * whose scores S = X E^T come from a GEMM (ocl_gemm) enqueued on the same queue, and of
 * cl/clamp.cl (clamping fused with its scores). */
#include "ops_internal.h"

static ardiff_status round_dims(const ocl_dev *dev, const char *op, const ocl_buf *x,
                                size_t x_off, const ocl_buf *E, size_t e_off,
                                const ocl_buf *scores, size_t s_off, int M, int V, int d)
{
    AD_TRY(ops_check_range(op, "rows", M, 0, INT_MAX));
    AD_TRY(ops_check_range(op, "vocab", V, 1, INT_MAX));
    AD_TRY(ops_check_range(op, "dim", d, 1, INT_MAX));
    OPS_CHECK_2D(dev, op, "x", x, x_off, M, (size_t)d, d);
    OPS_CHECK_2D(dev, op, "embeddings", E, e_off, V, (size_t)d, d);
    OPS_CHECK_2D(dev, op, "scores", scores, s_off, M, (size_t)V, V);
    return ARDIFF_OK;
}

/* scores[M, V] = x[M, d] * E[V, d]^T */
static ardiff_status scores_gemm(ocl_dev *dev, const ocl_buf *x, size_t x_off, const ocl_buf *E,
                                 size_t e_off, ocl_buf *scores, size_t s_off, int M, int V, int d)
{
    ocl_gemm_args g = {0};
    g.trans_a = 0;
    g.trans_b = 1;
    g.m = (size_t)M;
    g.n = (size_t)V;
    g.k = (size_t)d;
    g.alpha = 1.0f;
    g.beta = 0.0f;
    g.a = x; g.a_off = x_off; g.lda = (size_t)d;
    g.b = E; g.b_off = e_off; g.ldb = (size_t)d;
    g.c = scores; g.c_off = s_off; g.ldc = (size_t)V;
    g.batch = 1;
    return ocl_gemm(dev, &g);
}

ardiff_status ops_row_sqnorm(ocl_dev *dev, const ocl_buf *E, size_t e_off, ocl_buf *n,
                             size_t n_off, int V, int d)
{
    const char *op = "ops_row_sqnorm";
    AD_TRY(ops_check_range(op, "vocab", V, 0, INT_MAX));
    AD_TRY(ops_check_range(op, "dim", d, 1, INT_MAX));
    OPS_CHECK_2D(dev, op, "embeddings", E, e_off, V, (size_t)d, d);
    OPS_CHECK_2D(dev, op, "norms", n, n_off, 1, 0, V);
    if (V == 0) return ARDIFF_OK;
    ops_arg a[] = {OA_BUF(E), OA_INT(e_off), OA_INT(d), OA_BUF(n), OA_INT(n_off), OA_INT(V),
                   OA_INT(d)};
    return ops_launch(dev, "ardiff_row_sqnorm_f32", OPS_ITEMS, (size_t)V, 1, a, OA_COUNT(a));
}

/* The number of vocabulary slices of the fused clamping: the table's clamp_splits when set, else
 * enough for about four work groups per compute unit; at most V / 2, so that the slice winners
 * (2 floats per row and slice) fit the [M, V] scratch. *cols gets the words per slice. */
static int clamp_splits(const ocl_dev *dev, int M, int V, int *cols)
{
    const int tiles = (M + OPS_CLAMP_ROWS - 1) / OPS_CLAMP_ROWS;
    int want = dev->variants.clamp_splits;
    if (want <= 0) {
        int groups = 4 * (dev->desc.compute_units > 0 ? (int)dev->desc.compute_units : 1);
        want = (groups + tiles - 1) / tiles;
    }
    if (want > V / 2) want = V / 2;
    if (want < 1) want = 1;
    *cols = (V + want - 1) / want;
    return (V + *cols - 1) / *cols;
}

/* cl/clamp.cl: one pass over E per group of OPS_CLAMP_ROWS rows; with several vocabulary slices
 * the slice winners go to the scratch (values, then ids) and a second kernel picks among them */
static ardiff_status round_nearest_fused(ocl_dev *dev, const ocl_buf *x, size_t x_off,
                                         const ocl_buf *E, size_t e_off, const ocl_buf *enorm,
                                         size_t n_off, ocl_buf *scores, size_t s_off,
                                         ocl_buf *out, size_t o_off, ocl_buf *ids,
                                         size_t id_off, int M, int V, int d)
{
    int cols = 0;
    const int nsplit = clamp_splits(dev, M, V, &cols);
    const size_t np = (size_t)M * (size_t)nsplit, pi_off = s_off + np;
    if (nsplit > 1)
        OPS_CHECK_2D(dev, "ops_round_nearest", "scratch (slice winners)", scores, s_off, 2, np, np);
    const size_t tiles = ((size_t)M + OPS_CLAMP_ROWS - 1) / OPS_CLAMP_ROWS;
    {
        ops_arg a[] = {OA_BUF(x), OA_INT(x_off), OA_INT(d), OA_BUF(E), OA_INT(e_off), OA_INT(d),
                       OA_BUF(enorm), OA_INT(n_off), OA_BUF(out), OA_INT(o_off), OA_INT(d),
                       OA_BUF(ids), OA_INT(id_off), OA_BUF(scores), OA_INT(s_off),
                       OA_BUF(scores), OA_INT(pi_off), OA_INT(M), OA_INT(V), OA_INT(d),
                       OA_INT(nsplit), OA_INT(cols)};
        AD_TRY(ops_launch(dev, "ardiff_clamp_fused_f32", OPS_GROUPS, tiles, (size_t)nsplit, a,
                          OA_COUNT(a)));
    }
    if (nsplit == 1) return ARDIFF_OK;
    ops_arg a[] = {OA_BUF(scores), OA_INT(s_off), OA_BUF(scores), OA_INT(pi_off), OA_INT(nsplit),
                   OA_BUF(x), OA_INT(x_off), OA_INT(d), OA_BUF(E), OA_INT(e_off), OA_INT(d),
                   OA_BUF(out), OA_INT(o_off), OA_INT(d), OA_BUF(ids), OA_INT(id_off),
                   OA_INT(V), OA_INT(d)};
    return ops_launch(dev, "ardiff_clamp_finish_f32", OPS_GROUPS, (size_t)M, 1, a, OA_COUNT(a));
}

int ops_clamp_is_fused(const ocl_dev *dev, int d)
{
    if (d > OPS_CLAMP_MAX_D) return 0;
    return dev->variants.v[OCL_OP_CLAMP] == OCL_CLAMP_FUSED;
}

ardiff_status ops_round_nearest(ocl_dev *dev, const ocl_buf *x, size_t x_off,
                                const ocl_buf *E, size_t e_off, const ocl_buf *enorm,
                                size_t n_off, ocl_buf *scores, size_t s_off, ocl_buf *out,
                                size_t o_off, ocl_buf *ids, size_t id_off, int M, int V, int d)
{
    const char *op = "ops_round_nearest";
    AD_TRY(round_dims(dev, op, x, x_off, E, e_off, scores, s_off, M, V, d));
    OPS_CHECK_2D(dev, op, "norms", enorm, n_off, 1, 0, V);
    OPS_CHECK_2D(dev, op, "out", out, o_off, M, (size_t)d, d);
    AD_TRY(ops_check_view(dev, op, "ids", ids, id_off, 1, 0, 1, 0, (size_t)M, sizeof(int32_t)));
    if (M == 0) return ARDIFF_OK;
    if (ops_clamp_is_fused(dev, d))
        return round_nearest_fused(dev, x, x_off, E, e_off, enorm, n_off, scores, s_off, out,
                                   o_off, ids, id_off, M, V, d);
    AD_TRY(scores_gemm(dev, x, x_off, E, e_off, scores, s_off, M, V, d));
    ops_arg a[] = {OA_BUF(scores), OA_INT(s_off), OA_INT(V), OA_BUF(enorm), OA_INT(n_off),
                   OA_BUF(x), OA_INT(x_off), OA_INT(d), OA_BUF(E), OA_INT(e_off), OA_INT(d),
                   OA_BUF(out), OA_INT(o_off), OA_INT(d), OA_BUF(ids), OA_INT(id_off),
                   OA_INT(M), OA_INT(V), OA_INT(d)};
    return ops_launch(dev, "ardiff_round_nearest_f32", OPS_GROUPS, (size_t)M, 1, a, OA_COUNT(a));
}

ardiff_status ops_round_argmax(ocl_dev *dev, const ocl_buf *x, size_t x_off,
                               const ocl_buf *E, size_t e_off, const ocl_buf *bias, size_t b_off,
                               ocl_buf *scores, size_t s_off, ocl_buf *ids, size_t id_off,
                               int M, int V, int d)
{
    const char *op = "ops_round_argmax";
    AD_TRY(round_dims(dev, op, x, x_off, E, e_off, scores, s_off, M, V, d));
    if (bias) OPS_CHECK_2D(dev, op, "bias", bias, b_off, 1, 0, V);
    AD_TRY(ops_check_view(dev, op, "ids", ids, id_off, 1, 0, 1, 0, (size_t)M, sizeof(int32_t)));
    if (M == 0) return ARDIFF_OK;
    AD_TRY(scores_gemm(dev, x, x_off, E, e_off, scores, s_off, M, V, d));
    ops_arg a[] = {OA_BUF(scores), OA_INT(s_off), OA_INT(V), OA_BUF(bias ? bias : scores),
                   OA_INT(bias ? b_off : 0), OA_INT(bias != NULL), OA_BUF(ids), OA_INT(id_off),
                   OA_INT(M), OA_INT(V)};
    return ops_launch(dev, "ardiff_round_argmax_f32", OPS_GROUPS, (size_t)M, 1, a, OA_COUNT(a));
}
