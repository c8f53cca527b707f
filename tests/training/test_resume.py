"""Full-state resume: kill -9 a training process mid-epoch, rerun the same
command, and the final weights equal an uninterrupted run's."""

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
    return found


def mid_epoch_checkpoint(workdir):
    """The newest checkpoint's position if it is past epoch 0, mid-epoch."""
    latest = Checkpoints(workdir).latest()
    if latest is None:
        return None
    position = Checkpoints.read_state(latest)["position"]
    return position if position.epoch >= 1 and 2 <= position.batch <= 12 \
        else None


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
    print(family, "resumed from", position, "max |diff|", worst, len(expected))
    assert worst <= 1e-5, worst
    # The run folder is whole: all epochs in the history, checkpoints gone.
    with open(os.path.join(killed, run_folder.HISTORY)) as f:
        assert len(f.read().strip().splitlines()) == 1 + 3
    assert not os.path.exists(os.path.join(killed, "checkpoints"))
    # A completed run is never overwritten: the same command now refuses.
    proc = tfft("train", *args(killed))
    assert proc.returncode == 2 and "completed run" in proc.stderr
