/* test_rng.c: the random stream of docs/rng.md.
 *  1. Philox4x32-10 known answers (Random123, quoted in docs/rng.md).
 *  2. tests/fixtures/rng_vectors.txt (written by tools/ardiff_ref/rng.py): philox, boxmuller
 *     and normal records, every value bit for bit.
 *  3. Distribution of 10^6 host draws: mean, variance, Kolmogorov-Smirnov statistic.
 *  4. The kernel stream (ardiff_rng_normal_f32) equals the host stream bit for bit on several
 *     coordinate sets, odd d included, on every selected device.
 * Usage: test_rng [--devices SPEC] [--require N]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/rng.h"
#include "ref/kutil.h"

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static void test_known_answers(void)
{
    const uint32_t c0[4] = {0, 0, 0, 0}, k0[2] = {0, 0};
    const uint32_t e0[4] = {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8};
    const uint32_t c1[4] = {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344};
    const uint32_t k1[2] = {0xa4093822, 0x299f31d0};
    const uint32_t e1[4] = {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1};
    uint32_t o[4];
    rng_philox4x32_10(c0, k0, o);
    CHECK(!memcmp(o, e0, sizeof o), "philox(0, 0) = %08x %08x %08x %08x", o[0], o[1], o[2], o[3]);
    rng_philox4x32_10(c1, k1, o);
    CHECK(!memcmp(o, e1, sizeof o), "philox(pi) = %08x %08x %08x %08x", o[0], o[1], o[2], o[3]);
}

/* One record of the fixture; returns 1 if it was understood. */
static int check_record(const char *line, int lineno)
{
    char kind[16];
    if (sscanf(line, "%15s", kind) != 1) return 0;
    if (!strcmp(kind, "philox")) {
        uint32_t c[4], k[2], x[4], o[4];
        if (sscanf(line, "%*s %x %x %x %x %x %x %x %x %x %x", &c[0], &c[1], &c[2], &c[3], &k[0],
                   &k[1], &x[0], &x[1], &x[2], &x[3]) != 10) return 0;
        rng_philox4x32_10(c, k, o);
        CHECK(!memcmp(o, x, sizeof o), "line %d: philox gives %08x %08x %08x %08x", lineno, o[0],
              o[1], o[2], o[3]);
        return 1;
    }
    if (!strcmp(kind, "boxmuller")) {
        uint32_t a, b, n0, n1;
        float f0, f1;
        if (sscanf(line, "%*s %x %x %x %x", &a, &b, &n0, &n1) != 4) return 0;
        rng_box_muller(a, b, &f0, &f1);
        CHECK(bits_of(f0) == n0 && bits_of(f1) == n1, "line %d: box-muller gives %08x %08x",
              lineno, bits_of(f0), bits_of(f1));
        return 1;
    }
    if (!strcmp(kind, "normal")) {
        unsigned long long seed;
        unsigned in, cand, step, pos, ch;
        uint32_t want;
        if (sscanf(line, "%*s %llx %u %u %u %u %u %x", &seed, &in, &cand, &step, &pos, &ch,
                   &want) != 7) return 0;
        float f = rng_normal(seed, in, cand, step, pos, ch);
        CHECK(bits_of(f) == want, "line %d: normal gives %08x (%.9g), want %08x", lineno,
              bits_of(f), f, want);
        return 1;
    }
    return 0;
}

static void test_fixture(void)
{
    const char *path = check_fixture("rng_vectors.txt");
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "cannot open %s (written by tools/ardiff_ref/rng.py --write)", path);
    if (!f) return;
    char line[512];
    int lineno = 0, records = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        const char *p = line + strspn(line, " \t");
        if (*p == '#' || *p == '\n' || *p == '\0') continue;
        int ok = check_record(p, lineno);
        CHECK(ok, "%s:%d: unreadable record: %s", path, lineno, line);
        records += ok;
    }
    fclose(f);
    CHECK(records >= 10, "%s holds only %d records", path, records);
    printf("rng fixture: %d records checked\n", records);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* mean, variance and KS statistic of 10^6 draws at fixed coordinates: deterministic, so the
 * bounds (about 5 standard errors; KS at the 0.1% level) never flake. */
static void test_distribution(void)
{
    const size_t n_pos = 1000, dim = 1000, n = n_pos * dim;
    float *x = malloc(n * sizeof *x);
    CHECK(x != NULL, "out of memory");
    if (!x) return;
    CHECK(rng_fill(0x0123456789abcdefull, 7, 3, 5, n_pos, dim, x) == 0, "rng_fill failed");
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) s += x[i];
    double mean = s / n;
    for (size_t i = 0; i < n; i++) s2 += (x[i] - mean) * (x[i] - mean);
    double var = s2 / (n - 1);
    qsort(x, n, sizeof *x, cmp_float);
    double ks = 0;
    for (size_t i = 0; i < n; i++) {
        double F = 0.5 * erfc(-x[i] / sqrt(2.0));
        double lo = F - (double)i / n, hi = (double)(i + 1) / n - F;
        if (lo > ks) ks = lo;
        if (hi > ks) ks = hi;
    }
    printf("rng distribution over %zu draws: mean %.2e, variance %.5f, KS %.2e\n", n, mean, var, ks);
    CHECK(fabs(mean) < 5.0 / sqrt((double)n), "mean %g", mean);           /* 5 sigma = 0.005 */
    CHECK(fabs(var - 1.0) < 5.0 * sqrt(2.0 / n), "variance %g", var);     /* 5 sigma = 0.007 */
    CHECK(ks < 1.95 / sqrt((double)n), "KS statistic %g", ks);            /* 0.1% level */
    free(x);
}

/* the kernel's [rows, N, d] against rng_fill per row, bit for bit */
static void test_kernel_stream(ocl_dev *dev, uint64_t seed, uint32_t step, int rows, int N, int d)
{
    ku_bufs bs = {.dev = dev};
    int32_t *in = malloc(sizeof(int32_t) * rows), *cand = malloc(sizeof(int32_t) * rows);
    size_t n = (size_t)rows * N * d;
    float *got = malloc(n * sizeof *got), *want = malloc(n * sizeof *want);
    for (int r = 0; r < rows; r++) {
        in[r] = 1000 + r / 3; /* several candidates per input, like the engine */
        cand[r] = r % 3;
        rng_fill(seed, (uint32_t)in[r], (uint32_t)cand[r], step, (size_t)N, (size_t)d,
                 want + (size_t)r * N * d);
    }
    ocl_buf *bi = ku_up(&bs, in, sizeof(int32_t) * rows), *bc = ku_up(&bs, cand, sizeof(int32_t) * rows);
    ocl_buf *bo = ku_up(&bs, NULL, (n + 5) * sizeof(float));
    if (!bs.failed) {
        ardiff_status st = ops_rng_normal(dev, bo, 5, bi, 0, bc, 0, rows, N, d, seed, step);
        CHECK(!ku_failed(st, "ops_rng_normal"), "launch");
        float *all = malloc((n + 5) * sizeof *all);
        if (st == ARDIFF_OK && !ku_down(&bs, bo, all, (n + 5) * sizeof *all)) {
            memcpy(got, all + 5, n * sizeof *got);
            size_t bad = 0;
            for (size_t i = 0; i < n; i++) bad += bits_of(got[i]) != bits_of(want[i]);
            CHECK(bad == 0, "device %d: %zu of %zu normals differ from the host stream "
                  "(seed %llx step %u rows %d N %d d %d); first: got %08x want %08x",
                  dev->desc.index, bad, n, (unsigned long long)seed, step, rows, N, d,
                  bits_of(got[0]), bits_of(want[0]));
            CHECK(all[0] == 0.0f && all[4] == 0.0f, "kernel wrote before its offset");
        }
        free(all);
    }
    CHECK(!bs.failed, "buffers");
    ku_free(&bs);
    free(in); free(cand); free(got); free(want);
}

int main(int argc, char **argv)
{
    test_known_answers();
    test_fixture();
    test_distribution();
    ocl_dev *devs[KU_MAX_DEVICES];
    int nd = 0;
    CHECK(ku_open_devices(argc, argv, devs, &nd) == 0, "no usable OpenCL device");
    for (int i = 0; i < nd; i++) {
        test_kernel_stream(devs[i], 0, 0, 1, 1, 1);
        test_kernel_stream(devs[i], 101, 0, 7, 13, 5);
        test_kernel_stream(devs[i], 0xfedcba9876543210ull, 3, 4, 54, 64);
        test_kernel_stream(devs[i], 42, 20, 3, 50, 131);
        test_kernel_stream(devs[i], 0xffffffffffffffffull, 0xffffffffu, 2, 3, 7);
    }
    ku_close_devices(devs, nd);
    return check_summary("test_rng");
}
