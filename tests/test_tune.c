/* test_tune.c: the per-device kernel tuning (runtime/ocl/tune.h) on the selected device (the
 * first one), in a private program-cache folder:
 *  - a measurement gives a valid table with a time for every variant it picked;
 *  - the stored file round-trips (load gives the stored table; ocl_dev_open applies it and says
 *    so); the first stored table wins over a later non-replacing store;
 *  - the environment beats the stored table (ARDIFF_KERNELS whole, ARDIFF_CLAMP clamping only);
 *  - a damaged (flipped byte, truncated) or foreign (another key's) file is ignored: the type
 *    defaults are used, a damaged one is deleted (its one warning line: tune_tests.sh);
 *  - the first-use policy: tunes and stores once; never with ARDIFF_TUNE=off, the cache off or
 *    an environment override;
 *  - the kernel suite (its stated tolerances against the C references) passes under the
 *    measured table and under a mixed one no kernel set has.
 * No timing is asserted. Usage: test_tune [--devices SPEC]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ocl/tune.h"
#include "ref/kutil.h"
#include "selftest/kernel_suite.h"

static int same(const ocl_variants *a, const ocl_variants *b)
{
    return !memcmp(a->v, b->v, sizeof a->v) && a->clamp_splits == b->clamp_splits;
}

/* small shapes: quick, and odd where it matters (N, S, V) */
static void small_shapes(ocl_tune_shapes *s)
{
    memset(s, 0, sizeof *s);
    s->k = 3; s->N = 7; s->S = 5; s->h = 32; s->heads = 4; s->ff = 64; s->d = 16; s->V = 301;
    snprintf(s->what, sizeof s->what, "test_tune's small shapes");
}

static ocl_dev *reopen(ocl_dev *dev, int index)
{
    ocl_dev_free(dev);
    ocl_dev *d = NULL;
    ardiff_status st = ocl_dev_open(index, &d);
    CHECK(st == ARDIFF_OK, "ocl_dev_open: %s", ardiff_last_error());
    return d;
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

/* overwrite one byte at off (negative: from the end) with c */
static void poke(const char *path, long off, char c)
{
    FILE *f = fopen(path, "r+b");
    if (!f) return;
    fseek(f, off, off < 0 ? SEEK_END : SEEK_SET);
    fputc(c, f);
    fclose(f);
}

static void suite_under(ocl_dev *dev, const ocl_variants *t, const char *what)
{
    int before = check_failed;
    CHECK(ocl_dev_set_variants(dev, t) == ARDIFF_OK, "%s: set", what);
    ku_digest dg;
    memset(&dg, 0, sizeof dg);
    kernel_suite_run(dev, &dg);
    ku_digest_free(&dg);
    char line[256];
    ocl_variants_format(t, line, sizeof line);
    printf("kernel suite under %s (%s): %d failures\n", what, line, check_failed - before);
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/ardiff-test-tune-XXXXXX", path[4200];
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    setenv("ARDIFF_CACHE_DIR", dir, 1);
    unsetenv("ARDIFF_CACHE");
    unsetenv("ARDIFF_KERNELS");
    unsetenv("ARDIFF_CLAMP");
    unsetenv("ARDIFF_TUNE");
    ocl_dev *devs[KU_MAX_DEVICES];
    int nd = 0;
    CHECK(ku_open_devices(argc, argv, devs, &nd) == 0 && nd > 0, "no usable OpenCL device");
    if (nd == 0) return check_summary("test_tune");
    for (int i = 1; i < nd; i++) ocl_dev_free(devs[i]);
    ocl_dev *dev = devs[0];
    const int index = dev->desc.index;
    ocl_variants defaults;
    ocl_variants_of_type(&dev->desc, &defaults);
    CHECK(same(ocl_dev_variants(dev), &defaults) &&
              !strncmp(ocl_dev_variants_origin(dev), "type defaults", 13),
          "no stored tuning: the type defaults (%s)", ocl_dev_variants_origin(dev));
    CHECK(ocl_tune_path(dev, path, sizeof path) && !strncmp(path, dir, strlen(dir)),
          "the tuning file is in the cache folder: %s", path);

    /* measuring */
    ocl_tune_shapes s;
    small_shapes(&s);
    ocl_tune_result r;
    ardiff_status st = ocl_tune_measure(dev, &s, &r);
    CHECK(st == ARDIFF_OK, "ocl_tune_measure: %s", ardiff_last_error());
    for (int op = 0; op < OCL_OP_COUNT; op++)
        CHECK(ocl_variant_name((ocl_op)op, r.table.v[op]) && r.ms[op][r.table.v[op]] >= 0,
              "%s: a measured variant is picked", ocl_op_name((ocl_op)op));
    CHECK(r.table.clamp_splits >= 0 && r.nsplits > 0, "clamp_splits measured");
    CHECK(same(ocl_dev_variants(dev), &defaults), "measuring leaves the device's table alone");
    char report[4096];
    ocl_tune_report(&r, report, sizeof report);
    printf("%s", report);

    /* round trip: a table no set has, stored, loaded, applied at open */
    ocl_tune_result mixed = r;
    ocl_variants_of_set(OCL_SET_GPU, &mixed.table);
    mixed.table.v[OCL_OP_LAYERNORM] = OCL_PER_ITEM;
    mixed.table.v[OCL_OP_CLAMP] = OCL_CLAMP_FUSED;
    mixed.table.clamp_splits = 3;
    st = ocl_tune_store(dev, &s, &mixed, 1, NULL, NULL);
    CHECK(st == ARDIFF_OK && access(path, F_OK) == 0, "stored: %s", ardiff_last_error());
    ocl_variants got = defaults;
    char shapes[256] = "";
    CHECK(ocl_tune_load(dev, &got, shapes, sizeof shapes) == 1 && same(&got, &mixed.table) &&
              strstr(shapes, "k=3 N=7 S=5 h=32 heads=4 ff=64 d=16 V=301"),
          "the stored table loads as stored (%s)", shapes);
    dev = reopen(dev, index);
    if (!dev) return check_summary("test_tune");
    CHECK(same(ocl_dev_variants(dev), &mixed.table) &&
              !strncmp(ocl_dev_variants_origin(dev), "stored tuning", 13),
          "ocl_dev_open applies the stored table (%s)", ocl_dev_variants_origin(dev));
    ocl_variants adopted;
    int was = 0;
    st = ocl_tune_store(dev, &s, &r, 0, &adopted, &was);
    CHECK(st == ARDIFF_OK && was == 1 && same(&adopted, &mixed.table),
          "a non-replacing store adopts the table already there");

    /* the environment beats the stored table */
    ocl_variants want;
    setenv("ARDIFF_KERNELS", "cpu", 1);
    dev = reopen(dev, index);
    if (!dev) return check_summary("test_tune");
    ocl_variants_of_set(OCL_SET_CPU, &want);
    CHECK(same(ocl_dev_variants(dev), &want) &&
              strstr(ocl_dev_variants_origin(dev), "ARDIFF_KERNELS"),
          "ARDIFF_KERNELS=cpu over the stored table (%s)", ocl_dev_variants_origin(dev));
    unsetenv("ARDIFF_KERNELS");
    setenv("ARDIFF_CLAMP", "gemm", 1);
    dev = reopen(dev, index);
    if (!dev) return check_summary("test_tune");
    want = mixed.table;
    want.v[OCL_OP_CLAMP] = OCL_CLAMP_GEMM;
    CHECK(same(ocl_dev_variants(dev), &want),
          "ARDIFF_CLAMP=gemm over the stored table's clamp only");
    CHECK(ocl_tune_first_use(dev, &s) == ARDIFF_OK &&
              strstr(ocl_dev_variants_origin(dev), "ARDIFF_CLAMP") &&
              same(ocl_dev_variants(dev), &want),
          "no tuning under an environment override");
    unsetenv("ARDIFF_CLAMP");

    /* the kernel suite under the measured table and the mixed one */
    suite_under(dev, &r.table, "the measured table");
    suite_under(dev, &mixed.table, "a mixed table");

    /* damaged, truncated, foreign: ignored, the type defaults */
    long size = file_size(path);
    poke(path, size / 2, '#');
    dev = reopen(dev, index);
    if (!dev) return check_summary("test_tune");
    CHECK(same(ocl_dev_variants(dev), &defaults) && access(path, F_OK) != 0,
          "a flipped byte: defaults, the file deleted");
    CHECK(ocl_tune_store(dev, &s, &mixed, 1, NULL, NULL) == ARDIFF_OK, "stored again");
    CHECK(truncate(path, file_size(path) - 5) == 0, "truncate");
    dev = reopen(dev, index);
    if (!dev) return check_summary("test_tune");
    CHECK(same(ocl_dev_variants(dev), &defaults) && access(path, F_OK) != 0,
          "a truncated file: defaults, the file deleted");
    /* another key's file (another source hash) put in this key's place */
    char other[4200];
    uint64_t saved = dev->source_hash[0];
    dev->source_hash[0] ^= 1;
    CHECK(ocl_tune_store(dev, &s, &mixed, 1, NULL, NULL) == ARDIFF_OK &&
              ocl_tune_path(dev, other, sizeof other), "stored under another key");
    dev->source_hash[0] = saved;
    CHECK(strcmp(other, path) && rename(other, path) == 0, "moved into this key's place");
    got = defaults;
    CHECK(ocl_tune_load(dev, &got, NULL, 0) == 0 && same(&got, &defaults) &&
              access(path, F_OK) == 0, "a foreign file: ignored, kept");

    /* the first-use policy */
    setenv("ARDIFF_TUNE", "off", 1);
    unlink(path);
    CHECK(ocl_tune_first_use(dev, &s) == ARDIFF_OK && access(path, F_OK) != 0,
          "ARDIFF_TUNE=off: no tuning");
    unsetenv("ARDIFF_TUNE");
    setenv("ARDIFF_CACHE", "off", 1);
    CHECK(ocl_tune_first_use(dev, &s) == ARDIFF_OK && access(path, F_OK) != 0 &&
              same(ocl_dev_variants(dev), &defaults), "cache off: no tuning");
    unsetenv("ARDIFF_CACHE");
    CHECK(ocl_tune_first_use(dev, &s) == ARDIFF_OK && access(path, F_OK) == 0 &&
              !strncmp(ocl_dev_variants_origin(dev), "stored tuning", 13),
          "first use: tuned and stored (%s)", ocl_dev_variants_origin(dev));
    ocl_variants tuned = *ocl_dev_variants(dev);
    dev = reopen(dev, index);
    if (!dev) return check_summary("test_tune");
    CHECK(same(ocl_dev_variants(dev), &tuned), "the next open uses the first use's table");
    ocl_dev_free(dev);
    unlink(path);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "test_tune: could not remove %s\n", dir);
    return check_summary("test_tune");
}
