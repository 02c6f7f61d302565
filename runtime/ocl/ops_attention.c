/* ops_attention.c: launchers of cl/attention.cl (work-group kernels for the gpu kernel set,
 * work-item kernels for the cpu set: the attention variant, variants.h). */
#include <math.h>

#include "ops_internal.h"

static ardiff_status att_dims(const char *op, int rows, int Lq, int Lk, int H, int dh)
{
    AD_TRY(ops_check_range(op, "rows", rows, 0, INT_MAX));
    AD_TRY(ops_check_range(op, "query length", Lq, 1, INT_MAX));
    AD_TRY(ops_check_range(op, "key length", Lk, 1, OPS_ATT_MAX_KEYS));
    AD_TRY(ops_check_range(op, "heads", H, 1, INT_MAX));
    AD_TRY(ops_check_range(op, "head dim", dh, 1, OPS_ATT_MAX_DH));
    if ((long long)rows * H * Lq > INT_MAX)
        return ad_fail(ARDIFF_E_INVALID_ARG, "%s: rows*heads*Lq = %lld exceeds the grid limit", op,
                       (long long)rows * H * Lq);
    return ARDIFF_OK;
}

static ardiff_status check_seq(const ocl_dev *dev, const char *op, const char *what,
                               const ocl_buf *b, size_t off, size_t rs, size_t ts, int rows,
                               int L, int width)
{
    return ops_check_view(dev, op, what, b, off, (size_t)rows, rs, (size_t)L, ts, (size_t)width,
                          sizeof(float));
}

#define SEQ_ARGS(s) OA_BUF((s).buf), OA_INT((s).off), OA_INT((s).rs), OA_INT((s).ts)

ardiff_status ops_attention_self_time(ocl_dev *dev, ops_seq q, ops_seq k, ops_seq v, ops_seq R,
                                      const ocl_buf *u, size_t u_off,
                                      const ocl_buf *w, size_t w_off, ops_seq_out out,
                                      int rows, int L, int H, int dh)
{
    const char *op = "ops_attention_self_time";
    AD_TRY(att_dims(op, rows, L, L, H, dh));
    const int hd = H * dh;
    AD_TRY(check_seq(dev, op, "q", q.buf, q.off, q.rs, q.ts, rows, L, hd));
    AD_TRY(check_seq(dev, op, "k", k.buf, k.off, k.rs, k.ts, rows, L, hd));
    AD_TRY(check_seq(dev, op, "v", v.buf, v.off, v.rs, v.ts, rows, L, hd));
    AD_TRY(check_seq(dev, op, "R", R.buf, R.off, R.rs, R.ts, rows, L, hd));
    AD_TRY(check_seq(dev, op, "out", out.buf, out.off, out.rs, out.ts, rows, L, hd));
    OPS_CHECK_2D(dev, op, "u (r_w_bias)", u, u_off, 1, 0, hd);
    OPS_CHECK_2D(dev, op, "w (r_r_bias)", w, w_off, 1, 0, hd);
    if (rows == 0) return ARDIFF_OK;
    ops_arg a[] = {SEQ_ARGS(q), SEQ_ARGS(k), SEQ_ARGS(v), SEQ_ARGS(R),
                   OA_BUF(u), OA_INT(u_off), OA_BUF(w), OA_INT(w_off), SEQ_ARGS(out),
                   OA_INT(rows), OA_INT(L), OA_INT(H), OA_INT(dh),
                   OA_FLOAT((float)(1.0 / sqrt((double)dh)))};
    if (dev->variants.v[OCL_OP_ATTENTION] == OCL_PER_ITEM)
        return ops_launch(dev, "ardiff_attention_self_time_wi_f32", OPS_ITEMS,
                          (size_t)rows * H * L, 1, a, OA_COUNT(a));
    return ops_launch(dev, "ardiff_attention_self_time_f32", OPS_GROUPS,
                      (size_t)rows * H * L, 1, a, OA_COUNT(a));
}

ardiff_status ops_attention_cross(ocl_dev *dev, ops_seq q, ops_seq k, ops_seq v,
                                  const ocl_buf *mask, size_t m_off, size_t m_rs,
                                  ops_seq_out out, int rows, int Lq, int Lk, int H, int dh,
                                  int kv_group)
{
    const char *op = "ops_attention_cross";
    AD_TRY(att_dims(op, rows, Lq, Lk, H, dh));
    AD_TRY(ops_check_range(op, "kv_group", kv_group, 1, INT_MAX));
    const int hd = H * dh;
    const int src_rows = rows == 0 ? 0 : (rows - 1) / kv_group + 1;
    AD_TRY(check_seq(dev, op, "q", q.buf, q.off, q.rs, q.ts, rows, Lq, hd));
    AD_TRY(check_seq(dev, op, "k", k.buf, k.off, k.rs, k.ts, src_rows, Lk, hd));
    AD_TRY(check_seq(dev, op, "v", v.buf, v.off, v.rs, v.ts, src_rows, Lk, hd));
    AD_TRY(check_seq(dev, op, "out", out.buf, out.off, out.rs, out.ts, rows, Lq, hd));
    AD_TRY(ops_check_view(dev, op, "mask", mask, m_off, (size_t)src_rows, m_rs, 1, 0, (size_t)Lk,
                          sizeof(int32_t)));
    if (rows == 0) return ARDIFF_OK;
    ops_arg a[] = {SEQ_ARGS(q), SEQ_ARGS(k), SEQ_ARGS(v), OA_BUF(mask), OA_INT(m_off),
                   OA_INT(m_rs), SEQ_ARGS(out), OA_INT(rows), OA_INT(Lq), OA_INT(Lk),
                   OA_INT(H), OA_INT(dh), OA_INT(kv_group),
                   OA_FLOAT((float)(1.0 / sqrt((double)dh)))};
    if (dev->variants.v[OCL_OP_ATTENTION] == OCL_PER_ITEM)
        return ops_launch(dev, "ardiff_attention_masked_wi_f32", OPS_ITEMS,
                          (size_t)rows * H * Lq, 1, a, OA_COUNT(a));
    return ops_launch(dev, "ardiff_attention_masked_f32", OPS_GROUPS, (size_t)rows * H * Lq, 1,
                      a, OA_COUNT(a));
}

ardiff_status ops_attention_encoder(ocl_dev *dev, ops_seq q, ops_seq k, ops_seq v,
                                    const ocl_buf *mask, size_t m_off, size_t m_rs,
                                    ops_seq_out out, int rows, int L, int H, int dh)
{
    return ops_attention_cross(dev, q, k, v, mask, m_off, m_rs, out, rows, L, L, H, dh, 1);
}
