/* bpe.h: byte-level BPE tokenizer (the GPT-2 scheme), equal token for token to Hugging Face
 * tokenizers 0.13.2's ByteLevelBPETokenizer as the official AR-Diffusion code builds it for
 * IWSLT14 (data_utils/tokenizer_utils.py: ByteLevelBPETokenizer(vocab.json, merges.txt) with the
 * defaults: no normaliser, no lowercasing, add_prefix_space false, no unk token; a BERT-style
 * post-processor adds <s> ... </s>; ByteLevel decoder). Checked on tests/fixtures/bpe/.
 *
 * Files, as tokenizer.save_model writes them:
 *   vocab.json   one JSON object {"token": id, ...}. Tokens are byte-level strings: each byte
 *                of the text is one character of the GPT-2 byte-to-unicode map (printable
 *                Latin-1 bytes stand for themselves, the other 68 bytes are U+0100..U+0143: a
 *                space is "Ġ"). The ids must be 0..n-1, each once.
 *   merges.txt   one merge "a b" per line, the line order being the rank; lines starting with
 *                "#version" are skipped. a, b and ab must all be tokens. A pair listed twice
 *                takes its later rank (as tokenizers does).
 *
 * Encoding, per input:
 *   1. the text (strict UTF-8) is split into pieces by the GPT-2 pattern
 *        's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *      with the classes of tokenizers' regex engine (utf8.h: ad_uc_is_rx_*, Unicode 13.0);
 *   2. each byte of a piece becomes the token of its byte-level character (a byte whose
 *      character is not in the vocabulary is dropped, as tokenizers does without unk token);
 *   3. merges by rank: the lowest-rank adjacent pair is merged first, the leftmost of equal
 *      ranks first, until no listed pair is left (tokenizers' Word::merge_all).
 * Special tokens spelled in the text are not matched: the official code loads only vocab.json
 * and merges.txt, so "<s>" in a text is the three characters '<' 's' '>'.
 *
 * Decoding (tokenizers' ByteLevel decoder): each token's characters back to bytes (a token with
 * a character outside the map contributes its own UTF-8), all joined, then every maximal
 * invalid UTF-8 subsequence replaced by U+FFFD (Rust's String::from_utf8_lossy).
 */
#ifndef ARDIFF_ENGINE_BPE_H
#define ARDIFF_ENGINE_BPE_H

#include <stddef.h>
#include <stdint.h>

#include "ardiff.h"

typedef struct ad_bpe ad_bpe;

/* The official special tokens (tokenizer_utils.py), ids 0..4 in an official vocabulary. */
#define AD_BPE_N_SPECIAL 5
extern const char *const ad_bpe_special_names[AD_BPE_N_SPECIAL]; /* <pad> <s> </s> <unk> <mask> */

/* Loads vocab.json and merges.txt. Fails, naming the file (and line or token), on: a missing,
 * unreadable or empty file, JSON that is not one object of integer ids, invalid UTF-8, a token
 * with a NUL, a duplicate token, ids that are not 0..n-1, a merges line that is not "a b", a
 * merge whose halves or result are not tokens. The special tokens are optional. */
ardiff_status ad_bpe_load(const char *vocab_path, const char *merges_path, ad_bpe **out);
void ad_bpe_free(ad_bpe *bpe); /* accepts NULL */

int ad_bpe_vocab_size(const ad_bpe *bpe);
int ad_bpe_merge_count(const ad_bpe *bpe);
/* Id of a token (its vocab.json string, e.g. "Ġthe"), or -1. */
int32_t ad_bpe_id(const ad_bpe *bpe, const char *token);
/* The vocab.json string of an id, or NULL if out of range. */
const char *ad_bpe_token(const ad_bpe *bpe, int32_t id);
/* 1 if id is one of the five official special tokens. */
int ad_bpe_is_special(const ad_bpe *bpe, int32_t id);

/* Tokenizes text[0..len) into ids, without <s> </s>. Stores at most max_ids ids; *n_ids
 * receives the full count (n_ids > max_ids: truncated). Invalid UTF-8 fails with
 * ARDIFF_E_FORMAT naming the byte offset. */
ardiff_status ad_bpe_encode(const ad_bpe *bpe, const char *text, size_t len, int32_t *ids,
                            int max_ids, int *n_ids);

/* Decodes ids as tokenizers' decode(ids, skip_special_tokens=True) does for this tokenizer
 * (nothing is skipped: its special tokens are plain vocabulary entries). strip_special: then, as
 * the official IWSLT generation does, the strings "<pad>", "<s>", "</s>", "<unk>", "<mask>" are
 * removed from the text, in that order. out receives a NUL-terminated string; too small a cap
 * fails with ARDIFF_E_INVALID_ARG; *len (may be NULL) receives the length (also then). Ids
 * outside the vocabulary fail with ARDIFF_E_INVALID_ARG. */
ardiff_status ad_bpe_decode(const ad_bpe *bpe, const int32_t *ids, int n, int strip_special,
                            char *out, size_t cap, size_t *len);

/* Step 1 alone, on code points: writes the end (exclusive) of each piece of cps[0..n) to ends
 * (room for n) and returns the number of pieces. */
size_t ad_bpe_pretokenize(const uint32_t *cps, size_t n, size_t *ends);

/* The GPT-2 byte-to-unicode map: the character that stands for byte b, and its inverse
 * (-1 for a character that stands for no byte). */
uint32_t ad_bpe_byte_char(unsigned char b);
int ad_bpe_char_byte(uint32_t cp);

#endif
