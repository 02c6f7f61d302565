/* kutil.h: helpers of the kernel checks (the kernel suite of `ardiff selftest` and the kernel
 * tests): deterministic random inputs, uploads and read-backs, error measures, and a digest of
 * every output (compared across devices). Opening devices from a test's argv: tests/ref/kutil.h. */
#ifndef ARDIFF_SELFTEST_KUTIL_H
#define ARDIFF_SELFTEST_KUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "ocl/dev.h"
#include "ocl/ops.h"

/* deterministic generator (splitmix64) */
typedef struct ku_rng {
    uint64_t s;
} ku_rng;
double ku_uniform(ku_rng *r);                  /* [0, 1) */
double ku_gauss(ku_rng *r);                    /* N(0, 1) */
void ku_fill_gauss(ku_rng *r, float *x, size_t n, double scale);
void ku_fill_uniform(ku_rng *r, float *x, size_t n, double lo, double hi);

/* Buffers of one test, freed together. */
typedef struct ku_bufs {
    ocl_dev *dev;
    ocl_buf *b[32];
    int n;
    int failed; /* an allocation or transfer failed (message printed) */
} ku_bufs;
/* A new buffer holding bytes of data (data NULL: zero-filled). NULL on failure. */
ocl_buf *ku_up(ku_bufs *bs, const void *data, size_t bytes);
/* Blocking read; returns 0 on success. */
int ku_down(ku_bufs *bs, const ocl_buf *b, void *dst, size_t bytes);
void ku_free(ku_bufs *bs);

/* Reports a failed ardiff call (with ardiff_last_error) and returns 1; 0 on ARDIFF_OK. */
int ku_failed(ardiff_status st, const char *what);

/* sum (g - w)^2 / sum w^2 (normalised squared error), 0 when both are all zero */
double ku_nse(const float *got, const float *want, size_t n);
/* number of i with |g - w| > atol + rtol |w| (NaN counts); the worst one is printed when
 * the count is non-zero */
size_t ku_count_far(const char *what, const float *got, const float *want, size_t n, double rtol,
                    double atol);
/* any NaN or infinity */
int ku_has_nonfinite(const float *x, size_t n);

/* Appends bytes to a growing record of every output (compared across devices). */
typedef struct ku_digest {
    unsigned char *data;
    size_t len, cap;
} ku_digest;
void ku_digest_add(ku_digest *d, const void *p, size_t n);
void ku_digest_free(ku_digest *d);

#endif
