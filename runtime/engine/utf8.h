/* utf8.h: strict UTF-8 decoding/encoding and the Unicode properties that the BERT tokenizer,
 * the byte-level BPE pre-tokenizer and the MBR BLEU tokenisation need (tables generated from
 * Python's unicodedata, see tools/gen_unicode_tables.py). */
#ifndef ARDIFF_ENGINE_UTF8_H
#define ARDIFF_ENGINE_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "ardiff.h"

/* Decodes s[0..len) into cps (room for len code points suffices). Returns the number of code
 * points, or -1 if the bytes are not valid UTF-8 (as Python's strict decoder defines it:
 * no overlong forms, no surrogates, nothing above U+10FFFF, no truncated sequence); then
 * *bad_offset is the byte offset where the invalid sequence starts. cps may be NULL (count and
 * check only). */
long ad_utf8_decode(const char *s, size_t len, uint32_t *cps, size_t *bad_offset);

/* ad_utf8_decode for a text to tokenize: *n receives the number of code points; invalid UTF-8
 * fails with ARDIFF_E_FORMAT, "invalid UTF-8 at byte N" (callers add the line number with
 * ad_fail_prefix). */
ardiff_status ad_utf8_decode_text(const char *s, size_t len, uint32_t *cps, size_t *n);

/* Copies in[0..n) to out with every maximal invalid subsequence (the longest prefix of a
 * well-formed sequence, or else one byte) replaced by U+FFFD, as Rust's
 * String::from_utf8_lossy does. out needs room for 3 n bytes; returns the bytes written. */
size_t ad_utf8_lossy(const unsigned char *in, size_t n, char *out);

/* Writes the UTF-8 encoding of cp (at most 4 bytes) to out; returns the byte count. */
int ad_utf8_encode(uint32_t cp, char *out);

int ad_uc_is_mn(uint32_t cp);          /* general category Mn */
int ad_uc_is_control(uint32_t cp);     /* Cc, Cf, Co, Cs (tab, newline, CR included: callers decide) */
int ad_uc_is_punct(uint32_t cp);       /* general category P* */
int ad_uc_is_space(uint32_t cp);       /* Python's str.isspace() */
uint32_t ad_uc_lower1(uint32_t cp);    /* one-code-point lowercase (U+0130 -> 'i') */

/* The classes of the byte-level BPE pre-tokenizer's regex, as the regex engine of Hugging Face
 * tokenizers 0.13.2 sees them (Unicode 13.0; see tools/gen_unicode_tables.py). */
int ad_uc_is_rx_letter(uint32_t cp);   /* \p{L} */
int ad_uc_is_rx_number(uint32_t cp);   /* \p{N} */
int ad_uc_is_rx_space(uint32_t cp);    /* \s: White_Space (not U+001C..U+001F) */

/* Canonical decomposition with Mn marks dropped: writes up to 4 code points to out (Hangul
 * syllables decompose into their jamo), returns the count (0 for an Mn mark itself). */
int ad_uc_nfd_strip(uint32_t cp, uint32_t out[4]);

const char *ad_uc_version(void);       /* Unicode version of the tables, e.g. "14.0.0" */

#endif
