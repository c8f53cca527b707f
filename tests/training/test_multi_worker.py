"""MultiWorkerMirroredStrategy: two tfft-train processes on loopback, one
cluster from TF_CONFIG, run to completion and end with identical weights."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from tests.cli.test_cli import REPO
from tests.cli.test_cli import files  # noqa: F401  (fixture)
from tests.cli.test_cli import tiny_args
from tests.conftest import KERAS_HUB_THEN_SLOW_HF
from tests.training.test_resume import arrays
from tfft import run_folder


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


@pytest.mark.parametrize("family", KERAS_HUB_THEN_SLOW_HF)
def test_two_workers_on_loopback_reach_identical_weights(
        family, tiny_bert, files, tmp_path):  # noqa: F811
    workdir = str(tmp_path / "run")
    cluster = {"worker": [f"localhost:{p}" for p in free_ports(2)]}
    args = [*tiny_args(tiny_bert, files, workdir),
            f"--config.model.family={family}",
            "--config.train.strategy=multi_worker",
            # 8 per replica: the global batch of 16 the one-process runs
            # of `tiny_args` take, so as many steps learn as much.
            "--config.train.batch_size=8",
            "--config.train.epochs=3", "--config.train.checkpoint_steps=4"]
    workers = []
    for index in range(2):
        env = dict(os.environ, HF_HUB_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3",
                   TF_CONFIG=json.dumps({
                       "cluster": cluster,
                       "task": {"type": "worker", "index": index}}))
        workers.append(subprocess.Popen(
            [sys.executable, "-m", "tfft.cli.train", *args], env=env,
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True))
    outputs = []
    try:
        for proc in workers:
            outputs.append(proc.communicate(timeout=600))
    finally:
        for proc in workers:
            proc.kill()
    for proc, (_, err) in zip(workers, outputs):
        assert proc.returncode == 0, err[-3000:]
    assert "2 replica(s), global batch 16" in outputs[0][1]

    # The chief writes the run folder; worker 1 its own, under it.
    chief, other = workdir, os.path.join(workdir, "worker-1")
    for d in (chief, other):
        assert os.path.exists(os.path.join(d, run_folder.COMPLETED)), d
    expected = arrays(os.path.join(chief, run_folder.MODEL))
    got = arrays(os.path.join(other, run_folder.MODEL))
    assert expected and sorted(got) == sorted(expected)
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)
    # Both evaluated the whole test split and agree on it.
    metrics = [json.loads(out)["test"] for out, _ in outputs]
    assert metrics[0] == metrics[1]
    assert metrics[0]["accuracy"] >= 0.75  # learned (chance: 0.5)
