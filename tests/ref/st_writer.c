/* st_writer.c: the test-side .safetensors writer (see st_writer.h). */
#include "ref/st_writer.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct stw_tensor {
    char name[300], dtype[16];
    int rank;
    int64_t shape[16];
    uint8_t *data;
    size_t nbytes;
} stw_tensor;

struct stw {
    stw_tensor *t;
    int n;
    char meta[4096]; /* '"k":"v",' pairs, written inside __metadata__ */
};

stw *stw_new(void) { return calloc(1, sizeof(stw)); }

void stw_free(stw *w)
{
    if (!w)
        return;
    for (int i = 0; i < w->n; i++)
        free(w->t[i].data);
    free(w->t);
    free(w);
}

void stw_add(stw *w, const char *name, const char *dtype, int rank, const int64_t *shape,
             const void *data, size_t nbytes)
{
    stw_tensor *nt = realloc(w->t, (size_t)(w->n + 1) * sizeof *nt);
    if (!nt)
        return;
    w->t = nt;
    stw_tensor *t = &w->t[w->n++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->dtype, sizeof t->dtype, "%s", dtype);
    t->rank = rank;
    if (rank > 0)
        memcpy(t->shape, shape, (size_t)rank * sizeof *shape);
    t->data = malloc(nbytes ? nbytes : 1);
    if (t->data && nbytes)
        memcpy(t->data, data, nbytes);
    t->nbytes = nbytes;
}

void stw_meta(stw *w, const char *key, const char *value)
{
    size_t k = strlen(w->meta);
    snprintf(w->meta + k, sizeof w->meta - k, "\"%s\":\"%s\",", key, value);
}

/* Appends printf output to a growing string; 0 on success. */
static int append(char **s, size_t *len, size_t *cap, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(*s ? *s + *len : NULL, *s ? *cap - *len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return -1;
        if (*s && *len + (size_t)n < *cap) {
            *len += (size_t)n;
            return 0;
        }
        size_t nc = (*cap + (size_t)n + 1) * 2;
        char *ns = realloc(*s, nc);
        if (!ns)
            return -1;
        *s = ns;
        *cap = nc;
    }
}

uint8_t *stw_serialize(const stw *w, size_t *size)
{
    char *h = NULL;
    size_t hl = 0, cap = 0, off = 0;
    int bad = append(&h, &hl, &cap, "{");
    if (w->meta[0]) {
        bad |= append(&h, &hl, &cap, "\"__metadata__\":{%.*s},", (int)strlen(w->meta) - 1,
                      w->meta);
    }
    for (int i = 0; i < w->n; i++) {
        const stw_tensor *t = &w->t[i];
        bad |= append(&h, &hl, &cap, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[", i ? "," : "",
                      t->name, t->dtype);
        for (int d = 0; d < t->rank; d++)
            bad |= append(&h, &hl, &cap, "%s%" PRId64, d ? "," : "", t->shape[d]);
        bad |= append(&h, &hl, &cap, "],\"data_offsets\":[%zu,%zu]}", off, off + t->nbytes);
        off += t->nbytes;
    }
    bad |= append(&h, &hl, &cap, "}");
    while (!bad && hl % 8)
        bad |= append(&h, &hl, &cap, " ");
    uint8_t *buf = bad ? NULL : malloc(8 + hl + off);
    if (buf) {
        for (int b = 0; b < 8; b++)
            buf[b] = (uint8_t)((uint64_t)hl >> (8 * b));
        memcpy(buf + 8, h, hl);
        size_t p = 8 + hl;
        for (int i = 0; i < w->n; i++) {
            memcpy(buf + p, w->t[i].data, w->t[i].nbytes);
            p += w->t[i].nbytes;
        }
        *size = 8 + hl + off;
    }
    free(h);
    return buf;
}

int stw_write_bytes(const char *path, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(bytes, 1, n, f) == n;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

int stw_write(const stw *w, const char *path)
{
    size_t n = 0;
    uint8_t *buf = stw_serialize(w, &n);
    int r = buf ? stw_write_bytes(path, buf, n) : -1;
    free(buf);
    return r;
}

int stw_write_raw(const char *path, uint64_t len_field, const char *header, size_t hlen,
                  const void *data, size_t nbytes)
{
    uint8_t *buf = malloc(8 + hlen + nbytes);
    if (!buf)
        return -1;
    for (int b = 0; b < 8; b++)
        buf[b] = (uint8_t)(len_field >> (8 * b));
    memcpy(buf + 8, header, hlen);
    if (nbytes)
        memcpy(buf + 8 + hlen, data, nbytes);
    int r = stw_write_bytes(path, buf, 8 + hlen + nbytes);
    free(buf);
    return r;
}
