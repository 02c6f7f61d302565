/* bpe_internal.h: what the byte-level BPE files share (bpe.c, bpe_load.c, bpe_pretok.c). */
#ifndef ARDIFF_ENGINE_BPE_INTERNAL_H
#define ARDIFF_ENGINE_BPE_INTERNAL_H

#include "bpe.h"
#include "vocabmap.h"

#define BPE_MAP_CHARS 0x144 /* the byte-level characters are below U+0144 */

typedef struct bpe_merge {
    int32_t left, right; /* the pair of ids; left = -1: empty slot */
    int32_t rank;        /* merges.txt line order, 0 first */
    int32_t merged;      /* id of the concatenation */
} bpe_merge;

struct ad_bpe {
    char *strings;          /* every token, NUL-terminated, back to back */
    ad_vocabmap vocab;      /* tokens point into strings */
    bpe_merge *merges;      /* open-addressing table of merges */
    uint32_t merge_mask;
    int32_t n_merges;       /* merges.txt lines (a repeated pair counts each time) */
    int32_t byte_id[256];   /* the token of each byte's character, -1 if none */
    int16_t char_byte[BPE_MAP_CHARS]; /* byte-level character -> byte, -1 if none */
    int32_t special[AD_BPE_N_SPECIAL]; /* ids of ad_bpe_special_names, -1 if absent */
};

/* Sets the merge of (a, b); a pair already present takes the new rank and result. */
void bpe_put_merge(ad_bpe *bpe, int32_t a, int32_t b, int32_t rank, int32_t merged);
/* End (exclusive) of the pre-tokenizer piece that starts at cps[i], i < n. */
size_t bpe_piece_end(const uint32_t *cps, size_t n, size_t i);

#endif
