/* ops_embed.c: launchers of cl/embed.cl. */
#include "ops_internal.h"

#define EMB_POS 1  /* as in cl/embed.cl */
#define EMB_TYPE 2

static ardiff_status embed(ocl_dev *dev, const char *op, const ocl_buf *ids, size_t ids_off,
                           const ocl_buf *E, size_t e_off, const ocl_buf *P, size_t p_off,
                           const ocl_buf *Ty, size_t t_off, ocl_buf *out, size_t o_off,
                           int M, int N, int d, int V)
{
    AD_TRY(ops_check_range(op, "tokens", M, 0, INT_MAX));
    AD_TRY(ops_check_range(op, "dim", d, 1, INT_MAX));
    AD_TRY(ops_check_range(op, "vocab", V, 1, INT_MAX));
    AD_TRY(ops_check_view(dev, op, "ids", ids, ids_off, 1, 0, 1, 0, (size_t)M, sizeof(int32_t)));
    OPS_CHECK_2D(dev, op, "table", E, e_off, V, (size_t)d, d);
    OPS_CHECK_2D(dev, op, "out", out, o_off, M, (size_t)d, d);
    if (P) OPS_CHECK_2D(dev, op, "positions", P, p_off, M < N ? M : N, (size_t)d, d);
    if (Ty) OPS_CHECK_2D(dev, op, "token type", Ty, t_off, 1, 0, d);
    if (M == 0) return ARDIFF_OK;
    int flags = (P ? EMB_POS : 0) | (Ty ? EMB_TYPE : 0);
    ops_arg a[] = {OA_BUF(ids), OA_INT(ids_off), OA_BUF(E), OA_INT(e_off), OA_INT(d),
                   OA_BUF(P ? P : E), OA_INT(P ? p_off : 0), OA_INT(d),
                   OA_BUF(Ty ? Ty : E), OA_INT(Ty ? t_off : 0), OA_INT(flags),
                   OA_BUF(out), OA_INT(o_off), OA_INT(d), OA_INT(M), OA_INT(N), OA_INT(d),
                   OA_INT(V)};
    return ops_launch(dev, "ardiff_embed_f32", OPS_ITEMS, (size_t)d, (size_t)M, a, OA_COUNT(a));
}

ardiff_status ops_embed_tokens(ocl_dev *dev, const ocl_buf *ids, size_t ids_off,
                               const ocl_buf *E, size_t e_off, ocl_buf *out, size_t o_off,
                               int M, int d, int V)
{
    return embed(dev, "ops_embed_tokens", ids, ids_off, E, e_off, NULL, 0, NULL, 0, out, o_off,
                 M, 1, d, V);
}

ardiff_status ops_embed_bert(ocl_dev *dev, const ocl_buf *ids, size_t ids_off,
                             const ocl_buf *W, size_t w_off, const ocl_buf *P, size_t p_off,
                             const ocl_buf *Ty, size_t t_off, ocl_buf *out, size_t o_off,
                             int rows, int S, int d, int V)
{
    const char *op = "ops_embed_bert";
    AD_TRY(ops_check_range(op, "rows", rows, 0, INT_MAX));
    AD_TRY(ops_check_range(op, "length", S, 1, INT_MAX));
    if ((long long)rows * S > INT_MAX)
        return ad_fail(ARDIFF_E_INVALID_ARG, "%s: rows*S = %lld too large", op, (long long)rows * S);
    if (!P || !Ty)
        return ad_fail(ARDIFF_E_INVALID_ARG, "%s: position and token-type tables are required", op);
    return embed(dev, op, ids, ids_off, W, w_off, P, p_off, Ty, t_off, out, o_off, rows * S, S, d,
                 V);
}

ardiff_status ops_pos_add(ocl_dev *dev, ocl_buf *x, size_t x_off, const ocl_buf *P, size_t p_off,
                          int rows, int N, int d)
{
    const char *op = "ops_pos_add";
    AD_TRY(ops_check_range(op, "rows", rows, 0, INT_MAX));
    AD_TRY(ops_check_range(op, "length", N, 1, INT_MAX));
    AD_TRY(ops_check_range(op, "dim", d, 1, INT_MAX));
    if ((long long)rows * N > INT_MAX)
        return ad_fail(ARDIFF_E_INVALID_ARG, "%s: rows*N = %lld too large", op, (long long)rows * N);
    const int M = rows * N;
    OPS_CHECK_2D(dev, op, "x", x, x_off, M, (size_t)d, d);
    OPS_CHECK_2D(dev, op, "positions", P, p_off, N, (size_t)d, d);
    if (M == 0) return ARDIFF_OK;
    ops_arg a[] = {OA_BUF(x), OA_INT(x_off), OA_INT(d), OA_BUF(P), OA_INT(p_off), OA_INT(d),
                   OA_INT(M), OA_INT(N), OA_INT(d)};
    return ops_launch(dev, "ardiff_pos_add_f32", OPS_ITEMS, (size_t)d, (size_t)M, a, OA_COUNT(a));
}

ardiff_status ops_time_embed(ocl_dev *dev, const ocl_buf *t, size_t t_off, ocl_buf *out,
                             size_t o_off, int M, int C, int T)
{
    const char *op = "ops_time_embed";
    AD_TRY(ops_check_range(op, "tokens", M, 0, INT_MAX));
    AD_TRY(ops_check_range(op, "channels", C, 1, INT_MAX));
    AD_TRY(ops_check_range(op, "T", T, 1, INT_MAX));
    AD_TRY(ops_check_view(dev, op, "timesteps", t, t_off, 1, 0, 1, 0, (size_t)M, sizeof(int32_t)));
    OPS_CHECK_2D(dev, op, "out", out, o_off, M, (size_t)C, C);
    if (M == 0) return ARDIFF_OK;
    /* the official code multiplies by the Python double 1000/T, rounded to float once */
    const float t_scale = (float)(1000.0 / (double)T);
    ops_arg a[] = {OA_BUF(t), OA_INT(t_off), OA_BUF(out), OA_INT(o_off), OA_INT(C), OA_INT(M),
                   OA_INT(C), OA_FLOAT(t_scale)};
    return ops_launch(dev, "ardiff_time_embed_f32", OPS_ITEMS, (size_t)C, (size_t)M, a,
                      OA_COUNT(a));
}
