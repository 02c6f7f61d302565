/* ardiff.h: the public API of libardiff.
 *
 * ardiff runs AR-Diffusion text generation (Wu et al., NeurIPS 2023) on any OpenCL device.
 * Every function returns an ardiff_status; on failure ardiff_last_error() gives one line that
 * names the file, field, value, OpenCL/CLBlast error, call site or device involved. The library
 * never exits or aborts. Handles are opaque; every create or open function has a
 * matching free function that accepts NULL.
 */
#ifndef ARDIFF_H
#define ARDIFF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ARDIFF_VERSION_MAJOR 0
#define ARDIFF_VERSION_MINOR 1
#define ARDIFF_VERSION_PATCH 0

typedef enum ardiff_status {
    ARDIFF_OK = 0,
    ARDIFF_E_INVALID_ARG,  /* a bad argument or option value */
    ARDIFF_E_NO_PLATFORM,  /* no OpenCL platform (ICD loader found nothing) */
    ARDIFF_E_NO_DEVICE,    /* no device, or none matched the selection */
    ARDIFF_E_OPENCL,       /* an OpenCL call failed */
    ARDIFF_E_CLBLAST,      /* a CLBlast call failed */
    ARDIFF_E_BUILD,        /* a kernel program failed to build (message holds the log) */
    ARDIFF_E_IO,           /* a file could not be opened, read or written */
    ARDIFF_E_FORMAT,       /* a file or input is malformed (safetensors, INI, vocab, UTF-8) */
    ARDIFF_E_OOM,          /* host or device memory exhausted */
    ARDIFF_E_UNSUPPORTED,  /* the device or model lacks a required capability */
    ARDIFF_E_INTERNAL      /* a bug: please report */
} ardiff_status;

/* Short fixed name of a status ("ARDIFF_E_OPENCL"). Never NULL. */
const char *ardiff_status_name(ardiff_status s);

/* The message of the last failure on this thread ("" if none). Valid until the next failure. */
const char *ardiff_last_error(void);

/* Log levels and the log sink. The default sink writes WARN and above to stderr;
 * ARDIFF_LOG=debug|info|warn|error changes the level. */
typedef enum ardiff_log_level {
    ARDIFF_LOG_DEBUG = 0,
    ARDIFF_LOG_INFO = 1,
    ARDIFF_LOG_WARN = 2,
    ARDIFF_LOG_ERROR = 3
} ardiff_log_level;

typedef void (*ardiff_log_fn)(ardiff_log_level level, const char *msg, void *user);
void ardiff_set_log(ardiff_log_fn fn, void *user);
void ardiff_set_log_level(ardiff_log_level level);

/* ---- Devices ------------------------------------------------------------------------------ */

/* One OpenCL device, as listed in the flat numbered list across all platforms. */
typedef struct ardiff_device_desc {
    int index;                  /* position in the flat list, from 0 */
    char platform[128];         /* platform name */
    char platform_version[128]; /* CL_PLATFORM_VERSION */
    char vendor[128];
    char name[256];
    char type[16];              /* "gpu", "cpu", "accelerator", "other" */
    unsigned compute_units;
    uint64_t global_mem;        /* bytes */
    uint64_t local_mem;         /* bytes */
    uint64_t max_alloc;         /* bytes */
    size_t max_work_group;
    char opencl_c_version[64];
    char driver_version[128];
    int fp16;                   /* cl_khr_fp16 arithmetic available */
    int subgroups;              /* cl_khr_subgroups or cl_intel_subgroups */
    unsigned base_addr_align;   /* bytes (CL_DEVICE_MEM_BASE_ADDR_ALIGN is in bits) */
} ardiff_device_desc;

/* Lists every device of every platform. *out is malloc'd; free it with free(). */
ardiff_status ardiff_devices_list(ardiff_device_desc **out, int *count);

/* Which devices a program meant, resolved in one place with one precedence (docs/devices.md):
 *   1. flag: the program's --device value(s), comma-joined, when non-empty;
 *   2. the environment variable ARDIFF_DEVICE, when set and non-empty;
 *   3. model: the model's default (ardiff_model_device, [generate] device in model.ini), when
 *      non-NULL and non-empty;
 *   4. the default: every device when all_by_default (a listing), else the first GPU, else
 *      device 0.
 * The first one given wins whole. A spec is a comma-separated list of items, each an index
 * ("1"), a type ("gpu", "cpu", "accelerator", "all") or a case-insensitive substring of the
 * device, platform or vendor name ("pthread", "A100"). An item matching nothing fails with a
 * message naming where the spec came from and listing the devices. indices must hold max_out
 * entries; duplicates are removed, order kept. Programs never read ARDIFF_DEVICE themselves. */
typedef struct ardiff_device_request {
    const char *flag;   /* --device value(s), NULL or "" if none */
    const char *model;  /* the model's default selection, NULL or "" if none */
    int all_by_default; /* nothing given: every device instead of the first GPU */
} ardiff_device_request;
ardiff_status ardiff_devices_resolve(const ardiff_device_request *req, int *indices, int max_out,
                                     int *count);
/* Which of the four steps above decides for req (*spec, if not NULL: the spec it gives, NULL
 * for the default), without listing devices: for programs that treat a user's choice
 * differently from a default one. */
typedef enum ardiff_device_origin {
    ARDIFF_DEVICE_FROM_FLAG = 1,
    ARDIFF_DEVICE_FROM_ENV,
    ARDIFF_DEVICE_FROM_MODEL,
    ARDIFF_DEVICE_FROM_DEFAULT
} ardiff_device_origin;
ardiff_device_origin ardiff_devices_origin(const ardiff_device_request *req, const char **spec);
/* ardiff_devices_resolve with flag = spec, no model default, the first GPU by default. */
ardiff_status ardiff_devices_select(const char *spec, int *indices, int max_out, int *count);
/* The items of a non-empty spec that came from `origin` (named in the log and in errors),
 * without the precedence; an empty spec is ardiff_devices_select(NULL). */
ardiff_status ardiff_devices_select_from(const char *spec, const char *origin, int *indices,
                                         int max_out, int *count);

/* ---- Models and generation ------------------------------------------------------------------ */

typedef struct ardiff_model ardiff_model;

/* Reads a model directory: model.ini (validated), model.safetensors (every tensor checked against
 * the INI), the tokenizer vocabulary. Nothing touches a device yet. */
ardiff_status ardiff_model_open(const char *dir, ardiff_model **out);
void ardiff_model_free(ardiff_model *m);
/* A multi-line human-readable summary of sizes and settings (for `ardiff info`). */
ardiff_status ardiff_model_describe(const ardiff_model *m, char *buf, size_t cap);

typedef enum ardiff_schedule { ARDIFF_SCHEDULE_AR = 0, ARDIFF_SCHEDULE_UNIFORM = 1 } ardiff_schedule;

typedef struct ardiff_params {
    int steps;              /* K decoder calls (sentence-level steps) */
    int candidates;         /* k samples per input, one chosen by MBR */
    ardiff_schedule schedule;
    double anchor_scale;    /* AR anchor at floor(anchor_scale * N); official 2.0 */
    uint64_t seed;
    int batch;              /* inputs encoded and denoised together */
    int sentence_case;      /* 1: the chosen output's first letter is upper-cased (an uncased
                             * vocabulary scored against cased references); candidates stay as
                             * decoded. See ad_sentence_case in engine/tokenizer.h */
    int avoid_repeats;      /* 1: choose by MBR among the candidates without a back-to-back
                             * repeated word, when there is one (not official; [generate]
                             * repeats = avoid, docs/model-format.md; ad_mbr_avoid_repeats) */
} ardiff_params;

/* Defaults from the model's [generate] section (steps, candidates, schedule, case, repeats), anchor from
 * [diffusion] end_point_scale, seed 0, batch 8. */
void ardiff_params_default(const ardiff_model *m, ardiff_params *p);

typedef struct ardiff_engine ardiff_engine;

/* Uploads the model to each listed device and plans every buffer for up to max_batch inputs,
 * max_candidates candidates and max_steps steps. */
ardiff_status ardiff_engine_create(const ardiff_model *m, const int *devices, int ndev,
                                   int max_batch, int max_candidates, int max_steps,
                                   ardiff_engine **out);

/* How an engine stores the weights on each device. Arithmetic is fp32 either way.
 * FP32: the reference path. FP16: the weights are rounded on the host to IEEE half (to nearest,
 * ties to even) and kept so on each device, about half the resident weight memory; before a group
 * of weights (an encoder or decoder layer, the embeddings, the head) is used, the device expands
 * it into an fp32 scratch buffer the size of the largest group. Results differ from fp32 by the
 * weights' rounding (about 1e-3 relative), so token ids may differ where fp32 has near ties. */
typedef enum ardiff_precision { ARDIFF_PRECISION_FP32 = 0, ARDIFF_PRECISION_FP16 = 1 } ardiff_precision;

/* ardiff_engine_create with a weight storage precision (ardiff_engine_create: FP32). */
ardiff_status ardiff_engine_create_ex(const ardiff_model *m, const int *devices, int ndev,
                                      int max_batch, int max_candidates, int max_steps,
                                      ardiff_precision precision, ardiff_engine **out);
void ardiff_engine_free(ardiff_engine *e);
int ardiff_engine_device_count(const ardiff_engine *e);
const ardiff_device_desc *ardiff_engine_device(const ardiff_engine *e, int i);
/* Device i's kernel-variant table as one line ("gemm_nt=tiled attention=item layernorm=item
 * clamp=fused clamp_splits=0"; docs/kernels.md), NULL when i is out of range. */
const char *ardiff_engine_kernels(const ardiff_engine *e, int i);

typedef struct ardiff_output {
    char *text;             /* the MBR choice ("" for an empty input) */
    int choice;             /* index of the chosen candidate (-1 for an empty input) */
    int k;                  /* number of candidates */
    char **candidates;      /* k strings */
    double *scores;         /* k MBR scores */
    int source_tokens;      /* source length in tokens, [CLS] and [SEP] included */
    int truncated;          /* the source was cut to the model's max_src_len (an engine logs a
                               warning for its first 3 such inputs only) */
} ardiff_output;

typedef struct ardiff_stats {
    double encode_ms;       /* summed over batches (device time incl. waiting) */
    double decode_ms;       /* K steps + final decoding, summed over batches */
    double mbr_ms;
    int decoder_calls;      /* K per batch, summed */
    long tokens;            /* non-pad output tokens over all chosen outputs */
} ardiff_stats;

/* Generates for n sources (UTF-8, one sentence each). first_index is the global index of
 * sources[0] in the run: the noise of input i depends on (seed, first_index + i), never on the
 * batch or on how the work is split among devices. outputs[n] are filled (free them with
 * ardiff_outputs_free); stats (may be NULL) accumulate. */
ardiff_status ardiff_generate(ardiff_engine *e, const ardiff_params *p, const char *const *sources,
                              int n, uint64_t first_index, ardiff_output *outputs,
                              ardiff_stats *stats);
void ardiff_outputs_free(ardiff_output *o, int n);

/* Test and debugging hook: called on the generating thread with host copies of intermediate
 * tensors. what: "encoder" [B, S, h] (step 0), "x0" and "x0_clamped" [rows, N, d] after step s,
 * "ids" [rows, N] (int32, step K). Rows are input-major (row = input * k + candidate). With a
 * trace set, generation runs on the engine's first device only. */
typedef void (*ardiff_trace_fn)(const char *what, int step, const int dims[4], const void *data,
                                void *user);
void ardiff_engine_set_trace(ardiff_engine *e, ardiff_trace_fn fn, void *user);

/* The model's default device selection ([generate] device in model.ini), "" if none: the
 * `model` of ardiff_devices_resolve, used when neither --device nor ARDIFF_DEVICE is given. */
const char *ardiff_model_device(const ardiff_model *m);

/* Library version, "0.1.0 (commit abcdef0)". */
const char *ardiff_version(void);

#ifdef __cplusplus
}
#endif
#endif /* ARDIFF_H */
