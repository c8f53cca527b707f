"""`pair_template.read` on packed pairs as transformers gives them: ids,
sequence ids (None for special tokens) and token types."""

import pytest

from tfft.models.pair_template import PairTemplate
from tfft.models.pair_template import read

A, B, S, E = 50, 60, 1, 2  # a text token, a pair token, start, end


@pytest.mark.parametrize("ids, sequences, types, start, expected", [
    # BERT: [CLS] a [SEP] b [SEP], the pair typed 1
    ([S, A, A, E, B, E], [None, 0, 0, None, 1, None], [0, 0, 0, 0, 1, 1],
     S, PairTemplate((), True)),
    # RoBERTa / BART: <s> a </s></s> b </s>, untyped
    ([S, A, E, E, B, E], [None, 0, None, None, 1, None], [0] * 6,
     S, PairTemplate((E,), False)),
    # T5: no start token
    ([A, E, B, B, E], [0, None, 1, 1, None], [0] * 5,
     None, PairTemplate((), False)),
])
def test_templates_the_graph_packs(ids, sequences, types, start, expected):
    assert read(ids, sequences, types, start, E) == expected


@pytest.mark.parametrize("ids, sequences, types", [
    # the second text first
    ([S, B, E, A, E], [None, 1, None, 0, None], [0, 1, 1, 0, 0]),
    # no end after the second text
    ([S, A, E, B], [None, 0, None, 1], [0, 0, 0, 1]),
    # a special token inside a text
    ([S, A, E, A, E, B, E], [None, 0, None, 0, None, 1, None], [0] * 7),
    # the pair's types mixed
    ([S, A, E, B, B, E], [None, 0, None, 1, 1, None], [0, 0, 0, 1, 0, 1]),
    # a start token the tokenizer does not declare
    ([9, A, E, B, E], [None, 0, None, 1, None], [0] * 5),
])
def test_other_templates_are_none(ids, sequences, types):
    assert read(ids, sequences, types, S, E) is None
