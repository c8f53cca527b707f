"""Raw text -> words with character offsets, for token tasks.

A word is a maximal run of characters that are not whitespace and not
control characters, except that each punctuation mark and each CJK
ideograph is a word of its own: BERT's pre-tokenizer (which is how
transformers' token-classification pipeline groups sub-tokens into words
for WordPiece models), applied to the raw string so that every offset
points into exactly the text the user gave. `tfft.export.graph_words`
does the same with TensorFlow ops, for SavedModels; tests keep the two
equal.

Offsets are Python string indices (code points): `text[start:end]` is
the word.
"""

import unicodedata

# BertNormalizer.handle_chinese_chars: the CJK Unified Ideograph blocks.
CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF),
              (0x2A700, 0x2B73F), (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF),
              (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))
SPACES = "\t\n\f\r \u2028\u2029"
# Removed by BERT's normalizer: C0/C1 controls other than \t\n\r, U+FFFD.
CONTROLS = {chr(c) for c in (*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20),
                             *range(0x7F, 0xA0), 0xFFFD)}
ASCII_PUNCTUATION = {chr(c) for c in (*range(0x21, 0x30), *range(0x3A, 0x41),
                                      *range(0x5B, 0x61), *range(0x7B, 0x7F))}

SPACE, ALONE, WORD = 0, 1, 2


def char_kind(ch: str) -> int:
    """SPACE (separates words), ALONE (a word by itself) or WORD."""
    if ch in SPACES or ch in CONTROLS:
        return SPACE
    category = unicodedata.category(ch)
    if category == "Zs" or category in ("Cf", "Co", "Cs"):
        return SPACE
    if ch in ASCII_PUNCTUATION or category.startswith("P"):
        return ALONE
    code = ord(ch)
    if any(lo <= code <= hi for lo, hi in CJK_RANGES):
        return ALONE
    return WORD


def split_words(text: str) -> list:
    """`[(start, end), ...]`: the words of `text` as offsets."""
    spans, start = [], None
    for i, ch in enumerate(text):
        kind = char_kind(ch)
        if kind == WORD:
            if start is None:
                start = i
            continue
        if start is not None:
            spans.append((start, i))
            start = None
        if kind == ALONE:
            spans.append((i, i + 1))
    if start is not None:
        spans.append((start, len(text)))
    return spans
