/* tokenizer.c: BERT WordPiece (see tokenizer.h for the exact pipeline). */
#include "tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/file.h"
#include "utf8.h"
#include "vocabmap.h"

struct ad_tokenizer {
    char *buf;          /* the file's bytes; each token NUL-terminated in place */
    ad_vocabmap vocab;  /* tokens point into buf */
    int lowercase;
    int32_t special[5]; /* [PAD] [UNK] [CLS] [SEP] [MASK] (-1 if absent) */
};

enum { SP_PAD, SP_UNK, SP_CLS, SP_SEP, SP_MASK };
static const char *const special_names[5] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

/* ---- loading -------------------------------------------------------------------------------- */

/* Splits buf into lines in place (NUL-terminating each, dropping "\r\n"/"\n"). */
static ardiff_status split_lines(ad_tokenizer *tok, size_t size, const char *path)
{
    int32_t lines = 0;
    for (size_t i = 0; i < size; i++)
        lines += tok->buf[i] == '\n';
    if (size > 0 && tok->buf[size - 1] != '\n')
        lines++; /* last line without newline */
    ad_vocabmap *v = &tok->vocab;
    if (ad_vocabmap_init(v, lines) != 0)
        return ad_fail(ARDIFF_E_OOM, "%s: out of memory", path);
    char *p = tok->buf, *end = tok->buf + size;
    for (int32_t k = 0; k < lines; k++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end;
        if (e > p && e[-1] == '\r')
            e--;
        *e = '\0';
        v->tokens[k] = p;
        v->lens[k] = (uint32_t)(e - p);
        p = nl ? nl + 1 : end;
    }
    return ARDIFF_OK;
}

static ardiff_status check_and_index(ad_tokenizer *tok, const char *path)
{
    ad_vocabmap *v = &tok->vocab;
    ardiff_status st = ARDIFF_OK;
    for (int32_t id = 0; id < v->n && st == ARDIFF_OK; id++) {
        size_t bad = 0;
        if (v->lens[id] == 0)
            st = ad_fail(ARDIFF_E_FORMAT, "%s:%d: empty token", path, id + 1);
        else if (v->lens[id] > 4096)
            st = ad_fail(ARDIFF_E_FORMAT, "%s:%d: token longer than 4096 bytes", path, id + 1);
        else if (memchr(v->tokens[id], '\0', v->lens[id])) /* never matched, cuts output */
            st = ad_fail(ARDIFF_E_FORMAT, "%s:%d: NUL byte in the token", path, id + 1);
        else if (ad_utf8_decode(v->tokens[id], v->lens[id], NULL, &bad) < 0)
            st = ad_fail(ARDIFF_E_FORMAT, "%s:%d: invalid UTF-8 at byte %zu of the line",
                         path, id + 1, bad);
        else {
            int32_t dup = ad_vocabmap_add(v, id);
            if (dup >= 0)
                st = ad_fail(ARDIFF_E_FORMAT, "%s:%d: duplicate token \"%s\" (first on line %d)",
                             path, id + 1, v->tokens[id], dup + 1);
        }
    }
    return st;
}

ardiff_status ad_tokenizer_load(const char *vocab_path, int lowercase, ad_tokenizer **out)
{
    *out = NULL;
    ad_tokenizer *tok = calloc(1, sizeof *tok);
    if (!tok)
        return ad_fail(ARDIFF_E_OOM, "out of memory");
    tok->lowercase = lowercase;
    size_t size = 0;
    ardiff_status st = ad_file_read(vocab_path, "vocabulary", AD_FILE_MAX_VOCAB, &tok->buf, &size);
    if (st == ARDIFF_OK && size == 0)
        st = ad_fail(ARDIFF_E_FORMAT, "%s: empty vocabulary file", vocab_path);
    if (st == ARDIFF_OK)
        st = split_lines(tok, size, vocab_path);
    if (st == ARDIFF_OK)
        st = check_and_index(tok, vocab_path);
    for (int s = 0; s < 5 && st == ARDIFF_OK; s++) {
        tok->special[s] = ad_tokenizer_id(tok, special_names[s]);
        if (tok->special[s] < 0 && s != SP_MASK)
            st = ad_fail(ARDIFF_E_FORMAT, "%s: missing special token %s (%d tokens read)",
                         vocab_path, special_names[s], tok->vocab.n);
    }
    if (st != ARDIFF_OK) {
        ad_tokenizer_free(tok);
        return st;
    }
    *out = tok;
    return ARDIFF_OK;
}

void ad_tokenizer_free(ad_tokenizer *tok)
{
    if (!tok)
        return;
    free(tok->buf);
    ad_vocabmap_free(&tok->vocab);
    free(tok);
}

int ad_tokenizer_vocab_size(const ad_tokenizer *tok) { return tok->vocab.n; }

int32_t ad_tokenizer_id(const ad_tokenizer *tok, const char *token)
{
    return ad_vocabmap_find(&tok->vocab, token, strlen(token));
}

const char *ad_tokenizer_token(const ad_tokenizer *tok, int32_t id)
{
    return ad_vocabmap_token(&tok->vocab, id);
}

int ad_tokenizer_is_special(const ad_tokenizer *tok, int32_t id)
{
    for (int s = 0; s < 5; s++)
        if (tok->special[s] >= 0 && tok->special[s] == id)
            return 1;
    return 0;
}

/* ---- encoding ------------------------------------------------------------------------------- */

/* BERT's CJK ideograph blocks (the same list in the slow and the fast tokenizer). */
static int is_cjk(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
           (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* BERT punctuation: every non-alphanumeric ASCII symbol, plus Unicode P*. */
static int is_bert_punct(uint32_t c)
{
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
        (c >= 123 && c <= 126))
        return 1;
    return c >= 128 && ad_uc_is_punct(c);
}

/* Steps 1-2 of tokenizer.h: writes at most 5 code points per input code point to out (a CJK
 * ideograph: space, its decomposition of at most 3, space). */
static size_t normalize(const ad_tokenizer *tok, const uint32_t *in, size_t n, uint32_t *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = in[i];
        if (c == 0 || c == 0xFFFD || (c != '\t' && c != '\n' && c != '\r' && ad_uc_is_control(c)))
            continue;
        if (ad_uc_is_space(c)) {
            out[m++] = ' ';
            continue;
        }
        int cjk = is_cjk(c); /* decided before NFD (which maps U+F900.. to unified ideographs) */
        if (cjk)
            out[m++] = ' ';
        if (!tok->lowercase) {
            out[m++] = c;
        } else {
            uint32_t d[4];
            int k = ad_uc_nfd_strip(c, d);
            for (int j = 0; j < k; j++)
                out[m++] = ad_uc_lower1(d[j]);
        }
        if (cjk)
            out[m++] = ' ';
    }
    return m;
}

/* Appends one id, counting past max_ids. */
static void emit(int32_t id, int32_t *ids, int max_ids, int *count)
{
    if (*count < max_ids)
        ids[*count] = id;
    (*count)++;
}

/* WordPiece on one word w[0..n): greedy longest match, "##" continuation pieces. */
static void wordpiece(const ad_tokenizer *tok, const uint32_t *w, size_t n, int32_t *ids,
                      int max_ids, int *count)
{
    int32_t unk = tok->special[SP_UNK];
    if (n > AD_TOKENIZER_MAX_WORD) {
        emit(unk, ids, max_ids, count);
        return;
    }
    char bytes[4 * AD_TOKENIZER_MAX_WORD], piece[2 + 4 * AD_TOKENIZER_MAX_WORD];
    size_t off[AD_TOKENIZER_MAX_WORD + 1];
    off[0] = 0;
    for (size_t i = 0; i < n; i++)
        off[i + 1] = off[i] + (size_t)ad_utf8_encode(w[i], bytes + off[i]);
    int32_t found[AD_TOKENIZER_MAX_WORD];
    int n_found = 0;
    piece[0] = piece[1] = '#';
    for (size_t start = 0; start < n;) {
        int32_t id = -1;
        size_t end = n;
        for (; end > start; end--) {
            size_t len = off[end] - off[start];
            if (start == 0) {
                id = ad_vocabmap_find(&tok->vocab, bytes, len);
            } else {
                memcpy(piece + 2, bytes + off[start], len);
                id = ad_vocabmap_find(&tok->vocab, piece, len + 2);
            }
            if (id >= 0)
                break;
        }
        if (id < 0) { /* the word cannot be covered: all of it is [UNK] */
            emit(unk, ids, max_ids, count);
            return;
        }
        found[n_found++] = id;
        start = end;
    }
    for (int i = 0; i < n_found; i++)
        emit(found[i], ids, max_ids, count);
}

/* Tokenizes the code points in[0..n) that hold no special token (steps 1-4). norm: room for
 * 5 n code points. */
static void encode_plain(const ad_tokenizer *tok, const uint32_t *in, size_t n, uint32_t *norm,
                         int32_t *ids, int max_ids, int *count)
{
    size_t m = normalize(tok, in, n, norm);
    for (size_t i = 0; i < m;) { /* words: runs of non-space, non-punctuation */
        if (ad_uc_is_space(norm[i])) {
            i++;
        } else if (is_bert_punct(norm[i])) {
            wordpiece(tok, norm + i, 1, ids, max_ids, count);
            i++;
        } else {
            size_t j = i;
            while (j < m && !ad_uc_is_space(norm[j]) && !is_bert_punct(norm[j]))
                j++;
            wordpiece(tok, norm + i, j - i, ids, max_ids, count);
            i = j;
        }
    }
}

/* Id of the special token spelled exactly at cps[i..n) ("[SEP]"), or -1. */
static int32_t special_at(const ad_tokenizer *tok, const uint32_t *cps, size_t i, size_t n)
{
    if (cps[i] != '[')
        return -1;
    for (int s = 0; s < 5; s++) {
        const char *name = special_names[s];
        size_t k = 0;
        while (name[k] && i + k < n && cps[i + k] == (unsigned char)name[k])
            k++;
        if (!name[k] && tok->special[s] >= 0)
            return tok->special[s];
    }
    return -1;
}

ardiff_status ad_tokenizer_encode(const ad_tokenizer *tok, const char *text, size_t len,
                                  int32_t *ids, int max_ids, int *n_ids)
{
    *n_ids = 0;
    uint32_t *cps = malloc(sizeof(uint32_t) * (len + 1));
    uint32_t *norm = malloc(sizeof(uint32_t) * (5 * len + 1));
    size_t n = 0;
    ardiff_status st = (!cps || !norm) ? ad_fail(ARDIFF_E_OOM, "tokenizer: out of memory for "
                                                 "%zu bytes of text", len)
                                       : ad_utf8_decode_text(text, len, cps, &n);
    if (st != ARDIFF_OK) {
        free(cps);
        free(norm);
        return st;
    }
    /* Special tokens spelled out in the raw text ("[SEP]", exact case) are kept whole, as
     * Hugging Face's added-token matching does before normalisation. */
    int count = 0;
    size_t seg = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t sp = special_at(tok, cps, i, n);
        if (sp < 0)
            continue;
        encode_plain(tok, cps + seg, i - seg, norm, ids, max_ids, &count);
        emit(sp, ids, max_ids, &count);
        i += tok->vocab.lens[sp] - 1;
        seg = i + 1;
    }
    encode_plain(tok, cps + seg, n - seg, norm, ids, max_ids, &count);
    free(cps);
    free(norm);
    *n_ids = count;
    return ARDIFF_OK;
}

/* ---- decoding ------------------------------------------------------------------------------- */

/* Hugging Face's clean_up_tokenization, in its order. */
static size_t clean_up_spaces(char *s, size_t n)
{
    static const char *const rules[][2] = {
        {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
        {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        n = ad_text_replace_all(s, n, rules[i][0], rules[i][1]);
    return n;
}

ardiff_status ad_tokenizer_decode(const ad_tokenizer *tok, const int32_t *ids, int n,
                                  int skip_special, char *out, size_t cap, size_t *len)
{
    size_t bytes = 0;
    AD_TRY(ad_vocabmap_check_ids(&tok->vocab, ids, n, &bytes));
    char *s = malloc(bytes + (size_t)n + 1); /* a space before each token, the NUL */
    if (!s)
        return ad_fail(ARDIFF_E_OOM, "decode: out of memory");
    size_t w = 0;
    for (int i = 0; i < n; i++) {
        if (skip_special && ad_tokenizer_is_special(tok, ids[i]))
            continue;
        const char *t = tok->vocab.tokens[ids[i]];
        size_t tl = tok->vocab.lens[ids[i]];
        if (w > 0 && tl >= 2 && t[0] == '#' && t[1] == '#') {
            t += 2; /* a continuation piece joins the previous one */
            tl -= 2;
        } else if (w > 0) {
            s[w++] = ' ';
        }
        memcpy(s + w, t, tl);
        w += tl;
    }
    s[w] = '\0';
    w = clean_up_spaces(s, w);
    return ad_text_hand_out(s, w, out, cap, len);
}

void ad_sentence_case(char *s)
{
    /* ASCII only, on purpose: the locale-free rule the reference (ardiff_ref.tokenizer) shares */
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == ' ' || (c >= '\t' && c <= '\r') || (c >= '!' && c <= '/') ||
            (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~'))
            continue;
        if (c >= 'a' && c <= 'z')
            *s = (char)(c - 'a' + 'A');
        return;
    }
}
