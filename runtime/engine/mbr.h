/* mbr.h: minimum Bayes risk selection over k candidate strings with the official AR-Diffusion
 * utility, pymteval's sentence BLEU (4-gram, case-insensitive, mteval-13a tokenisation, +1
 * smoothing on every precision, brevity penalty against the reference length). The exact
 * definition, quirks included, is in tools/ardiff_ref/bleu.py and tools/ardiff_ref/mbr.py; this
 * file implements the same and is tested against tests/fixtures/mbr/cases.json.
 *
 * Not reproduced: Python's context-dependent lowercasing of a final capital sigma (only ever
 * matters for text with capital Greek letters; the uncased tokenizer never outputs one).
 */
#ifndef ARDIFF_ENGINE_MBR_H
#define ARDIFF_ENGINE_MBR_H

#include <stddef.h>

#include "ardiff.h"

/* Chooses among cands[0..k): scores[j] = mean over m != j of BLEU(hyp = cands[m], ref =
 * cands[j]) (numpy's pairwise summation, so the values match the Python reference bit for bit
 * on the same libm); *choice = argmax, ties to the highest index. k = 1 gives choice 0 and
 * score 0. scores may be NULL. Fails on k < 1, invalid UTF-8 (naming the candidate and byte
 * offset) or out of memory. */
ardiff_status ad_mbr_select(const char *const *cands, int k, double *scores, int *choice);

/* 1 when s has a back-to-back repeated word ("a man sitting sitting on"): words are the
 * maximal runs of letters and numbers (Unicode \p{L} and \p{N}; everything else separates,
 * except that characters between two words never make them unequal), compared after
 * one-code-point lowercasing. The rule of the evaluator's repeat check (tools/ardiff_ref/
 * metrics.py, has_repeat); invalid UTF-8 gives 0. */
int ad_has_repeat(const char *s);

/* The [generate] repeats = avoid rule (not official; docs/model-format.md): the candidate with
 * the highest MBR score among those without a back-to-back repeated word (ties to the highest
 * index, as in ad_mbr_select), or `choice` when every candidate repeats a word. */
int ad_mbr_avoid_repeats(const char *const *cands, int k, const double *scores, int choice);

/* Sentence BLEU of one hypothesis against one reference (the MBR utility). */
ardiff_status ad_mbr_bleu(const char *hyp, const char *ref, double *bleu);

/* The mteval-13a tokens of s (before lowercasing), joined by single spaces into out (cap
 * bytes, NUL-terminated); *n_tokens receives their number ("" gives one empty token).
 * For tests. */
ardiff_status ad_mbr_tokenize(const char *s, char *out, size_t cap, int *n_tokens);

#endif
