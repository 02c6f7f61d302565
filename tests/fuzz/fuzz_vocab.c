/* fuzz_vocab.c: any bytes as vocab.txt (ad_tokenizer_load in runtime/engine/tokenizer.c).
 *
 * A bad vocabulary fails with one line. A loaded one is a consistent table: every token string
 * looks up to its own id, the special tokens are where their names are, and encoding and
 * decoding a few texts with it stay inside the vocabulary.
 */
#include <string.h>

#include "engine/tokenizer.h"
#include "fuzz_util.h"

static fuzz_file g_file;

static const char *const k_texts[] = {
    "Hello, world! It's a test.", "[CLS] unaffable [SEP] x [MASK]", "\xe4\xbd\xa0\xe5\xa5\xbd ##a",
    "na\xc3\xafve caf\xc3\xa9 \xc3\x85ngstr\xc3\xb6m", "a\tb\r\nc  d", "",
};

static void check_loaded(const ad_tokenizer *tok)
{
    int n = ad_tokenizer_vocab_size(tok);
    FUZZ_CHECK(n >= 4, "%d tokens but four specials are required", n);
    for (int id = 0; id < n; id++) {
        const char *t = ad_tokenizer_token(tok, id);
        FUZZ_CHECK(t && *t, "token %d empty", id);
        FUZZ_CHECK(ad_tokenizer_id(tok, t) == id, "token %d \"%s\" looks up to %d", id, t,
                   (int)ad_tokenizer_id(tok, t));
    }
    FUZZ_CHECK(ad_tokenizer_token(tok, n) == NULL && ad_tokenizer_token(tok, -1) == NULL, "range");
    static const char *const specials[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]"};
    for (int s = 0; s < 4; s++) {
        int32_t id = ad_tokenizer_id(tok, specials[s]);
        FUZZ_CHECK(id >= 0 && ad_tokenizer_is_special(tok, id), "%s", specials[s]);
    }
    int32_t ids[256];
    static char out[1 << 16];
    for (size_t i = 0; i < sizeof k_texts / sizeof k_texts[0]; i++) {
        int count = 0;
        ardiff_status s = ad_tokenizer_encode(tok, k_texts[i], strlen(k_texts[i]), ids, 256, &count);
        FUZZ_CHECK(s == ARDIFF_OK, "encode: %s", ardiff_last_error());
        int kept = count < 256 ? count : 256;
        for (int j = 0; j < kept; j++)
            FUZZ_CHECK(ids[j] >= 0 && ids[j] < n, "id %d outside the vocabulary", (int)ids[j]);
        size_t len = 0;
        s = ad_tokenizer_decode(tok, ids, kept, i & 1, out, sizeof out, &len);
        FUZZ_CHECK(s == ARDIFF_OK || len + 1 > sizeof out, "decode: %s", ardiff_last_error());
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_file_init(&g_file, "vocab.txt");
    fuzz_file_set(&g_file, data, size);
    ad_tokenizer *tok = NULL;
    ardiff_status s = ad_tokenizer_load(g_file.path, size & 1, &tok); /* cased or not, by size */
    if (s != ARDIFF_OK) {
        FUZZ_CHECK(!tok, "failed load returned a handle");
        fuzz_check_message(s);
        return 0;
    }
    check_loaded(tok);
    ad_tokenizer_free(tok);
    return 0;
}
