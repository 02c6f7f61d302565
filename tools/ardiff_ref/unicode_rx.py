"""The character classes of the GPT-2 pre-tokenizer regex as the regex engine of Hugging Face
tokenizers 0.13.2 sees them (Oniguruma 6.9 through the onig crate: Unicode 13.0 tables).

One definition for the C tables (tools/gen_unicode_tables.py writes ad_uc_rx_* from it) and the
Python byte-level BPE (ardiff_ref/bpe.py). Python's unicodedata must be Unicode 14.0.0
(Python 3.11): the letters and numbers 14.0 added are taken out here.
"""
import unicodedata as ud

# Code points of categories L* and N* first assigned in Unicode 14.0: the regex engine of
# tokenizers 0.13.2 (Unicode 13.0) treats them as unassigned, neither \p{L} nor \p{N}. Found by
# classifying every code point with that tokenizers' ByteLevel pre-tokenizer; the C tests check
# every code point against it (tests/fixtures/bpe/planes.txt).
UNICODE_14_0_NEW_LN = (
    (0x870, 0x887), (0x889, 0x88E), (0x8B5, 0x8B5), (0x8C8, 0x8C9), (0xC5D, 0xC5D),
    (0xCDD, 0xCDD), (0x170D, 0x170D), (0x171F, 0x171F), (0x1B4C, 0x1B4C), (0x2C2F, 0x2C2F),
    (0x2C5F, 0x2C5F), (0x9FFD, 0x9FFF), (0xA7C0, 0xA7C1), (0xA7D0, 0xA7D1), (0xA7D3, 0xA7D3),
    (0xA7D5, 0xA7D9), (0xA7F2, 0xA7F4), (0x10570, 0x1057A), (0x1057C, 0x1058A),
    (0x1058C, 0x10592), (0x10594, 0x10595), (0x10597, 0x105A1), (0x105A3, 0x105B1),
    (0x105B3, 0x105B9), (0x105BB, 0x105BC), (0x10780, 0x10785), (0x10787, 0x107B0),
    (0x107B2, 0x107BA), (0x10F70, 0x10F81), (0x11071, 0x11072), (0x11075, 0x11075),
    (0x11740, 0x11746), (0x11AB0, 0x11ABF), (0x12F90, 0x12FF0), (0x16A70, 0x16ABE),
    (0x16AC0, 0x16AC9), (0x1AFF0, 0x1AFF3), (0x1AFF5, 0x1AFFB), (0x1AFFD, 0x1AFFE),
    (0x1B11F, 0x1B122), (0x1DF00, 0x1DF1E), (0x1E290, 0x1E2AD), (0x1E7E0, 0x1E7E6),
    (0x1E7E8, 0x1E7EB), (0x1E7ED, 0x1E7EE), (0x1E7F0, 0x1E7FE), (0x2A6DE, 0x2A6DF),
    (0x2B735, 0x2B738),
)
UNICODE_VERSION = "14.0.0"


def check_unicode_version():
    if ud.unidata_version != UNICODE_VERSION:
        raise RuntimeError("Python's Unicode is %s; the regex classes assume %s (Python 3.11): "
                           "update UNICODE_14_0_NEW_LN" % (ud.unidata_version, UNICODE_VERSION))


def _new_in_14(cp):
    return any(lo <= cp <= hi for lo, hi in UNICODE_14_0_NEW_LN)


def is_letter(cp):
    """\\p{L}"""
    return ud.category(chr(cp)).startswith("L") and not _new_in_14(cp)


def is_number(cp):
    """\\p{N}"""
    return ud.category(chr(cp)).startswith("N") and not _new_in_14(cp)


def is_space(cp):
    """\\s: U+0009..U+000D, U+0085, Zs, Zl, Zp (White_Space; not U+001C..U+001F)"""
    return 0x9 <= cp <= 0xD or cp == 0x85 or ud.category(chr(cp)) in ("Zs", "Zl", "Zp")
