/* cross_impl_compare.c: one generation on two devices (two OpenCL implementations, e.g. PoCL
 * and Intel's CPU runtime), compared step by step through the engine's trace hook
 * (ardiff_engine_set_trace). Run by tests/cross_impl_tests.sh; docs/numerics.md states the
 * tolerance and the measured figures.
 *
 *   cross_impl_compare --a SPEC --b SPEC --x0-abs T --x0-rel R [--per-step]
 *                      [--fixture DIR]... [--model DIR INPUTS SEEDS]...
 *
 * --fixture DIR: a golden fixture (tests/fixtures/tiny-*: golden.json, golden.safetensors), both
 *   schedules with the fixture's seed, k and K; the final ids must equal the fixture's on both.
 * --model DIR INPUTS SEEDS: a model directory with its [generate] defaults, every line of INPUTS
 *   (one batch), for each seed of the comma-separated list SEEDS.
 * For every run, A against B: final ids of every candidate, clamped x̂0 (the embedding rows
 * chosen) at every step, candidate strings, MBR scores, choices and outputs identical; x̂0 before
 * clamping within T absolute and R relative (max |a - b| / max |a|) at every step. Prints one
 * line per run (with --per-step, one per step too) and "N passed, N failed"; exit 1 on any
 * failure. A device spec must select exactly one device, and A and B must be of different
 * platforms. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/file.h"
#include "engine/safetensors.h"

#define MAX_STEPS 64
#define MAX_LINES 256

/* Host copies of one traced run: x̂0 and clamped x̂0 per step [rows, N, d], final ids [rows, N]. */
typedef struct capture {
    float *x0[MAX_STEPS + 1], *x0c[MAX_STEPS + 1];
    int32_t *ids;
    int rows, N, d, steps_seen, batches;
} capture;

static void trace(const char *what, int step, const int dims[4], const void *data, void *user)
{
    capture *c = user;
    int per_tok = dims[2] ? dims[2] : 1;
    size_t n = (size_t)dims[0] * dims[1] * per_tok;
    void *copy = malloc(n * 4);
    if (!copy) return;
    memcpy(copy, data, n * 4);
    float **slot = NULL;
    if (!strcmp(what, "x0") && step >= 1 && step <= MAX_STEPS) slot = &c->x0[step];
    else if (!strcmp(what, "x0_clamped") && step >= 1 && step <= MAX_STEPS) slot = &c->x0c[step];
    if (slot) {
        if (*slot) c->batches++; /* a second batch would overwrite: the caller uses one batch */
        free(*slot);
        *slot = copy;
        c->rows = dims[0];
        c->N = dims[1];
        c->d = dims[2];
        if (step > c->steps_seen) c->steps_seen = step;
    } else if (!strcmp(what, "ids")) {
        free(c->ids);
        c->ids = copy;
    } else {
        free(copy);
    }
}

static void capture_free(capture *c)
{
    for (int s = 0; s <= MAX_STEPS; s++) {
        free(c->x0[s]);
        free(c->x0c[s]);
    }
    free(c->ids);
    memset(c, 0, sizeof *c);
}

typedef struct side {
    const char *spec;
    int dev;
    ardiff_device_desc desc;
} side;

typedef struct opts {
    side a, b;
    double x0_abs, x0_rel;
    int per_step;
} opts;

/* One generation traced on one device: a fresh engine each time (nothing shared across runs). */
static ardiff_status run_on(const side *sd, const ardiff_model *m, const ardiff_params *p,
                            const char *const *src, int n, ardiff_output *out, capture *cap)
{
    ardiff_engine *e = NULL;
    ardiff_status st = ardiff_engine_create(m, &sd->dev, 1, n, p->candidates, p->steps, &e);
    if (st == ARDIFF_OK) {
        ardiff_engine_set_trace(e, trace, cap);
        st = ardiff_generate(e, p, src, n, 0, out, NULL);
    }
    ardiff_engine_free(e);
    return st;
}

/* Compares the two traced runs and the outputs; returns the worst x̂0 max-abs difference. */
static double compare(const opts *o, const char *what, const ardiff_params *p, int n,
                      const capture *ca, const capture *cb, const ardiff_output *oa,
                      const ardiff_output *ob)
{
    int K = p->steps;
    CHECK(ca->batches == 0 && cb->batches == 0, "%s: traced more than one batch", what);
    CHECK(ca->steps_seen == K && cb->steps_seen == K && ca->rows == cb->rows && ca->N == cb->N &&
              ca->d == cb->d && ca->rows > 0,
          "%s: traces differ in shape (steps %d/%d, rows %d/%d)", what, ca->steps_seen,
          cb->steps_seen, ca->rows, cb->rows);
    size_t per = (size_t)ca->rows * ca->N * ca->d;
    double worst = 0, worst_rel = 0;
    int clamp_same = 1;
    for (int s = 1; s <= K && ca->steps_seen == K && cb->steps_seen == K; s++) {
        const float *xa = ca->x0[s], *xb = cb->x0[s];
        double mad = 0, mx = 0, sum = 0;
        for (size_t i = 0; i < per; i++) {
            double d = fabs((double)xa[i] - (double)xb[i]);
            if (!(d <= mad)) mad = d; /* NaN propagates */
            if (fabs(xa[i]) > mx) mx = fabs(xa[i]);
            sum += d;
        }
        double rel = mx > 0 ? mad / mx : mad;
        int same_rows = !memcmp(ca->x0c[s], cb->x0c[s], per * sizeof(float));
        clamp_same &= same_rows;
        CHECK(same_rows, "%s step %d: clamping chose other embedding rows on the two devices",
              what, s);
        CHECK(mad <= o->x0_abs && rel <= o->x0_rel,
              "%s step %d: x0 differs by %.3g (relative %.3g; tolerance %.3g, %.3g)", what, s,
              mad, rel, o->x0_abs, o->x0_rel);
        if (o->per_step)
            printf("    step %2d: x0 max |a-b| %.3e, relative %.3e, mean %.3e (max |x0| %.3f)\n", s,
                   mad, rel, sum / (double)per, mx);
        if (!(mad <= worst)) worst = mad;
        if (!(rel <= worst_rel)) worst_rel = rel;
    }
    CHECK(ca->ids && cb->ids && !memcmp(ca->ids, cb->ids, sizeof(int32_t) * (size_t)ca->rows * ca->N),
          "%s: final ids differ", what);
    int strings_same = 1;
    for (int i = 0; i < n; i++) {
        const ardiff_output *x = &oa[i], *y = &ob[i];
        int same = x->k == y->k && x->choice == y->choice && !strcmp(x->text, y->text);
        for (int j = 0; same && j < x->k; j++)
            same = !strcmp(x->candidates[j], y->candidates[j]) && x->scores[j] == y->scores[j];
        strings_same &= same;
        CHECK(same, "%s: line %d: candidates, MBR scores, choice or output differ ('%s' vs '%s')",
              what, i, x->text, y->text);
    }
    printf("  %s: ids %s (%d rows x %d), clamps %s, strings and MBR %s; x0 max |a-b| %.3e, "
           "relative %.3e over %d steps\n", what, ca->ids && cb->ids &&
           !memcmp(ca->ids, cb->ids, sizeof(int32_t) * (size_t)ca->rows * ca->N) ? "identical" : "DIFFER",
           ca->rows, ca->N, clamp_same ? "identical" : "DIFFER", strings_same ? "identical" : "DIFFER",
           worst, worst_rel, K);
    return worst;
}

static void run_pair(const opts *o, const char *what, const ardiff_model *m, const ardiff_params *p,
                     const char *const *src, int n, const int32_t *want_ids, size_t want_n)
{
    capture ca = {0}, cb = {0};
    ardiff_output *oa = calloc((size_t)n, sizeof *oa), *ob = calloc((size_t)n, sizeof *ob);
    ardiff_status sa = oa && ob ? run_on(&o->a, m, p, src, n, oa, &ca) : ARDIFF_E_OOM;
    CHECK(sa == ARDIFF_OK, "%s on %s: %s", what, o->a.desc.platform, ardiff_last_error());
    ardiff_status sb = oa && ob ? run_on(&o->b, m, p, src, n, ob, &cb) : ARDIFF_E_OOM;
    CHECK(sb == ARDIFF_OK, "%s on %s: %s", what, o->b.desc.platform, ardiff_last_error());
    if (sa == ARDIFF_OK && sb == ARDIFF_OK) {
        compare(o, what, p, n, &ca, &cb, oa, ob);
        if (want_ids) {
            size_t got = (size_t)ca.rows * ca.N;
            CHECK(ca.ids && got == want_n && !memcmp(ca.ids, want_ids, got * sizeof(int32_t)),
                  "%s: ids on %s differ from the fixture's", what, o->a.desc.platform);
            CHECK(cb.ids && got == want_n && !memcmp(cb.ids, want_ids, got * sizeof(int32_t)),
                  "%s: ids on %s differ from the fixture's", what, o->b.desc.platform);
        }
    }
    if (sa == ARDIFF_OK) ardiff_outputs_free(oa, n);
    if (sb == ARDIFF_OK) ardiff_outputs_free(ob, n);
    free(oa);
    free(ob);
    capture_free(&ca);
    capture_free(&cb);
}

/* A golden fixture: its seed, k, and for each schedule its K, on one batch of all its sources. */
static void run_fixture(const opts *o, const char *dir)
{
    char path[4096];
    char *txt = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/golden.json", dir);
    ad_file_read(path, "fixture", AD_FILE_MAX_VOCAB, &txt, &len);
    cJSON *js = txt ? cJSON_Parse(txt) : NULL;
    free(txt);
    snprintf(path, sizeof path, "%s/golden.safetensors", dir);
    ad_safetensors *st = NULL;
    if (js) ad_st_open(path, &st);
    ardiff_model *m = NULL;
    if (js && st) ardiff_model_open(dir, &m);
    CHECK(js && st && m, "%s: cannot read the fixture: %s", dir, ardiff_last_error());
    cJSON *srcs = cJSON_GetObjectItem(js, "sources");
    int n = cJSON_GetArraySize(srcs);
    const char *src[MAX_LINES];
    for (int i = 0; m && i < n && i < MAX_LINES; i++) src[i] = cJSON_GetArrayItem(srcs, i)->valuestring;
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    const char *schs[] = {"ar", "uniform"};
    int ran = 0;
    for (int si = 0; m && n > 0 && n <= MAX_LINES && si < 2; si++) {
        cJSON *sj = cJSON_GetObjectItem(cJSON_GetObjectItem(js, "schedules"), schs[si]);
        char name[64];
        snprintf(name, sizeof name, "%s.ids", schs[si]);
        const ad_st_tensor *ids = ad_st_find(st, name);
        if (!sj || !ids) continue; /* a fixture without reference ids for this schedule */
        CHECK(ids->dtype == AD_ST_I32, "%s: %s is not int32", dir, name);
        ardiff_params p;
        ardiff_params_default(m, &p);
        p.steps = cJSON_GetObjectItem(sj, "steps")->valueint;
        p.candidates = cJSON_GetObjectItem(js, "candidates")->valueint;
        p.schedule = si ? ARDIFF_SCHEDULE_UNIFORM : ARDIFF_SCHEDULE_AR;
        p.seed = (uint64_t)cJSON_GetObjectItem(js, "seed")->valuedouble;
        p.batch = n; /* one batch, as the reference */
        char what[256];
        snprintf(what, sizeof what, "%s %s seed %llu k %d K %d", base, schs[si],
                 (unsigned long long)p.seed, p.candidates, p.steps);
        int32_t *want = malloc(ids->nbytes);
        if (want) memcpy(want, ids->data, ids->nbytes);
        run_pair(o, what, m, &p, src, n, want, (size_t)ids->numel);
        free(want);
        ran++;
    }
    CHECK(ran > 0, "%s: no schedule with reference ids", dir);
    ardiff_model_free(m);
    ad_st_free(st);
    cJSON_Delete(js);
}

/* A model with its defaults on every line of a file (one batch), for each seed. */
static void run_model(const opts *o, const char *dir, const char *inputs, const char *seeds)
{
    ardiff_model *m = NULL;
    CHECK(ardiff_model_open(dir, &m) == ARDIFF_OK, "%s: %s", dir, ardiff_last_error());
    FILE *f = fopen(inputs, "r");
    CHECK(f != NULL, "%s: cannot open", inputs);
    char *src[MAX_LINES];
    int n = 0;
    char line[4096];
    while (f && n < MAX_LINES && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        src[n++] = strdup(line);
    }
    if (f) fclose(f);
    CHECK(n > 0, "%s: no input lines", inputs);
    char *list = strdup(seeds), *save = NULL;
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    for (char *tok = strtok_r(list, ",", &save); m && n > 0 && tok; tok = strtok_r(NULL, ",", &save)) {
        ardiff_params p;
        ardiff_params_default(m, &p);
        p.seed = strtoull(tok, NULL, 10);
        p.batch = n;
        char what[512];
        snprintf(what, sizeof what, "%s (%d lines) seed %llu k %d K %d %s", base, n,
                 (unsigned long long)p.seed, p.candidates, p.steps,
                 p.schedule == ARDIFF_SCHEDULE_AR ? "ar" : "uniform");
        run_pair(o, what, m, &p, (const char *const *)src, n, NULL, 0);
    }
    free(list);
    for (int i = 0; i < n; i++) free(src[i]);
    ardiff_model_free(m);
}

static int pick(side *sd, const ardiff_device_desc *all, int nall)
{
    int idx[8], n = 0;
    if (ardiff_devices_select(sd->spec, idx, 8, &n) != ARDIFF_OK) {
        fprintf(stderr, "cross_impl_compare: %s\n", ardiff_last_error());
        return -1;
    }
    CHECK(n == 1, "device spec '%s' selects %d devices, 1 required", sd->spec, n);
    if (n < 1 || idx[0] >= nall) return -1;
    sd->dev = idx[0];
    sd->desc = all[idx[0]];
    printf("%s: [%d] %s, %s, driver %s\n", sd->spec, sd->dev, sd->desc.name, sd->desc.platform,
           sd->desc.driver_version);
    return 0;
}

int main(int argc, char **argv)
{
    opts o = {.x0_abs = -1, .x0_rel = -1};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--a") && i + 1 < argc) o.a.spec = argv[++i];
        else if (!strcmp(argv[i], "--b") && i + 1 < argc) o.b.spec = argv[++i];
        else if (!strcmp(argv[i], "--x0-abs") && i + 1 < argc) o.x0_abs = atof(argv[++i]);
        else if (!strcmp(argv[i], "--x0-rel") && i + 1 < argc) o.x0_rel = atof(argv[++i]);
        else if (!strcmp(argv[i], "--per-step")) o.per_step = 1;
        else if (!strcmp(argv[i], "--fixture") && i + 1 < argc) i++;
        else if (!strcmp(argv[i], "--model") && i + 3 < argc) i += 3;
        else {
            fprintf(stderr, "cross_impl_compare: bad argument '%s' (see the file's header)\n", argv[i]);
            return 2;
        }
    }
    if (!o.a.spec || !o.b.spec || o.x0_abs < 0 || o.x0_rel < 0) {
        fprintf(stderr, "cross_impl_compare: --a, --b, --x0-abs and --x0-rel are required\n");
        return 2;
    }
    ardiff_device_desc *all = NULL;
    int nall = 0;
    if (ardiff_devices_list(&all, &nall) != ARDIFF_OK) {
        fprintf(stderr, "cross_impl_compare: no OpenCL device: %s\n", ardiff_last_error());
        return 1;
    }
    int okd = pick(&o.a, all, nall) == 0 && pick(&o.b, all, nall) == 0;
    free(all);
    if (!okd) {
        check_summary("cross_impl_compare");
        return 1;
    }
    CHECK(strcmp(o.a.desc.platform, o.b.desc.platform) != 0,
          "both specs select devices of the platform '%s'", o.a.desc.platform);
    printf("tolerance: x0 max |a-b| <= %g and <= %g x max |x0| at every step; ids, clamps, strings "
           "identical\n", o.x0_abs, o.x0_rel);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--fixture")) run_fixture(&o, argv[++i]);
        else if (!strcmp(argv[i], "--model")) {
            run_model(&o, argv[i + 1], argv[i + 2], argv[i + 3]);
            i += 3;
        } else if (strcmp(argv[i], "--per-step")) i++;
    }
    return check_summary("cross_impl_compare");
}
