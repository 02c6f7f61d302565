/* cmd_tokenize.c: `ardiff tokenize`: a model's tokenizer on its own (model.ini and the
 * tokenizer files only: no weights, no OpenCL device), one output line per input line, in the
 * spirit of llama.cpp's tokenize tool. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "input.h"
#include "engine/config.h"
#include "engine/textcodec.h"

typedef struct tok_opts {
    const char *model, *input;
    int tokens; /* print vocabulary strings instead of ids */
    int decode; /* input lines are ids; print their text */
} tok_opts;

static void tok_usage(FILE *f)
{
    fprintf(f,
            "usage: ardiff tokenize MODEL_DIR [-i FILE] [--ids | --tokens] [--decode]\n"
            "The model's tokenizer (WordPiece or byte-level BPE, as its model.ini says) on each\n"
            "input line, one output line each. Ids are those of the text alone: the source\n"
            "markers ([CLS] [SEP], <s> </s>) are not added and nothing is truncated.\n"
            "\n"
            "  -i, --input FILE  text (default: standard input)\n"
            "  --ids             token ids, separated by spaces (the default)\n"
            "  --tokens          the tokens' vocabulary strings (\"##ing\", \"Ġthe\")\n"
            "  --decode          the other way: each input line holds ids separated by spaces;\n"
            "                    print the text as generation decodes its outputs (special\n"
            "                    tokens dropped; byte-level BPE: the strings <pad> <s> </s>\n"
            "                    <unk> <mask> removed from the text too, as the official code\n"
            "                    decodes IWSLT)\n");
}

static int parse_tok_args(int argc, char **argv, tok_opts *o)
{
    memset(o, 0, sizeof *o);
    int ids = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            tok_usage(stdout);
            return 1;
        } else if (!strcmp(a, "-i") || !strcmp(a, "--input")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "ardiff tokenize: %s needs a file name\n", a);
                return -1;
            }
            o->input = argv[++i];
        } else if (!strcmp(a, "--ids")) {
            ids = 1;
        } else if (!strcmp(a, "--tokens")) {
            o->tokens = 1;
        } else if (!strcmp(a, "--decode")) {
            o->decode = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "ardiff tokenize: unknown option '%s' (try --help)\n", a);
            return -1;
        } else if (!o->model) {
            o->model = a;
        } else {
            fprintf(stderr, "ardiff tokenize: unexpected argument '%s'\n", a);
            return -1;
        }
    }
    if (!o->model) {
        fprintf(stderr, "ardiff tokenize: missing MODEL_DIR (see --help)\n");
        return -1;
    }
    if (o->tokens && (ids || o->decode)) {
        fprintf(stderr, "ardiff tokenize: --tokens goes with neither --ids nor --decode\n");
        return -1;
    }
    return 0;
}

/* One line of text -> its ids or tokens on one output line. */
static int encode_line(const ad_codec *c, const char *line, size_t len, long lineno, int tokens)
{
    int cap = (int)(len < 1u << 30 ? len : 1u << 30) + 1, n = 0; /* never more ids than bytes */
    int32_t *ids = malloc(sizeof(int32_t) * (size_t)cap);
    if (!ids) {
        fprintf(stderr, "ardiff tokenize: out of memory for line %ld\n", lineno);
        return -1;
    }
    if (ad_codec_encode(c, line, len, ids, cap, &n) != ARDIFF_OK || n > cap) {
        char what[64];
        snprintf(what, sizeof what, "tokenize: line %ld", lineno);
        cli_error(what);
        free(ids);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (tokens)
            printf("%s%s", i ? " " : "", ad_codec_token(c, ids[i]));
        else
            printf("%s%d", i ? " " : "", (int)ids[i]);
    }
    putchar('\n');
    free(ids);
    return 0;
}

/* Parses the ids of one line (whitespace-separated decimal numbers) into *ids (malloc'd). */
static int parse_ids(const char *line, long lineno, int32_t **ids, int *n)
{
    size_t cap = strlen(line) / 2 + 1;
    *ids = malloc(sizeof(int32_t) * cap);
    *n = 0;
    if (!*ids) {
        fprintf(stderr, "ardiff tokenize: out of memory for line %ld\n", lineno);
        return -1;
    }
    for (const char *p = line;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            return 0;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || (*end && *end != ' ' && *end != '\t') || errno || v < 0 ||
            v > INT32_MAX) {
            int k = (int)strcspn(p, " \t");
            fprintf(stderr, "ardiff tokenize: line %ld: '%.*s' is not a token id\n", lineno,
                    k > 40 ? 40 : k, p);
            return -1;
        }
        (*ids)[(*n)++] = (int32_t)v;
        p = end;
    }
}

static int decode_line(const ad_codec *c, const char *line, long lineno)
{
    int32_t *ids = NULL;
    int n = 0;
    if (parse_ids(line, lineno, &ids, &n) != 0) {
        free(ids);
        return -1;
    }
    size_t cap = 64 * (size_t)n + 1, len = 0;
    char *out = malloc(cap);
    ardiff_status s = out ? ad_codec_decode(c, ids, n, out, cap, &len) : ARDIFF_E_OOM;
    if (s == ARDIFF_E_INVALID_ARG && len + 1 > cap) { /* longer than guessed: once more */
        free(out);
        cap = len + 1;
        out = malloc(cap);
        s = out ? ad_codec_decode(c, ids, n, out, cap, &len) : ARDIFF_E_OOM;
    }
    if (s == ARDIFF_OK) {
        fwrite(out, 1, len, stdout);
        putchar('\n');
    } else {
        char what[64];
        snprintf(what, sizeof what, "tokenize: line %ld", lineno);
        cli_error(what);
    }
    free(out);
    free(ids);
    return s == ARDIFF_OK ? 0 : -1;
}

static int load_codec(const char *dir, ad_model_config *cfg, ad_codec **codec)
{
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) { /* as generate says it */
        fprintf(stderr, "ardiff: tokenize: %s: not a model directory\n", dir);
        return -1;
    }
    char ini[4200];
    snprintf(ini, sizeof ini, "%s/model.ini", dir);
    if (ad_config_load(ini, cfg) != ARDIFF_OK || ad_codec_load(cfg, codec) != ARDIFF_OK) {
        cli_error("tokenize");
        return -1;
    }
    return 0;
}

int cmd_tokenize(int argc, char **argv)
{
    tok_opts o;
    int r = parse_tok_args(argc, argv, &o);
    if (r != 0)
        return r > 0 ? 0 : 2;
    ad_model_config *cfg = malloc(sizeof *cfg);
    ad_codec *codec = NULL;
    char *buf = NULL;
    size_t size = 0;
    int rc = 1;
    if (cfg && load_codec(o.model, cfg, &codec) == 0 && input_read_all(o.input, "tokenize", &buf, &size) == 0) {
        rc = 0;
        long lineno = 1;
        for (char *p = buf, *end = buf + size; p < end && rc == 0; lineno++) {
            char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
            if (e > p && e[-1] == '\r')
                e--; /* "\r\n" ends a line too, as for generate */
            *e = '\0';
            rc = o.decode ? decode_line(codec, p, lineno)
                          : encode_line(codec, p, (size_t)(e - p), lineno, o.tokens);
            p = nl ? nl + 1 : end;
        }
    }
    errno = 0;
    if (rc == 0 && (fflush(stdout) == EOF || ferror(stdout))) { /* e.g. a full disk */
        fprintf(stderr, "ardiff: tokenize: writing the output: %s\n",
                errno ? strerror(errno) : "write error");
        rc = 1;
    }
    free(buf);
    ad_codec_free(codec);
    free(cfg);
    return rc ? 1 : 0;
}
