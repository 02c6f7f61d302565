/* mpi_generate.c: `ardiff generate` over MPI ranks (mpi_generate.h, docs/mpi.md).
 *
 * Messages (all on MPI_COMM_WORLD; every wait polls with a 1 ms nap, because Open MPI's blocking
 * calls spin a core that the devices' host threads need):
 *   GO     0 -> r   int: 1 when rank 0 has its model, input and output, 0 to stop at once
 *   REQ    r -> 0   int: "deal me a chunk"; each REQ gets exactly one CHUNK back
 *   CHUNK  0 -> r   int64 [chunk index, lines] + the lines, each NUL-terminated; 0 lines: stop
 *   RESULT r -> 0   int64 [chunk index, truncated inputs] + the output lines, '\n'-terminated
 *   FAIL   r -> 0   "host\0reason\0"; rank 0 then aborts the job
 * A rank asks for its next chunk as soon as it starts one, so a chunk is waiting when it ends.
 */
#include "mpi_generate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The launcher's size variable (Open MPI, MPICH/Hydra and Slurm PMI), or NULL. */
static const char *launcher_size_var(void)
{
    const char *v = getenv("OMPI_COMM_WORLD_SIZE");
    return v ? v : getenv("PMI_SIZE");
}

int mpi_generate_launched(void)
{
    const char *off = getenv("ARDIFF_MPI");
    if (off && !strcmp(off, "0")) return 0;
    /* Open MPI, MPICH/Hydra and Slurm's PMI, PMIx (srun --mpi=pmix) */
    return launcher_size_var() || getenv("PMIX_RANK");
}

#ifndef ARDIFF_HAVE_MPI

/* Without MPI, one of N > 1 launched processes refuses (rank 0 says why, once) instead of
 * running the whole job N times over; ARDIFF_MPI=0 runs every process alone (docs/mpi.md). */
int mpi_generate(const gen_opts *o)
{
    const char *size = launcher_size_var();
    const char *rank = getenv("OMPI_COMM_WORLD_RANK") ? getenv("OMPI_COMM_WORLD_RANK")
                                                       : getenv("PMI_RANK");
    if (size && atol(size) > 1) {
        if (rank && atol(rank) != 0) return 1; /* rank 0 says why, once */
        fprintf(stderr, "ardiff generate: started as one of %s MPI processes, but this ardiff "
                "was built without MPI (install libopenmpi-dev and rebuild; docs/mpi.md), or set "
                "ARDIFF_MPI=0 to run every process alone\n", size);
        return 1;
    }
    return gen_single(o);
}

#else /* ARDIFF_HAVE_MPI */

#include <mpi.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/error.h" /* ad_log */
#include "input.h"

enum { TAG_GO = 11, TAG_REQ, TAG_CHUNK, TAG_RESULT, TAG_FAIL };

#define ERR_CAP 2048

typedef struct rank_info {
    int rank, size, local_rank, local_size, threads_ok;
    char host[MPI_MAX_PROCESSOR_NAME];
} rank_info;

static void nap(void)
{
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
}

/* Waits (without spinning) for a message from src with tag and receives it into a malloc'd
 * buffer (*len bytes). Returns NULL when out of memory. */
static char *recv_wait(int src, int tag, int *len, MPI_Status *st)
{
    int flag = 0;
    while (MPI_Iprobe(src, tag, MPI_COMM_WORLD, &flag, st), !flag) nap();
    MPI_Get_count(st, MPI_BYTE, len);
    char *buf = malloc((size_t)*len + 1);
    if (!buf) return NULL;
    MPI_Recv(buf, *len, MPI_BYTE, st->MPI_SOURCE, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    buf[*len] = '\0';
    return buf;
}

/* ---- one rank's generator (the worker ranks, and the thread on rank 0) ---------------------- */

typedef struct worker {
    gen_opts o; /* a copy: devices may be chosen by local rank */
    ardiff_model *m;
    int own_model;
    ardiff_engine *e;
    ardiff_params p;
    const rank_info *ri;
    int chunks, inputs; /* done so far, for the log line at the end */
    double t0;          /* engine ready */
    char err[ERR_CAP];
} worker;

/* Without --device or ARDIFF_DEVICE, the default pool (the model's device, else every GPU, else
 * the default device) is shared out among the ranks of one machine by local rank. */
static void pick_local_devices(worker *w, const rank_info *ri)
{
    ardiff_device_request req = {w->o.devices, ardiff_model_device(w->m), 0};
    const char *pool = NULL;
    ardiff_device_origin from = ardiff_devices_origin(&req, &pool);
    if (from == ARDIFF_DEVICE_FROM_FLAG || from == ARDIFF_DEVICE_FROM_ENV || ri->local_size < 2)
        return;
    int dev[64], n = 0;
    if (ardiff_devices_select_from(from == ARDIFF_DEVICE_FROM_MODEL ? pool : "gpu",
                                   "model.ini [generate] device", dev, 64, &n) != ARDIFF_OK || n == 0)
        return; /* no GPU: the default device; a bad model.ini device fails in gen_engine_open */
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        int mine = n >= ri->local_size ? i % ri->local_size == ri->local_rank
                                       : i == ri->local_rank % n;
        if (mine && off < sizeof w->o.devices)
            off += (size_t)snprintf(w->o.devices + off, sizeof w->o.devices - off, "%s%d",
                                    off ? "," : "", dev[i]);
    }
    ad_log(ARDIFF_LOG_INFO, "rank %d on %s, local rank %d of %d: device(s) %s of the default pool",
           ri->rank, ri->host, ri->local_rank, ri->local_size, w->o.devices);
}

/* Opens the model (unless given) and the engine. 0, or -1 with w->err set. */
static int worker_open(worker *w, const gen_opts *o, ardiff_model *m, const rank_info *ri)
{
    memset(w, 0, sizeof *w);
    w->o = *o;
    w->m = m;
    w->ri = ri;
    if (!m) {
        if (ardiff_model_open(o->model, &w->m) != ARDIFF_OK) goto fail;
        w->own_model = 1;
    }
    gen_params(&w->o, w->m, &w->p);
    pick_local_devices(w, ri);
    if (gen_engine_open(&w->o, w->m, &w->p, &w->e) != 0) goto fail;
    w->t0 = ad_now_ms();
    return 0;
fail:
    snprintf(w->err, sizeof w->err, "%s", ardiff_last_error());
    return -1;
}

static void worker_close(worker *w)
{
    if (w->e)
        ad_log(ARDIFF_LOG_INFO, "rank %d on %s: %d chunks, %d inputs in %.1f s", w->ri->rank,
               w->ri->host, w->chunks, w->inputs, (ad_now_ms() - w->t0) / 1e3);
    ardiff_engine_free(w->e);
    if (w->own_model) ardiff_model_free(w->m);
    w->e = NULL;
    w->m = NULL;
}

/* Generates lines[0..n) (global indices first..) into *out (malloc'd, *len bytes, one
 * '\n'-terminated line per input). 0, or -1 with w->err set. */
static int worker_chunk(worker *w, char **lines, int n, long first, char **out, size_t *len,
                        int *truncated)
{
    *out = NULL;
    *len = 0;
    FILE *f = open_memstream(out, len);
    if (!f) {
        snprintf(w->err, sizeof w->err, "out of host memory for the outputs");
        return -1;
    }
    cli_out mem;
    memset(&mem, 0, sizeof mem);
    mem.f = f;
    int rc = gen_range(&w->o, w->e, &w->p, lines, n, first, &mem, truncated, NULL, NULL, NULL);
    if (fclose(f) != 0 && rc == 0) rc = 2;
    if (rc == 0) {
        w->chunks++;
        w->inputs += n;
        return 0;
    }
    if (rc == 1) snprintf(w->err, sizeof w->err, "%s", ardiff_last_error());
    else snprintf(w->err, sizeof w->err, "out of host memory for the outputs of inputs %ld-%ld",
                  first + 1, first + n);
    free(*out);
    *out = NULL;
    return -1;
}

/* ---- worker ranks ----------------------------------------------------------------------------- */

/* Reports the failure to rank 0 and waits to be ended by its MPI_Abort. */
static _Noreturn void worker_fail(const rank_info *ri, const char *why)
{
    size_t hl = strlen(ri->host) + 1, wl = strlen(why) + 1;
    char *msg = malloc(hl + wl);
    if (msg) {
        memcpy(msg, ri->host, hl);
        memcpy(msg + hl, why, wl);
        MPI_Send(msg, (int)(hl + wl), MPI_BYTE, 0, TAG_FAIL, MPI_COMM_WORLD);
    } else {
        MPI_Send((void *)"?\0out of host memory", 21, MPI_BYTE, 0, TAG_FAIL, MPI_COMM_WORLD);
    }
    free(msg);
    for (;;) nap();
}

static int send_result(int64_t chunk, int truncated, const char *data, size_t len)
{
    char *msg = malloc(2 * sizeof(int64_t) + len);
    if (!msg) return -1;
    int64_t hdr[2] = {chunk, truncated};
    memcpy(msg, hdr, sizeof hdr);
    if (len) memcpy(msg + sizeof hdr, data, len);
    MPI_Send(msg, (int)(sizeof hdr + len), MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
    free(msg);
    return 0;
}

/* Splits a CHUNK message into its header and n line pointers (into buf). */
static char **chunk_lines(char *buf, int len, int64_t hdr[2])
{
    memcpy(hdr, buf, 2 * sizeof(int64_t));
    char **lines = malloc(sizeof *lines * (size_t)(hdr[1] > 0 ? hdr[1] : 1));
    if (!lines) return NULL;
    char *p = buf + 2 * sizeof(int64_t), *end = buf + len;
    for (int64_t i = 0; i < hdr[1]; i++) {
        lines[i] = p;
        p += strnlen(p, (size_t)(end - p)) + 1;
    }
    return lines;
}

static int run_worker(const gen_opts *o, const rank_info *ri)
{
    int len = 0, req = 1;
    MPI_Status st;
    char *go = recv_wait(0, TAG_GO, &len, &st);
    int ok = go && len == (int)sizeof(int) && *(int *)go == 1;
    free(go);
    if (!ok) return 1; /* rank 0 said why */
    worker w;
    if (worker_open(&w, o, NULL, ri) != 0) worker_fail(ri, w.err);
    MPI_Send(&req, 1, MPI_INT, 0, TAG_REQ, MPI_COMM_WORLD);
    for (;;) {
        char *buf = recv_wait(0, TAG_CHUNK, &len, &st);
        if (!buf || len < (int)(2 * sizeof(int64_t))) worker_fail(ri, "out of host memory");
        int64_t hdr[2];
        char **lines = chunk_lines(buf, len, hdr);
        if (!lines) worker_fail(ri, "out of host memory");
        if (hdr[1] == 0) {
            free(lines);
            free(buf);
            break;
        }
        MPI_Send(&req, 1, MPI_INT, 0, TAG_REQ, MPI_COMM_WORLD); /* the next one, while this runs */
        char *out = NULL;
        size_t olen = 0;
        int truncated = 0;
        if (worker_chunk(&w, lines, (int)hdr[1], (long)hdr[0] * o->chunk, &out, &olen,
                         &truncated) != 0)
            worker_fail(ri, w.err);
        if (send_result(hdr[0], truncated, out, olen) != 0) worker_fail(ri, "out of host memory");
        free(out);
        free(lines);
        free(buf);
    }
    worker_close(&w);
    return 0;
}

/* ---- rank 0: dealer, writer, and a generator on a thread of its own --------------------------- */

typedef struct root {
    const gen_opts *o;
    const rank_info *ri;
    ardiff_model *m;
    char **lines;
    int n, nchunks;
    pthread_mutex_t mu; /* guards everything below */
    int next;           /* next chunk to deal */
    char **block;       /* [nchunks] output lines of each chunk, NULL until received */
    size_t *block_len;
    int received;       /* inputs whose outputs are in */
    int truncated;
    int local_state;    /* 0 running, 1 done, -1 failed (local_err) */
    char local_err[ERR_CAP];
    int line_open; /* main thread only: a progress line without its newline is on stderr */
} root;

static int chunk_size(const root *r, int c)
{
    int start = c * r->o->chunk;
    return r->n - start < r->o->chunk ? r->n - start : r->o->chunk;
}

static int deal(root *r)
{
    pthread_mutex_lock(&r->mu);
    int c = r->next < r->nchunks ? r->next++ : -1;
    pthread_mutex_unlock(&r->mu);
    return c;
}

static void store(root *r, int c, char *data, size_t len, int truncated)
{
    pthread_mutex_lock(&r->mu);
    r->block[c] = data;
    r->block_len[c] = len;
    r->received += chunk_size(r, c);
    r->truncated += truncated;
    pthread_mutex_unlock(&r->mu);
}

static void *local_main(void *arg)
{
    root *r = arg;
    worker w;
    int failed = worker_open(&w, r->o, r->m, r->ri) != 0;
    for (int c; !failed && (c = deal(r)) >= 0;) {
        char *out = NULL;
        size_t len = 0;
        int truncated = 0;
        failed = worker_chunk(&w, r->lines + (size_t)c * r->o->chunk, chunk_size(r, c),
                              (long)c * r->o->chunk, &out, &len, &truncated) != 0;
        if (!failed) store(r, c, out, len, truncated);
    }
    worker_close(&w);
    pthread_mutex_lock(&r->mu);
    r->local_state = failed ? -1 : 1;
    if (failed) snprintf(r->local_err, sizeof r->local_err, "%s", w.err);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* Ends the job: one line (on a line of its own after a progress line), the temporary output
 * removed, every rank stopped. */
static _Noreturn void root_abort(const root *r, cli_out *out, int rank, const char *host,
                                 const char *why)
{
    if (why)
        fprintf(stderr, "%sardiff generate: rank %d on %s failed: %s\n", r->line_open ? "\n" : "",
                rank, host, why);
    fflush(stderr);
    cli_out_close(out, 0);
    /* a moment for the launcher to pass the line on before Open MPI's "MPI_ABORT was invoked"
     * block, so that the reason comes first */
    struct timespec ts = {0, 200000000};
    nanosleep(&ts, NULL);
    MPI_Abort(MPI_COMM_WORLD, 1);
    exit(1); /* not reached */
}

/* A CHUNK for rank src (chunk c, or the stop message when c < 0), sent without blocking: the
 * rank takes it only when its current chunk is done. */
typedef struct pending_send {
    MPI_Request req;
    char *buf;
} pending_send;

static int send_chunk(root *r, int src, int c, pending_send *ps)
{
    if (ps->buf) {
        MPI_Wait(&ps->req, MPI_STATUS_IGNORE); /* taken: src asks again only after it */
        free(ps->buf);
        ps->buf = NULL;
    }
    int64_t hdr[2] = {c, c >= 0 ? chunk_size(r, c) : 0};
    size_t len = sizeof hdr;
    for (int i = 0; i < hdr[1]; i++) len += strlen(r->lines[(size_t)c * r->o->chunk + i]) + 1;
    if (len > INT32_MAX || !(ps->buf = malloc(len))) return -1;
    memcpy(ps->buf, hdr, sizeof hdr);
    char *p = ps->buf + sizeof hdr;
    for (int i = 0; i < hdr[1]; i++) {
        size_t l = strlen(r->lines[(size_t)c * r->o->chunk + i]) + 1;
        memcpy(p, r->lines[(size_t)c * r->o->chunk + i], l);
        p += l;
    }
    MPI_Isend(ps->buf, (int)len, MPI_BYTE, src, TAG_CHUNK, MPI_COMM_WORLD, &ps->req);
    return 0;
}

/* Handles one message; returns 1 when it was a REQ answered with the stop message. */
static int handle(root *r, cli_out *out, MPI_Status *st, pending_send *ps)
{
    int len = 0;
    char *buf = recv_wait(st->MPI_SOURCE, st->MPI_TAG, &len, st);
    int src = st->MPI_SOURCE, stopped = 0;
    if (!buf) root_abort(r, out, 0, r->ri->host, "out of host memory");
    if (st->MPI_TAG == TAG_REQ) {
        int c = deal(r);
        if (send_chunk(r, src, c, &ps[src]) != 0)
            root_abort(r, out, 0, r->ri->host, "out of host memory for a chunk of inputs");
        stopped = c < 0;
    } else if (st->MPI_TAG == TAG_RESULT && len >= (int)(2 * sizeof(int64_t))) {
        int64_t hdr[2];
        memcpy(hdr, buf, sizeof hdr);
        size_t dl = (size_t)len - sizeof hdr;
        char *data = malloc(dl + 1);
        if (!data || hdr[0] < 0 || hdr[0] >= r->nchunks)
            root_abort(r, out, 0, r->ri->host, "out of host memory, or a bad message");
        memcpy(data, buf + sizeof hdr, dl);
        store(r, (int)hdr[0], data, dl, (int)hdr[1]);
    } else if (st->MPI_TAG == TAG_FAIL) {
        const char *host = buf, *why = buf + strnlen(buf, (size_t)len) + 1;
        root_abort(r, out, src, host, why < buf + len ? why : "(no reason given)");
    }
    free(buf);
    return stopped;
}

/* Writes the received chunks that come next in input order; -1 after a write failure. */
static int write_ready(root *r, cli_out *out, int *written)
{
    for (;;) {
        pthread_mutex_lock(&r->mu);
        char *b = *written < r->nchunks ? r->block[*written] : NULL;
        size_t bl = b ? r->block_len[*written] : 0;
        pthread_mutex_unlock(&r->mu);
        if (!b) return 0;
        /* the block's lines, each written as generate writes it: the same bytes */
        for (char *p = b, *end = b + bl; p < end;) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl) break;
            *nl = '\0';
            if (cli_out_line(out, p) != 0) return -1;
            p = nl + 1;
        }
        if (cli_out_flush(out) != 0) return -1;
        free(b);
        pthread_mutex_lock(&r->mu);
        r->block[*written] = NULL;
        pthread_mutex_unlock(&r->mu);
        ++*written;
    }
}

static int run_chunks(root *r, cli_out *out)
{
    pending_send *ps = calloc((size_t)r->ri->size, sizeof *ps);
    pthread_t th;
    int local = r->ri->threads_ok;
    if (!ps) root_abort(r, out, 0, r->ri->host, "out of host memory");
    if (local && pthread_create(&th, NULL, local_main, r) != 0) local = 0;
    if (!local) r->local_state = 1; /* rank 0 only deals and writes */
    int show = !r->o->quiet && (r->o->progress || isatty(2)), written = 0, stopped = 0, shown = -1;
    double t0 = ad_now_ms(), last = 0;
    for (;;) {
        int flag = 0, busy = 0;
        MPI_Status st;
        while (MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st), flag) {
            stopped += handle(r, out, &st, ps);
            busy = 1;
        }
        pthread_mutex_lock(&r->mu);
        int state = r->local_state, received = r->received;
        pthread_mutex_unlock(&r->mu);
        if (state < 0) root_abort(r, out, 0, r->ri->host, r->local_err);
        if (write_ready(r, out, &written) != 0) root_abort(r, out, 0, r->ri->host, NULL);
        double now = ad_now_ms(); /* at most 4 updates a second, and the last one */
        if (show && received > 0 && received != shown && (now - last >= 250 || received == r->n)) {
            gen_progress(received, r->n, t0, now); /* over the whole job: every rank's inputs */
            shown = received;
            last = now;
            r->line_open = received < r->n;
        }
        if (written == r->nchunks && stopped == r->ri->size - 1 && state == 1) break;
        if (!busy) nap();
    }
    if (local) pthread_join(th, NULL);
    for (int i = 0; i < r->ri->size; i++) {
        if (ps[i].buf) MPI_Wait(&ps[i].req, MPI_STATUS_IGNORE);
        free(ps[i].buf);
    }
    free(ps);
    return 0;
}

static int run_root(const gen_opts *o, const rank_info *ri)
{
    root r;
    memset(&r, 0, sizeof r);
    r.o = o;
    r.ri = ri;
    gen_input in;
    memset(&in, 0, sizeof in);
    cli_out out;
    int go = 1, opened = 0;
    if (ardiff_model_open(o->model, &r.m) != ARDIFF_OK) {
        cli_error("generate");
        go = 0;
    }
    if (go && input_read(o->input, &in) != 0) go = 0;
    if (go) go = opened = cli_out_open(&out, o->output, o->force) == 0;
    for (int i = 1; i < ri->size; i++) MPI_Send(&go, 1, MPI_INT, i, TAG_GO, MPI_COMM_WORLD);
    int rc = 1;
    if (go) {
        r.lines = in.lines;
        r.n = in.n;
        r.nchunks = (in.n + o->chunk - 1) / o->chunk;
        r.block = calloc((size_t)r.nchunks + 1, sizeof *r.block);
        r.block_len = calloc((size_t)r.nchunks + 1, sizeof *r.block_len);
        if (!r.block || !r.block_len) root_abort(&r, &out, 0, ri->host, "out of host memory");
        pthread_mutex_init(&r.mu, NULL);
        rc = run_chunks(&r, &out);
        pthread_mutex_destroy(&r.mu);
        gen_warn_truncated(r.truncated, r.n);
    }
    if (opened && cli_out_close(&out, rc == 0) != 0) rc = 1;
    free(r.block);
    free(r.block_len);
    input_free(&in);
    ardiff_model_free(r.m);
    return rc;
}

int mpi_generate(const gen_opts *o)
{
    int provided = 0;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "ardiff generate: MPI_Init failed (started by an MPI launcher; set "
                "ARDIFF_MPI=0 to run alone)\n");
        return 1;
    }
    rank_info ri;
    memset(&ri, 0, sizeof ri);
    MPI_Comm_rank(MPI_COMM_WORLD, &ri.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ri.size);
    MPI_Comm local;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, ri.rank, MPI_INFO_NULL, &local);
    MPI_Comm_rank(local, &ri.local_rank);
    MPI_Comm_size(local, &ri.local_size);
    MPI_Comm_free(&local);
    int hl = 0;
    MPI_Get_processor_name(ri.host, &hl);
    ri.threads_ok = provided >= MPI_THREAD_FUNNELED;

    gen_opts mine = *o; /* chunks start at multiples of the batch: the one-process batches */
    int c = o->chunk > 0 ? o->chunk : 2 * o->batch;
    mine.chunk = (c + o->batch - 1) / o->batch * o->batch;
    int rc;
    if (ri.size == 1) rc = gen_single(o);
    else if (ri.rank == 0) rc = run_root(&mine, &ri);
    else rc = run_worker(&mine, &ri);
    MPI_Finalize();
    return rc;
}

#endif /* ARDIFF_HAVE_MPI */
