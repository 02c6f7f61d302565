/* vocabmap.c: the token table and string replacement both tokenizers use (see vocabmap.h). */
#include "vocabmap.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static uint32_t hash_bytes(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

uint32_t ad_vocabmap_table_size(size_t n)
{
    uint32_t size = 16;
    while (size < 2 * n)
        size <<= 1;
    return size;
}

int ad_vocabmap_init(ad_vocabmap *m, int32_t n)
{
    memset(m, 0, sizeof *m);
    uint32_t size = ad_vocabmap_table_size((size_t)n);
    m->n = n;
    m->mask = size - 1;
    m->tokens = calloc((size_t)n, sizeof(char *));
    m->lens = calloc((size_t)n, sizeof(uint32_t));
    m->slots = malloc(sizeof(int32_t) * size);
    if (!m->tokens || !m->lens || !m->slots)
        return -1;
    memset(m->slots, 0xff, sizeof(int32_t) * size); /* all -1 */
    return 0;
}

void ad_vocabmap_free(ad_vocabmap *m)
{
    free(m->tokens);
    free(m->lens);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

int32_t ad_vocabmap_find(const ad_vocabmap *m, const char *s, size_t len)
{
    for (uint32_t i = hash_bytes(s, len) & m->mask;; i = (i + 1) & m->mask) {
        int32_t id = m->slots[i];
        if (id < 0)
            return -1;
        if (m->lens[id] == len && memcmp(m->tokens[id], s, len) == 0)
            return id;
    }
}

int32_t ad_vocabmap_add(ad_vocabmap *m, int32_t id)
{
    const char *s = m->tokens[id];
    size_t len = m->lens[id];
    uint32_t i = hash_bytes(s, len) & m->mask;
    for (; m->slots[i] >= 0; i = (i + 1) & m->mask) {
        int32_t other = m->slots[i];
        if (m->lens[other] == len && memcmp(m->tokens[other], s, len) == 0)
            return other;
    }
    m->slots[i] = id;
    return -1;
}

const char *ad_vocabmap_token(const ad_vocabmap *m, int32_t id)
{
    return (id >= 0 && id < m->n) ? m->tokens[id] : NULL;
}

ardiff_status ad_vocabmap_check_ids(const ad_vocabmap *m, const int32_t *ids, int n,
                                    size_t *bytes)
{
    *bytes = 0;
    for (int i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= m->n)
            return ad_fail(ARDIFF_E_INVALID_ARG,
                           "decode: token id %d at position %d is outside the vocabulary (%d)",
                           (int)ids[i], i, (int)m->n);
        *bytes += m->lens[ids[i]];
    }
    return ARDIFF_OK;
}

ardiff_status ad_text_hand_out(char *s, size_t w, char *out, size_t cap, size_t *len)
{
    if (len)
        *len = w;
    ardiff_status st = ARDIFF_OK;
    if (w + 1 > cap)
        st = ad_fail(ARDIFF_E_INVALID_ARG, "decode: output needs %zu bytes, buffer has %zu",
                     w + 1, cap);
    else
        memcpy(out, s, w + 1);
    free(s);
    return st;
}

size_t ad_text_replace_all(char *s, size_t n, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), r = 0, w = 0;
    while (r < n) {
        if (r + fl <= n && memcmp(s + r, from, fl) == 0) {
            memcpy(s + w, to, tl);
            w += tl;
            r += fl;
        } else {
            s[w++] = s[r++];
        }
    }
    s[w] = '\0';
    return w;
}
