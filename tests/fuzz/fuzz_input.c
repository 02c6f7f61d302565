/* fuzz_input.c: any bytes as `ardiff generate`'s input file, through what the program does to
 * it before the model runs: host/input.c reads it (core/file: size limit, NUL bytes, read
 * errors) and splits it into lines, and each line is tokenized as ardiff_generate's
 * encode_source does ([CLS] + at most max_src_len - 2 ids + [SEP]) with the real BERT
 * vocabulary; --format jsonl copies the line into a JSON string, which must read back equal.
 *
 * Properties: reading fails only with one line; the lines are the input's '\n'-separated parts
 * without a final '\r'; each line either fails with one line naming a byte offset (invalid
 * UTF-8) or gives ids inside the vocabulary.
 */
#include <cjson/cJSON.h>
#include <string.h>

#include "engine/tokenizer.h"
#include "engine/utf8.h"
#include "fuzz_util.h"
#include "input.h"

#define MAX_SRC_LEN 128 /* the bundled models' max_src_len */
#define MAX_LINES 64    /* lines tokenized per input (all of them are split and checked) */

static fuzz_file g_file;
static ad_tokenizer *g_tok;
static int g_cli_errors;

/* The program's error printer (host/main.c): here it only counts, so the fuzzer stays quiet. */
void cli_error(const char *what)
{
    (void)what;
    g_cli_errors++;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (ad_tokenizer_load(fuzz_fixture("tokenizer/vocab.txt"), 1, &g_tok) != ARDIFF_OK) {
        fprintf(stderr, "fuzz_input: %s\n", ardiff_last_error());
        abort();
    }
    return 0;
}

static void check_lines(const gen_input *in, const uint8_t *data, size_t size)
{
    size_t pos = 0;
    for (int i = 0; i < in->n; i++) {
        const uint8_t *nl = memchr(data + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - data) : size, len = end - pos;
        if (len && data[end - 1] == '\r')
            len--;
        FUZZ_CHECK(strlen(in->lines[i]) == len && !memcmp(in->lines[i], data + pos, len),
                   "line %d differs from the input", i + 1);
        pos = nl ? end + 1 : size;
    }
    FUZZ_CHECK(pos == size, "%d lines cover %zu of %zu bytes", in->n, pos, size);
}

static void check_line(const char *line)
{
    int32_t ids[MAX_SRC_LEN];
    int full = 0;
    size_t len = strlen(line), bad = 0;
    ardiff_status s = ad_tokenizer_encode(g_tok, line, len, ids + 1, MAX_SRC_LEN - 2, &full);
    if (s != ARDIFF_OK) {
        FUZZ_CHECK(ad_utf8_decode(line, len, NULL, &bad) < 0, "valid UTF-8 refused");
        fuzz_check_message(s);
        FUZZ_CHECK(strstr(ardiff_last_error(), "byte"), "no offset: %s", ardiff_last_error());
        return;
    }
    int kept = full < MAX_SRC_LEN - 2 ? full : MAX_SRC_LEN - 2;
    for (int i = 1; i <= kept; i++)
        FUZZ_CHECK(ids[i] >= 0 && ids[i] < ad_tokenizer_vocab_size(g_tok), "id %d", (int)ids[i]);
    cJSON *j = cJSON_CreateString(line); /* write_jsonl's "source" field */
    char *txt = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON *back = txt ? cJSON_Parse(txt) : NULL;
    FUZZ_CHECK(cJSON_IsString(back) && !strcmp(back->valuestring, line),
               "jsonl source does not read back equal");
    cJSON_Delete(back);
    free(txt);
    cJSON_Delete(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_file_init(&g_file, "input.txt");
    fuzz_file_set(&g_file, data, size);
    gen_input in;
    g_cli_errors = 0;
    int rc = input_read(g_file.path, &in);
    if (rc != 0) {
        FUZZ_CHECK(memchr(data, 0, size) != NULL, "a NUL-free input refused: %s",
                   ardiff_last_error());
        FUZZ_CHECK(g_cli_errors == 1, "%d error lines", g_cli_errors);
        fuzz_check_message(ARDIFF_E_FORMAT);
        input_free(&in);
        return 0;
    }
    FUZZ_CHECK(!memchr(data, 0, size), "an input with a NUL byte accepted");
    check_lines(&in, data, size);
    for (int i = 0; i < in.n && i < MAX_LINES; i++)
        check_line(in.lines[i]);
    input_free(&in);
    return 0;
}
