"""The console scripts as a user runs them: subprocesses, exit codes, one
line on stderr for bad input, and the no-code file recipe end to end."""

import json
import os
import shutil
import subprocess
import sys
import types

import pytest

from tests.conftest import shared_export
from tests.conftest import write_csv

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CLASSIFY = os.path.join(REPO, "configs", "classify_files.py")


def tfft(command, *args):
    env = dict(os.environ, HF_HUB_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [sys.executable, "-m", f"tfft.cli.{command}", *args],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=600)


def error_line(proc):
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return lines[0]


@pytest.fixture(scope="module")
def files(classify_run, tmp_path_factory):
    d = tmp_path_factory.mktemp("files")
    return {
        "train": classify_run["files"]["train"],
        "test": classify_run["files"]["test"],
        "odd": write_csv(d / "odd.csv", [{"text": "fine", "label": "meh"}]),
        "nolabel": write_csv(d / "nolabel.csv", [{"text": "x", "y": "pos"}]),
        "dir": str(d),
    }


def tiny_args(tiny_bert, files, workdir):
    return [f"--config={CLASSIFY}", f"--workdir={workdir}",
            f"--config.data.train_files={files['train']}",
            f"--config.data.test_files={files['test']}",
            f"--config.model.path={tiny_bert}",
            "--config.model.init=random", "--config.data.max_length=16",
            "--config.model.pooling=mean", "--config.train.epochs=10",
            "--config.train.batch_size=16",
            "--config.train.learning_rate=0.002", "--config.train.verbose=0"]


@pytest.fixture(scope="module")
def finished_run(classify_run):
    """The session's shared classify_files.py run (string labels,
    validation carved): (workdir, its tfft-train output)."""
    return classify_run["workdir"], types.SimpleNamespace(
        stdout=classify_run["stdout"], stderr=classify_run["stderr"])


def test_classify_files_trains_and_evaluates_with_no_code(finished_run):
    workdir, proc = finished_run
    summary = json.loads(proc.stdout)
    assert summary["test"]["accuracy"] >= 0.9
    assert "no validation split: carved" in proc.stderr
    assert os.path.exists(os.path.join(workdir, "COMPLETED"))


def test_evaluate_reproduces_the_run_metrics(finished_run, files):
    workdir, _ = finished_run
    with open(os.path.join(workdir, "metrics.json")) as f:
        recorded = json.load(f)
    from tfft.inference import evaluate_run

    # The console script once; the same function in-process for the rest.
    proc = tfft("evaluate", f"--workdir={workdir}",
                f"--files={files['test']}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    for metrics in (json.loads(proc.stdout), evaluate_run(workdir, "test")):
        assert metrics["accuracy"] == pytest.approx(
            recorded["test"]["accuracy"])


def test_predict_text_file(finished_run, tmp_path):
    workdir, _ = finished_run
    texts = tmp_path / "texts.txt"
    texts.write_text("good great movie\nawful dull plot\n")
    out = tmp_path / "preds.jsonl"
    proc = tfft("predict", f"--workdir={workdir}", f"--input={texts}",
                f"--output={out}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["predicted"] for r in records] == ["pos", "neg"]
    assert all(set(r) == {"text", "predicted", "probabilities"}
               for r in records)


def test_export_then_predict_from_the_saved_model(finished_run, classify_run,
                                                  tmp_path_factory, tmp_path):
    workdir, _ = finished_run
    # Version 1 is the session's shared export (the same command); a
    # second export next to it with --keep=1 leaves only version 2.
    export_dir = tmp_path / "exports"
    shutil.copytree(shared_export(tmp_path_factory, classify_run),
                    export_dir)
    assert sorted(os.listdir(export_dir)) == ["1"]
    proc = tfft("export", f"--workdir={workdir}",
                f"--export_dir={export_dir}", "--keep=1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"exported {export_dir / '2'}" in proc.stdout
    assert "from tensorflow-text" in proc.stdout
    assert sorted(os.listdir(export_dir)) == ["2"]

    texts = tmp_path / "texts.txt"
    texts.write_text("good great movie\n\nawful dull plot 😀\n")
    from tfft.inference import predict_file

    # The console script on the export directory (its latest version, as
    # TF Serving would run it); the same function on the others.
    proc = tfft("predict", f"--model={export_dir}", f"--input={texts}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = {
        workdir: predict_file(workdir, str(texts)),
        str(export_dir): [json.loads(line)
                          for line in proc.stdout.splitlines()],
        str(export_dir / "2"): predict_file(str(export_dir / "2"),
                                            str(texts)),
    }
    run_records, *exported = records.values()
    assert [r["predicted"] for r in run_records][::2] == ["pos", "neg"]
    for other in exported:
        assert [r["predicted"] for r in other] == \
            [r["predicted"] for r in run_records]
        for a, b in zip(other, run_records):
            for label, p in a["probabilities"].items():
                assert p == pytest.approx(b["probabilities"][label],
                                          abs=1e-5)
