/* utf8.c: strict UTF-8 codec and lookups into the generated Unicode tables. */
#include "utf8.h"

#include <string.h>

#include "core/error.h"
#include "unicode_tables.h"

/* Length of the sequence a lead byte starts and the smallest code point it may encode. */
static int lead_info(unsigned char b, uint32_t *cp, uint32_t *min)
{
    if (b < 0x80) { *cp = b; *min = 0; return 1; }
    if ((b & 0xE0) == 0xC0) { *cp = b & 0x1F; *min = 0x80; return 2; }
    if ((b & 0xF0) == 0xE0) { *cp = b & 0x0F; *min = 0x800; return 3; }
    if ((b & 0xF8) == 0xF0) { *cp = b & 0x07; *min = 0x10000; return 4; }
    return 0; /* a continuation byte or 0xF8..0xFF */
}

long ad_utf8_decode(const char *s, size_t len, uint32_t *cps, size_t *bad_offset)
{
    const unsigned char *u = (const unsigned char *)s;
    long n = 0;
    size_t i = 0;
    while (i < len) {
        uint32_t cp, min;
        int k = lead_info(u[i], &cp, &min);
        if (k == 0 || i + (size_t)k > len)
            goto bad;
        for (int j = 1; j < k; j++) {
            if ((u[i + j] & 0xC0) != 0x80)
                goto bad;
            cp = (cp << 6) | (u[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto bad;
        if (cps)
            cps[n] = cp;
        n++;
        i += (size_t)k;
    }
    return n;
bad:
    if (bad_offset)
        *bad_offset = i;
    return -1;
}

ardiff_status ad_utf8_decode_text(const char *s, size_t len, uint32_t *cps, size_t *n)
{
    size_t bad = 0;
    long k = ad_utf8_decode(s, len, cps, &bad);
    *n = k < 0 ? 0 : (size_t)k;
    if (k < 0)
        return ad_fail(ARDIFF_E_FORMAT, "invalid UTF-8 at byte %zu", bad);
    return ARDIFF_OK;
}

/* The sequence a lead byte starts: its continuation count and the range of its second byte
 * (narrower after E0, ED, F0, F4: no overlong forms, surrogates or code points past U+10FFFF).
 * 0 for a byte that starts nothing. */
static int lead_range(unsigned char b, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) return 1;
    if (b == 0xE0) { *lo = 0xA0; return 2; }
    if (b == 0xED) { *hi = 0x9F; return 2; }
    if (b >= 0xE1 && b <= 0xEF) return 2;
    if (b == 0xF0) { *lo = 0x90; return 3; }
    if (b == 0xF4) { *hi = 0x8F; return 3; }
    if (b >= 0xF1 && b <= 0xF3) return 3;
    return 0;
}

size_t ad_utf8_lossy(const unsigned char *in, size_t n, char *out)
{
    size_t i = 0, w = 0;
    while (i < n) {
        unsigned char lo, hi;
        if (in[i] < 0x80) {
            out[w++] = (char)in[i++];
            continue;
        }
        int need = lead_range(in[i], &lo, &hi);
        size_t j = i + 1;
        if (need > 0 && j < n && in[j] >= lo && in[j] <= hi) {
            j++;
            while ((int)(j - i) <= need && j < n && (in[j] & 0xC0) == 0x80)
                j++;
        }
        if (need > 0 && (int)(j - i) == need + 1) {
            memcpy(out + w, in + i, j - i);
            w += j - i;
        } else {
            w += (size_t)ad_utf8_encode(0xFFFD, out + w);
        }
        i = j;
    }
    return w;
}

int ad_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

static int in_ranges(const ad_uc_range *r, int n, uint32_t cp)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cp < r[mid].lo) hi = mid - 1;
        else if (cp > r[mid].hi) lo = mid + 1;
        else return 1;
    }
    return 0;
}

/* Index of key in a sorted pair table, or -1. */
static int find_pair(const ad_uc_pair *p, int n, uint32_t key)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (key < p[mid].key) hi = mid - 1;
        else if (key > p[mid].key) lo = mid + 1;
        else return mid;
    }
    return -1;
}

int ad_uc_is_mn(uint32_t cp) { return cp >= 0x300 && in_ranges(ad_uc_mn, ad_uc_mn_n, cp); }
int ad_uc_is_control(uint32_t cp) { return in_ranges(ad_uc_control, ad_uc_control_n, cp); }
int ad_uc_is_punct(uint32_t cp) { return in_ranges(ad_uc_punct, ad_uc_punct_n, cp); }
int ad_uc_is_space(uint32_t cp) { return in_ranges(ad_uc_space, ad_uc_space_n, cp); }
int ad_uc_is_rx_letter(uint32_t cp) { return in_ranges(ad_uc_rx_letter, ad_uc_rx_letter_n, cp); }
int ad_uc_is_rx_number(uint32_t cp) { return in_ranges(ad_uc_rx_number, ad_uc_rx_number_n, cp); }
int ad_uc_is_rx_space(uint32_t cp) { return in_ranges(ad_uc_rx_space, ad_uc_rx_space_n, cp); }
const char *ad_uc_version(void) { return ad_uc_unicode_version; }

uint32_t ad_uc_lower1(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    if (cp == 0x130)
        return 'i'; /* str.lower() gives "i\u0307"; callers that need the mark add it */
    int i = find_pair(ad_uc_lower, ad_uc_lower_n, cp);
    return i < 0 ? cp : ad_uc_lower[i].value;
}

int ad_uc_nfd_strip(uint32_t cp, uint32_t out[4])
{
    enum { SBASE = 0xAC00, LBASE = 0x1100, VBASE = 0x1161, TBASE = 0x11A7, TCOUNT = 28,
           NCOUNT = 588, SCOUNT = 11172 };
    if (cp >= SBASE && cp < SBASE + SCOUNT) { /* Hangul: L V (T), none of them Mn */
        uint32_t s = cp - SBASE;
        out[0] = LBASE + s / NCOUNT;
        out[1] = VBASE + (s % NCOUNT) / TCOUNT;
        if (s % TCOUNT == 0)
            return 2;
        out[2] = TBASE + s % TCOUNT;
        return 3;
    }
    if (cp < 0xC0) { /* nothing below U+00C0 decomposes (and nothing there is Mn) */
        out[0] = cp;
        return 1;
    }
    if (ad_uc_is_mn(cp))
        return 0;
    int i = find_pair(ad_uc_nfd, ad_uc_nfd_n, cp);
    if (i < 0) {
        out[0] = cp;
        return 1;
    }
    uint32_t off = ad_uc_nfd[i].value >> 4, len = ad_uc_nfd[i].value & 15;
    for (uint32_t j = 0; j < len && j < 4; j++)
        out[j] = ad_uc_nfd_pool[off + j];
    return (int)(len < 4 ? len : 4);
}
