/* bpe_pretok.c: the byte-level BPE pre-tokenizer (the GPT-2 split pattern, matched by hand) and
 * the GPT-2 byte-to-unicode map (see bpe.h). */
#include "bpe_internal.h"

#include "utf8.h"

enum { C_LETTER, C_NUMBER, C_SPACE, C_OTHER };

static int rx_class(uint32_t cp)
{
    if (cp < 0x80) { /* the common case without a table search */
        if ((cp | 32) >= 'a' && (cp | 32) <= 'z')
            return C_LETTER;
        if (cp >= '0' && cp <= '9')
            return C_NUMBER;
        return (cp == ' ' || (cp >= '\t' && cp <= '\r')) ? C_SPACE : C_OTHER;
    }
    if (ad_uc_is_rx_letter(cp))
        return C_LETTER;
    if (ad_uc_is_rx_number(cp))
        return C_NUMBER;
    return ad_uc_is_rx_space(cp) ? C_SPACE : C_OTHER;
}

/* 's 't 're 've 'm 'll 'd at cps[i] (i < n, cps[i] == '\''): the match length, or 0. */
static size_t contraction(const uint32_t *cps, size_t n, size_t i)
{
    if (i + 1 >= n)
        return 0;
    uint32_t a = cps[i + 1];
    if (a == 's' || a == 't' || a == 'm' || a == 'd')
        return 2;
    if (i + 2 >= n)
        return 0;
    uint32_t b = cps[i + 2];
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
        return 3;
    return 0;
}

/* End of the piece that starts at cps[i] (i < n): the first alternative of the pattern that
 * matches there, as a backtracking regex engine picks it. */
size_t bpe_piece_end(const uint32_t *cps, size_t n, size_t i)
{
    if (cps[i] == '\'') {
        size_t k = contraction(cps, n, i);
        if (k)
            return i + k;
    }
    /* " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": an optional ASCII space, then a run */
    size_t j = i + (cps[i] == ' ');
    if (j < n) {
        int c = rx_class(cps[j]);
        if (c != C_SPACE) {
            while (j < n && rx_class(cps[j]) == c)
                j++;
            return j;
        }
    }
    /* cps[i] is white space. "\s+(?!\S)": the run, less its last character when a non-space
     * follows; a run of one followed by a non-space falls through to "\s+", the run itself. */
    size_t k = i;
    while (k < n && rx_class(cps[k]) == C_SPACE)
        k++;
    if (k < n && k - i >= 2)
        return k - 1;
    return k;
}

size_t ad_bpe_pretokenize(const uint32_t *cps, size_t n, size_t *ends)
{
    size_t count = 0;
    for (size_t i = 0; i < n;) {
        i = bpe_piece_end(cps, n, i);
        ends[count++] = i;
    }
    return count;
}

/* ---- the GPT-2 byte-to-unicode map ---------------------------------------------------------- */

/* Bytes that stand for themselves: '!'..'~', U+00A1..U+00AC, U+00AE..U+00FF. */
static int printable_byte(unsigned b)
{
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
}

uint32_t ad_bpe_byte_char(unsigned char b)
{
    if (printable_byte(b))
        return b;
    uint32_t k = 0; /* the others, in byte order, become U+0100, U+0101, ... */
    for (unsigned x = 0; x < b; x++)
        k += !printable_byte(x);
    return 0x100 + k;
}

int ad_bpe_char_byte(uint32_t cp)
{
    if (cp < 0x100)
        return printable_byte(cp) ? (int)cp : -1;
    uint32_t k = 0;
    for (unsigned x = 0; x < 0x100; x++) {
        if (printable_byte(x))
            continue;
        if (0x100 + k == cp)
            return (int)x;
        k++;
    }
    return -1;
}
