/* textcodec.h: a model's tokenizer, whichever kind its model.ini names ([tokenizer] type):
 *   wordpiece      BERT WordPiece (tokenizer.h): vocab = vocab.txt, lowercase as given;
 *                  the XSUM, CNN/DM and CommonGen models
 *   bytelevel_bpe  byte-level BPE (bpe.h): vocab = vocab.json, merges = merges.txt; the IWSLT14
 *                  models (the official code's ByteLevelBPETokenizer)
 * Decoding gives what the official generation writes for the model's task: WordPiece
 * decode(skip_special_tokens=True) with the clean-up of spaces; BPE decode with the special
 * strings <pad> <s> </s> <unk> <mask> removed (gen_utils/generate.py).
 */
#ifndef ARDIFF_ENGINE_TEXTCODEC_H
#define ARDIFF_ENGINE_TEXTCODEC_H

#include <stddef.h>
#include <stdint.h>

#include "ardiff.h"
#include "engine/config.h"

typedef struct ad_codec ad_codec;

/* Loads the tokenizer files cfg names and checks their size against [model] vocab_size and the
 * [tokenizer] ids against the vocabulary's special tokens (BPE: pad_id = <pad>, cls_id = <s>,
 * sep_id = </s>, unk_id = <unk>, mask_id = <mask>). */
ardiff_status ad_codec_load(const ad_model_config *cfg, ad_codec **out);
void ad_codec_free(ad_codec *c); /* accepts NULL */

int ad_codec_vocab_size(const ad_codec *c);
/* The vocabulary string of an id ("##ing", "Ġthe"), or NULL if out of range. */
const char *ad_codec_token(const ad_codec *c, int32_t id);
/* 1 if id is one of the tokenizer's special tokens. */
int ad_codec_is_special(const ad_codec *c, int32_t id);

/* Text -> ids without the source wrappers ([CLS]/<s>, [SEP]/</s>); as ad_tokenizer_encode
 * (stores at most max_ids, *n_ids gets the full count; invalid UTF-8 fails). */
ardiff_status ad_codec_encode(const ad_codec *c, const char *text, size_t len, int32_t *ids,
                              int max_ids, int *n_ids);

/* The encoder's input for a text as the official data pipeline builds it, at most max_len ids
 * (max_len >= 2):
 *   wordpiece      [CLS] ids[:max_len-2] [SEP]   (AutoTokenizer, truncation to max_length)
 *   bytelevel_bpe  (<s> ids[:510] </s>)[:max_len] (BertProcessing, truncation to 512, then the
 *                  batch cut to max_pos_len: a source cut there has no </s>)
 * cls and sep are the model's [tokenizer] cls_id and sep_id. *n receives the count written
 * (0 for a text without tokens), *n_text the count of the text's own ids before any cut. */
ardiff_status ad_codec_source(const ad_codec *c, const char *text, size_t len, int32_t cls,
                              int32_t sep, int32_t *ids, int max_len, int *n, int *n_text);

/* Ids -> text as the official generation decodes its outputs (above), except that a NUL byte
 * (BPE's token of byte 0) is dropped: the text is a C string. out, cap and *len as in
 * ad_tokenizer_decode (a *len reported with a too small cap is an upper bound). */
ardiff_status ad_codec_decode(const ad_codec *c, const int32_t *ids, int n, char *out,
                              size_t cap, size_t *len);

#endif
