/* bpe_load.c: reading vocab.json and merges.txt into the byte-level BPE tables (see bpe.h). */
#include "bpe_internal.h"

#include <cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/file.h"
#include "utf8.h"

static int valid_utf8(const char *s, size_t len)
{
    return ad_utf8_decode(s, len, NULL, NULL) >= 0;
}

/* s as it goes into an error message: at most 60 bytes (cut at a character start, "..."
 * added), control bytes shown as '?': a hostile file cannot break the line. */
static const char *show(const char *s, char buf[64])
{
    size_t n = strlen(s), k = n <= 60 ? n : 57;
    while (k < n && k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    for (size_t i = 0; i < k; i++)
        buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7F) ? '?' : s[i];
    strcpy(buf + k, k < n ? "..." : "");
    return buf;
}

/* 1 if the JSON text has the escape \u0000 (cJSON would cut the string there). */
static int has_escaped_nul(const char *s, size_t n)
{
    for (size_t i = 0; i + 6 <= n; i++) {
        if (s[i] != '\\')
            continue;
        if (s[i + 1] == 'u' && !memcmp(s + i + 2, "0000", 4))
            return 1;
        i++; /* skip the escaped character, so "\\u0000" (a backslash, then text) passes */
    }
    return 0;
}

/* ---- vocab.json --------------------------------------------------------------------------- */

static ardiff_status alloc_vocab(ad_bpe *bpe, const cJSON *root, const char *path)
{
    size_t bytes = 0;
    int32_t n = 0;
    for (const cJSON *c = root->child; c; c = c->next, n++)
        bytes += strlen(c->string) + 1;
    bpe->strings = malloc(bytes ? bytes : 1);
    if (ad_vocabmap_init(&bpe->vocab, n) != 0 || !bpe->strings)
        return ad_fail(ARDIFF_E_OOM, "%s: out of memory for %d tokens", path, (int)n);
    return ARDIFF_OK;
}

/* Checks one "token": id entry and stores it at strings + *used. */
static ardiff_status add_token(ad_bpe *bpe, const cJSON *c, size_t *used, const char *path)
{
    const char *t = c->string;
    size_t len = strlen(t);
    double v = cJSON_IsNumber(c) ? c->valuedouble : -1.0;
    char b1[64], b2[64];
    if (len == 0)
        return ad_fail(ARDIFF_E_FORMAT, "%s: empty token", path);
    if (!valid_utf8(t, len))
        return ad_fail(ARDIFF_E_FORMAT, "%s: a token is not valid UTF-8", path);
    ad_vocabmap *vm = &bpe->vocab;
    if (!(v >= 0 && v < vm->n && v == (double)(int32_t)v))
        return ad_fail(ARDIFF_E_FORMAT, "%s: token \"%s\": the id is not an integer in "
                       "[0, %d)", path, show(t, b1), (int)vm->n);
    int32_t id = (int32_t)v;
    if (vm->tokens[id])
        return ad_fail(ARDIFF_E_FORMAT, "%s: id %d is given twice (\"%s\" and \"%s\")",
                       path, (int)id, show(vm->tokens[id], b1), show(t, b2));
    vm->tokens[id] = memcpy(bpe->strings + *used, t, len + 1);
    vm->lens[id] = (uint32_t)len;
    *used += len + 1;
    int32_t dup = ad_vocabmap_add(vm, id);
    if (dup >= 0)
        return ad_fail(ARDIFF_E_FORMAT, "%s: token \"%s\" is given twice", path, show(t, b1));
    return ARDIFF_OK;
}

static ardiff_status parse_vocab(ad_bpe *bpe, char *data, size_t size, const char *path)
{
    if (size == 0)
        return ad_fail(ARDIFF_E_FORMAT, "%s: empty file", path);
    if (memchr(data, '\0', size)) /* cJSON would keep it inside a string, cutting the token */
        return ad_fail(ARDIFF_E_FORMAT, "%s: NUL byte at offset %zu", path,
                       (size_t)((const char *)memchr(data, '\0', size) - data));
    if (has_escaped_nul(data, size))
        return ad_fail(ARDIFF_E_FORMAT, "%s: a token holds a NUL character (\\u0000)", path);
    cJSON *root = cJSON_ParseWithLength(data, size);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        long off = (at && at >= data && at <= data + size) ? (long)(at - data) : -1;
        return ad_fail(ARDIFF_E_FORMAT, "%s: not valid JSON (near byte %ld)", path, off);
    }
    ardiff_status st = ARDIFF_OK;
    if (!cJSON_IsObject(root) || !root->child)
        st = ad_fail(ARDIFF_E_FORMAT, "%s: not a JSON object of token ids", path);
    if (st == ARDIFF_OK)
        st = alloc_vocab(bpe, root, path);
    size_t used = 0;
    for (const cJSON *c = root->child; c && st == ARDIFF_OK; c = c->next)
        st = add_token(bpe, c, &used, path);
    cJSON_Delete(root);
    return st;
}

/* ---- merges.txt --------------------------------------------------------------------------- */

/* One line "a b" (NUL-terminated, at most its own length of scratch for "ab"). */
static ardiff_status add_merge(ad_bpe *bpe, char *line, char *scratch, const char *path,
                               long lineno)
{
    size_t len = strlen(line);
    char *sp = strchr(line, ' '), b1[64];
    if (!valid_utf8(line, len))
        return ad_fail(ARDIFF_E_FORMAT, "%s:%ld: invalid UTF-8", path, lineno);
    if (!sp || strchr(sp + 1, ' '))
        return ad_fail(ARDIFF_E_FORMAT, "%s:%ld: \"%s\" is not a merge \"a b\"", path,
                       lineno, show(line, b1));
    size_t la = (size_t)(sp - line), lb = len - la - 1;
    memcpy(scratch, line, la);
    memcpy(scratch + la, sp + 1, lb);
    int32_t a = ad_vocabmap_find(&bpe->vocab, line, la);
    int32_t b = ad_vocabmap_find(&bpe->vocab, sp + 1, lb);
    int32_t ab = ad_vocabmap_find(&bpe->vocab, scratch, la + lb);
    const char *missing = a < 0 ? "left half" : b < 0 ? "right half" : ab < 0 ? "result" : NULL;
    if (missing)
        return ad_fail(ARDIFF_E_FORMAT, "%s:%ld: merge \"%s\": its %s is not in the "
                       "vocabulary", path, lineno, show(line, b1), missing);
    bpe_put_merge(bpe, a, b, bpe->n_merges++, ab);
    return ARDIFF_OK;
}

static ardiff_status parse_merges(ad_bpe *bpe, char *data, size_t size, const char *path)
{
    size_t lines = 0;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    bpe->merge_mask = ad_vocabmap_table_size(lines + 1) - 1;
    bpe->merges = malloc(sizeof(bpe_merge) * (bpe->merge_mask + 1));
    char *scratch = malloc(size + 1);
    ardiff_status st = ARDIFF_OK;
    if (!bpe->merges || !scratch)
        st = ad_fail(ARDIFF_E_OOM, "%s: out of memory", path);
    for (uint32_t i = 0; st == ARDIFF_OK && i <= bpe->merge_mask; i++)
        bpe->merges[i].left = -1;
    char *p = data, *end = data + size;
    for (long lineno = 1; st == ARDIFF_OK && p < end; lineno++) { /* a last "\n" ends a line */
        char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
        if (e > p && e[-1] == '\r')
            e--;
        *e = '\0';
        if (memchr(p, '\0', (size_t)(e - p)))
            st = ad_fail(ARDIFF_E_FORMAT, "%s:%ld: NUL byte", path, lineno);
        else if (strncmp(p, "#version", 8) != 0)
            st = add_merge(bpe, p, scratch, path, lineno);
        p = nl ? nl + 1 : end;
    }
    free(scratch);
    return st;
}

typedef ardiff_status (*parse_fn)(ad_bpe *bpe, char *data, size_t size, const char *path);

/* Reads one tokenizer file whole (what: its name in messages) and parses it into bpe. */
static ardiff_status load_file(ad_bpe *bpe, const char *path, const char *what, parse_fn parse)
{
    char *data = NULL;
    size_t size = 0;
    AD_TRY(ad_file_read(path, what, AD_FILE_MAX_VOCAB, &data, &size));
    ardiff_status st = parse(bpe, data, size, path);
    free(data);
    return st;
}

/* ---- the whole tokenizer ------------------------------------------------------------------ */

static void fill_maps(ad_bpe *bpe)
{
    for (int b = 0; b < 256; b++) {
        char u[4];
        int k = ad_utf8_encode(ad_bpe_byte_char((unsigned char)b), u);
        bpe->byte_id[b] = ad_vocabmap_find(&bpe->vocab, u, (size_t)k);
    }
    for (uint32_t cp = 0; cp < BPE_MAP_CHARS; cp++)
        bpe->char_byte[cp] = (int16_t)ad_bpe_char_byte(cp);
    for (int s = 0; s < AD_BPE_N_SPECIAL; s++)
        bpe->special[s] = ad_bpe_id(bpe, ad_bpe_special_names[s]);
}

ardiff_status ad_bpe_load(const char *vocab_path, const char *merges_path, ad_bpe **out)
{
    *out = NULL;
    ad_bpe *bpe = calloc(1, sizeof *bpe);
    if (!bpe)
        return ad_fail(ARDIFF_E_OOM, "out of memory");
    ardiff_status st = load_file(bpe, vocab_path, "vocab.json", parse_vocab);
    if (st == ARDIFF_OK)
        st = load_file(bpe, merges_path, "merges.txt", parse_merges);
    if (st != ARDIFF_OK) {
        ad_bpe_free(bpe);
        return st;
    }
    fill_maps(bpe);
    *out = bpe;
    return ARDIFF_OK;
}

void ad_bpe_free(ad_bpe *bpe)
{
    if (!bpe)
        return;
    free(bpe->strings);
    ad_vocabmap_free(&bpe->vocab);
    free(bpe->merges);
    free(bpe);
}
