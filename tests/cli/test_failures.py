"""Every way a command ends early, as one line and an exit code
(`tfft/cli/failures.py`): each kind of failure described directly, then
Ctrl-C and a full disk as a user meets them (real processes, real signals,
real full file systems)."""

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.cli.test_cli import REPO
from tests.conftest import CLASSIFY_SETTINGS
from tests.conftest import REPO_CONFIGS
from tfft.cli import failures
from tfft.errors import UserError


def test_user_errors_are_exit_2_as_they_are():
    assert failures.describe(UserError("bad x; fix y")) == (2, "bad x; fix y")


def test_a_full_disk_names_the_path_and_what_is_left():
    full = OSError(errno.ENOSPC, "No space left on device", "/runs/a/x.npz")
    code, message = failures.describe(full, ["/runs/a"], "the newest is 3")
    assert code == 2
    assert message == ("no space left on the device holding /runs/a/x.npz "
                       "(free space there); the newest is 3")
    # A temporary file's path (gone by now): the output holding it.
    temp = OSError(errno.ENOSPC, "No space left on device",
                   "/runs/a/.tmp-1-2/saved_model.pb.tmp77")
    assert failures.describe(temp, ["/elsewhere", "/runs/a"])[1].startswith(
        "no space left on the device holding /runs/a (free space there)")
    # Raised from deep inside a library, with no path: the output's.
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as e:
            raise RuntimeError("writing failed") from e
    except RuntimeError as e:
        code, message = failures.describe(e, ["/runs/b"])
    assert code == 2 and "holding /runs/b (free" in message
    assert "nothing half-written was kept" in message


def test_paths_the_user_gave_are_exit_2():
    denied = PermissionError(errno.EACCES, "Permission denied", "/srv/x")
    assert failures.describe(denied) == (
        2, "Permission denied: /srv/x; fix that path (or pass another one) "
        "and rerun")


def test_interrupt_is_130_with_what_is_left():
    assert failures.describe(KeyboardInterrupt(), [], "ckpt 4 is there") == (
        130, "interrupted; ckpt 4 is there")


def test_a_bug_is_exit_1_with_its_traceback_in_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)

    def broken():
        return {}["missing"]

    try:
        broken()
    except KeyError as e:
        code, message = failures.describe(e)
    assert code == 1
    assert message.startswith("internal error: KeyError: 'missing'; the "
                              f"traceback is in {tmp_path}/tfft-")
    saved = message.split("traceback is in ")[1].split(" ")[0]
    text = open(saved).read()
    assert "Traceback" in text and "in broken" in text


def test_ctrl_c_is_130_whatever_error_a_library_makes_of_it(tmp_path):
    """A library that runs Python inside its own call (a TensorFlow
    callback) may surface Ctrl-C's KeyboardInterrupt as its own error."""
    script = tmp_path / "wrapping_command.py"
    script.write_text(
        "import os, signal, time\n"
        "from tfft.cli import common\n"
        "def main(argv):\n"
        "    try:\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        time.sleep(30)\n"
        "    except KeyboardInterrupt:\n"
        "        raise RuntimeError('callback failed')\n"
        "common.run_app(main)\n")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True,
                          text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 130, proc.stderr[-3000:]
    assert _one_line(proc.stderr) == (
        "error: interrupted; nothing half-written was kept; rerun the same "
        "command")


SWALLOWING_FIT = """
import os, signal, sys
import numpy as np, tf_keras
from tfft.callbacks.ctrl_c import ReraiseCtrlC
from tfft.cli import common

class Garbage:  # Ctrl-C lands while Python runs its __del__
    def __del__(self):
        signal.raise_signal(signal.SIGINT)  # to this thread: the handler
        sum(range(10000))  # runs here, and its raise is ignored

class Broken:
    def __del__(self):
        raise ValueError("still printed")

def main(argv):
    def at_batch_end(batch, logs):
        print(batch, flush=True)
        if batch == 3:
            Garbage()
        if batch == 5:
            Broken()
    model = tf_keras.Sequential([tf_keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    callbacks = [tf_keras.callbacks.LambdaCallback(
        on_train_batch_end=at_batch_end)]
    if sys.argv[1] == "reraise":
        callbacks.append(ReraiseCtrlC(common.ctrl_c_pressed))
    model.fit(np.ones((64, 2)), np.ones(64), batch_size=8, epochs=1,
              verbose=0, callbacks=callbacks)
    print("pressed", common.ctrl_c_pressed())

common.run_app(main)
"""


def test_ctrl_c_that_a_del_method_swallows_still_stops_training(tmp_path):
    """Python ignores an exception a `__del__` raises, a signal handler's
    KeyboardInterrupt too: fit would go on to the end (the control run
    shows it does, with the signal recorded). `tfft-train` gives fit
    `ReraiseCtrlC`, and stops as for any Ctrl-C, with one line."""
    script = tmp_path / "swallowing_fit.py"
    script.write_text(SWALLOWING_FIT)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    runs = {how: subprocess.Popen(
        [sys.executable, str(script), how], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for how in ("reraise", "control")}
    ended = {how: (*proc.communicate(timeout=300), proc.returncode)
             for how, proc in runs.items()}
    stdout, stderr, code = ended["control"]
    assert code == 0, stderr[-3000:]
    assert stdout.split() == [*map(str, range(8)), "pressed", "True"]
    # run_app drops Python's print of the ignored KeyboardInterrupt only
    assert stderr.count("Traceback") == 1, stderr[-3000:]
    assert "ValueError: still printed" in stderr
    stdout, stderr, code = ended["reraise"]
    assert code == 130, stderr[-3000:]
    assert stdout.split() == ["0", "1", "2", "3"]
    assert _one_line(stderr) == (
        "error: interrupted; nothing half-written was kept; rerun the same "
        "command")


def test_run_app_turns_a_bug_into_one_line(tmp_path):
    script = tmp_path / "broken_command.py"
    script.write_text(
        "from tfft.cli import common\n"
        "def main(argv):\n    raise ZeroDivisionError('oops')\n"
        "common.run_app(main)\n")
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True,
                          text=True, env=env, cwd=REPO)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith("error: internal error: ZeroDivisionError: "
                               "oops; the traceback is in ")
    env["TFFT_TRACEBACK"] = "1"  # developers see Python's own
    proc = subprocess.run([sys.executable, str(script)], capture_output=True,
                          text=True, env=env, cwd=REPO)
    assert proc.returncode == 1 and "Traceback" in proc.stderr


# -- Ctrl-C ------------------------------------------------------------------

def _start(command, *args):
    env = dict(os.environ, HF_HUB_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.Popen(
        [sys.executable, "-m", f"tfft.cli.{command}", *args], cwd=REPO,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _interrupt_when(proc, ready, timeout=300, poll=0.05):
    """Sends SIGINT (Ctrl-C) once `ready()`; returns (code, stderr)."""
    deadline = time.time() + timeout
    while not ready():
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.time() < deadline, "never got there"
        time.sleep(poll)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    return proc.returncode, stderr


def _one_line(stderr):
    assert "Traceback" not in stderr, stderr[-3000:]
    lines = stderr.strip().splitlines()
    assert lines[-1].startswith("error: "), stderr[-3000:]
    assert sum(ln.startswith("error: ") for ln in lines) == 1
    return lines[-1]


def test_ctrl_c_in_training_names_the_checkpoint_to_resume_from(
        classify_run, tmp_path):
    files = classify_run["files"]
    workdir = tmp_path / "run"
    checkpoints = workdir / "checkpoints"
    proc = _start("train", f"--config={REPO_CONFIGS}/classify_files.py",
                  f"--workdir={workdir}",
                  f"--config.data.train_files={files['train']}",
                  f"--config.model.path={files['bert']}", *CLASSIFY_SETTINGS,
                  "--config.train.checkpoint_steps=2")
    def two_saved():  # (older ones are pruned, 2 of them kept)
        return any(n.isdigit() and int(n) >= 2
                   and (checkpoints / n / "state.json").exists()
                   for n in (os.listdir(checkpoints)
                             if checkpoints.exists() else ()))

    code, stderr = _interrupt_when(proc, two_saved)
    assert code == 130, stderr[-3000:]
    line = _one_line(stderr)
    newest = max(int(n) for n in os.listdir(checkpoints) if n.isdigit())
    assert line.startswith(f"error: interrupted; the newest checkpoint is "
                           f"{checkpoints}/{newest} (")
    assert line.endswith("); rerun the same command to resume from it")
    state = json.loads((checkpoints / str(newest) / "state.json").read_text())
    epoch, batch = state["position"]
    assert f"({batch} batches into epoch {epoch + 1})" in line
    assert not (workdir / "COMPLETED").exists()
    assert not [n for n in os.listdir(checkpoints) if n.startswith(".")], (
        os.listdir(checkpoints))


def test_ctrl_c_in_export_leaves_no_version(classify_run, tmp_path):
    """SIGINT while the version is being written (its temporary folder
    exists). That window is a fraction of a second: when the signal lands
    after the rename instead (a loaded machine), the version is complete
    and the message says so; the test then tries again."""
    for attempt in range(3):
        export_dir = tmp_path / f"export{attempt}"

        def writing():  # the version's temporary folder exists
            return export_dir.exists() and any(
                n.startswith(".") for n in os.listdir(export_dir))

        proc = _start("export", f"--workdir={classify_run['workdir']}",
                      f"--export_dir={export_dir}")
        code, stderr = _interrupt_when(proc, writing, poll=0.002)
        if os.listdir(export_dir) == ["1"]:  # published before the signal
            assert code in (0, 130, -signal.SIGINT), stderr[-3000:]
            if code == 130:
                assert _one_line(stderr) == (
                    f"error: interrupted; {export_dir}/1 was written "
                    "completely before that")
            continue
        assert code == 130, stderr[-3000:]
        assert _one_line(stderr) == (
            f"error: interrupted; no new version was written to "
            f"{export_dir} (the newest is none); rerun the same command")
        assert os.listdir(export_dir) == []
        return
    pytest.fail("the signal landed after the version was complete 3 times")


# -- a full disk -------------------------------------------------------------

def _can_mount():
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "--mount", "--map-root-user", "true"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount(), reason="needs `unshare` to mount a "
                    "private tmpfs (user namespaces, or root)")
def test_a_full_disk_is_one_line_and_leaves_outputs_intact(classify_run,
                                                           tmp_path):
    """tfft-train, tfft-export and tfft-predict writing to small tmpfs file
    systems mounted in a private mount namespace (`tests/cli/full_disk.py`:
    `unshare --mount --map-root-user`, so no root is needed where user
    namespaces are allowed, and nothing is mounted outside the test)."""
    files = classify_run["files"]
    texts = tmp_path / "texts.txt"
    texts.write_text("fine\ndull\n" * 100)
    args = {"base": str(tmp_path / "disks"), "run": classify_run["workdir"],
            "texts": str(texts),
            "train": [f"--config={REPO_CONFIGS}/classify_files.py",
                      f"--config.data.train_files={files['train']}",
                      f"--config.model.path={files['bert']}",
                      *CLASSIFY_SETTINGS]}
    proc = subprocess.run(
        ["unshare", "--mount", "--map-root-user", sys.executable, "-m",
         "tests.cli.full_disk", json.dumps(args)], capture_output=True,
        text=True, cwd=REPO, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout)

    train = results["train"]
    assert train["code"] == 2
    assert _one_line(train["stderr"]).startswith(
        f"error: no space left on the device holding {train['disk']}/run")
    assert _one_line(train["stderr"]).endswith(
        "(free space there); no checkpoint was written yet; rerun the same "
        "command to start again")
    assert sorted(train["files"]) == ["run", "run/checkpoints",
                                      "run/config.json"]

    export = results["export"]
    assert export["code"] == 2
    assert _one_line(export["stderr"]) == (
        f"error: no space left on the device holding {export['disk']}/"
        "export (free space there); no new version was written to "
        f"{export['disk']}/export (the newest is none); rerun the same "
        "command")
    assert sorted(export["files"]) == ["export"]

    predict = results["predict"]
    assert predict["code"] == 2
    assert _one_line(predict["stderr"]) == (
        f"error: no space left on the device holding {predict['disk']}/"
        "preds.jsonl (free space there); nothing half-written was kept; "
        "rerun the same command")
    assert predict["files"]["preds.jsonl"] == '{"old": true}\n'
    assert sorted(predict["files"]) == ["ballast", "preds.jsonl"]


def test_out_of_memory_is_exit_2_with_the_settings_to_lower():
    code, message = failures.describe(MemoryError())
    assert code == 2 and message.startswith("out of memory; lower "
                                            "--config.train.batch_size")
