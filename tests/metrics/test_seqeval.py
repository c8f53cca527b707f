"""tfft's seqeval module against seqeval's own classification_report."""

import pytest
from seqeval import metrics as sm
from seqeval import scheme as schemes

from tfft import metrics

# (name, scheme, references, predictions)
CASES = [
    ("iob2", "IOB2",
     [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG", "I-ORG", "I-ORG"]],
     [["B-PER", "I-PER", "O", "B-ORG"], ["O", "B-ORG", "I-ORG", "O"]]),
    ("broken: I- after O", "IOB2",
     [["O", "B-PER", "I-PER", "O"], ["B-LOC", "O", "B-LOC"]],
     [["O", "I-PER", "I-PER", "O"], ["I-LOC", "I-LOC", "B-LOC"]]),
    ("type change inside", "IOB2",
     [["B-PER", "I-PER", "I-PER"]], [["B-PER", "I-LOC", "I-PER"]]),
    ("single tokens", "IOB2",
     [["B-PER"], ["B-LOC"], ["O"]], [["B-PER"], ["B-PER"], ["B-MISC"]]),
    ("all O", "IOB2", [["O", "O"], ["O"]], [["O", "O"], ["O"]]),
    ("iob1", "IOB1",
     [["I-PER", "I-PER", "B-PER", "O", "I-LOC"]],
     [["I-PER", "I-PER", "I-PER", "O", "I-LOC"]]),
    ("iobes", "IOBES",
     [["B-PER", "E-PER", "O", "S-LOC", "B-ORG", "I-ORG", "E-ORG"]],
     [["B-PER", "E-PER", "O", "S-LOC", "B-ORG", "E-ORG", "O"]]),
    ("iobes broken", "IOBES",
     [["S-PER", "O", "B-LOC", "E-LOC"]], [["B-PER", "O", "I-LOC", "E-LOC"]]),
    ("bilou", "BILOU",
     [["B-PER", "L-PER", "O", "U-LOC"]], [["B-PER", "L-PER", "O", "B-LOC"]]),
]


@pytest.mark.parametrize("name, scheme, refs, preds", CASES,
                         ids=[c[0] for c in CASES])
@pytest.mark.parametrize("mode", [None, "strict"])
def test_equals_seqeval_classification_report(name, scheme, refs, preds,
                                              mode):
    if mode is None and scheme == "BILOU":
        pytest.skip("seqeval's default mode reads B I E S only")
    got = metrics.load("seqeval").compute(
        predictions=preds, references=refs, mode=mode,
        scheme=scheme if mode else None)
    report = sm.classification_report(
        refs, preds, output_dict=True, mode=mode, zero_division=0,
        scheme=getattr(schemes, scheme) if mode else None)
    overall = report.pop("micro avg")
    assert got["overall_precision"] == pytest.approx(overall["precision"])
    assert got["overall_recall"] == pytest.approx(overall["recall"])
    assert got["overall_f1"] == pytest.approx(overall["f1-score"])
    assert got["overall_accuracy"] == pytest.approx(
        sm.accuracy_score(refs, preds))
    types = {k for k in report if not k.endswith(" avg")}
    assert types == {k for k, v in got.items() if isinstance(v, dict)}
    for kind in types:
        assert got[kind]["f1"] == pytest.approx(report[kind]["f1-score"])
        assert got[kind]["number"] == report[kind]["support"]


def test_a_case_by_hand():
    # Gold PER (0-1) and LOC (3); predicted PER right, LOC as ORG.
    got = metrics.load("seqeval").compute(
        predictions=[["B-PER", "I-PER", "O", "B-ORG"]],
        references=[["B-PER", "I-PER", "O", "B-LOC"]])
    assert got["overall_precision"] == 0.5
    assert got["overall_recall"] == 0.5
    assert got["PER"]["f1"] == 1.0 and got["LOC"]["f1"] == 0.0
    assert got["overall_accuracy"] == 0.75
