"""tfft's `squad` / `squad_v2` modules equal the official evaluation
scripts: v1.1 as AllenNLP ships it (`allennlp/tools/squad_eval.py`) and
v2.0 as transformers ships it (`transformers/data/metrics/
squad_metrics.py`), both loaded by file path, on a table of tricky
cases."""

import importlib.util
import os
import types

import pytest

from tests.conftest import asset_or_skip
from tfft import assets
from tfft import metrics
from tfft.errors import UserError
from tfft.metrics import squad_scoring

# (gold answers, prediction): articles, punctuation, case, whitespace,
# several golds, empty prediction, unicode, partial overlap, repeats.
CASES = [
    (["Denver Broncos"], "Denver Broncos"),
    (["Denver Broncos"], "the Denver Broncos."),
    (["The Beatles"], "beatles"),
    (["an apple a day"], "Apple Day"),
    (["a"], "the"),  # both normalise to ""
    (["Saint-Denis"], "Saint Denis"),  # punctuation is removed, not split
    (["1,000 dollars", "$1000", "one thousand"], "1000"),
    (["left wing", "the left"], "left"),
    (["New York City"], "new  york\tcity "),
    (["Müller"], "müller"),
    (["Ærø"], "ÆRØ"),
    (["東京"], "東京"),
    (["naïve approach"], "naive approach"),  # accents are kept
    (["red red blue"], "red blue blue"),  # counts, not sets
    (["the cat sat on the mat"], "cat mat"),
    (["Nikola Tesla"], ""),
    (["x"], "completely different words"),
    (["«quoted»"], "quoted"),  # not ASCII punctuation: kept
    (["3.14"], "314"),
]


def _official(relative, package):
    root = asset_or_skip(_package_dir, package)
    spec = importlib.util.spec_from_file_location(
        f"official_{package}", os.path.join(root, relative))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _package_dir(package):
    found = assets.package_dir(package)
    if found is None:
        raise UserError(f"{package} is not installed: "
                        f"{assets.INSTALL_HINT}")
    return found


@pytest.fixture(scope="module")
def v1_script():
    return _official("tools/squad_eval.py", "allennlp")


@pytest.fixture(scope="module")
def v2_script():
    import transformers.data.metrics.squad_metrics as v2

    return v2


def _references(cases):
    return [{"id": str(i), "answers": {"text": gold,
                                       "answer_start": [0] * len(gold)}}
            for i, (gold, _) in enumerate(cases)]


def test_v1_equals_the_official_script_case_by_case(v1_script):
    module = metrics.load("squad")
    for i, (gold, prediction) in enumerate(CASES):
        dataset = [{"paragraphs": [{"qas": [{"id": "0", "answers": [
            {"text": g} for g in gold]}]}]}]
        official = v1_script.evaluate(dataset, {"0": prediction})
        ours = module.compute(
            predictions=[{"id": "0", "prediction_text": prediction}],
            references=_references([(gold, prediction)]))
        assert ours["exact_match"] == pytest.approx(official["exact_match"])
        assert ours["f1"] == pytest.approx(official["f1"]), (i, gold)


def test_v1_over_a_whole_table_and_a_missing_prediction(v1_script):
    dataset = [{"paragraphs": [{"qas": [
        {"id": str(i), "answers": [{"text": g} for g in gold]}
        for i, (gold, _) in enumerate(CASES)]}]}]
    predictions = {str(i): p for i, (_, p) in enumerate(CASES)}
    del predictions["3"]  # scores 0, still counted
    official = v1_script.evaluate(dataset, predictions)
    ours = squad_scoring.evaluate_v1(
        predictions, {str(i): g for i, (g, _) in enumerate(CASES)})
    assert ours == pytest.approx(official)
    assert 0 < ours["exact_match"] < ours["f1"] < 100


def _v2_examples(cases):
    return [types.SimpleNamespace(qas_id=str(i), answers=[
        {"text": g} for g in gold]) for i, (gold, _) in enumerate(cases)]


V2_CASES = CASES + [
    ([], ""),  # unanswerable, predicted so
    ([], "Denver"),  # unanswerable, answered
    (["Denver"], ""),  # answerable, not answered
    (["", "Denver"], "denver"),  # an empty gold is dropped
]


@pytest.mark.parametrize("threshold", [1.0, 0.5])
def test_v2_equals_the_official_script(v2_script, threshold):
    predictions = {str(i): p for i, (_, p) in enumerate(V2_CASES)}
    probs = {str(i): (i * 37 % 11) / 10 for i in range(len(V2_CASES))}
    official = v2_script.squad_evaluate(
        _v2_examples(V2_CASES), predictions, probs, threshold)
    ours = metrics.load("squad_v2").compute(
        predictions=[{"id": k, "prediction_text": v,
                      "no_answer_probability": probs[k]}
                     for k, v in predictions.items()],
        references=_references(V2_CASES),
        no_answer_threshold=threshold)
    assert set(ours) == set(official)
    for key, value in official.items():
        assert ours[key] == pytest.approx(value, abs=1e-6), key
    assert official["NoAns_total"] == 2


def test_v2_per_pair_scores_equal_the_official_functions(v2_script):
    for gold, prediction in V2_CASES:
        for g in gold or [""]:
            assert squad_scoring.exact_v2(g, prediction) == \
                v2_script.compute_exact(g, prediction)
            assert squad_scoring.f1_v2(g, prediction) == pytest.approx(
                v2_script.compute_f1(g, prediction))
