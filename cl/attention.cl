/* attention.cl: multi-head softmax(Q K^T * scale + bias) V in fp32 with a stable softmax.
 * -D macros: WG, ATT_MAX_KEYS (most keys per row), ATT_MAX_DH (largest head dim), USE_SUBGROUPS
 * (row_sum, row_max); see common.cl.
 *
 * Layout: Q, K, V, R and O are [rows, L, H*dh] row-major views: element (row, pos, h*dh + c) is
 * at off + row*rs + pos*ts + h*dh + c, so the projection GEMMs' outputs (even a fused QKV
 * [rows*L, 3*H*dh] with ts = 3*H*dh) feed the kernels directly.
 * One work group per (row, head, query): group id g = (row*H + h)*Lq + i; global = WG * groups.
 * Masked keys get the finite logit -1e30 (a fully masked row averages all values: no NaN).
 */

/* Scores in sc[0..nk) -> probabilities; returns their sum (the max is subtracted first). */
inline float att_softmax(__local float *sc, int nk, __local float *red)
{
    const int lid = get_local_id(0);
    float m = AD_NEG_BIG;
    for (int j = lid; j < nk; j += WG) m = fmax(m, sc[j]);
    m = row_max(m, red);
    float s = 0.0f;
    for (int j = lid; j < nk; j += WG) {
        float p = exp(sc[j] - m);
        sc[j] = p;
        s += p;
    }
    return row_sum(s, red); /* row_sum's barriers also publish sc[] */
}

/* o[c] = sum_j sc[j] v[j*v_ts + c] / sum */
inline void att_output(__local const float *sc, int nk, float sum, __global const float *v,
                       int v_ts, int dh, __global float *o)
{
    const float inv = 1.0f / sum;
    for (int c = get_local_id(0); c < dh; c += WG) {
        float acc = 0.0f;
        for (int j = 0; j < nk; j++) acc += sc[j] * v[(size_t)j * v_ts + c];
        o[c] = acc * inv;
    }
}

/* Decoder self-attention with the Transformer-XL time term (spec §1.4, att_strategy=txl):
 *   logit(i, j) = ((q_i + u)·k_j + (q_i + w)·R_j) * scale
 * u = r_w_bias, w = r_r_bias: [H*dh] at u_off / w_off; R is the per-token time MLP output. */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_attention_self_time_f32(__global const float *q, int q_off, int q_rs, int q_ts,
                                    __global const float *k, int k_off, int k_rs, int k_ts,
                                    __global const float *v, int v_off, int v_rs, int v_ts,
                                    __global const float *R, int r_off, int r_rs, int r_ts,
                                    __global const float *u, int u_off,
                                    __global const float *w, int w_off,
                                    __global float *o, int o_off, int o_rs, int o_ts,
                                    int rows, int L, int H, int dh, float scale)
{
    __local float sc[ATT_MAX_KEYS];
    __local float qu[ATT_MAX_DH], qw[ATT_MAX_DH];
    __local float red[WG];
    const int g = get_group_id(0);
    const int i = g % L, h = (g / L) % H, row = g / (L * H);
    const int lid = get_local_id(0);
    const int hc = h * dh;
    __global const float *qi = q + q_off + (size_t)row * q_rs + (size_t)i * q_ts + hc;
    for (int c = lid; c < dh; c += WG) {
        qu[c] = qi[c] + u[u_off + hc + c];
        qw[c] = qi[c] + w[w_off + hc + c];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    __global const float *kb = k + k_off + (size_t)row * k_rs + hc;
    __global const float *rb = R + r_off + (size_t)row * r_rs + hc;
    for (int j = lid; j < L; j += WG) {
        __global const float *kj = kb + (size_t)j * k_ts;
        __global const float *rj = rb + (size_t)j * r_ts;
        float ac = 0.0f, bd = 0.0f;
        for (int c = 0; c < dh; c++) {
            ac += qu[c] * kj[c];
            bd += qw[c] * rj[c];
        }
        sc[j] = (ac + bd) * scale;
    }
    const float sum = att_softmax(sc, L, red);
    att_output(sc, L, sum, v + v_off + (size_t)row * v_rs + hc, v_ts, dh,
               o + o_off + (size_t)row * o_rs + (size_t)i * o_ts + hc);
}

/* Attention with a key padding mask: cross-attention (query row r attends to source row
 * r / kv_group: the k candidates of one input share its encoder states) and, with
 * kv_group = 1 and Lq = Lk, encoder self-attention. mask: int32 [src_rows, Lk] at m_off with
 * row stride m_rs; 1 = real token, 0 = pad. */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_attention_masked_f32(__global const float *q, int q_off, int q_rs, int q_ts,
                                 __global const float *k, int k_off, int k_rs, int k_ts,
                                 __global const float *v, int v_off, int v_rs, int v_ts,
                                 __global const int *mask, int m_off, int m_rs,
                                 __global float *o, int o_off, int o_rs, int o_ts,
                                 int rows, int Lq, int Lk, int H, int dh, int kv_group,
                                 float scale)
{
    __local float sc[ATT_MAX_KEYS];
    __local float qs[ATT_MAX_DH];
    __local float red[WG];
    const int g = get_group_id(0);
    const int i = g % Lq, h = (g / Lq) % H, row = g / (Lq * H);
    const int src = row / kv_group;
    const int lid = get_local_id(0);
    const int hc = h * dh;
    __global const float *qi = q + q_off + (size_t)row * q_rs + (size_t)i * q_ts + hc;
    for (int c = lid; c < dh; c += WG) qs[c] = qi[c];
    barrier(CLK_LOCAL_MEM_FENCE);
    __global const float *kb = k + k_off + (size_t)src * k_rs + hc;
    __global const int *mr = mask + m_off + (size_t)src * m_rs;
    for (int j = lid; j < Lk; j += WG) {
        __global const float *kj = kb + (size_t)j * k_ts;
        float acc = 0.0f;
        for (int c = 0; c < dh; c++) acc += qs[c] * kj[c];
        sc[j] = mr[j] != 0 ? acc * scale : AD_NEG_BIG;
    }
    const float sum = att_softmax(sc, Lk, red);
    att_output(sc, Lk, sum, v + v_off + (size_t)src * v_rs + hc, v_ts, dh,
               o + o_off + (size_t)row * o_rs + (size_t)i * o_ts + hc);
}

/* ---- one work item per (row, head, query): the cpu kernel set -------------------------------
 * Same arguments and results as the kernels above, for devices where a work group per query
 * wastes most of its items and its barriers (PoCL's CPU device). Each work item walks the keys
 * once with an online softmax: running max m, running sum s and the weighted value sum acc[dh]
 * rescaled by exp(m_old - m_new) whenever the max grows. global = rows*H*Lq rounded up to WG.
 * The rounding differs from the two-pass kernels above by a few ulps (tests: same tolerances). */

/* acc, s, m: the online-softmax state; folds key logit x with value row vj */
inline void att_online_step(float x, __global const float *vj, int dh, float *acc, float *s,
                            float *m)
{
    if (x > *m) {
        const float f = exp(*m - x);
        *s *= f;
        for (int c = 0; c < dh; c++) acc[c] *= f;
        *m = x;
    }
    const float p = exp(x - *m);
    *s += p;
    for (int c = 0; c < dh; c++) acc[c] = mad(p, vj[c], acc[c]);
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_attention_self_time_wi_f32(__global const float *q, int q_off, int q_rs, int q_ts,
                                       __global const float *k, int k_off, int k_rs, int k_ts,
                                       __global const float *v, int v_off, int v_rs, int v_ts,
                                       __global const float *R, int r_off, int r_rs, int r_ts,
                                       __global const float *u, int u_off,
                                       __global const float *w, int w_off,
                                       __global float *o, int o_off, int o_rs, int o_ts,
                                       int rows, int L, int H, int dh, float scale)
{
    const int g = get_global_id(0);
    if (g >= rows * H * L) return;
    const int i = g % L, h = (g / L) % H, row = g / (L * H);
    const int hc = h * dh;
    float qu[ATT_MAX_DH], qw[ATT_MAX_DH], acc[ATT_MAX_DH];
    __global const float *qi = q + q_off + (size_t)row * q_rs + (size_t)i * q_ts + hc;
    for (int c = 0; c < dh; c++) {
        qu[c] = qi[c] + u[u_off + hc + c];
        qw[c] = qi[c] + w[w_off + hc + c];
        acc[c] = 0.0f;
    }
    __global const float *kb = k + k_off + (size_t)row * k_rs + hc;
    __global const float *rb = R + r_off + (size_t)row * r_rs + hc;
    __global const float *vb = v + v_off + (size_t)row * v_rs + hc;
    float m = AD_NEG_BIG, s = 0.0f;
    for (int j = 0; j < L; j++) {
        __global const float *kj = kb + (size_t)j * k_ts;
        __global const float *rj = rb + (size_t)j * r_ts;
        float ac = 0.0f, bd = 0.0f;
        for (int c = 0; c < dh; c++) {
            ac = mad(qu[c], kj[c], ac);
            bd = mad(qw[c], rj[c], bd);
        }
        att_online_step((ac + bd) * scale, vb + (size_t)j * v_ts, dh, acc, &s, &m);
    }
    const float inv = 1.0f / s;
    __global float *oi = o + o_off + (size_t)row * o_rs + (size_t)i * o_ts + hc;
    for (int c = 0; c < dh; c++) oi[c] = acc[c] * inv;
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_attention_masked_wi_f32(__global const float *q, int q_off, int q_rs, int q_ts,
                                    __global const float *k, int k_off, int k_rs, int k_ts,
                                    __global const float *v, int v_off, int v_rs, int v_ts,
                                    __global const int *mask, int m_off, int m_rs,
                                    __global float *o, int o_off, int o_rs, int o_ts,
                                    int rows, int Lq, int Lk, int H, int dh, int kv_group,
                                    float scale)
{
    const int g = get_global_id(0);
    if (g >= rows * H * Lq) return;
    const int i = g % Lq, h = (g / Lq) % H, row = g / (Lq * H);
    const int src = row / kv_group;
    const int hc = h * dh;
    float qs[ATT_MAX_DH], acc[ATT_MAX_DH];
    __global const float *qi = q + q_off + (size_t)row * q_rs + (size_t)i * q_ts + hc;
    for (int c = 0; c < dh; c++) {
        qs[c] = qi[c];
        acc[c] = 0.0f;
    }
    __global const float *kb = k + k_off + (size_t)src * k_rs + hc;
    __global const float *vb = v + v_off + (size_t)src * v_rs + hc;
    __global const int *mr = mask + m_off + (size_t)src * m_rs;
    float m = AD_NEG_BIG, s = 0.0f;
    for (int j = 0; j < Lk; j++) {
        __global const float *kj = kb + (size_t)j * k_ts;
        float x = AD_NEG_BIG;
        if (mr[j] != 0) {
            float a = 0.0f;
            for (int c = 0; c < dh; c++) a = mad(qs[c], kj[c], a);
            x = a * scale;
        }
        att_online_step(x, vb + (size_t)j * v_ts, dh, acc, &s, &m);
    }
    const float inv = 1.0f / s;
    __global float *oi = o + o_off + (size_t)row * o_rs + (size_t)i * o_ts + hc;
    for (int c = 0; c < dh; c++) oi[c] = acc[c] * inv;
}
