/* config.c: model.ini -> ad_model_config (see config.h). One table lists every key with its
 * type, range and default; the reader walks the table, then the cross checks run, then every
 * key in the file that the table does not know is reported as a warning. */
#include "engine/config.h"

#include <errno.h>
#include <iniparser/iniparser.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/file.h"
#include "engine/weights.h" /* AD_MAX_LAYERS */
#include "ocl/ops.h"        /* the attention kernels' limits */

typedef enum field_kind { F_INT, F_REAL, F_BOOL, F_STR } field_kind;

typedef struct field {
    const char *section, *key;
    field_kind kind;
    size_t off;          /* offsetof(ad_model_config, ...) */
    long long imin, imax; /* F_INT: inclusive range */
    double rmin, rmax;   /* F_REAL: rmin < value <= rmax */
    const char *choices; /* F_STR: allowed values, "a|b" (matched ignoring case), or NULL */
    size_t len;          /* F_STR: buffer size */
    const char *def;     /* NULL: required; else the value used when the key is absent */
} field;

#define OFF(m) offsetof(ad_model_config, m)
#define INT(sec, m, lo, hi) {sec, #m, F_INT, OFF(m), lo, hi, 0, 0, NULL, 0, NULL}
#define INT_DEF(sec, m, lo, hi, d) {sec, #m, F_INT, OFF(m), lo, hi, 0, 0, NULL, 0, d}
#define REAL(sec, m, lo, hi) {sec, #m, F_REAL, OFF(m), 0, 0, lo, hi, NULL, 0, NULL}
#define BOOL(sec, m) {sec, #m, F_BOOL, OFF(m), 0, 0, 0, 0, NULL, 0, NULL}
#define BOOL_DEF(sec, m, d) {sec, #m, F_BOOL, OFF(m), 0, 0, 0, 0, NULL, 0, d}
#define STR(sec, key, m, ch, d) \
    {sec, key, F_STR, OFF(m), 0, 0, 0, 0, ch, sizeof(((ad_model_config *)0)->m), d}

#define BIG (1 << 24)
static const field k_fields[] = {
    INT("model", vocab_size, 2, BIG),
    INT("model", hidden_size, 1, 65536),
    INT("model", encoder_layers, 1, AD_MAX_LAYERS),
    INT("model", encoder_heads, 1, 65536),
    INT("model", encoder_intermediate_size, 1, BIG),
    INT("model", decoder_layers, 1, AD_MAX_LAYERS),
    INT("model", decoder_heads, 1, 65536),
    INT("model", in_channels, 1, 65536),
    INT("model", out_channels, 1, 65536),
    INT("model", time_channels, 1, 65536),
    INT("model", max_pos_len, 1, BIG),
    INT("model", tgt_len, 1, BIG),
    INT("model", max_src_len, 1, BIG),
    REAL("model", layer_norm_eps, 0.0, 1.0),
    INT("model", type_vocab_size, 1, 65536),
    BOOL_DEF("model", time_att, "true"),
    INT("diffusion", diffusion_steps, AD_SCHED_MIN_T, BIG),
    STR("diffusion", "noise_schedule", noise_schedule, "sqrt", NULL),
    REAL("diffusion", end_point_scale, 0.0, 1e6),
    BOOL("diffusion", rescale_timesteps),
    STR("tokenizer", "type", tokenizer_type, "wordpiece|bytelevel_bpe", NULL),
    STR("tokenizer", "vocab", vocab, NULL, NULL),
    STR("tokenizer", "merges", merges, NULL, ""), /* bytelevel_bpe only (check_tokenizer) */
    BOOL("tokenizer", lowercase),
    INT("tokenizer", pad_id, 0, BIG),
    INT("tokenizer", cls_id, 0, BIG),
    INT("tokenizer", sep_id, 0, BIG),
    INT("tokenizer", unk_id, 0, BIG),
    INT("tokenizer", mask_id, 0, BIG),
    INT_DEF("generate", steps, 1, AD_SCHED_MAX_STEPS, "20"),
    INT_DEF("generate", candidates, 1, 65536, "50"),
    STR("generate", "schedule", schedule_name, "ar|uniform", "ar"),
    STR("generate", "device", device, NULL, ""),
    STR("generate", "case", case_name, "none|sentence", "none"),
    STR("generate", "repeats", repeats_name, "keep|avoid", "keep"),
};
#define N_FIELDS ((int)(sizeof k_fields / sizeof k_fields[0]))

/* ---- strict value parsing --------------------------------------------------------------- */

static ardiff_status bad_value(const char *path, const field *f, const char *v, const char *what)
{
    return ad_fail(ARDIFF_E_FORMAT, "%s: [%s] %s = '%s' %s", path, f->section, f->key, v, what);
}

static ardiff_status parse_int(const char *path, const field *f, const char *v, int *out)
{
    char why[96];
    const char *p = v + (*v == '-' || *v == '+');
    if (*p < '0' || *p > '9')
        return bad_value(path, f, v, "is not an integer");
    errno = 0;
    char *end;
    long long x = strtoll(v, &end, 10);
    if (*end != '\0')
        return bad_value(path, f, v, "is not an integer (trailing characters)");
    if (errno == ERANGE || x < f->imin || x > f->imax) {
        snprintf(why, sizeof why, "is out of range [%lld, %lld]", f->imin, f->imax);
        return bad_value(path, f, v, why);
    }
    *out = (int)x;
    return ARDIFF_OK;
}

static ardiff_status parse_real(const char *path, const field *f, const char *v, double *out)
{
    char why[96];
    /* Plain decimal notation only: strtod would also take "inf", "nan" and hex floats. */
    if (!*v || strspn(v, "0123456789+-.eE") != strlen(v))
        return bad_value(path, f, v, "is not a decimal number");
    errno = 0;
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end != '\0')
        return bad_value(path, f, v, "is not a decimal number");
    if (errno == ERANGE || !isfinite(x) || !(x > f->rmin && x <= f->rmax)) {
        snprintf(why, sizeof why, "is out of range (%g, %g]", f->rmin, f->rmax);
        return bad_value(path, f, v, why);
    }
    *out = x;
    return ARDIFF_OK;
}

static ardiff_status parse_bool(const char *path, const field *f, const char *v, int *out)
{
    static const char *yes[] = {"true", "1", "yes"}, *no[] = {"false", "0", "no"};
    for (int i = 0; i < 3; i++) {
        if (!strcasecmp(v, yes[i]))
            return *out = 1, ARDIFF_OK;
        if (!strcasecmp(v, no[i]))
            return *out = 0, ARDIFF_OK;
    }
    return bad_value(path, f, v, "is not a boolean (true/false/1/0/yes/no)");
}

/* Copies v (or, with choices, the matching choice in its canonical case) into the field. */
static ardiff_status parse_str(const char *path, const field *f, const char *v, char *dst)
{
    char why[160];
    if (!*v)
        return bad_value(path, f, v, "is empty");
    if (strlen(v) >= f->len) {
        snprintf(why, sizeof why, "is longer than %zu bytes", f->len - 1);
        return bad_value(path, f, v, why);
    }
    if (!f->choices) {
        memcpy(dst, v, strlen(v) + 1);
        return ARDIFF_OK;
    }
    for (const char *c = f->choices; *c;) {
        size_t n = strcspn(c, "|");
        if (strlen(v) == n && !strncasecmp(v, c, n)) {
            memcpy(dst, c, n);
            dst[n] = '\0';
            return ARDIFF_OK;
        }
        c += n + (c[n] == '|');
    }
    snprintf(why, sizeof why, "is not one of: %s", f->choices);
    return bad_value(path, f, v, why);
}

static ardiff_status read_field(const char *path, const dictionary *d, const field *f,
                                ad_model_config *cfg)
{
    char full[128];
    snprintf(full, sizeof full, "%s:%s", f->section, f->key);
    const char *v = iniparser_getstring(d, full, NULL);
    if (!v)
        v = f->def;
    if (!v)
        return ad_fail(ARDIFF_E_FORMAT, "%s: [%s] missing key '%s'", path, f->section, f->key);
    char *dst = (char *)cfg + f->off;
    if (f->kind == F_STR && !*v && f->def && !*f->def) { /* optional string, left unset */
        *dst = '\0';
        return ARDIFF_OK;
    }
    switch (f->kind) {
    case F_INT: return parse_int(path, f, v, (int *)dst);
    case F_REAL: return parse_real(path, f, v, (double *)dst);
    case F_BOOL: return parse_bool(path, f, v, (int *)dst);
    case F_STR: return parse_str(path, f, v, dst);
    }
    return ad_fail(ARDIFF_E_INTERNAL, "config: bad field kind");
}

/* ---- checks across keys ------------------------------------------------------------------ */

static ardiff_status check_ids(const char *path, const ad_model_config *c)
{
    const struct { const char *k; int v; } ids[] = {
        {"pad_id", c->pad_id}, {"cls_id", c->cls_id}, {"sep_id", c->sep_id},
        {"unk_id", c->unk_id}, {"mask_id", c->mask_id},
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (ids[i].v >= c->vocab_size)
            return ad_fail(ARDIFF_E_FORMAT, "%s: [tokenizer] %s = %d is not below [model] "
                           "vocab_size = %d", path, ids[i].k, ids[i].v, c->vocab_size);
    return ARDIFF_OK;
}

/* Sizes the attention kernels cannot hold (ocl/ops.h), refused here rather than at the first
 * generation. Source and target lengths are key counts; the head dims come from the heads. */
static ardiff_status check_kernel_limits(const char *path, const ad_model_config *c)
{
    const struct { const char *k; int v, max; } lim[] = {
        {"tgt_len", c->tgt_len, OPS_ATT_MAX_KEYS},
        {"max_src_len", c->max_src_len, OPS_ATT_MAX_KEYS},
        {"hidden_size / encoder_heads", c->hidden_size / c->encoder_heads, OPS_ATT_MAX_DH},
        {"hidden_size / decoder_heads", c->hidden_size / c->decoder_heads, OPS_ATT_MAX_DH},
    };
    for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++)
        if (lim[i].v > lim[i].max)
            return ad_fail(ARDIFF_E_FORMAT, "%s: [model] %s = %d exceeds %d, the most the "
                           "attention kernels hold", path, lim[i].k, lim[i].v, lim[i].max);
    return ARDIFF_OK;
}

/* merges belongs to bytelevel_bpe, which needs it and never lowercases (the official IWSLT
 * tokenizer: ByteLevelBPETokenizer with lowercase = False). */
static ardiff_status check_tokenizer(const char *path, const ad_model_config *c)
{
    int bpe = !strcmp(c->tokenizer_type, "bytelevel_bpe");
    if (bpe && !c->merges[0])
        return ad_fail(ARDIFF_E_FORMAT, "%s: [tokenizer] missing key 'merges' (type = "
                       "bytelevel_bpe needs its merges.txt)", path);
    if (!bpe && c->merges[0])
        return ad_fail(ARDIFF_E_FORMAT, "%s: [tokenizer] merges = '%s' is only for type = "
                       "bytelevel_bpe, not %s", path, c->merges, c->tokenizer_type);
    if (bpe && c->lowercase)
        return ad_fail(ARDIFF_E_FORMAT, "%s: [tokenizer] lowercase = true is not supported with "
                       "type = bytelevel_bpe (the official tokenizer does not lowercase)", path);
    return ARDIFF_OK;
}

static ardiff_status check_cross(const char *path, const ad_model_config *c)
{
    if (c->hidden_size % c->encoder_heads)
        return ad_fail(ARDIFF_E_FORMAT, "%s: [model] hidden_size = %d is not divisible by "
                       "encoder_heads = %d", path, c->hidden_size, c->encoder_heads);
    if (c->hidden_size % c->decoder_heads)
        return ad_fail(ARDIFF_E_FORMAT, "%s: [model] hidden_size = %d is not divisible by "
                       "decoder_heads = %d", path, c->hidden_size, c->decoder_heads);
    if (c->out_channels != c->in_channels) /* x0 is rounded to the word embeddings */
        return ad_fail(ARDIFF_E_FORMAT, "%s: [model] out_channels = %d differs from "
                       "in_channels = %d", path, c->out_channels, c->in_channels);
    if (c->tgt_len > c->max_pos_len)
        return ad_fail(ARDIFF_E_FORMAT, "%s: [model] tgt_len = %d exceeds max_pos_len = %d",
                       path, c->tgt_len, c->max_pos_len);
    if (c->max_src_len > c->max_pos_len)
        return ad_fail(ARDIFF_E_FORMAT, "%s: [model] max_src_len = %d exceeds max_pos_len = %d",
                       path, c->max_src_len, c->max_pos_len);
    AD_TRY(check_kernel_limits(path, c));
    AD_TRY(check_ids(path, c));
    AD_TRY(check_tokenizer(path, c));
    ad_time_schedule ar; /* the AR schedule's own check of the anchor */
    if (ad_sched_init(&ar, AD_SCHED_AR, c->diffusion_steps, c->tgt_len, c->end_point_scale) !=
        ARDIFF_OK)
        return ad_fail_prefix(ARDIFF_E_FORMAT, "%s: [diffusion] end_point_scale = %g", path,
                              c->end_point_scale);
    /* The time schedule has N+T sentence-level indices (AR) or T (uniform); K must fit. */
    long long idx = (long long)c->diffusion_steps + (c->schedule == AD_SCHED_AR ? c->tgt_len : 0);
    if (c->steps > idx)
        return ad_fail(ARDIFF_E_FORMAT, "%s: [generate] steps = %d exceeds the %lld indices of "
                       "the %s schedule", path, c->steps, idx, c->schedule_name);
    return ARDIFF_OK;
}

/* *out = <directory of path>/<rel>; rel must stay inside the model directory. */
static ardiff_status resolve_in_dir(const char *path, const char *key, const char *rel,
                                    char *out, size_t cap)
{
    const char *v = rel;
    int dotdot = !strcmp(v, "..") || !strncmp(v, "../", 3) || strstr(v, "/../") ||
                 (strlen(v) >= 3 && !strcmp(v + strlen(v) - 3, "/.."));
    if (v[0] == '/' || dotdot)
        return ad_fail(ARDIFF_E_FORMAT, "%s: [tokenizer] %s = '%s' must be a path relative "
                       "to the model directory, without '..'", path, key, v);
    const char *slash = strrchr(path, '/');
    int dlen = slash ? (int)(slash - path) : 1;
    const char *dir = slash ? path : ".";
    if (slash == path)
        dlen = 0; /* "/model.ini": the root directory */
    int n = snprintf(out, cap, "%.*s/%s", dlen, dir, v);
    if (n < 0 || (size_t)n >= cap)
        return ad_fail(ARDIFF_E_FORMAT, "%s: [tokenizer] %s path is too long", path, key);
    return ARDIFF_OK;
}

/* vocab_path and merges_path from vocab and merges. */
static ardiff_status resolve_vocab(const char *path, ad_model_config *c)
{
    AD_TRY(resolve_in_dir(path, "vocab", c->vocab, c->vocab_path, sizeof c->vocab_path));
    if (c->merges[0])
        AD_TRY(resolve_in_dir(path, "merges", c->merges, c->merges_path, sizeof c->merges_path));
    return ARDIFF_OK;
}

/* ---- unknown keys ------------------------------------------------------------------------ */

static int known_section(const char *s, size_t n)
{
    for (int i = 0; i < N_FIELDS; i++)
        if (strlen(k_fields[i].section) == n && !strncmp(k_fields[i].section, s, n))
            return 1;
    return 0;
}

static int known_key(const char *full)
{
    char buf[128];
    for (int i = 0; i < N_FIELDS; i++) {
        snprintf(buf, sizeof buf, "%s:%s", k_fields[i].section, k_fields[i].key);
        if (!strcmp(buf, full))
            return 1;
    }
    return 0;
}

/* iniparser keeps sections as entries "sec" and keys as "sec:key" (both lower-cased), keys
 * before any section as ":key". Keys of unknown sections are covered by the section warning. */
static void warn_unknown(const char *path, const dictionary *d)
{
    for (ssize_t i = 0; i < d->size; i++) {
        const char *k = d->key[i];
        if (!k)
            continue;
        const char *colon = strchr(k, ':');
        if (!colon) {
            if (!known_section(k, strlen(k)))
                AD_WARN("%s: unknown section [%s] ignored", path, k);
        } else if (colon == k) {
            AD_WARN("%s: key '%s' outside any section ignored", path, k + 1);
        } else if (known_section(k, (size_t)(colon - k)) && !known_key(k)) {
            AD_WARN("%s: [%.*s] unknown key '%s' ignored", path, (int)(colon - k), k, colon + 1);
        }
    }
}

/* ---- loading ----------------------------------------------------------------------------- */

/* iniparser reports syntax errors through a process-wide callback; we keep the first line. */
static _Thread_local char g_ini_err[512];

static int capture_ini_error(const char *fmt, ...)
{
    if (g_ini_err[0])
        return 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_ini_err, sizeof g_ini_err, fmt, ap);
    va_end(ap);
    for (char *p = g_ini_err; *p; p++) /* one printable line: the file may hold any bytes */
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = (*p == '\n') ? ' ' : '?';
    return 0;
}

static ardiff_status load_dict(const char *path, dictionary **out)
{
    /* iniparser would wait forever on a FIFO and read /dev/zero without end: check first (a
     * file swapped in between is not guarded against; whoever can do that owns the model) */
    AD_TRY(ad_file_check(path, "model.ini", AD_FILE_MAX_INI));
    g_ini_err[0] = '\0';
    iniparser_set_error_callback(capture_ini_error);
    *out = iniparser_load(path);
    iniparser_set_error_callback(NULL); /* back to iniparser's default */
    if (!*out)
        return ad_fail(ARDIFF_E_FORMAT, "%s: not a valid INI file (%s)", path,
                       g_ini_err[0] ? g_ini_err : "iniparser could not read it");
    return ARDIFF_OK;
}

ardiff_status ad_config_load(const char *path, ad_model_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    if (!path)
        return ad_fail(ARDIFF_E_INVALID_ARG, "ad_config_load: path is NULL");
    dictionary *d = NULL;
    ardiff_status s = load_dict(path, &d);
    if (s == ARDIFF_OK)
        warn_unknown(path, d); /* first: a misspelt key also shows up as a missing one */
    for (int i = 0; s == ARDIFF_OK && i < N_FIELDS; i++)
        s = read_field(path, d, &k_fields[i], cfg);
    if (s == ARDIFF_OK) {
        cfg->schedule = !strcmp(cfg->schedule_name, "ar") ? AD_SCHED_AR : AD_SCHED_UNIFORM;
        cfg->sentence_case = !strcmp(cfg->case_name, "sentence");
        cfg->avoid_repeats = !strcmp(cfg->repeats_name, "avoid");
        s = check_cross(path, cfg);
    }
    if (s == ARDIFF_OK)
        s = resolve_vocab(path, cfg);
    if (d)
        iniparser_freedict(d);
    if (s != ARDIFF_OK)
        memset(cfg, 0, sizeof *cfg);
    return s;
}
