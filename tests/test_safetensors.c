/* test_safetensors.c: the .safetensors reader on valid files, on hand-made corrupt files (each
 * must fail with ARDIFF_E_FORMAT and a message naming the problem), on a deterministic fuzz of
 * byte mutations, and the F16/BF16 conversions against hand-computed values. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/error.h"
#include "engine/safetensors.h"
#include "ref/st_writer.h"

static char g_dir[64];

static const char *tmp_path(const char *name)
{
    static char p[256];
    snprintf(p, sizeof p, "%s/%s", g_dir, name);
    return p;
}

/* Opens path and checks that it fails with status `want` and a message containing frag. */
static void expect_fail(const char *what, const char *path, ardiff_status want, const char *frag)
{
    ad_safetensors *st = (ad_safetensors *)1;
    ardiff_status s = ad_st_open(path, &st);
    const char *msg = ardiff_last_error();
    CHECK(s == want, "%s: status %s, expected %s (%s)", what, ardiff_status_name(s),
          ardiff_status_name(want), msg);
    CHECK(st == NULL, "%s: handle not NULL on failure", what);
    CHECK(strstr(msg, frag) != NULL, "%s: message '%s' lacks '%s'", what, msg, frag);
    CHECK(strstr(msg, path) != NULL, "%s: message '%s' does not name the file", what, msg);
    if (s == ARDIFF_OK)
        ad_st_free(st);
}

/* A file with u64 length field = strlen(header), the header, and ndata zero bytes. */
static void expect_header_fail(const char *what, const char *header, size_t ndata,
                               const char *frag)
{
    uint8_t data[256] = {0};
    const char *p = tmp_path("bad.safetensors");
    stw_write_raw(p, strlen(header), header, strlen(header), data, ndata);
    expect_fail(what, p, ARDIFF_E_FORMAT, frag);
}

/* ---- the valid file ------------------------------------------------------------------------ */

static const float k_a[6] = {1.0f, -2.5f, 3.25f, 0.0f, 1e-3f, -65504.0f};
static const uint16_t k_b[4] = {0x3c00, 0xc000, 0x0001, 0x7bff};  /* 1, -2, 2^-24, 65504 */
static const uint16_t k_c[4] = {0x3f80, 0xc020, 0x0001, 0x7f7f};  /* 1, -2.5, min sub, max */
static const int64_t k_ids[3] = {7, -1, 1234567890123LL};

static stw *valid_writer(void)
{
    stw *w = stw_new();
    uint8_t le[24];
    memcpy(le, k_a, 24); /* the test hosts are little-endian, like the format */
    stw_add(w, "encoder.a.weight", "F32", 2, (int64_t[]){2, 3}, le, 24);
    stw_add(w, "b", "F16", 1, (int64_t[]){4}, k_b, 8);
    stw_add(w, "c", "BF16", 2, (int64_t[]){2, 2}, k_c, 8);
    stw_add(w, "ids", "I64", 1, (int64_t[]){3}, k_ids, 24);
    stw_add(w, "empty", "F32", 2, (int64_t[]){0, 5}, NULL, 0);
    stw_add(w, "scalar", "U8", 0, NULL, (uint8_t[]){42}, 1);
    stw_meta(w, "format", "pt");
    stw_meta(w, "note", "hello");
    return w;
}

static void test_valid(void)
{
    stw *w = valid_writer();
    const char *p = tmp_path("ok.safetensors");
    CHECK(stw_write(w, p) == 0, "cannot write %s", p);
    stw_free(w);
    ad_safetensors *st = NULL;
    ardiff_status s = ad_st_open(p, &st);
    CHECK(s == ARDIFF_OK && st, "open valid: %s", ardiff_last_error());
    if (!st)
        return;
    CHECK(ad_st_count(st) == 6, "count %d", ad_st_count(st));
    CHECK(!strcmp(ad_st_at(st, 0)->name, "b") && !strcmp(ad_st_at(st, 5)->name, "scalar"),
          "name order");
    CHECK(ad_st_at(st, 6) == NULL && ad_st_at(st, -1) == NULL, "at out of range");
    CHECK(ad_st_find(st, "nope") == NULL, "find missing");
    CHECK(!strcmp(ad_st_metadata(st, "format"), "pt"), "metadata format");
    CHECK(!strcmp(ad_st_metadata(st, "note"), "hello"), "metadata note");
    CHECK(ad_st_metadata(st, "absent") == NULL, "metadata absent");

    const ad_st_tensor *a = ad_st_find(st, "encoder.a.weight");
    CHECK(a && a->dtype == AD_ST_F32 && a->rank == 2 && a->shape[0] == 2 && a->shape[1] == 3 &&
              a->numel == 6 && a->nbytes == 24, "tensor a");
    float f[6];
    CHECK(a && ad_st_read_f32(a, f) == ARDIFF_OK && !memcmp(f, k_a, sizeof f), "read a");

    const ad_st_tensor *b = ad_st_find(st, "b");
    float fb[4];
    CHECK(b && ad_st_read_f32(b, fb) == ARDIFF_OK, "read b");
    CHECK(fb[0] == 1.0f && fb[1] == -2.0f && fb[2] == ldexpf(1.0f, -24) && fb[3] == 65504.0f,
          "b values %g %g %g %g", fb[0], fb[1], fb[2], fb[3]);

    const ad_st_tensor *c = ad_st_find(st, "c");
    float fc[4];
    CHECK(c && ad_st_read_f32(c, fc) == ARDIFF_OK, "read c");
    CHECK(fc[0] == 1.0f && fc[1] == -2.5f && fc[2] == ldexpf(1.0f, -133) &&
              fc[3] == ldexpf(255.0f, 120), "c values %g %g %g %g", fc[0], fc[1], fc[2], fc[3]);

    const ad_st_tensor *ids = ad_st_find(st, "ids");
    int64_t iv[3];
    if (ids)
        memcpy(iv, ids->data, sizeof iv);
    CHECK(ids && ids->dtype == AD_ST_I64 && !memcmp(iv, k_ids, sizeof iv), "ids");
    CHECK(ids && ad_st_read_f32(ids, f) == ARDIFF_E_UNSUPPORTED &&
              strstr(ardiff_last_error(), "'ids'"), "read_f32 on I64: %s", ardiff_last_error());

    const ad_st_tensor *e = ad_st_find(st, "empty"), *sc = ad_st_find(st, "scalar");
    CHECK(e && e->numel == 0 && e->nbytes == 0 && e->rank == 2, "empty tensor");
    CHECK(sc && sc->rank == 0 && sc->numel == 1 && *(const uint8_t *)sc->data == 42, "scalar");

    /* ad_st_expect */
    const ad_st_tensor *t = NULL;
    CHECK(ad_st_expect(st, "encoder.a.weight", AD_ST_F32, &t, 2, 2, 3) == ARDIFF_OK && t == a,
          "expect ok: %s", ardiff_last_error());
    CHECK(ad_st_expect(st, "b", AD_ST_ANY_FLOAT, NULL, 1, -1) == ARDIFF_OK, "expect any");
    s = ad_st_expect(st, "encoder.a.weight", AD_ST_F32, &t, 2, 3, 3);
    CHECK(s == ARDIFF_E_FORMAT && t == NULL && strstr(ardiff_last_error(),
          "ok.safetensors: tensor 'encoder.a.weight' has shape [2, 3], expected [3, 3]"),
          "expect shape: %s", ardiff_last_error());
    s = ad_st_expect(st, "encoder.a.weight", AD_ST_F32, NULL, 1, 6);
    CHECK(s == ARDIFF_E_FORMAT && strstr(ardiff_last_error(), "has shape [2, 3], expected [6]"),
          "expect rank: %s", ardiff_last_error());
    s = ad_st_expect(st, "b", AD_ST_F32, NULL, 1, 4);
    CHECK(s == ARDIFF_E_FORMAT && strstr(ardiff_last_error(), "'b' has dtype F16, expected F32"),
          "expect dtype: %s", ardiff_last_error());
    s = ad_st_expect(st, "ids", AD_ST_ANY_FLOAT, NULL, 1, 3);
    CHECK(s == ARDIFF_E_FORMAT && strstr(ardiff_last_error(), "dtype I64"), "expect any float");
    s = ad_st_expect(st, "decoder.x.weight", AD_ST_F32, NULL, 1, 3);
    CHECK(s == ARDIFF_E_FORMAT && strstr(ardiff_last_error(), "'decoder.x.weight' not found"),
          "expect missing: %s", ardiff_last_error());
    ad_st_free(st);
    ad_st_free(NULL);
}

/* ---- corrupt files ------------------------------------------------------------------------- */

static void test_lengths(void)
{
    const char *p = tmp_path("len.safetensors");
    stw_write_bytes(p, "", 0);
    expect_fail("empty file", p, ARDIFF_E_FORMAT, "too short");
    stw_write_bytes(p, "\x02\0\0\0\0", 5);
    expect_fail("5-byte file", p, ARDIFF_E_FORMAT, "too short");
    stw_write_raw(p, 0, "{}", 2, NULL, 0);
    expect_fail("header length 0", p, ARDIFF_E_FORMAT, "header length is 0");
    stw_write_raw(p, UINT64_C(1) << 63, "{}", 2, NULL, 0);
    expect_fail("header length 2^63", p, ARDIFF_E_FORMAT, "absurd");
    stw_write_raw(p, 200u << 20, "{}", 2, NULL, 0);
    expect_fail("header length 200 MiB", p, ARDIFF_E_FORMAT, "absurd");
    stw_write_raw(p, 1000, "{}", 2, NULL, 0);
    expect_fail("header length > file", p, ARDIFF_E_FORMAT, "larger than the 2 bytes");

    /* The valid file cut inside its header, and cut inside its data. */
    stw *w = valid_writer();
    size_t n = 0;
    uint8_t *buf = stw_serialize(w, &n);
    stw_free(w);
    stw_write_bytes(p, buf, 40);
    expect_fail("truncated header", p, ARDIFF_E_FORMAT, "truncated header");
    stw_write_bytes(p, buf, n - 1);
    expect_fail("truncated data", p, ARDIFF_E_FORMAT, "past the data section");
    free(buf);

    expect_fail("missing file", tmp_path("no_such.safetensors"), ARDIFF_E_IO, "cannot open");
    expect_fail("directory", g_dir, ARDIFF_E_IO, "not a regular file");
}

static void test_json(void)
{
    expect_header_fail("invalid JSON", "{\"a\": {", 0, "not well-formed JSON");
    expect_header_fail("trailing junk", "{}  x", 0, "trailing data");
    expect_header_fail("array root", "[1, 2]", 0, "not a JSON object");
    expect_header_fail("string root", "\"abc\"", 0, "not a JSON object");
    expect_header_fail("number root", "42", 0, "not a JSON object");
    expect_header_fail("bad UTF-8", "{\"a\xff\": 1}", 0, "not valid UTF-8");
    expect_header_fail("overlong UTF-8", "{\"a\xc0\xaf\": 1}", 0, "not valid UTF-8");
    expect_header_fail("surrogate UTF-8", "{\"a\xed\xa0\x80\": 1}", 0, "not valid UTF-8");
    expect_header_fail("cut UTF-8", "{\"a\": 1}\xe2\x82", 0, "not valid UTF-8");
    const char nul[] = "{\"a\0\": 1}";
    const char *p = tmp_path("nul.safetensors");
    stw_write_raw(p, sizeof nul - 1, nul, sizeof nul - 1, NULL, 0);
    expect_fail("NUL in header", p, ARDIFF_E_FORMAT, "not valid UTF-8");
    /* Valid UTF-8 beyond ASCII is fine in names. */
    const char *hu = "{\"gr\xc3\xbc\xc3\x9f\xe2\x82\xac\xf0\x9f\x98\x80\":{\"dtype\":\"U8\","
                     "\"shape\":[1],\"data_offsets\":[0,1]}}";
    stw_write_raw(p, strlen(hu), hu, strlen(hu), "x", 1);
    ad_safetensors *st = NULL;
    CHECK(ad_st_open(p, &st) == ARDIFF_OK && ad_st_count(st) == 1, "UTF-8 name: %s",
          ardiff_last_error());
    ad_st_free(st);
}

/* Found by tests/fuzz/fuzz_safetensors (corpus/safetensors/crash-control-byte-in-message): a
 * name or dtype with control bytes (a raw one, or a JSON escape such as \n or \u001b) was
 * copied into the error message, breaking its one line or sending the terminal an escape. */
static void test_message_controls(void)
{
    static const char *const headers[] = {
        "{\"w\":{\"dtype\":\"F\0232\",\"shape\":[2],\"data_offsets\":[0,8]}}", /* 0x13 */
        "{\"a\\u001b[31m\\nb\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}",
        "{\"a\\r\\u007f\":{\"dtype\":\"F32\",\"shape\":\"\\n\",\"data_offsets\":[0,8]}}",
    };
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        expect_header_fail("control bytes", headers[i], 8, "tensor '");
        const char *m = ardiff_last_error();
        for (const char *c = m; *c; c++)
            CHECK((unsigned char)*c >= 0x20 && *c != 0x7f, "header %zu: control byte 0x%02x in: %s",
                  i, (unsigned)(unsigned char)*c, m);
    }
}

#define T(body) "{\"a\":{" body "}}"
#define OK_SHAPE "\"shape\":[2]"
#define OK_OFFS "\"data_offsets\":[0,8]"

static void test_fields(void)
{
    expect_header_fail("entry not object", "{\"a\": 3}", 0, "'a' is 3, not an object");
    expect_header_fail("missing dtype", T(OK_SHAPE "," OK_OFFS), 8, "'a' has no 'dtype'");
    expect_header_fail("missing shape", T("\"dtype\":\"F32\"," OK_OFFS), 8, "has no 'shape'");
    expect_header_fail("missing offsets", T("\"dtype\":\"F32\"," OK_SHAPE), 8,
                       "has no 'data_offsets'");
    expect_header_fail("dtype number", T("\"dtype\":5," OK_SHAPE "," OK_OFFS), 8,
                       "'dtype' is 5, not a string");
    expect_header_fail("unknown dtype", T("\"dtype\":\"F128\"," OK_SHAPE "," OK_OFFS), 8,
                       "'a' has unknown dtype 'F128'");
    expect_header_fail("lower-case dtype", T("\"dtype\":\"f32\"," OK_SHAPE "," OK_OFFS), 8,
                       "unknown dtype 'f32'");
    expect_header_fail("shape string", T("\"dtype\":\"F32\",\"shape\":\"2\"," OK_OFFS), 8,
                       "'shape' is \"2\", not an array");
    expect_header_fail("shape elem string", T("\"dtype\":\"F32\",\"shape\":[1,\"2\"]," OK_OFFS),
                       8, "shape[1] is \"2\"");
    expect_header_fail("shape negative", T("\"dtype\":\"F32\",\"shape\":[-2]," OK_OFFS), 8,
                       "shape[0] is -2, not a non-negative integer");
    expect_header_fail("shape fraction", T("\"dtype\":\"F32\",\"shape\":[1.5]," OK_OFFS), 8,
                       "shape[0] is 1.5");
    expect_header_fail("shape 1e300", T("\"dtype\":\"F32\",\"shape\":[1e300]," OK_OFFS), 8,
                       "shape[0] is 1.0000000000000001e+300");
    expect_header_fail("shape null", T("\"dtype\":\"F32\",\"shape\":[null]," OK_OFFS), 8,
                       "shape[0] is null");
    expect_header_fail("rank 9", T("\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],"
                                   "\"data_offsets\":[0,1]"), 1, "rank 9, more than 8");
    expect_header_fail("shape overflow",
                       T("\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4]," OK_OFFS), 8,
                       "shape product overflows");
    expect_header_fail("bytes overflow",
                       T("\"dtype\":\"F64\",\"shape\":[1099511627776,4194304]," OK_OFFS), 8,
                       "need 4611686018427387904 x 8");
    expect_header_fail("offsets object", T("\"dtype\":\"F32\"," OK_SHAPE ",\"data_offsets\":{}"),
                       8, "'data_offsets' is an object");
    expect_header_fail("offsets one", T("\"dtype\":\"F32\"," OK_SHAPE ",\"data_offsets\":[8]"),
                       8, "not an array [begin, end]");
    expect_header_fail("offsets three",
                       T("\"dtype\":\"F32\"," OK_SHAPE ",\"data_offsets\":[0,8,8]"), 8,
                       "not an array [begin, end]");
    expect_header_fail("offset string",
                       T("\"dtype\":\"F32\"," OK_SHAPE ",\"data_offsets\":[0,\"8\"]"), 8,
                       "data_offsets end is \"8\"");
    expect_header_fail("offset negative",
                       T("\"dtype\":\"F32\"," OK_SHAPE ",\"data_offsets\":[-8,0]"), 8,
                       "data_offsets begin is -8");
    expect_header_fail("begin > end", T("\"dtype\":\"F32\"," OK_SHAPE ",\"data_offsets\":[8,0]"),
                       8, "[8, 0] has begin > end");
    expect_header_fail("end past data", T("\"dtype\":\"F32\"," OK_SHAPE "," OK_OFFS), 7,
                       "end 8 is past the data section (7 bytes");
    expect_header_fail("size mismatch",
                       T("\"dtype\":\"F32\",\"shape\":[3]," OK_OFFS), 8, "need 3 x 4");
    expect_header_fail("size mismatch bf16",
                       T("\"dtype\":\"BF16\",\"shape\":[2]," OK_OFFS), 8, "need 2 x 2");
    expect_header_fail("overlap",
                       "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                       "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                       12, "tensors 'a' data_offsets [0, 8] and 'b' [4, 12] overlap");
    expect_header_fail("same range",
                       "{\"x\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                       "\"y\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]}}",
                       4, "overlap");
    expect_header_fail("duplicate",
                       "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                       "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
                       16, "duplicate tensor name 'a'");
    char longname[400];
    memset(longname, 'n', sizeof longname);
    snprintf(longname, sizeof longname, "{\"%0300d\":{\"dtype\":\"U8\",\"shape\":[1],"
             "\"data_offsets\":[0,1]}}", 0);
    expect_header_fail("long name", longname, 1, "tensor name of 300 bytes");
    expect_header_fail("empty name", "{\"\":{\"dtype\":\"U8\",\"shape\":[1],"
                       "\"data_offsets\":[0,1]}}", 1, "tensor name of 0 bytes");
    expect_header_fail("metadata array", "{\"__metadata__\":[]}", 0,
                       "'__metadata__' is an array, not an object");
    expect_header_fail("metadata number", "{\"__metadata__\":{\"k\":1}}", 0,
                       "__metadata__ key 'k' is 1, not a string");
    expect_header_fail("metadata key twice", "{\"__metadata__\":{\"k\":\"1\",\"j\":\"2\","
                       "\"k\":\"3\"}}", 0, "duplicate __metadata__ key 'k'");
    expect_header_fail("metadata twice", "{\"__metadata__\":{},\"__metadata__\":{}}", 0,
                       "duplicate '__metadata__'");
}

/* ---- fuzz ---------------------------------------------------------------------------------- */

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (uint32_t)(g_rng >> 16) % n;
}

/* A successfully opened file must keep every promise of the header. */
static int invariants_hold(const ad_safetensors *st, size_t file_size)
{
    for (int i = 0; i < ad_st_count(st); i++) {
        const ad_st_tensor *t = ad_st_at(st, i);
        if (t->offset > file_size || t->nbytes > file_size - t->offset ||
            t->nbytes != t->numel * ad_st_dtype_size(t->dtype) || t->rank > AD_ST_MAX_RANK ||
            ad_st_find(st, t->name) != t)
            return 0;
        if (t->dtype == AD_ST_F32 || t->dtype == AD_ST_F16 || t->dtype == AD_ST_BF16) {
            float *f = malloc((size_t)t->numel * sizeof *f + 1);
            int ok = f && ad_st_read_f32(t, f) == ARDIFF_OK;
            free(f);
            if (!ok)
                return 0;
        }
    }
    return 1;
}

static void test_fuzz(int iters)
{
    static const char interesting[] = "{}[]\",:0123456789-.eE \\u";
    stw *w = valid_writer();
    size_t n = 0;
    uint8_t *orig = stw_serialize(w, &n);
    stw_free(w);
    uint8_t *buf = malloc(n);
    const char *p = tmp_path("fuzz.safetensors");
    size_t hend = 8 + (orig[0] | (size_t)orig[1] << 8);
    int ok = 0, fmt = 0, other = 0, broken = 0;
    for (int it = 0; it < iters; it++) {
        memcpy(buf, orig, n);
        size_t len = n;
        uint32_t mode = rnd(10);
        if (mode == 0) {
            len = rnd((uint32_t)n); /* truncation */
        } else if (mode == 1) {
            buf[rnd(8)] = (uint8_t)rnd(256); /* length field */
        } else {
            int k = 1 + (int)rnd(4);
            for (int j = 0; j < k; j++) {
                size_t at = mode < 8 ? 8 + rnd((uint32_t)(hend - 8)) : rnd((uint32_t)n);
                buf[at] = rnd(2) ? (uint8_t)interesting[rnd(sizeof interesting - 1)]
                                 : (uint8_t)rnd(256);
            }
        }
        stw_write_bytes(p, buf, len);
        ad_safetensors *st = NULL;
        ardiff_status s = ad_st_open(p, &st);
        if (s == ARDIFF_OK) {
            ok++;
            broken += !invariants_hold(st, len);
        } else if (s == ARDIFF_E_FORMAT && st == NULL && strstr(ardiff_last_error(), p)) {
            fmt++;
        } else {
            other++;
            fprintf(stderr, "fuzz %d: %s %s\n", it, ardiff_status_name(s), ardiff_last_error());
        }
        ad_st_free(st);
    }
    printf("fuzz: %d iterations, %d opened, %d rejected with ARDIFF_E_FORMAT\n", iters, ok, fmt);
    CHECK(other == 0, "%d fuzz cases gave another status or no message", other);
    CHECK(broken == 0, "%d opened fuzz cases broke an invariant", broken);
    CHECK(ok > 0 && fmt > 0, "fuzz should see both outcomes (%d ok, %d rejected)", ok, fmt);
    free(buf);
    free(orig);
}

/* ---- half / bfloat16 ----------------------------------------------------------------------- */

static uint32_t fbits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static void test_half(void)
{
    /* half -> float, by hand */
    CHECK(ad_f16_to_f32(0x3c00) == 1.0f, "1");
    CHECK(ad_f16_to_f32(0xc000) == -2.0f, "-2");
    CHECK(ad_f16_to_f32(0x3555) == 0.333251953125f, "1/3");
    CHECK(ad_f16_to_f32(0x7bff) == 65504.0f, "max");
    CHECK(ad_f16_to_f32(0x0400) == ldexpf(1.0f, -14), "min normal");
    CHECK(ad_f16_to_f32(0x0001) == ldexpf(1.0f, -24), "min subnormal");
    CHECK(ad_f16_to_f32(0x03ff) == ldexpf(1023.0f, -24), "max subnormal");
    CHECK(ad_f16_to_f32(0x8001) == -ldexpf(1.0f, -24), "-min subnormal");
    CHECK(fbits(ad_f16_to_f32(0x8000)) == 0x80000000u, "-0");
    CHECK(ad_f16_to_f32(0x7c00) == INFINITY && ad_f16_to_f32(0xfc00) == -INFINITY, "inf");
    CHECK(isnan(ad_f16_to_f32(0x7e00)) && isnan(ad_f16_to_f32(0xfc01)), "nan");

    /* float -> half, by hand, including every rounding boundary */
    CHECK(ad_f32_to_f16(1.0f) == 0x3c00, "1");
    CHECK(ad_f32_to_f16(1.0f + ldexpf(1.0f, -11)) == 0x3c00, "tie to even down");
    CHECK(ad_f32_to_f16(1.0f + 3 * ldexpf(1.0f, -11)) == 0x3c02, "tie to even up");
    CHECK(ad_f32_to_f16(nextafterf(1.0f + ldexpf(1.0f, -11), 2.0f)) == 0x3c01, "above tie");
    CHECK(ad_f32_to_f16(2047.0f / 1024.0f + ldexpf(1.0f, -11)) == 0x4000, "carry to exponent");
    CHECK(ad_f32_to_f16(65504.0f) == 0x7bff, "max");
    CHECK(ad_f32_to_f16(65519.99f) == 0x7bff, "below overflow tie");
    CHECK(ad_f32_to_f16(65520.0f) == 0x7c00, "overflow tie -> inf");
    CHECK(ad_f32_to_f16(-1e10f) == 0xfc00, "-overflow");
    CHECK(ad_f32_to_f16(INFINITY) == 0x7c00, "inf");
    uint16_t hn = ad_f32_to_f16(NAN);
    CHECK((hn & 0x7c00) == 0x7c00 && (hn & 0x3ff) != 0, "nan -> 0x%04x", hn);
    CHECK(ad_f32_to_f16(ldexpf(1.0f, -14)) == 0x0400, "min normal");
    CHECK(ad_f32_to_f16(ldexpf(1023.0f, -24)) == 0x03ff, "max subnormal");
    CHECK(ad_f32_to_f16(ldexpf(1023.5f, -24)) == 0x0400, "subnormal tie rounds up to normal");
    CHECK(ad_f32_to_f16(ldexpf(1.0f, -24)) == 0x0001, "min subnormal");
    CHECK(ad_f32_to_f16(ldexpf(1.0f, -25)) == 0x0000, "tie to even zero");
    CHECK(ad_f32_to_f16(nextafterf(ldexpf(1.0f, -25), 1.0f)) == 0x0001, "above tie");
    CHECK(ad_f32_to_f16(ldexpf(3.0f, -25)) == 0x0002, "1.5 units -> 2");
    CHECK(ad_f32_to_f16(ldexpf(5.0f, -25)) == 0x0002, "2.5 units -> 2");
    CHECK(ad_f32_to_f16(-ldexpf(1.0f, -26)) == 0x8000, "tiny negative -> -0");
    CHECK(ad_f32_to_f16(1e-30f) == 0 && ad_f32_to_f16(ldexpf(1.0f, -140)) == 0, "underflow");

    /* Exhaustive: every half round-trips, and every midpoint between neighbours rounds to the
     * even one (the midpoint is exact in binary32). */
    int bad_rt = 0, bad_mid = 0;
    for (uint32_t h = 0; h < 0x10000; h++) {
        float f = ad_f16_to_f32((uint16_t)h);
        if (isnan(f))
            continue;
        bad_rt += ad_f32_to_f16(f) != h;
        if ((h & 0x7fff) < 0x7c00) {
            float g = ad_f16_to_f32((uint16_t)(h + 1)); /* next magnitude (inf after max) */
            if (isinf(g))
                continue;
            float mid = (f + g) / 2;
            uint16_t want = (h & 1) ? (uint16_t)(h + 1) : (uint16_t)h;
            bad_mid += ad_f32_to_f16(mid) != want;
        }
    }
    CHECK(bad_rt == 0, "%d halves do not round-trip", bad_rt);
    CHECK(bad_mid == 0, "%d midpoints round wrongly", bad_mid);

    /* bfloat16 */
    CHECK(ad_bf16_to_f32(0x3f80) == 1.0f && ad_bf16_to_f32(0xc020) == -2.5f, "bf16 values");
    CHECK(ad_bf16_to_f32(0x0001) == ldexpf(1.0f, -133), "bf16 subnormal");
    CHECK(ad_bf16_to_f32(0x7f80) == INFINITY && isnan(ad_bf16_to_f32(0x7fc0)), "bf16 inf/nan");
    CHECK(ad_f32_to_bf16(1.0f) == 0x3f80, "to bf16 1");
    CHECK(ad_f32_to_bf16(1.0f + ldexpf(1.0f, -8)) == 0x3f80, "bf16 tie even down");
    CHECK(ad_f32_to_bf16(1.0f + 3 * ldexpf(1.0f, -8)) == 0x3f82, "bf16 tie even up");
    CHECK(ad_f32_to_bf16(nextafterf(1.0f + ldexpf(1.0f, -8), 2.0f)) == 0x3f81, "bf16 above");
    CHECK(ad_f32_to_bf16(3.4028235e38f) == 0x7f80, "bf16 overflow -> inf");
    CHECK(ad_f32_to_bf16(-INFINITY) == 0xff80, "bf16 -inf");
    uint16_t bn = ad_f32_to_bf16(NAN);
    CHECK((bn & 0x7f80) == 0x7f80 && (bn & 0x7f), "bf16 nan 0x%04x", bn);
    CHECK(ad_f32_to_bf16(-0.0f) == 0x8000, "bf16 -0");
}

int main(int argc, char **argv)
{
    int iters = argc > 1 ? atoi(argv[1]) : 2000;
    snprintf(g_dir, sizeof g_dir, "/tmp/ardiff_st_XXXXXX");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 1;
    }
    ardiff_set_log_level(ARDIFF_LOG_ERROR);
    test_valid();
    test_lengths();
    test_json();
    test_message_controls();
    test_fields();
    test_fuzz(iters);
    test_half();
    const char *names[] = {"ok", "len", "nul", "bad", "fuzz"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char f[64];
        snprintf(f, sizeof f, "%s.safetensors", names[i]);
        unlink(tmp_path(f));
    }
    rmdir(g_dir);
    return check_summary("test_safetensors");
}
