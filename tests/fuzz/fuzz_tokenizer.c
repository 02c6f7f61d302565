/* fuzz_tokenizer.c: any text through the WordPiece encoder and back through the decoder, on the
 * real 30,522-token BERT vocabulary (tests/fixtures/tokenizer/vocab.txt).
 *
 * Input: byte 0 chooses the case handling (bit 0: cased) and the id budget (bits 1..7); the rest
 * is the text, NUL bytes included (the encoder drops them). Properties: invalid UTF-8 fails with
 * one line naming the offset; otherwise the count is the same whatever the budget, the ids that
 * fit are the first ids of the full encoding, every id is in the vocabulary, decoding gives
 * valid UTF-8 whose length the size query predicts, and that text encodes again.
 */
#include <string.h>

#include "engine/tokenizer.h"
#include "engine/utf8.h"
#include "fuzz_util.h"

static ad_tokenizer *g_tok[2]; /* [0] uncased (lowercasing), [1] cased */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *path = fuzz_fixture("tokenizer/vocab.txt");
    for (int c = 0; c < 2; c++)
        if (ad_tokenizer_load(path, !c, &g_tok[c]) != ARDIFF_OK) {
            fprintf(stderr, "fuzz_tokenizer: %s\n", ardiff_last_error());
            abort();
        }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const ad_tokenizer *tok = g_tok[data[0] & 1];
    int budget = data[0] >> 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    int32_t *full = malloc(sizeof(int32_t) * (len + 1)), *part = malloc(sizeof(int32_t) * 128);
    FUZZ_CHECK(full && part, "out of memory");
    int n_full = -1, n_part = -1;
    ardiff_status s = ad_tokenizer_encode(tok, text, len, full, (int)len + 1, &n_full);
    size_t bad = 0;
    int valid = ad_utf8_decode(text, len, NULL, &bad) >= 0;
    FUZZ_CHECK((s == ARDIFF_OK) == valid, "encode %s on %s UTF-8", ardiff_status_name(s),
               valid ? "valid" : "invalid");
    if (s != ARDIFF_OK) {
        FUZZ_CHECK(s == ARDIFF_E_FORMAT, "status %s", ardiff_status_name(s));
        fuzz_check_message(s);
        goto done;
    }
    FUZZ_CHECK(n_full >= 0, "count %d", n_full);
    int have = (size_t)n_full <= len + 1 ? n_full : (int)len + 1; /* ids stored in full */
    s = ad_tokenizer_encode(tok, text, len, part, budget, &n_part);
    FUZZ_CHECK(s == ARDIFF_OK && n_part == n_full, "budget %d: count %d, full %d", budget, n_part,
               n_full);
    int kept = n_full < budget ? n_full : budget;
    if (kept > have)
        kept = have;
    FUZZ_CHECK(!memcmp(part, full, sizeof(int32_t) * (size_t)kept), "truncated ids differ");
    int vocab = ad_tokenizer_vocab_size(tok);
    for (int i = 0; i < have; i++)
        FUZZ_CHECK(full[i] >= 0 && full[i] < vocab, "id %d", (int)full[i]);
    for (int skip = 0; skip < 2; skip++) {
        size_t need = 0;
        char probe[1];
        s = ad_tokenizer_decode(tok, full, have, skip, probe, sizeof probe, &need);
        FUZZ_CHECK(s == ARDIFF_OK || s == ARDIFF_E_INVALID_ARG, "decode size query");
        char *out = malloc(need + 1);
        FUZZ_CHECK(out, "out of memory");
        size_t got = 0;
        s = ad_tokenizer_decode(tok, full, have, skip, out, need + 1, &got);
        FUZZ_CHECK(s == ARDIFF_OK && got == need && strlen(out) == got, "decode: %s",
                   ardiff_last_error());
        FUZZ_CHECK(ad_utf8_decode(out, got, NULL, &bad) >= 0, "decoded text is not UTF-8");
        ad_sentence_case(out);
        FUZZ_CHECK(ad_utf8_decode(out, got, NULL, &bad) >= 0, "sentence case broke UTF-8");
        int again = 0;
        s = ad_tokenizer_encode(tok, out, got, part, 0, &again);
        FUZZ_CHECK(s == ARDIFF_OK, "decoded text does not encode: %s", ardiff_last_error());
        free(out);
    }
done:
    free(full);
    free(part);
    return 0;
}
