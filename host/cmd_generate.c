/* cmd_generate.c: `ardiff generate` and `ardiff info`. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/clock.h"
#include "engine/schedule.h" /* AD_SCHED_MAX_STEPS */
#include "gen.h"
#include "input.h"
#include "mpi_generate.h"
#include "outfile.h"

static void gen_usage(FILE *f)
{
    fprintf(f,
            "usage: ardiff generate MODEL_DIR [options]\n"
            "Generates one output line per input line (one source per line; empty lines give\n"
            "empty outputs), in input order.\n"
            "\n"
            "  -i, --input FILE      sources (default: standard input)\n"
            "  -o, --output FILE     outputs (default: standard output; an existing file is\n"
            "                        kept unless --force)\n"
            "  --steps K             decoder calls (default: the model's [generate] steps)\n"
            "  --candidates k        samples per input, one chosen by MBR (default: the model's)\n"
            "  --schedule ar|uniform time schedule (default: the model's)\n"
            "  --anchor-scale S      AR anchor at S*N (default: the model's end_point_scale)\n"
            "  --case none|sentence  sentence: upper-case the output's first letter (for\n"
            "                        uncased models; default: the model's [generate] case)\n"
            "  --repeats keep|avoid  avoid: choose by MBR among the candidates without a\n"
            "                        back-to-back repeated word, if any (not official;\n"
            "                        default: the model's [generate] repeats, else keep)\n"
            "  --seed N              random seed (default 0); same seed, same output\n"
            "  -d, --device SPEC     device(s): index, type or name; repeat or comma-separate\n"
            "  --batch B             inputs denoised together (default 8)\n"
            "  --precision fp32|fp16 weight storage on the device (default fp32); fp16 halves\n"
            "                        the weight memory, arithmetic stays fp32\n"
            "  --format text|jsonl   jsonl: all candidates, MBR scores and timings per input,\n"
            "                        and each device's kernel variants\n"
            "  --force               replace --output if it is an existing regular file\n"
            "                        (its mode is kept; nothing else is ever replaced)\n"
            "  -q, --quiet           no progress and no throughput line\n"
            "  --progress            the progress line even when standard error is not a\n"
            "                        terminal (under mpirun it never is); in one process also\n"
            "                        the throughput line at the end (sentences/s, tokens/s)\n"
            "  --chunk C             under mpirun, in a build with MPI: inputs dealt to a rank\n"
            "                        at a time (default 2 batches; rounded up to a multiple of\n"
            "                        --batch; docs/mpi.md)\n");
}

static int parse_int(const char *opt, const char *v, int lo, int hi, int *out)
{
    char *end = NULL;
    errno = 0;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || !*v || *end || errno || x < lo || x > hi) {
        fprintf(stderr, "ardiff generate: %s needs an integer in [%d, %d], got '%s'\n", opt, lo,
                hi, v ? v : "");
        return -1;
    }
    *out = (int)x;
    return 0;
}

static int parse_gen_args(int argc, char **argv, gen_opts *o)
{
    memset(o, 0, sizeof *o);
    o->schedule = -1;
    o->sentence_case = -1;
    o->avoid_repeats = -1;
    o->steps = o->candidates = -1;
    o->batch = 8;
    o->anchor = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int r = cli_device_arg(argc, argv, &i, o->devices, sizeof o->devices);
        if (r < 0) return -1;
        if (r > 0) continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { gen_usage(stdout); return 1; }
        else if ((!strcmp(a, "-i") || !strcmp(a, "--input")) && v) { o->input = v; i++; }
        else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v) { o->output = v; i++; }
        else if (!strcmp(a, "--steps")) { if (parse_int(a, v, 1, AD_SCHED_MAX_STEPS, &o->steps)) return -1; i++; }
        else if (!strcmp(a, "--candidates")) { if (parse_int(a, v, 1, 4096, &o->candidates)) return -1; i++; }
        else if (!strcmp(a, "--batch")) { if (parse_int(a, v, 1, 1024, &o->batch)) return -1; i++; }
        else if (!strcmp(a, "--chunk")) { if (parse_int(a, v, 1, 1 << 20, &o->chunk)) return -1; i++; }
        else if (!strcmp(a, "--schedule") && v) {
            if (!strcmp(v, "ar")) o->schedule = ARDIFF_SCHEDULE_AR;
            else if (!strcmp(v, "uniform")) o->schedule = ARDIFF_SCHEDULE_UNIFORM;
            else { fprintf(stderr, "ardiff generate: --schedule must be ar or uniform, got '%s'\n", v); return -1; }
            i++;
        } else if (!strcmp(a, "--case") && v) {
            if (!strcmp(v, "none")) o->sentence_case = 0;
            else if (!strcmp(v, "sentence")) o->sentence_case = 1;
            else { fprintf(stderr, "ardiff generate: --case must be none or sentence, got '%s'\n", v); return -1; }
            i++;
        } else if (!strcmp(a, "--repeats") && v) {
            if (!strcmp(v, "keep")) o->avoid_repeats = 0;
            else if (!strcmp(v, "avoid")) o->avoid_repeats = 1;
            else { fprintf(stderr, "ardiff generate: --repeats must be keep or avoid, got '%s'\n", v); return -1; }
            i++;
        } else if (!strcmp(a, "--anchor-scale") && v) {
            char *end;
            o->anchor = strtod(v, &end);
            if (*end || !(o->anchor > 0) || o->anchor > 1000) {
                fprintf(stderr, "ardiff generate: --anchor-scale must be a number > 0, got '%s'\n", v);
                return -1;
            }
            i++;
        } else if (!strcmp(a, "--seed") && v) {
            char *end;
            errno = 0;
            o->seed = strtoull(v, &end, 10);
            /* digits only: strtoull would skip spaces and accept a sign, " -1" = 2^64 - 1 */
            if (!*v || strspn(v, "0123456789") != strlen(v) || *end || errno) {
                fprintf(stderr, "ardiff generate: --seed must be a non-negative integer, got '%s'\n", v);
                return -1;
            }
            o->have_seed = 1;
            i++;
        } else if (!strcmp(a, "--precision") && v) {
            if (!strcmp(v, "fp32")) o->precision = ARDIFF_PRECISION_FP32;
            else if (!strcmp(v, "fp16")) o->precision = ARDIFF_PRECISION_FP16;
            else {
                fprintf(stderr, "ardiff generate: --precision must be fp32 or fp16, got '%s'\n", v);
                return -1;
            }
            i++;
        } else if (!strcmp(a, "--format") && v) {
            if (!strcmp(v, "jsonl")) o->jsonl = 1;
            else if (strcmp(v, "text")) { fprintf(stderr, "ardiff generate: --format must be text or jsonl, got '%s'\n", v); return -1; }
            i++;
        } else if (!strcmp(a, "--force")) o->force = 1;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) o->quiet = 1;
        else if (!strcmp(a, "--progress")) o->progress = 1;
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "ardiff generate: unknown or incomplete option '%s' (see --help)\n", a);
            return -1;
        } else if (!o->model) o->model = a;
        else { fprintf(stderr, "ardiff generate: unexpected argument '%s'\n", a); return -1; }
    }
    if (!o->model) {
        fprintf(stderr, "ardiff generate: missing MODEL_DIR (see --help)\n");
        return -1;
    }
    return 0;
}

void gen_progress(int done, int total, double t0, double now)
{
    double el = (now - t0) / 1e3, rate = el > 0 ? done / el : 0;
    double eta = rate > 0 ? (total - done) / rate : 0;
    fprintf(stderr, "\rardiff: %d/%d inputs, %.2f sentences/s, ETA %.0f s   ", done, total, rate, eta);
    if (done == total) fputc('\n', stderr);
}

static int write_jsonl(cli_out *out, const ardiff_engine *e, long index, const char *src,
                       const ardiff_output *o, const ardiff_stats *st, int nbatch)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "index", (double)index);
    cJSON_AddStringToObject(j, "source", src);
    cJSON_AddStringToObject(j, "output", o->text ? o->text : "");
    cJSON_AddNumberToObject(j, "choice", o->choice);
    cJSON *c = cJSON_AddArrayToObject(j, "candidates");
    cJSON *s = cJSON_AddArrayToObject(j, "mbr_scores");
    for (int i = 0; i < o->k; i++) {
        cJSON_AddItemToArray(c, cJSON_CreateString(o->candidates[i]));
        cJSON_AddItemToArray(s, cJSON_CreateNumber(o->scores[i]));
    }
    cJSON_AddNumberToObject(j, "source_tokens", o->source_tokens);
    cJSON_AddBoolToObject(j, "truncated", o->truncated);
    cJSON *t = cJSON_AddObjectToObject(j, "timing_ms");
    cJSON_AddNumberToObject(t, "batch_encode", st->encode_ms);
    cJSON_AddNumberToObject(t, "batch_decode", st->decode_ms);
    cJSON_AddNumberToObject(t, "batch_mbr", st->mbr_ms);
    cJSON_AddNumberToObject(t, "batch_inputs", nbatch);
    /* the kernel-variant table of each device (docs/kernels.md): what the timings ran */
    cJSON *kv = cJSON_AddArrayToObject(j, "kernels");
    for (int i = 0; i < ardiff_engine_device_count(e); i++)
        cJSON_AddItemToArray(kv, cJSON_CreateString(ardiff_engine_kernels(e, i)));
    char *txt = cJSON_PrintUnformatted(j);
    int rc = txt ? cli_out_line(out, txt) : -1;
    if (!txt) fprintf(stderr, "ardiff generate: out of memory writing input %ld\n", index);
    free(txt);
    cJSON_Delete(j);
    return rc;
}

void gen_params(const gen_opts *o, const ardiff_model *m, ardiff_params *p)
{
    ardiff_params_default(m, p);
    if (o->steps > 0) p->steps = o->steps;
    if (o->candidates > 0) p->candidates = o->candidates;
    if (o->schedule >= 0) p->schedule = (ardiff_schedule)o->schedule;
    if (o->anchor > 0) p->anchor_scale = o->anchor;
    if (o->sentence_case >= 0) p->sentence_case = o->sentence_case;
    if (o->avoid_repeats >= 0) p->avoid_repeats = o->avoid_repeats;
    if (o->have_seed) p->seed = o->seed;
    p->batch = o->batch;
}

int gen_engine_open(const gen_opts *o, const ardiff_model *m, const ardiff_params *p,
                    ardiff_engine **e)
{
    int dev[16], ndev = 0;
    ardiff_device_request req = {o->devices, ardiff_model_device(m), 0};
    if (ardiff_devices_resolve(&req, dev, 16, &ndev) != ARDIFF_OK) return -1;
    if (ardiff_engine_create_ex(m, dev, ndev, p->batch, p->candidates, p->steps, o->precision, e) !=
        ARDIFF_OK)
        return -1;
    return 0;
}

int gen_range(const gen_opts *o, ardiff_engine *e, const ardiff_params *p, char **lines, int n,
              long first, cli_out *out, int *truncated, ardiff_stats *total,
              void (*on_batch)(int done, void *user), void *user)
{
    int rc = 0;
    ardiff_output *outs = calloc((size_t)p->batch, sizeof *outs);
    if (!outs) {
        fprintf(stderr, "ardiff generate: out of memory\n");
        return 2;
    }
    for (int i = 0; i < n && rc == 0; i += p->batch) {
        int nb = n - i < p->batch ? n - i : p->batch;
        ardiff_stats st = {0};
        if (ardiff_generate(e, p, (const char *const *)lines + i, nb, (uint64_t)(first + i), outs,
                            &st) != ARDIFF_OK) {
            rc = 1;
            break;
        }
        if (total) {
            total->encode_ms += st.encode_ms, total->decode_ms += st.decode_ms;
            total->mbr_ms += st.mbr_ms, total->decoder_calls += st.decoder_calls;
            total->tokens += st.tokens;
        }
        for (int b = 0; b < nb; b++) {
            if (truncated) *truncated += outs[b].truncated;
            int w = o->jsonl ? write_jsonl(out, e, first + i + b, lines[i + b], &outs[b], &st, nb)
                             : cli_out_line(out, outs[b].text);
            if (w != 0) rc = 2;
        }
        if (rc == 0 && cli_out_flush(out) != 0) rc = 2; /* a full disk stops the run here */
        ardiff_outputs_free(outs, nb);
        if (rc == 0 && on_batch) on_batch(i + nb, user);
    }
    free(outs);
    return rc;
}

void gen_throughput(int n, const ardiff_stats *st, double startup_ms, double gen_ms)
{
    double s = gen_ms > 0 ? gen_ms / 1e3 : 0;
    fprintf(stderr, "ardiff: %d inputs in %.2f s (after %.2f s start-up): %.3f sentences/s, "
            "%.1f tokens/s\n", n, s, startup_ms / 1e3, s > 0 ? n / s : 0.0,
            s > 0 ? (double)st->tokens / s : 0.0);
}

void gen_warn_truncated(int truncated, int total)
{
    if (truncated)
        fprintf(stderr, "ardiff generate: warning: %d of %d inputs were longer than the model's "
                "max_src_len and were truncated\n", truncated, total);
}

typedef struct single_progress {
    int total;
    double t0;
} single_progress;

static void single_on_batch(int done, void *user)
{
    const single_progress *sp = user;
    gen_progress(done, sp->total, sp->t0, ad_now_ms());
}

static int run_generate(const gen_opts *o, ardiff_model *m, char **lines, int n, cli_out *out)
{
    ardiff_params p;
    gen_params(o, m, &p);
    ardiff_engine *e = NULL;
    double t0 = ad_now_ms();
    if (gen_engine_open(o, m, &p, &e) != 0) {
        cli_error("generate");
        return 1;
    }
    single_progress sp = {n, ad_now_ms()};
    int truncated = 0, show = !o->quiet && (o->progress || isatty(2));
    ardiff_stats total = {0};
    int rc = gen_range(o, e, &p, lines, n, 0, out, &truncated, &total,
                       show ? single_on_batch : NULL, &sp);
    if (rc == 1) cli_error("generate");
    if (rc == 0 && show) gen_throughput(n, &total, sp.t0 - t0, ad_now_ms() - sp.t0);
    gen_warn_truncated(truncated, n);
    ardiff_engine_free(e);
    return rc ? 1 : 0;
}

int gen_single(const gen_opts *o)
{
    ardiff_model *m = NULL;
    if (ardiff_model_open(o->model, &m) != ARDIFF_OK) {
        cli_error("generate");
        return 1;
    }
    gen_input in;
    cli_out out;
    int rc = input_read(o->input, &in) == 0 ? 0 : 1;
    int opened = rc == 0 && cli_out_open(&out, o->output, o->force) == 0;
    if (!opened) rc = 1;
    if (rc == 0) rc = run_generate(o, m, in.lines, in.n, &out);
    if (opened && cli_out_close(&out, rc == 0) != 0) rc = 1;
    input_free(&in);
    ardiff_model_free(m);
    return rc;
}

int cmd_generate(int argc, char **argv)
{
    gen_opts o;
    int r = parse_gen_args(argc, argv, &o);
    if (r != 0) return r < 0 ? 2 : 0; /* 1: --help was printed */
    if (mpi_generate_launched()) return mpi_generate(&o); /* under mpirun (docs/mpi.md) */
    return gen_single(&o);
}

int cmd_info(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fprintf(argc < 2 ? stderr : stdout, "usage: ardiff info MODEL_DIR\n"
                "Prints the model's sizes and settings (after checking every file).\n");
        return argc < 2 ? 2 : 0;
    }
    ardiff_model *m = NULL;
    if (ardiff_model_open(argv[1], &m) != ARDIFF_OK) {
        cli_error("info");
        return 1;
    }
    char buf[4096];
    ardiff_model_describe(m, buf, sizeof buf);
    fputs(buf, stdout);
    ardiff_model_free(m);
    return 0;
}
