/* mbr.c: pymteval sentence BLEU and MBR selection (definition in tools/ardiff_ref/bleu.py). */
#include "mbr.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "utf8.h"

#define MAX_N 4

/* ---- tokenisation on code point arrays ------------------------------------------------------ */

typedef struct cpbuf {
    uint32_t *v;
    size_t n;
} cpbuf;

/* Python's s.replace(from, to) for ASCII from/to with len(to) <= len(from), in place. */
static void replace_ascii(cpbuf *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), r = 0, w = 0;
    while (r < s->n) {
        size_t k = 0;
        while (k < fl && r + k < s->n && s->v[r + k] == (unsigned char)from[k])
            k++;
        if (k == fl) {
            for (size_t j = 0; j < tl; j++)
                s->v[w++] = (unsigned char)to[j];
            r += fl;
        } else {
            s->v[w++] = s->v[r++];
        }
    }
    s->n = w;
}

/* mteval's punctuation class: ASCII 32-38, 40-43, 47, 58-64, 91-96, 123-126. */
static int is_mteval_punct(uint32_t c)
{
    return (c >= 32 && c <= 38) || (c >= 40 && c <= 43) || c == 47 || (c >= 58 && c <= 64) ||
           (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
}

static int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }
static int is_dot_comma(uint32_t c) { return c == '.' || c == ','; }

enum pair_rule { NONDIGIT_DOT, DOT_NONDIGIT, DIGIT_DASH };

/* One re.sub pass over non-overlapping two-code-point matches, left to right:
 *   NONDIGIT_DOT  "X." -> "X . "    DOT_NONDIGIT  ".X" -> " . X"    DIGIT_DASH  "9-" -> "9 - "
 * out needs room for 2 * in->n code points. */
static void pair_pass(const cpbuf *in, cpbuf *out, enum pair_rule rule)
{
    size_t w = 0;
    for (size_t i = 0; i < in->n;) {
        uint32_t a = in->v[i], b = i + 1 < in->n ? in->v[i + 1] : 0;
        int hit = i + 1 < in->n &&
                  ((rule == NONDIGIT_DOT && !is_digit(a) && is_dot_comma(b)) ||
                   (rule == DOT_NONDIGIT && is_dot_comma(a) && !is_digit(b)) ||
                   (rule == DIGIT_DASH && is_digit(a) && b == '-'));
        if (!hit) {
            out->v[w++] = in->v[i++];
            continue;
        }
        if (rule == DOT_NONDIGIT)
            out->v[w++] = ' ';
        out->v[w++] = a;
        out->v[w++] = ' ';
        out->v[w++] = b;
        if (rule != DOT_NONDIGIT)
            out->v[w++] = ' ';
        i += 2;
    }
    out->n = w;
}

/* Tokens as (start, length) in a code point array. */
typedef struct span {
    size_t start, len;
} span;

/* The mteval-13a tokenisation of s[0..len): *cps receives the final code points, *spans the
 * tokens (always at least one). Returns ARDIFF_OK or an error naming the byte offset. */
static ardiff_status tokenize(const char *s, size_t len, cpbuf *cps, span **spans, int *n_spans)
{
    /* Spacing the punctuation at most triples the length (+2 pad); each pair pass adds at most
     * two spaces per '.', ',' or '-', and there are at most len of those. */
    size_t cap = 9 * len + 16;
    uint32_t *a = malloc(sizeof(uint32_t) * cap), *b = malloc(sizeof(uint32_t) * cap);
    span *sp = NULL;
    if (!a || !b)
        goto oom;
    size_t n = 0;
    ardiff_status st = ad_utf8_decode_text(s, len, a, &n);
    if (st != ARDIFF_OK) {
        free(a);
        free(b);
        return st;
    }
    cpbuf x = {a, n}, y = {b, 0};
    static const char *const entities[][2] = {{"<skipped>", ""}, {"-\n", ""}, {"\n", " "},
        {"&quot;", "\""}, {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}};
    for (size_t i = 0; i < sizeof entities / sizeof entities[0]; i++)
        replace_ascii(&x, entities[i][0], entities[i][1]);
    y.v[y.n++] = ' '; /* pad, and space out the punctuation */
    for (size_t i = 0; i < x.n; i++) {
        if (is_mteval_punct(x.v[i])) {
            y.v[y.n++] = ' ';
            y.v[y.n++] = x.v[i];
            y.v[y.n++] = ' ';
        } else {
            y.v[y.n++] = x.v[i];
        }
    }
    y.v[y.n++] = ' ';
    pair_pass(&y, &x, NONDIGIT_DOT);
    pair_pass(&x, &y, DOT_NONDIGIT);
    pair_pass(&y, &x, DIGIT_DASH);
    sp = malloc(sizeof(span) * (x.n / 2 + 2));
    if (!sp)
        goto oom;
    int k = 0;
    for (size_t i = 0; i < x.n;) { /* split on Unicode whitespace (str.split()) */
        if (ad_uc_is_space(x.v[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < x.n && !ad_uc_is_space(x.v[j]))
            j++;
        sp[k].start = i;
        sp[k++].len = j - i;
        i = j;
    }
    if (k == 0) { /* "".split(" ") == [""] */
        sp[0].start = 0;
        sp[k++].len = 0;
    }
    free(b);
    *cps = x;
    *spans = sp;
    *n_spans = k;
    return ARDIFF_OK;
oom:
    free(a);
    free(b);
    free(sp);
    return ad_fail(ARDIFF_E_OOM, "mbr: out of memory tokenizing %zu bytes", len);
}

ardiff_status ad_mbr_tokenize(const char *s, char *out, size_t cap, int *n_tokens)
{
    cpbuf cps;
    span *sp;
    int n;
    AD_TRY(tokenize(s, strlen(s), &cps, &sp, &n));
    size_t w = 0;
    ardiff_status st = ARDIFF_OK;
    for (int t = 0; t < n && st == ARDIFF_OK; t++) {
        for (size_t i = 0; i <= sp[t].len && st == ARDIFF_OK; i++) {
            char enc[4];
            int m = i < sp[t].len ? ad_utf8_encode(cps.v[sp[t].start + i], enc) : 1;
            if (i == sp[t].len)
                enc[0] = t + 1 < n ? ' ' : '\0';
            if (w + (size_t)m > cap)
                st = ad_fail(ARDIFF_E_INVALID_ARG, "mbr: token buffer of %zu bytes too small", cap);
            else
                memcpy(out + w, enc, (size_t)m), w += (size_t)m;
        }
    }
    *n_tokens = n;
    free(cps.v);
    free(sp);
    return st;
}

/* ---- interning lowercased tokens ------------------------------------------------------------ */

typedef struct interner {
    char **keys;     /* [cap] owned strings, NULL = empty slot */
    int32_t *ids;    /* [cap] */
    size_t cap, count;
} interner;

static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void interner_free(interner *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->keys[i]);
    free(t->keys);
    free(t->ids);
}

/* Id of the string s[0..n), adding it if new; -1 on out of memory. */
static int32_t intern(interner *t, const char *s, size_t n)
{
    if (2 * (t->count + 1) > t->cap) { /* grow and rehash */
        interner g = {calloc(t->cap ? 2 * t->cap : 256, sizeof(char *)),
                      malloc(sizeof(int32_t) * (t->cap ? 2 * t->cap : 256)),
                      t->cap ? 2 * t->cap : 256, t->count};
        if (!g.keys || !g.ids) {
            free(g.keys);
            free(g.ids);
            return -1;
        }
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->keys[i])
                continue;
            size_t j = fnv1a(t->keys[i], strlen(t->keys[i])) & (g.cap - 1);
            while (g.keys[j])
                j = (j + 1) & (g.cap - 1);
            g.keys[j] = t->keys[i];
            g.ids[j] = t->ids[i];
        }
        free(t->keys);
        free(t->ids);
        *t = g;
    }
    size_t j = fnv1a(s, n) & (t->cap - 1);
    for (; t->keys[j]; j = (j + 1) & (t->cap - 1))
        if (strlen(t->keys[j]) == n && memcmp(t->keys[j], s, n) == 0)
            return t->ids[j];
    if (!(t->keys[j] = malloc(n + 1)))
        return -1;
    memcpy(t->keys[j], s, n);
    t->keys[j][n] = '\0';
    t->ids[j] = (int32_t)t->count++;
    return t->ids[j];
}

/* ---- n-gram statistics ---------------------------------------------------------------------- */

typedef struct ngram {
    int32_t t[MAX_N]; /* token ids, -1 past n */
    int32_t count;
} ngram;

typedef struct sentence {
    int len;                 /* tokens */
    ngram *grams[MAX_N];     /* [n-1]: sorted unique n-grams with counts */
    int n_grams[MAX_N];
} sentence;

static int cmp_ngram(const void *pa, const void *pb)
{
    const ngram *a = pa, *b = pb;
    for (int i = 0; i < MAX_N; i++)
        if (a->t[i] != b->t[i])
            return a->t[i] < b->t[i] ? -1 : 1;
    return 0;
}

static ardiff_status build_ngrams(sentence *s, const int32_t *ids)
{
    for (int n = 1; n <= MAX_N; n++) {
        int m = s->len - n + 1 > 0 ? s->len - n + 1 : 0;
        ngram *g = malloc(sizeof(ngram) * (size_t)(m > 0 ? m : 1));
        if (!g)
            return ad_fail(ARDIFF_E_OOM, "mbr: out of memory");
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < MAX_N; j++)
                g[i].t[j] = j < n ? ids[i + j] : -1;
            g[i].count = 1;
        }
        qsort(g, (size_t)m, sizeof(ngram), cmp_ngram);
        int u = 0; /* merge equal neighbours */
        for (int i = 0; i < m; i++) {
            if (u > 0 && cmp_ngram(&g[u - 1], &g[i]) == 0)
                g[u - 1].count++;
            else
                g[u++] = g[i];
        }
        s->grams[n - 1] = g;
        s->n_grams[n - 1] = u;
    }
    return ARDIFF_OK;
}

/* Tokenizes, lowercases (str.lower per token) and interns one string into s. */
static ardiff_status analyse(const char *text, interner *in, sentence *s)
{
    cpbuf cps;
    span *sp;
    int n;
    AD_TRY(tokenize(text, strlen(text), &cps, &sp, &n));
    ardiff_status st = ARDIFF_OK;
    int32_t *ids = malloc(sizeof(int32_t) * (size_t)n);
    char *buf = malloc(8 * cps.n + 8); /* lowercasing may add U+0307 after an 'i' */
    if (!ids || !buf)
        st = ad_fail(ARDIFF_E_OOM, "mbr: out of memory");
    for (int t = 0; t < n && st == ARDIFF_OK; t++) {
        size_t w = 0;
        for (size_t i = 0; i < sp[t].len; i++) {
            uint32_t c = cps.v[sp[t].start + i];
            w += (size_t)ad_utf8_encode(ad_uc_lower1(c), buf + w);
            if (c == 0x130) /* 'İ'.lower() == 'i' + U+0307 */
                w += (size_t)ad_utf8_encode(0x307, buf + w);
        }
        ids[t] = intern(in, buf, w);
        if (ids[t] < 0)
            st = ad_fail(ARDIFF_E_OOM, "mbr: out of memory");
    }
    s->len = n;
    if (st == ARDIFF_OK)
        st = build_ngrams(s, ids);
    free(ids);
    free(buf);
    free(cps.v);
    free(sp);
    return st;
}

static void sentence_free(sentence *s)
{
    for (int n = 0; n < MAX_N; n++)
        free(s->grams[n]);
}

/* Clipped matches: sum over hypothesis n-grams of min(count in hyp, count in ref). */
static long clipped_hits(const ngram *h, int nh, const ngram *r, int nr)
{
    long hits = 0;
    for (int i = 0, j = 0; i < nh && j < nr;) {
        int c = cmp_ngram(&h[i], &r[j]);
        if (c == 0) {
            hits += h[i].count < r[j].count ? h[i].count : r[j].count;
            i++;
            j++;
        } else if (c < 0) {
            i++;
        } else {
            j++;
        }
    }
    return hits;
}

/* The pymteval formula, operation for operation (see tools/ardiff_ref/bleu.py). */
static double bleu(const sentence *h, const sentence *r)
{
    double log_sum = 0.0;
    for (int n = 1; n <= MAX_N; n++) {
        long hits = clipped_hits(h->grams[n - 1], h->n_grams[n - 1], r->grams[n - 1],
                                 r->n_grams[n - 1]);
        double num = (double)hits + 1.0, den = (double)(h->len - n + 1) + 1.0;
        num = num > 1e-15 ? num : 1e-15;
        den = den > 1e-9 ? den : 1e-9;
        log_sum += log(num / den);
    }
    double bp = 1.0;
    if (h->len <= r->len)
        bp = exp(1.0 - (double)r->len / (h->len ? (double)h->len : 1e-5));
    return bp * exp((1.0 / MAX_N) * log_sum);
}

ardiff_status ad_mbr_bleu(const char *hyp, const char *ref, double *out)
{
    interner in = {0};
    sentence s[2] = {{0}};
    ardiff_status st = analyse(hyp, &in, &s[0]);
    if (st == ARDIFF_OK)
        st = analyse(ref, &in, &s[1]);
    if (st == ARDIFF_OK)
        *out = bleu(&s[0], &s[1]);
    sentence_free(&s[0]);
    sentence_free(&s[1]);
    interner_free(&in);
    return st;
}

/* ---- selection ------------------------------------------------------------------------------ */

/* numpy's pairwise summation (npy_pairwise_sum, block size 128), so means match np.mean. */
static double pairwise_sum(const double *x, int n)
{
    if (n < 8) {
        double s = 0.0;
        for (int i = 0; i < n; i++)
            s += x[i];
        return s;
    }
    if (n <= 128) {
        double r[8];
        int i;
        for (i = 0; i < 8; i++)
            r[i] = x[i];
        for (; i < n - n % 8; i += 8)
            for (int j = 0; j < 8; j++)
                r[j] += x[i + j];
        double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            s += x[i];
        return s;
    }
    int half = n / 2;
    half -= half % 8;
    return pairwise_sum(x, half) + pairwise_sum(x + half, n - half);
}

ardiff_status ad_mbr_select(const char *const *cands, int k, double *scores, int *choice)
{
    if (k < 1)
        return ad_fail(ARDIFF_E_INVALID_ARG, "mbr: need at least one candidate, got %d", k);
    *choice = 0;
    if (k == 1) {
        if (scores)
            scores[0] = 0.0;
        return ARDIFF_OK;
    }
    interner in = {0};
    sentence *s = calloc((size_t)k, sizeof(sentence));
    double *util = malloc(sizeof(double) * (size_t)k);
    ardiff_status st = (s && util) ? ARDIFF_OK : ad_fail(ARDIFF_E_OOM, "mbr: out of memory");
    for (int j = 0; j < k && st == ARDIFF_OK; j++)
        if ((st = analyse(cands[j], &in, &s[j])) != ARDIFF_OK)
            ad_fail_prefix(st, "mbr: candidate %d", j);
    double best = 0.0;
    for (int j = 0; j < k && st == ARDIFF_OK; j++) {
        int u = 0;
        for (int m = 0; m < k; m++) /* candidate j is the reference */
            if (m != j)
                util[u++] = bleu(&s[m], &s[j]);
        double score = (0.0 + pairwise_sum(util, u)) / (double)u;
        if (scores)
            scores[j] = score;
        if (j == 0 || score >= best) { /* ties go to the highest index */
            best = score;
            *choice = j;
        }
    }
    for (int j = 0; s && j < k; j++)
        sentence_free(&s[j]);
    free(s);
    free(util);
    interner_free(&in);
    return st;
}

/* ---- the repeats = avoid rule ------------------------------------------------------------- */

static int word_cp(uint32_t c) { return ad_uc_is_rx_letter(c) || ad_uc_is_rx_number(c); }

int ad_has_repeat(const char *s)
{
    size_t len = strlen(s), bad = 0, n = 0;
    uint32_t *cp = malloc(sizeof(uint32_t) * (len + 1));
    if (!cp) return 0;
    long got = ad_utf8_decode(s, len, cp, &bad);
    if (got < 0) {
        free(cp);
        return 0;
    }
    n = (size_t)got;
    for (size_t i = 0; i < n; i++) cp[i] = ad_uc_lower1(cp[i]);
    size_t pa = 0, la = 0; /* the previous word: start, length (la 0: none yet) */
    int rep = 0;
    for (size_t i = 0; i < n && !rep;) {
        if (!word_cp(cp[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && word_cp(cp[j])) j++;
        rep = la == j - i && !memcmp(cp + pa, cp + i, sizeof(uint32_t) * la);
        pa = i;
        la = j - i;
        i = j;
    }
    free(cp);
    return rep;
}

int ad_mbr_avoid_repeats(const char *const *cands, int k, const double *scores, int choice)
{
    int pick = -1;
    for (int j = 0; j < k; j++)
        if (!ad_has_repeat(cands[j]) && (pick < 0 || scores[j] >= scores[pick])) pick = j;
    return pick < 0 ? choice : pick;
}
