import datasets
import numpy as np
import pytest

from tfft.config import default_config
from tfft.errors import UserError
from tfft.tasks import get_task
from tfft.tasks.classification import softmax


def task(**data):
    config = default_config()
    for k, v in data.items():
        setattr(config.data, k, v)
    return get_task("classification", config)


def dd(**splits):
    return datasets.DatasetDict(
        {k: datasets.Dataset.from_list(v) for k, v in splits.items()})


def rows(labels, text="x"):
    return [{"text": f"{text}{i}", "label": lab}
            for i, lab in enumerate(labels)]


def test_string_labels_sorted_and_splits_carved():
    t = task(validation_size=0.2, test_size=0.2)
    out = t.prepare(dd(train=rows(["pos", "neg"] * 10)))
    assert t.label_names == ["neg", "pos"]
    assert sorted(out) == ["test", "train", "validation"]
    assert [len(out[s]) for s in ("train", "validation", "test")] == \
        [12, 4, 4]
    assert out["train"].features["labels"].names == ["neg", "pos"]
    first = out["train"][0]
    assert first["labels"] == t.label_names.index(first["label"])


def test_integer_labels_with_and_without_names():
    t = task()
    t.prepare(dd(train=rows([2, 0, 1] * 5), test=rows([0, 1, 2]),
                 validation=rows([1, 2])))
    assert t.label_names == ["0", "1", "2"]
    named = task(label_names="neg,neu,pos")
    out = named.prepare(dd(train=rows([2, 0, 1] * 5), test=rows([0, 2]),
                           validation=rows([1])))
    assert named.label_names == ["neg", "neu", "pos"]
    assert out["test"]["labels"] == [0, 2]


def test_unknown_label_in_test_is_named():
    with pytest.raises(UserError, match="test data has label 'meh'"):
        task().prepare(dd(train=rows(["a", "b"] * 4),
                          test=rows(["a", "meh"]), validation=rows(["a"])))


def test_integer_label_out_of_range_with_names():
    with pytest.raises(UserError, match="label '7'"):
        task(label_names="a,b").prepare(dd(
            train=rows([0, 1] * 4), test=rows([7]), validation=rows([1])))


def test_missing_columns_and_single_class():
    with pytest.raises(UserError, match="no column 'body'.*text_columns"):
        task(text_columns="body").prepare(dd(train=rows(["a", "b"])))
    with pytest.raises(UserError, match="no column 'y'.*label_column"):
        task(label_column="y").prepare(dd(train=rows(["a", "b"])))
    with pytest.raises(UserError, match="at least two"):
        task().prepare(dd(train=rows(["a"] * 5)))


def test_missing_labels_in_train():
    with pytest.raises(UserError, match="no 'label' value"):
        task().prepare(dd(train=rows(["a", None, "b"])))


def test_text_pairs_tokenize_into_two_segments(tiny_bert):
    from tfft.models import builder

    t = task(text_columns="premise,hypothesis")
    tokenizer = builder.family_module("hf").load_tokenizer(tiny_bert)
    ds = datasets.Dataset.from_list([
        {"premise": "good movie", "hypothesis": "dull", "labels": 1},
        {"premise": None, "hypothesis": "fun", "labels": 0}])
    out = t.tokenize(ds, tokenizer)
    assert set(out.column_names) == {"input_ids", "token_type_ids",
                                     "labels"}
    assert out[0]["token_type_ids"] == [0, 0, 0, 0, 1, 1]
    assert len(out[1]["input_ids"]) == 4  # [CLS] [SEP] fun [SEP]


def test_evaluate_and_predictions_by_hand():
    t = get_task("classification", default_config(),
                 state={"label_names": ["neg", "pos"]})
    logits = np.array([[2.0, 0.0], [0.0, 3.0], [1.0, 0.0], [0.0, 1.0]])
    ds = datasets.Dataset.from_dict({"text": list("abcd"),
                                     "labels": [0, 1, 1, 1]})
    m = t.evaluate(logits, ds, ds)
    assert m["accuracy"] == 0.75 and m["num_examples"] == 4
    # neg: P=1/2 R=1; pos: P=1 R=2/3.
    assert m["per_class"]["neg"]["precision"] == pytest.approx(0.5)
    assert m["per_class"]["pos"]["recall"] == pytest.approx(2 / 3)
    assert m["f1_macro"] == pytest.approx((2 / 3 + 0.8) / 2)
    probs = softmax(logits)
    assert m["loss"] == pytest.approx(
        -np.mean(np.log(probs[np.arange(4), [0, 1, 1, 1]])))
    records = t.predictions(logits, None, ds)
    assert [r["predicted"] for r in records] == ["neg", "pos", "neg", "pos"]
    assert records[2] == {"text": "c", "label": "pos", "predicted": "neg",
                          "probabilities": {
                              "neg": pytest.approx(probs[2, 0], abs=1e-6),
                              "pos": pytest.approx(probs[2, 1], abs=1e-6)}}
