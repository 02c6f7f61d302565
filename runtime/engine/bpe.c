/* bpe.c: byte-level BPE: the vocabulary and merge tables, encoding by merge rank, decoding
 * (see bpe.h; the split pattern and the byte map are in bpe_pretok.c, the file readers in
 * bpe_load.c). */
#include "bpe_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "utf8.h"

const char *const ad_bpe_special_names[AD_BPE_N_SPECIAL] = {"<pad>", "<s>", "</s>", "<unk>",
                                                             "<mask>"};

/* ---- merge table: (left id, right id) -> (rank, merged id) -------------------------------- */

static uint32_t hash_pair(int32_t a, int32_t b)
{
    uint64_t k = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return (uint32_t)k;
}

static const bpe_merge *find_merge(const ad_bpe *bpe, int32_t a, int32_t b)
{
    for (uint32_t i = hash_pair(a, b) & bpe->merge_mask;; i = (i + 1) & bpe->merge_mask) {
        const bpe_merge *m = &bpe->merges[i];
        if (m->left < 0)
            return NULL;
        if (m->left == a && m->right == b)
            return m;
    }
}

void bpe_put_merge(ad_bpe *bpe, int32_t a, int32_t b, int32_t rank, int32_t merged)
{
    uint32_t i = hash_pair(a, b) & bpe->merge_mask;
    while (bpe->merges[i].left >= 0 && !(bpe->merges[i].left == a && bpe->merges[i].right == b))
        i = (i + 1) & bpe->merge_mask;
    bpe->merges[i] = (bpe_merge){a, b, rank, merged}; /* a pair listed again: the later rank */
}

/* ---- accessors ------------------------------------------------------------------------------ */

int ad_bpe_vocab_size(const ad_bpe *bpe) { return bpe->vocab.n; }
int ad_bpe_merge_count(const ad_bpe *bpe) { return bpe->n_merges; }

int32_t ad_bpe_id(const ad_bpe *bpe, const char *token)
{
    return ad_vocabmap_find(&bpe->vocab, token, strlen(token));
}

const char *ad_bpe_token(const ad_bpe *bpe, int32_t id)
{
    return ad_vocabmap_token(&bpe->vocab, id);
}

int ad_bpe_is_special(const ad_bpe *bpe, int32_t id)
{
    for (int s = 0; s < AD_BPE_N_SPECIAL; s++)
        if (bpe->special[s] >= 0 && bpe->special[s] == id)
            return 1;
    return 0;
}

/* ---- encoding: merges by rank ------------------------------------------------------------- */

typedef struct symbol {
    int32_t id;
    int32_t prev, next; /* neighbours' indices, -1 at the ends */
    int32_t alive;      /* 0 once merged into its left neighbour */
} symbol;

typedef struct queued {
    int32_t rank, pos, merged; /* a candidate merge of symbol pos with its right neighbour */
} queued;

typedef struct workspace {
    symbol *sym;
    queued *heap;
    size_t cap, n_heap; /* cap: symbols; the heap holds up to 3 * cap (see merge_word) */
} workspace;

/* Heap order: lower rank first, then the leftmost (tokenizers' Merge ordering). */
static int before(const queued *x, const queued *y)
{
    return x->rank != y->rank ? x->rank < y->rank : x->pos < y->pos;
}

static void heap_push(workspace *w, queued q)
{
    size_t i = w->n_heap++;
    while (i > 0 && before(&q, &w->heap[(i - 1) / 2])) {
        w->heap[i] = w->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    w->heap[i] = q;
}

static queued heap_pop(workspace *w)
{
    queued top = w->heap[0], last = w->heap[--w->n_heap];
    size_t i = 0, n = w->n_heap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && before(&w->heap[c + 1], &w->heap[c]))
            c++;
        if (!before(&w->heap[c], &last))
            break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    if (n > 0)
        w->heap[i] = last;
    return top;
}

/* Queues the merge of symbol pos with its right neighbour, if the pair is listed. */
static void queue_pair(const ad_bpe *bpe, workspace *w, int32_t pos)
{
    if (pos < 0 || w->sym[pos].next < 0)
        return;
    int32_t next = w->sym[pos].next;
    const bpe_merge *m = find_merge(bpe, w->sym[pos].id, w->sym[next].id);
    if (m)
        heap_push(w, (queued){m->rank, pos, m->merged});
}

/* Merges the symbols w->sym[0..n) in place. Each merge queues at most two pairs, so the heap
 * never holds more than (n - 1) + 2 (n - 1) entries. */
static void merge_word(const ad_bpe *bpe, workspace *w, int32_t n)
{
    w->n_heap = 0;
    for (int32_t i = 0; i + 1 < n; i++)
        queue_pair(bpe, w, i);
    while (w->n_heap > 0) {
        queued q = heap_pop(w);
        symbol *s = &w->sym[q.pos];
        if (!s->alive || s->next < 0)
            continue;
        symbol *r = &w->sym[s->next];
        const bpe_merge *m = find_merge(bpe, s->id, r->id);
        if (!m || m->merged != q.merged) /* a stale entry: the pair has changed since */
            continue;
        s->id = q.merged;
        r->alive = 0;
        s->next = r->next;
        if (r->next >= 0)
            w->sym[r->next].prev = q.pos;
        queue_pair(bpe, w, s->prev);
        queue_pair(bpe, w, q.pos);
    }
}

static void emit(int32_t id, int32_t *ids, int max_ids, int *count)
{
    if (*count < max_ids)
        ids[*count] = id;
    (*count)++;
}

static int grow(workspace *w, size_t need)
{
    if (need <= w->cap)
        return 1;
    size_t cap = need < 256 ? 256 : need;
    symbol *sym = realloc(w->sym, sizeof(symbol) * cap);
    if (sym)
        w->sym = sym;
    queued *heap = realloc(w->heap, sizeof(queued) * 3 * cap);
    if (heap)
        w->heap = heap;
    if (!sym || !heap)
        return 0;
    w->cap = cap;
    return 1;
}

/* Encodes one piece: its bytes as byte-level symbols, merged. */
static int encode_piece(const ad_bpe *bpe, workspace *w, const unsigned char *bytes, size_t len,
                        int32_t *ids, int max_ids, int *count)
{
    if (!grow(w, len))
        return 0;
    int32_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int32_t id = bpe->byte_id[bytes[i]];
        if (id < 0)
            continue; /* no token for this byte: dropped, as tokenizers does without unk */
        w->sym[n] = (symbol){id, n - 1, -1, 1};
        if (n > 0)
            w->sym[n - 1].next = n;
        n++;
    }
    merge_word(bpe, w, n);
    for (int32_t i = 0; i < n; i++)
        if (w->sym[i].alive)
            emit(w->sym[i].id, ids, max_ids, count);
    return 1;
}

static int utf8_len(uint32_t cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

ardiff_status ad_bpe_encode(const ad_bpe *bpe, const char *text, size_t len, int32_t *ids,
                            int max_ids, int *n_ids)
{
    *n_ids = 0;
    if (len >= (size_t)INT32_MAX) /* ids and symbol positions are counted in int */
        return ad_fail(ARDIFF_E_INVALID_ARG, "tokenizer: a %zu-byte text is too long", len);
    uint32_t *cps = malloc(sizeof(uint32_t) * (len + 1));
    if (!cps)
        return ad_fail(ARDIFF_E_OOM, "tokenizer: out of memory for %zu bytes of text", len);
    size_t n = 0;
    ardiff_status st = ad_utf8_decode_text(text, len, cps, &n);
    if (st != ARDIFF_OK) {
        free(cps);
        return st;
    }
    workspace w = {0};
    int count = 0, ok = 1;
    size_t byte = 0;
    for (size_t i = 0; i < n && ok;) {
        size_t end = bpe_piece_end(cps, n, i), bytes = 0;
        for (; i < end; i++)
            bytes += (size_t)utf8_len(cps[i]);
        ok = encode_piece(bpe, &w, (const unsigned char *)text + byte, bytes, ids, max_ids,
                          &count);
        byte += bytes;
    }
    free(cps);
    free(w.sym);
    free(w.heap);
    if (!ok)
        return ad_fail(ARDIFF_E_OOM, "tokenizer: out of memory for a %zu-byte text", len);
    *n_ids = count;
    return ARDIFF_OK;
}

/* ---- decoding --------------------------------------------------------------------------- */

/* Decodes the code point at s (valid UTF-8: tokens are checked at load); returns its length. */
static size_t next_cp(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    size_t k = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : 2;
    uint32_t c = u[0] & (0x7F >> k);
    for (size_t j = 1; j < k; j++)
        c = (c << 6) | (u[j] & 0x3F);
    *cp = c;
    return k;
}

/* Appends the bytes id stands for: each character's byte, or, if one of its characters
 * stands for no byte, the token's own UTF-8. */
static size_t token_bytes(const ad_bpe *bpe, int32_t id, unsigned char *out)
{
    const char *t = bpe->vocab.tokens[id];
    size_t len = bpe->vocab.lens[id], w = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = next_cp(t + i, &cp);
        int b = cp < BPE_MAP_CHARS ? bpe->char_byte[cp] : -1; /* -1: stands for no byte */
        if (b < 0) {
            memcpy(out, t, len);
            return len;
        }
        out[w++] = (unsigned char)b;
        i += k;
    }
    return w;
}

ardiff_status ad_bpe_decode(const ad_bpe *bpe, const int32_t *ids, int n, int strip_special,
                            char *out, size_t cap, size_t *len)
{
    size_t need = 0;
    AD_TRY(ad_vocabmap_check_ids(&bpe->vocab, ids, n, &need));
    unsigned char *raw = malloc(need + 1);
    char *s = malloc(3 * need + 1); /* an invalid byte becomes U+FFFD: 3 bytes */
    if (!raw || !s) {
        free(raw);
        free(s);
        return ad_fail(ARDIFF_E_OOM, "decode: out of memory");
    }
    size_t r = 0;
    for (int i = 0; i < n; i++)
        r += token_bytes(bpe, ids[i], raw + r);
    size_t w = ad_utf8_lossy(raw, r, s);
    s[w] = '\0';
    free(raw);
    for (int k = 0; strip_special && k < AD_BPE_N_SPECIAL; k++)
        w = ad_text_replace_all(s, w, ad_bpe_special_names[k], "");
    return ad_text_hand_out(s, w, out, cap, len);
}
