/* test_clamp.c: clamping to the vocabulary (ops_round_nearest), the fused kernel (cl/clamp.cl)
 * against the GEMM + argmin path and against the C reference (tests/ref), on shapes with exact
 * ties and with near-ties that fp32 rounding alone decides.
 *
 * What must hold (issue 18, point 1): with the cpu kernel set, whose tiled GEMM shares its
 * accumulation order with the fused kernel, the fused variant chooses exactly what the GEMM +
 * argmin variant chooses: ids and output rows equal byte for byte, however the vocabulary is
 * sliced (automatic, 1, 2, 3 slices, the most there can be), in place or not, at non-zero
 * offsets (d beyond OPS_CLAMP_MAX_D: the GEMM path runs either way). Under both kernel sets
 * both variants also agree with ref_nearest (double, direct differences): the output row is
 * the chosen row of E, its distance is within the expansion's tolerance of the true minimum,
 * and a row of E is never chosen over an identical lower-id twin.
 * Data (make_gauss, make_perm, make_nudge):
 *   gauss: random E with duplicated rows; x = a row of E (also the higher twin: the lower id
 *          must win), a noisy row, a far point, the zero vector, and rows with a NaN or an inf;
 *   perm:  E rows are permutations, within blocks of 8 channels, of one base vector, and x is
 *          constant on those blocks: every distance is the same real number, so only the fp32
 *          rounding of the sums decides (the test checks that it does decide: some rows must
 *          not pick the lowest id);
 *   nudge: pairs of E rows a few ulps apart with x equal to the second of a pair: both distances
 *          are about 0, are often clamped to 0 and tie.
 * With several devices (--devices all --require 2 under POCL_DEVICES="pthread pthread") every
 * id must also be the same on each device.
 * Usage: test_clamp [--devices SPEC] [--require N]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ref/kutil.h"
#include "selftest/ref_ops.h"

enum { KIND_GAUSS, KIND_PERM, KIND_NUDGE };
static const char *const kind_name[] = {"gauss", "perm", "nudge"};

typedef struct ccase {
    int M, V, d, kind;
} ccase;

/* element offsets of every tensor: kernels must honour them */
enum { X_OFF = 5, E_OFF = 3, N_OFF = 2, S_OFF = 7, O_OFF = 11, ID_OFF = 4 };

typedef struct cdata {
    ccase c;
    float *E, *x; /* [V, d], [M, d] */
    ku_bufs bs;
    ocl_buf *bE, *bn, *bx, *bxi, *bS, *bo, *bi;
} cdata;

#define FB(n) ((size_t)(n) * sizeof(float))
#define IB(n) ((size_t)(n) * sizeof(int32_t))

/* ---- data ------------------------------------------------------------------------------- */
static void make_gauss(ku_rng *r, const ccase *c, float *E, float *x)
{
    const int V = c->V, d = c->d;
    ku_fill_gauss(r, E, (size_t)V * d, 1.0);
    for (int j = 5; j + 2 < V; j += 7) /* twins: row j + 2 repeats row j */
        memcpy(E + (size_t)(j + 2) * d, E + (size_t)j * d, FB(d));
    for (int m = 0; m < c->M; m++) {
        float *xm = x + (size_t)m * d;
        const int j = m == 0 && V > 7 ? 7 : (int)(ku_uniform(r) * V), kind = m % 5;
        for (int k = 0; k < d; k++) {
            const float e = E[(size_t)j * d + k], g = (float)ku_gauss(r);
            xm[k] = kind == 0 ? e : kind == 1 ? e + 0.05f * g : kind == 2 ? 3.0f * g
                  : kind == 3 ? 0.0f : 0.3f * e + g;
        }
    }
    if (c->M >= 8) {
        x[(size_t)(c->M - 1) * d] = NAN;
        x[(size_t)(c->M - 2) * d] = INFINITY;
    }
}

static void make_perm(ku_rng *r, const ccase *c, float *E, float *x)
{
    const int V = c->V, d = c->d;
    float *base = malloc(FB(d));
    ku_fill_gauss(r, base, (size_t)d, 1.0);
    for (int j = 0; j < V; j++) {
        float *e = E + (size_t)j * d;
        memcpy(e, base, FB(d));
        for (int b = 0; b < d; b += 8) /* Fisher-Yates inside the block [b, b + 8) */
            for (int k = (b + 8 < d ? b + 8 : d) - 1; k > b; k--) {
                int i = b + (int)(ku_uniform(r) * (k - b + 1));
                float t = e[k];
                e[k] = e[i];
                e[i] = t;
            }
    }
    for (int m = 0; m < c->M; m++)
        for (int b = 0; b < d; b += 8) {
            const float v = m % 3 == 0 ? 0.5f : (float)ku_gauss(r);
            for (int k = b; k < d && k < b + 8; k++) x[(size_t)m * d + k] = v;
        }
    free(base);
}

static void make_nudge(ku_rng *r, const ccase *c, float *E, float *x)
{
    const int V = c->V, d = c->d;
    ku_fill_gauss(r, E, (size_t)V * d, 1.0);
    for (int j = 0; j + 1 < V; j += 2)
        for (int k = 0; k < d; k++) {
            const float e = E[(size_t)j * d + k];
            const int ulps = (int)(ku_uniform(r) * 4) - 2;
            float v = e;
            for (int u = 0; u < (ulps < 0 ? -ulps : ulps); u++)
                v = nextafterf(v, ulps < 0 ? -INFINITY : INFINITY);
            E[(size_t)(j + 1) * d + k] = v;
        }
    for (int m = 0; m < c->M; m++) {
        const int j = V > 1 ? 2 * (int)(ku_uniform(r) * (V / 2)) + 1 : 0;
        memcpy(x + (size_t)m * d, E + (size_t)j * d, FB(d));
    }
}

/* ---- device runs ------------------------------------------------------------------------ */
static int setup(ocl_dev *dev, ku_rng *r, const ccase *c, cdata *t)
{
    const size_t M = (size_t)c->M, V = (size_t)c->V, d = (size_t)c->d;
    memset(t, 0, sizeof *t);
    t->c = *c;
    t->bs.dev = dev;
    t->E = calloc(E_OFF + V * d, sizeof(float));
    t->x = calloc(X_OFF + M * d, sizeof(float));
    if (!t->E || !t->x) return -1;
    float *E = t->E + E_OFF, *x = t->x + X_OFF;
    if (c->kind == KIND_GAUSS) make_gauss(r, c, E, x);
    else if (c->kind == KIND_PERM) make_perm(r, c, E, x);
    else make_nudge(r, c, E, x);
    t->bE = ku_up(&t->bs, t->E, FB(E_OFF + V * d));
    t->bn = ku_up(&t->bs, NULL, FB(N_OFF + V));
    t->bx = ku_up(&t->bs, t->x, FB(X_OFF + M * d));
    t->bxi = ku_up(&t->bs, t->x, FB(X_OFF + M * d));
    t->bS = ku_up(&t->bs, NULL, FB(S_OFF + M * V));
    t->bo = ku_up(&t->bs, NULL, FB(O_OFF + M * d));
    t->bi = ku_up(&t->bs, NULL, IB(ID_OFF + M));
    if (t->bs.failed) return -1;
    return ku_failed(ops_row_sqnorm(dev, t->bE, E_OFF, t->bn, N_OFF, c->V, c->d), "ops_row_sqnorm");
}

static void teardown(cdata *t)
{
    ku_free(&t->bs);
    free(t->E);
    free(t->x);
}

/* one clamping with the given variant and slices; ids [M], out [M, d] read back; 0 or -1 */
static int run(cdata *t, int fused, int splits, int inplace, int32_t *ids, float *out)
{
    ocl_dev *dev = t->bs.dev;
    const size_t M = (size_t)t->c.M, d = (size_t)t->c.d;
    ocl_buf *xin = t->bx, *o = t->bo;
    size_t o_off = O_OFF;
    if (inplace) {
        if (ku_failed(ocl_buf_write(dev, t->bxi, 0, t->x, FB(X_OFF + M * d)), "upload")) return -1;
        xin = o = t->bxi;
        o_off = X_OFF;
    }
    const ocl_variants saved = *ocl_dev_variants(dev);
    ocl_variants v = saved;
    v.v[OCL_OP_CLAMP] = fused ? OCL_CLAMP_FUSED : OCL_CLAMP_GEMM;
    v.clamp_splits = splits;
    ardiff_status st = ocl_dev_set_variants(dev, &v);
    if (st == ARDIFF_OK)
        st = ops_round_nearest(dev, xin, X_OFF, t->bE, E_OFF, t->bn, N_OFF, t->bS, S_OFF, o, o_off,
                               t->bi, ID_OFF, t->c.M, t->c.V, t->c.d);
    ocl_dev_set_variants(dev, &saved);
    if (ku_failed(st, "ops_round_nearest")) return -1;
    float *all = malloc(FB(o_off + M * d + 1));
    int32_t *iall = malloc(IB(ID_OFF + M + 1));
    int rc = !all || !iall || ku_down(&t->bs, o, all, FB(o_off + M * d)) ||
             ku_down(&t->bs, t->bi, iall, IB(ID_OFF + M));
    if (!rc) {
        memcpy(out, all + o_off, FB(M * d));
        memcpy(ids, iall + ID_OFF, IB(M));
    }
    free(all);
    free(iall);
    return rc ? -1 : 0;
}

/* ---- checks ----------------------------------------------------------------------------- */
/* rows where (ids, out) differ from the GEMM path's; the first one is printed */
static int count_diff(const cdata *t, const char *what, const int32_t *ids, const float *out,
                      const int32_t *ids0, const float *out0)
{
    const int d = t->c.d;
    int bad = 0;
    for (int m = 0; m < t->c.M; m++)
        if (ids[m] != ids0[m] || memcmp(out + (size_t)m * d, out0 + (size_t)m * d, FB(d))) {
            if (!bad++)
                fprintf(stderr, "  %s: row %d: id %d, GEMM + argmin chose %d\n", what, m, ids[m],
                        ids0[m]);
        }
    return bad;
}

static int finite_row(const float *x, int d)
{
    for (int k = 0; k < d; k++)
        if (!isfinite(x[k])) return 0;
    return 1;
}

/* against ref_nearest: see the header. Returns the number of rows not choosing the lowest of
 * the ids at the minimal real distance (near-ties decided by rounding). */
static int check_ref(const cdata *t, const char *what, const int32_t *ids, const float *out)
{
    const int M = t->c.M, V = t->c.V, d = t->c.d;
    const float *E = t->E + E_OFF, *x = t->x + X_OFF;
    double emax = 0;
    for (int j = 0; j < V; j++) {
        double n = 0;
        for (int k = 0; k < d; k++) n += (double)E[(size_t)j * d + k] * E[(size_t)j * d + k];
        emax = fmax(emax, n);
    }
    int decided = 0;
    for (int m = 0; m < M; m++) {
        const float *xm = x + (size_t)m * d;
        const int id = ids[m];
        if (!finite_row(xm, d)) continue;
        CHECK(id >= 0 && id < V, "%s row %d: id %d outside [0, %d)", what, m, id, V);
        if (id < 0 || id >= V) continue;
        const float *e = E + (size_t)id * d;
        CHECK(!memcmp(out + (size_t)m * d, e, FB(d)), "%s row %d: output is not row %d of E", what,
              m, id);
        int twin = -1;
        for (int j = id - 1; j >= 0; j--)
            if (!memcmp(E + (size_t)j * d, e, FB(d))) twin = j;
        CHECK(twin < 0, "%s row %d: chose %d over its identical twin %d", what, m, id, twin);
        double best, xn = 0;
        const int want = ref_nearest(xm, E, V, d, &best);
        for (int k = 0; k < d; k++) xn += (double)xm[k] * xm[k];
        /* the expansion ||x||^2 + ||e||^2 - 2 x.e in fp32: within 1e-5 (||x||^2 + max ||e||^2) */
        const double got = ref_sqdist(xm, e, d), tol = 1e-5 * (xn + emax);
        CHECK(got <= best + tol, "%s row %d: distance %.9g > min %.9g + %.3g", what, m, got, best,
              tol);
        decided += id != want;
    }
    return decided;
}

/* ---- one case on one device ------------------------------------------------------------- */
/* Under the cpu kernel set: the fused variant, sliced every way, in place or not, equals the
 * GEMM + argmin path. Under both sets: both variants against the reference. The GEMM path's
 * ids go to the digest (compared across devices). */
static void run_case(ocl_dev *dev, ku_rng *r, const ccase *c, ku_digest *dg)
{
    cdata t;
    const size_t M = (size_t)c->M, d = (size_t)c->d;
    int32_t *ids0 = calloc(M + 1, sizeof *ids0), *ids = calloc(M + 1, sizeof *ids);
    float *out0 = calloc(M * d + 1, sizeof *out0), *out = calloc(M * d + 1, sizeof *out);
    char what[160];
    const ocl_variants set0 = *ocl_dev_variants(dev);
    int ok = ids0 && ids && out0 && out && setup(dev, r, c, &t) == 0;
    CHECK(ok, "set-up of %s M %d V %d d %d", kind_name[c->kind], c->M, c->V, c->d);
    const int splits[] = {0, 1, 2, 3, 1 << 20};
    for (int set = OCL_SET_CPU; ok && set >= OCL_SET_GPU; set--) {
        ocl_variants table;
        ocl_variants_of_set(set, &table);
        if (ku_failed(ocl_dev_set_variants(dev, &table), "ocl_dev_set_variants")) {
            check_failed++;
            break;
        }
        snprintf(what, sizeof what, "%s M %d V %d d %d, %s set", kind_name[c->kind], c->M, c->V,
                 c->d, set ? "cpu" : "gpu");
        ok = run(&t, 0, 0, 0, ids0, out0) == 0;
        CHECK(ok, "%s: GEMM + argmin", what);
        if (!ok) break;
        int decided = check_ref(&t, what, ids0, out0);
        if (set) ku_digest_add(dg, ids0, IB(M));
        if (set && c->kind == KIND_PERM)
            CHECK(decided > 0, "%s: no row's choice was decided by rounding: the case tests "
                  "nothing", what);
        for (int i = 0; i < (int)(sizeof splits / sizeof splits[0]); i++)
            for (int inplace = 0; inplace <= 1; inplace++) {
                char v[200];
                snprintf(v, sizeof v, "%s, fused (slices %d%s)", what, splits[i],
                         inplace ? ", in place" : "");
                CHECK(run(&t, 1, splits[i], inplace, ids, out) == 0, "%s: launch", v);
                check_ref(&t, v, ids, out);
                if (set) { /* the property: identical choices */
                    int bad = count_diff(&t, v, ids, out, ids0, out0);
                    CHECK(bad == 0, "%s: %d of %d rows differ from GEMM + argmin", v, bad, c->M);
                }
            }
    }
    ocl_dev_set_variants(dev, &set0);
    if (t.E) teardown(&t);
    free(ids0); free(ids); free(out0); free(out);
}

int main(int argc, char **argv)
{
    static const ccase cases[] = {
        {1, 1, 1, KIND_GAUSS},     {3, 2, 5, KIND_GAUSS},     {9, 5, 3, KIND_GAUSS},
        {17, 37, 13, KIND_GAUSS},  {33, 257, 8, KIND_GAUSS},  {54, 1000, 64, KIND_GAUSS},
        {131, 4099, 128, KIND_GAUSS}, {40, 600, 64, KIND_PERM}, {21, 301, 128, KIND_PERM},
        {16, 97, 24, KIND_PERM},   {5, 64, 21, KIND_PERM},    {19, 203, 64, KIND_NUDGE},
        {7, 50, 9, KIND_NUDGE},    {5, 40, OPS_CLAMP_MAX_D + 3, KIND_GAUSS}};
    ocl_dev *devs[KU_MAX_DEVICES];
    ku_digest dg[KU_MAX_DEVICES];
    int nd = 0;
    memset(dg, 0, sizeof dg);
    CHECK(ku_open_devices(argc, argv, devs, &nd) == 0, "no usable OpenCL device: the clamping "
          "test needs one (e.g. PoCL: apt-get install pocl-opencl-icd)");
    for (int i = 0; i < nd; i++) {
        int before = check_failed;
        ku_rng r = {0xC1A4Bull};
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
            run_case(devs[i], &r, &cases[c], &dg[i]);
        printf("device %d (%s): %d failures\n", devs[i]->desc.index, devs[i]->desc.name,
               check_failed - before);
    }
    for (int i = 1; i < nd; i++)
        CHECK(dg[i].len == dg[0].len && !memcmp(dg[i].data, dg[0].data, dg[0].len),
              "device %d's choices differ from device %d's", devs[i]->desc.index,
              devs[0]->desc.index);
    for (int i = 0; i < nd; i++) ku_digest_free(&dg[i]);
    ku_close_devices(devs, nd);
    return check_summary("test_clamp");
}
