/* bench_generate.c: ardiff_bench_generate: end-to-end generation on the chosen device(s):
 * start-up (cold: ARDIFF_CACHE=off; cache fill; warm: cache on, second time; each in a fresh
 * process), then for every cell (k candidates, K steps) the encoder time, the time per step,
 * sentences/s and tokens/s, and with --ref the PyTorch reference (python3 -m
 * ardiff_ref.bench_ref) on the same inputs, k, K, batch and seed in the same run, with the
 * ratio ardiff / reference and a check that the outputs are the same strings.
 * A cell runs on the first n inputs, n = clamp(budget / (k K), 1, inputs): the grid then fits a
 * time budget; compare only ratios from one run. */
#define _XOPEN_SOURCE 700 /* nftw, realpath */
#include <cjson/cJSON.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <clblast_c.h>

#include "ardiff.h"
#include "commit.h" /* generated at build time (cmake/commit.cmake) */
#include "hostinfo.h"
#include "step_cost.h"

#define MAX_LIST 8
#define MAX_CELLS (MAX_LIST * MAX_LIST)

typedef struct opts {
    const char *model, *inputs, *device, *python;
    int k[MAX_LIST], nk, steps[MAX_LIST], nsteps;
    int batch, max_inputs, budget, threads, ref, startup, schedule, blas;
    unsigned long long seed;
} opts;

typedef struct figures { /* one cell, one side */
    int ok, n;
    double enc_ms, step_ms, total_s, sent_s, tok_s;
    char **outputs;      /* n strings */
} figures;

typedef struct cell {
    int k, K, n;
    figures a, r;
    double flops_per_call; /* step_cost.h's count, averaged over the cell's decoder calls */
    double blas_gflops;    /* OpenBLAS on one full call's GEMMs, -1 if not measured */
} cell;

/* this program uses only the public API, so it keeps its own clock */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ardiff_bench_generate MODEL_DIR --inputs FILE [options]\n"
            "  -d, --device SPEC   device(s), as for `ardiff generate` (default: ARDIFF_DEVICE or\n"
            "                      the first GPU, else device 0)\n"
            "  --k LIST            candidates per input (default 1,10,50)\n"
            "  --steps LIST        K decoder calls (default 2,3,20)\n"
            "  --batch B           inputs denoised together, both sides (default 8)\n"
            "  --max-inputs N      use at most the first N input lines (default 16)\n"
            "  --budget R          a cell runs on n = clamp(R / (k K), 1, N) inputs (default 250;\n"
            "                      0: every cell on all N)\n"
            "  --seed N            (default 0)     --schedule ar|uniform (default: the model's)\n"
            "  --ref               also run the PyTorch reference in this run\n"
            "  --threads T         reference torch threads (default: online CPUs)\n"
            "  --python PATH       (default: ARDIFF_PYTHON or /usr/bin/python3); the reference is\n"
            "                      found in $ARDIFF_SOURCE_DIR/tools, else the build's source dir\n"
            "  --no-startup        skip the start-up measurements\n"
            "  --no-blas           skip OpenBLAS on each cell's step GEMMs (the baseline of the\n"
            "                      step's FLOP rate)\n"
            "  --quick             --k 1,10 --steps 2,3 --max-inputs 8 --budget 40\n");
}

static int parse_list(const char *s, int *v, int *n)
{
    *n = 0;
    for (const char *p = s; *p;) {
        char *end;
        long x = strtol(p, &end, 10);
        if (end == p || x < 1 || x > 100000 || *n == MAX_LIST || (*end && *end != ',')) return -1;
        v[(*n)++] = (int)x;
        p = *end ? end + 1 : end;
    }
    return *n ? 0 : -1;
}

static int parse_args(int argc, char **argv, opts *o)
{
    static const int dk[] = {1, 10, 50}, ds[] = {2, 3, 20};
    memset(o, 0, sizeof *o);
    memcpy(o->k, dk, sizeof dk);
    memcpy(o->steps, ds, sizeof ds);
    o->nk = o->nsteps = 3;
    o->batch = 8, o->max_inputs = 16, o->budget = 250, o->startup = 1, o->schedule = -1;
    o->blas = 1;
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = nproc > 0 ? (int)nproc : 1;
    o->python = getenv("ARDIFF_PYTHON") ? getenv("ARDIFF_PYTHON") : "/usr/bin/python3";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); exit(0); }
        else if (!strcmp(a, "--ref")) o->ref = 1;
        else if (!strcmp(a, "--no-startup")) o->startup = 0;
        else if (!strcmp(a, "--no-blas")) o->blas = 0;
        else if (!strcmp(a, "--quick")) {
            o->k[0] = 1, o->k[1] = 10, o->nk = 2, o->steps[0] = 2, o->steps[1] = 3, o->nsteps = 2;
            o->max_inputs = 8, o->budget = 40;
        } else if (a[0] == '-' && !v) bad = 1;
        else if (!strcmp(a, "--inputs")) o->inputs = argv[++i];
        else if (!strcmp(a, "-d") || !strcmp(a, "--device")) o->device = argv[++i];
        else if (!strcmp(a, "--python")) o->python = argv[++i];
        else if (!strcmp(a, "--k")) bad = parse_list(argv[++i], o->k, &o->nk);
        else if (!strcmp(a, "--steps")) bad = parse_list(argv[++i], o->steps, &o->nsteps);
        else if (!strcmp(a, "--batch")) bad = (o->batch = atoi(argv[++i])) < 1;
        else if (!strcmp(a, "--max-inputs")) bad = (o->max_inputs = atoi(argv[++i])) < 1;
        else if (!strcmp(a, "--budget")) bad = (o->budget = atoi(argv[++i])) < 0;
        else if (!strcmp(a, "--threads")) bad = (o->threads = atoi(argv[++i])) < 1;
        else if (!strcmp(a, "--seed")) o->seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--schedule")) {
            const char *s = argv[++i];
            o->schedule = !strcmp(s, "ar") ? ARDIFF_SCHEDULE_AR
                        : !strcmp(s, "uniform") ? ARDIFF_SCHEDULE_UNIFORM : -2;
            bad = o->schedule == -2;
        } else if (a[0] == '-') bad = 1;
        else if (!o->model) o->model = a;
        else bad = 1;
        if (bad) {
            fprintf(stderr, "ardiff_bench_generate: bad or unknown option '%s' (see --help)\n", a);
            return -1;
        }
    }
    if (!o->model || !o->inputs) {
        fprintf(stderr, "ardiff_bench_generate: MODEL_DIR and --inputs FILE are required\n");
        return -1;
    }
    return 0;
}

static char **read_lines(const char *path, int max, int *n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "ardiff_bench_generate: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char **v = calloc((size_t)max, sizeof *v), *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    *n = 0;
    while (v && *n < max && (len = getline(&buf, &cap, f)) >= 0) {
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) buf[--len] = '\0';
        v[(*n)++] = strdup(buf);
    }
    free(buf);
    fclose(f);
    if (v && !*n) {
        fprintf(stderr, "ardiff_bench_generate: %s holds no lines\n", path);
        free(v);
        return NULL;
    }
    return v;
}

/* Appends s to dst single-quoted for sh. */
static void sh_quote(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(dst);
    if (n + 1 < cap) dst[n++] = '\'';
    for (; *s && n + 5 < cap; s++) {
        if (*s == '\'') { memcpy(dst + n, "'\\''", 4); n += 4; }
        else dst[n++] = *s;
    }
    if (n + 1 < cap) dst[n++] = '\'';
    dst[n] = '\0';
}

static void set_params(const opts *o, const ardiff_model *m, int k, int K, ardiff_params *p)
{
    ardiff_params_default(m, p);
    p->candidates = k, p->steps = K, p->batch = o->batch, p->seed = o->seed;
    if (o->schedule >= 0) p->schedule = (ardiff_schedule)o->schedule;
}

static int max_of(const int *v, int n)
{
    int m = v[0];
    for (int i = 1; i < n; i++) m = v[i] > m ? v[i] : m;
    return m;
}

static int fail(const char *what)
{
    fprintf(stderr, "ardiff_bench_generate: %s: %s\n", what, ardiff_last_error());
    return 1;
}

/* Opens the model and the engine; with first != NULL also times one request (input 0, k=1, K=2),
 * which includes any kernel compiled lazily on first use. */
static int open_all(const opts *o, const char *first_src, ardiff_model **m, ardiff_engine **e,
                    double ms[3])
{
    int dev[16], ndev = 0;
    double t0 = now_ms();
    if (ardiff_model_open(o->model, m) != ARDIFF_OK) return fail("model");
    double t1 = now_ms();
    if (ardiff_devices_select(o->device, dev, 16, &ndev) != ARDIFF_OK) return fail("devices");
    if (ardiff_engine_create(*m, dev, ndev, o->batch, max_of(o->k, o->nk),
                             max_of(o->steps, o->nsteps), e) != ARDIFF_OK)
        return fail("engine");
    double t2 = now_ms();
    ms[0] = t1 - t0, ms[1] = t2 - t1, ms[2] = 0;
    ardiff_params p;
    set_params(o, *m, 1, 2, &p);
    ardiff_output out;
    if (ardiff_generate(*e, &p, &first_src, 1, 0, &out, NULL) != ARDIFF_OK)
        return fail("first request");
    ardiff_outputs_free(&out, 1);
    ms[2] = now_ms() - t2;
    return 0;
}

/* Child mode (--startup-child): prints "STARTUP load create first" in ms. */
static int startup_child(const opts *o, const char *src)
{
    ardiff_model *m = NULL;
    ardiff_engine *e = NULL;
    double ms[3];
    int rc = open_all(o, src, &m, &e, ms);
    if (!rc) printf("STARTUP %.1f %.1f %.1f\n", ms[0], ms[1], ms[2]);
    ardiff_engine_free(e);
    ardiff_model_free(m);
    return rc;
}

/* Runs this program again in --startup-child mode with ARDIFF_CACHE / ARDIFF_CACHE_DIR set. */
static int startup_run(int argc, char **argv, const char *cache, const char *dir, double ms[3])
{
    char exe[4096], cmd[16384] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return -1;
    exe[n] = '\0';
    sh_quote(cmd, sizeof cmd, exe);
    for (int i = 1; i < argc; i++) {
        strncat(cmd, " ", sizeof cmd - strlen(cmd) - 1);
        sh_quote(cmd, sizeof cmd, argv[i]);
    }
    strncat(cmd, " --startup-child", sizeof cmd - strlen(cmd) - 1);
    int cold = !strcmp(cache, "off");
    setenv("ARDIFF_CACHE", cache, 1);
    setenv("ARDIFF_CACHE_DIR", dir, 1);
    if (cold) { /* the drivers' own compiler caches too (names that other drivers ignore) */
        setenv("POCL_KERNEL_CACHE", "0", 1);
        setenv("CUDA_CACHE_DISABLE", "1", 1);
        setenv("MESA_SHADER_CACHE_DISABLE", "true", 1);
    }
    FILE *p = popen(cmd, "r");
    char line[256];
    int got = 0;
    while (p && fgets(line, sizeof line, p))
        got |= sscanf(line, "STARTUP %lf %lf %lf", &ms[0], &ms[1], &ms[2]) == 3;
    int st = p ? pclose(p) : -1;
    unsetenv("ARDIFF_CACHE");
    if (cold)
        unsetenv("POCL_KERNEL_CACHE"), unsetenv("CUDA_CACHE_DISABLE"),
            unsetenv("MESA_SHADER_CACHE_DISABLE");
    return got && st == 0 ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void print_header(const opts *o, const ardiff_engine *e, const char *cache_dir)
{
    struct utsname u;
    uname(&u);
    char date[64], cpu[256] = "unknown CPU", line[512];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
            snprintf(cpu, sizeof cpu, "%s", strchr(line, ':') + 2);
            cpu[strcspn(cpu, "\n")] = '\0';
            break;
        }
    if (f) fclose(f);
    printf("# ardiff_bench_generate %s, %s\n", ardiff_version(), date);
    printf("# host: %s %s %s, CPU: %s, %ld online CPUs\n", u.nodename, u.sysname, u.machine, cpu,
           sysconf(_SC_NPROCESSORS_ONLN));
    for (int i = 0; i < ardiff_engine_device_count(e); i++) {
        const ardiff_device_desc *d = ardiff_engine_device(e, i);
        printf("# device %d: %s (%s), platform %s (%s), driver %s, %u CUs\n", d->index, d->name,
               d->type, d->platform, d->platform_version, d->driver_version, d->compute_units);
    }
    printf("# CLBlast %d.%d.%d (its built-in tuning database), precision fp32, commit %s\n",
           CLBLAST_VERSION_MAJOR, CLBLAST_VERSION_MINOR, CLBLAST_VERSION_PATCH, ARDIFF_COMMIT);
    printf("# model %s; inputs %s (first %d lines); batch %d; seed %llu; budget %d (k K n)\n",
           o->model, o->inputs, o->max_inputs, o->batch, o->seed, o->budget);
    printf("# program cache for the table: %s (warm: filled by the start-up runs)\n", cache_dir);
    if (o->blas) printf("# step FLOP-rate baseline: %s\n", step_openblas_name());
}

/* The cell's FLOPs per decoder call: batches of o->batch inputs, each padded to its longest
 * source, K calls each plus the output head once. */
static void count_flops(const opts *o, const step_model *sm, const ardiff_output *out, cell *c)
{
    double total = 0;
    int calls = 0;
    for (int i = 0; i < c->n; i += o->batch) {
        int nb = c->n - i < o->batch ? c->n - i : o->batch, S = 1;
        for (int b = 0; b < nb; b++) S = out[i + b].source_tokens > S ? out[i + b].source_tokens : S;
        total += c->K * step_flops(sm, nb * c->k, S, 0) + step_head_flops(sm, nb * c->k);
        calls += c->K;
    }
    c->flops_per_call = calls ? total / calls : 0;
}

static int run_ardiff(ardiff_engine *e, const ardiff_model *m, const opts *o,
                      const step_model *sm, char **lines, cell *c)
{
    ardiff_params p;
    set_params(o, m, c->k, c->K, &p);
    ardiff_output *out = calloc((size_t)c->n, sizeof *out);
    ardiff_stats st = {0};
    if (!out) return -1;
    double t0 = now_ms();
    if (ardiff_generate(e, &p, (const char *const *)lines, c->n, 0, out, &st) != ARDIFF_OK) {
        free(out);
        return fail("generate");
    }
    double s = (now_ms() - t0) / 1e3;
    figures *a = &c->a;
    a->ok = 1, a->n = c->n, a->total_s = s;
    a->enc_ms = st.encode_ms;
    a->step_ms = st.decoder_calls ? st.decode_ms / st.decoder_calls : 0;
    a->sent_s = c->n / s, a->tok_s = st.tokens / s;
    if (sm) count_flops(o, sm, out, c);
    a->outputs = calloc((size_t)c->n, sizeof *a->outputs);
    for (int i = 0; a->outputs && i < c->n; i++)
        a->outputs[i] = strdup(out[i].text ? out[i].text : "");
    ardiff_outputs_free(out, c->n);
    free(out);
    return 0;
}

static double num(const cJSON *j, const char *key)
{
    return cJSON_GetNumberValue(cJSON_GetObjectItem(j, key)); /* NaN if missing */
}

/* Takes one bench_ref JSON line for cell c (k and K must match); prints the versions if asked. */
static void take_ref_line(const char *line, cell *c, int show_versions)
{
    cJSON *j = cJSON_Parse(line);
    figures *r = &c->r;
    if (!j || num(j, "k") != c->k || num(j, "steps") != c->K) {
        cJSON_Delete(j);
        return;
    }
    if (show_versions)
        printf("# reference: torch %s, %.0f threads, model load %.2f s\n",
               cJSON_GetStringValue(cJSON_GetObjectItem(j, "torch")), num(j, "threads"),
               num(j, "load_s"));
    r->ok = 1, r->n = c->n;
    r->enc_ms = 1e3 * num(j, "encoder_s"), r->step_ms = 1e3 * num(j, "step_s");
    r->total_s = num(j, "total_s");
    r->sent_s = num(j, "sentences_per_s"), r->tok_s = num(j, "tokens_per_s");
    cJSON *outs = cJSON_GetObjectItem(j, "outputs");
    r->outputs = calloc((size_t)r->n, sizeof *r->outputs);
    for (int t = 0; r->outputs && t < r->n; t++) {
        const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(outs, t));
        r->outputs[t] = strdup(s ? s : "");
    }
    cJSON_Delete(j);
}

typedef struct coproc {
    pid_t pid;
    FILE *to, *from;
} coproc;

/* Starts `python3 -m ardiff_ref.bench_ref ... --plan -` in the source's tools/ folder, with
 * pipes to its standard input and from its standard output. */
static int ref_start(const opts *o, coproc *cp)
{
    const char *src = getenv("ARDIFF_SOURCE_DIR") ? getenv("ARDIFF_SOURCE_DIR") : ARDIFF_SOURCE_DIR;
    char tools[4096], cmd[16384] = "cd ", model[4096], inputs[4096];
    snprintf(tools, sizeof tools, "%s/tools", src);
    if (!realpath(o->model, model) || !realpath(o->inputs, inputs)) {
        fprintf(stderr, "ardiff_bench_generate: cannot resolve the model or inputs path\n");
        return -1;
    }
    sh_quote(cmd, sizeof cmd, tools);
    strncat(cmd, " && exec ", sizeof cmd - strlen(cmd) - 1);
    sh_quote(cmd, sizeof cmd, o->python);
    strncat(cmd, " -m ardiff_ref.bench_ref ", sizeof cmd - strlen(cmd) - 1);
    sh_quote(cmd, sizeof cmd, model);
    strncat(cmd, " --inputs ", sizeof cmd - strlen(cmd) - 1);
    sh_quote(cmd, sizeof cmd, inputs);
    size_t n = strlen(cmd);
    snprintf(cmd + n, sizeof cmd - n, " --plan - --seed %llu --threads %d --batch %d%s", o->seed,
             o->threads, o->batch, o->schedule == ARDIFF_SCHEDULE_UNIFORM ? " --schedule uniform" : "");
    printf("# reference: %s\n", cmd);
    fflush(stdout);
    int in[2], out[2];
    if (pipe(in) || pipe(out)) return -1;
    cp->pid = fork();
    if (cp->pid < 0) return -1;
    if (cp->pid == 0) {
        dup2(in[0], 0), dup2(out[1], 1);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(in[0]), close(out[1]);
    cp->to = fdopen(in[1], "w");
    cp->from = fdopen(out[0], "r");
    return cp->to && cp->from ? 0 : -1;
}

/* Asks the reference for one cell and reads its JSON line. */
static int ref_cell(coproc *cp, cell *c, int first)
{
    char *line = NULL;
    size_t cap = 0;
    fprintf(cp->to, "%d:%d:%d\n", c->k, c->K, c->n);
    if (fflush(cp->to) == 0 && getline(&line, &cap, cp->from) >= 0) take_ref_line(line, c, first);
    free(line);
    return c->r.ok ? 0 : -1;
}

static int ref_stop(coproc *cp)
{
    int st = -1;
    if (cp->to) fclose(cp->to);
    if (cp->from) fclose(cp->from);
    if (cp->pid > 0) waitpid(cp->pid, &st, 0);
    return st == 0 ? 0 : -1;
}

static void print_row(const char *who, const figures *f)
{
    if (!f->ok) { printf("  %-8s (not run)\n", who); return; }
    printf("  %-8s %10.1f %10.1f %9.2f %9.3f %9.1f\n", who, f->enc_ms, f->step_ms, f->total_s,
           f->sent_s, f->tok_s);
}

static void print_flops(const cell *c)
{
    if (c->flops_per_call <= 0) return;
    double a = c->a.ok && c->a.step_ms > 0 ? c->flops_per_call / c->a.step_ms / 1e6 : -1;
    double r = c->r.ok && c->r.step_ms > 0 ? c->flops_per_call / c->r.step_ms / 1e6 : -1;
    printf("  step %.3f GFLOP: GFLOP/s ardiff %.2f", c->flops_per_call / 1e9, a);
    if (r > 0) printf(", ref %.2f", r);
    if (c->blas_gflops > 0)
        printf("; OpenBLAS on the step's GEMMs %.2f; ardiff/OpenBLAS %.2f", c->blas_gflops,
               a > 0 ? a / c->blas_gflops : 0);
    printf("\n");
}

static void print_cell(const cell *c)
{
    printf("k=%d K=%d n=%d\n", c->k, c->K, c->n);
    print_row("ardiff", &c->a);
    print_row("ref", &c->r);
    print_flops(c);
    if (!c->a.ok || !c->r.ok || c->r.sent_s <= 0) return;
    int same = 0;
    for (int i = 0; i < c->n; i++)
        same += c->a.outputs && c->r.outputs && !strcmp(c->a.outputs[i], c->r.outputs[i]);
    printf("  speed ratio ardiff/ref: sentences/s %.2f, steps/s %.2f; outputs identical %d/%d%s\n",
           c->a.sent_s / c->r.sent_s, c->a.step_ms > 0 ? c->r.step_ms / c->a.step_ms : 0, same,
           c->n, same == c->n ? "" : "  NOTE: outputs differ (see above)");
    for (int i = 0, shown = 0; i < c->n && shown < 2; i++)
        if (c->a.outputs && c->r.outputs && strcmp(c->a.outputs[i], c->r.outputs[i])) {
            printf("    input %d ardiff: %.100s\n    input %d ref:    %.100s\n", i,
                   c->a.outputs[i], i, c->r.outputs[i]);
            shown++;
        }
}

static void free_figures(figures *f)
{
    for (int i = 0; f->outputs && i < f->n; i++) free(f->outputs[i]);
    free(f->outputs);
}

int main(int argc, char **argv)
{
    opts o;
    int child = argc > 1 && !strcmp(argv[argc - 1], "--startup-child");
    if (parse_args(child ? argc - 1 : argc, argv, &o)) return 2;
    int nlines = 0;
    char **lines = read_lines(o.inputs, o.max_inputs, &nlines);
    if (!lines) return 1;
    if (child) return startup_child(&o, lines[0]);
    o.max_inputs = nlines;

    char cache_dir[] = "/tmp/ardiff-bench-cache-XXXXXX";
    if (!mkdtemp(cache_dir)) {
        fprintf(stderr, "ardiff_bench_generate: mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    double cold[3] = {0}, fill[3] = {0}, warm[3] = {0};
    int st_ok = o.startup && !startup_run(argc, argv, "off", cache_dir, cold) &&
                !startup_run(argc, argv, "on", cache_dir, fill) &&
                !startup_run(argc, argv, "on", cache_dir, warm);
    if (o.startup && !st_ok) fprintf(stderr, "ardiff_bench_generate: a start-up run failed\n");
    setenv("ARDIFF_CACHE_DIR", cache_dir, 1);

    ardiff_model *m = NULL;
    ardiff_engine *e = NULL;
    double ms[3];
    step_model sm;
    int have_sm = !step_model_read(o.model, &sm);
    int rc = open_all(&o, lines[0], &m, &e, ms); /* includes a warm-up request */
    cell cells[MAX_CELLS];
    int nc = 0;
    if (!rc) {
        print_header(&o, e, cache_dir);
        bench_print_loadavg("at the start (other processes skew timings)");
        if (st_ok) {
            printf("\n# start-up, each in a fresh process (ms): model load + engine create "
                   "(kernel build, weight upload) + first request (input 0, k=1, K=2)\n");
            printf("  cold (ARDIFF_CACHE=off POCL_KERNEL_CACHE=0 CUDA_CACHE_DISABLE=1 "
                   "MESA_SHADER_CACHE_DISABLE=true)\n");
            printf("                           %8.0f + %8.0f + %8.0f\n", cold[0], cold[1], cold[2]);
            printf("  cache fill (empty dir)   %8.0f + %8.0f + %8.0f\n", fill[0], fill[1], fill[2]);
            printf("  warm (cache on, 2nd)     %8.0f + %8.0f + %8.0f\n", warm[0], warm[1], warm[2]);
        }
        printf("\n# per cell on the first n inputs: encoder ms (summed over batches), ms per step "
               "(decode time incl. final argmax / steps), wall s, sentences/s, tokens/s "
               "(non-special tokens of the chosen outputs)\n");
        if (have_sm)
            printf("# step GFLOP: one decoder call's FLOPs counted from model.ini (GEMMs, attention "
                   "products, clamping as the dense k*N x V x d product, the final head spread over "
                   "the steps; elementwise ops not counted), averaged over the cell's calls; "
                   "GFLOP/s = that / ms per step; OpenBLAS: cblas_sgemm on one full call's GEMMs "
                   "(the clamp in the runtime's row chunks), on the host, after each cell\n");
        printf("  %-8s %10s %10s %9s %9s %9s\n", "", "enc ms", "step ms", "total s", "sent/s",
               "tok/s");
        fflush(stdout);
    }
    coproc cp = {0};
    int ref_ok = o.ref && !rc;
    signal(SIGPIPE, SIG_IGN); /* a reference that dies must not kill us */
    if (ref_ok && ref_start(&o, &cp)) {
        fprintf(stderr, "ardiff_bench_generate: cannot start the reference\n");
        ref_ok = 0;
    }
    for (int i = 0; !rc && i < o.nk; i++)
        for (int j = 0; !rc && j < o.nsteps; j++) { /* ardiff, then the reference, per cell */
            cell *c = &cells[nc++];
            memset(c, 0, sizeof *c);
            c->k = o.k[i], c->K = o.steps[j];
            long n = o.budget ? o.budget / ((long)c->k * c->K) : nlines;
            c->n = n < 1 ? 1 : n > nlines ? nlines : (int)n;
            c->blas_gflops = -1;
            rc = run_ardiff(e, m, &o, have_sm ? &sm : NULL, lines, c);
            if (!rc && have_sm && o.blas) {
                int rows = (c->n < o.batch ? c->n : o.batch) * c->k;
                double bms = step_openblas_ms(&sm, rows, 3);
                if (bms > 0) c->blas_gflops = step_flops(&sm, rows, 1, 1) / bms / 1e6;
            }
            if (!rc && ref_ok && ref_cell(&cp, c, nc == 1)) {
                fprintf(stderr, "ardiff_bench_generate: the reference failed (k=%d K=%d)\n",
                        c->k, c->K);
                ref_ok = 0;
            }
            if (!rc) print_cell(c);
            fflush(stdout);
        }
    if (o.ref && cp.pid > 0 && ref_stop(&cp))
        fprintf(stderr, "ardiff_bench_generate: the reference exited with an error\n");
    if (o.ref && !ref_ok && !rc) rc = 1;
    if (!rc) bench_print_loadavg("at the end");
    for (int i = 0; i < nc; i++) free_figures(&cells[i].a), free_figures(&cells[i].r);
    for (int i = 0; i < nlines; i++) free(lines[i]);
    free(lines);
    ardiff_engine_free(e);
    ardiff_model_free(m);
    nftw(cache_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
