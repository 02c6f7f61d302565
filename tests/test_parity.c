/* test_parity.c: ardiff against the PyTorch reference on the golden fixtures (tests/fixtures/
 * tiny-*, written by tools/ardiff_ref/fixtures.py), for the AR and the uniform schedule:
 *   encoder states and x̂0 at every step within the fixture's tolerance (fp32, 1e-4 absolute),
 *   clamped x̂0 equal to the same embedding rows, final ids identical, candidate strings
 *   identical, MBR scores within 1e-6 and the same MBR choice, empty lines empty.
 * Usage: test_parity [--devices SPEC] [--require N]. With several devices (POCL_DEVICES="pthread
 * pthread" and --devices all) it also runs every fixture split over the devices (no trace) and
 * requires the very same outputs. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/file.h"
#include "engine/safetensors.h"

#define MAX_STEPS 16

typedef struct capture {
    float *enc;
    int enc_dims[4];
    float *x0[MAX_STEPS + 1], *x0c[MAX_STEPS + 1];
    int dims[4];
    int32_t *ids;
} capture;

static void trace(const char *what, int step, const int dims[4], const void *data, void *user)
{
    capture *c = user;
    size_t n = (size_t)dims[0] * dims[1] * (dims[2] ? dims[2] : 1);
    size_t bytes = n * 4;
    void *copy = malloc(bytes);
    if (!copy) return;
    memcpy(copy, data, bytes);
    if (!strcmp(what, "encoder")) {
        free(c->enc);
        c->enc = copy;
        memcpy(c->enc_dims, dims, sizeof c->enc_dims);
    } else if (!strcmp(what, "x0") && step <= MAX_STEPS) {
        free(c->x0[step]);
        c->x0[step] = copy;
        memcpy(c->dims, dims, sizeof c->dims);
    } else if (!strcmp(what, "x0_clamped") && step <= MAX_STEPS) {
        free(c->x0c[step]);
        c->x0c[step] = copy;
    } else if (!strcmp(what, "ids")) {
        free(c->ids);
        c->ids = copy;
    } else {
        free(copy);
    }
}

static void capture_free(capture *c)
{
    free(c->enc);
    free(c->ids);
    for (int i = 0; i <= MAX_STEPS; i++) {
        free(c->x0[i]);
        free(c->x0c[i]);
    }
    memset(c, 0, sizeof *c);
}

static const float *tensor_f32(const ad_safetensors *st, const char *name, size_t *numel)
{
    const ad_st_tensor *t = ad_st_find(st, name);
    if (!t || t->dtype != AD_ST_F32) return NULL;
    float *buf = malloc(t->nbytes);
    if (!buf) return NULL;
    memcpy(buf, t->data, t->nbytes);
    *numel = t->numel;
    return buf;
}

static const int32_t *tensor_i32(const ad_safetensors *st, const char *name, size_t *numel)
{
    const ad_st_tensor *t = ad_st_find(st, name);
    if (!t || t->dtype != AD_ST_I32) return NULL;
    int32_t *buf = malloc(t->nbytes);
    if (!buf) return NULL;
    memcpy(buf, t->data, t->nbytes);
    *numel = t->numel;
    return buf;
}

static double max_abs_diff(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= m)) m = d; /* NaN propagates */
    }
    return m;
}

typedef struct fixture {
    const char *name;
    cJSON *json;
    ad_safetensors *st;
    char **sources;
    int nsrc, B, k, N, d, h, S;
    int batch_inputs[64];
    uint64_t seed;
} fixture;

static int fixture_open(fixture *fx, const char *name)
{
    char path[4096];
    memset(fx, 0, sizeof *fx);
    fx->name = name;
    snprintf(path, sizeof path, "%s/golden.json", name);
    char *txt = NULL;
    size_t txt_len = 0;
    ad_file_read(check_fixture(path), "fixture", AD_FILE_MAX_VOCAB, &txt, &txt_len);
    CHECK(txt != NULL, "%s: cannot read %s", name, check_fixture(path));
    if (!txt) return -1;
    fx->json = cJSON_Parse(txt);
    free(txt);
    CHECK(fx->json != NULL, "%s: golden.json does not parse", name);
    if (!fx->json) return -1;
    snprintf(path, sizeof path, "%s/golden.safetensors", name);
    CHECK(ad_st_open(check_fixture(path), &fx->st) == ARDIFF_OK, "%s: %s", name, ardiff_last_error());
    if (!fx->st) return -1;
    cJSON *src = cJSON_GetObjectItem(fx->json, "sources");
    fx->nsrc = cJSON_GetArraySize(src);
    fx->sources = calloc((size_t)fx->nsrc, sizeof *fx->sources);
    for (int i = 0; i < fx->nsrc; i++) fx->sources[i] = cJSON_GetArrayItem(src, i)->valuestring;
    cJSON *bi = cJSON_GetObjectItem(fx->json, "batch_inputs");
    fx->B = cJSON_GetArraySize(bi);
    CHECK(fx->B > 0 && fx->B < 64, "%s: golden.json lacks batch_inputs", name);
    for (int b = 0; b < fx->B && b < 64; b++) fx->batch_inputs[b] = cJSON_GetArrayItem(bi, b)->valueint;
    fx->k = cJSON_GetObjectItem(fx->json, "candidates")->valueint;
    fx->seed = (uint64_t)cJSON_GetObjectItem(fx->json, "seed")->valuedouble;
    const ad_st_tensor *enc = ad_st_find(fx->st, "enc");
    CHECK(enc && enc->rank == 3, "%s: golden enc", name);
    if (!enc) return -1;
    fx->S = (int)enc->shape[1];
    fx->h = (int)enc->shape[2];
    return fx->B > 0 ? 0 : -1;
}

static void fixture_close(fixture *fx)
{
    cJSON_Delete(fx->json);
    ad_st_free(fx->st);
    free(fx->sources);
}

static void check_encoder(const fixture *fx, const capture *c)
{
    size_t n = 0, nm = 0;
    const float *want = tensor_f32(fx->st, "enc", &n);
    const int32_t *mask = tensor_i32(fx->st, "src_mask", &nm);
    CHECK(c->enc && c->enc_dims[0] == fx->B && c->enc_dims[1] == fx->S && c->enc_dims[2] == fx->h,
          "%s: encoder trace [%d, %d, %d], golden [%d, %d, %d]", fx->name, c->enc_dims[0],
          c->enc_dims[1], c->enc_dims[2], fx->B, fx->S, fx->h);
    if (c->enc && want && mask && c->enc_dims[1] == fx->S) {
        double worst = 0;
        for (size_t t = 0; t < (size_t)fx->B * fx->S; t++)
            if (mask[t]) {
                double dd = max_abs_diff(c->enc + t * fx->h, want + t * fx->h, (size_t)fx->h);
                if (!(dd <= worst)) worst = dd;
            }
        CHECK(worst <= 1e-4, "%s: encoder states differ by %g (tolerance 1e-4)", fx->name, worst);
    }
    free((void *)want);
    free((void *)mask);
}

static void check_steps(const fixture *fx, const char *sch, int K, const capture *c)
{
    char name[64];
    size_t n = 0;
    snprintf(name, sizeof name, "%s.x0", sch);
    const float *x0 = tensor_f32(fx->st, name, &n);
    snprintf(name, sizeof name, "%s.x0_clamped", sch);
    const float *x0c = tensor_f32(fx->st, name, &n);
    size_t per = (size_t)fx->B * fx->k * fx->N * fx->d;
    CHECK(x0 && x0c && n == per * (size_t)K, "%s %s: golden x0 has %zu values, expected %zu",
          fx->name, sch, n, per * (size_t)K);
    double worst = 0;
    for (int s = 1; x0 && x0c && n == per * (size_t)K && s <= K; s++) {
        CHECK(c->x0[s] && c->x0c[s], "%s %s: no trace for step %d", fx->name, sch, s);
        if (!c->x0[s] || !c->x0c[s]) continue;
        double e0 = max_abs_diff(c->x0[s], x0 + (size_t)(s - 1) * per, per);
        double e1 = max_abs_diff(c->x0c[s], x0c + (size_t)(s - 1) * per, per);
        CHECK(e0 <= 1e-4, "%s %s step %d: x0 differs by %g (tolerance 1e-4)", fx->name, sch, s, e0);
        CHECK(e1 <= 1e-6, "%s %s step %d: clamped x0 differs by %g (same rows expected)",
              fx->name, sch, s, e1);
        if (!(e0 <= worst)) worst = e0;
    }
    /* the reached error, so that a drift towards the tolerance shows before it fails */
    printf("  %s %s: x0 within %.2e of the reference over %d steps (tolerance 1e-4)\n", fx->name,
           sch, worst, K);
    free((void *)x0);
    free((void *)x0c);
}

/* Candidate strings, MBR scores and choice, outputs, and (when traced) the final ids. */
static void check_outputs(const fixture *fx, const char *sch, const ardiff_output *out,
                          const capture *c, const char *how)
{
    cJSON *si = cJSON_GetObjectItem(cJSON_GetObjectItem(fx->json, "schedules"), sch);
    cJSON *texts = cJSON_GetObjectItem(si, "texts");
    cJSON *mi = cJSON_GetObjectItem(si, "mbr_index");
    cJSON *ms = cJSON_GetObjectItem(si, "mbr_scores");
    cJSON *outs = cJSON_GetObjectItem(si, "outputs");
    CHECK(mi && ms && outs, "%s %s: golden.json lacks the MBR fields", fx->name, sch);
    if (c) {
        char name[64];
        size_t n = 0;
        snprintf(name, sizeof name, "%s.ids", sch);
        const int32_t *ids = tensor_i32(fx->st, name, &n);
        CHECK(ids && c->ids && n == (size_t)fx->B * fx->k * fx->N &&
                  !memcmp(ids, c->ids, n * sizeof(int32_t)),
              "%s %s: final ids differ from the reference", fx->name, sch);
        free((void *)ids);
    }
    int b = 0;
    for (int i = 0; i < fx->nsrc; i++) {
        const ardiff_output *o = &out[i];
        if (b >= fx->B || fx->batch_inputs[b] != i) { /* an empty line */
            CHECK(o->text && !strcmp(o->text, "") && o->choice == -1,
                  "%s %s (%s): line %d should give an empty output", fx->name, sch, how, i);
            continue;
        }
        cJSON *tb = cJSON_GetArrayItem(texts, b);
        for (int j = 0; j < fx->k && o->candidates; j++)
            CHECK(!strcmp(o->candidates[j], cJSON_GetArrayItem(tb, j)->valuestring),
                  "%s %s (%s): line %d candidate %d: '%s' vs reference '%s'", fx->name, sch, how,
                  i, j, o->candidates[j], cJSON_GetArrayItem(tb, j)->valuestring);
        if (mi && ms && outs) {
            CHECK(o->choice == cJSON_GetArrayItem(mi, b)->valueint,
                  "%s %s (%s): line %d MBR choice %d vs reference %d", fx->name, sch, how, i,
                  o->choice, cJSON_GetArrayItem(mi, b)->valueint);
            cJSON *sb = cJSON_GetArrayItem(ms, b);
            for (int j = 0; j < fx->k && o->scores; j++)
                CHECK(fabs(o->scores[j] - cJSON_GetArrayItem(sb, j)->valuedouble) < 1e-6,
                      "%s %s: line %d MBR score %d: %.9f vs %.9f", fx->name, sch, i, j,
                      o->scores[j], cJSON_GetArrayItem(sb, j)->valuedouble);
            CHECK(!strcmp(o->text, cJSON_GetArrayItem(outs, i)->valuestring),
                  "%s %s (%s): line %d output differs", fx->name, sch, how, i);
        }
        b++;
    }
}

static void run_fixture(const char *name, const int *dev, int ndev)
{
    fixture fx;
    char dir[4096];
    if (fixture_open(&fx, name) != 0) { fixture_close(&fx); return; }
    snprintf(dir, sizeof dir, "%s", check_fixture(name));
    ardiff_model *m = NULL;
    CHECK(ardiff_model_open(dir, &m) == ARDIFF_OK, "%s: %s", name, ardiff_last_error());
    ardiff_engine *e1 = NULL, *e2 = NULL;
    if (m) {
        CHECK(ardiff_engine_create(m, dev, 1, fx.nsrc, fx.k, MAX_STEPS, &e1) == ARDIFF_OK, "%s: %s",
              name, ardiff_last_error());
        if (ndev > 1)
            CHECK(ardiff_engine_create(m, dev, ndev, fx.nsrc, fx.k, MAX_STEPS, &e2) == ARDIFF_OK,
                  "%s: %s", name, ardiff_last_error());
    }
    const char *schs[] = {"ar", "uniform"};
    for (int si = 0; e1 && si < 2; si++) {
        cJSON *sj = cJSON_GetObjectItem(cJSON_GetObjectItem(fx.json, "schedules"), schs[si]);
        int K = cJSON_GetObjectItem(sj, "steps")->valueint;
        ardiff_params p;
        ardiff_params_default(m, &p);
        p.steps = K;
        p.candidates = fx.k;
        p.schedule = si ? ARDIFF_SCHEDULE_UNIFORM : ARDIFF_SCHEDULE_AR;
        p.seed = fx.seed;
        p.batch = fx.nsrc; /* one batch, as the reference */
        const ad_st_tensor *t = ad_st_find(fx.st, "ar.ids");
        fx.N = t ? (int)t->shape[2] : 0;
        const ad_st_tensor *tz = ad_st_find(fx.st, "ar.z");
        fx.d = tz ? (int)tz->shape[4] : 0;
        capture cap = {0};
        ardiff_output *out = calloc((size_t)fx.nsrc, sizeof *out);
        ardiff_engine_set_trace(e1, trace, &cap);
        ardiff_status st = ardiff_generate(e1, &p, (const char *const *)fx.sources, fx.nsrc, 0, out, NULL);
        CHECK(st == ARDIFF_OK, "%s %s: %s", name, schs[si], ardiff_last_error());
        if (st == ARDIFF_OK) {
            check_encoder(&fx, &cap);
            check_steps(&fx, schs[si], K, &cap);
            check_outputs(&fx, schs[si], out, &cap, "one device");
        }
        ardiff_outputs_free(out, fx.nsrc);
        capture_free(&cap);
        if (e2) { /* the same run split over several devices, batches of 2 */
            p.batch = 2;
            st = ardiff_generate(e2, &p, (const char *const *)fx.sources, fx.nsrc, 0, out, NULL);
            CHECK(st == ARDIFF_OK, "%s %s (split): %s", name, schs[si], ardiff_last_error());
            if (st == ARDIFF_OK) check_outputs(&fx, schs[si], out, NULL, "several devices");
            ardiff_outputs_free(out, fx.nsrc);
        }
        free(out);
    }
    ardiff_engine_free(e1);
    ardiff_engine_free(e2);
    ardiff_model_free(m);
    fixture_close(&fx);
}

int main(int argc, char **argv)
{
    const char *spec = NULL;
    int require = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--devices") && i + 1 < argc) spec = argv[++i];
        else if (!strcmp(argv[i], "--require") && i + 1 < argc) require = atoi(argv[++i]);
    }
    int dev[8], ndev = 0;
    if (ardiff_devices_select(spec, dev, 8, &ndev) != ARDIFF_OK) {
        fprintf(stderr, "test_parity: no OpenCL device: %s\n", ardiff_last_error());
        return 1;
    }
    CHECK(ndev >= require, "%d devices selected, %d required", ndev, require);
    const char *fixtures[] = {"tiny-a", "tiny-b", "tiny-c", "tiny-d"};
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++)
        run_fixture(fixtures[i], dev, ndev);
    return check_summary("test_parity");
}
