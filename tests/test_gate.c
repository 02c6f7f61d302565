/* test_gate.c: the optional kernel paths and the start-up self-test that gates them
 * (docs/numerics.md, "Subgroups and fp16 arithmetic"; runtime/ocl/sg_gate.c, dev.c).
 *
 *  1. The sources: no kernel enables cl_khr_fp16 (OpenCL C 1.2 allows no half variable or
 *     half arithmetic without it: there is no fp16-arithmetic path; fp16 storage expands with
 *     vload_half, test_fp16), and every subgroup built-in lies inside common.cl's subgroup block,
 *     the one gated path. A new path of either kind fails here until it is gated and tested.
 *  2. Per selected device that claims subgroups (cl_khr_subgroups or cl_intel_subgroups):
 *     a. opened as usual, the subgroup reductions are on (the self-test passed; a device that
 *        claims them but runs without them FAILS: the path would go untested), and the gpu
 *        kernel set's layer norm and attention, which use them, meet the C reference;
 *     b. with ARDIFF_FAULT_SUBGROUPS=1 (the reductions built with a deliberate defect) the gate
 *        refuses them: state REFUSED, exactly one warning naming the self-test's errors (which
 *        must be far outside the tolerance: the fault took effect), and the same kernels, now on
 *        the work-group reductions, still meet the reference;
 *     c. with ARDIFF_SUBGROUPS=off they are off, and the kernels meet the reference.
 *     A device that claims no subgroups is checked to stay UNCLAIMED (fault or not, no warning),
 *     and the test says that the gate was not exercised there.
 * The closing lines say what was covered on which device. No OpenCL device: FAIL.
 * --require-gated N: FAIL unless the gate was exercised on at least N devices (tests/run.sh
 * passes 1 with Intel's CPU runtime, so that a device that stops claiming subgroups is noticed).
 * Usage: test_gate [--devices SPEC] [--require-gated N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ref/kutil.h"
#include "selftest/ref_ops.h"

/* ---- 1. the sources ------------------------------------------------------------------------ */
static void check_sources(void)
{
    char *text = NULL, origin[256];
    size_t len = 0;
    if (ku_failed(ocl_program_source(&text, &len, origin, sizeof origin), "ocl_program_source")) {
        check_failed++;
        return;
    }
    int in_block = 0, blocks = 0, sg_lines = 0, stray = 0, fp16 = 0;
    for (char *line = text; line && *line;) {
        char *end = strchr(line, '\n');
        if (end) *end = '\0';
        if (strstr(line, "BEGIN subgroup block")) in_block = 1, blocks++;
        if (strstr(line, "END subgroup block")) in_block = 0;
        if (strstr(line, "sub_group")) {
            sg_lines++;
            if (!in_block) {
                stray++;
                fprintf(stderr, "subgroup built-in outside the gated block: %s\n", line);
            }
        }
        if (strstr(line, "#pragma") && strstr(line, "cl_khr_fp16")) {
            fp16++;
            fprintf(stderr, "fp16 arithmetic enabled: %s\n", line);
        }
        line = end ? end + 1 : NULL;
    }
    CHECK(blocks == 1 && sg_lines > 0, "expected one subgroup block using subgroup built-ins, "
          "found %d blocks, %d lines", blocks, sg_lines);
    CHECK(stray == 0, "%d subgroup built-in line(s) outside common.cl's gated block", stray);
    CHECK(fp16 == 0, "%d kernel line(s) enable cl_khr_fp16: an fp16-arithmetic path needs a gate "
          "and a test here", fp16);
    printf("sources (%s): %d subgroup lines, all in the gated block; no kernel enables cl_khr_fp16 "
           "(no fp16-arithmetic path)\n", origin, sg_lines);
    free(text);
}

/* ---- log capture --------------------------------------------------------------------------- */
static int warnings, refusals;
static void sink(ardiff_log_level level, const char *msg, void *user)
{
    (void)user;
    if (level < ARDIFF_LOG_WARN) return;
    fprintf(stderr, "ardiff: %s\n", msg);
    warnings++;
    if (strstr(msg, "subgroup reductions refused by the start-up self-test")) refusals++;
}

/* ---- the kernels that use the reductions, against the C reference -------------------------- */
/* layer norm and cross-attention on the gpu kernel set (variant group), shapes above and below
 * WG with primes; tolerances as the kernel suite's: 1e-5 rel + 1e-5 abs, NSE < 1e-10 */
static void check_kernels(ocl_dev *dev, const char *when)
{
    ocl_variants gpu, saved = *ocl_dev_variants(dev);
    ocl_variants_of_set(OCL_SET_GPU, &gpu);
    if (ku_failed(ocl_dev_set_variants(dev, &gpu), "ocl_dev_set_variants")) {
        check_failed++;
        return;
    }
    ku_rng r = {0x5eed + (uint64_t)dev->desc.index};
    ku_bufs bs = {.dev = dev};
    enum { ROWS = 7, DIM = 257, Q = 5, K = 41, H = 3, DH = 19, HD = H * DH };
    static float x[ROWS * DIM], g[DIM], b[DIM], y[ROWS * DIM], want[ROWS * DIM];
    ku_fill_gauss(&r, x, ROWS * DIM, 2.0);
    ku_fill_uniform(&r, g, DIM, 0.5, 1.5);
    ku_fill_uniform(&r, b, DIM, -0.1, 0.1);
    ocl_buf *bx = ku_up(&bs, x, sizeof x), *bg = ku_up(&bs, g, sizeof g);
    ocl_buf *bb = ku_up(&bs, b, sizeof b), *by = ku_up(&bs, NULL, sizeof y);
    if (!bs.failed)
        CHECK(!ku_failed(ops_layernorm(dev, bx, 0, DIM, bg, 0, bb, 0, by, 0, DIM, ROWS, DIM, 1e-5f),
                         "ops_layernorm"), "%s: layer norm launch", when);
    if (!bs.failed && !ku_down(&bs, by, y, sizeof y)) {
        ref_layernorm(x, ROWS, DIM, g, b, 1e-5f, want);
        CHECK(ku_count_far("layernorm", y, want, ROWS * DIM, 1e-5, 1e-5) == 0,
              "device %d, %s: layer norm (group) against the reference", dev->desc.index, when);
    }
    static float q[2 * Q * HD], kv[2 * K * 2 * HD], o[2 * Q * HD], ow[2 * Q * HD];
    int32_t mask[2 * K];
    ku_fill_gauss(&r, q, sizeof q / sizeof q[0], 1.0);
    ku_fill_gauss(&r, kv, sizeof kv / sizeof kv[0], 1.0);
    for (int i = 0; i < 2 * K; i++) mask[i] = i % K < K - 9 * (i / K);
    ocl_buf *bq = ku_up(&bs, q, sizeof q), *bkv = ku_up(&bs, kv, sizeof kv);
    ocl_buf *bm = ku_up(&bs, mask, sizeof mask), *bo = ku_up(&bs, NULL, sizeof o);
    if (!bs.failed) {
        ops_seq sq = {bq, 0, Q * HD, HD}, sk = {bkv, 0, K * 2 * HD, 2 * HD};
        ops_seq sv = {bkv, HD, K * 2 * HD, 2 * HD};
        ops_seq_out so = {bo, 0, Q * HD, HD};
        CHECK(!ku_failed(ops_attention_cross(dev, sq, sk, sv, bm, 0, K, so, 2, Q, K, H, DH, 1),
                         "ops_attention_cross"), "%s: attention launch", when);
    }
    if (!bs.failed && !ku_down(&bs, bo, o, sizeof o)) {
        ref_seq rq = {q, Q * HD, HD}, rk = {kv, K * 2 * HD, 2 * HD};
        ref_seq rv = {kv + HD, K * 2 * HD, 2 * HD};
        ref_seq none = {NULL, 0, 0};
        ref_attention(rq, rk, rv, none, NULL, NULL, mask, K, ow, Q * HD, HD, 2, Q, K, H, DH, 1);
        double nse = ku_nse(o, ow, sizeof o / sizeof o[0]);
        CHECK(nse < 1e-10, "device %d, %s: attention (group) NSE %.3g against the reference",
              dev->desc.index, when, nse);
    }
    CHECK(!bs.failed, "device %d, %s: buffers", dev->desc.index, when);
    ku_free(&bs);
    ocl_dev_set_variants(dev, &saved);
}

/* opens device idx under the environment (name=value pairs, NULL value: unset); NULL on failure */
static ocl_dev *open_with(int idx, const char *fault, const char *subgroups)
{
    if (fault) setenv("ARDIFF_FAULT_SUBGROUPS", fault, 1);
    else unsetenv("ARDIFF_FAULT_SUBGROUPS");
    if (subgroups) setenv("ARDIFF_SUBGROUPS", subgroups, 1);
    else unsetenv("ARDIFF_SUBGROUPS");
    ocl_dev *dev = NULL;
    ardiff_status st = ocl_dev_open(idx, &dev);
    unsetenv("ARDIFF_FAULT_SUBGROUPS");
    unsetenv("ARDIFF_SUBGROUPS");
    CHECK(st == ARDIFF_OK, "device %d: open (fault %s, ARDIFF_SUBGROUPS %s): %s", idx,
          fault ? fault : "-", subgroups ? subgroups : "-", ardiff_last_error());
    return st == ARDIFF_OK ? dev : NULL;
}

/* ---- 2. one device ------------------------------------------------------------------------- */
/* returns 1 when the gate was exercised on it */
static int check_device(int idx)
{
    const char *note = NULL;
    ocl_dev *dev = open_with(idx, NULL, NULL);
    if (!dev) return 0;
    const int claims = dev->desc.subgroups;
    char name[sizeof dev->desc.name + sizeof dev->desc.platform + 4];
    snprintf(name, sizeof name, "%s (%s)", dev->desc.name, dev->desc.platform);
    ocl_sg_state s = ocl_dev_subgroups(dev, &note);
    printf("device %d %s: claims subgroups %s, cl_khr_fp16 %s; subgroup reductions %s: %s\n",
           idx, name, claims ? "yes" : "no", dev->desc.fp16 ? "yes" : "no",
           ocl_sg_state_name(s), note);
    if (claims) {
        CHECK(s == OCL_SG_ON, "device %d claims subgroups but the subgroup reductions are %s (%s): "
              "the subgroup path would go untested", idx, ocl_sg_state_name(s), note);
        CHECK(strstr(dev->options, "-DUSE_SUBGROUPS") != NULL, "options \"%s\"", dev->options);
    } else {
        CHECK(s == OCL_SG_UNCLAIMED, "device %d claims no subgroups but the state is %s", idx,
              ocl_sg_state_name(s));
    }
    check_kernels(dev, s == OCL_SG_ON ? "subgroup reductions" : "work-group reductions");
    ocl_dev_free(dev);

    /* b. the injected fault */
    int w0 = warnings, r0 = refusals;
    dev = open_with(idx, "1", NULL);
    if (dev) {
        s = ocl_dev_subgroups(dev, &note);
        printf("device %d, ARDIFF_FAULT_SUBGROUPS=1: subgroup reductions %s: %s\n", idx,
               ocl_sg_state_name(s), note);
        if (claims) {
            int bad = -1, of = 0;
            const char *p = strstr(note, "layer norm ");
            if (p) sscanf(p, "layer norm %d of %d", &bad, &of);
            CHECK(s == OCL_SG_REFUSED, "device %d: the faulty subgroup reductions were not refused "
                  "(%s)", idx, ocl_sg_state_name(s));
            CHECK(bad > 0, "device %d: the fault did not show in the self-test (%s)", idx, note);
            CHECK(refusals - r0 == 1 && warnings - w0 == 1, "device %d: %d warnings, %d refusals: "
                  "expected exactly one line", idx, warnings - w0, refusals - r0);
            CHECK(strstr(dev->options, "USE_SUBGROUPS") == NULL, "refused, but options \"%s\"",
                  dev->options);
        } else {
            CHECK(s == OCL_SG_UNCLAIMED && warnings == w0, "device %d: no claim, yet state %s and "
                  "%d warnings under the fault", idx, ocl_sg_state_name(s), warnings - w0);
        }
        check_kernels(dev, "with ARDIFF_FAULT_SUBGROUPS=1");
        ocl_dev_free(dev);
    }
    if (!claims) {
        printf("device %d %s: claims no subgroups: the gate was not exercised here; checked: the "
               "work-group reductions against the reference\n", idx, name);
        return 0;
    }
    /* c. switched off */
    dev = open_with(idx, NULL, "off");
    if (dev) {
        s = ocl_dev_subgroups(dev, &note);
        CHECK(s == OCL_SG_OFF, "device %d: ARDIFF_SUBGROUPS=off gave %s", idx,
              ocl_sg_state_name(s));
        check_kernels(dev, "ARDIFF_SUBGROUPS=off");
        ocl_dev_free(dev);
    }
    return 1;
}

int main(int argc, char **argv)
{
    const char *spec = NULL;
    int require = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--devices") && i + 1 < argc) spec = argv[++i];
        else if (!strcmp(argv[i], "--require-gated") && i + 1 < argc) require = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--devices SPEC] [--require-gated N]\n", argv[0]);
            return 2;
        }
    }
    ardiff_set_log(sink, NULL);
    check_sources();
    int idx[KU_MAX_DEVICES], n = 0, gated = 0;
    CHECK(ardiff_devices_select(spec, idx, KU_MAX_DEVICES, &n) == ARDIFF_OK && n > 0,
          "no OpenCL device: %s", ardiff_last_error());
    for (int i = 0; i < n; i++) gated += check_device(idx[i]);
    printf("covered: the subgroup gate (accepted, refused under an injected fault, switched off) "
           "on %d of %d device(s)%s; fp16 arithmetic: no kernel path exists\n", gated, n,
           gated ? "" : " (none claims subgroups: run on Intel's CPU runtime to cover it)");
    CHECK(gated >= require, "the gate was exercised on %d device(s), --require-gated %d", gated,
          require);
    return check_summary("test_gate");
}
