/* kernel_suite.c: every kernel of cl/ against the plain-C references of ref_ops.c, on one device.
 *
 * Shapes include 1, primes and non-multiples of the work-group size; tolerances are written
 * next to each check. Used by tests/test_kernels.c (one or several devices) and by
 * `ardiff selftest`. Every output is appended to a digest so that runs on several devices can
 * be compared byte for byte.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/rng.h"
#include "engine/schedule.h"
#include "selftest/check.h"
#include "selftest/kernel_suite.h"
#include "selftest/kutil.h"
#include "selftest/ref_ops.h"

typedef struct tctx {
    ocl_dev *dev;
    ku_digest *dg;
    ku_rng rng;
} tctx;

#define FLOATS(n) ((float *)calloc((size_t)(n) + 1, sizeof(float)))
#define INTS(n) ((int32_t *)calloc((size_t)(n) + 1, sizeof(int32_t)))
#define FB(n) ((size_t)(n) * sizeof(float))
#define IB(n) ((size_t)(n) * sizeof(int32_t))

/* Reads back n floats at element offset off of b into out (and records them). */
static int fetch(tctx *t, ku_bufs *bs, const ocl_buf *b, size_t off, size_t n, float *out)
{
    float *all = FLOATS(off + n);
    int rc = ku_down(bs, b, all, FB(off + n));
    if (!rc) {
        memcpy(out, all + off, FB(n));
        ku_digest_add(t->dg, out, FB(n));
    }
    free(all);
    return rc;
}

static int fetch_ints(tctx *t, ku_bufs *bs, const ocl_buf *b, size_t n, int32_t *out)
{
    int rc = ku_down(bs, b, out, IB(n));
    if (!rc) ku_digest_add(t->dg, out, IB(n));
    return rc;
}

/* ---- layer norm ---------------------------------------------------------------------- */
static void t_layernorm(tctx *t, int rows, int dim, float eps)
{
    ku_bufs bs = {.dev = t->dev};
    const size_t ld = (size_t)dim + 2, off = 3, n = off + rows * ld;
    float *x = FLOATS(n), *r = FLOATS(n), *g = FLOATS(dim), *b = FLOATS(dim);
    float *xc = FLOATS(rows * dim), *rc = FLOATS(rows * dim), *want = FLOATS(rows * dim);
    float *s_want = FLOATS(rows * dim), *got = FLOATS(rows * dim), *s_got = FLOATS(rows * dim);
    ku_fill_gauss(&t->rng, x, n, 3.0);
    ku_fill_gauss(&t->rng, r, n, 1.0);
    ku_fill_uniform(&t->rng, g, dim, 0.5, 1.5);
    ku_fill_gauss(&t->rng, b, dim, 0.1);
    for (int i = 0; i < rows; i++)
        for (int c = 0; c < dim; c++) {
            xc[i * dim + c] = x[off + i * ld + c] + 0.5f;
            x[off + i * ld + c] += 0.5f; /* a non-zero mean */
            rc[i * dim + c] = r[off + i * ld + c];
        }
    ocl_buf *bx = ku_up(&bs, x, FB(n)), *br = ku_up(&bs, r, FB(n)), *bg = ku_up(&bs, g, FB(dim));
    ocl_buf *bb = ku_up(&bs, b, FB(dim)), *by = ku_up(&bs, NULL, FB(n));
    if (!bs.failed) {
        /* y = LN(x) into a strided output */
        CHECK(!ku_failed(ops_layernorm(t->dev, bx, off, ld, bg, 0, bb, 0, by, 1, dim, rows, dim, eps),
                         "ops_layernorm"), "launch");
        float *tmp = FLOATS(n);
        if (!fetch(t, &bs, by, 0, n, tmp))
            for (int i = 0; i < rows; i++) memcpy(got + i * dim, tmp + 1 + i * dim, FB(dim));
        ref_layernorm(xc, rows, dim, g, b, eps, want);
        /* fp32 two-pass statistics: 1e-5 relative plus 1e-5 absolute (outputs are O(1)) */
        CHECK(ku_count_far("layernorm", got, want, (size_t)rows * dim, 1e-5, 1e-5) == 0,
              "layernorm rows %d dim %d eps %g", rows, dim, eps);
        /* s = x + r written in place into x (s aliases x), y = LN(s) */
        CHECK(!ku_failed(ops_add_layernorm(t->dev, bx, off, ld, br, off, ld, bx, off, ld, bg, 0,
                                           bb, 0, by, 0, dim, rows, dim, eps), "ops_add_layernorm"),
              "launch");
        if (!fetch(t, &bs, by, 0, (size_t)rows * dim, got) && !fetch(t, &bs, bx, 0, n, tmp))
            for (int i = 0; i < rows; i++) memcpy(s_got + i * dim, tmp + off + i * ld, FB(dim));
        ref_add_layernorm(xc, rc, rows, dim, g, b, eps, s_want, want);
        /* s = x + r is one rounded fp32 add on both sides: bit-exact */
        CHECK(!memcmp(s_got, s_want, FB(rows * dim)), "add_layernorm residual rows %d dim %d", rows, dim);
        CHECK(ku_count_far("add_layernorm", got, want, (size_t)rows * dim, 1e-5, 1e-5) == 0,
              "add_layernorm rows %d dim %d", rows, dim);
        free(tmp);
    }
    CHECK(!bs.failed, "buffers");
    ku_free(&bs);
    free(x); free(r); free(g); free(b); free(xc); free(rc); free(want); free(s_want); free(got);
    free(s_got);
}

/* ---- attention ----------------------------------------------------------------------- */
/* Decoder self-attention with the time term; Q, K, V fused [rows*L, 3*H*dh] as the projection
 * GEMM writes them, R contiguous, the output strided (token stride hd + 3, offset 2). */
static void t_attention_self(tctx *t, int rows, int L, int H, int dh)
{
    ku_bufs bs = {.dev = t->dev};
    const size_t hd = (size_t)H * dh, nqkv = (size_t)rows * L * 3 * hd, nr = (size_t)rows * L * hd;
    const size_t ots = hd + 3, ors = L * ots, no = 2 + rows * ors;
    float *qkv = FLOATS(nqkv), *R = FLOATS(nr), *u = FLOATS(hd), *w = FLOATS(hd);
    float *got = FLOATS(no), *want = FLOATS(no);
    ku_fill_gauss(&t->rng, qkv, nqkv, 1.0);
    ku_fill_gauss(&t->rng, R, nr, 1.0);
    ku_fill_uniform(&t->rng, u, hd, 0.0, 1.0); /* r_w_bias, r_r_bias start Uniform[0, 1) */
    ku_fill_uniform(&t->rng, w, hd, 0.0, 1.0);
    ocl_buf *bq = ku_up(&bs, qkv, FB(nqkv)), *bR = ku_up(&bs, R, FB(nr));
    ocl_buf *bu = ku_up(&bs, u, FB(hd)), *bw = ku_up(&bs, w, FB(hd)), *bo = ku_up(&bs, NULL, FB(no));
    if (!bs.failed) {
        const size_t rs = (size_t)L * 3 * hd, ts = 3 * hd;
        ops_seq q = {bq, 0, rs, ts}, k = {bq, hd, rs, ts}, v = {bq, 2 * hd, rs, ts};
        ops_seq r = {bR, 0, (size_t)L * hd, hd};
        ops_seq_out o = {bo, 2, ors, ots};
        CHECK(!ku_failed(ops_attention_self_time(t->dev, q, k, v, r, bu, 0, bw, 0, o, rows, L, H, dh),
                         "ops_attention_self_time"), "launch");
        if (!fetch(t, &bs, bo, 0, no, got)) {
            ref_seq rq = {qkv, rs, ts}, rk = {qkv + hd, rs, ts}, rv = {qkv + 2 * hd, rs, ts};
            ref_seq rr = {R, (size_t)L * hd, hd};
            ref_attention(rq, rk, rv, rr, u, w, NULL, 0, want + 2, ors, ots, rows, L, L, H, dh, 1);
            double nse = ku_nse(got, want, no);
            /* fp32 dot products and softmax against double: NSE < 1e-10 */
            CHECK(nse < 1e-10, "self-attention rows %d L %d H %d dh %d: NSE %.3g", rows, L, H, dh, nse);
        }
    }
    CHECK(!bs.failed, "buffers");
    ku_free(&bs);
    free(qkv); free(R); free(u); free(w); free(got); free(want);
}

/* Source row s has len[s] real keys then pads, plus a hole at key 1 when long enough.
 * lead_pads: instead, pads first (at least 9 when Lk > 10: whole blocks of the work-item
 * kernels' keys before the first real one), then real keys, and the last source row all pads
 * (its queries average every value). */
static void make_mask(int32_t *mask, int src_rows, int Lk, ku_rng *rng, int lead_pads)
{
    for (int s = 0; s < src_rows; s++) {
        int len = 1 + (int)(ku_uniform(rng) * Lk);
        for (int j = 0; j < Lk; j++) mask[s * Lk + j] = j < len;
        if (len > 3) mask[s * Lk + 1] = 0;
        if (lead_pads) {
            int lead = Lk > 10 ? 9 + (int)(ku_uniform(rng) * (Lk - 10)) : Lk / 2;
            for (int j = 0; j < Lk; j++) mask[s * Lk + j] = s < src_rows - 1 && j >= lead;
        }
    }
}

/* Cross-attention (kv_group > 1: candidates share source rows) or, with Lq == Lk and
 * kv_group == 1, encoder self-attention. Q [rows, Lq, hd] at offset 1, K/V fused [src, Lk, 2hd]. */
static void t_attention_masked(tctx *t, int rows, int Lq, int Lk, int H, int dh, int kv_group,
                               int encoder, int lead_pads)
{
    ku_bufs bs = {.dev = t->dev};
    const int src = (rows + kv_group - 1) / kv_group;
    const size_t hd = (size_t)H * dh, nq = 1 + (size_t)rows * Lq * hd, nkv = (size_t)src * Lk * 2 * hd;
    const size_t no = (size_t)rows * Lq * hd;
    float *qb = FLOATS(nq), *kv = FLOATS(nkv), *got = FLOATS(no), *want = FLOATS(no);
    int32_t *mask = INTS(src * Lk);
    ku_fill_gauss(&t->rng, qb, nq, 1.5);
    ku_fill_gauss(&t->rng, kv, nkv, 1.0);
    make_mask(mask, src, Lk, &t->rng, lead_pads);
    ocl_buf *bq = ku_up(&bs, qb, FB(nq)), *bkv = ku_up(&bs, kv, FB(nkv));
    ocl_buf *bm = ku_up(&bs, mask, IB(src * Lk)), *bo = ku_up(&bs, NULL, FB(no));
    if (!bs.failed) {
        const size_t krs = (size_t)Lk * 2 * hd;
        ops_seq q = {bq, 1, (size_t)Lq * hd, hd}, k = {bkv, 0, krs, 2 * hd}, v = {bkv, hd, krs, 2 * hd};
        ops_seq_out o = {bo, 0, (size_t)Lq * hd, hd};
        ardiff_status st = encoder
            ? ops_attention_encoder(t->dev, q, k, v, bm, 0, (size_t)Lk, o, rows, Lq, H, dh)
            : ops_attention_cross(t->dev, q, k, v, bm, 0, (size_t)Lk, o, rows, Lq, Lk, H, dh, kv_group);
        CHECK(!ku_failed(st, "ops_attention_cross/encoder"), "launch");
        if (!fetch(t, &bs, bo, 0, no, got)) {
            ref_seq rq = {qb + 1, (size_t)Lq * hd, hd}, rk = {kv, krs, 2 * hd}, rv = {kv + hd, krs, 2 * hd};
            ref_seq none = {NULL, 0, 0};
            ref_attention(rq, rk, rv, none, NULL, NULL, mask, (size_t)Lk, want, (size_t)Lq * hd, hd,
                          rows, Lq, Lk, H, dh, kv_group);
            double nse = ku_nse(got, want, no);
            CHECK(nse < 1e-10, "%s attention rows %d Lq %d Lk %d H %d dh %d group %d%s: NSE %.3g",
                  encoder ? "encoder" : "cross", rows, Lq, Lk, H, dh, kv_group,
                  lead_pads ? " (leading pads)" : "", nse);
        }
    }
    CHECK(!bs.failed, "buffers");
    ku_free(&bs);
    free(qb); free(kv); free(got); free(want); free(mask);
}

/* ---- elementwise --------------------------------------------------------------------- */
static void t_elementwise(tctx *t, int rows, int cols)
{
    ku_bufs bs = {.dev = t->dev};
    const size_t n = (size_t)rows * cols, n2 = 2 * n;
    float *x = FLOATS(n2), *bias = FLOATS(2 * cols), *y = FLOATS(n2), *got = FLOATS(n2), *want = FLOATS(n2);
    ku_fill_gauss(&t->rng, x, n2, 2.5);
    ku_fill_gauss(&t->rng, bias, 2 * cols, 0.5);
    ku_fill_gauss(&t->rng, y, n2, 1.0);
    ocl_buf *bx = ku_up(&bs, x, FB(n2)), *bb = ku_up(&bs, bias, FB(2 * cols));
    ocl_buf *by = ku_up(&bs, y, FB(n2)), *bo = ku_up(&bs, NULL, FB(n2));
    static const char *names[] = {"bias add", "bias+GELU", "bias+tanh", "bias+SiLU"};
    for (int act = 0; act < 4 && !bs.failed; act++) {
        for (int with_bias = 0; with_bias < 2; with_bias++) {
            CHECK(!ku_failed(ops_bias_act(t->dev, bx, 0, cols, with_bias ? bb : NULL, 0, bo, 0, cols,
                                          rows, cols, (ops_act)act), "ops_bias_act"), "launch");
            if (fetch(t, &bs, bo, 0, n, got)) break;
            ref_bias_act(x, with_bias ? bias : NULL, rows, cols, act, want);
            /* fp32 elementwise: 1e-5 relative, 1e-6 absolute near zero */
            CHECK(ku_count_far(names[act], got, want, n, 1e-5, 1e-6) == 0, "%s (bias %d) %dx%d",
                  names[act], with_bias, rows, cols);
        }
    }
    if (!bs.failed) { /* GEGLU: x [rows, 2F] with F = cols, bias [2F] */
        for (int with_bias = 0; with_bias < 2; with_bias++) {
            CHECK(!ku_failed(ops_geglu(t->dev, bx, 0, 2 * cols, with_bias ? bb : NULL, 0, bo, 0, cols,
                                       rows, cols), "ops_geglu"), "launch");
            if (fetch(t, &bs, bo, 0, n, got)) break;
            ref_geglu(x, with_bias ? bias : NULL, rows, cols, want);
            CHECK(ku_count_far("geglu", got, want, n, 1e-5, 1e-6) == 0, "geglu (bias %d) %dx%d",
                  with_bias, rows, cols);
        }
    }
    if (!bs.failed) { /* residual add and scale: one rounding each, bit-exact */
        CHECK(!ku_failed(ops_add(t->dev, bx, 0, cols, by, n, cols, bo, 0, cols, rows, cols), "ops_add"), "launch");
        if (!fetch(t, &bs, bo, 0, n, got)) {
            for (size_t i = 0; i < n; i++) want[i] = x[i] + y[n + i];
            CHECK(!memcmp(got, want, FB(n)), "add %dx%d", rows, cols);
        }
        CHECK(!ku_failed(ops_scale(t->dev, bx, 0, cols, bx, 0, cols, rows, cols, -0.37f), "ops_scale"), "launch");
        if (!fetch(t, &bs, bx, 0, n, got)) {
            for (size_t i = 0; i < n; i++) want[i] = -0.37f * x[i];
            CHECK(!memcmp(got, want, FB(n)), "scale in place %dx%d", rows, cols);
        }
    }
    CHECK(!bs.failed, "buffers");
    ku_free(&bs);
    free(x); free(bias); free(y); free(got); free(want);
}

/* ---- embeddings and time features ---------------------------------------------------- */
static void t_embed(tctx *t, int rows, int N, int d, int V)
{
    ku_bufs bs = {.dev = t->dev};
    const int M = rows * N;
    int32_t *ids = INTS(M);
    float *E = FLOATS(V * d), *P = FLOATS(N * d), *Ty = FLOATS(2 * d);
    float *got = FLOATS(M * d), *want = FLOATS(M * d);
    for (int m = 0; m < M; m++) ids[m] = (int32_t)(ku_uniform(&t->rng) * V);
    ids[M - 1] = V - 1;
    if (M > 2) ids[1] = -1, ids[2] = V; /* out of range: zero rows */
    ku_fill_gauss(&t->rng, E, (size_t)V * d, 1.0);
    ku_fill_gauss(&t->rng, P, (size_t)N * d, 0.2);
    ku_fill_gauss(&t->rng, Ty, 2 * (size_t)d, 0.1);
    ocl_buf *bi = ku_up(&bs, ids, IB(M)), *bE = ku_up(&bs, E, FB(V * d)), *bP = ku_up(&bs, P, FB(N * d));
    ocl_buf *bT = ku_up(&bs, Ty, FB(2 * d)), *bo = ku_up(&bs, NULL, FB(M * d));
    if (!bs.failed) {
        CHECK(!ku_failed(ops_embed_tokens(t->dev, bi, 0, bE, 0, bo, 0, M, d, V), "ops_embed_tokens"), "launch");
        if (!fetch(t, &bs, bo, 0, (size_t)M * d, got)) {
            ref_embed(ids, E, NULL, NULL, M, N, d, V, want);
            CHECK(!memcmp(got, want, FB(M * d)), "token gather M %d d %d V %d (exact copy)", M, d, V);
        }
        CHECK(!ku_failed(ops_pos_add(t->dev, bo, 0, bP, 0, rows, N, d), "ops_pos_add"), "launch");
        if (!fetch(t, &bs, bo, 0, (size_t)M * d, got)) {
            ref_embed(ids, E, P, NULL, M, N, d, V, want); /* one fp32 add: exact */
            CHECK(!memcmp(got, want, FB(M * d)), "position add rows %d N %d d %d", rows, N, d);
        }
        CHECK(!ku_failed(ops_embed_bert(t->dev, bi, 0, bE, 0, bP, 0, bT, 0, bo, 0, rows, N, d, V),
                         "ops_embed_bert"), "launch");
        if (!fetch(t, &bs, bo, 0, (size_t)M * d, got)) {
            ref_embed(ids, E, P, Ty, M, N, d, V, want);
            /* two fp32 adds against one rounding of the exact sum: 2 ulp */
            CHECK(ku_count_far("bert embed", got, want, (size_t)M * d, 3e-7, 1e-7) == 0,
                  "bert embeddings rows %d S %d d %d", rows, N, d);
        }
    }
    CHECK(!bs.failed, "buffers");
    ku_free(&bs);
    free(ids); free(E); free(P); free(Ty); free(got); free(want);
}

static void t_time_embed(tctx *t, int M, int C, int T)
{
    ku_bufs bs = {.dev = t->dev};
    int32_t *ts = INTS(M);
    float *got = FLOATS(M * C), *want = FLOATS(M * C);
    for (int m = 0; m < M; m++) ts[m] = m == 0 ? 0 : m == 1 ? T - 1 : (int32_t)(ku_uniform(&t->rng) * T);
    ocl_buf *bt = ku_up(&bs, ts, IB(M)), *bo = ku_up(&bs, NULL, FB(M * C));
    if (!bs.failed) {
        CHECK(!ku_failed(ops_time_embed(t->dev, bt, 0, bo, 0, M, C, T), "ops_time_embed"), "launch");
        if (!fetch(t, &bs, bo, 0, (size_t)M * C, got)) {
            ref_time_embed(ts, M, C, T, want);
            /* fp32 frequency (a few ulp) times an argument up to 1000 rad: the phase error
             * grows with the argument, so the bound is 1e-6 + 4e-7 * s per element */
            size_t bad = 0;
            for (int m = 0; m < M; m++) {
                double s = ts[m] * 1000.0 / T;
                bad += ku_count_far("time features", got + (size_t)m * C, want + (size_t)m * C,
                                    (size_t)C, 0.0, 1e-6 + 4e-7 * s);
            }
            CHECK(bad == 0, "time features M %d C %d T %d", M, C, T);
        }
    }
    CHECK(!bs.failed, "buffers");
    ku_free(&bs);
    free(ts); free(got); free(want);
}

/* ---- rounding ------------------------------------------------------------------------ */
/* Clamping and the output head over E [V, d]: rows of x are exact rows of E, rows of E plus
 * small noise, duplicated rows (tie: lowest id) and random points. */
static void t_rounding(tctx *t, int M, int V, int d)
{
    ku_bufs bs = {.dev = t->dev};
    float *E = FLOATS(V * d), *x = FLOATS(M * d), *bias = FLOATS(V), *nrm = FLOATS(V), *nw = FLOATS(V);
    float *out = FLOATS(M * d), *out2 = FLOATS(M * d);
    int32_t *ids = INTS(M), *ids2 = INTS(M);
    ku_fill_gauss(&t->rng, E, (size_t)V * d, 1.0);
    ku_fill_gauss(&t->rng, bias, V, 0.5);
    if (V > 7) { memcpy(E + 7 * d, E + 3 * d, FB(d)); bias[7] = bias[3]; } /* rows 3 and 7 tie */
    double emax = 0;
    ref_row_sqnorm(E, V, d, nw);
    for (int j = 0; j < V; j++) emax = fmax(emax, nw[j]);
    for (int m = 0; m < M; m++) {
        int j = (int)(ku_uniform(&t->rng) * V), kind = m % 4;
        if (m == 0 && V > 7) j = 7, kind = 0; /* the duplicate: must give 3 */
        for (int c = 0; c < d; c++) {
            float e = E[(size_t)j * d + c], g = (float)ku_gauss(&t->rng);
            x[(size_t)m * d + c] = kind == 0 ? e : kind == 1 ? e + 0.05f * g : kind == 2 ? 0.3f * e + g : 2.0f * g;
        }
    }
    ocl_buf *bE = ku_up(&bs, E, FB(V * d)), *bx = ku_up(&bs, x, FB(M * d)), *bb = ku_up(&bs, bias, FB(V));
    ocl_buf *bn = ku_up(&bs, NULL, FB(V)), *bS = ku_up(&bs, NULL, FB((size_t)M * V));
    ocl_buf *bo = ku_up(&bs, NULL, FB(M * d)), *bi = ku_up(&bs, NULL, IB(M)), *bi2 = ku_up(&bs, NULL, IB(M));
    if (bs.failed) goto done;
    CHECK(!ku_failed(ops_row_sqnorm(t->dev, bE, 0, bn, 0, V, d), "ops_row_sqnorm"), "launch");
    if (!fetch(t, &bs, bn, 0, V, nrm))
        CHECK(ku_count_far("row norms", nrm, nw, V, 1e-5, 0) == 0, "row norms V %d d %d", V, d);
    CHECK(!ku_failed(ops_round_nearest(t->dev, bx, 0, bE, 0, bn, 0, bS, 0, bo, 0, bi, 0, M, V, d),
                     "ops_round_nearest"), "launch");
    if (fetch(t, &bs, bo, 0, (size_t)M * d, out) || fetch_ints(t, &bs, bi, M, ids)) goto done;
    for (int m = 0; m < M; m++) {
        const float *xm = x + (size_t)m * d;
        double best, got_d;
        int want = ref_nearest(xm, E, V, d, &best);
        CHECK(ids[m] >= 0 && ids[m] < V, "row %d: id %d out of range", m, ids[m]);
        if (ids[m] < 0 || ids[m] >= V) continue;
        CHECK(!memcmp(out + (size_t)m * d, E + (size_t)ids[m] * d, FB(d)), "row %d: output is not row %d of E", m, ids[m]);
        got_d = ref_sqdist(xm, E + (size_t)ids[m] * d, d);
        /* the expansion ||x||^2 + ||e||^2 - 2 x.e in fp32 loses ~1e-7 of its terms:
         * the chosen distance must be within 1e-5 (||x||^2 + max ||e||^2) of the true minimum,
         * and the id must be the reference's whenever no other word is that close */
        double xn = 0;
        for (int c = 0; c < d; c++) xn += (double)xm[c] * xm[c];
        const double tol = 1e-5 * (xn + emax);
        CHECK(got_d <= best + tol, "row %d: distance %.9g > min %.9g + %.3g", m, got_d, best, tol);
        int near_tie = 0;
        for (int j = 0; j < V; j++)
            if (j != want && ref_sqdist(xm, E + (size_t)j * d, d) <= best + tol) near_tie = 1;
        if (!near_tie) CHECK(ids[m] == want, "row %d: id %d, reference %d", m, ids[m], want);
        if (m == 0 && V > 7) CHECK(ids[0] == 3, "tie between rows 3 and 7 gave %d (lowest id wanted)", ids[0]);
    }
    /* idempotent: clamping the clamped rows again (in place) changes nothing */
    CHECK(!ku_failed(ops_round_nearest(t->dev, bo, 0, bE, 0, bn, 0, bS, 0, bo, 0, bi2, 0, M, V, d),
                     "ops_round_nearest (again)"), "launch");
    if (!fetch(t, &bs, bo, 0, (size_t)M * d, out2) && !fetch_ints(t, &bs, bi2, M, ids2)) {
        CHECK(!memcmp(out2, out, FB(M * d)), "clamping is not idempotent (rows)");
        CHECK(!memcmp(ids2, ids, IB(M)), "clamping is not idempotent (ids)");
    }
    /* output head: argmax of E x + b */
    CHECK(!ku_failed(ops_round_argmax(t->dev, bx, 0, bE, 0, bb, 0, bS, 0, bi, 0, M, V, d),
                     "ops_round_argmax"), "launch");
    if (!fetch_ints(t, &bs, bi, M, ids))
        for (int m = 0; m < M; m++) {
            const float *xm = x + (size_t)m * d;
            int want = ref_argmax(xm, E, bias, V, d);
            double lw = bias[want], lg = ids[m] >= 0 && ids[m] < V ? bias[ids[m]] : NAN, tol;
            double xn = 0;
            for (int c = 0; c < d; c++) {
                lw += (double)E[(size_t)want * d + c] * xm[c];
                if (ids[m] >= 0 && ids[m] < V) lg += (double)E[(size_t)ids[m] * d + c] * xm[c];
                xn += (double)xm[c] * xm[c];
            }
            /* fp32 GEMM logits: within 1e-5 (|x| max|e| + 1) of the best logit */
            tol = 1e-5 * (sqrt(xn * emax) + 1.0);
            CHECK(lg >= lw - tol, "argmax row %d: id %d logit %.9g, best %d %.9g", m, ids[m], lg, want, lw);
            if (m == 0 && V > 7) CHECK(ids[0] == 3 || want != 3, "argmax tie gave %d", ids[0]);
        }
done:
    CHECK(!bs.failed, "buffers");
    ku_free(&bs);
    free(E); free(x); free(bias); free(nrm); free(nw); free(out); free(out2); free(ids); free(ids2);
}

/* ---- the denoise step ---------------------------------------------------------------- */
/* Per-token (a, b) pairs covering every case: identity (a == b, also at 0 and T-1), b == 0
 * (no noise, also from T-1), and generic a > b > 0. The table is [3, N]; the step uses rows
 * 1 -> 2 (offsets N and 2N). */
static void make_pairs(int32_t *tab, int N, int T, ku_rng *rng)
{
    for (int n = 0; n < N; n++) {
        int a, b;
        switch (n % 7) {
        case 0: a = T - 1; b = 0; break;
        case 1: a = b = 0; break;
        case 2: a = b = T - 1; break;
        case 3: a = 1 + (int)(ku_uniform(rng) * (T - 1)); b = 0; break;
        case 4: a = b = (int)(ku_uniform(rng) * T); break;
        default:
            a = 2 + (int)(ku_uniform(rng) * (T - 2));
            b = 1 + (int)(ku_uniform(rng) * (a - 1));
        }
        tab[n] = -5; /* row 0 unused: an offset bug would read these */
        tab[N + n] = a;
        tab[2 * N + n] = b;
    }
}

static void t_denoise(tctx *t, int rows, int N, int d, const float *abar, int T, uint32_t step)
{
    ku_bufs bs = {.dev = t->dev};
    const size_t n = (size_t)rows * N * d;
    const uint64_t seed = 0x5eed0000ull + (uint64_t)N;
    float *z = FLOATS(n), *x0 = FLOATS(n), *eps = FLOATS(n), *got = FLOATS(n), *got2 = FLOATS(n), *want = FLOATS(n);
    int32_t *tab = INTS(3 * N), *in = INTS(rows), *cand = INTS(rows);
    ku_fill_gauss(&t->rng, z, n, 1.0);
    ku_fill_gauss(&t->rng, x0, n, 1.0);
    make_pairs(tab, N, T, &t->rng);
    for (int r = 0; r < rows; r++) {
        in[r] = 17 + r / 2;
        cand[r] = r % 2;
        rng_fill(seed, (uint32_t)in[r], (uint32_t)cand[r], step, (size_t)N, (size_t)d, eps + (size_t)r * N * d);
    }
    ocl_buf *bz = ku_up(&bs, z, FB(n)), *bx = ku_up(&bs, x0, FB(n)), *bo = ku_up(&bs, NULL, FB(n));
    ocl_buf *bt = ku_up(&bs, tab, IB(3 * N)), *ba = ku_up(&bs, abar, FB(T));
    ocl_buf *bi = ku_up(&bs, in, IB(rows)), *bc = ku_up(&bs, cand, IB(rows));
    if (bs.failed) goto done;
    CHECK(!ku_failed(ops_denoise_step(t->dev, bz, 0, bx, 0, bo, 0, bt, N, 2 * N, ba, T, bi, 0, bc, 0,
                                      rows, N, d, seed, step), "ops_denoise_step"), "launch");
    if (fetch(t, &bs, bo, 0, n, got)) goto done;
    ref_denoise(z, x0, tab + N, tab + 2 * N, abar, eps, rows, N, d, want);
    CHECK(!ku_has_nonfinite(got, n), "denoise produced NaN/inf (rows %d N %d d %d)", rows, N, d);
    size_t ident_bad = 0, bad = 0;
    for (int r = 0; r < rows; r++)
        for (int p = 0; p < N; p++) {
            size_t o = ((size_t)r * N + p) * d;
            if (tab[N + p] == tab[2 * N + p]) { /* a == b: unchanged, bit-exact */
                ident_bad += memcmp(got + o, z + o, FB(d)) != 0;
                continue;
            }
            /* fp32 coefficients (a few roundings each) against double: 1e-5 relative to the
             * magnitude of the terms, 1e-6 absolute */
            for (int c = 0; c < d; c++) {
                double tol = 1e-6 + 1e-5 * (fabs(z[o + c]) + fabs(x0[o + c]) + fabs(eps[o + c]));
                bad += !(fabs((double)got[o + c] - want[o + c]) <= tol);
            }
        }
    CHECK(ident_bad == 0, "%zu identity tokens (a == b) changed", ident_bad);
    CHECK(bad == 0, "%zu of %zu denoised values differ from the reference (rows %d N %d d %d)",
          bad, n, rows, N, d);
    /* another seed, in place (z_out == z): tokens with b == 0 or a == b are unchanged by the
     * noise, every other token changes */
    CHECK(!ku_failed(ops_denoise_step(t->dev, bz, 0, bx, 0, bz, 0, bt, N, 2 * N, ba, T, bi, 0, bc, 0,
                                      rows, N, d, seed + 1, step), "ops_denoise_step in place"), "launch");
    if (!fetch(t, &bs, bz, 0, n, got2)) {
        size_t wrong = 0;
        for (int r = 0; r < rows; r++)
            for (int p = 0; p < N; p++) {
                size_t o = ((size_t)r * N + p) * d;
                int noiseless = tab[2 * N + p] == 0 || tab[N + p] == tab[2 * N + p];
                wrong += noiseless != !memcmp(got + o, got2 + o, FB(d));
            }
        CHECK(wrong == 0, "%zu tokens where the noise showed up (or not) against b == 0 / a == b", wrong);
    }
done:
    CHECK(!bs.failed, "buffers");
    ku_free(&bs);
    free(z); free(x0); free(eps); free(got); free(got2); free(want); free(tab); free(in); free(cand);
}

/* the starting noise through the kernel, recorded for the cross-device comparison (the
 * bit-exact comparison with the host stream is test_rng's) */
static void t_rng(tctx *t, int rows, int N, int d)
{
    ku_bufs bs = {.dev = t->dev};
    const size_t n = (size_t)rows * N * d;
    int32_t *in = INTS(rows), *cand = INTS(rows);
    float *got = FLOATS(n), *want = FLOATS(n);
    for (int r = 0; r < rows; r++) in[r] = r, cand[r] = 2 * r;
    ocl_buf *bi = ku_up(&bs, in, IB(rows)), *bc = ku_up(&bs, cand, IB(rows)), *bo = ku_up(&bs, NULL, FB(n));
    if (!bs.failed) {
        CHECK(!ku_failed(ops_rng_normal(t->dev, bo, 0, bi, 0, bc, 0, rows, N, d, 101, 0), "ops_rng_normal"), "launch");
        if (!fetch(t, &bs, bo, 0, n, got)) {
            for (int r = 0; r < rows; r++) rng_fill(101, (uint32_t)r, (uint32_t)(2 * r), 0, (size_t)N, (size_t)d, want + (size_t)r * N * d);
            CHECK(!memcmp(got, want, FB(n)), "rng kernel != host stream (rows %d N %d d %d)", rows, N, d);
        }
    }
    CHECK(!bs.failed, "buffers");
    ku_free(&bs);
    free(in); free(cand); free(got); free(want);
}

/* launchers refuse bad arguments, naming the value */
static void t_bad_args(tctx *t)
{
    ku_bufs bs = {.dev = t->dev};
    ocl_buf *b = ku_up(&bs, NULL, FB(64));
    if (!bs.failed) {
        ardiff_status st = ops_layernorm(t->dev, b, 0, 8, b, 0, b, 0, b, 0, 8, 9, 8, 1e-12f);
        CHECK(st == ARDIFF_E_INVALID_ARG && strstr(ardiff_last_error(), "256"),
              "overrunning layernorm: %s", ardiff_last_error());
        ops_seq q = {b, 0, 16, 16};
        ops_seq_out o = {b, 0, 16, 16};
        st = ops_attention_self_time(t->dev, q, q, q, q, b, 0, b, 0, o, 1, 1, 1, OPS_ATT_MAX_DH + 1);
        CHECK(st == ARDIFF_E_INVALID_ARG && strstr(ardiff_last_error(), "129"),
              "head dim too large: %s", ardiff_last_error());
        st = ops_denoise_step(t->dev, b, 0, b, 0, b, 0, b, 0, 0, b, 8, b, 0, b, 0, 1, 2, 4, 1, 0);
        CHECK(st == ARDIFF_E_INVALID_ARG && strstr(ardiff_last_error(), "step"),
              "step 0: %s", ardiff_last_error());
    }
    ku_free(&bs);
}

void kernel_suite_run(ocl_dev *dev, ku_digest *dg)
{
    tctx t = {dev, dg, {12345}};
    static const int ln[][2] = {{1, 1}, {3, 7}, {5, 64}, {2, 128}, {4, 131}, {2, 512}};
    for (size_t i = 0; i < sizeof ln / sizeof ln[0]; i++) {
        t_layernorm(&t, ln[i][0], ln[i][1], 1e-12f);
        t_layernorm(&t, ln[i][0], ln[i][1], 1e-5f);
    }
    /* the work-item kernels take keys 8 at a time and dh in chunks of 8 plus a tail: key
     * counts 8k - 1, 8k, 8k + 1 and dh 5, 12, 20 as well as 16, 64, 128 */
    static const int sa[][4] = {{1, 1, 1, 1}, {2, 5, 2, 16}, {3, 13, 8, 16}, {1, 54, 8, 16},
                                {2, 67, 3, 64}, {1, 37, 1, 128}, {1, 512, 1, 16}, {2, 8, 2, 12},
                                {1, 17, 3, 5}, {2, 15, 2, 20}, {1, 16, 2, 64}, {1, 9, 1, 128}};
    for (size_t i = 0; i < sizeof sa / sizeof sa[0]; i++)
        t_attention_self(&t, sa[i][0], sa[i][1], sa[i][2], sa[i][3]);
    static const int ca[][6] = {{1, 1, 1, 1, 1, 1}, {6, 5, 7, 2, 16, 3}, {4, 54, 37, 8, 16, 2},
                                {2, 3, 129, 2, 64, 1}, {1, 2, 512, 1, 16, 1}, {3, 4, 8, 2, 20, 3},
                                {2, 7, 65, 2, 12, 1}, {1, 3, 33, 1, 128, 1}, {2, 6, 24, 2, 5, 2}};
    for (size_t i = 0; i < sizeof ca / sizeof ca[0]; i++)
        t_attention_masked(&t, ca[i][0], ca[i][1], ca[i][2], ca[i][3], ca[i][4], ca[i][5], 0, 0);
    t_attention_masked(&t, 3, 17, 17, 2, 16, 1, 1, 0);
    t_attention_masked(&t, 2, 70, 70, 4, 64, 1, 1, 0);
    /* masks with whole blocks of pads before the first real key, and a row of pads only */
    t_attention_masked(&t, 4, 5, 37, 2, 16, 2, 0, 1);
    t_attention_masked(&t, 2, 3, 129, 2, 64, 1, 0, 1);
    t_attention_masked(&t, 3, 19, 19, 2, 16, 1, 1, 1);
    static const int ew[][2] = {{1, 1}, {3, 67}, {5, 130}};
    for (size_t i = 0; i < sizeof ew / sizeof ew[0]; i++) t_elementwise(&t, ew[i][0], ew[i][1]);
    t_embed(&t, 1, 1, 1, 1);
    t_embed(&t, 3, 13, 67, 101);
    t_embed(&t, 2, 54, 128, 503);
    t_time_embed(&t, 1, 1, 2000);
    t_time_embed(&t, 13, 7, 2000);
    t_time_embed(&t, 54, 64, 2000);
    t_time_embed(&t, 7, 128, 1000);
    t_rounding(&t, 1, 1, 1);
    t_rounding(&t, 7, 37, 5);
    t_rounding(&t, 13, 1000, 64);
    t_rounding(&t, 5, 30522, 128);
    double ad[2000];
    float abar[2000];
    CHECK(ad_noise_alphas_cumprod(2000, ad) == ARDIFF_OK, "alphas_cumprod: %s", ardiff_last_error());
    for (int i = 0; i < 2000; i++) abar[i] = (float)ad[i];
    t_denoise(&t, 1, 1, 1, abar, 2000, 1);
    t_denoise(&t, 3, 13, 7, abar, 2000, 4);
    t_denoise(&t, 4, 54, 64, abar, 2000, 20);
    t_rng(&t, 3, 13, 7);
    t_bad_args(&t);
}

