/* textcodec.c: one face for the two tokenizer kinds (see textcodec.h). */
#include "engine/textcodec.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "engine/bpe.h"
#include "engine/tokenizer.h"

struct ad_codec {
    ad_tokenizer *wp; /* exactly one of the two is set */
    ad_bpe *bpe;
};

/* BPE: the [tokenizer] ids must be those of the official special tokens. */
static ardiff_status check_bpe_ids(const ad_model_config *cfg, const ad_bpe *bpe)
{
    const struct { const char *key; int id; int special; } ids[] = {
        {"pad_id", cfg->pad_id, 0}, {"cls_id", cfg->cls_id, 1}, {"sep_id", cfg->sep_id, 2},
        {"unk_id", cfg->unk_id, 3}, {"mask_id", cfg->mask_id, 4},
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const char *name = ad_bpe_special_names[ids[i].special];
        int32_t want = ad_bpe_id(bpe, name);
        if (want < 0)
            return ad_fail(ARDIFF_E_FORMAT, "%s: no token %s (the [tokenizer] %s)",
                           cfg->vocab_path, name, ids[i].key);
        if (want != ids[i].id)
            return ad_fail(ARDIFF_E_FORMAT, "%s: %s is id %d, but model.ini says %s = %d",
                           cfg->vocab_path, name, (int)want, ids[i].key, ids[i].id);
    }
    return ARDIFF_OK;
}

ardiff_status ad_codec_load(const ad_model_config *cfg, ad_codec **out)
{
    *out = NULL;
    ad_codec *c = calloc(1, sizeof *c);
    if (!c)
        return ad_fail(ARDIFF_E_OOM, "out of memory");
    ardiff_status s;
    if (!strcmp(cfg->tokenizer_type, "bytelevel_bpe")) {
        s = ad_bpe_load(cfg->vocab_path, cfg->merges_path, &c->bpe);
        if (s == ARDIFF_OK)
            s = check_bpe_ids(cfg, c->bpe);
    } else {
        s = ad_tokenizer_load(cfg->vocab_path, cfg->lowercase, &c->wp);
    }
    if (s == ARDIFF_OK && ad_codec_vocab_size(c) != cfg->vocab_size)
        s = ad_fail(ARDIFF_E_FORMAT, "%s: %d entries, but model.ini says vocab_size = %d",
                    cfg->vocab_path, ad_codec_vocab_size(c), cfg->vocab_size);
    if (s != ARDIFF_OK) {
        ad_codec_free(c);
        return s;
    }
    *out = c;
    return ARDIFF_OK;
}

void ad_codec_free(ad_codec *c)
{
    if (!c)
        return;
    ad_tokenizer_free(c->wp);
    ad_bpe_free(c->bpe);
    free(c);
}

int ad_codec_vocab_size(const ad_codec *c)
{
    return c->bpe ? ad_bpe_vocab_size(c->bpe) : ad_tokenizer_vocab_size(c->wp);
}

const char *ad_codec_token(const ad_codec *c, int32_t id)
{
    return c->bpe ? ad_bpe_token(c->bpe, id) : ad_tokenizer_token(c->wp, id);
}

int ad_codec_is_special(const ad_codec *c, int32_t id)
{
    return c->bpe ? ad_bpe_is_special(c->bpe, id) : ad_tokenizer_is_special(c->wp, id);
}

ardiff_status ad_codec_encode(const ad_codec *c, const char *text, size_t len, int32_t *ids,
                              int max_ids, int *n_ids)
{
    if (c->bpe)
        return ad_bpe_encode(c->bpe, text, len, ids, max_ids, n_ids);
    return ad_tokenizer_encode(c->wp, text, len, ids, max_ids, n_ids);
}

ardiff_status ad_codec_decode(const ad_codec *c, const int32_t *ids, int n, char *out,
                              size_t cap, size_t *len)
{
    if (!c->bpe)
        return ad_tokenizer_decode(c->wp, ids, n, 1, out, cap, len);
    size_t w = 0;
    ardiff_status s = ad_bpe_decode(c->bpe, ids, n, 1, out, cap, &w);
    if (len)
        *len = w;
    if (s != ARDIFF_OK)
        return s;
    size_t kept = 0; /* drop NUL bytes (the token of byte 0): the text is a C string */
    for (size_t i = 0; i < w; i++)
        if (out[i])
            out[kept++] = out[i];
    out[kept] = '\0';
    if (len)
        *len = kept;
    return ARDIFF_OK;
}

#define BPE_MAX_TEXT_IDS 510 /* the official enable_truncation(max_length=512), less <s> </s> */

ardiff_status ad_codec_source(const ad_codec *c, const char *text, size_t len, int32_t cls,
                              int32_t sep, int32_t *ids, int max_len, int *n, int *n_text)
{
    *n = *n_text = 0;
    if (max_len < 2)
        return ad_fail(ARDIFF_E_INVALID_ARG, "source: room for %d ids, at least 2 needed",
                       max_len);
    int room = c->bpe ? max_len - 1 : max_len - 2; /* text ids after the first marker */
    AD_TRY(ad_codec_encode(c, text, len, ids + 1, room, n_text));
    if (*n_text == 0)
        return ARDIFF_OK;
    int kept = *n_text < room ? *n_text : room;
    if (c->bpe && (*n_text < BPE_MAX_TEXT_IDS ? *n_text : BPE_MAX_TEXT_IDS) + 2 > max_len) {
        ids[0] = cls; /* cut after the first max_len ids: no </s> */
        *n = max_len;
        return ARDIFF_OK;
    }
    if (c->bpe && kept > BPE_MAX_TEXT_IDS)
        kept = BPE_MAX_TEXT_IDS;
    ids[0] = cls;
    ids[kept + 1] = sep;
    *n = kept + 2;
    return ARDIFF_OK;
}
