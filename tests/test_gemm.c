/* test_gemm.c: ocl_gemm, through CLBlast and through the tiled kernel (cl/gemm.cl, A·Bᵀ only;
 * the other cases go to CLBlast on both passes), against a double-accumulating C reference:
 * row-major, both transposes, offsets, leading dimensions larger than needed, strided batches,
 * the temporary buffer reserved once per kernel set with ocl_gemm_reserve (it must not grow
 * afterwards; shapes that run on the tiled kernel need none), on
 * small odd shapes and on the GEMM shapes of the official CommonGen (h 128, d_emb 64, N 54,
 * k 10 candidates, vocab 30522) and XSUM (h 512, d_emb 128, N 50, FFN 2048/4096) models.
 * Tolerance: normalised squared error < 1e-10 (fp32 accumulation over k <= 2048 gives ~1e-12).
 * Usage: test_gemm [--devices SPEC] [--require N]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ref/kutil.h"
#include "selftest/ref_ops.h"

typedef struct shape {
    const char *name;
    int ta, tb, m, n, k, batch;
    int pad; /* extra offset and leading-dimension padding */
    float alpha, beta;
} shape;

static const shape SHAPES[] = {
    {"1x1x1", 0, 0, 1, 1, 1, 1, 0, 1.0f, 0.0f},
    {"odd NN", 0, 0, 3, 5, 7, 1, 1, 1.0f, 0.0f},
    {"odd NT", 0, 1, 17, 13, 31, 1, 2, 0.5f, 1.0f},
    {"NT k < 4, m n not multiples of 4", 0, 1, 6, 5, 3, 1, 1, 1.0f, 0.0f},
    {"NT one row, k 4j+1", 0, 1, 1, 9, 9, 1, 3, 2.0f, 0.5f},
    {"odd TN", 1, 0, 67, 129, 65, 1, 3, 1.0f, -0.25f},
    {"odd TT", 1, 1, 5, 3, 2, 1, 1, -1.0f, 0.0f},
    {"batched NT", 0, 1, 5, 7, 11, 3, 2, 1.0f, 0.0f},
    {"batched NN (attention-like)", 0, 0, 13, 16, 13, 8, 1, 1.0f, 0.0f},
    /* CommonGen: 10 candidates x N 54 = 540 rows */
    {"CommonGen up-proj d_emb->2h", 0, 1, 540, 256, 64, 1, 0, 1.0f, 0.0f},
    {"CommonGen QKV h->3h", 0, 1, 540, 384, 128, 1, 0, 1.0f, 0.0f},
    {"CommonGen GEGLU in h->8h", 0, 1, 540, 1024, 128, 1, 0, 1.0f, 0.0f},
    {"CommonGen FFN out 4h->h", 0, 1, 540, 128, 512, 1, 0, 1.0f, 0.0f},
    {"CommonGen cross K/V of src 128", 0, 1, 128, 256, 128, 1, 0, 1.0f, 0.0f},
    {"CommonGen rounding x E^T", 0, 1, 540, 30522, 64, 1, 0, 1.0f, 0.0f},
    /* XSUM: 10 candidates x N 50 = 500 rows */
    {"XSUM GEGLU in h->8h", 0, 1, 500, 4096, 512, 1, 0, 1.0f, 0.0f},
    {"XSUM FFN out 4h->h", 0, 1, 500, 512, 2048, 1, 0, 1.0f, 0.0f},
};
#define NSHAPES ((int)(sizeof SHAPES / sizeof SHAPES[0]))

/* operand sizes: op(A) [m, k] stored as A [m, k] or [k, m]; lda = stored cols + pad */
static void layout(const shape *s, ocl_gemm_args *g)
{
    memset(g, 0, sizeof *g);
    g->trans_a = s->ta;
    g->trans_b = s->tb;
    g->m = (size_t)s->m;
    g->n = (size_t)s->n;
    g->k = (size_t)s->k;
    g->alpha = s->alpha;
    g->beta = s->beta;
    g->lda = (size_t)(s->ta ? s->m : s->k) + s->pad;
    g->ldb = (size_t)(s->tb ? s->k : s->n) + s->pad;
    g->ldc = (size_t)s->n + s->pad;
    g->a_off = g->b_off = g->c_off = (size_t)s->pad;
    g->batch = (size_t)s->batch;
    g->a_stride = (size_t)(s->ta ? s->k : s->m) * g->lda + s->pad;
    g->b_stride = (size_t)(s->tb ? s->n : s->k) * g->ldb + s->pad;
    g->c_stride = (size_t)s->m * g->ldc + s->pad;
}

static size_t total(size_t off, size_t stride, size_t batch, size_t rows, size_t ld)
{
    return off + (batch - 1) * stride + rows * ld;
}

/* every element of the m x n views of C (each batch) = v */
static void set_c_views(const ocl_gemm_args *g, float *C, float v)
{
    for (size_t i = 0; i < g->batch; i++)
        for (size_t r = 0; r < g->m; r++)
            for (size_t c = 0; c < g->n; c++) C[g->c_off + i * g->c_stride + r * g->ldc + c] = v;
}

static void run_shape(ocl_dev *dev, const shape *s, size_t reserved)
{
    ocl_gemm_args g;
    layout(s, &g);
    const size_t na = total(g.a_off, g.a_stride, g.batch, s->ta ? g.k : g.m, g.lda);
    const size_t nb = total(g.b_off, g.b_stride, g.batch, s->tb ? g.n : g.k, g.ldb);
    const size_t nc = total(g.c_off, g.c_stride, g.batch, g.m, g.ldc);
    float *A = malloc(na * sizeof *A), *B = malloc(nb * sizeof *B);
    float *C = malloc(nc * sizeof *C), *want = malloc(nc * sizeof *want);
    ku_rng rng = {(uint64_t)s->m * 1000003u + (uint64_t)s->n * 101u + (uint64_t)s->k};
    ku_fill_gauss(&rng, A, na, 1.0);
    ku_fill_gauss(&rng, B, nb, 1.0);
    ku_fill_gauss(&rng, C, nc, 1.0);
    if (s->beta == 0.0f) /* BLAS semantics: C is not read when beta is 0; padding must survive */
        set_c_views(&g, C, NAN);
    memcpy(want, C, nc * sizeof *C);
    ku_bufs bs = {.dev = dev};
    ocl_buf *ba = ku_up(&bs, A, na * sizeof *A), *bb = ku_up(&bs, B, nb * sizeof *B);
    ocl_buf *bc = ku_up(&bs, C, nc * sizeof *C);
    if (!bs.failed) {
        g.a = ba;
        g.b = bb;
        g.c = bc;
        CHECK(!ku_failed(ocl_gemm(dev, &g), s->name), "gemm %s", s->name);
        if (!ku_down(&bs, bc, C, nc * sizeof *C)) {
            if (s->beta == 0.0f) set_c_views(&g, want, 0.0f); /* nor does the reference */
            for (size_t i = 0; i < g.batch; i++)
                ref_gemm(s->ta, s->tb, s->m, s->n, s->k, s->alpha, A + g.a_off + i * g.a_stride,
                         g.lda, B + g.b_off + i * g.b_stride, g.ldb, s->beta,
                         want + g.c_off + i * g.c_stride, g.ldc);
            double nse = ku_nse(C, want, nc);
            CHECK(nse < 1e-10, "%s (m %d n %d k %d trans %d%d batch %d): NSE %.3g", s->name, s->m,
                  s->n, s->k, s->ta, s->tb, s->batch, nse);
            printf("  %-34s m %5d n %5d k %5d: NSE %.2e\n", s->name, s->m, s->n, s->k, nse);
        }
        CHECK(dev->gemm_tmp_bytes == reserved, "%s: the temporary buffer grew from %zu to %zu "
              "bytes after ocl_gemm_reserve", s->name, reserved, dev->gemm_tmp_bytes);
    }
    CHECK(!bs.failed, "buffers");
    ku_free(&bs);
    free(A); free(B); free(C); free(want);
}

/* Switches dev's gemm_nt variant (the rest of its table unchanged); a failure counts as one. */
static void use_gemm(ocl_dev *dev, int variant)
{
    ocl_variants t = *ocl_dev_variants(dev);
    t.v[OCL_OP_GEMM_NT] = variant;
    if (ku_failed(ocl_dev_set_variants(dev, &t), "ocl_dev_set_variants")) check_failed++;
}

/* A leading dimension smaller than the row is an error on both paths, never a silent overlap. */
static void bad_leading_dims(ocl_dev *dev)
{
    float host[64] = {0};
    ku_bufs bs = {.dev = dev};
    ocl_buf *b = ku_up(&bs, host, sizeof host);
    if (!bs.failed) {
        ocl_gemm_args g = {.trans_b = 1, .m = 4, .n = 4, .k = 8, .alpha = 1.0f, .a = b, .lda = 4,
                           .b = b, .ldb = 8, .c = b, .ldc = 4, .batch = 1};
        const int tiled = ocl_dev_variants(dev)->v[OCL_OP_GEMM_NT] == OCL_GEMM_TILED;
        CHECK(ocl_gemm(dev, &g) != ARDIFF_OK, "lda 4 < k 8 accepted (%s)",
              tiled ? "tiled" : "CLBlast");
        g.lda = 8;
        g.ldc = 3;
        CHECK(ocl_gemm(dev, &g) != ARDIFF_OK, "ldc 3 < n 4 accepted (%s)",
              tiled ? "tiled" : "CLBlast");
    }
    CHECK(!bs.failed, "buffers");
    ku_free(&bs);
}

/* A temporary buffer beyond the device's max allocation is refused before clCreateBuffer, and
 * the reserved one stays as it was. */
static void reserve_over_max_alloc(ocl_dev *dev)
{
    const ocl_variants saved = *ocl_dev_variants(dev);
    uint64_t max_alloc = dev->desc.max_alloc;
    size_t before = dev->gemm_tmp_bytes;
    use_gemm(dev, OCL_GEMM_CLBLAST);
    ocl_gemm_args g = {.m = 5000, .n = 5000, .k = 5000, .lda = 5000, .ldb = 5000, .ldc = 5000,
                       .batch = 1};
    size_t need = 0;
    CHECK(!ku_failed(ocl_gemm_temp_bytes(dev, &g, 1, &need), "temp bytes"), "temp bytes");
    dev->desc.max_alloc = need > before ? need - 1 : 0;
    CHECK(need > before && ocl_gemm_reserve(dev, &g, 1) == ARDIFF_E_OOM &&
              strstr(ardiff_last_error(), "exceeds the max allocation"),
          "temporary of %zu bytes over max alloc %llu: %s", need,
          (unsigned long long)dev->desc.max_alloc, ardiff_last_error());
    CHECK(dev->gemm_tmp_bytes == before, "the reserved buffer changed");
    dev->desc.max_alloc = max_alloc;
    ocl_dev_set_variants(dev, &saved);
}

int main(int argc, char **argv)
{
    ocl_dev *devs[KU_MAX_DEVICES];
    int nd = 0;
    CHECK(ku_open_devices(argc, argv, devs, &nd) == 0, "no usable OpenCL device");
    for (int d = 0; d < nd; d++) {
        ocl_gemm_args plan[NSHAPES];
        for (int i = 0; i < NSHAPES; i++) layout(&SHAPES[i], &plan[i]);
        for (int tiled = 0; tiled <= 1; tiled++) {
            /* reserved for the variant in use: shapes that run tiled need no temporary */
            use_gemm(devs[d], tiled ? OCL_GEMM_TILED : OCL_GEMM_CLBLAST);
            CHECK(!ku_failed(ocl_gemm_reserve(devs[d], plan, NSHAPES), "ocl_gemm_reserve"),
                  "reserve");
            size_t reserved = devs[d]->gemm_tmp_bytes;
            printf("device %d: CLBlast temporary buffer %zu bytes\n", devs[d]->desc.index,
                   reserved);
            printf("device %d, %s:\n", devs[d]->desc.index,
                   tiled ? "tiled kernel for A.B^T (cl/gemm.cl), CLBlast for the rest" : "CLBlast");
            for (int i = 0; i < NSHAPES; i++) run_shape(devs[d], &SHAPES[i], reserved);
            bad_leading_dims(devs[d]);
        }
        reserve_over_max_alloc(devs[d]);
    }
    ku_close_devices(devs, nd);
    return check_summary("test_gemm");
}
