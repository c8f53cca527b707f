"""Sentence splitting with no downloaded data, for ROUGE-Lsum.

ROUGE-Lsum scores a summary sentence by sentence, reading sentences as
lines: the usual recipes put a newline between sentences with nltk's
`sent_tokenize`, whose punkt model is a download (not available offline).
`split` is a rule-based splitter instead: a sentence ends at `.`, `!` or
`?` (with closing quotes or brackets) followed by whitespace and a
capital, a digit or an opening quote or bracket, unless the word before
the dot is a known abbreviation (`e.g.`, `Fig.`, `et al.`, `Dr.`) or a
single letter (an initial). Newlines already
in the text are sentence ends too. On English prose it agrees with punkt
on ordinary sentence ends; it differs where punkt learned more
abbreviations.
"""

import re

ABBREVIATIONS = {
    "al", "approx", "cf", "co", "corp", "dept", "dr", "e.g", "eq", "eqs",
    "esp", "fig", "figs", "i.e", "inc", "jr", "ltd", "mr", "mrs",
    "ms", "no", "nos", "prof", "sec", "sect", "sr", "st", "tab", "vol",
    "vs", "viz",
}
_END = re.compile(r"""([.!?]+["')\]]*)(\s+)(?=["'(\[]?[A-Z0-9])""")


def _abbreviation(before: str) -> bool:
    word = before.rsplit(None, 1)[-1] if before.split() else ""
    word = word.lstrip("\"'([").rstrip(".").lower()
    return word in ABBREVIATIONS or len(word) == 1 and word.isalpha()


def split(text: str) -> list:
    """The sentences of `text`, stripped, in order (none empty)."""
    sentences = []
    for line in str(text).splitlines():
        start = 0
        for match in _END.finditer(line):
            end = match.end(1)
            if match.group(1).startswith(".") and len(match.group(1)) == 1 \
                    and _abbreviation(line[start:match.start(1)]):
                continue
            sentences.append(line[start:end])
            start = match.end()
        sentences.append(line[start:])
    return [s.strip() for s in sentences if s.strip()]


def lines(text: str) -> str:
    """`text` with one sentence per line (what ROUGE-Lsum reads)."""
    return "\n".join(split(text))
