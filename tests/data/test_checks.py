"""The data policies every task shares (`tfft/data/checks.py`)."""

import json

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from absl import logging as absl_logging

from tfft.config import default_config
from tfft.data import checks
from tfft.errors import UserError
from tfft.tasks.classification import TextClassification


def rows(texts):
    return datasets.Dataset.from_dict({"text": texts,
                                       "label": ["a"] * len(texts)})


def test_empty_texts_are_refused_with_count_and_rows():
    texts = ["ok", "", None, "  ", "fine"] + [""] * 6
    with pytest.raises(UserError) as e:
        checks.require_texts(rows(texts), ["text"], "train")
    assert str(e.value).startswith(
        "9 of 11 train rows have an empty or missing 'text' (rows 2, 3, 4, "
        "6, 7, ...; CSV readers also read NaN, NA and null as missing); "
        "fill them, or drop those rows with --config.data.empty_texts=drop")


def test_inputs_to_predict_refuse_only_missing_texts():
    kept = checks.require_texts(rows(["ok", "", " "]), ["text"], "input",
                                allow_empty=True)
    assert len(kept) == 3
    with pytest.raises(UserError, match=r"1 of 2 input rows have a missing "
                       r"\(null\) 'text' \(rows 2;"):
        checks.require_texts(rows(["ok", None]), ["text"], "input",
                             allow_empty=True)


def test_drop_keeps_the_others_and_says_how_many(caplog):
    caplog.set_level("WARNING")
    absl_logging.get_absl_logger().propagate = True
    kept = checks.require_texts(rows(["ok", None, "fine", "\t"]), ["text"],
                                "train", policy="drop")
    assert kept["text"][:] == ["ok", "fine"]
    assert ("Dropped 2 of 4 train rows with an empty or missing text in "
            "['text'] (rows 2, 4; data.empty_texts=drop)") in caplog.text
    with pytest.raises(UserError, match="every train row"):
        checks.require_texts(rows(["", None]), ["text"], "train", "drop")


def test_word_lists_and_non_texts():
    words = datasets.Dataset.from_dict({"tokens": [["a"], [], ["b", ""]]})
    with pytest.raises(UserError, match=r"2 of 3 .* \(rows 2, 3;"):
        checks.require_texts(words, ["tokens"], "train")
    numbers = datasets.Dataset.from_dict({"text": [1, 2]})
    with pytest.raises(UserError, match="column 'text' holds non-text "
                       r"values \(row 1: 1\)"):
        checks.require_texts(numbers, ["text"], "train")


@pytest.mark.parametrize("labels, message", [
    ([1, "pos", 0], "mix types (int, str): 0, 1, 'pos'"),
    (["0", "1", "pos", "neg"], "mix numbers and words: '0', '1', 'neg', "
     "'pos'"),
    (["pos", "Pos", "neg"], "differ only in case or spaces: 'Pos', 'pos'"),
    (["neg ", "neg", "pos"], "differ only in case or spaces: 'neg', 'neg '"),
    ([0.5, 1.0], "include fractions: 0.5, 1.0"),
])
def test_suspicious_labels_are_refused_with_their_values(labels, message):
    with pytest.raises(UserError) as e:
        checks.check_labels(labels, "label", "train", named=False)
    assert message in str(e.value)


def test_good_or_named_labels_pass():
    for labels in (["neg", "pos"], [0, 1, 2], ["0", "1"], [1.0, 0.0],
                   [True, False], ["B-PER", "O"]):
        checks.check_labels(labels, "label", "train", named=False)
    # Named classes: the spellings are meant (not the types).
    checks.check_labels(["0", "pos"], "label", "train", named=True)
    with pytest.raises(UserError, match="mix types"):
        checks.check_labels([0, "pos"], "label", "train", named=True)


def test_duplicate_columns(tmp_path):
    csv = tmp_path / "a.csv"
    csv.write_text("text,label,text\nx,a,y\n")
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text('{"text": "x", "text": "y", "label": "a"}\n')
    parquet = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array(["x"]), pa.array(["y"])],
                                        names=["text", "text"]), parquet)
    for path in (csv, jsonl, parquet):
        with pytest.raises(UserError, match=f"{path} has two columns named "
                           "'text'; rename or drop one of them"):
            checks.refuse_duplicate_columns([str(path)])
    fine = tmp_path / "b.jsonl"
    fine.write_text(json.dumps({"text": "x", "label": "a"}) + "\n")
    checks.refuse_duplicate_columns([str(fine)])


def test_a_task_applies_the_policy_to_every_split():
    config = default_config()
    config.data.empty_texts = "drop"
    data = {"text": ["good", "", "bad", None] * 10,
            "label": ["pos", "pos", "neg", "neg"] * 10}
    task = TextClassification(config)
    prepared = task.prepare(datasets.DatasetDict(
        train=datasets.Dataset.from_dict(data)))
    assert sum(len(d) for d in prepared.values()) == 20
    assert all(t in ("good", "bad") for d in prepared.values()
               for t in d["text"][:])
    config.data.empty_texts = "refuse"
    with pytest.raises(UserError, match="20 of 40 train rows"):
        TextClassification(config).prepare(datasets.DatasetDict(
            train=datasets.Dataset.from_dict(data)))
