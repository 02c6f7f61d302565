/* gen.h: `ardiff generate` in pieces, shared by the one-process run (cmd_generate.c) and the
 * MPI run (mpi_generate.c): the options, opening the engine, generating a range of lines into an
 * output, and the progress line.
 */
#ifndef ARDIFF_HOST_GEN_H
#define ARDIFF_HOST_GEN_H

#include "ardiff.h"
#include "outfile.h"

typedef struct gen_opts {
    const char *model, *input, *output;
    char devices[1024];
    int steps, candidates, batch, jsonl, force, quiet;
    int progress; /* --progress: the progress line even when standard error is no terminal */
    int chunk; /* MPI: inputs per chunk dealt to a rank (0: default); see mpi_generate.h */
    int schedule; /* -1: model default */
    int sentence_case; /* -1: model default */
    int avoid_repeats; /* -1: model default */
    ardiff_precision precision;
    double anchor;
    unsigned long long seed;
    int have_seed;
} gen_opts;

/* The generation parameters: the model's defaults, then the options. */
void gen_params(const gen_opts *o, const ardiff_model *m, ardiff_params *p);

/* Selects the devices (o->devices, ARDIFF_DEVICE, the model's [generate] device) and uploads the
 * model. Returns 0, or -1 with the reason in ardiff_last_error() (nothing printed). */
int gen_engine_open(const gen_opts *o, const ardiff_model *m, const ardiff_params *p,
                    ardiff_engine **e);

/* Generates lines[0..n), whose global input indices are first..first+n-1 (the noise of an input
 * depends on its global index only), in batches of p->batch lines counted from lines[0], and
 * writes one output line each to out (text or jsonl) in order. After each batch, on_batch (may be
 * NULL) gets the lines done so far. *truncated (may be NULL) counts inputs cut to max_src_len;
 * *total (may be NULL) accumulates the batches' ardiff_stats.
 * Returns 0; 1 when generation failed (reason in ardiff_last_error(), nothing printed); 2 when
 * writing failed (outfile printed its line). */
int gen_range(const gen_opts *o, ardiff_engine *e, const ardiff_params *p, char **lines, int n,
              long first, cli_out *out, int *truncated, ardiff_stats *total,
              void (*on_batch)(int done, void *user), void *user);

/* The progress line on standard error ("\r...", a newline when done == total). */
void gen_progress(int done, int total, double t0_ms, double now_ms);

/* The throughput line on standard error after a run: n sentences in gen_ms (generation only),
 * sentences/s and tokens/s (non-special tokens of the chosen outputs, st->tokens). */
void gen_throughput(int n, const ardiff_stats *st, double startup_ms, double gen_ms);

/* The truncation warning after a run (nothing when truncated is 0). */
void gen_warn_truncated(int truncated, int total);

/* `ardiff generate` in this process alone, options parsed: the whole command. Returns the exit
 * status. */
int gen_single(const gen_opts *o);

#endif
