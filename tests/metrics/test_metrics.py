import numpy as np
import pytest

from tfft import metrics
from tfft.metrics.functional import precision_recall_f1

PRED = [0, 1, 1, 2, 2, 2, 0]
REF = [0, 1, 2, 2, 2, 0, 1]


def test_per_class_by_hand():
    # class 0: tp=1 pred=2 true=2; class 1: tp=1 pred=2 true=2;
    # class 2: tp=2 pred=3 true=3.
    s = precision_recall_f1(PRED, REF, average=None, labels=[0, 1, 2])
    np.testing.assert_allclose(s["precision"], [1 / 2, 1 / 2, 2 / 3])
    np.testing.assert_allclose(s["recall"], [1 / 2, 1 / 2, 2 / 3])
    np.testing.assert_allclose(s["f1"], [1 / 2, 1 / 2, 2 / 3])


def test_averages_by_hand():
    macro = precision_recall_f1(PRED, REF, average="macro")
    assert macro["f1"] == pytest.approx((0.5 + 0.5 + 2 / 3) / 3)
    micro = precision_recall_f1(PRED, REF, average="micro")
    assert micro["f1"] == pytest.approx(4 / 7)  # = accuracy
    weighted = precision_recall_f1(PRED, REF, average="weighted")
    assert weighted["recall"] == pytest.approx(
        (2 * 0.5 + 2 * 0.5 + 3 * 2 / 3) / 7)


def test_zero_division_counts_as_zero():
    s = precision_recall_f1([0, 0], [0, 0], average=None, labels=[0, 1])
    assert s["precision"] == [1.0, 0.0] and s["f1"] == [1.0, 0.0]


def test_modules_load_offline_and_agree():
    assert metrics.names() == ["accuracy", "f1", "precision", "recall",
                              "rouge", "seqeval", "squad", "squad_v2"]
    acc = metrics.load("accuracy").compute(predictions=PRED, references=REF)
    assert acc == {"accuracy": pytest.approx(4 / 7)}
    f1 = metrics.load("f1").compute(predictions=PRED, references=REF,
                                    average=None)
    np.testing.assert_allclose(f1["f1"], [0.5, 0.5, 2 / 3])
    with pytest.raises(ValueError, match="ships no metric"):
        metrics.module_path("bleu")


def test_each_module_is_its_own_class_not_the_shared_base():
    # evaluate takes the first Metric class in a module file's namespace.
    for name in metrics.names():
        assert metrics.load(name).name == name
    p = metrics.load("precision").compute(predictions=PRED, references=REF,
                                          average="micro")
    r = metrics.load("recall").compute(predictions=PRED, references=REF,
                                       average=None)
    assert p == {"precision": pytest.approx(4 / 7)}
    np.testing.assert_allclose(r["recall"], [0.5, 0.5, 2 / 3])


def test_evaluate_loads_without_transformers_unless_already_imported():
    """tfft's metrics load evaluate without transformers' pipelines (and
    torch); with transformers already imported, evaluate is left alone."""
    import json
    import subprocess
    import sys

    check = """
import json, sys
if sys.argv[1] == "first":
    import transformers
from tfft import metrics
score = metrics.load("accuracy").compute(predictions=[0, 1, 1],
                                         references=[0, 1, 0])
base = sys.modules["evaluate.evaluator.base"]
print(json.dumps([score["accuracy"], "transformers" in sys.modules,
                  "torch" in sys.modules, base.TRANSFORMERS_AVAILABLE]))
"""

    def run(arg):
        out = subprocess.run([sys.executable, "-c", check, arg], check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out.splitlines()[-1])

    accuracy, transformers, torch, available = run("alone")
    assert accuracy == 2 / 3 and not transformers and not torch
    assert not available
    accuracy, transformers, _, available = run("first")
    assert accuracy == 2 / 3 and transformers and available
