/* test_tokenizer.c: the BERT WordPiece tokenizer against the Hugging Face goldens
 * (tests/fixtures/tokenizer/golden.jsonl, written by tools/make_tokenizer_goldens.py), plus
 * malformed vocabularies and invalid UTF-8. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/error.h"
#include "core/file.h"
#include "engine/tokenizer.h"

#define MAX_IDS 4096

/* Hex string -> bytes (the goldens carry the exact bytes, NULs included). */
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

/* One golden line: encode the text, compare ids; decode the golden ids, compare the string. */
static void check_golden_line(const ad_tokenizer *tok, const cJSON *rec, int lineno)
{
    const cJSON *hex = cJSON_GetObjectItem(rec, "hex"), *ids = cJSON_GetObjectItem(rec, "ids");
    const cJSON *dec = cJSON_GetObjectItem(rec, "decode");
    CHECK(cJSON_IsString(hex) && cJSON_IsArray(ids) && cJSON_IsString(dec),
          "golden line %d: missing fields", lineno);
    if (!cJSON_IsString(hex) || !cJSON_IsArray(ids) || !cJSON_IsString(dec))
        return;
    char *text = malloc(strlen(hex->valuestring) / 2 + 1);
    size_t len = unhex(hex->valuestring, text);
    int32_t got[MAX_IDS], want[MAX_IDS];
    int n_got = 0, n_want = cJSON_GetArraySize(ids);
    for (int i = 0; i < n_want && i < MAX_IDS; i++)
        want[i] = (int32_t)cJSON_GetArrayItem(ids, i)->valueint;
    ardiff_status st = ad_tokenizer_encode(tok, text, len, got, MAX_IDS, &n_got);
    CHECK(st == ARDIFF_OK, "line %d: encode failed: %s", lineno, ardiff_last_error());
    int same = n_got == n_want && memcmp(got, want, sizeof(int32_t) * (size_t)n_got) == 0;
    CHECK(same, "line %d: ids differ (%d vs %d ids) for %s", lineno, n_got, n_want,
          cJSON_GetObjectItem(rec, "text")->valuestring);
    if (!same) {
        for (int i = 0; i < n_got || i < n_want; i++)
            fprintf(stderr, "  %3d: got %-6d %-12s want %-6d %s\n", i, i < n_got ? got[i] : -1,
                    i < n_got ? ad_tokenizer_token(tok, got[i]) : "", i < n_want ? want[i] : -1,
                    i < n_want ? ad_tokenizer_token(tok, want[i]) : "");
    }
    char out[16384];
    size_t out_len = 0;
    st = ad_tokenizer_decode(tok, want, n_want, 1, out, sizeof out, &out_len);
    CHECK(st == ARDIFF_OK && strcmp(out, dec->valuestring) == 0,
          "line %d: decode \"%s\", want \"%s\"", lineno, out, dec->valuestring);
    CHECK(out_len == strlen(out), "line %d: decode length %zu", lineno, out_len);
    free(text);
}

static int test_goldens(const ad_tokenizer *tok)
{
    size_t size = 0;
    char *data = NULL;
    ad_file_read(check_fixture("tokenizer/golden.jsonl"), "fixture", AD_FILE_MAX_VOCAB, &data, &size);
    CHECK(data != NULL, "cannot read %s", check_fixture("tokenizer/golden.jsonl"));
    if (!data)
        return 0;
    int lines = 0;
    for (char *p = data, *nl; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        cJSON *rec = cJSON_Parse(p);
        CHECK(rec != NULL, "golden line %d is not JSON", lines + 1);
        if (rec)
            check_golden_line(tok, rec, lines + 1);
        cJSON_Delete(rec);
        lines++;
    }
    free(data);
    return lines;
}

/* Writes content to dir/name and returns the path (static buffer). */
static const char *write_tmp(const char *dir, const char *name, const char *content, size_t n)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(content, 1, n, f);
        fclose(f);
    }
    return path;
}

/* Loading content must fail with status want and a message holding every needle. */
static void expect_load_error(const char *dir, const char *name, const char *content,
                              ardiff_status want, const char *needle1, const char *needle2)
{
    const char *path = write_tmp(dir, name, content, strlen(content));
    ad_tokenizer *tok = NULL;
    ardiff_status st = ad_tokenizer_load(path, 1, &tok);
    const char *msg = ardiff_last_error();
    CHECK(st == want && tok == NULL, "%s: status %s", name, ardiff_status_name(st));
    CHECK(strstr(msg, name) != NULL, "%s: message does not name the file: %s", name, msg);
    CHECK(strstr(msg, needle1) != NULL, "%s: message lacks \"%s\": %s", name, needle1, msg);
    CHECK(!needle2 || strstr(msg, needle2) != NULL, "%s: message lacks \"%s\": %s", name,
          needle2 ? needle2 : "", msg);
    ad_tokenizer_free(tok);
}

static void test_bad_vocab(void)
{
    char dir[] = "/tmp/ardiff_tok_XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp failed");
    const char *sp = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n";
    char buf[256];
    expect_load_error(dir, "empty.txt", "", ARDIFF_E_FORMAT, "empty vocabulary", NULL);
    snprintf(buf, sizeof buf, "%shello\nworld\nhello\n", sp);
    expect_load_error(dir, "dup.txt", buf, ARDIFF_E_FORMAT, ":7: duplicate token \"hello\"",
                      "line 5");
    expect_load_error(dir, "nounk.txt", "[PAD]\n[CLS]\n[SEP]\nhello\n", ARDIFF_E_FORMAT,
                      "missing special token [UNK]", NULL);
    expect_load_error(dir, "nosep.txt", "[PAD]\n[UNK]\n[CLS]\n", ARDIFF_E_FORMAT,
                      "missing special token [SEP]", NULL);
    snprintf(buf, sizeof buf, "%sok\n\nafter\n", sp);
    expect_load_error(dir, "blank.txt", buf, ARDIFF_E_FORMAT, ":6: empty token", NULL);
    snprintf(buf, sizeof buf, "%sok\nbad\xC3(\n", sp);
    expect_load_error(dir, "utf8.txt", buf, ARDIFF_E_FORMAT, ":6: invalid UTF-8", "byte 3");
    ad_tokenizer *tok = NULL;
    snprintf(buf, sizeof buf, "%s/missing.txt", dir);
    CHECK(ad_tokenizer_load(buf, 1, &tok) == ARDIFF_E_IO && tok == NULL, "missing file");
    CHECK(strstr(ardiff_last_error(), "missing.txt") != NULL, "%s", ardiff_last_error());

    /* A small valid vocabulary: no trailing newline, CRLF line ends, [MASK] absent. */
    const char *ok = "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nun\r\n##aff\r\n##able\r\n.";
    const char *path = write_tmp(dir, "ok.txt", ok, strlen(ok));
    CHECK(ad_tokenizer_load(path, 1, &tok) == ARDIFF_OK, "%s", ardiff_last_error());
    if (tok) {
        int32_t ids[8];
        int n = 0;
        CHECK(ad_tokenizer_vocab_size(tok) == 8, "size %d", ad_tokenizer_vocab_size(tok));
        CHECK(ad_tokenizer_id(tok, ".") == 7 && ad_tokenizer_id(tok, "[MASK]") == -1, "ids");
        CHECK(ad_tokenizer_encode(tok, "UnAffable. x", 12, ids, 8, &n) == ARDIFF_OK, "encode");
        CHECK(n == 5 && ids[0] == 4 && ids[1] == 5 && ids[2] == 6 && ids[3] == 7 && ids[4] == 1,
              "unaffable. x -> %d ids", n);
    }
    ad_tokenizer_free(tok);
    const char *names[] = {"empty.txt", "dup.txt", "nounk.txt", "nosep.txt", "blank.txt",
                           "utf8.txt", "ok.txt"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(buf, sizeof buf, "%s/%s", dir, names[i]);
        remove(buf);
    }
    rmdir(dir);
}

/* Found by tests/fuzz/fuzz_vocab (corpus/vocab/crash-*): a NUL byte inside a line made a
 * token that no lookup could find and that cut the decoded text short; a control byte in a
 * token quoted by an error message broke its one line (the ESC of a terminal escape here). */
static void test_vocab_fuzz_regressions(void)
{
    char dir[] = "/tmp/ardiff_tokfz_XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp failed");
    static const char nul[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nab\0c\n";
    const char *path = write_tmp(dir, "nul.txt", nul, sizeof nul - 1);
    ad_tokenizer *tok = NULL;
    ardiff_status st = ad_tokenizer_load(path, 1, &tok);
    CHECK(st == ARDIFF_E_FORMAT && tok == NULL, "NUL in a token: %s", ardiff_status_name(st));
    CHECK(strstr(ardiff_last_error(), "nul.txt:5: NUL byte") != NULL, "%s", ardiff_last_error());
    ad_tokenizer_free(tok);
    remove(path);
    static const char esc[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n\x1b[2Jx\r\n\x1b[2Jx\n";
    path = write_tmp(dir, "esc.txt", esc, sizeof esc - 1);
    st = ad_tokenizer_load(path, 1, &tok);
    const char *msg = ardiff_last_error();
    CHECK(st == ARDIFF_E_FORMAT && strstr(msg, "duplicate token \"?[2Jx\""), "%s", msg);
    for (const char *c = msg; *c; c++)
        CHECK((unsigned char)*c >= 0x20 && *c != 0x7f, "control byte 0x%02x in: %s",
              (unsigned)(unsigned char)*c, msg);
    ad_tokenizer_free(tok);
    remove(path);
    rmdir(dir);
}

static void test_bad_utf8(const ad_tokenizer *tok)
{
    static const struct { const char *s; size_t offset; } cases[] = {
        {"\xFF", 0},                 /* never valid */
        {"abc\xC3", 3},              /* truncated 2-byte sequence */
        {"ab\xC3(", 2},              /* bad continuation */
        {"\xC0\xAF", 0},             /* overlong '/' */
        {"x\xE0\x80\xAF", 1},        /* overlong 3-byte */
        {"ok \xED\xA0\x80", 3},      /* UTF-16 surrogate */
        {"\xF4\x90\x80\x80", 0},     /* above U+10FFFF */
        {"caf\xC3\xA9 \x80", 6},     /* lone continuation after valid text */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t ids[16];
        int n = -1;
        ardiff_status st = ad_tokenizer_encode(tok, cases[i].s, strlen(cases[i].s), ids, 16, &n);
        char want[64];
        snprintf(want, sizeof want, "invalid UTF-8 at byte %zu", cases[i].offset);
        CHECK(st == ARDIFF_E_FORMAT && n == 0, "case %zu: status %s", i, ardiff_status_name(st));
        CHECK(strstr(ardiff_last_error(), want) != NULL, "case %zu: \"%s\", want \"%s\"", i,
              ardiff_last_error(), want);
    }
}

static void test_api(const ad_tokenizer *tok)
{
    CHECK(ad_tokenizer_vocab_size(tok) == 30522, "vocab size %d", ad_tokenizer_vocab_size(tok));
    CHECK(ad_tokenizer_id(tok, "[PAD]") == 0 && ad_tokenizer_id(tok, "[UNK]") == 100 &&
          ad_tokenizer_id(tok, "[CLS]") == 101 && ad_tokenizer_id(tok, "[SEP]") == 102 &&
          ad_tokenizer_id(tok, "[MASK]") == 103, "special ids");
    CHECK(ad_tokenizer_id(tok, "no-such-token") == -1, "absent token");
    CHECK(strcmp(ad_tokenizer_token(tok, 7592), "hello") == 0 && !ad_tokenizer_token(tok, 30522),
          "token strings");
    /* Truncation: the full count comes back, only max_ids are written. */
    int32_t ids[4] = {-7, -7, -7, -7};
    int n = 0;
    const char *text = "Hello world, hello world.";
    CHECK(ad_tokenizer_encode(tok, text, strlen(text), ids, 2, &n) == ARDIFF_OK && n == 6,
          "full count %d", n);
    CHECK(ids[0] == 7592 && ids[1] == 2088 && ids[2] == -7, "truncated ids");
    /* NUL bytes inside the length are dropped like other control characters. */
    CHECK(ad_tokenizer_encode(tok, "hel\0lo", 6, ids, 4, &n) == ARDIFF_OK && n == 1 &&
          ids[0] == 7592, "NUL inside a word");
    /* Decode: small buffers fail and report the size needed; bad ids fail. */
    int32_t d[] = {101, 7592, 1010, 2088, 102, 0};
    char out[64];
    size_t len = 0;
    CHECK(ad_tokenizer_decode(tok, d, 6, 1, out, sizeof out, &len) == ARDIFF_OK &&
          strcmp(out, "hello, world") == 0 && len == 12, "decode: %s", out);
    CHECK(ad_tokenizer_decode(tok, d, 6, 0, out, sizeof out, &len) == ARDIFF_OK &&
          strcmp(out, "[CLS] hello, world [SEP] [PAD]") == 0, "decode with specials: %s", out);
    CHECK(ad_tokenizer_decode(tok, d, 6, 1, out, 12, &len) == ARDIFF_E_INVALID_ARG && len == 12,
          "short buffer");
    /* spec 4.5: no truncation at [SEP] or [PAD]: words after them survive (official decode) */
    int32_t after[] = {101, 7592, 102, 2088, 0, 7592, 0};
    CHECK(ad_tokenizer_decode(tok, after, 7, 1, out, sizeof out, &len) == ARDIFF_OK &&
          strcmp(out, "hello world hello") == 0, "words after [SEP] and [PAD]: %s", out);
    int32_t badid[] = {7592, 30522};
    CHECK(ad_tokenizer_decode(tok, badid, 2, 1, out, sizeof out, NULL) == ARDIFF_E_INVALID_ARG &&
          strstr(ardiff_last_error(), "position 1") != NULL, "bad id: %s", ardiff_last_error());
    CHECK(ad_tokenizer_decode(tok, d, 0, 1, out, 1, &len) == ARDIFF_OK && out[0] == '\0' && len == 0,
          "empty decode");
}

/* [generate] case = sentence: the cases the Python reference checks too (same fixture). */
static void test_sentence_case(void)
{
    size_t size = 0;
    char *data = NULL;
    ad_file_read(check_fixture("tokenizer/sentence_case.jsonl"), "fixture", AD_FILE_MAX_VOCAB, &data, &size);
    CHECK(data != NULL, "cannot read sentence_case.jsonl");
    int n = 0;
    for (char *p = data, *nl; data && *p; p = nl + 1) {
        if (!(nl = strchr(p, '\n')))
            break;
        *nl = '\0';
        cJSON *rec = cJSON_Parse(p);
        const cJSON *in = cJSON_GetObjectItem(rec, "in"), *want = cJSON_GetObjectItem(rec, "out");
        CHECK(cJSON_IsString(in) && cJSON_IsString(want), "sentence_case line %d", n + 1);
        if (cJSON_IsString(in) && cJSON_IsString(want)) {
            char buf[256];
            snprintf(buf, sizeof buf, "%s", in->valuestring);
            ad_sentence_case(buf);
            CHECK(!strcmp(buf, want->valuestring), "sentence case of '%s': '%s', want '%s'",
                  in->valuestring, buf, want->valuestring);
        }
        cJSON_Delete(rec);
        n++;
    }
    CHECK(n >= 10, "only %d sentence-case lines", n);
    free(data);
}

int main(void)
{
    ad_tokenizer *tok = NULL;
    ardiff_status st = ad_tokenizer_load(check_fixture("tokenizer/vocab.txt"), 1, &tok);
    CHECK(st == ARDIFF_OK, "load: %s", ardiff_last_error());
    if (tok) {
        int lines = test_goldens(tok);
        CHECK(lines >= 100, "only %d golden lines", lines);
        printf("tokenizer: %d golden lines\n", lines);
        test_api(tok);
        test_bad_utf8(tok);
    }
    ad_tokenizer_free(tok);
    test_bad_vocab();
    test_vocab_fuzz_regressions();
    test_sentence_case();
    return check_summary("test_tokenizer");
}
