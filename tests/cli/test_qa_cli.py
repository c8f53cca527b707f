"""Question answering through the console scripts: configs/qa_files.py
on JSONL files with no code (the shared `qa_run`), then evaluate, export
and predict from the SavedModel as a user runs them (and the run folder's
predictions by the function tfft-predict runs), and bad input as one line
with exit code 2."""

import json
import os

import pytest

from tests.cli.test_cli import REPO
from tests.cli.test_cli import tfft
from tests.conftest import qa_boundary_rows
from tests.conftest import shared_export

QA_FILES = os.path.join(REPO, "configs", "qa_files.py")


def test_qa_files_trains_on_jsonl_with_no_code(qa_run):
    summary = json.loads(qa_run["stdout"])
    assert summary["test"]["f1"] >= 95, summary["test"]
    assert summary["test"]["num_examples"] == 96
    workdir = qa_run["workdir"]
    with open(os.path.join(workdir, "predictions_test.jsonl")) as f:
        first = json.loads(f.readline())
    assert set(first) == {"id", "question", "context", "answers", "answer",
                          "score", "start", "end"}
    assert first["context"][first["start"]:first["end"]] == first["answer"]
    with open(os.path.join(workdir, "model", "tfft_model.json")) as f:
        manifest = json.load(f)
    assert manifest["task"] == "question_answering"
    assert manifest["inputs"] == ["question", "context"]


def test_evaluate_predict_and_export_agree(qa_run, tmp_path,
                                          tmp_path_factory):
    workdir = qa_run["workdir"]
    with open(os.path.join(workdir, "metrics.json")) as f:
        recorded = json.load(f)["test"]
    proc = tfft("evaluate", f"--workdir={workdir}",
                f"--files={qa_run['files']['test']}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    again = json.loads(proc.stdout)
    assert again["f1"] == pytest.approx(recorded["f1"])
    assert again["exact_match"] == pytest.approx(recorded["exact_match"])

    # SQuAD's nested JSON as prediction input (no answers needed).
    rows = qa_boundary_rows()
    nested = tmp_path / "questions.json"
    nested.write_text(json.dumps({"data": [{"title": "t", "paragraphs": [
        {"context": r["context"], "qas": [
            {"id": r["id"], "question": r["question"], "answers": []}]}
        for r in rows]}]}))
    # tfft-export of the run, made once for the session's tests.
    export_dir = shared_export(tmp_path_factory, qa_run)
    # The console script on the SavedModel; the function it runs
    # (in-process: no second TensorFlow start-up) on the run folder.
    out = tmp_path / "preds.jsonl"
    proc = tfft("predict", f"--model={export_dir}", f"--input={nested}",
                f"--output={out}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    from tfft.inference import predict_file

    records = {
        str(export_dir): [json.loads(line)
                          for line in out.read_text().splitlines()],
        workdir: predict_file(workdir, str(nested))}
    answers = {model: [(r["id"], r["answer"], r["start"], r["end"])
                       for r in found] for model, found in records.items()}
    expected = [(r["id"], r["answers"]["text"][0],
                 r["answers"]["answer_start"][0],
                 r["answers"]["answer_start"][0]
                 + len(r["answers"]["text"][0])) for r in rows]
    assert answers[workdir] == expected
    assert answers[str(export_dir)] == expected


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)
