"""Checkpoints written in the background hold the values of the moment
they were asked for, though training changes the variables before the
thread writes them."""

import json
import os
import threading

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfft.data.pipeline import Position
from tfft.training import checkpoint
from tfft.training.checkpoint import Checkpoints


@pytest.fixture
def held(monkeypatch):
    """Background writes start only once `held.set()` is called."""
    release = threading.Event()
    write = Checkpoints._write

    def after_release(self, *args):
        assert release.wait(30)
        return write(self, *args)

    monkeypatch.setattr(Checkpoints, "_write", after_release)
    return release


def test_a_background_save_writes_the_values_and_state_of_its_moment(
        tmp_path, held):
    weights = tf.Variable(tf.reshape(tf.range(6.0), [2, 3]))
    step = tf.Variable(7, dtype=tf.int64)
    scale = keras.Variable(np.ones([4], "float32"))  # Keras 3's own
    variables = [weights, step, scale]
    logs = [{"loss": 1.0}]
    checkpoints = Checkpoints(str(tmp_path))
    writing = checkpoints.save(variables, Position(1, 2),
                               {"epoch_logs": logs}, background=True)

    @tf.function(jit_compile=True)  # XLA's updates as well as plain ones
    def train_step():
        weights.assign_add(tf.ones([2, 3]))
        scale.assign(scale * 3.0)

    train_step()
    step.assign_add(1)
    logs.append({"loss": 0.5})
    assert not writing.done()
    held.set()
    path = checkpoints.wait()
    assert writing.result() == path and checkpoints.latest() == path

    fresh = [tf.Variable(tf.zeros([2, 3])), tf.Variable(0, dtype=tf.int64),
             keras.Variable(np.zeros([4], "float32"))]
    state = Checkpoints.restore(path, fresh)
    np.testing.assert_array_equal(fresh[0].numpy(),
                                  np.arange(6.0).reshape(2, 3))
    assert int(fresh[1].numpy()) == 7
    np.testing.assert_array_equal(fresh[2].numpy(), np.ones([4]))
    assert state["epoch_logs"] == [{"loss": 1.0}]
    assert tuple(state["position"]) == (1, 2)
    assert weights.numpy()[0, 0] == 1.0  # training went on meanwhile
    assert "tfft-checkpoint" not in [t.name for t in threading.enumerate()]


def test_one_background_write_at_a_time_and_non_finite_never_published(
        tmp_path, held):
    weights = tf.Variable([1.0, 2.0])
    checkpoints = Checkpoints(str(tmp_path))
    first = checkpoints.save([weights], Position(0, 1), {}, background=True)
    weights.assign([np.nan, 2.0])
    saving = threading.Thread(target=lambda: checkpoints.save(
        [weights], Position(0, 2), {}, background=True))
    saving.start()
    saving.join(0.5)
    assert saving.is_alive()  # the second save waits for the first write
    held.set()
    saving.join(30)
    assert first.result().endswith("1")
    assert checkpoints.wait() is None  # NaN: nothing written
    assert checkpoints.latest() == first.result()
    assert sorted(os.listdir(checkpoints.directory)) == ["1"]


def test_a_wait_interrupted_by_ctrl_c_is_waited_for_again(tmp_path, held):
    """Ctrl-C raises KeyboardInterrupt wherever the main thread is, a
    join included: the write in flight is not forgotten, so the trainer's
    wait on the way out still finishes it before the newest checkpoint is
    named."""
    checkpoints = Checkpoints(str(tmp_path))
    checkpoints.save([tf.Variable([1.0])], Position(0, 3), {},
                     background=True)
    thread = checkpoints._writing.thread

    def ctrl_c(timeout=None):
        del thread.join  # the next join is the real one
        raise KeyboardInterrupt

    thread.join = ctrl_c
    with pytest.raises(KeyboardInterrupt):
        checkpoints.wait()
    held.set()
    path = checkpoints.wait()
    assert path is not None and checkpoints.latest() == path
    assert tuple(Checkpoints.read_state(path)["position"]) == (0, 3)


def test_a_failed_background_write_raises_at_wait(tmp_path):
    blocker = tmp_path / "checkpoints"
    blocker.write_text("a file where the folder should be")
    checkpoints = Checkpoints(str(tmp_path))
    checkpoints.save([tf.Variable([1.0])], Position(0, 1), {},
                     background=True)
    with pytest.raises(OSError):
        checkpoints.wait()
    assert checkpoints.wait() is None  # reported once


def test_the_synchronous_save_is_unchanged(tmp_path):
    weights = tf.Variable([3.0])
    checkpoints = Checkpoints(str(tmp_path))
    path = checkpoints.save([weights], Position(2, 0), {"k": 1})
    with open(os.path.join(path, checkpoint.STATE)) as f:
        assert json.load(f)["k"] == 1
    assert checkpoints.save([tf.Variable([np.inf])], Position(2, 1),
                            {}) is None
    assert checkpoints.latest() == path
