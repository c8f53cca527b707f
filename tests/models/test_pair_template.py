"""`pair_template.read` on packed pairs as transformers gives them: ids,
sequence ids (None for special tokens) and token types; and the
TensorFlow-free check that refuses an export of pairs the graph does not
pack before any work."""

import shutil

import pytest

from tests.conftest import swap_pair_template
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


def test_an_unpacked_pair_template_is_a_problem_for_pair_tasks_only(
        tiny_bert, tmp_path):
    """`Task.export_problem` (what `tfft-export` and `export.dir` ask
    before any work) refuses a tokenizer whose pairs the graph would pack
    differently, for the tasks that take two texts; single texts export."""
    from tfft.config import default_config
    from tfft.models import pair_template
    from tfft.tasks import get_task

    swapped = swap_pair_template(shutil.copytree(tiny_bert, tmp_path / "b"))
    assert pair_template.hf_problem(tiny_bert) is None
    problem = pair_template.hf_problem(swapped)
    assert problem.startswith(f"the tokenizer of {swapped} packs text "
                              "pairs other than [start] a end")
    assert pair_template.hf_problem(str(tmp_path / "missing")) is None

    def task(name, family="hf", **data):
        config = default_config()
        config.task, config.model.family = name, family
        config.data.update(data)
        return get_task(name, config)

    pairs = task("classification", text_columns="premise,hypothesis")
    assert pairs.export_problem(swapped) == problem
    assert pairs.export_problem(tiny_bert) is None
    assert task("question_answering").export_problem(swapped) == problem
    assert task("classification", text_columns="text").export_problem(
        swapped) is None
    assert task("classification", "keras_hub", text_columns="a,b"
                ).export_problem(swapped) is None
