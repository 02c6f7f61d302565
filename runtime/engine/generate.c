/* generate.c: the engine (per device the network, forward.h, and the sampler over it,
 * sampler.h) and ardiff_generate, the C twin of tools/ardiff_ref/generate.py: tokenize, batch,
 * split the work among the devices in proportion to their measured speed (the k candidates when
 * there are at least as many as devices, else the batch's inputs), run the encoder and the
 * sampler on each (one host thread per device), decode, and choose by MBR on the host.
 *
 * Results do not depend on the split: the noise of (input, candidate) is addressed by global
 * coordinates (docs/rng.md), and decoder rows never interact.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "engine/forward.h"
#include "engine/mbr.h"
#include "engine/model.h"
#include "engine/sampler.h"
#include "engine/tokenizer.h" /* ad_sentence_case */
#include "core/clock.h"

#define AD_MAX_DEVICES 16

struct ardiff_engine {
    const ardiff_model *m;
    int ndev;
    ad_fwd *fwd[AD_MAX_DEVICES];     /* the network on each device */
    ad_sampler *smp[AD_MAX_DEVICES]; /* the sampler over it */
    double speed[AD_MAX_DEVICES];    /* decoder rows per ms, measured on earlier batches */
    int max_batch, max_k, max_steps;
    ardiff_trace_fn trace;
    void *trace_user;
    int truncation_warnings; /* warned so far; later ones are only counted in the outputs */
};

/* Per-line truncation warnings an engine prints before it goes quiet (summarisation sources
 * are routinely longer than max_src_len; ardiff_output.truncated still marks every one). */
#define AD_TRUNCATION_WARNINGS 3

ardiff_status ardiff_engine_create(const ardiff_model *m, const int *devices, int ndev,
                                   int max_batch, int max_candidates, int max_steps,
                                   ardiff_engine **out)
{
    return ardiff_engine_create_ex(m, devices, ndev, max_batch, max_candidates, max_steps,
                                   ARDIFF_PRECISION_FP32, out);
}

ardiff_status ardiff_engine_create_ex(const ardiff_model *m, const int *devices, int ndev,
                                      int max_batch, int max_candidates, int max_steps,
                                      ardiff_precision precision, ardiff_engine **out)
{
    *out = NULL;
    if (ndev < 1 || ndev > AD_MAX_DEVICES)
        return ad_fail(ARDIFF_E_INVALID_ARG, "%d devices requested (1..%d)", ndev, AD_MAX_DEVICES);
    if (max_batch < 1 || max_candidates < 1 || max_steps < 1)
        return ad_fail(ARDIFF_E_INVALID_ARG, "batch, candidates and steps must be >= 1");
    if (precision != ARDIFF_PRECISION_FP32 && precision != ARDIFF_PRECISION_FP16)
        return ad_fail(ARDIFF_E_INVALID_ARG, "unknown weight precision %d", (int)precision);
    ardiff_engine *e = calloc(1, sizeof *e);
    if (!e) return ad_fail(ARDIFF_E_OOM, "out of host memory");
    e->m = m;
    e->max_batch = max_batch;
    e->max_k = max_candidates;
    e->max_steps = max_steps;
    int rows_max = max_batch * max_candidates;
    ad_fwd_extra sampler_part; /* the sampler's buffers, in each device's memory check */
    ad_sampler_plan(&m->cfg, rows_max, max_steps, &sampler_part);
    for (int i = 0; i < ndev; i++) {
        ardiff_status st = ad_fwd_create(devices[i], &m->cfg, &m->w, precision, max_batch,
                                         rows_max, &sampler_part, &e->fwd[i]);
        if (st == ARDIFF_OK)
            st = ad_sampler_create(e->fwd[i], &m->cfg, rows_max, max_steps, &e->smp[i]);
        if (st != ARDIFF_OK) {
            ardiff_engine_free(e);
            return st;
        }
        e->ndev++;
        e->speed[i] = 1.0;
    }
    *out = e;
    return ARDIFF_OK;
}

void ardiff_engine_free(ardiff_engine *e)
{
    if (!e) return;
    for (int i = 0; i < AD_MAX_DEVICES; i++) { /* a device that failed half-way included */
        ad_sampler_free(e->smp[i]);
        ad_fwd_free(e->fwd[i]);
    }
    free(e);
}

int ardiff_engine_device_count(const ardiff_engine *e) { return e->ndev; }

const ardiff_device_desc *ardiff_engine_device(const ardiff_engine *e, int i)
{
    return i >= 0 && i < e->ndev ? ad_fwd_device(e->fwd[i]) : NULL;
}

const char *ardiff_engine_kernels(const ardiff_engine *e, int i)
{
    return i >= 0 && i < e->ndev ? ad_fwd_kernels(e->fwd[i]) : NULL;
}

void ardiff_engine_set_trace(ardiff_engine *e, ardiff_trace_fn fn, void *user)
{
    e->trace = fn;
    e->trace_user = user;
}

/* ---- one device's share of a batch ---------------------------------------------------------- */

typedef struct job {
    ardiff_engine *e;
    ad_fwd *f;
    ad_sampler *smp;
    const int32_t *src_ids, *src_mask;
    int B, S, N, d;
    const int32_t *table;
    int K;
    uint64_t seed;
    const int32_t *input_index; /* [B] global input indices of this job's inputs */
    int b0;                     /* this job's first input within the batch */
    int k, c0, kd;              /* all candidates, this device's range [c0, c0 + kd) */
    int32_t *ids;               /* [batch, k, N]: this job writes its inputs' and candidates' rows */
    float *tbuf;                /* with a trace: room for x0 and x0_clamped (or the encoder) */
    double enc_ms, dec_ms;
    ardiff_status st;
    char msg[2048];
} job;

/* the trace of one sampler step (ad_sample_record_fn); user: the job */
static ardiff_status trace_step(int s, void *user)
{
    job *j = user;
    ardiff_engine *e = j->e;
    int dims[4] = {j->B * j->kd, j->N, j->d, 0};
    size_t n = (size_t)j->B * j->kd * j->N * j->d;
    AD_TRY(ad_sampler_read_x0(j->smp, j->tbuf, j->tbuf + n));
    e->trace("x0", s, dims, j->tbuf, e->trace_user);
    e->trace("x0_clamped", s, dims, j->tbuf + n, e->trace_user);
    return ARDIFF_OK;
}

static ardiff_status run_job_inner(job *j)
{
    ardiff_engine *e = j->e;
    int rows = j->B * j->kd;
    int32_t *row_in = malloc(sizeof(int32_t) * (size_t)rows);
    int32_t *row_cand = malloc(sizeof(int32_t) * (size_t)rows);
    int32_t *ids = malloc(sizeof(int32_t) * (size_t)rows * j->N);
    j->tbuf = e->trace ? malloc(sizeof(float) * 2 * (size_t)rows * j->N * j->d +
                                sizeof(float) * (size_t)j->B * j->S * e->m->cfg.hidden_size)
                       : NULL;
    ardiff_status st = ARDIFF_OK;
    if (!row_in || !row_cand || !ids || (e->trace && !j->tbuf))
        st = ad_fail(ARDIFF_E_OOM, "out of host memory");
    for (int b = 0; st == ARDIFF_OK && b < j->B; b++)
        for (int c = 0; c < j->kd; c++) {
            row_in[b * j->kd + c] = j->input_index[b];
            row_cand[b * j->kd + c] = j->c0 + c;
        }
    double t0 = ad_now_ms();
    if (st == ARDIFF_OK) st = ad_fwd_encode(j->f, j->src_ids, j->src_mask, j->B, j->S);
    if (st == ARDIFF_OK) st = ad_fwd_sync(j->f);
    if (st == ARDIFF_OK && e->trace) {
        int dims[4] = {j->B, j->S, e->m->cfg.hidden_size, 0};
        st = ad_fwd_read_encoder(j->f, j->tbuf);
        if (st == ARDIFF_OK) e->trace("encoder", 0, dims, j->tbuf, e->trace_user);
    }
    double t1 = ad_now_ms();
    if (st == ARDIFF_OK)
        st = ad_sampler_begin(j->smp, rows, j->kd, row_in, row_cand, j->table, j->K, j->seed);
    if (st == ARDIFF_OK) st = ad_sample_loop(j->smp, e->trace ? trace_step : NULL, j);
    if (st == ARDIFF_OK) st = ad_sampler_final_ids(j->smp, ids);
    j->enc_ms = t1 - t0;
    j->dec_ms = ad_now_ms() - t1;
    if (st == ARDIFF_OK && e->trace) {
        int dims[4] = {rows, j->N, 0, 0};
        e->trace("ids", j->K, dims, ids, e->trace_user);
    }
    for (int b = 0; st == ARDIFF_OK && b < j->B; b++)
        for (int c = 0; c < j->kd; c++)
            memcpy(j->ids + ((size_t)(j->b0 + b) * j->k + j->c0 + c) * j->N,
                   ids + ((size_t)b * j->kd + c) * j->N, sizeof(int32_t) * (size_t)j->N);
    free(row_in);
    free(row_cand);
    free(ids);
    free(j->tbuf);
    j->tbuf = NULL;
    return st;
}

static void *run_job(void *arg)
{
    job *j = arg;
    ad_clear_error();
    j->st = run_job_inner(j);
    if (j->st != ARDIFF_OK) snprintf(j->msg, sizeof j->msg, "%s", ardiff_last_error());
    return NULL;
}

/* n units (candidates or inputs) per device in proportion to measured speed (largest
 * remainder; each share >= 0). */
static void split_units(const ardiff_engine *e, int n, int ndev, int *share)
{
    double total = 0;
    for (int i = 0; i < ndev; i++) total += e->speed[i];
    int given = 0;
    double rem[AD_MAX_DEVICES];
    for (int i = 0; i < ndev; i++) {
        double x = n * e->speed[i] / total;
        share[i] = (int)x;
        rem[i] = x - share[i];
        given += share[i];
    }
    while (given < n) {
        int best = 0;
        for (int i = 1; i < ndev; i++)
            if (rem[i] > rem[best]) best = i;
        share[best]++;
        rem[best] = -1;
        given++;
    }
}

static int job_active(const job *j) { return j->B > 0 && j->kd > 0; }

/* Runs the jobs (one thread per device when several) and updates the speed estimates. */
static ardiff_status run_jobs(ardiff_engine *e, job *jobs, int n)
{
    pthread_t th[AD_MAX_DEVICES];
    int started[AD_MAX_DEVICES] = {0};
    if (n == 1) {
        run_job(&jobs[0]);
    } else {
        for (int i = 0; i < n; i++) {
            if (!job_active(&jobs[i])) continue;
            if (pthread_create(&th[i], NULL, run_job, &jobs[i]) == 0) started[i] = 1;
            else run_job(&jobs[i]);
        }
        for (int i = 0; i < n; i++)
            if (started[i]) pthread_join(th[i], NULL);
    }
    for (int i = 0; i < n; i++) {
        if (job_active(&jobs[i]) && jobs[i].st != ARDIFF_OK)
            return ad_fail(jobs[i].st, "%s", jobs[i].msg);
        if (job_active(&jobs[i]))
            AD_DEBUG("device %d: %d inputs x %d candidates (from input %d, candidate %d), "
                     "encoder %.1f ms, decoder %.1f ms", i, jobs[i].B, jobs[i].kd, jobs[i].b0,
                     jobs[i].c0, jobs[i].enc_ms, jobs[i].dec_ms);
        if (job_active(&jobs[i]) && jobs[i].dec_ms > 0) {
            double v = jobs[i].B * jobs[i].kd / jobs[i].dec_ms;
            e->speed[i] = 0.5 * e->speed[i] + 0.5 * v;
        }
    }
    return ARDIFF_OK;
}

/* ---- sources -------------------------------------------------------------------------------- */

/* The encoder input, cut to max_src_len as the official pipeline cuts it (ad_codec_source:
 * [CLS] pieces [SEP], or <s> pieces </s>). Returns the token count (0 for an empty line). */
static ardiff_status encode_source(ardiff_engine *e, const char *text, uint64_t line,
                                   int32_t *ids, int *n, int *truncated)
{
    const ardiff_model *m = e->m;
    const ad_model_config *c = &m->cfg;
    int full = 0;
    *n = 0;
    *truncated = 0;
    ardiff_status st = ad_codec_source(m->tok, text, strlen(text), c->cls_id, c->sep_id, ids,
                                       c->max_src_len, n, &full);
    if (st != ARDIFF_OK) return ad_fail_prefix(st, "input line %llu", (unsigned long long)line);
    if (*n == 0) return ARDIFF_OK;
    if (*n < full + 2) {
        *truncated = 1;
        if (e->truncation_warnings < AD_TRUNCATION_WARNINGS)
            AD_WARN("input line %llu: %d tokens, truncated to the model's %d (max_src_len)%s",
                    (unsigned long long)line, full + 2, c->max_src_len,
                    e->truncation_warnings + 1 == AD_TRUNCATION_WARNINGS
                        ? "; further truncations are not reported line by line" : "");
        e->truncation_warnings++;
    }
    return ARDIFF_OK;
}

/* ---- generation ----------------------------------------------------------------------------- */

static ardiff_status check_params(const ardiff_engine *e, const ardiff_params *p)
{
    if (p->candidates < 1 || p->candidates > e->max_k)
        return ad_fail(ARDIFF_E_INVALID_ARG, "candidates = %d outside 1..%d (engine plan)",
                       p->candidates, e->max_k);
    if (p->steps < 1 || p->steps > e->max_steps)
        return ad_fail(ARDIFF_E_INVALID_ARG, "steps = %d outside 1..%d (engine plan)", p->steps,
                       e->max_steps);
    if (p->batch < 1)
        return ad_fail(ARDIFF_E_INVALID_ARG, "batch = %d must be >= 1", p->batch);
    return ARDIFF_OK;
}

/* Decodes one candidate into *out (cap bytes, made larger if the text needs it). */
static ardiff_status decode_candidate(const ad_codec *tok, const int32_t *row, int n, size_t cap,
                                      char **out)
{
    size_t len = 0;
    ardiff_status s = ad_codec_decode(tok, row, n, *out, cap, &len);
    if (s != ARDIFF_E_INVALID_ARG || len + 1 <= cap) return s;
    char *bigger = realloc(*out, len + 1); /* long tokens: rare, but never cut */
    if (!bigger) return ad_fail(ARDIFF_E_OOM, "out of host memory");
    *out = bigger;
    return ad_codec_decode(tok, row, n, *out, len + 1, &len);
}

/* Decodes the k candidates of every batch input and chooses by MBR. */
static ardiff_status finish_outputs(ardiff_engine *e, const int32_t *ids, int B, int k,
                                    const ardiff_params *p, ardiff_output **outs,
                                    ardiff_stats *stats)
{
    const ad_model_config *c = &e->m->cfg;
    size_t cap = (size_t)c->tgt_len * 64 + 16;
    double t0 = ad_now_ms();
    for (int b = 0; b < B; b++) {
        ardiff_output *o = outs[b];
        o->k = k;
        o->candidates = calloc((size_t)k, sizeof *o->candidates);
        o->scores = calloc((size_t)k, sizeof *o->scores);
        if (!o->candidates || !o->scores) return ad_fail(ARDIFF_E_OOM, "out of host memory");
        for (int j = 0; j < k; j++) {
            o->candidates[j] = malloc(cap);
            if (!o->candidates[j]) return ad_fail(ARDIFF_E_OOM, "out of host memory");
            AD_TRY(decode_candidate(e->m->tok, ids + ((size_t)b * k + j) * c->tgt_len,
                                    c->tgt_len, cap, &o->candidates[j]));
        }
        AD_TRY(ad_mbr_select((const char *const *)o->candidates, k, o->scores, &o->choice));
        if (p->avoid_repeats)
            o->choice = ad_mbr_avoid_repeats((const char *const *)o->candidates, k, o->scores,
                                             o->choice);
        o->text = strdup(o->candidates[o->choice]);
        if (!o->text) return ad_fail(ARDIFF_E_OOM, "out of host memory");
        if (p->sentence_case) ad_sentence_case(o->text);
        if (stats) {
            const int32_t *row = ids + ((size_t)b * k + o->choice) * c->tgt_len;
            for (int n = 0; n < c->tgt_len; n++) stats->tokens += !ad_codec_is_special(e->m->tok, row[n]);
        }
    }
    if (stats) stats->mbr_ms += ad_now_ms() - t0;
    return ARDIFF_OK;
}

typedef struct batch {
    int B, S;
    int32_t *src_ids, *src_mask, *input_index, *ids;
    ardiff_output *outs[1024];
} batch;

static ardiff_status run_batch(ardiff_engine *e, const ardiff_params *p, batch *bt,
                               const int32_t *table, int calls, ardiff_stats *stats)
{
    const ad_model_config *c = &e->m->cfg;
    int k = p->candidates;
    int ndev = e->trace ? 1 : e->ndev;
    /* candidates when every device can get one, else inputs (k = 1 on two devices) */
    int by_inputs = ndev > 1 && k < ndev;
    int share[AD_MAX_DEVICES];
    split_units(e, by_inputs ? bt->B : k, ndev, share);
    job jobs[AD_MAX_DEVICES];
    int c0 = 0, b0 = 0;
    for (int i = 0; i < ndev; i++) {
        job *j = &jobs[i];
        memset(j, 0, sizeof *j);
        j->e = e;
        j->f = e->fwd[i];
        j->smp = e->smp[i];
        j->b0 = by_inputs ? b0 : 0;
        j->B = by_inputs ? share[i] : bt->B;
        j->S = bt->S;
        j->src_ids = bt->src_ids + (size_t)j->b0 * bt->S;
        j->src_mask = bt->src_mask + (size_t)j->b0 * bt->S;
        j->N = c->tgt_len;
        j->d = c->in_channels;
        j->table = table;
        j->K = calls;
        j->seed = p->seed;
        j->input_index = bt->input_index + j->b0;
        j->k = k;
        j->c0 = by_inputs ? 0 : c0;
        j->kd = by_inputs ? k : share[i];
        j->ids = bt->ids;
        c0 += share[i];
        b0 += share[i];
    }
    AD_TRY(run_jobs(e, jobs, ndev));
    if (stats) {
        double enc = 0, dec = 0;
        for (int i = 0; i < ndev; i++) {
            if (jobs[i].enc_ms > enc) enc = jobs[i].enc_ms;
            if (jobs[i].dec_ms > dec) dec = jobs[i].dec_ms;
        }
        stats->encode_ms += enc;
        stats->decode_ms += dec;
        stats->decoder_calls += calls;
    }
    return finish_outputs(e, bt->ids, bt->B, k, p, bt->outs, stats);
}

static ardiff_status alloc_batch(batch *bt, int max_b, int S, int k, int N)
{
    memset(bt, 0, sizeof *bt);
    bt->src_ids = calloc((size_t)max_b * S, sizeof(int32_t));
    bt->src_mask = calloc((size_t)max_b * S, sizeof(int32_t));
    bt->input_index = calloc((size_t)max_b, sizeof(int32_t));
    bt->ids = calloc((size_t)max_b * k * N, sizeof(int32_t));
    if (!bt->src_ids || !bt->src_mask || !bt->input_index || !bt->ids)
        return ad_fail(ARDIFF_E_OOM, "out of host memory");
    return ARDIFF_OK;
}

static void free_batch(batch *bt)
{
    free(bt->src_ids);
    free(bt->src_mask);
    free(bt->input_index);
    free(bt->ids);
}

/* Adds source i (tokens ids[n]) to the batch, padded to the model's max source length; the
 * batch is compacted to its longest source before it runs. */
static void batch_add(batch *bt, const ad_model_config *c, const int32_t *ids, int n,
                      uint64_t index, ardiff_output *o)
{
    int b = bt->B++;
    int32_t *row = bt->src_ids + (size_t)b * c->max_src_len;
    int32_t *mrow = bt->src_mask + (size_t)b * c->max_src_len;
    for (int t = 0; t < c->max_src_len; t++) {
        row[t] = t < n ? ids[t] : c->pad_id;
        mrow[t] = t < n;
    }
    bt->input_index[b] = (int32_t)index;
    bt->outs[b] = o;
    if (n > bt->S) bt->S = n;
}

/* [B, max_src_len] -> [B, S] in place */
static void batch_compact(batch *bt, const ad_model_config *c)
{
    for (int b = 0; b < bt->B; b++) {
        memmove(bt->src_ids + (size_t)b * bt->S, bt->src_ids + (size_t)b * c->max_src_len,
                sizeof(int32_t) * (size_t)bt->S);
        memmove(bt->src_mask + (size_t)b * bt->S, bt->src_mask + (size_t)b * c->max_src_len,
                sizeof(int32_t) * (size_t)bt->S);
    }
}

ardiff_status ardiff_generate(ardiff_engine *e, const ardiff_params *p, const char *const *sources,
                              int n, uint64_t first_index, ardiff_output *outputs,
                              ardiff_stats *stats)
{
    AD_TRY(check_params(e, p));
    const ad_model_config *c = &e->m->cfg;
    memset(outputs, 0, sizeof *outputs * (size_t)(n > 0 ? n : 0));
    int bmax = p->batch < e->max_batch ? p->batch : e->max_batch;
    if (bmax > 1024) bmax = 1024;
    int32_t *table = malloc(sizeof(int32_t) * (size_t)(p->steps + 1) * c->tgt_len);
    int32_t *tok = malloc(sizeof(int32_t) * (size_t)c->max_src_len);
    batch bt;
    memset(&bt, 0, sizeof bt);
    ardiff_status st = (table && tok) ? alloc_batch(&bt, bmax, c->max_src_len, p->candidates, c->tgt_len)
                                      : ad_fail(ARDIFF_E_OOM, "out of host memory");
    int calls = 0; /* p->steps, or p->steps - 1 when the grid reaches 0 early (ad_sched_grid) */
    if (st == ARDIFF_OK) st = ad_sampler_table(c, p, table, &calls);
    for (int i = 0; st == ARDIFF_OK && i < n; i++) {
        int ntok = 0;
        uint64_t index = first_index + (uint64_t)i;
        st = encode_source(e, sources[i], index + 1, tok, &ntok, &outputs[i].truncated);
        if (st != ARDIFF_OK) break;
        outputs[i].source_tokens = ntok;
        if (ntok == 0) { /* empty input, empty output */
            outputs[i].text = strdup("");
            outputs[i].choice = -1;
            if (!outputs[i].text) st = ad_fail(ARDIFF_E_OOM, "out of host memory");
            continue;
        }
        batch_add(&bt, c, tok, ntok, index, &outputs[i]);
        if (bt.B == bmax || i == n - 1) {
            batch_compact(&bt, c);
            st = run_batch(e, p, &bt, table, calls, stats);
            bt.B = 0;
            bt.S = 0;
        }
    }
    if (st == ARDIFF_OK && bt.B > 0) { /* the last line was empty: flush what is pending */
        batch_compact(&bt, c);
        st = run_batch(e, p, &bt, table, calls, stats);
    }
    free_batch(&bt);
    free(table);
    free(tok);
    if (st != ARDIFF_OK) ardiff_outputs_free(outputs, n);
    return st;
}

void ardiff_outputs_free(ardiff_output *o, int n)
{
    if (!o) return;
    for (int i = 0; i < n; i++) {
        if (o[i].candidates)
            for (int j = 0; j < o[i].k; j++) free(o[i].candidates[j]);
        free(o[i].candidates);
        free(o[i].scores);
        free(o[i].text);
        memset(&o[i], 0, sizeof o[i]);
    }
}
