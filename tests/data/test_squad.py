"""SQuAD's nested JSON read into rows, other JSON left to the table
reader, broken SQuAD JSON a one-line error, and the bundled subset drawn
as the anchors draw it."""

import json
import random

import pytest

from tests.conftest import asset_or_skip
from tfft import assets
from tfft.data import bundled
from tfft.data import sources
from tfft.data import squad
from tfft.errors import UserError

TREE = {"version": "2.0", "data": [
    {"title": "A", "paragraphs": [
        {"context": "Tesla was born in Smiljan.", "qas": [
            {"id": "q1", "question": "Where was Tesla born?",
             "answers": [{"text": "Smiljan", "answer_start": 18}]},
            {"id": "q2", "question": "When?", "answers": [],
             "is_impossible": True, "plausible_answers": [
                 {"text": "Tesla", "answer_start": 0}]}]}]},
    {"title": "B", "paragraphs": [
        {"context": "Ørsted found it.", "qas": [
            {"id": 3, "question": "Who?", "answers": [
                {"text": "Ørsted", "answer_start": 0},
                {"text": "Ørsted", "answer_start": 0}]}]}]}]}


def _write(path, tree):
    path.write_text(json.dumps(tree, ensure_ascii=False))
    return str(path)


def test_nested_json_becomes_one_row_per_question(tmp_path):
    loaded = sources.load_files([_write(tmp_path / "s.json", TREE)], "train")
    assert loaded.column_names == list(squad.COLUMNS)
    assert loaded["id"] == ["q1", "q2", "3"]
    assert loaded["title"] == ["A", "A", "B"]
    assert loaded["answers"] == [
        {"text": ["Smiljan"], "answer_start": [18]},
        {"text": [], "answer_start": []},  # is_impossible: no answers
        {"text": ["Ørsted", "Ørsted"], "answer_start": [0, 0]}]


def test_other_json_is_read_as_a_table(tmp_path):
    records = tmp_path / "r.json"
    records.write_text(json.dumps([{"question": "q", "context": "c"}]))
    lines = tmp_path / "r2.json"  # JSON lines under a .json name
    lines.write_text('{"question": "q", "context": "c"}\n' * 2)
    data = tmp_path / "d.json"  # a "data" field that is not SQuAD's
    data.write_text(json.dumps({"data": [{"question": "q"}]}))
    assert squad.nested_rows(str(records)) is None
    assert squad.nested_rows(str(lines)) is None
    assert squad.nested_rows(str(data)) is None
    assert len(sources.load_files([str(lines)], "train")) == 2


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t["data"][0]["paragraphs"][0].pop("context"),
     "data[0].paragraphs[0] has no 'context'"),
    (lambda t: t["data"][0]["paragraphs"][0]["qas"][0].pop("question"),
     "data[0].paragraphs[0].qas[0] has no 'question'"),
    (lambda t: t["data"][1]["paragraphs"][0]["qas"][0].update(
        answers={"text": "x"}), "qas[0].answers is not a list"),
    (lambda t: t["data"][1]["paragraphs"][0]["qas"][0]["answers"][1].pop(
        "answer_start"), "answers[1] has no 'answer_start'"),
    (lambda t: t["data"][0].update(paragraphs="none"),
     "data[0].paragraphs has the wrong type"),
])
def test_broken_squad_json_names_the_place(tmp_path, edit, expected):
    tree = json.loads(json.dumps(TREE))
    edit(tree)
    with pytest.raises(UserError, match=expected.replace("[", r"\[")
                       .replace("]", r"\]").replace(".", r"\.")):
        sources.load_files([_write(tmp_path / "bad.json", tree)], "train")


def test_mixing_squad_and_other_json_is_an_error(tmp_path):
    other = tmp_path / "o.json"
    other.write_text(json.dumps([{"a": 1}]))
    with pytest.raises(UserError, match="mix SQuAD JSON"):
        sources.load_files([_write(tmp_path / "s.json", TREE), str(other)],
                           "train")


def test_bundled_subset_is_the_anchors_draw():
    folder = asset_or_skip(assets.corpus_path, "squad")
    subset = bundled.squad_subset()

    def anchors_draw(name, count, skip=0):
        with open(f"{folder}/{name}-v1.1.json") as f:
            rows = squad.flatten(json.load(f))
        questions = [dict(zip(rows, values)) for values in
                     zip(*rows.values())]
        random.Random(0).shuffle(questions)  # as ANCHORS.md says
        return [q["id"] for q in questions[skip:skip + count]]

    assert subset["train"]["id"] == anchors_draw("train", 4000)
    assert subset["test"]["id"] == anchors_draw("dev", 1000)
    assert subset["validation"]["id"] == anchors_draw("dev", 1000, 1000)
    assert len(set(subset["test"]["id"]) & set(subset["validation"]["id"])) \
        == 0
