"""CoNLL-style token-per-line files -> a Dataset of sentences.

One token per line, columns split by whitespace (spaces or tabs), the
token in the first column and the tag in `data.conll_tag_column` (the last
by default); a blank line ends a sentence; `-DOCSTART-` lines (document
separators in CoNLL-2003) are skipped. The sentences become the columns
`data.tokens_column` and `data.tags_column` (lists of strings).
"""

import datasets

from tfft.errors import UserError

DOCSTART = "-DOCSTART-"


def read_file(path: str, tag_column: int = -1):
    """(tokens, tags) lists of every sentence of one file."""
    sentences, tokens, tags = [], [], []
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"cannot read {path} as UTF-8 text: {e}") from e
    for number, line in enumerate(lines, 1):
        columns = line.split()
        if not columns:
            if tokens:
                sentences.append((tokens, tags))
            tokens, tags = [], []
            continue
        if columns[0] == DOCSTART:
            continue
        if len(columns) < 2:
            raise UserError(
                f"{path}:{number} has one column ({line.strip()!r}); CoNLL "
                "lines need a token and a tag, split by spaces or a tab")
        try:
            tag = columns[tag_column]
        except IndexError:
            raise UserError(
                f"{path}:{number} has {len(columns)} columns, no column "
                f"{tag_column}; fix --config.data.conll_tag_column"
            ) from None
        if tag_column in (0, -len(columns)):
            raise UserError(
                "config data.conll_tag_column points at the token column; "
                "the tag is another column (the last by default: -1)")
        tokens.append(columns[0])
        tags.append(tag)
    if tokens:
        sentences.append((tokens, tags))
    return sentences


def to_dataset(sentences, tokens_column="tokens",
               tags_column="ner_tags") -> datasets.Dataset:
    """(tokens, tags) pairs -> a Dataset with those two list columns."""
    return datasets.Dataset.from_dict({
        tokens_column: [t for t, _ in sentences],
        tags_column: [g for _, g in sentences],
    })


def read_files(files: list, split: str, data_config) -> datasets.Dataset:
    sentences = []
    for path in files:
        sentences.extend(read_file(path, data_config.conll_tag_column))
    if not sentences:
        raise UserError(
            f"the {split} split ({', '.join(files)}) has no sentences; "
            "CoNLL files hold one token and its tag per line")
    return to_dataset(sentences, data_config.tokens_column,
                      data_config.tags_column)
