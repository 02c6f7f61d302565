/* safetensors.c: the validating .safetensors reader (see safetensors.h). */
#include "engine/safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/error.h"
#include "core/file.h"

struct ad_safetensors {
    char *path;
    const uint8_t *base;  /* the whole file */
    size_t size;
    uint64_t data_start;  /* 8 + header length */
    int mapped;           /* base is an mmap (else malloc'd) */
    cJSON *root;          /* the header; tensor names point into it */
    const cJSON *meta;    /* "__metadata__" or NULL */
    ad_st_tensor *t;      /* sorted by name */
    int n;
};

/* ---- dtypes ------------------------------------------------------------------------------- */

static const struct {
    const char *name;
    size_t size;
} k_dtypes[AD_ST_DTYPE_COUNT] = {
    [AD_ST_BOOL] = {"BOOL", 1},       [AD_ST_U8] = {"U8", 1},     [AD_ST_I8] = {"I8", 1},
    [AD_ST_F8_E5M2] = {"F8_E5M2", 1}, [AD_ST_F8_E4M3] = {"F8_E4M3", 1},
    [AD_ST_I16] = {"I16", 2},         [AD_ST_U16] = {"U16", 2},   [AD_ST_F16] = {"F16", 2},
    [AD_ST_BF16] = {"BF16", 2},       [AD_ST_I32] = {"I32", 4},   [AD_ST_U32] = {"U32", 4},
    [AD_ST_F32] = {"F32", 4},         [AD_ST_F64] = {"F64", 8},   [AD_ST_I64] = {"I64", 8},
    [AD_ST_U64] = {"U64", 8},
};

const char *ad_st_dtype_name(ad_st_dtype d)
{
    if (d == AD_ST_ANY_FLOAT)
        return "F32|F16|BF16";
    return (unsigned)d < AD_ST_DTYPE_COUNT ? k_dtypes[d].name : "?";
}

size_t ad_st_dtype_size(ad_st_dtype d)
{
    return (unsigned)d < AD_ST_DTYPE_COUNT ? k_dtypes[d].size : 0;
}

static int dtype_from_name(const char *s)
{
    for (int i = 0; i < AD_ST_DTYPE_COUNT; i++)
        if (!strcmp(s, k_dtypes[i].name))
            return i;
    return -1;
}

/* ---- half and bfloat16 -------------------------------------------------------------------- */

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

float ad_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    if (exp == 0) /* zero or subnormal: mant * 2^-24, exact in binary32 */
        return bits_f32(sign | f32_bits(ldexpf((float)mant, -24)));
    if (exp == 31) /* inf, or NaN with its payload */
        return bits_f32(sign | 0x7f800000u | (mant << 13));
    return bits_f32(sign | ((exp + 112u) << 23) | (mant << 13)); /* rebias 15 -> 127 */
}

/* Shifts m right by s (1..31) rounding to nearest, ties to even. */
static uint32_t shift_rne(uint32_t m, unsigned s)
{
    uint32_t q = m >> s, rem = m & ((1u << s) - 1), half = 1u << (s - 1);
    return q + (rem > half || (rem == half && (q & 1u)));
}

uint16_t ad_f32_to_f16(float f)
{
    uint32_t x = f32_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    x &= 0x7fffffffu;
    if (x > 0x7f800000u) /* NaN: keep it quiet, keep the top payload bits */
        return sign | 0x7e00u | (uint16_t)((x >> 13) & 0x3ffu);
    if (x >= 0x477ff000u) /* >= 65520 (halfway past 65504, max half): inf */
        return sign | 0x7c00u;
    if (x >= 0x38800000u) { /* >= 2^-14: normal half; the carry may bump the exponent */
        uint32_t h = ((x >> 23) - 112u) << 23 | (x & 0x7fffffu); /* rebias, then drop 13 */
        return sign | (uint16_t)shift_rne(h, 13);
    }
    /* Subnormal half (or zero): the value in units of 2^-24 is m * 2^(e+1), e the unbiased
     * exponent (<= -15), so shift m right by -(e+1) >= 14. Float subnormals round to 0. */
    int e = (int)(x >> 23) - 127;
    if (x < 0x00800000u || -(e + 1) > 24)
        return sign;
    uint32_t m = (x & 0x7fffffu) | 0x800000u;
    return sign | (uint16_t)shift_rne(m, (unsigned)(-(e + 1)));
}

float ad_bf16_to_f32(uint16_t b) { return bits_f32((uint32_t)b << 16); }

uint16_t ad_f32_to_bf16(float f)
{
    uint32_t x = f32_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) /* NaN: truncate, force quiet */
        return (uint16_t)((x >> 16) | 0x0040u);
    x += 0x7fffu + ((x >> 16) & 1u); /* overflow into the exponent rounds to inf correctly */
    return (uint16_t)(x >> 16);
}

/* ---- file access -------------------------------------------------------------------------- */

static ardiff_status map_file(ad_safetensors *st)
{
    const char *path = st->path;
    int fd;
    uint64_t fsize;
    AD_TRY(ad_file_open(path, "weights file", AD_FILE_MAX_WEIGHTS, 0, &fd, &fsize));
    ardiff_status s = ARDIFF_OK;
    st->size = (size_t)fsize;
    if (st->size < 8) { /* also keeps mmap away from empty files */
        s = ad_fail(ARDIFF_E_FORMAT, "%s: file is %zu bytes, too short for the 8-byte header "
                    "length", path, st->size);
        goto done;
    }
    void *p = mmap(NULL, st->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
        st->base = p;
        st->mapped = 1;
        goto done;
    }
    /* No mmap (some file systems): read the file instead. */
    uint8_t *buf = malloc(st->size);
    if (!buf) {
        s = ad_fail(ARDIFF_E_OOM, "%s: cannot allocate %zu bytes", path, st->size);
        goto done;
    }
    st->base = buf;
    for (size_t got = 0; got < st->size;) {
        ssize_t r = read(fd, buf + got, st->size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            s = ad_fail(ARDIFF_E_IO, "%s: read failed at byte %zu: %s", path, got,
                        r < 0 ? strerror(errno) : "unexpected end of file");
            break;
        }
        got += (size_t)r;
    }
done:
    close(fd);
    return s;
}

/* ---- header validation -------------------------------------------------------------------- */

/* Offset of the first byte that breaks strict UTF-8 (overlongs, surrogates, > U+10FFFF and
 * NUL are rejected), or len when all is well. */
static size_t utf8_bad_at(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        size_t n;
        uint32_t cp, min;
        if (c == 0)
            return i;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) n = 1, cp = c & 0x1fu, min = 0x80;
        else if ((c & 0xf0) == 0xe0) n = 2, cp = c & 0x0fu, min = 0x800;
        else if ((c & 0xf8) == 0xf0) n = 3, cp = c & 0x07u, min = 0x10000;
        else return i;
        if (len - i <= n)
            return i;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + k] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += n + 1;
    }
    return len;
}

/* A JSON number that is an integer in [0, 2^53] (exact in a double). */
static int json_u64(const cJSON *j, uint64_t *v)
{
    if (!cJSON_IsNumber(j))
        return 0;
    double d = j->valuedouble;
    if (!(d >= 0.0 && d <= 9007199254740992.0) || d != floor(d))
        return 0;
    *v = (uint64_t)d;
    return 1;
}

/* Short text of a JSON value for messages ("-3", "\"abc\"", "an array"). */
static const char *json_desc(const cJSON *j, char *buf, size_t n)
{
    if (cJSON_IsNumber(j)) snprintf(buf, n, "%.17g", j->valuedouble);
    else if (cJSON_IsString(j)) snprintf(buf, n, "\"%.64s\"", j->valuestring);
    else if (cJSON_IsArray(j)) snprintf(buf, n, "an array");
    else if (cJSON_IsObject(j)) snprintf(buf, n, "an object");
    else if (cJSON_IsBool(j)) snprintf(buf, n, "%s", cJSON_IsTrue(j) ? "true" : "false");
    else snprintf(buf, n, "null");
    return buf;
}

static ardiff_status parse_shape(const ad_safetensors *st, const char *name, const cJSON *shape,
                                 ad_st_tensor *t)
{
    char b[96];
    if (!shape)
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' has no 'shape'", st->path, name);
    if (!cJSON_IsArray(shape))
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' 'shape' is %s, not an array",
                       st->path, name, json_desc(shape, b, sizeof b));
    int rank = cJSON_GetArraySize(shape);
    if (rank > AD_ST_MAX_RANK)
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' has rank %d, more than %d", st->path,
                       name, rank, AD_ST_MAX_RANK);
    t->rank = rank;
    t->numel = 1;
    int i = 0;
    for (const cJSON *d = shape->child; d; d = d->next, i++) {
        uint64_t v;
        if (!json_u64(d, &v))
            return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' shape[%d] is %s, not a "
                           "non-negative integer", st->path, name, i, json_desc(d, b, sizeof b));
        if (v != 0 && t->numel > (uint64_t)INT64_MAX / v)
            return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' shape product overflows at "
                           "shape[%d] = %llu", st->path, name, i, (unsigned long long)v);
        t->shape[i] = (int64_t)v;
        t->numel *= v;
    }
    return ARDIFF_OK;
}

static ardiff_status parse_offsets(const ad_safetensors *st, const char *name, const cJSON *off,
                                   uint64_t data_len, uint64_t *begin, uint64_t *end)
{
    char b[96];
    if (!off)
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' has no 'data_offsets'", st->path, name);
    if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2)
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' 'data_offsets' is %s, not an array "
                       "[begin, end]", st->path, name, json_desc(off, b, sizeof b));
    const cJSON *jb = off->child, *je = off->child->next;
    if (!json_u64(jb, begin))
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' data_offsets begin is %s, not a "
                       "non-negative integer", st->path, name, json_desc(jb, b, sizeof b));
    if (!json_u64(je, end))
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' data_offsets end is %s, not a "
                       "non-negative integer", st->path, name, json_desc(je, b, sizeof b));
    if (*begin > *end)
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' data_offsets [%llu, %llu] has begin > "
                       "end", st->path, name, (unsigned long long)*begin,
                       (unsigned long long)*end);
    if (*end > data_len)
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' data_offsets end %llu is past the data "
                       "section (%llu bytes; file truncated?)", st->path, name,
                       (unsigned long long)*end, (unsigned long long)data_len);
    return ARDIFF_OK;
}

static ardiff_status parse_tensor(const ad_safetensors *st, const cJSON *e, uint64_t data_start,
                                  ad_st_tensor *t)
{
    const char *name = e->string;
    char b[96];
    if (!cJSON_IsObject(e))
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' is %s, not an object", st->path, name,
                       json_desc(e, b, sizeof b));
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    if (!dt)
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' has no 'dtype'", st->path, name);
    if (!cJSON_IsString(dt))
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' 'dtype' is %s, not a string", st->path,
                       name, json_desc(dt, b, sizeof b));
    int d = dtype_from_name(dt->valuestring);
    if (d < 0)
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' has unknown dtype '%.32s'", st->path,
                       name, dt->valuestring);
    t->name = name;
    t->dtype = (ad_st_dtype)d;
    AD_TRY(parse_shape(st, name, cJSON_GetObjectItemCaseSensitive(e, "shape"), t));
    uint64_t begin = 0, end = 0;
    AD_TRY(parse_offsets(st, name, cJSON_GetObjectItemCaseSensitive(e, "data_offsets"),
                         st->size - data_start, &begin, &end));
    size_t es = k_dtypes[d].size;
    if (t->numel > UINT64_MAX / es || t->numel * es != end - begin)
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' has %llu bytes in data_offsets [%llu, "
                       "%llu], but its shape and dtype %s need %llu x %zu", st->path, name,
                       (unsigned long long)(end - begin), (unsigned long long)begin,
                       (unsigned long long)end, k_dtypes[d].name,
                       (unsigned long long)t->numel, es);
    t->nbytes = (size_t)(end - begin);
    t->offset = data_start + begin;
    t->data = st->base + t->offset;
    return ARDIFF_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static ardiff_status parse_metadata(const ad_safetensors *st, const cJSON *m)
{
    char b[96];
    if (!cJSON_IsObject(m))
        return ad_fail(ARDIFF_E_FORMAT, "%s: '__metadata__' is %s, not an object", st->path,
                       json_desc(m, b, sizeof b));
    int n = cJSON_GetArraySize(m);
    const char **keys = malloc(((size_t)n + 1) * sizeof *keys);
    if (!keys)
        return ad_fail(ARDIFF_E_OOM, "%s: out of memory for %d metadata keys", st->path, n);
    ardiff_status s = ARDIFF_OK;
    int k = 0;
    for (const cJSON *e = m->child; e && s == ARDIFF_OK; e = e->next) {
        keys[k++] = e->string;
        if (!cJSON_IsString(e))
            s = ad_fail(ARDIFF_E_FORMAT, "%s: __metadata__ key '%.256s' is %s, not a string",
                        st->path, e->string, json_desc(e, b, sizeof b));
    }
    /* cJSON keeps duplicate keys; a lookup would silently take the first. */
    if (s == ARDIFF_OK)
        qsort(keys, (size_t)k, sizeof *keys, cmp_str);
    for (int i = 1; i < k && s == ARDIFF_OK; i++)
        if (!strcmp(keys[i - 1], keys[i]))
            s = ad_fail(ARDIFF_E_FORMAT, "%s: duplicate __metadata__ key '%.256s'", st->path,
                        keys[i]);
    free(keys);
    return s;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const ad_st_tensor *)a)->name, ((const ad_st_tensor *)b)->name);
}

static int cmp_begin(const void *a, const void *b)
{
    const ad_st_tensor *x = *(const ad_st_tensor *const *)a, *y = *(const ad_st_tensor *const *)b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Sorts by data offset and rejects any two non-empty tensors sharing a byte. */
static ardiff_status check_overlaps(const ad_safetensors *st)
{
    const ad_st_tensor **v = malloc(((size_t)st->n + 1) * sizeof *v);
    if (!v)
        return ad_fail(ARDIFF_E_OOM, "%s: out of memory sorting %d tensors", st->path, st->n);
    int m = 0;
    for (int i = 0; i < st->n; i++)
        if (st->t[i].nbytes)
            v[m++] = &st->t[i];
    qsort(v, (size_t)m, sizeof *v, cmp_begin);
    ardiff_status s = ARDIFF_OK;
    for (int i = 1; i < m && s == ARDIFF_OK; i++) {
        const ad_st_tensor *a = v[i - 1], *b = v[i];
        if (a->offset + a->nbytes > b->offset)
            s = ad_fail(ARDIFF_E_FORMAT, "%s: tensors '%s' data_offsets [%llu, %llu] and '%s' "
                        "[%llu, %llu] overlap", st->path, a->name,
                        (unsigned long long)(a->offset - st->data_start),
                        (unsigned long long)(a->offset - st->data_start + a->nbytes), b->name,
                        (unsigned long long)(b->offset - st->data_start),
                        (unsigned long long)(b->offset - st->data_start + b->nbytes));
    }
    free(v);
    return s;
}

static ardiff_status parse_header(ad_safetensors *st)
{
    const char *path = st->path;
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | st->base[i];
    if (hlen == 0)
        return ad_fail(ARDIFF_E_FORMAT, "%s: header length is 0", path);
    if (hlen > AD_ST_MAX_HEADER)
        return ad_fail(ARDIFF_E_FORMAT, "%s: header length %llu is absurd (limit %u bytes)",
                       path, (unsigned long long)hlen, AD_ST_MAX_HEADER);
    if (hlen > st->size - 8)
        return ad_fail(ARDIFF_E_FORMAT, "%s: header length %llu is larger than the %zu bytes "
                       "after it (truncated header?)", path, (unsigned long long)hlen,
                       st->size - 8);
    const char *h = (const char *)st->base + 8;
    size_t bad = utf8_bad_at((const uint8_t *)h, (size_t)hlen);
    if (bad < hlen)
        return ad_fail(ARDIFF_E_FORMAT, "%s: header is not valid UTF-8 (byte 0x%02x at header "
                       "offset %zu)", path, (unsigned)(uint8_t)h[bad], bad);
    const char *end = NULL;
    st->root = cJSON_ParseWithLengthOpts(h, (size_t)hlen, &end, 0);
    if (!st->root) {
        const char *at = cJSON_GetErrorPtr();
        size_t off = at && at >= h && at <= h + hlen ? (size_t)(at - h) : 0;
        return ad_fail(ARDIFF_E_FORMAT, "%s: header is not well-formed JSON (near header "
                       "offset %zu)", path, off);
    }
    for (const char *p = end; p && p < h + hlen; p++) /* the writer pads with spaces */
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            return ad_fail(ARDIFF_E_FORMAT, "%s: header has trailing data after the JSON "
                           "object at header offset %zu", path, (size_t)(p - h));
    if (!cJSON_IsObject(st->root))
        return ad_fail(ARDIFF_E_FORMAT, "%s: header is not a JSON object", path);
    st->data_start = 8 + hlen;
    return ARDIFF_OK;
}

static ardiff_status parse_entries(ad_safetensors *st)
{
    uint64_t data_start = st->data_start;
    int count = 0;
    for (const cJSON *e = st->root->child; e; e = e->next)
        count++;
    st->t = calloc((size_t)count + 1, sizeof *st->t);
    if (!st->t)
        return ad_fail(ARDIFF_E_OOM, "%s: out of memory for %d tensors", st->path, count);
    for (const cJSON *e = st->root->child; e; e = e->next) {
        size_t nl = strlen(e->string);
        if (!strcmp(e->string, "__metadata__")) {
            if (st->meta)
                return ad_fail(ARDIFF_E_FORMAT, "%s: duplicate '__metadata__'", st->path);
            AD_TRY(parse_metadata(st, e));
            st->meta = e;
            continue;
        }
        if (nl == 0 || nl > AD_ST_MAX_NAME)
            return ad_fail(ARDIFF_E_FORMAT, "%s: tensor name of %zu bytes (must be 1..%d): "
                           "'%.40s...'", st->path, nl, AD_ST_MAX_NAME, e->string);
        AD_TRY(parse_tensor(st, e, data_start, &st->t[st->n]));
        st->n++;
    }
    qsort(st->t, (size_t)st->n, sizeof *st->t, cmp_name);
    for (int i = 1; i < st->n; i++)
        if (!strcmp(st->t[i - 1].name, st->t[i].name))
            return ad_fail(ARDIFF_E_FORMAT, "%s: duplicate tensor name '%s'", st->path,
                           st->t[i].name);
    return check_overlaps(st);
}

ardiff_status ad_st_open(const char *path, ad_safetensors **out)
{
    *out = NULL;
    if (!path)
        return ad_fail(ARDIFF_E_INVALID_ARG, "ad_st_open: path is NULL");
    ad_safetensors *st = calloc(1, sizeof *st);
    if (!st || !(st->path = strdup(path))) {
        free(st);
        return ad_fail(ARDIFF_E_OOM, "%s: out of memory", path);
    }
    ardiff_status s = map_file(st);
    if (s == ARDIFF_OK)
        s = parse_header(st);
    if (s == ARDIFF_OK)
        s = parse_entries(st);
    if (s != ARDIFF_OK) {
        ad_st_free(st);
        return s;
    }
    *out = st;
    return ARDIFF_OK;
}

void ad_st_free(ad_safetensors *st)
{
    if (!st)
        return;
    if (st->mapped)
        munmap((void *)st->base, st->size);
    else
        free((void *)st->base);
    cJSON_Delete(st->root);
    free(st->t);
    free(st->path);
    free(st);
}

/* ---- lookups ------------------------------------------------------------------------------ */

const char *ad_st_path(const ad_safetensors *st) { return st->path; }

int ad_st_count(const ad_safetensors *st) { return st->n; }

const ad_st_tensor *ad_st_at(const ad_safetensors *st, int i)
{
    return i >= 0 && i < st->n ? &st->t[i] : NULL;
}

const ad_st_tensor *ad_st_find(const ad_safetensors *st, const char *name)
{
    ad_st_tensor key = {.name = name};
    return bsearch(&key, st->t, (size_t)st->n, sizeof *st->t, cmp_name);
}

const char *ad_st_metadata(const ad_safetensors *st, const char *key)
{
    const cJSON *v = st->meta ? cJSON_GetObjectItemCaseSensitive(st->meta, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* "[3, 4]" into buf; a negative dim prints as "?". */
static const char *fmt_shape(char *buf, size_t n, int rank, const int64_t *dims)
{
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < rank && k < n; i++) {
        if (dims[i] < 0)
            k += (size_t)snprintf(buf + k, n - k, "%s?", i ? ", " : "");
        else
            k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? ", " : "", (long long)dims[i]);
    }
    if (k < n)
        snprintf(buf + k, n - k, "]");
    return buf;
}

ardiff_status ad_st_expect(const ad_safetensors *st, const char *name, ad_st_dtype dtype,
                           const ad_st_tensor **out, int rank, ...)
{
    if (out)
        *out = NULL;
    if (rank < 0 || rank > AD_ST_MAX_RANK)
        return ad_fail(ARDIFF_E_INVALID_ARG, "ad_st_expect: rank %d out of range", rank);
    int64_t want[AD_ST_MAX_RANK];
    va_list ap;
    va_start(ap, rank);
    for (int i = 0; i < rank; i++)
        want[i] = va_arg(ap, int);
    va_end(ap);
    const ad_st_tensor *t = ad_st_find(st, name);
    if (!t)
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' not found", st->path, name);
    int dtype_ok = dtype == AD_ST_ANY_FLOAT
                       ? (t->dtype == AD_ST_F32 || t->dtype == AD_ST_F16 || t->dtype == AD_ST_BF16)
                       : t->dtype == dtype;
    if (!dtype_ok)
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' has dtype %s, expected %s", st->path,
                       name, ad_st_dtype_name(t->dtype), ad_st_dtype_name(dtype));
    int same = t->rank == rank;
    for (int i = 0; same && i < rank; i++)
        same = want[i] < 0 || want[i] == t->shape[i];
    if (!same) {
        char have[200], exp[200];
        return ad_fail(ARDIFF_E_FORMAT, "%s: tensor '%s' has shape %s, expected %s", st->path,
                       name, fmt_shape(have, sizeof have, t->rank, t->shape),
                       fmt_shape(exp, sizeof exp, rank, want));
    }
    if (out)
        *out = t;
    return ARDIFF_OK;
}

ardiff_status ad_st_read_f32(const ad_st_tensor *t, float *dst)
{
    const uint8_t *p = t->data;
    switch (t->dtype) {
    case AD_ST_F32:
        for (uint64_t i = 0; i < t->numel; i++, p += 4) /* little-endian on any host */
            dst[i] = bits_f32((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                              (uint32_t)p[3] << 24);
        return ARDIFF_OK;
    case AD_ST_F16:
        for (uint64_t i = 0; i < t->numel; i++, p += 2)
            dst[i] = ad_f16_to_f32((uint16_t)(p[0] | p[1] << 8));
        return ARDIFF_OK;
    case AD_ST_BF16:
        for (uint64_t i = 0; i < t->numel; i++, p += 2)
            dst[i] = ad_bf16_to_f32((uint16_t)(p[0] | p[1] << 8));
        return ARDIFF_OK;
    default:
        return ad_fail(ARDIFF_E_UNSUPPORTED, "tensor '%s' has dtype %s, which cannot be read as "
                       "float32 (F32, F16 or BF16 expected)", t->name,
                       ad_st_dtype_name(t->dtype));
    }
}
