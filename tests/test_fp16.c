/* test_fp16.c: fp16 weight storage (engine/wstore.h, cl/convert.cl).
 *
 *  1. ardiff_half_to_float against ad_f16_to_f32 on all 65536 half values: bit for bit for
 *     every number (subnormals, ±0 and infinities included), NaN for every NaN (payloads are not
 *     specified for vload_half: see same_value; the count of NaNs kept bit for bit is printed),
 *     at odd offsets and on short tails, on every selected device; nothing outside the
 *     destination range is written. And the gather of half table rows by id (the encoder's
 *     word embeddings in fp16 storage), out-of-range ids giving zero rows.
 *  2. Generation with fp16-stored weights on the golden fixtures (tests/fixtures/tiny-*), for the
 *     AR and the uniform schedule. The first step's x̂0 starts from the same z_T as the fp32
 *     reference, so its error is the weights' rounding alone: |w16 - w| <= 2^-11 |w| (half has an
 *     11-bit significand), ~1e-3 relative through a dozen layers, and on x̂0 (|x̂0| ~ 1) we
 *     require max abs <= X0_MAX_ABS and mean abs <= X0_MEAN_ABS (measured on PoCL: at most
 *     4.1e-3 and 9.5e-4 over the three fixtures, so the bounds leave about 5x and 3x of room).
 *     It must also differ from fp32 by more than 1e-5 (the fp16 path was taken). Later
 *     steps follow clamping, where a near tie may pick another embedding: they are reported,
 *     as are the final ids and strings that agree with the fp32 goldens (not asserted).
 *     Asserted: the same seed twice gives bit-identical x̂0 and the same outputs, and with several
 *     devices (--devices all) the split run gives the one-device fp16 outputs.
 *  3. The memory plan: the fp16 arena is half the fp32 one, and arena + scratch is smaller.
 * Usage: test_fp16 [--devices SPEC] [--require N]. No OpenCL device: FAIL. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/file.h"
#include "engine/model.h"
#include "engine/safetensors.h"
#include "engine/wstore.h"
#include "ref/kutil.h"

#define X0_MAX_ABS 2e-2
#define X0_MEAN_ABS 3e-3
#define MAX_STEPS 16

/* ---- 1. the conversion kernel ------------------------------------------------------------- */

/* got == want bit for bit, except for NaNs: vload_half is a conversion, and IEEE 754 has a
 * conversion quiet a signalling NaN (6.2) and only recommends keeping payloads, which OpenCL
 * leaves unspecified (PoCL on x86 quiets, as F16C does; a GPU may return one canonical NaN).
 * ad_f16_to_f32 copies bits. So a NaN must give a NaN; nc counts those that kept every bit,
 * those that only gained the quiet bit (0x00400000) and the others. */
typedef struct nan_count {
    size_t kept, quieted, other;
} nan_count;

static int same_value(float got, float want, nan_count *nc)
{
    uint32_t g, w;
    memcpy(&g, &got, 4);
    memcpy(&w, &want, 4);
    if (want != want) {
        if (g == w) nc->kept++;
        else if (g == (w | 0x00400000u)) nc->quieted++;
        else nc->other++;
        return got != got;
    }
    return g == w;
}

/* Converts n halves src[i] = (first + i) & 0xffff from src_off to dst_off and checks every bit,
 * and that the sentinels around the destination are intact. */
static void check_convert(ocl_dev *dev, size_t n, unsigned first, size_t src_off, size_t dst_off)
{
    const float SENT = -12345.5f;
    ku_bufs bs = {.dev = dev};
    uint16_t *h = calloc(src_off + n, sizeof *h);
    float *out = malloc((dst_off + n + 1) * sizeof *out);
    CHECK(h && out, "out of host memory");
    if (!h || !out) { free(h); free(out); return; }
    for (size_t i = 0; i < n; i++) h[src_off + i] = (uint16_t)((first + i) & 0xffffu);
    for (size_t i = 0; i < dst_off + n + 1; i++) out[i] = SENT;
    ocl_buf *src = ku_up(&bs, h, (src_off + n) * sizeof *h);
    ocl_buf *dst = ku_up(&bs, out, (dst_off + n + 1) * sizeof *out);
    if (src && dst) {
        ardiff_status st = ops_half_to_float(dev, src, src_off, dst, dst_off, n);
        CHECK(!ku_failed(st, "ops_half_to_float"), "n = %zu: launch failed", n);
        if (st == ARDIFF_OK && ku_down(&bs, dst, out, (dst_off + n + 1) * sizeof *out) == 0) {
            size_t bad = 0, first_bad = 0;
            nan_count nc = {0, 0, 0};
            for (size_t i = 0; i < n; i++)
                if (!same_value(out[dst_off + i], ad_f16_to_f32(h[src_off + i]), &nc) && !bad++)
                    first_bad = i;
            if (n == 65536 && !src_off)
                printf("device %d: 65536 halves: %zu differ; of the 2046 NaNs, %zu kept every "
                       "bit, %zu came out quiet (payload and sign kept), %zu other NaNs\n",
                       dev->desc.index, bad, nc.kept, nc.quieted, nc.other);
            float g = out[dst_off + first_bad], w = ad_f16_to_f32(h[src_off + first_bad]);
            uint32_t gb, wb;
            memcpy(&gb, &g, 4);
            memcpy(&wb, &w, 4);
            CHECK(bad == 0, "device %d, n = %zu (offsets %zu, %zu): %zu values differ, first half "
                  "0x%04x gave 0x%08x, want 0x%08x", dev->desc.index, n, src_off, dst_off, bad,
                  h[src_off + first_bad], gb, wb);
            int intact = out[dst_off + n] == SENT;
            for (size_t i = 0; i < dst_off; i++) intact &= out[i] == SENT;
            CHECK(intact, "device %d, n = %zu: wrote outside the destination range",
                  dev->desc.index, n);
        }
    }
    CHECK(!bs.failed, "buffer set-up failed");
    ku_free(&bs);
    free(h);
    free(out);
}

/* ops_half_rows_to_float: rows of a [V, d] half table by id (ids outside [0, V): zero rows). */
static void check_gather(ocl_dev *dev)
{
    enum { V = 7, D = 67, OFF = 5 };
    const int32_t ids[] = {3, 0, 6, -1, 7, 3, 1000000, 2};
    const int M = (int)(sizeof ids / sizeof ids[0]);
    uint16_t tab[OFF + V * D];
    float out[M * D], want[M * D];
    for (int i = 0; i < OFF + V * D; i++) tab[i] = (uint16_t)(i * 2654435761u >> 16);
    for (int m = 0; m < M; m++)
        for (int c = 0; c < D; c++)
            want[m * D + c] = ids[m] >= 0 && ids[m] < V ? ad_f16_to_f32(tab[OFF + ids[m] * D + c])
                                                        : 0.0f;
    ku_bufs bs = {.dev = dev};
    ocl_buf *t = ku_up(&bs, tab, sizeof tab), *ib = ku_up(&bs, ids, sizeof ids);
    ocl_buf *o = ku_up(&bs, NULL, sizeof out);
    if (t && ib && o) {
        ardiff_status st = ops_half_rows_to_float(dev, t, OFF, ib, 0, o, 0, M, D, V);
        CHECK(!ku_failed(st, "ops_half_rows_to_float"), "gather: launch failed");
        size_t bad = 0;
        nan_count nc = {0, 0, 0};
        if (st == ARDIFF_OK && ku_down(&bs, o, out, sizeof out) == 0)
            for (int i = 0; i < M * D; i++) bad += !same_value(out[i], want[i], &nc);
        CHECK(bad == 0, "device %d: gathered half rows: %zu values differ", dev->desc.index, bad);
    }
    CHECK(!bs.failed, "buffer set-up failed");
    ku_free(&bs);
}

static void test_convert(ocl_dev *dev)
{
    check_gather(dev);
    check_convert(dev, 65536, 0, 0, 0);     /* every half value, aligned */
    check_convert(dev, 65536, 0, 3, 5);     /* every half value, odd offsets */
    const size_t tails[] = {1, 2, 3, 4, 5, 7, 63, 64, 65, 257};
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++)
        check_convert(dev, tails[i], 0x7bf0u + (unsigned)i, i % 3, 1 + i % 2); /* around inf */
    check_convert(dev, 1000, 0xfc00u - 500u, 1, 0); /* -max .. -inf .. NaNs */
}

/* ---- 2. generation ------------------------------------------------------------------------ */

typedef struct capture {
    float *x0[MAX_STEPS + 1];
    int rows, N, d;
    int32_t *ids;
} capture;

static void trace(const char *what, int step, const int dims[4], const void *data, void *user)
{
    capture *c = user;
    size_t n = (size_t)dims[0] * dims[1] * (dims[2] ? dims[2] : 1);
    if (!strcmp(what, "x0") && step <= MAX_STEPS) {
        free(c->x0[step]);
        c->x0[step] = malloc(n * 4);
        if (c->x0[step]) memcpy(c->x0[step], data, n * 4);
        c->rows = dims[0], c->N = dims[1], c->d = dims[2];
    } else if (!strcmp(what, "ids")) {
        free(c->ids);
        c->ids = malloc(n * 4);
        if (c->ids) memcpy(c->ids, data, n * 4);
    }
}

static void capture_free(capture *c)
{
    for (int i = 0; i <= MAX_STEPS; i++) free(c->x0[i]);
    free(c->ids);
    memset(c, 0, sizeof *c);
}

/* a golden tensor as a malloc'd copy (NULL if missing or of another dtype) */
static void *golden(const ad_safetensors *st, const char *sch, const char *what, ad_st_dtype dt,
                    size_t *numel)
{
    char name[64];
    snprintf(name, sizeof name, "%s.%s", sch, what);
    const ad_st_tensor *t = ad_st_find(st, name);
    void *b = t && t->dtype == dt ? malloc(t->nbytes) : NULL;
    if (b) memcpy(b, t->data, t->nbytes);
    *numel = b ? t->numel : 0;
    return b;
}

typedef struct run {
    ardiff_output *out;
    capture cap;
} run;

static ardiff_status generate(ardiff_engine *e, const ardiff_params *p, char **src, int n, run *r,
                              int traced)
{
    memset(r, 0, sizeof *r);
    r->out = calloc((size_t)n, sizeof *r->out);
    if (!r->out) return ARDIFF_E_OOM;
    ardiff_engine_set_trace(e, traced ? trace : NULL, &r->cap);
    return ardiff_generate(e, p, (const char *const *)src, n, 0, r->out, NULL);
}

static void run_free(run *r, int n)
{
    ardiff_outputs_free(r->out, n);
    free(r->out);
    capture_free(&r->cap);
}

static int same_outputs(const ardiff_output *a, const ardiff_output *b, int n)
{
    for (int i = 0; i < n; i++) {
        if (a[i].choice != b[i].choice || a[i].k != b[i].k || strcmp(a[i].text, b[i].text))
            return 0;
        for (int j = 0; j < a[i].k; j++)
            if (strcmp(a[i].candidates[j], b[i].candidates[j])) return 0;
    }
    return 1;
}

/* errors of x̂0 at step s against the fp32 golden; returns max abs, *mean gets the mean */
static double x0_error(const float *got, const float *want, size_t n, double *mean)
{
    double mx = 0, sum = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        if (!(d <= mx)) mx = d;
        sum += d;
    }
    *mean = sum / (double)n;
    return mx;
}

/* Step errors, id and string agreement of one traced fp16 run against the golden schedule. */
static void compare_golden(const char *fx, const char *sch, const ad_safetensors *st, cJSON *js,
                           cJSON *sj, const run *r, int K, int nsrc)
{
    size_t n = 0, nid = 0;
    float *x0 = golden(st, sch, "x0", AD_ST_F32, &n);
    int32_t *ids = golden(st, sch, "ids", AD_ST_I32, &nid);
    size_t per = (size_t)r->cap.rows * r->cap.N * r->cap.d;
    CHECK(x0 && per && n == per * (size_t)K, "%s %s: golden x0 has %zu values, trace %zu x %d",
          fx, sch, n, per, K);
    if (x0 && per && n == per * (size_t)K) {
        printf("%s %-7s x0 vs fp32 (max / mean abs):", fx, sch);
        for (int s = 1; s <= K && r->cap.x0[s]; s++) {
            double mean, mx = x0_error(r->cap.x0[s], x0 + (size_t)(s - 1) * per, per, &mean);
            printf("  step %d %.2e / %.2e", s, mx, mean);
            if (s > 1) continue;
            CHECK(mx <= X0_MAX_ABS && mean <= X0_MEAN_ABS, "%s %s step 1: fp16 x0 error max %.3g, "
                  "mean %.3g (bounds %g, %g)", fx, sch, mx, mean, X0_MAX_ABS, X0_MEAN_ABS);
            CHECK(mx > 1e-5, "%s %s step 1: x0 within %.3g of fp32: fp16 storage not in effect?",
                  fx, sch, mx);
        }
        printf("\n");
    }
    size_t same_ids = 0;
    for (size_t i = 0; ids && r->cap.ids && i < nid; i++) same_ids += ids[i] == r->cap.ids[i];
    cJSON *texts = cJSON_GetObjectItem(sj, "texts"), *outs = cJSON_GetObjectItem(sj, "outputs");
    int same_c = 0, all_c = 0, same_o = 0, all_o = 0;
    for (int b = 0; b < cJSON_GetArraySize(texts); b++)
        for (int j = 0; j < cJSON_GetArraySize(cJSON_GetArrayItem(texts, b)); j++) {
            const char *want = cJSON_GetArrayItem(cJSON_GetArrayItem(texts, b), j)->valuestring;
            int line = cJSON_GetArrayItem(cJSON_GetObjectItem(js, "batch_inputs"), b)->valueint;
            all_c++;
            same_c += line >= 0 && line < nsrc && j < r->out[line].k && !strcmp(r->out[line].candidates[j], want);
        }
    for (int i = 0; outs && i < nsrc; i++, all_o++)
        same_o += !strcmp(r->out[i].text, cJSON_GetArrayItem(outs, i)->valuestring);
    printf("%s %-7s agreement with the fp32 goldens (reported): ids %zu/%zu, candidate strings "
           "%d/%d, MBR outputs %d/%d\n", fx, sch, same_ids, nid, same_c, all_c, same_o, all_o);
    free(x0);
    free(ids);
}

static void run_fixture(const char *name, const int *dev, int ndev)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/golden.json", name);
    char *txt = NULL;
    size_t txt_len = 0;
    ad_file_read(check_fixture(path), "fixture", AD_FILE_MAX_VOCAB, &txt, &txt_len);
    cJSON *js = txt ? cJSON_Parse(txt) : NULL;
    free(txt);
    snprintf(path, sizeof path, "%s/golden.safetensors", name);
    ad_safetensors *st = NULL;
    ardiff_model *m = NULL;
    CHECK(js && ad_st_open(check_fixture(path), &st) == ARDIFF_OK, "%s: cannot read the goldens",
          name);
    CHECK(ardiff_model_open(check_fixture(name), &m) == ARDIFF_OK, "%s: %s", name,
          ardiff_last_error());
    if (!js || !st || !m) goto done;
    cJSON *src = cJSON_GetObjectItem(js, "sources");
    int nsrc = cJSON_GetArraySize(src), k = cJSON_GetObjectItem(js, "candidates")->valueint;
    char **lines = calloc((size_t)nsrc, sizeof *lines);
    for (int i = 0; lines && i < nsrc; i++) lines[i] = cJSON_GetArrayItem(src, i)->valuestring;

    ad_wstore_size z32, z16;
    CHECK(ad_wstore_size_of(&m->cfg, &m->w, ARDIFF_PRECISION_FP32, &z32) == ARDIFF_OK &&
              ad_wstore_size_of(&m->cfg, &m->w, ARDIFF_PRECISION_FP16, &z16) == ARDIFF_OK,
          "%s: %s", name, ardiff_last_error());
    CHECK(2 * z16.resident == z32.resident && z16.resident + z16.scratch < z32.resident,
          "%s: fp16 memory %zu + %zu bytes vs fp32 %zu", name, z16.resident, z16.scratch,
          z32.resident);
    printf("%s: weights fp32 %zu bytes; fp16 %zu + scratch %zu (largest group: %s)\n", name,
           z32.resident, z16.resident, z16.scratch, z16.largest_name);

    ardiff_engine *e1 = NULL, *e2 = NULL;
    CHECK(ardiff_engine_create_ex(m, dev, 1, nsrc, k, MAX_STEPS, ARDIFF_PRECISION_FP16, &e1) ==
              ARDIFF_OK, "%s: %s", name, ardiff_last_error());
    if (ndev > 1)
        CHECK(ardiff_engine_create_ex(m, dev, ndev, nsrc, k, MAX_STEPS, ARDIFF_PRECISION_FP16,
                                      &e2) == ARDIFF_OK, "%s: %s", name, ardiff_last_error());
    const char *schs[] = {"ar", "uniform"};
    for (int si = 0; e1 && lines && si < 2; si++) {
        cJSON *sj = cJSON_GetObjectItem(cJSON_GetObjectItem(js, "schedules"), schs[si]);
        ardiff_params p;
        ardiff_params_default(m, &p);
        p.steps = cJSON_GetObjectItem(sj, "steps")->valueint;
        p.candidates = k;
        p.schedule = si ? ARDIFF_SCHEDULE_UNIFORM : ARDIFF_SCHEDULE_AR;
        p.seed = (uint64_t)cJSON_GetObjectItem(js, "seed")->valuedouble;
        p.batch = nsrc;
        run a, b, c;
        ardiff_status s1 = generate(e1, &p, lines, nsrc, &a, 1);
        ardiff_status s2 = generate(e1, &p, lines, nsrc, &b, 1);
        CHECK(s1 == ARDIFF_OK && s2 == ARDIFF_OK, "%s %s: %s", name, schs[si], ardiff_last_error());
        if (s1 == ARDIFF_OK && s2 == ARDIFF_OK) {
            compare_golden(name, schs[si], st, js, sj, &a, p.steps, nsrc);
            int same = same_outputs(a.out, b.out, nsrc);
            size_t per = (size_t)a.cap.rows * a.cap.N * a.cap.d;
            for (int s = 1; s <= p.steps; s++)
                same &= a.cap.x0[s] && b.cap.x0[s] && !memcmp(a.cap.x0[s], b.cap.x0[s], per * 4);
            CHECK(same, "%s %s: two fp16 runs with the same seed differ", name, schs[si]);
        }
        if (e2 && s1 == ARDIFF_OK) { /* split over the devices, batches of 2, as test_parity */
            p.batch = 2;
            ardiff_status s3 = generate(e2, &p, lines, nsrc, &c, 0);
            CHECK(s3 == ARDIFF_OK, "%s %s (split): %s", name, schs[si], ardiff_last_error());
            CHECK(s3 == ARDIFF_OK && same_outputs(a.out, c.out, nsrc),
                  "%s %s: fp16 on %d devices differs from one device", name, schs[si], ndev);
            run_free(&c, nsrc);
        }
        run_free(&a, nsrc);
        run_free(&b, nsrc);
    }
    ardiff_engine_free(e1);
    ardiff_engine_free(e2);
    free(lines);
done:
    ardiff_model_free(m);
    ad_st_free(st);
    cJSON_Delete(js);
}

int main(int argc, char **argv)
{
    ocl_dev *devs[KU_MAX_DEVICES];
    int nd = 0;
    CHECK(ku_open_devices(argc, argv, devs, &nd) == 0, "no usable OpenCL device (e.g. PoCL: "
          "apt-get install pocl-opencl-icd)");
    for (int i = 0; i < nd; i++) test_convert(devs[i]);
    ku_close_devices(devs, nd);

    const char *spec = NULL;
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--devices")) spec = argv[i + 1];
    int dev[KU_MAX_DEVICES], ndev = 0;
    if (nd > 0 && ardiff_devices_select(spec, dev, KU_MAX_DEVICES, &ndev) == ARDIFF_OK) {
        const char *fixtures[] = {"tiny-a", "tiny-b", "tiny-c", "tiny-d"};
        for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++)
            run_fixture(fixtures[i], dev, ndev);
    }
    return check_summary("test_fp16");
}
