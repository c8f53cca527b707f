"""Token classification through the console scripts: configs/ner_files.py
on CoNLL files with no code, then predict (raw text and words) and
evaluate, as a user runs them."""

import json
import os
import types

import pytest

from tests.cli.test_cli import REPO
from tests.cli.test_cli import tfft
from tests.conftest import ner_sentences

NER_FILES = os.path.join(REPO, "configs", "ner_files.py")


def ner_args(tiny_bert, files, workdir):
    return [f"--config={NER_FILES}", f"--workdir={workdir}",
            f"--config.data.train_files={files['train']}",
            f"--config.data.test_files={files['test']}",
            f"--config.model.path={tiny_bert}",
            "--config.model.init=random", "--config.data.max_length=16",
            "--config.data.stride=4", "--config.train.epochs=12",
            "--config.train.batch_size=16", "--config.train.precision=float32",
            "--config.train.learning_rate=0.003", "--config.train.verbose=0"]


@pytest.fixture(scope="module")
def files(ner_run, tmp_path_factory):
    return dict(ner_run["files"], dir=tmp_path_factory.mktemp("ner_files"))


@pytest.fixture(scope="module")
def run(ner_run):
    """The session's shared NER run: (workdir, its tfft-train output)."""
    return ner_run["workdir"], types.SimpleNamespace(
        stdout=ner_run["stdout"], stderr=ner_run["stderr"])


def test_ner_files_trains_on_conll_files_with_no_code(run):
    workdir, proc = run
    summary = json.loads(proc.stdout)
    # Word identity decides the tags: a tiny random BERT learns them.
    assert summary["test"]["f1"] >= 0.9, summary["test"]
    assert summary["test"]["num_words"] == sum(
        len(t) for t, _ in ner_sentences(40, seed=2))
    assert "no validation split: carved" in proc.stderr
    with open(os.path.join(workdir, "metrics.json")) as f:
        metrics = json.load(f)
    assert set(metrics["test"]["per_type"]) == {"POS", "NEG"}
    with open(os.path.join(workdir, "predictions_test.jsonl")) as f:
        first = json.loads(f.readline())
    assert set(first) == {"tokens", "tags", "predicted"}
    assert len(first["predicted"]) == len(first["tokens"])
    with open(os.path.join(workdir, "model", "tfft_model.json")) as f:
        manifest = json.load(f)
    assert manifest["task"] == "token_classification"
    assert manifest["task_state"]["scheme"] == "IOB2"


def test_evaluate_reproduces_the_run_metrics(run, files):
    from tfft.inference import evaluate_run

    workdir, _ = run
    with open(os.path.join(workdir, "metrics.json")) as f:
        recorded = json.load(f)["test"]
    proc = tfft("evaluate", f"--workdir={workdir}",
                f"--files={files['test']}")  # a CoNLL file
    assert proc.returncode == 0, proc.stderr[-3000:]
    for again in (json.loads(proc.stdout), evaluate_run(workdir, "test")):
        assert again["f1"] == pytest.approx(recorded["f1"])
        assert again["num_words"] == recorded["num_words"]


def test_predict_raw_text_and_words(run, tmp_path):
    workdir, _ = run
    texts = tmp_path / "texts.txt"
    lines = ["the  movie was good  lovely fun and dull", "",
             "awful,\tgreat 😀 film"]
    texts.write_text("\n".join(lines) + "\n")
    out = tmp_path / "preds.jsonl"
    proc = tfft("predict", f"--model={workdir}", f"--input={texts}",
                f"--output={out}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["text"] for r in records] == lines
    found = [[(e["entity_group"], e["word"]) for e in r["entities"]]
             for r in records]
    assert found == [[("POS", "good  lovely fun"), ("NEG", "dull")], [],
                     [("NEG", "awful"), ("POS", "great")]]
    for line, record in zip(lines, records):
        for e in record["entities"]:
            assert line[e["start"]:e["end"]] == e["word"]
            assert set(e) == {"entity_group", "score", "word", "start",
                              "end"}
    from tfft.inference import predict_file

    words = tmp_path / "words.jsonl"
    words.write_text(json.dumps({"tokens": ["dull", "plot", "fine"]}) + "\n")
    assert predict_file(workdir, str(words)) == [
        {"tokens": ["dull", "plot", "fine"],
         "predicted": ["B-NEG", "O", "B-POS"]}]
