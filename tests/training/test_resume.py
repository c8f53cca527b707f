"""Full-state resume: kill -9 a training process mid-epoch, rerun the same
command, and the final weights and every epoch's logs equal an
uninterrupted run's."""

import csv
import glob
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from tests.cli.test_cli import REPO
from tests.cli.test_cli import files  # noqa: F401  (fixture)
from tests.cli.test_cli import tfft
from tests.cli.test_cli import tiny_args
from tests.conftest import KERAS_HUB_THEN_SLOW_HF
from tfft import run_folder
from tfft.training.checkpoint import Checkpoints


def arrays(model_dir):
    """Every weight array a finished run saved, by file and name."""
    found = {}
    for path in glob.glob(os.path.join(model_dir, "*.h5")):
        with h5py.File(path) as f:
            f.visititems(lambda name, obj: found.__setitem__(
                f"{os.path.basename(path)}/{name}", obj[()])
                if isinstance(obj, h5py.Dataset) else None)
    for path in glob.glob(os.path.join(model_dir, "*.npz")):
        with np.load(path) as f:
            found.update({f"{os.path.basename(path)}/{k}": f[k] for k in f})
    for path in glob.glob(os.path.join(model_dir, "*.safetensors")):
        from safetensors.numpy import load_file

        found.update({f"{os.path.basename(path)}/{k}": v
                      for k, v in load_file(path).items()})
    return found


def mid_epoch_checkpoint(workdir):
    """The newest checkpoint's position if it is past epoch 0, mid-epoch."""
    latest = Checkpoints(workdir).latest()
    if latest is None:
        return None
    position = Checkpoints.read_state(latest)["position"]
    return position if position.epoch >= 1 and 2 <= position.batch <= 12 \
        else None


def history(workdir) -> list:
    with open(os.path.join(workdir, run_folder.HISTORY)) as f:
        return list(csv.DictReader(f))


def kill_mid_epoch_then_resume(args, tmp_path, epochs):
    """`tfft-train *args(workdir)` uninterrupted, and killed (SIGKILL) at a
    mid-epoch checkpoint then rerun: both runs' saved weights must be
    equal, and the resumed run whole."""
    whole = str(tmp_path / "whole")
    proc = tfft("train", *args(whole))
    assert proc.returncode == 0, proc.stderr[-3000:]

    killed = str(tmp_path / "killed")
    env = dict(os.environ, HF_HUB_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
    victim = subprocess.Popen(
        [sys.executable, "-m", "tfft.cli.train", *args(killed)], env=env,
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while mid_epoch_checkpoint(killed) is None:
        assert victim.poll() is None, "training ended before it was killed"
        assert time.time() < deadline
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert victim.returncode == -signal.SIGKILL
    assert not os.path.exists(os.path.join(killed, run_folder.COMPLETED))
    position = Checkpoints.read_state(Checkpoints(killed).latest())[
        "position"]
    assert position.batch > 0  # the resume starts mid-epoch

    proc = tfft("train", *args(killed))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Resuming from" in proc.stderr
    expected = arrays(os.path.join(whole, run_folder.MODEL))
    got = arrays(os.path.join(killed, run_folder.MODEL))
    assert expected and sorted(got) == sorted(expected)
    worst = max(float(np.max(np.abs(got[k] - expected[k])))
                for k in expected)
    print("resumed from", position, "max |diff|", worst, len(expected))
    assert worst <= 1e-5, worst
    # The run folder is whole: every epoch's logs as the uninterrupted
    # run's (the killed epoch's loss too: its running sums were carried
    # over), checkpoints gone.
    expected, got = history(whole), history(killed)
    assert len(got) == epochs and list(got[0]) == list(expected[0])
    for key in expected[0]:
        assert np.allclose([float(r[key]) for r in got],
                           [float(r[key]) for r in expected],
                           rtol=1e-5, atol=1e-6), (key, got, expected)
    assert not os.path.exists(os.path.join(killed, "checkpoints"))
    # A completed run is never overwritten: the same command now refuses.
    proc = tfft("train", *args(killed))
    assert proc.returncode == 2 and "completed run" in proc.stderr


@pytest.mark.parametrize("family", KERAS_HUB_THEN_SLOW_HF)
def test_sigkill_mid_epoch_then_rerun_equals_uninterrupted(
        family, tiny_bert, files, tmp_path):  # noqa: F811
    def args(workdir):
        # 173 train examples / 8 = 22 batches per epoch; dropout stays on
        # (0.1), so the RNG state must be restored too.
        return [*tiny_args(tiny_bert, files, workdir),
                f"--config.model.family={family}",
                "--config.train.epochs=3", "--config.train.batch_size=8",
                "--config.train.checkpoint_steps=2"]

    kill_mid_epoch_then_resume(args, tmp_path, epochs=3)


@pytest.mark.slow
@pytest.mark.parametrize("accumulate", [1, 3])
@pytest.mark.parametrize("family", ["hf", "keras_hub"])
def test_seq2seq_sigkill_then_rerun_equals_uninterrupted(tmp_path, family,
                                                         accumulate):
    """configs/seq2seq_files.py (hf: BERT2BERT; keras_hub: keras-hub's
    BART with a byte-level BPE tokenizer; dropout on; each epoch
    generates on the validation rows, `val_rougeL` picks the epoch kept):
    the same weights and the same per-epoch logs, ROUGE included. With
    3 micro-batches per step, the windows straddle epoch ends (22 batches
    per epoch) and the kill lands mid-window: the resumed run weighs each
    micro-batch by its window's target tokens as the whole one did."""
    from tests.conftest import copy_rows
    from tests.conftest import make_tiny_bart
    from tests.conftest import make_tiny_bert
    from tests.conftest import run_args
    from tests.conftest import write_csv

    rows = copy_rows(208, 0)
    data = {"train": write_csv(tmp_path / "train.csv", rows),
            "test": write_csv(tmp_path / "test.csv", copy_rows(16, 1))}
    if family == "hf":
        data["bert"] = make_tiny_bert(tmp_path / "bert", hidden=32)
        model = ["--config.model.encoder_decoder=true"]
    else:
        data["bert"] = make_tiny_bart(tmp_path / "bart",
                                      [r["document"] for r in rows])
        model = ["--config.model.family=keras_hub"]

    def args(workdir):
        # 176 train rows / 8 = 22 batches per epoch (32 carved for
        # validation).
        return run_args(
            "seq2seq_files.py", data, workdir,
            "--config.model.init=random", *model,
            "--config.data.max_source_length=16",
            "--config.data.max_target_length=16",
            "--config.data.validation_size=32.0",
            "--config.train.epochs=3", "--config.train.batch_size=8",
            "--config.train.learning_rate=0.003",
            f"--config.train.grad_accumulation={accumulate}",
            "--config.train.checkpoint_steps=2",
            "--config.train.restore_best=true", "--config.train.verbose=0",
            "--config.generate.max_new_tokens=8")

    kill_mid_epoch_then_resume(args, tmp_path, epochs=3)
