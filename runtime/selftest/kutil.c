/* kutil.c: see kutil.h. */
#include "selftest/kutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double ku_uniform(ku_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-53;
}

double ku_gauss(ku_rng *r)
{
    double u = 1.0 - ku_uniform(r), v = ku_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

void ku_fill_gauss(ku_rng *r, float *x, size_t n, double scale)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)(scale * ku_gauss(r));
}

void ku_fill_uniform(ku_rng *r, float *x, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)(lo + (hi - lo) * ku_uniform(r));
}

int ku_failed(ardiff_status st, const char *what)
{
    if (st == ARDIFF_OK) return 0;
    fprintf(stderr, "FAIL %s: %s: %s\n", what, ardiff_status_name(st), ardiff_last_error());
    return 1;
}

ocl_buf *ku_up(ku_bufs *bs, const void *data, size_t bytes)
{
    ocl_buf *b = NULL;
    if (bs->n >= (int)(sizeof bs->b / sizeof bs->b[0])) {
        fprintf(stderr, "FAIL: too many test buffers\n");
        bs->failed = 1;
        return NULL;
    }
    ardiff_status st = ocl_buf_alloc(bs->dev, bytes, &b);
    if (st == ARDIFF_OK) {
        bs->b[bs->n++] = b;
        st = data ? ocl_buf_write(bs->dev, b, 0, data, bytes) : ocl_buf_fill_zero(bs->dev, b);
    }
    if (ku_failed(st, "upload")) {
        bs->failed = 1;
        return NULL;
    }
    return b;
}

int ku_down(ku_bufs *bs, const ocl_buf *b, void *dst, size_t bytes)
{
    if (!b || ku_failed(ocl_buf_read(bs->dev, b, 0, dst, bytes), "download")) {
        bs->failed = 1;
        return 1;
    }
    return 0;
}

void ku_free(ku_bufs *bs)
{
    for (int i = 0; i < bs->n; i++) ocl_buf_free(bs->b[i]);
    bs->n = 0;
}

double ku_nse(const float *got, const float *want, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double e = (double)got[i] - want[i];
        num += e * e;
        den += (double)want[i] * want[i];
    }
    if (isnan(num)) return INFINITY;
    return den > 0 ? num / den : num;
}

size_t ku_count_far(const char *what, const float *got, const float *want, size_t n, double rtol,
                    double atol)
{
    size_t bad = 0, worst = 0;
    double worst_ratio = 0;
    for (size_t i = 0; i < n; i++) {
        double err = fabs((double)got[i] - want[i]), tol = atol + rtol * fabs((double)want[i]);
        if (!(err <= tol)) {
            bad++;
            double ratio = isnan(err) ? INFINITY : err / tol;
            if (ratio >= worst_ratio) { worst_ratio = ratio; worst = i; }
        }
    }
    if (bad)
        fprintf(stderr, "  %s: %zu of %zu values out of tolerance (rtol %g, atol %g); worst [%zu] "
                "got %.9g want %.9g\n", what, bad, n, rtol, atol, worst, got[worst], want[worst]);
    return bad;
}

int ku_has_nonfinite(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 1;
    return 0;
}

void ku_digest_add(ku_digest *d, const void *p, size_t n)
{
    if (d->len + n > d->cap) {
        size_t cap = d->cap ? d->cap : 4096;
        while (cap < d->len + n) cap *= 2;
        unsigned char *nd = realloc(d->data, cap);
        if (!nd) return; /* the cross-device comparison will then fail on length */
        d->data = nd;
        d->cap = cap;
    }
    memcpy(d->data + d->len, p, n);
    d->len += n;
}

void ku_digest_free(ku_digest *d)
{
    free(d->data);
    memset(d, 0, sizeof *d);
}
