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
 * once, ATT_KB = 8 at a time, with an online softmax: running max m, running sum s and the
 * weighted value sum acc[dh], rescaled by exp(m_old - m_new) when a block raises the max. Within
 * a work item the arithmetic is explicit vectors (a CPU compiler vectorises neither the work-item
 * loop around inner loops nor a float reduction): the head dim in float8 chunks (then a scalar
 * tail for dh % 8), the block's 8 logits and their exp as one float8. global = rows*H*Lq rounded
 * up to WG. The rounding differs from the two-pass kernels above by a few ulps (tests: same
 * tolerances). */
#define ATT_KB 8

/* lane t of the result: the sum of d_t's lanes, in a fixed order */
inline float8 att_hsum8(float8 d0, float8 d1, float8 d2, float8 d3, float8 d4, float8 d5,
                        float8 d6, float8 d7)
{
    const float8 a = (float8)(d0.lo, d1.lo) + (float8)(d0.hi, d1.hi); /* 4 partial sums each */
    const float8 b = (float8)(d2.lo, d3.lo) + (float8)(d2.hi, d3.hi);
    const float8 c = (float8)(d4.lo, d5.lo) + (float8)(d4.hi, d5.hi);
    const float8 d = (float8)(d6.lo, d7.lo) + (float8)(d6.hi, d7.hi);
    const float8 e = (float8)(a.even, b.even) + (float8)(a.odd, b.odd); /* 2 partial sums each */
    const float8 f = (float8)(c.even, d.even) + (float8)(c.odd, d.odd);
    return (float8)(e.even, f.even) + (float8)(e.odd, f.odd);
}

/* The rows of the block's 8 keys at base + o.st */
#define ATT_ROWS8(p, base, o)                                                                  \
    __global const float *p##0 = (base) + (o).s0, *p##1 = (base) + (o).s1;                     \
    __global const float *p##2 = (base) + (o).s2, *p##3 = (base) + (o).s3;                     \
    __global const float *p##4 = (base) + (o).s4, *p##5 = (base) + (o).s5;                     \
    __global const float *p##6 = (base) + (o).s6, *p##7 = (base) + (o).s7

/* lane t: qa·(ka + ao.st) (+ qb·(kb + bo.st) when two): ao, bo are the block's row offsets */
inline float8 att_dots8(const float *qa, __global const float *ka, int8 ao,
                        const float *qb, __global const float *kb, int8 bo, int two, int dh)
{
    ATT_ROWS8(a, ka, ao);
    ATT_ROWS8(b, kb, bo);
    float8 d0 = 0.0f, d1 = 0.0f, d2 = 0.0f, d3 = 0.0f, d4 = 0.0f, d5 = 0.0f, d6 = 0.0f, d7 = 0.0f;
    const int n8 = dh / 8;
    for (int c = 0; c < n8; c++) {
        const float8 x = vload8(c, qa);
        d0 = mad(x, vload8(c, a0), d0);
        d1 = mad(x, vload8(c, a1), d1);
        d2 = mad(x, vload8(c, a2), d2);
        d3 = mad(x, vload8(c, a3), d3);
        d4 = mad(x, vload8(c, a4), d4);
        d5 = mad(x, vload8(c, a5), d5);
        d6 = mad(x, vload8(c, a6), d6);
        d7 = mad(x, vload8(c, a7), d7);
        if (two) {
            const float8 y = vload8(c, qb);
            d0 = mad(y, vload8(c, b0), d0);
            d1 = mad(y, vload8(c, b1), d1);
            d2 = mad(y, vload8(c, b2), d2);
            d3 = mad(y, vload8(c, b3), d3);
            d4 = mad(y, vload8(c, b4), d4);
            d5 = mad(y, vload8(c, b5), d5);
            d6 = mad(y, vload8(c, b6), d6);
            d7 = mad(y, vload8(c, b7), d7);
        }
    }
    float8 r = att_hsum8(d0, d1, d2, d3, d4, d5, d6, d7);
    for (int c = 8 * n8; c < dh; c++) {
        float8 t = qa[c] * (float8)(a0[c], a1[c], a2[c], a3[c], a4[c], a5[c], a6[c], a7[c]);
        if (two)
            t = mad(qb[c], (float8)(b0[c], b1[c], b2[c], b3[c], b4[c], b5[c], b6[c], b7[c]), t);
        r += t;
    }
    return r;
}

/* Folds a block of logits x (lanes >= nk are not keys: weight 0) with its value rows
 * v + vo.st into the online-softmax state acc[dh], s, m. */
inline void att_online_block(float8 x, int nk, __global const float *v, int8 vo, int dh,
                             float *acc, float *s, float *m)
{
    ATT_ROWS8(v, v, vo);
    const int8 past = (int8)(0, 1, 2, 3, 4, 5, 6, 7) >= (int8)nk;
    x = select(x, (float8)AD_NEG_BIG, past);
    const float4 m4 = fmax(x.lo, x.hi);
    const float bm = fmax(fmax(m4.s0, m4.s1), fmax(m4.s2, m4.s3));
    float f = 1.0f;
    if (bm > *m) {
        f = exp(*m - bm);
        *m = bm;
    }
    const float8 p = select(exp(x - *m), (float8)0.0f, past);
    const float4 p4 = p.lo + p.hi;
    *s = mad(*s, f, (p4.s0 + p4.s1) + (p4.s2 + p4.s3));
    const int n8 = dh / 8;
    for (int c = 0; c < n8; c++) {
        float8 a = vload8(c, acc) * f;
        a = mad(p.s0, vload8(c, v0), a);
        a = mad(p.s1, vload8(c, v1), a);
        a = mad(p.s2, vload8(c, v2), a);
        a = mad(p.s3, vload8(c, v3), a);
        a = mad(p.s4, vload8(c, v4), a);
        a = mad(p.s5, vload8(c, v5), a);
        a = mad(p.s6, vload8(c, v6), a);
        a = mad(p.s7, vload8(c, v7), a);
        vstore8(a, c, acc);
    }
    for (int c = 8 * n8; c < dh; c++) {
        float a = acc[c] * f;
        a = mad(p.s0, v0[c], a);
        a = mad(p.s1, v1[c], a);
        a = mad(p.s2, v2[c], a);
        a = mad(p.s3, v3[c], a);
        a = mad(p.s4, v4[c], a);
        a = mad(p.s5, v5[c], a);
        a = mad(p.s6, v6[c], a);
        acc[c] = mad(p.s7, v7[c], a);
    }
}

/* o[c] = acc[c] / s */
inline void att_store(const float *acc, float s, int dh, __global float *o)
{
    const float inv = 1.0f / s;
    const int n8 = dh / 8;
    for (int c = 0; c < n8; c++) vstore8(vload8(c, acc) * inv, c, o);
    for (int c = 8 * n8; c < dh; c++) o[c] = acc[c] * inv;
}

/* Key j of block j0 + t: min(j0 + t, n - 1), so that a short last block reads its last key again
 * (in bounds) for the lanes past it, which get weight 0. */
inline int8 att_block_keys(int j0, int n)
{
    return min((int8)j0 + (int8)(0, 1, 2, 3, 4, 5, 6, 7), (int8)(n - 1));
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1))) ITEM_SIMD
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
    for (int j0 = 0; j0 < L; j0 += ATT_KB) {
        const int8 j = att_block_keys(j0, L);
        const float8 x = att_dots8(qu, kb, j * k_ts, qw, rb, j * r_ts, 1, dh) * scale;
        att_online_block(x, L - j0, vb, j * v_ts, dh, acc, &s, &m);
    }
    att_store(acc, s, dh, o + o_off + (size_t)row * o_rs + (size_t)i * o_ts + hc);
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1))) ITEM_SIMD
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
    for (int j0 = 0; j0 < Lk; j0 += ATT_KB) {
        const int8 j = att_block_keys(j0, Lk);
        const int8 real = (int8)(mr[j.s0], mr[j.s1], mr[j.s2], mr[j.s3], mr[j.s4], mr[j.s5],
                                 mr[j.s6], mr[j.s7]) != 0;
        /* a block of masked keys adds exactly 0 once a real key has set m: skipped */
        const int8 inb = (int8)(0, 1, 2, 3, 4, 5, 6, 7) < (int8)(Lk - j0);
        if (!any(real & inb) && m > AD_NEG_BIG) continue;
        float8 x = att_dots8(qs, kb, j * k_ts, qs, kb, j * k_ts, 0, dh) * scale;
        x = select((float8)AD_NEG_BIG, x, real);
        att_online_block(x, Lk - j0, vb, j * v_ts, dh, acc, &s, &m);
    }
    att_store(acc, s, dh, o + o_off + (size_t)row * o_rs + (size_t)i * o_ts + hc);
}
