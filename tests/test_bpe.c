/* test_bpe.c: the byte-level BPE tokenizer against Hugging Face tokenizers 0.13.2
 * (tests/fixtures/bpe/, written by tools/make_bpe_goldens.py): the golden cases (corpus sample,
 * adversarial texts, 100,000-character words, invalid UTF-8, decoding of id sequences), every
 * code point of every plane in context, malformed vocab.json / merges.txt, the API, and the
 * encoder input a BPE model gets (engine/textcodec.h).
 *
 *   test_bpe                  the fixtures alone
 *   test_bpe --corpus DIR     also every line of the corpus files (DIR: the shared data folder,
 *                             e.g. ../shared/data) against tests/fixtures/bpe/corpus.txt
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/error.h"
#include "core/file.h"
#include "engine/bpe.h"
#include "engine/textcodec.h"
#include "engine/utf8.h"

/* The golden vocabulary's size: the official 10,000 + 5 specials (tools/make_bpe_goldens.py). */
enum { GOLDEN_VOCAB = 10005 };
/* The files the corpus test must cover (corpus.txt: every line of each, both sides). */
static const char *const k_corpus_files[] = {
    "iwslt14-de-en/valid.src", "iwslt14-de-en/valid.tgt", "multi30k-de-en/valid.src",
    "multi30k-de-en/valid.tgt", "multi30k-de-en/train.src", "multi30k-de-en/train.tgt",
};
enum { N_CORPUS_FILES = sizeof k_corpus_files / sizeof k_corpus_files[0] };

static size_t unhex(const char *hex, char *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (char)v;
    }
    return n;
}

/* FNV-1a 32 over 4-byte little-endian words (tools/make_bpe_goldens.py: fnv32). */
static uint32_t fnv32(const uint32_t *v, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 4; k++)
            h = (h ^ ((v[i] >> (8 * k)) & 0xFF)) * 16777619u;
    return h;
}

static uint32_t fnv32_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) /* one word per byte value, as Python's fnv32(bytes) */
        for (int k = 0; k < 4; k++)
            h = (h ^ ((k == 0 ? (unsigned char)s[i] : 0u))) * 16777619u;
    return h;
}

/* Encodes text fully (growing the id buffer); returns the ids (free them) and their count. */
static int32_t *encode_all(const ad_bpe *bpe, const char *text, size_t len, int *n)
{
    int cap = 64 + (int)(len < (1u << 24) ? len : (1u << 24));
    int32_t *ids = malloc(sizeof(int32_t) * (size_t)cap);
    *n = -1;
    if (ids && ad_bpe_encode(bpe, text, len, ids, cap, n) != ARDIFF_OK) {
        free(ids);
        return NULL;
    }
    return ids; /* a byte-level text never has more ids than bytes */
}

static void print_diff(const ad_bpe *bpe, const int32_t *got, int n_got, const cJSON *want)
{
    int n_want = cJSON_GetArraySize(want), shown = 0;
    for (int i = 0; (i < n_got || i < n_want) && shown < 12; i++) {
        int w = i < n_want ? cJSON_GetArrayItem(want, i)->valueint : -1;
        int g = i < n_got ? got[i] : -1;
        if (g == w && shown == 0)
            continue;
        fprintf(stderr, "  %4d: got %-5d %-16s want %-5d %s\n", i, g,
                g >= 0 ? ad_bpe_token(bpe, g) : "", w, w >= 0 ? ad_bpe_token(bpe, w) : "");
        shown++;
    }
}

/* ---- golden.jsonl ----------------------------------------------------------------------- */

static int same_ids(const int32_t *got, int n, const cJSON *want)
{
    if (n != cJSON_GetArraySize(want))
        return 0;
    for (int i = 0; i < n; i++)
        if (got[i] != cJSON_GetArrayItem(want, i)->valueint)
            return 0;
    return 1;
}

/* The text of an encode case: hex, or unit_hex repeated. */
static char *case_text(const cJSON *rec, size_t *len)
{
    const cJSON *hex = cJSON_GetObjectItem(rec, "hex");
    if (cJSON_IsString(hex)) {
        char *t = malloc(strlen(hex->valuestring) / 2 + 1);
        *len = unhex(hex->valuestring, t);
        return t;
    }
    const char *u = cJSON_GetObjectItem(rec, "unit_hex")->valuestring;
    int rep = cJSON_GetObjectItem(rec, "repeat")->valueint;
    char *unit = malloc(strlen(u) / 2 + 1);
    size_t ul = unhex(u, unit);
    char *t = malloc(ul * (size_t)rep + 1);
    for (int r = 0; r < rep; r++)
        memcpy(t + ul * (size_t)r, unit, ul);
    free(unit);
    *len = ul * (size_t)rep;
    return t;
}

/* The official decode of <s> ids[:510] </s>, against decode_hex or decode_hash. */
static void check_official_decode(const ad_bpe *bpe, const cJSON *rec, const int32_t *ids, int n,
                                  const char *name, const char *text, size_t text_len)
{
    int kept = n < 510 ? n : 510;
    int32_t *wrapped = malloc(sizeof(int32_t) * (size_t)(kept + 2));
    wrapped[0] = ad_bpe_id(bpe, "<s>");
    memcpy(wrapped + 1, ids, sizeof(int32_t) * (size_t)kept);
    wrapped[kept + 1] = ad_bpe_id(bpe, "</s>");
    size_t cap = 16 * (size_t)(kept + 2) + 1, len = 0;
    char *out = malloc(cap);
    ardiff_status st = ad_bpe_decode(bpe, wrapped, kept + 2, 1, out, cap, &len);
    CHECK(st == ARDIFF_OK, "%s: decode failed: %s", name, ardiff_last_error());
    const cJSON *hex = cJSON_GetObjectItem(rec, "decode_hex");
    if (st == ARDIFF_OK && cJSON_IsString(hex)) {
        char *want = malloc(strlen(hex->valuestring) / 2 + 1);
        size_t wl = unhex(hex->valuestring, want);
        CHECK(wl == len && memcmp(want, out, len) == 0, "%s: decode differs (%zu vs %zu bytes)",
              name, len, wl);
        free(want);
    } else if (st == ARDIFF_OK && !cJSON_GetObjectItem(rec, "decode_hash")) { /* the text */
        CHECK(len == text_len && memcmp(text, out, len) == 0, "%s: decode is not the text "
              "(%zu vs %zu bytes)", name, len, text_len);
    } else if (st == ARDIFF_OK) {
        char h[16];
        snprintf(h, sizeof h, "%08x", fnv32_bytes(out, len));
        CHECK(!strcmp(h, cJSON_GetObjectItem(rec, "decode_hash")->valuestring),
              "%s: decode hash %s", name, h);
    }
    free(out);
    free(wrapped);
}

/* The pre-tokenizer's pieces of text, as byte lengths, against the golden "pieces". */
static void check_pieces(const cJSON *want, const char *text, size_t len, const char *name)
{
    uint32_t *cps = malloc(sizeof(uint32_t) * (len + 1));
    size_t *ends = malloc(sizeof(size_t) * (len + 1));
    long n = ad_utf8_decode(text, len, cps, NULL);
    size_t pieces = n < 0 ? 0 : ad_bpe_pretokenize(cps, (size_t)n, ends);
    int same = (int)pieces == cJSON_GetArraySize(want);
    for (size_t k = 0, start = 0; same && k < pieces; start = ends[k++]) {
        int bytes = 0;
        for (size_t i = start; i < ends[k]; i++)
            bytes += ad_utf8_encode(cps[i], (char[4]){0});
        same = bytes == cJSON_GetArrayItem(want, (int)k)->valueint;
    }
    CHECK(same, "%s: pre-tokenizer pieces differ (%zu vs %d pieces)", name, pieces,
          cJSON_GetArraySize(want));
    free(cps);
    free(ends);
}

static void check_encode_case(const ad_bpe *bpe, const cJSON *rec)
{
    const char *name = cJSON_GetObjectItem(rec, "name")->valuestring;
    size_t len = 0;
    char *text = case_text(rec, &len);
    int n = -1;
    int32_t *ids = encode_all(bpe, text, len, &n);
    CHECK(ids != NULL, "%s: encode failed: %s", name, ardiff_last_error());
    const cJSON *want = cJSON_GetObjectItem(rec, "ids");
    if (ids && want) {
        int same = same_ids(ids, n, want);
        CHECK(same, "%s: ids differ (%d vs %d ids)", name, n, cJSON_GetArraySize(want));
        if (!same)
            print_diff(bpe, ids, n, want);
    } else if (ids) {
        char h[16];
        snprintf(h, sizeof h, "%08x", fnv32((const uint32_t *)ids, (size_t)n));
        const cJSON *first = cJSON_GetObjectItem(rec, "first_ids");
        CHECK(n == cJSON_GetObjectItem(rec, "n_ids")->valueint, "%s: %d ids, want %d", name, n,
              cJSON_GetObjectItem(rec, "n_ids")->valueint);
        CHECK(same_ids(ids, n < 64 ? n : 64, first) || n < 64, "%s: first ids differ", name);
        CHECK(!strcmp(h, cJSON_GetObjectItem(rec, "ids_hash")->valuestring), "%s: ids hash %s",
              name, h);
    }
    const cJSON *pieces = cJSON_GetObjectItem(rec, "pieces");
    if (pieces)
        check_pieces(pieces, text, len, name);
    if (ids)
        check_official_decode(bpe, rec, ids, n, name, text, len);
    free(ids);
    free(text);
}

static void check_invalid_case(const ad_bpe *bpe, const cJSON *rec)
{
    const char *name = cJSON_GetObjectItem(rec, "name")->valuestring;
    const char *hex = cJSON_GetObjectItem(rec, "hex")->valuestring;
    char *text = malloc(strlen(hex) / 2 + 1);
    size_t len = unhex(hex, text);
    int32_t ids[8];
    int n = -1;
    ardiff_status st = ad_bpe_encode(bpe, text, len, ids, 8, &n);
    char want[64];
    snprintf(want, sizeof want, "invalid UTF-8 at byte %d",
             cJSON_GetObjectItem(rec, "at")->valueint);
    CHECK(st == ARDIFF_E_FORMAT && n == 0, "%s: status %s", name, ardiff_status_name(st));
    CHECK(strstr(ardiff_last_error(), want) != NULL, "%s: \"%s\", want \"%s\"", name,
          ardiff_last_error(), want);
    free(text);
}

static void check_decode_case(const ad_bpe *bpe, const cJSON *rec, int lineno)
{
    const cJSON *arr = cJSON_GetObjectItem(rec, "ids");
    int n = cJSON_GetArraySize(arr);
    int32_t ids[64];
    for (int i = 0; i < n && i < 64; i++)
        ids[i] = cJSON_GetArrayItem(arr, i)->valueint;
    const cJSON *off = cJSON_GetObjectItem(rec, "official_hex"); /* absent: as hf_hex */
    for (int strip = 0; strip < 2; strip++) {
        const cJSON *h = strip && off ? off : cJSON_GetObjectItem(rec, "hf_hex");
        const char *hex = h->valuestring;
        char want[4096], out[4096];
        size_t wl = unhex(hex, want), len = 0;
        ardiff_status st = ad_bpe_decode(bpe, ids, n, strip, out, sizeof out, &len);
        CHECK(st == ARDIFF_OK && len == wl && memcmp(out, want, wl) == 0,
              "golden line %d (decode, strip %d): \"%s\", want \"%.*s\"", lineno, strip, out,
              (int)wl, want);
    }
}

static int test_goldens(const ad_bpe *bpe, int counts[3])
{
    size_t size = 0;
    char *data = NULL;
    ad_file_read(check_fixture("bpe/golden.jsonl"), "fixture", AD_FILE_MAX_VOCAB, &data, &size);
    CHECK(data != NULL, "cannot read %s", check_fixture("bpe/golden.jsonl"));
    int lines = 0;
    for (char *p = data, *nl; data && *p; p = nl + 1) {
        if (!(nl = strchr(p, '\n')))
            break;
        *nl = '\0';
        cJSON *rec = cJSON_Parse(p);
        const cJSON *kind = cJSON_GetObjectItem(rec, "kind");
        CHECK(cJSON_IsString(kind), "golden line %d is not a case", lines + 1);
        lines++;
        if (!cJSON_IsString(kind)) {
            cJSON_Delete(rec);
            continue;
        }
        if (!strcmp(kind->valuestring, "encode"))
            check_encode_case(bpe, rec), counts[0]++;
        else if (!strcmp(kind->valuestring, "invalid"))
            check_invalid_case(bpe, rec), counts[1]++;
        else
            check_decode_case(bpe, rec, lines), counts[2]++;
        cJSON_Delete(rec);
    }
    free(data);
    return lines;
}

/* ---- planes.txt: every code point in context -------------------------------------------- */

/* tools/make_bpe_goldens.py plane_text: 'a' c '1' c c ' ' c '.' c ' ' for every c in [lo, hi]. */
static size_t plane_text(uint32_t lo, uint32_t hi, char *out)
{
    size_t w = 0;
    for (uint32_t cp = lo; cp <= hi; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        const uint32_t ctx[10] = {'a', cp, '1', cp, cp, ' ', cp, '.', cp, ' '};
        for (int k = 0; k < 10; k++)
            w += (size_t)ad_utf8_encode(ctx[k], out + w);
    }
    return w;
}

static void check_plane_block(const ad_bpe *bpe, const char *row, char *text, uint32_t *cps,
                              size_t *ends, uint32_t *lens)
{
    unsigned lo, hi, n_pieces, n_ids, h_pieces, h_ids;
    if (sscanf(row, "%x %x %u %x %u %x", &lo, &hi, &n_pieces, &h_pieces, &n_ids, &h_ids) != 6) {
        CHECK(0, "planes.txt: bad row \"%s\"", row);
        return;
    }
    size_t len = plane_text(lo, hi, text);
    long n = ad_utf8_decode(text, len, cps, NULL);
    size_t pieces = ad_bpe_pretokenize(cps, (size_t)n, ends);
    for (size_t k = 0, start = 0; k < pieces; start = ends[k++]) {
        lens[k] = 0;
        for (size_t i = start; i < ends[k]; i++)
            lens[k] += (uint32_t)ad_utf8_encode(cps[i], (char[4]){0});
    }
    CHECK(pieces == n_pieces && fnv32(lens, pieces) == h_pieces,
          "U+%04X..U+%04X: pre-tokenizer pieces differ (%zu vs %u)", lo, hi, pieces, n_pieces);
    int n_got = -1;
    int32_t *ids = encode_all(bpe, text, len, &n_got);
    CHECK(ids && n_got == (int)n_ids && fnv32((const uint32_t *)ids, (size_t)n_got) == h_ids,
          "U+%04X..U+%04X: ids differ (%d vs %u)", lo, hi, n_got, n_ids);
    free(ids);
}

static int test_planes(const ad_bpe *bpe)
{
    size_t size = 0;
    char *data = NULL;
    ad_file_read(check_fixture("bpe/planes.txt"), "fixture", AD_FILE_MAX_VOCAB, &data, &size);
    CHECK(data != NULL, "cannot read planes.txt");
    enum { MAX_CPS = 4096 * 10 };
    char *text = malloc(4 * MAX_CPS);
    uint32_t *cps = malloc(sizeof(uint32_t) * MAX_CPS), *lens = malloc(sizeof(uint32_t) * MAX_CPS);
    size_t *ends = malloc(sizeof(size_t) * MAX_CPS);
    int rows = 0;
    for (char *p = data, *nl; data && *p; p = nl + 1) {
        if (!(nl = strchr(p, '\n')))
            break;
        *nl = '\0';
        if (*p == '#')
            continue;
        check_plane_block(bpe, p, text, cps, ends, lens);
        rows++;
    }
    free(text);
    free(cps);
    free(lens);
    free(ends);
    free(data);
    return rows;
}

/* ---- corpus.txt: every line of the corpus files ----------------------------------------- */

/* Checks the lines of one corpus file against rows[0..n) ("n_ids hash"). */
static void check_corpus_file(const ad_bpe *bpe, const char *dir, const char *file, char **rows,
                              int n_rows, int *lines, int *bad)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t size = 0;
    char *data = NULL;
    ad_file_read(path, "fixture", AD_FILE_MAX_VOCAB, &data, &size);
    CHECK(data != NULL, "cannot read %s (the corpus is not in the repository: pass the shared "
          "data folder with --corpus, or -DARDIFF_DATA_DIR= to cmake)", path);
    int k = 0;
    for (char *p = data, *nl; data && p < data + size; p = nl + 1, k++) {
        nl = memchr(p, '\n', (size_t)(data + size - p));
        if (!nl)
            nl = data + size;
        if (k >= n_rows)
            break;
        unsigned want_n = 0, want_h = 0;
        sscanf(rows[k], "%u %x", &want_n, &want_h);
        int n = -1;
        size_t len = (size_t)(nl - p);
        int32_t *ids = encode_all(bpe, p, len, &n);
        int ok = ids && n == (int)want_n && fnv32((const uint32_t *)ids, (size_t)n) == want_h;
        char *dec = malloc(16 * (size_t)(n > 0 ? n : 1) + 1);
        size_t dl = 0;
        ok = ok && ad_bpe_decode(bpe, ids, n, 1, dec, 16 * (size_t)n + 1, &dl) == ARDIFF_OK &&
             dl == len && memcmp(dec, p, len) == 0;
        if (!ok && ++*bad <= 20)
            fprintf(stderr, "FAIL %s:%d: %d ids (want %u), or decode differs: %.*s\n", file,
                    k + 1, n, want_n, (int)len, p);
        free(dec);
        free(ids);
        (*lines)++;
    }
    CHECK(k == n_rows, "%s: %d lines, corpus.txt has %d: not the data the goldens were made "
          "from", path, k, n_rows);
    free(data);
}

static void test_corpus(const ad_bpe *bpe, const char *dir)
{
    size_t size = 0;
    char *data = NULL;
    ad_file_read(check_fixture("bpe/corpus.txt"), "fixture", AD_FILE_MAX_VOCAB, &data, &size);
    CHECK(data != NULL, "cannot read corpus.txt");
    char **rows = malloc(sizeof(char *) * (size / 4 + 1)), file[512] = "";
    int n_rows = 0, lines = 0, bad = 0, covered[N_CORPUS_FILES] = {0};
    for (char *p = data, *nl; data && *p; p = nl + 1) {
        if (!(nl = strchr(p, '\n')))
            break;
        *nl = '\0';
        if (!strncmp(p, "## ", 3) || *p != '#')
            ;
        else
            continue;
        if (!strncmp(p, "## ", 3)) {
            if (file[0])
                check_corpus_file(bpe, dir, file, rows, n_rows, &lines, &bad);
            sscanf(p + 3, "%511s", file);
            n_rows = 0;
            for (int f = 0; f < N_CORPUS_FILES; f++)
                covered[f] |= !strcmp(file, k_corpus_files[f]);
        } else {
            rows[n_rows++] = p;
        }
    }
    if (file[0])
        check_corpus_file(bpe, dir, file, rows, n_rows, &lines, &bad);
    for (int f = 0; f < N_CORPUS_FILES; f++) /* a corpus.txt that lost a file must not pass */
        CHECK(covered[f], "corpus.txt has no section for %s", k_corpus_files[f]);
    CHECK(bad == 0, "corpus: %d of %d lines differ", bad, lines);
    printf("corpus: %d lines checked (encode and decode), %d differ\n", lines, bad);
    free(rows);
    free(data);
}

/* ---- malformed files -------------------------------------------------------------------- */

static void write_tmp(const char *path, const char *content)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(content, 1, strlen(content), f);
        fclose(f);
    }
}

/* Writes dir/vocab.json and dir/merges.txt and loads them. */
static ardiff_status load_pair(const char *dir, const char *vocab, const char *merges,
                               ad_bpe **bpe)
{
    char vp[4200], mp[4200];
    snprintf(vp, sizeof vp, "%s/vocab.json", dir);
    snprintf(mp, sizeof mp, "%s/merges.txt", dir);
    write_tmp(vp, vocab);
    write_tmp(mp, merges);
    return ad_bpe_load(vp, mp, bpe);
}

static const char *k_vocab =
    "{\"<pad>\": 0, \"<s>\": 1, \"a\": 2, \"b\": 3, \"c\": 4, \"ab\": 5, \"abc\": 6, "
    "\"\\u0120\": 7, \"\\u0120a\": 8, \"aa\": 9}";

/* Loading (vocab, merges) must fail with want, naming the file and holding needle. */
static void expect_error(const char *dir, const char *vocab, const char *merges,
                         ardiff_status want, const char *file, const char *needle)
{
    ad_bpe *bpe = (ad_bpe *)&bpe;
    ardiff_status st = load_pair(dir, vocab, merges, &bpe);
    const char *msg = ardiff_last_error();
    CHECK(st == want && bpe == NULL, "%s: status %s (%s)", needle, ardiff_status_name(st), msg);
    CHECK(strstr(msg, file) != NULL, "message does not name %s: %s", file, msg);
    CHECK(strstr(msg, needle) != NULL, "message lacks \"%s\": %s", needle, msg);
    ad_bpe_free(st == ARDIFF_OK ? bpe : NULL);
}

static void test_bad_files(const char *dir)
{
    const char *m = "#version: 0.2\na b\n";
    expect_error(dir, "", m, ARDIFF_E_FORMAT, "vocab.json", "empty file");
    expect_error(dir, "{\"a\": 0,", m, ARDIFF_E_FORMAT, "vocab.json", "not valid JSON");
    expect_error(dir, "[\"a\", \"b\"]", m, ARDIFF_E_FORMAT, "vocab.json", "not a JSON object");
    expect_error(dir, "{}", m, ARDIFF_E_FORMAT, "vocab.json", "not a JSON object");
    expect_error(dir, "{\"a\": 0, \"b\": 1.5}", m, ARDIFF_E_FORMAT, "vocab.json",
                 "token \"b\": the id is not an integer in [0, 2)");
    expect_error(dir, "{\"a\": 0, \"b\": \"1\"}", m, ARDIFF_E_FORMAT, "vocab.json", "\"b\"");
    expect_error(dir, "{\"a\": 0, \"b\": 2}", m, ARDIFF_E_FORMAT, "vocab.json", "[0, 2)");
    expect_error(dir, "{\"a\": 0, \"b\": -1}", m, ARDIFF_E_FORMAT, "vocab.json", "[0, 2)");
    expect_error(dir, "{\"a\": 0, \"b\": 0}", m, ARDIFF_E_FORMAT, "vocab.json",
                 "id 0 is given twice (\"a\" and \"b\")");
    expect_error(dir, "{\"a\": 0, \"a\": 1}", m, ARDIFF_E_FORMAT, "vocab.json",
                 "token \"a\" is given twice");
    expect_error(dir, "{\"a\": 0, \"b\\u0000c\": 1}", m, ARDIFF_E_FORMAT, "vocab.json",
                 "NUL character");
    expect_error(dir, "{\"a\": 0, \"b\xC3(\": 1}", m, ARDIFF_E_FORMAT, "vocab.json",
                 "not valid UTF-8");
    expect_error(dir, "{\"a\": 0, \"\": 1}", m, ARDIFF_E_FORMAT, "vocab.json", "empty token");
    /* control characters of a token never reach the message (one line, no terminal escapes) */
    expect_error(dir, "{\"a\\n\\u001b[2J\": 0.5}", m, ARDIFF_E_FORMAT, "vocab.json",
                 "token \"a??[2J\": the id");
    expect_error(dir, k_vocab, "a b\nab\n", ARDIFF_E_FORMAT, "merges.txt:2:",
                 "\"ab\" is not a merge");
    expect_error(dir, k_vocab, "a b\n\nab c\n", ARDIFF_E_FORMAT, "merges.txt:2:",
                 "is not a merge");
    expect_error(dir, k_vocab, "a  b\n", ARDIFF_E_FORMAT, "merges.txt:1:", "is not a merge");
    expect_error(dir, k_vocab, "a b\nx c\n", ARDIFF_E_FORMAT, "merges.txt:2:",
                 "its left half is not in the vocabulary");
    expect_error(dir, k_vocab, "a x\n", ARDIFF_E_FORMAT, "merges.txt:1:", "right half");
    expect_error(dir, k_vocab, "b c\n", ARDIFF_E_FORMAT, "merges.txt:1:", "its result");
    /* merges.txt is plain text: "\u0120" there is six characters, not the escape of 'Ġ' */
    expect_error(dir, k_vocab, "\\u0120 a\n", ARDIFF_E_FORMAT, "merges.txt:1:", "left half");
    expect_error(dir, k_vocab, "a b\nab \xC3(\n", ARDIFF_E_FORMAT, "merges.txt:2:",
                 "invalid UTF-8");
    char mp[4200];
    snprintf(mp, sizeof mp, "%s/merges.txt", dir);
    FILE *f = fopen(mp, "wb");
    if (f) {
        fwrite("a b\na\0b\n", 1, 8, f); /* a NUL byte inside line 2 */
        fclose(f);
    }
    char vp[4200];
    snprintf(vp, sizeof vp, "%s/vocab.json", dir);
    ad_bpe *nul = NULL;
    f = fopen(vp, "wb");
    if (f) {
        fwrite("{\"a\0b\": 0}", 1, 10, f); /* a raw NUL inside a token */
        fclose(f);
    }
    CHECK(ad_bpe_load(vp, mp, &nul) == ARDIFF_E_FORMAT && !nul &&
          strstr(ardiff_last_error(), "vocab.json: NUL byte at offset 3"), "raw NUL: %s",
          ardiff_last_error());
    write_tmp(vp, k_vocab);
    CHECK(ad_bpe_load(vp, mp, &nul) == ARDIFF_E_FORMAT && !nul &&
          strstr(ardiff_last_error(), "merges.txt:2: NUL byte"), "NUL: %s", ardiff_last_error());
    ad_bpe *bpe = NULL;
    char path[4200];
    snprintf(path, sizeof path, "%s/missing.json", dir);
    CHECK(ad_bpe_load(path, path, &bpe) == ARDIFF_E_IO && bpe == NULL &&
          strstr(ardiff_last_error(), "missing.json"), "missing file: %s", ardiff_last_error());
    CHECK(ad_bpe_load(dir, path, &bpe) == ARDIFF_E_IO && bpe == NULL, "a directory: %s",
          ardiff_last_error());
}

/* A hand-made vocabulary: merge order, ties, CRLF, #version lines, a repeated pair. */
static void test_small(const char *dir)
{
    const char *merges =
        "#version: 0.2 - test\r\na a\r\nab c\r\n#version again\r\na b\r\n\xC4\xA0 a\r\n";
    ad_bpe *bpe = NULL;
    CHECK(load_pair(dir, k_vocab, merges, &bpe) == ARDIFF_OK, "small vocab: %s",
          ardiff_last_error());
    if (!bpe)
        return;
    CHECK(ad_bpe_vocab_size(bpe) == 10 && ad_bpe_merge_count(bpe) == 4, "sizes %d %d",
          ad_bpe_vocab_size(bpe), ad_bpe_merge_count(bpe));
    static const struct { const char *text; int n; int32_t ids[6]; } cases[] = {
        {"aaa", 2, {9, 2}},         /* equal ranks: the leftmost pair first */
        {"aaaa", 2, {9, 9}},
        {"abc", 1, {6}},            /* "ab c" (rank 1) applies once "a b" (rank 2) made ab */
        {"a a", 2, {2, 8}},         /* " a" is one piece: "Ġ a" merges */
        {"xa", 1, {2}},             /* 'x' has no token: dropped, as tokenizers does */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t ids[8];
        int n = -1;
        CHECK(ad_bpe_encode(bpe, cases[i].text, strlen(cases[i].text), ids, 8, &n) == ARDIFF_OK
              && n == cases[i].n && !memcmp(ids, cases[i].ids, sizeof(int32_t) * (size_t)n),
              "\"%s\": %d ids (%d %d)", cases[i].text, n, n > 0 ? ids[0] : -1,
              n > 1 ? ids[1] : -1);
    }
    ad_bpe_free(bpe);
    /* A pair listed twice takes its later rank: "a b" after "a a" now, so "aab" -> aa b. */
    CHECK(load_pair(dir, k_vocab, "a b\na a\na b\n", &bpe) == ARDIFF_OK, "%s",
          ardiff_last_error());
    int32_t ids[4];
    int n = -1;
    CHECK(bpe && ad_bpe_encode(bpe, "aab", 3, ids, 4, &n) == ARDIFF_OK && n == 2 &&
          ids[0] == 9 && ids[1] == 3, "repeated pair: %d ids", n);
    ad_bpe_free(bpe);
}

static void test_byte_map(void)
{
    int seen[0x144] = {0}, ok = 1;
    for (int b = 0; b < 256; b++) {
        uint32_t c = ad_bpe_byte_char((unsigned char)b);
        ok &= c < 0x144 && !seen[c] && ad_bpe_char_byte(c) == b;
        if (c < 0x144)
            seen[c] = 1;
    }
    CHECK(ok, "the byte map is not a bijection onto its characters");
    CHECK(ad_bpe_byte_char(' ') == 0x120 && ad_bpe_byte_char('\n') == 0x10A &&
          ad_bpe_byte_char(0xAD) == 0x143 && ad_bpe_byte_char('A') == 'A' &&
          ad_bpe_byte_char(0xFF) == 0xFF, "GPT-2 map values");
    CHECK(ad_bpe_char_byte(0x144) == -1 && ad_bpe_char_byte(0x20) == -1 &&
          ad_bpe_char_byte(0xAD) == -1, "characters that stand for no byte");
}

static void test_api(const ad_bpe *bpe)
{
    CHECK(ad_bpe_vocab_size(bpe) == GOLDEN_VOCAB, "vocab size %d", ad_bpe_vocab_size(bpe));
    for (int s = 0; s < AD_BPE_N_SPECIAL; s++)
        CHECK(ad_bpe_id(bpe, ad_bpe_special_names[s]) == s && ad_bpe_is_special(bpe, s),
              "special %s", ad_bpe_special_names[s]);
    CHECK(!ad_bpe_is_special(bpe, 5) && ad_bpe_id(bpe, "no such token") == -1 &&
          !ad_bpe_token(bpe, GOLDEN_VOCAB) && !ad_bpe_token(bpe, -1), "lookups");
    int32_t ids[4] = {-7, -7, -7, -7};
    int n = 0;
    const char *text = "a man and a dog";
    CHECK(ad_bpe_encode(bpe, text, strlen(text), ids, 2, &n) == ARDIFF_OK && n == 5 &&
          ids[2] == -7, "truncation: full count %d", n);
    CHECK(ad_bpe_encode(bpe, "a\0b", 3, ids, 4, &n) == ARDIFF_OK && n == 3 &&
          !strcmp(ad_bpe_token(bpe, ids[1]), "\xC4\x80"), "NUL is byte 0: U+0100");
    int32_t d[] = {1, ids[0], 2, 0};
    char out[64];
    size_t len = 0;
    CHECK(ad_bpe_decode(bpe, d, 4, 0, out, sizeof out, &len) == ARDIFF_OK &&
          !strcmp(out, "<s>a</s><pad>") && len == 13, "decode: %s", out);
    CHECK(ad_bpe_decode(bpe, d, 4, 1, out, sizeof out, &len) == ARDIFF_OK && !strcmp(out, "a") &&
          len == 1, "decode, specials removed: %s", out);
    CHECK(ad_bpe_decode(bpe, d, 4, 0, out, 13, &len) == ARDIFF_E_INVALID_ARG && len == 13,
          "short buffer");
    int32_t bad[] = {5, GOLDEN_VOCAB};
    CHECK(ad_bpe_decode(bpe, bad, 2, 1, out, sizeof out, NULL) == ARDIFF_E_INVALID_ARG &&
          strstr(ardiff_last_error(), "position 1"), "bad id: %s", ardiff_last_error());
    CHECK(ad_bpe_decode(bpe, d, 0, 1, out, 1, &len) == ARDIFF_OK && !out[0] && !len, "empty");
}

/* The encoder input of a BPE model (textcodec.h): <s> ids[:510] </s>, cut to max_len. */
static void test_source(const char *vocab, const char *merges)
{
    ad_model_config cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.tokenizer_type, sizeof cfg.tokenizer_type, "bytelevel_bpe");
    snprintf(cfg.vocab_path, sizeof cfg.vocab_path, "%s", vocab);
    snprintf(cfg.merges_path, sizeof cfg.merges_path, "%s", merges);
    cfg.vocab_size = GOLDEN_VOCAB;
    cfg.pad_id = 0, cfg.cls_id = 1, cfg.sep_id = 2, cfg.unk_id = 3, cfg.mask_id = 4;
    ad_codec *c = NULL;
    CHECK(ad_codec_load(&cfg, &c) == ARDIFF_OK, "codec: %s", ardiff_last_error());
    if (!c)
        return;
    const char *text = "a man and a dog"; /* 5 ids */
    int32_t ids[600];
    int n = -1, full = -1;
    CHECK(ad_codec_source(c, text, strlen(text), 1, 2, ids, 7, &n, &full) == ARDIFF_OK &&
          n == 7 && full == 5 && ids[0] == 1 && ids[6] == 2, "fits: n %d", n);
    CHECK(ad_codec_source(c, text, strlen(text), 1, 2, ids, 6, &n, &full) == ARDIFF_OK &&
          n == 6 && full == 5 && ids[0] == 1 && ids[5] != 2, "cut: no </s> (n %d)", n);
    CHECK(ad_codec_source(c, "", 0, 1, 2, ids, 6, &n, &full) == ARDIFF_OK && n == 0 && !full,
          "empty text");
    char *longer = malloc(4 * 600 + 1);
    for (int i = 0; i < 600; i++)
        memcpy(longer + 4 * i, " dog", 4); /* 600 ids */
    CHECK(ad_codec_source(c, longer, 2400, 1, 2, ids, 600, &n, &full) == ARDIFF_OK && n == 512 &&
          full == 600 && ids[0] == 1 && ids[510] != 2 && ids[511] == 2,
          "over 510: truncated to 512 with </s> (n %d)", n);
    free(longer);
    /* generation's decode drops NUL (byte 0's token): outputs are C strings */
    CHECK(ad_codec_encode(c, "a\0b<s>", 6, ids, 8, &n) == ARDIFF_OK && n >= 3, "encode NUL");
    char out[16];
    size_t len = 0;
    CHECK(ad_codec_decode(c, ids, n, out, sizeof out, &len) == ARDIFF_OK && len == 2 &&
          !strcmp(out, "ab"), "codec decode: %zu \"%s\"", len, out);
    CHECK(ad_codec_decode(c, ids, n, out, 2, &len) == ARDIFF_E_INVALID_ARG && len >= 2,
          "codec decode, short buffer: %zu", len);
    cfg.cls_id = 5;
    ad_codec_free(c);
    c = NULL;
    CHECK(ad_codec_load(&cfg, &c) == ARDIFF_E_FORMAT && !c && strstr(ardiff_last_error(),
          "<s> is id 1, but model.ini says cls_id = 5"), "cls_id: %s", ardiff_last_error());
    cfg.cls_id = 1;
    cfg.vocab_size = GOLDEN_VOCAB + 1;
    char want[96];
    snprintf(want, sizeof want, "%d entries, but model.ini says vocab_size = %d", GOLDEN_VOCAB,
             GOLDEN_VOCAB + 1);
    CHECK(ad_codec_load(&cfg, &c) == ARDIFF_E_FORMAT && !c && strstr(ardiff_last_error(), want),
          "size: %s", ardiff_last_error());
}

int main(int argc, char **argv)
{
    const char *corpus = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--corpus") && i + 1 < argc) {
            corpus = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--corpus DATA_DIR]\n", argv[0]);
            return 2;
        }
    }
    char vocab[4096], merges[4096];
    snprintf(vocab, sizeof vocab, "%s", check_fixture("bpe/vocab.json"));
    snprintf(merges, sizeof merges, "%s", check_fixture("bpe/merges.txt"));
    ad_bpe *bpe = NULL;
    CHECK(ad_bpe_load(vocab, merges, &bpe) == ARDIFF_OK, "%s", ardiff_last_error());
    if (!bpe)
        return check_summary("test_bpe");
    if (corpus) {
        test_corpus(bpe, corpus);
    } else {
        int counts[3] = {0};
        int lines = test_goldens(bpe, counts);
        printf("golden.jsonl: %d cases (%d encode, %d invalid UTF-8, %d decode)\n", lines,
               counts[0], counts[1], counts[2]);
        /* a truncated fixture must not pass: the cases tools/make_bpe_goldens.py writes */
        CHECK(counts[0] >= 200 && counts[1] >= 24 && counts[2] >= 200,
              "golden.jsonl: too few cases (%d encode, %d invalid, %d decode)", counts[0],
              counts[1], counts[2]);
        int blocks = test_planes(bpe);
        printf("planes.txt: %d blocks of code points\n", blocks);
        CHECK(blocks == 0x110000 / 4096, "planes.txt: %d blocks, not all of U+0000..U+10FFFF",
              blocks);
        test_api(bpe);
        test_byte_map();
        test_source(vocab, merges);
        char dir[] = "/tmp/ardiff_bpe_XXXXXX";
        CHECK(mkdtemp(dir) != NULL, "mkdtemp failed");
        test_bad_files(dir);
        test_small(dir);
        char p[4200];
        snprintf(p, sizeof p, "%s/vocab.json", dir);
        remove(p);
        snprintf(p, sizeof p, "%s/merges.txt", dir);
        remove(p);
        rmdir(dir);
    }
    ad_bpe_free(bpe);
    return check_summary(corpus ? "test_bpe --corpus" : "test_bpe");
}
