"""Sharing runs on the loopback hub (`tests/hub_server.py`, reached through
HF_ENDPOINT as a user's hub would be): `tfft-push`, and `tfft-train` with
`push.*` set, including against a hub that is down."""

import json
import os
import socket
import subprocess
import sys

import pytest

from tests.cli.test_cli import REPO
from tests.cli.test_cli import error_line
from tests.conftest import CLASSIFY_SETTINGS
from tests.conftest import run_args
from tests.conftest import shared_export
from tests.hub_server import Hub
from tfft import hub as hub_lib

TOKEN = "hf_loopback_secret_token_abcdef"


def run(command, endpoint, *args, token=TOKEN):
    env = dict(os.environ, HF_ENDPOINT=endpoint, HF_TOKEN=token,
               HF_HUB_OFFLINE="0", TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [sys.executable, "-m", f"tfft.cli.{command}", *args],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=600)


def files_under(directory):
    return {os.path.join(root, n) for root, _, names in os.walk(directory)
            for n in names}


def assert_token_nowhere(token, directory, *outputs):
    for text in outputs:
        assert token not in text
    for path in files_under(directory):
        with open(path, "rb") as f:
            assert token.encode() not in f.read(), path


def dead_endpoint():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_push_uploads_the_run_byte_for_byte_and_only_once(
        classify_run, tmp_path_factory, tmp_path):
    workdir = classify_run["workdir"]
    export_dir = shared_export(tmp_path_factory, classify_run)
    with Hub(TOKEN) as hub:
        proc = run("push", hub.url, f"--workdir={workdir}",
                   "--repo_id=tester/sentiment", f"--export_dir={export_dir}")
        assert proc.returncode == 0, proc.stderr[-3000:]
        first = json.loads(proc.stdout.splitlines()[-1])
        pushed = hub.files("tester/sentiment")
        expected = hub_lib.run_files(workdir, os.path.join(export_dir, "1"))
        assert set(pushed) == set(expected)
        for path, local in expected.items():
            with open(local, "rb") as f:
                assert pushed[path] == f.read(), path
        # The shareable part: model/ at the root, card, config, results,
        # curve, and the SavedModel in TF Serving's layout.
        assert {"tfft_model.json", "tfft_head.npz", "README.md",
                "tfft_config.json", "metrics.json", "training_curve.png",
                "saved_model/1/saved_model.pb"} <= set(pushed)
        assert first["changed"] == first["files"] == len(expected)
        assert not hub.repos["tester/sentiment"]["private"]

        sent, commits = hub.content_bytes, len(hub.commits)
        again = run("push", hub.url, f"--workdir={workdir}",
                    "--repo_id=tester/sentiment",
                    f"--export_dir={export_dir}")
        assert again.returncode == 0, again.stderr[-3000:]
        assert json.loads(again.stdout.splitlines()[-1])["changed"] == 0
        assert hub.content_bytes == sent and len(hub.commits) == commits

        branch = run("push", hub.url, f"--workdir={workdir}",
                     "--repo_id=tester/private", "--private",
                     "--revision=experiment")
        assert branch.returncode == 0, branch.stderr[-3000:]
        assert hub.repos["tester/private"]["private"]
        assert "tfft_model.json" in hub.files("tester/private", "experiment")
        assert_token_nowhere(TOKEN, workdir, proc.stdout, proc.stderr,
                             again.stderr, branch.stderr)

        # What was pushed loads as the run does (a download of the repo).
        import tfft

        download = tmp_path / "download"
        for path, data in pushed.items():
            os.makedirs((download / path).parent, exist_ok=True)
            (download / path).write_bytes(data)
        texts = ["a good and lovely film", "dull and boring"]
        assert tfft.pipeline(str(download))(texts) == \
            tfft.pipeline(workdir)(texts)


def test_push_failures_are_one_line_and_exit_2(classify_run):
    workdir = classify_run["workdir"]
    with Hub(TOKEN) as hub:
        wrong = run("push", hub.url, f"--workdir={workdir}",
                    "--repo_id=tester/x", token="hf_not_the_right_one")
    assert wrong.returncode == 2
    assert "refused the credentials (401" in error_line(wrong)
    assert "hf_not_the_right_one" not in wrong.stderr + wrong.stdout
    down = run("push", dead_endpoint(), f"--workdir={workdir}",
               "--repo_id=tester/x")
    assert down.returncode == 2
    assert "cannot reach the hub at http://127.0.0.1:" in error_line(down)
    missing = run("push", dead_endpoint(), f"--workdir={workdir}")
    assert missing.returncode == 2
    assert "--repo_id is required" in error_line(missing)


def test_a_model_folder_from_before_the_native_check_is_not_pushed(
        classify_run, tmp_path):
    import shutil

    old = tmp_path / "run"
    shutil.copytree(classify_run["workdir"], old)
    manifest = old / "model" / "tfft_model.json"
    fields = json.loads(manifest.read_text())
    del fields["native"]
    manifest.write_text(json.dumps(fields))
    with Hub(TOKEN) as hub:
        proc = run("push", hub.url, f"--workdir={old}", "--repo_id=tester/x")
        assert hub.repos == {}
    assert proc.returncode == 2
    assert "saved by an older tfft" in error_line(proc)


def train_args(files, workdir, *extra):
    """The shared classify run's exact command, plus `extra`."""
    return run_args("classify_files.py", files, workdir, *CLASSIFY_SETTINGS,
                    *extra)


def test_training_pushes_each_epoch_then_the_finished_run(classify_run,
                                                          tmp_path):
    workdir = tmp_path / "run"
    with Hub(TOKEN) as hub:
        proc = run("train", hub.url, *train_args(
            classify_run["files"], workdir, "--config.train.epochs=3",
            "--config.push.repo_id=tester/live",
            "--config.push.every=epoch"))
        assert proc.returncode == 0, proc.stderr[-3000:]
        summaries = [summary for _, _, summary in hub.commits]
        pushed = hub.files("tester/live")
    # Epoch pushes (one may be skipped while another uploads), then the run.
    assert summaries[0] == "tfft: epoch 1" and \
        summaries[-1] == "tfft: the finished run"
    assert "Push of the finished run to tester/live: done" in proc.stderr
    for path, local in hub_lib.run_files(str(workdir)).items():
        with open(local, "rb") as f:
            assert pushed[path] == f.read(), path
    assert_token_nowhere(TOKEN, workdir, proc.stdout, proc.stderr)


def test_a_dead_hub_changes_nothing_in_training(classify_run, tmp_path):
    """The outage test: the shared run's exact command, plus pushing every
    epoch to a hub that is down, ends with the same metrics."""
    workdir = tmp_path / "run"
    proc = run("train", dead_endpoint(), *train_args(
        classify_run["files"], workdir, "--config.push.repo_id=tester/down",
        "--config.push.every=epoch", "--config.push.wait_seconds=2"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(os.path.join(classify_run["workdir"], "metrics.json")) as f:
        expected = json.load(f)
    with open(workdir / "metrics.json") as f:
        assert json.load(f) == expected
    failures = [ln for ln in proc.stderr.splitlines()
                if "cannot reach the hub" in ln]
    assert failures and all("Traceback" not in ln for ln in failures)
    # Epoch pushes retry with backoff: the finished run's push either
    # failed within 2 s or was not started; both say how to push it later.
    assert f"push it with tfft-push --workdir={workdir}" in proc.stderr


@pytest.mark.parametrize("repo_id", ["", "tester/cards"])
def test_card_command_writes_the_card(classify_run, tmp_path, repo_id):
    import shutil

    workdir = tmp_path / "run"
    shutil.copytree(classify_run["workdir"], workdir)
    proc = run("card", dead_endpoint(), f"--workdir={workdir}",
               *([f"--repo_id={repo_id}"] if repo_id else []))
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = (workdir / "README.md").read_text()
    assert (repo_id or "<repo_id>") in text
