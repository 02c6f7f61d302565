/* config.h: model.ini, read and validated into a plain struct.
 *
 * Sections and keys (docs/model-format.md is the reference; this is what the reader accepts):
 *   [model]      vocab_size hidden_size encoder_layers encoder_heads encoder_intermediate_size
 *                decoder_layers decoder_heads in_channels out_channels time_channels
 *                max_pos_len tgt_len max_src_len layer_norm_eps type_vocab_size
 *                time_att (optional, default true: the official time conditioning)
 *   [diffusion]  diffusion_steps noise_schedule(sqrt) end_point_scale rescale_timesteps
 *   [tokenizer]  type(wordpiece|bytelevel_bpe) vocab lowercase pad_id cls_id sep_id unk_id mask_id
 *                merges (bytelevel_bpe only, required there: merges.txt; lowercase must be false)
 *   [generate]   steps(20) candidates(50) schedule(ar|uniform, ar)   -- all optional
 * Every key of [model] (but time_att), [diffusion] and [tokenizer] is required. Ranges are
 * those of the code that uses the values (AD_MAX_LAYERS, AD_SCHED_MIN_T, AD_SCHED_MAX_STEPS,
 * the attention kernels' OPS_ATT_MAX_KEYS and OPS_ATT_MAX_DH, the AR anchor check), so a model
 * that loads does not fail later. The file is checked before iniparser reads it (regular file,
 * at most AD_FILE_MAX_INI bytes: core/file.h). Comments: '#' or ';' lines,
 * and after a value ("k = 1  # note"), but NOT after a section header: iniparser 4.1 rejects
 * "[generate]  # note" as a syntax error. Numbers are parsed strictly
 * (no trailing junk, no overflow, ranges checked); booleans are true/false/1/0/yes/no (any
 * case). Unknown sections and keys are logged as warnings and ignored. Failures are
 * ARDIFF_E_FORMAT with one line naming the file, section, key and value; a missing or
 * unreadable file is ARDIFF_E_IO.
 */
#ifndef ARDIFF_ENGINE_CONFIG_H
#define ARDIFF_ENGINE_CONFIG_H

#include "ardiff.h"
#include "engine/schedule.h"

#define AD_CONFIG_PATH_MAX 4096

typedef struct ad_model_config {
    /* [model] */
    int vocab_size;
    int hidden_size;               /* h, encoder and decoder */
    int encoder_layers, encoder_heads, encoder_intermediate_size;
    int decoder_layers, decoder_heads;
    int in_channels, out_channels; /* d_emb of the diffusion space */
    int time_channels;             /* sinusoidal time features (even) */
    int max_pos_len;               /* position embedding rows, encoder and decoder */
    int tgt_len;                   /* N, the fixed padded target length */
    int max_src_len;               /* source truncation (<= max_pos_len) */
    int type_vocab_size;           /* BERT token type rows */
    double layer_norm_eps;
    int time_att;                  /* 1 (official scripts): time as the key-side term of each
                                    * decoder self-attention; 0: one time MLP added to the decoder
                                    * input, plain self-attention (official time_att=False) */
    /* [diffusion] */
    int diffusion_steps;           /* T */
    char noise_schedule[16];       /* "sqrt" */
    double end_point_scale;        /* AR anchor at floor(scale * N) */
    int rescale_timesteps;         /* 0/1: feed tau * 1000 / T to the network */
    /* [tokenizer] */
    char tokenizer_type[16];       /* "wordpiece" or "bytelevel_bpe" (engine/textcodec.h) */
    char vocab[256];               /* as written: relative to the model directory */
    char vocab_path[AD_CONFIG_PATH_MAX]; /* resolved against the directory of model.ini */
    char merges[256];              /* bytelevel_bpe: merges.txt, as written ("" otherwise) */
    char merges_path[AD_CONFIG_PATH_MAX]; /* resolved like vocab_path ("" if no merges) */
    int lowercase;
    int pad_id, cls_id, sep_id, unk_id, mask_id;
    /* [generate] defaults */
    int steps;                     /* K, sentence-level steps */
    int candidates;                /* k, candidates for MBR */
    char schedule_name[16];        /* "ar" or "uniform" */
    char device[256];              /* default device selection ("" = none; see ardiff.h) */
    char case_name[16];            /* "none" or "sentence" (output case, see ardiff.h) */
    char repeats_name[16];         /* "keep" or "avoid" (choice among candidates, ardiff.h) */
    ad_sched_kind schedule;
    int sentence_case;             /* case_name == "sentence" */
    int avoid_repeats;             /* repeats_name == "avoid" */
} ad_model_config;

/* Reads and validates path (a model.ini) into *cfg. On failure *cfg is zeroed. */
ardiff_status ad_config_load(const char *path, ad_model_config *cfg);

#endif
