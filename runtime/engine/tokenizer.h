/* tokenizer.h: BERT WordPiece tokenizer (bert-base-uncased style), equal token for token to the
 * Hugging Face fast BertTokenizer (the one AutoTokenizer gives, which the official AR-Diffusion
 * code used) on tests/fixtures/tokenizer/golden.jsonl.
 *
 * Encoding, per input:
 *   0. special tokens spelled exactly in the text ("[SEP]", "[MASK]") become their ids;
 *      the text between them goes through steps 1-4;
 *   1. clean: drop NUL, U+FFFD and control characters (Cc/Cf/Co/Cs except tab, LF, CR); map
 *      whitespace (str.isspace) to ' '; put spaces around CJK ideographs;
 *   2. if lowercase: canonical decomposition (NFD), drop Mn marks, lowercase per code point;
 *   3. split on whitespace; every punctuation character (ASCII symbols and P*) is its own word;
 *   4. WordPiece: greedy longest match first, "##" on continuation pieces; a word longer than
 *      100 code points, or one that cannot be covered, becomes [UNK].
 * Known differences from the fast tokenizer (rare scripts only): an exhaustive check of "a"+c+"b"
 * over all code points differs on 759 of them: characters whose category changed after the
 * (older) Unicode tables of the Rust crates (our tables are Python's unicodedata, Unicode 14:
 * e.g. U+0890, U+0898.., U+2E55..U+2E5D, U+166D, U+1734), and U+2B820..U+2B91F, which the Rust
 * code does not treat as CJK (its range starts at 0x2B920, BERT's Python code at 0x2B820; we
 * follow Python). Canonical reordering of the few non-Mn combining marks is not done.
 */
#ifndef ARDIFF_ENGINE_TOKENIZER_H
#define ARDIFF_ENGINE_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "ardiff.h"

typedef struct ad_tokenizer ad_tokenizer;

#define AD_TOKENIZER_MAX_WORD 100 /* code points; longer words become [UNK] (HF default) */

/* Loads a vocab.txt (one token per line, id = line number - 1). Fails, naming the file and
 * line, on: a missing or empty file, invalid UTF-8, a NUL byte, an empty line, a duplicate
 * token, or a missing [PAD], [UNK], [CLS] or [SEP]. lowercase: 1 for uncased vocabularies
 * (lowercasing and accent stripping), 0 for cased ones. */
ardiff_status ad_tokenizer_load(const char *vocab_path, int lowercase, ad_tokenizer **out);
void ad_tokenizer_free(ad_tokenizer *tok); /* accepts NULL */

int ad_tokenizer_vocab_size(const ad_tokenizer *tok);
/* Id of a token string ("[PAD]"), or -1 if it is not in the vocabulary. */
int32_t ad_tokenizer_id(const ad_tokenizer *tok, const char *token);
/* The token string of an id, or NULL if out of range. */
const char *ad_tokenizer_token(const ad_tokenizer *tok, int32_t id);
/* 1 if id is [PAD], [UNK], [CLS], [SEP] or [MASK] (the ids decode skips). */
int ad_tokenizer_is_special(const ad_tokenizer *tok, int32_t id);

/* Tokenizes text[0..len) (UTF-8; NUL bytes allowed, they are dropped) into ids, without
 * [CLS]/[SEP]. Stores at most max_ids ids; *n_ids receives the full count, so n_ids > max_ids
 * means the output was truncated. Invalid UTF-8 fails with ARDIFF_E_FORMAT naming the byte
 * offset (callers add the line number with ad_fail_prefix). */
ardiff_status ad_tokenizer_encode(const ad_tokenizer *tok, const char *text, size_t len,
                                  int32_t *ids, int max_ids, int *n_ids);

/* Joins ids into text like Hugging Face decode(clean_up_tokenization_spaces=True): pieces are
 * joined with spaces, "##" pieces glued to the previous one, then " ." " ?" " !" " ," " ' "
 * " n't" " 'm" " 's" " 've" " 're" lose their space. skip_special drops the special ids.
 * out receives a NUL-terminated string; if cap is too small the call fails with
 * ARDIFF_E_INVALID_ARG. *len (may be NULL) receives the string length (also on that failure). */
ardiff_status ad_tokenizer_decode(const ad_tokenizer *tok, const int32_t *ids, int n,
                                  int skip_special, char *out, size_t cap, size_t *len);

/* Sentence case for an uncased vocabulary's output ([generate] case = sentence): skips ASCII
 * spaces and ASCII punctuation; if the first other byte is 'a'..'z' it becomes 'A'..'Z',
 * otherwise (a digit, a non-ASCII character, the end) s is left as it is. In place. */
void ad_sentence_case(char *s);

#endif
