/* vocabmap.h: what the two tokenizers (WordPiece, tokenizer.c; byte-level BPE, bpe*.c) share:
 * the vocabulary as a table of token strings by id with an open-addressing hash from string to
 * id, and what their decoders share: the id check, the in-place string replacement applied to
 * the joined text, and handing the text out to the caller's buffer.
 *
 * The map does not own the token strings: each tokenizer keeps them in a buffer of its own
 * (vocab.txt's bytes, split in place; vocab.json's keys, copied) and points tokens[id] into it.
 */
#ifndef ARDIFF_ENGINE_VOCABMAP_H
#define ARDIFF_ENGINE_VOCABMAP_H

#include <stddef.h>
#include <stdint.h>

#include "ardiff.h"

typedef struct ad_vocabmap {
    char **tokens;   /* [n] NUL-terminated strings (NULL until set), in the owner's buffer */
    uint32_t *lens;  /* [n] byte lengths */
    int32_t n;
    int32_t *slots;  /* open-addressing table of ids, -1 = empty */
    uint32_t mask;   /* its size - 1 (a power of two) */
} ad_vocabmap;

/* Size of an open-addressing table for n entries: the smallest power of two that is at least
 * 16 and at least 2 n (the BPE merge table uses it too). */
uint32_t ad_vocabmap_table_size(size_t n);

/* Room for n tokens (all unset) and an empty hash table. Returns 0, or -1 when out of memory
 * (the caller names what it was loading); m is then safe to pass to ad_vocabmap_free. */
int ad_vocabmap_init(ad_vocabmap *m, int32_t n);
void ad_vocabmap_free(ad_vocabmap *m); /* the arrays, not the strings; accepts a zeroed map */

/* Id of the token s[0..len), or -1. */
int32_t ad_vocabmap_find(const ad_vocabmap *m, const char *s, size_t len);

/* Indexes id, whose tokens[id] and lens[id] are set. Returns the id that already has the same
 * string (then id is not indexed), or -1. */
int32_t ad_vocabmap_add(ad_vocabmap *m, int32_t id);

/* The token string of an id, or NULL if it is out of range. */
const char *ad_vocabmap_token(const ad_vocabmap *m, int32_t id);

/* Decoding: checks that every id of ids[0..n) is in the vocabulary (else ARDIFF_E_INVALID_ARG
 * naming the first one outside); *bytes receives the sum of their lengths. */
ardiff_status ad_vocabmap_check_ids(const ad_vocabmap *m, const int32_t *ids, int n,
                                    size_t *bytes);

/* The end of a decode: *len (may be NULL) receives w; the decoded s[0..w] (its NUL included)
 * is copied to out, or, if cap is too small, ARDIFF_E_INVALID_ARG names both sizes. s (from
 * malloc) is freed either way. */
ardiff_status ad_text_hand_out(char *s, size_t w, char *out, size_t cap, size_t *len);

/* Python's s.replace(from, to) on s[0..n), in place, for strlen(to) <= strlen(from); writes a
 * NUL at the new end and returns the new length. */
size_t ad_text_replace_all(char *s, size_t n, const char *from, const char *to);

#endif
