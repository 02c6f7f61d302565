/* sg_gate.c: the start-up self-test that gates the subgroup reductions (cl/common.cl:
 * row_sum, row_max under -DUSE_SUBGROUPS; dev.h: ocl_dev_subgroups). It runs the kernels
 * that use them (layer norm and attention, variant `group`) once on small shapes and compares
 * them with the plain-C references (selftest/ref_ops.h: leaf C code, no OpenCL), under the
 * tolerances the kernel suite states for those kernels (docs/numerics.md, "Subgroups and
 * fp16 arithmetic"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocl.h"
#include "ops_internal.h"
#include "sg_gate.h"
#include "selftest/ref_ops.h"

/* The shapes: rows not a multiple of anything, dims above and below WG and prime, so that
 * every subgroup and a partial last stride take part. */
enum { LN_ROWS = 3, LN_DIM = 131, AT_ROWS = 2, AT_LQ = 3, AT_LK = 37, AT_H = 2, AT_DH = 16 };

static float sample(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)((*s >> 8) & 0xffffu) / 32768.0f - 1.0f; /* [-1, 1) */
}

/* uploads n floats into a new buffer */
static ardiff_status upload(ocl_dev *dev, const float *x, size_t n, ocl_buf **out)
{
    AD_TRY(ocl_buf_alloc(dev, n * sizeof(float), out));
    return ocl_buf_write(dev, *out, 0, x, n * sizeof(float));
}

/* layer norm: elements outside 1e-5 |want| + 1e-5 (the kernel suite's tolerance) */
static ardiff_status check_layernorm(ocl_dev *dev, float *worst, int *bad)
{
    const int n = LN_ROWS * LN_DIM;
    float x[LN_ROWS * LN_DIM], g[LN_DIM], b[LN_DIM], got[LN_ROWS * LN_DIM], want[LN_ROWS * LN_DIM];
    unsigned s = 7;
    for (int i = 0; i < n; i++) x[i] = 3.0f * sample(&s) + 0.5f;
    for (int c = 0; c < LN_DIM; c++) {
        g[c] = 1.0f + 0.5f * sample(&s);
        b[c] = 0.1f * sample(&s);
    }
    ocl_buf *bx = NULL, *bg = NULL, *bb = NULL, *by = NULL;
    ardiff_status st = upload(dev, x, (size_t)n, &bx);
    if (st == ARDIFF_OK) st = upload(dev, g, LN_DIM, &bg);
    if (st == ARDIFF_OK) st = upload(dev, b, LN_DIM, &bb);
    if (st == ARDIFF_OK) st = ocl_buf_alloc(dev, (size_t)n * sizeof(float), &by);
    if (st == ARDIFF_OK)
        st = ops_layernorm(dev, bx, 0, LN_DIM, bg, 0, bb, 0, by, 0, LN_DIM, LN_ROWS, LN_DIM,
                           1e-5f);
    if (st == ARDIFF_OK) st = ocl_buf_read(dev, by, 0, got, sizeof got);
    if (st == ARDIFF_OK) {
        ref_layernorm(x, LN_ROWS, LN_DIM, g, b, 1e-5f, want);
        for (int i = 0; i < n; i++) {
            float e = fabsf(got[i] - want[i]);
            if (!(e <= 1e-5f * fabsf(want[i]) + 1e-5f)) (*bad)++;
            if (!(e <= *worst)) *worst = e; /* NaN sticks */
        }
    }
    ocl_buf_free(bx); ocl_buf_free(bg); ocl_buf_free(bb); ocl_buf_free(by);
    return st;
}

/* cross-attention with a padding mask: normalised squared error (the kernel suite's NSE < 1e-10) */
static ardiff_status check_attention(ocl_dev *dev, double *nse)
{
    const int hd = AT_H * AT_DH, nq = AT_ROWS * AT_LQ * hd, nkv = AT_ROWS * AT_LK * 2 * hd;
    float q[AT_ROWS * AT_LQ * AT_H * AT_DH], kv[AT_ROWS * AT_LK * 2 * AT_H * AT_DH];
    float got[AT_ROWS * AT_LQ * AT_H * AT_DH], want[AT_ROWS * AT_LQ * AT_H * AT_DH];
    int32_t mask[AT_ROWS * AT_LK];
    unsigned s = 11;
    for (int i = 0; i < nq; i++) q[i] = 2.0f * sample(&s);
    for (int i = 0; i < nkv; i++) kv[i] = 2.0f * sample(&s);
    for (int i = 0; i < AT_ROWS * AT_LK; i++) mask[i] = (i % AT_LK) < AT_LK - 5 * (i / AT_LK);
    ocl_buf *bq = NULL, *bkv = NULL, *bm = NULL, *bo = NULL;
    ardiff_status st = upload(dev, q, (size_t)nq, &bq);
    if (st == ARDIFF_OK) st = upload(dev, kv, (size_t)nkv, &bkv);
    if (st == ARDIFF_OK) st = ocl_buf_alloc(dev, sizeof mask, &bm);
    if (st == ARDIFF_OK) st = ocl_buf_write(dev, bm, 0, mask, sizeof mask);
    if (st == ARDIFF_OK) st = ocl_buf_alloc(dev, sizeof got, &bo);
    /* K and V fused [rows, Lk, 2 hd]: V at column offset hd */
    ops_seq vq = {bq, 0, (size_t)AT_LQ * hd, (size_t)hd};
    ops_seq vk = {bkv, 0, (size_t)AT_LK * 2 * hd, (size_t)2 * hd};
    ops_seq vv = {bkv, (size_t)hd, (size_t)AT_LK * 2 * hd, (size_t)2 * hd};
    ops_seq_out vo = {bo, 0, (size_t)AT_LQ * hd, (size_t)hd};
    if (st == ARDIFF_OK)
        st = ops_attention_cross(dev, vq, vk, vv, bm, 0, AT_LK, vo, AT_ROWS, AT_LQ, AT_LK, AT_H,
                                 AT_DH, 1);
    if (st == ARDIFF_OK) st = ocl_buf_read(dev, bo, 0, got, sizeof got);
    if (st == ARDIFF_OK) {
        ref_seq rq = {q, (size_t)AT_LQ * hd, (size_t)hd};
        ref_seq rk = {kv, (size_t)AT_LK * 2 * hd, (size_t)2 * hd};
        ref_seq rv = {kv + hd, (size_t)AT_LK * 2 * hd, (size_t)2 * hd};
        ref_seq none = {NULL, 0, 0};
        ref_attention(rq, rk, rv, none, NULL, NULL, mask, AT_LK, want, (size_t)AT_LQ * hd,
                      (size_t)hd, AT_ROWS, AT_LQ, AT_LK, AT_H, AT_DH, 1);
        double num = 0, den = 0;
        for (int i = 0; i < nq; i++) {
            double d = (double)got[i] - want[i];
            num += d * d;
            den += (double)want[i] * want[i];
        }
        *nse = den > 0 ? num / den : num;
        if (*nse != *nse) *nse = INFINITY;
    }
    ocl_buf_free(bq); ocl_buf_free(bkv); ocl_buf_free(bm); ocl_buf_free(bo);
    return st;
}

ardiff_status ocl_sg_selftest(ocl_dev *dev, int *passed, char *why, size_t why_len)
{
    *passed = 0;
    const ocl_variants saved = dev->variants;
    ocl_variants group;
    ocl_variants_of_set(OCL_SET_GPU, &group); /* layernorm=group, attention=group */
    dev->variants = group;
    float worst = 0.0f;
    int bad = 0;
    double nse = 0.0;
    ardiff_status st = check_layernorm(dev, &worst, &bad);
    if (st == ARDIFF_OK) st = check_attention(dev, &nse);
    dev->variants = saved;
    if (st != ARDIFF_OK) {
        snprintf(why, why_len, "the self-test could not run: %s", ardiff_last_error());
        return ARDIFF_OK; /* refused, not an error: the caller falls back */
    }
    *passed = bad == 0 && nse < 1e-10;
    snprintf(why, why_len, "layer norm %d of %d values outside 1e-5 rel + 1e-5 (max error %.3g), "
             "attention NSE %.3g (limit 1e-10)", bad, LN_ROWS * LN_DIM, (double)worst, nse);
    return ARDIFF_OK;
}
