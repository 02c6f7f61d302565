/* fuzz_bpe.c: the byte-level BPE tokenizer (runtime/engine/bpe.c): any text through the encoder
 * and decoder on the golden vocabulary (tests/fixtures/bpe), or any bytes as vocab.json and
 * merges.txt.
 *
 * Input: byte 0, bit 0 chooses the mode, bits 1..7 the id budget.
 *   text   (bit 0 clear) the rest is the text. Invalid UTF-8 fails with one line; otherwise the
 *          count does not depend on the budget, the ids that fit are the first of the full
 *          encoding, every id is in the vocabulary, and decoding gives the text back byte for
 *          byte (byte-level BPE loses nothing); the rest read as ids decodes to valid UTF-8.
 *   files  (bit 0 set) the rest, cut at its first NUL byte: vocab.json, then merges.txt. A bad
 *          pair fails with one line; a loaded one is a consistent table that encodes and
 *          decodes a few texts inside its vocabulary.
 */
#include <string.h>

#include "engine/bpe.h"
#include "engine/utf8.h"
#include "fuzz_util.h"

static ad_bpe *g_golden;
static fuzz_file g_vocab, g_merges;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char vocab[4096];
    snprintf(vocab, sizeof vocab, "%s", fuzz_fixture("bpe/vocab.json"));
    if (ad_bpe_load(vocab, fuzz_fixture("bpe/merges.txt"), &g_golden) != ARDIFF_OK) {
        fprintf(stderr, "fuzz_bpe: %s\n", ardiff_last_error());
        abort();
    }
    return 0;
}

/* Decodes ids, checking the size query and that the text is valid UTF-8. */
static void check_decode(const ad_bpe *bpe, const int32_t *ids, int n, int strip)
{
    size_t len = 0, len2 = 0;
    char probe[1];
    ardiff_status s = ad_bpe_decode(bpe, ids, n, strip, probe, 0, &len);
    FUZZ_CHECK(s == ARDIFF_E_INVALID_ARG, "a 0-byte buffer was enough");
    char *out = malloc(len + 1);
    FUZZ_CHECK(out, "out of memory");
    s = ad_bpe_decode(bpe, ids, n, strip, out, len + 1, &len2);
    FUZZ_CHECK(s == ARDIFF_OK && len2 == len && strlen(out) <= len, "decode: %s",
               ardiff_last_error());
    FUZZ_CHECK(ad_utf8_decode(out, len, NULL, NULL) >= 0, "decode gave invalid UTF-8");
    free(out);
}

static void fuzz_text(const char *text, size_t len, int budget)
{
    int32_t *full = malloc(sizeof(int32_t) * (len + 1)), part[128];
    FUZZ_CHECK(full, "out of memory");
    int n = -1, n_part = -1, v = ad_bpe_vocab_size(g_golden);
    ardiff_status s = ad_bpe_encode(g_golden, text, len, full, (int)len + 1, &n);
    int valid = ad_utf8_decode(text, len, NULL, NULL) >= 0;
    FUZZ_CHECK((s == ARDIFF_OK) == valid, "encode %s on %s UTF-8", ardiff_status_name(s),
               valid ? "valid" : "invalid");
    if (s == ARDIFF_OK) {
        FUZZ_CHECK(n >= 0 && n <= (int)len, "%d ids for %zu bytes", n, len);
        FUZZ_CHECK(ad_bpe_encode(g_golden, text, len, part, budget, &n_part) == ARDIFF_OK &&
                   n_part == n, "count %d with a budget of %d, %d without", n_part, budget, n);
        FUZZ_CHECK(!memcmp(part, full, sizeof(int32_t) * (size_t)(n < budget ? n : budget)),
                   "the budgeted ids are not the first ids");
        for (int i = 0; i < n; i++)
            FUZZ_CHECK(full[i] >= 0 && full[i] < v, "id %d", (int)full[i]);
        char *back = malloc(len + 1);
        size_t bl = 0;
        FUZZ_CHECK(back && ad_bpe_decode(g_golden, full, n, 0, back, len + 1, &bl) == ARDIFF_OK &&
                   bl == len && !memcmp(back, text, len), "decode(encode(text)) != text");
        free(back);
    } else {
        FUZZ_CHECK(s == ARDIFF_E_FORMAT && n == 0, "status %s", ardiff_status_name(s));
        fuzz_check_message(s);
    }
    int m = (int)(len / 2); /* the text as 16-bit ids, wrapped into the vocabulary */
    for (int i = 0; i < m; i++)
        full[i] = (int32_t)(((unsigned char)text[2 * i] | (unsigned char)text[2 * i + 1] << 8) % v);
    check_decode(g_golden, full, m, budget & 1);
    free(full);
}

static void fuzz_files(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t vl = nul ? (size_t)(nul - data) : size;
    fuzz_file_set(&g_vocab, data, vl);
    fuzz_file_set(&g_merges, nul ? nul + 1 : data, nul ? size - vl - 1 : 0);
    ad_bpe *bpe = NULL;
    ardiff_status s = ad_bpe_load(g_vocab.path, g_merges.path, &bpe);
    if (s != ARDIFF_OK) {
        FUZZ_CHECK(!bpe, "failed load returned a handle");
        fuzz_check_message(s);
        return;
    }
    int v = ad_bpe_vocab_size(bpe);
    for (int id = 0; id < v; id++)
        FUZZ_CHECK(ad_bpe_id(bpe, ad_bpe_token(bpe, id)) == id, "token %d looks up elsewhere", id);
    static const char *const texts[] = {"Hello, world! It's 2 o'clock.", "  <s>\t\xc3\xa4\n",
                                        "\xf0\x9f\x98\x80 ab ab", ""};
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        int32_t ids[64];
        int n = -1;
        FUZZ_CHECK(ad_bpe_encode(bpe, texts[t], strlen(texts[t]), ids, 64, &n) == ARDIFF_OK,
                   "encode: %s", ardiff_last_error());
        for (int i = 0; i < n && i < 64; i++)
            FUZZ_CHECK(ids[i] >= 0 && ids[i] < v, "id %d", (int)ids[i]);
        check_decode(bpe, ids, n < 64 ? n : 64, (int)t & 1);
    }
    ad_bpe_free(bpe);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    fuzz_quiet_log();
    fuzz_file_init(&g_vocab, "vocab.json");
    fuzz_file_init(&g_merges, "merges.txt");
    int budget = data[0] >> 1;
    if (data[0] & 1)
        fuzz_files(data + 1, size - 1);
    else
        fuzz_text((const char *)data + 1, size - 1, budget);
    return 0;
}
