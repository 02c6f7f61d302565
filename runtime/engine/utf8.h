/* utf8.h: strict UTF-8 decoding/encoding and the Unicode properties that the BERT tokenizer and
 * the MBR BLEU tokenisation need (tables generated from Python's unicodedata, see
 * tools/gen_unicode_tables.py). */
#ifndef ARDIFF_ENGINE_UTF8_H
#define ARDIFF_ENGINE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes s[0..len) into cps (room for len code points suffices). Returns the number of code
 * points, or -1 if the bytes are not valid UTF-8 (as Python's strict decoder defines it:
 * no overlong forms, no surrogates, nothing above U+10FFFF, no truncated sequence); then
 * *bad_offset is the byte offset where the invalid sequence starts. */
long ad_utf8_decode(const char *s, size_t len, uint32_t *cps, size_t *bad_offset);

/* Writes the UTF-8 encoding of cp (at most 4 bytes) to out; returns the byte count. */
int ad_utf8_encode(uint32_t cp, char *out);

int ad_uc_is_mn(uint32_t cp);          /* general category Mn */
int ad_uc_is_control(uint32_t cp);     /* Cc, Cf, Co, Cs (tab, newline, CR included: callers decide) */
int ad_uc_is_punct(uint32_t cp);       /* general category P* */
int ad_uc_is_space(uint32_t cp);       /* Python's str.isspace() */
uint32_t ad_uc_lower1(uint32_t cp);    /* one-code-point lowercase (U+0130 -> 'i') */

/* Canonical decomposition with Mn marks dropped: writes up to 4 code points to out (Hangul
 * syllables decompose into their jamo), returns the count (0 for an Mn mark itself). */
int ad_uc_nfd_strip(uint32_t cp, uint32_t out[4]);

const char *ad_uc_version(void);       /* Unicode version of the tables, e.g. "14.0.0" */

#endif
