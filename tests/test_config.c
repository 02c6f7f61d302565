/* test_config.c: model.ini reading. A valid file, then one change at a time: every required
 * key missing, malformed and out-of-range numbers, booleans, choices, cross checks, unknown
 * keys (a warning through the log callback, and the load still succeeds), a missing file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/error.h"
#include "engine/config.h"

typedef struct kv {
    const char *sec, *key, *val; /* val NULL: leave the key out */
} kv;

static const kv k_valid[] = {
    {"model", "vocab_size", "30522"},
    {"model", "hidden_size", "512"},
    {"model", "encoder_layers", "6"},
    {"model", "encoder_heads", "8"},
    {"model", "encoder_intermediate_size", "2048"},
    {"model", "decoder_layers", "6"},
    {"model", "decoder_heads", "8"},
    {"model", "in_channels", "128"},
    {"model", "out_channels", "128"},
    {"model", "time_channels", "128"},
    {"model", "max_pos_len", "512"},
    {"model", "tgt_len", "50"},
    {"model", "max_src_len", "512"},
    {"model", "layer_norm_eps", "1e-12"},
    {"model", "type_vocab_size", "2"},
    {"model", "time_att", NULL}, /* optional (default true): absent unless overridden */
    {"diffusion", "diffusion_steps", "2000"},
    {"diffusion", "noise_schedule", "sqrt"},
    {"diffusion", "end_point_scale", "2.0"},
    {"diffusion", "rescale_timesteps", "true"},
    {"tokenizer", "type", "wordpiece"},
    {"tokenizer", "vocab", "vocab.txt"},
    {"tokenizer", "lowercase", "yes"},
    {"tokenizer", "pad_id", "0"},
    {"tokenizer", "cls_id", "101"},
    {"tokenizer", "sep_id", "102"},
    {"tokenizer", "unk_id", "100"},
    {"tokenizer", "mask_id", "103"},
};
#define N_VALID ((int)(sizeof k_valid / sizeof k_valid[0]))

static char g_dir[64], g_ini[128];

/* Writes g_ini: the valid keys, with ov[] replacing (or dropping) values, then extra text. */
static void write_ini(const kv *ov, int nov, const char *extra)
{
    FILE *f = fopen(g_ini, "w");
    if (!f) {
        perror(g_ini);
        exit(1);
    }
    fprintf(f, "; a test model\n");
    const char *sec = "";
    for (int i = 0; i < N_VALID; i++) {
        const kv *e = &k_valid[i];
        const char *val = e->val;
        for (int j = 0; j < nov; j++)
            if (!strcmp(ov[j].sec, e->sec) && !strcmp(ov[j].key, e->key))
                val = ov[j].val;
        if (strcmp(sec, e->sec))
            fprintf(f, "\n[%s]\n", sec = e->sec);
        if (val)
            fprintf(f, "%s = %s\n", e->key, val);
    }
    if (extra)
        fputs(extra, f);
    fclose(f);
}

/* ---- log capture ---- */

static char g_log[4096];
static int g_warnings;

static void capture(ardiff_log_level level, const char *msg, void *user)
{
    (void)user;
    if (level == ARDIFF_LOG_WARN) {
        g_warnings++;
        size_t n = strlen(g_log);
        snprintf(g_log + n, sizeof g_log - n, "%s\n", msg);
    }
}

static ardiff_status load(ad_model_config *c)
{
    g_log[0] = '\0';
    g_warnings = 0;
    return ad_config_load(g_ini, c);
}

/* One override; the load must fail with ARDIFF_E_FORMAT and a message holding frag. */
static void expect_bad(const char *sec, const char *key, const char *val, const char *frag)
{
    kv ov = {sec, key, val};
    write_ini(&ov, 1, NULL);
    ad_model_config c;
    ardiff_status s = load(&c);
    const char *msg = ardiff_last_error();
    CHECK(s == ARDIFF_E_FORMAT, "[%s] %s = '%s': status %s (%s)", sec, key, val ? val : "(none)",
          ardiff_status_name(s), msg);
    CHECK(strstr(msg, frag) && strstr(msg, g_ini), "[%s] %s = '%s': message '%s' lacks '%s'",
          sec, key, val ? val : "(none)", msg, frag);
    CHECK(c.vocab_size == 0, "config not cleared on failure");
}

static void test_valid(void)
{
    write_ini(NULL, 0, NULL);
    ad_model_config c;
    ardiff_status s = load(&c);
    CHECK(s == ARDIFF_OK, "valid: %s", ardiff_last_error());
    CHECK(g_warnings == 0, "valid file warned: %s", g_log);
    CHECK(c.vocab_size == 30522 && c.hidden_size == 512 && c.encoder_layers == 6 &&
              c.encoder_heads == 8 && c.encoder_intermediate_size == 2048 &&
              c.decoder_layers == 6 && c.decoder_heads == 8, "model ints");
    CHECK(c.in_channels == 128 && c.out_channels == 128 && c.time_channels == 128 &&
              c.max_pos_len == 512 && c.tgt_len == 50 && c.max_src_len == 512 &&
              c.type_vocab_size == 2, "model ints 2");
    CHECK(c.layer_norm_eps == 1e-12, "eps %g", c.layer_norm_eps);
    CHECK(c.diffusion_steps == 2000 && !strcmp(c.noise_schedule, "sqrt") &&
              c.end_point_scale == 2.0 && c.rescale_timesteps == 1, "diffusion");
    CHECK(!strcmp(c.tokenizer_type, "wordpiece") && !strcmp(c.vocab, "vocab.txt") &&
              c.lowercase == 1, "tokenizer");
    CHECK(c.pad_id == 0 && c.cls_id == 101 && c.sep_id == 102 && c.unk_id == 100 &&
              c.mask_id == 103, "ids");
    char want[256];
    snprintf(want, sizeof want, "%s/vocab.txt", g_dir);
    CHECK(!strcmp(c.vocab_path, want), "vocab_path '%s', expected '%s'", c.vocab_path, want);
    CHECK(c.steps == 20 && c.candidates == 50 && c.schedule == AD_SCHED_AR &&
              !strcmp(c.schedule_name, "ar"), "generate defaults");
    CHECK(!c.sentence_case && !strcmp(c.case_name, "none"), "case default");
    CHECK(!c.avoid_repeats && !strcmp(c.repeats_name, "keep"), "repeats default");
    CHECK(c.time_att == 1, "time_att default (absent key): %d", c.time_att);

    /* [generate] given, values in other spellings */
    kv ov[] = {{"diffusion", "rescale_timesteps", "No"}, {"tokenizer", "lowercase", "0"},
               {"model", "layer_norm_eps", "0.00001"}, {"diffusion", "end_point_scale", "+3"},
               {"model", "vocab_size", "30522   # V; = lines of vocab.txt"},
               {"model", "time_att", "False"}};
    write_ini(ov, 6, "\n[generate]\nsteps = 10\ncandidates = 5\nschedule = Uniform\n"
                     "case = Sentence\nrepeats = Avoid\n");
    s = load(&c);
    CHECK(s == ARDIFF_OK, "generate: %s", ardiff_last_error());
    CHECK(c.steps == 10 && c.candidates == 5 && c.schedule == AD_SCHED_UNIFORM &&
              !strcmp(c.schedule_name, "uniform"), "generate values");
    CHECK(c.sentence_case && !strcmp(c.case_name, "sentence"), "case = Sentence");
    CHECK(c.avoid_repeats && !strcmp(c.repeats_name, "avoid"), "repeats = Avoid");
    CHECK(c.vocab_size == 30522, "inline comment: %d", c.vocab_size);
    CHECK(c.time_att == 0, "time_att = False: %d", c.time_att);
    CHECK(c.rescale_timesteps == 0 && c.lowercase == 0 && c.layer_norm_eps == 1e-5 &&
              c.end_point_scale == 3.0, "bool/real spellings");
    CHECK(g_warnings == 0, "generate warned: %s", g_log);
    /* steps may use every index of the AR schedule (N + T), not more */
    write_ini(NULL, 0, "\n[generate]\nsteps = 2050\n");
    CHECK(load(&c) == ARDIFF_OK && c.steps == 2050, "steps = N+T: %s", ardiff_last_error());
}

static void test_missing(void)
{
    for (int i = 0; i < N_VALID; i++) {
        if (!k_valid[i].val) continue; /* an optional key */
        char frag[128];
        snprintf(frag, sizeof frag, "[%s] missing key '%s'", k_valid[i].sec, k_valid[i].key);
        expect_bad(k_valid[i].sec, k_valid[i].key, NULL, frag);
    }
}

static void test_numbers(void)
{
    expect_bad("model", "hidden_size", "12abc", "hidden_size = '12abc' is not an integer");
    expect_bad("model", "hidden_size", "-3", "hidden_size = '-3' is out of range [1, 65536]");
    expect_bad("model", "hidden_size", "0", "is out of range [1, 65536]");
    expect_bad("model", "hidden_size", "\"\"", "hidden_size = '' is not an integer");
    expect_bad("model", "hidden_size", "1.5", "is not an integer");
    expect_bad("model", "hidden_size", "1e3", "is not an integer");
    expect_bad("model", "hidden_size", "0x200", "is not an integer");
    expect_bad("model", "hidden_size", "\" 512\"", "is not an integer");
    expect_bad("model", "vocab_size", "99999999999999999999999", "is out of range");
    expect_bad("model", "vocab_size", "4294967296", "is out of range");
    expect_bad("model", "vocab_size", "1", "vocab_size = '1' is out of range");
    expect_bad("tokenizer", "pad_id", "-1", "pad_id = '-1' is out of range");
    expect_bad("model", "layer_norm_eps", "1e999", "layer_norm_eps = '1e999' is out of range");
    expect_bad("model", "layer_norm_eps", "1e-999", "is out of range");
    expect_bad("model", "layer_norm_eps", "abc", "is not a decimal number");
    expect_bad("model", "layer_norm_eps", "\"\"", "layer_norm_eps = '' is not a decimal");
    expect_bad("model", "layer_norm_eps", "nan", "is not a decimal number");
    expect_bad("model", "layer_norm_eps", "inf", "is not a decimal number");
    expect_bad("model", "layer_norm_eps", "0x1p-3", "is not a decimal number");
    expect_bad("model", "layer_norm_eps", "1e-5x", "is not a decimal number");
    expect_bad("model", "layer_norm_eps", "1e-5e", "is not a decimal number");
    expect_bad("model", "layer_norm_eps", "0", "is out of range (0, 1]");
    expect_bad("model", "layer_norm_eps", "-1e-5", "is out of range");
    expect_bad("diffusion", "end_point_scale", "0", "end_point_scale = '0' is out of range");
    expect_bad("diffusion", "end_point_scale", "-2", "is out of range");
    expect_bad("diffusion", "rescale_timesteps", "maybe", "is not a boolean");
    expect_bad("diffusion", "rescale_timesteps", "2", "is not a boolean");
    expect_bad("model", "time_att", "txl", "[model] time_att = 'txl' is not a boolean");
    expect_bad("tokenizer", "lowercase", "\"\"", "lowercase = '' is not a boolean");
}

static void test_values(void)
{
    expect_bad("diffusion", "noise_schedule", "linear", "noise_schedule = 'linear' is not one "
               "of: sqrt");
    expect_bad("tokenizer", "type", "bpe", "type = 'bpe' is not one of: wordpiece");
    expect_bad("tokenizer", "vocab", "/etc/passwd", "must be a path relative");
    expect_bad("tokenizer", "vocab", "../vocab.txt", "without '..'");
    expect_bad("tokenizer", "vocab", "a/../../vocab.txt", "without '..'");
    expect_bad("tokenizer", "vocab", "\"\"", "vocab = '' is empty");
    expect_bad("model", "encoder_heads", "3", "hidden_size = 512 is not divisible by "
               "encoder_heads = 3");
    expect_bad("model", "decoder_heads", "7", "not divisible by decoder_heads = 7");
    expect_bad("model", "out_channels", "64", "out_channels = 64 differs from in_channels = 128");
    expect_bad("model", "time_channels", "0", "time_channels");
    expect_bad("model", "tgt_len", "513", "tgt_len = 513 exceeds max_pos_len = 512");
    expect_bad("model", "max_src_len", "1000", "max_src_len = 1000 exceeds max_pos_len");
    expect_bad("tokenizer", "pad_id", "30522", "pad_id = 30522 is not below [model] "
               "vocab_size = 30522");
    expect_bad("tokenizer", "mask_id", "40000", "mask_id = 40000 is not below");

    ad_model_config c;
    write_ini(NULL, 0, "\n[generate]\nschedule = zigzag\n");
    CHECK(load(&c) == ARDIFF_E_FORMAT && strstr(ardiff_last_error(),
          "[generate] schedule = 'zigzag' is not one of: ar|uniform"), "schedule: %s",
          ardiff_last_error());
    write_ini(NULL, 0, "\n[generate]\ncase = title\n");
    CHECK(load(&c) == ARDIFF_E_FORMAT && strstr(ardiff_last_error(),
          "[generate] case = 'title' is not one of: none|sentence"), "case: %s",
          ardiff_last_error());
    write_ini(NULL, 0, "\n[generate]\nrepeats = drop\n");
    CHECK(load(&c) == ARDIFF_E_FORMAT && strstr(ardiff_last_error(),
          "[generate] repeats = 'drop' is not one of: keep|avoid"), "repeats: %s",
          ardiff_last_error());
    write_ini(NULL, 0, "\n[generate]\ncandidates = 0\n");
    CHECK(load(&c) == ARDIFF_E_FORMAT && strstr(ardiff_last_error(), "candidates = '0'"),
          "candidates: %s", ardiff_last_error());
    write_ini(NULL, 0, "\n[generate]\nsteps = 2051\n");
    CHECK(load(&c) == ARDIFF_E_FORMAT && strstr(ardiff_last_error(), "steps = 2051 exceeds"),
          "steps AR: %s", ardiff_last_error());
    write_ini(NULL, 0, "\n[generate]\nsteps = 2001\nschedule = uniform\n");
    CHECK(load(&c) == ARDIFF_E_FORMAT && strstr(ardiff_last_error(), "uniform schedule"),
          "steps uniform: %s", ardiff_last_error());
}

/* Found by tests/fuzz/fuzz_config (corpus/config/crash-control-byte-in-message): a value with a
 * control byte was quoted as it was, so the one-line message could be broken or carry a
 * terminal escape; core/error.c now prints such bytes as '?'. */
static void test_message_controls(void)
{
    expect_bad("model", "decoder_heads", "4\x1b[2J\x10x", "decoder_heads = '4?[2J?x' is not an "
               "integer");
    for (const char *c = ardiff_last_error(); *c; c++)
        CHECK((unsigned char)*c >= 0x20 && *c != 0x7f, "control byte 0x%02x in: %s",
              (unsigned)(unsigned char)*c, ardiff_last_error());
}

/* model.ini limits are those of the code that uses the values (issue 20 point 7): what the
 * schedule, the weight table or the attention kernels would refuse later is refused at load,
 * naming the file and key. */
static void test_later_limits(void)
{
    expect_bad("model", "encoder_layers", "65", "encoder_layers = '65' is out of range [1, 64]");
    expect_bad("model", "decoder_layers", "1024",
               "decoder_layers = '1024' is out of range [1, 64]");
    expect_bad("diffusion", "diffusion_steps", "1", "diffusion_steps = '1' is out of range [2, ");
    expect_bad("diffusion", "end_point_scale", "0.5", "[diffusion] end_point_scale = 0.5: anchor");
    expect_bad("model", "encoder_heads", "2", "hidden_size / encoder_heads = 256 exceeds 128");
    expect_bad("model", "decoder_heads", "1", "hidden_size / decoder_heads = 512 exceeds 128");
    kv ov[] = {{"model", "max_pos_len", "1024"}, {"model", "tgt_len", "513"}};
    write_ini(ov, 2, NULL);
    ad_model_config c;
    CHECK(load(&c) == ARDIFF_E_FORMAT && strstr(ardiff_last_error(), "tgt_len = 513 exceeds 512") &&
              strstr(ardiff_last_error(), g_ini), "tgt_len 513: %s", ardiff_last_error());
    ov[1] = (kv){"model", "max_src_len", "600"};
    write_ini(ov, 2, NULL);
    CHECK(load(&c) == ARDIFF_E_FORMAT &&
              strstr(ardiff_last_error(), "max_src_len = 600 exceeds 512"),
          "max_src_len 600: %s", ardiff_last_error());
    kv big_t = {"diffusion", "diffusion_steps", "10000"};
    write_ini(&big_t, 1, "\n[generate]\nsteps = 8192\n");
    CHECK(load(&c) == ARDIFF_E_FORMAT && strstr(ardiff_last_error(), "steps = '8192' is out of "
          "range [1, 8191]"), "steps 8192: %s", ardiff_last_error());
    /* the edges themselves load */
    kv edge[] = {{"model", "encoder_layers", "64"}, {"model", "decoder_layers", "64"},
                 {"diffusion", "diffusion_steps", "10000"}, {"diffusion", "end_point_scale", "1"},
                 {"model", "encoder_heads", "4"}, {"model", "max_src_len", "512"}};
    write_ini(edge, 6, "\n[generate]\nsteps = 8191\n");
    CHECK(load(&c) == ARDIFF_OK && c.encoder_layers == 64 && c.steps == 8191, "edges: %s",
          ardiff_last_error());
}

/* model.ini that is not a regular file, or too large, is refused before iniparser opens it: a
 * FIFO used to block forever, /dev/zero to be read without end. alarm() turns a hang into a
 * failure. */
static void test_not_regular(void)
{
    ad_model_config c;
    unlink(g_ini);
    CHECK(mkfifo(g_ini, 0600) == 0, "mkfifo %s", g_ini);
    alarm(20);
    ardiff_status s = load(&c);
    CHECK(s == ARDIFF_E_IO &&
              strstr(ardiff_last_error(), "model.ini is a FIFO, not a regular file"),
          "FIFO: %s %s", ardiff_status_name(s), ardiff_last_error());
    unlink(g_ini);
    CHECK(symlink("/dev/zero", g_ini) == 0, "symlink");
    s = load(&c);
    CHECK(s == ARDIFF_E_IO && strstr(ardiff_last_error(), "is a character device"),
          "/dev/zero: %s %s", ardiff_status_name(s), ardiff_last_error());
    unlink(g_ini);
    CHECK(mkdir(g_ini, 0700) == 0, "mkdir");
    s = load(&c);
    CHECK(s == ARDIFF_E_IO && strstr(ardiff_last_error(), "is a directory"), "directory: %s",
          ardiff_last_error());
    rmdir(g_ini);
    write_ini(NULL, 0, NULL);
    CHECK(truncate(g_ini, (1 << 20) + 1) == 0, "truncate");
    s = load(&c);
    CHECK(s == ARDIFF_E_FORMAT && strstr(ardiff_last_error(), "exceeds the 1 MiB limit") &&
              strstr(ardiff_last_error(), g_ini), "2 MiB model.ini: %s", ardiff_last_error());
    alarm(0);
}

static void test_unknown_and_files(void)
{
    ad_model_config c;
    write_ini(NULL, 0, "\n[model]\nhiden_size = 512\n\n[extra]\nfoo = 1\n");
    ardiff_status s = load(&c);
    CHECK(s == ARDIFF_OK && c.hidden_size == 512, "unknown key: %s", ardiff_last_error());
    CHECK(strstr(g_log, "[model] unknown key 'hiden_size'") && strstr(g_log, g_ini),
          "warning for key: '%s'", g_log);
    CHECK(strstr(g_log, "unknown section [extra]"), "warning for section: '%s'", g_log);
    CHECK(g_warnings == 2, "%d warnings: %s", g_warnings, g_log);

    /* A misspelt required key: the warning names it and the failure names the real one. */
    kv drop = {"model", "hidden_size", NULL};
    write_ini(&drop, 1, "\n[model]\nhiden_size = 512\n");
    s = load(&c);
    CHECK(s == ARDIFF_E_FORMAT && strstr(ardiff_last_error(), "missing key 'hidden_size'") &&
              strstr(g_log, "'hiden_size'"), "misspelt: %s / %s", ardiff_last_error(), g_log);

    /* Not INI at all. */
    FILE *f = fopen(g_ini, "w");
    fputs("[model\nthis is not ini\n", f);
    fclose(f);
    s = load(&c);
    CHECK(s == ARDIFF_E_FORMAT && strstr(ardiff_last_error(), g_ini), "syntax: %s %s",
          ardiff_status_name(s), ardiff_last_error());

    char missing[160];
    snprintf(missing, sizeof missing, "%s/nope/model.ini", g_dir);
    s = ad_config_load(missing, &c);
    CHECK(s == ARDIFF_E_IO && strstr(ardiff_last_error(), missing), "missing file: %s %s",
          ardiff_status_name(s), ardiff_last_error());
}

/* Error messages (core/error.c): a long one (a build log) is kept whole up to 256 KiB, and one
 * beyond that ends with a note saying it was cut, never silently. */
static void test_long_messages(void)
{
    size_t n = 200 * 1024;
    char *big = malloc(n + 1);
    CHECK(big != NULL, "malloc");
    if (!big) return;
    memset(big, 'x', n);
    big[n] = '\0';
    ad_fail(ARDIFF_E_BUILD, "log:%s|end", big);
    const char *m = ardiff_last_error();
    CHECK(strlen(m) == n + 8 && !strcmp(m + n + 4, "|end"), "200 KiB message kept whole (%zu)",
          strlen(m));
    big = realloc(big, 2 * n + 1);
    CHECK(big != NULL, "realloc");
    if (!big) return;
    memset(big, 'y', 2 * n);
    big[2 * n] = '\0';
    ad_fail(ARDIFF_E_BUILD, "%s", big);
    m = ardiff_last_error();
    CHECK(strstr(m, "[... cut here: the message had 409600 bytes]") != NULL, "cut message noted");
    big[261500] = '\0'; /* fits alone (256 KiB = 262144); with a 1000-byte prefix it does not */
    ad_fail(ARDIFF_E_BUILD, "%s", big);
    CHECK(strstr(ardiff_last_error(), "cut here") == NULL, "261500-byte message kept whole");
    ad_fail_prefix(ARDIFF_E_BUILD, "%.1000s", big);
    CHECK(strstr(ardiff_last_error(), "cut here") != NULL, "cut prefixed message noted");
    free(big);
}

/* [tokenizer] type = bytelevel_bpe: vocab.json plus merges.txt, never lowercased. */
static void test_bytelevel_bpe(void)
{
    kv bpe[] = {{"tokenizer", "type", "bytelevel_bpe"}, {"tokenizer", "vocab", "vocab.json"},
                {"tokenizer", "lowercase", "false"}};
    ad_model_config c;
    write_ini(bpe, 3, "merges = merges.txt\n"); /* [tokenizer] is the last section */
    CHECK(load(&c) == ARDIFF_OK && g_warnings == 0, "bpe: %s %s", ardiff_last_error(), g_log);
    char want[256];
    snprintf(want, sizeof want, "%s/merges.txt", g_dir);
    CHECK(!strcmp(c.tokenizer_type, "bytelevel_bpe") && !strcmp(c.merges, "merges.txt") &&
          !strcmp(c.merges_path, want), "bpe: type '%s', merges_path '%s'", c.tokenizer_type,
          c.merges_path);
    write_ini(bpe, 3, NULL);
    CHECK(load(&c) == ARDIFF_E_FORMAT && strstr(ardiff_last_error(), "[tokenizer] missing key "
          "'merges'"), "bpe without merges: %s", ardiff_last_error());
    write_ini(bpe, 3, "merges = ../merges.txt\n");
    CHECK(load(&c) == ARDIFF_E_FORMAT && strstr(ardiff_last_error(), "merges = "
          "'../merges.txt' must be a path relative"), "merges outside: %s", ardiff_last_error());
    bpe[2].val = "true";
    write_ini(bpe, 3, "merges = merges.txt\n");
    CHECK(load(&c) == ARDIFF_E_FORMAT && strstr(ardiff_last_error(), "lowercase = true is not "
          "supported"), "bpe lowercase: %s", ardiff_last_error());
    write_ini(NULL, 0, "merges = merges.txt\n");
    CHECK(load(&c) == ARDIFF_E_FORMAT && strstr(ardiff_last_error(), "merges = 'merges.txt' is "
          "only for type = bytelevel_bpe, not wordpiece"), "wordpiece merges: %s",
          ardiff_last_error());
    write_ini(NULL, 0, NULL);
    CHECK(load(&c) == ARDIFF_OK && !c.merges[0] && !c.merges_path[0], "wordpiece: no merges");
}

int main(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/ardiff_cfg_XXXXXX");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(g_ini, sizeof g_ini, "%s/model.ini", g_dir);
    ardiff_set_log(capture, NULL);
    ardiff_set_log_level(ARDIFF_LOG_WARN);
    test_valid();
    test_missing();
    test_numbers();
    test_values();
    test_unknown_and_files();
    test_later_limits();
    test_not_regular();
    test_long_messages();
    test_message_controls();
    test_bytelevel_bpe();
    ardiff_set_log(NULL, NULL);
    unlink(g_ini);
    rmdir(g_dir);
    return check_summary("test_config");
}
