"""The Checkpointer's hooks driven directly; inside `fit` (both families,
kill -9 and rerun) it is tested by tests/training/test_resume.py."""

import contextlib

import numpy as np
import pytest
import tensorflow as tf
import tf_keras

from tfft.callbacks.checkpointer import Checkpointer
from tfft.data.pipeline import Position
from tfft.training.checkpoint import Checkpoints


class Model:
    """The metrics a compiled model has; `strategy`: made in its scope and
    updated per replica, as `fit` does (replica 0 takes each batch)."""

    def __init__(self, strategy=None):
        self.strategy = strategy
        with strategy.scope() if strategy else contextlib.nullcontext():
            self.metrics = [tf_keras.metrics.Mean(name="loss"),
                            tf_keras.metrics.SparseCategoricalAccuracy(
                                name="accuracy")]

    def step(self, loss, label, prediction):
        def update(weight):
            self.metrics[0].update_state(loss, sample_weight=weight)
            self.metrics[1].update_state([label], [prediction],
                                         sample_weight=[weight])

        if self.strategy is None:
            update(1.0)
        else:
            per_replica = self.strategy.\
                experimental_distribute_values_from_function
            weights = per_replica(
                lambda ctx: float(ctx.replica_id_in_sync_group == 0))
            self.strategy.run(update, args=(weights,))
        return {m.name: float(m.result()) for m in self.metrics}


def _saver(model, path, **kwargs):
    saver = Checkpointer(Checkpoints(str(path)), every_steps=2,
                         steps_per_epoch=4, **kwargs)
    saver.set_model(model)
    saver._variables = []  # what on_train_begin collects (no optimizer)
    return saver


BATCHES = [(1.0, 1, [0.2, 0.8]), (2.0, 0, [0.3, 0.7]),
           (3.0, 1, [0.4, 0.6]), (4.0, 0, [0.9, 0.1])]


def _mirrored():
    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])


@pytest.mark.parametrize("strategy", [None, _mirrored],
                         ids=["default", "mirrored"])
def test_a_resumed_epoch_logs_the_whole_epoch_not_its_resumed_part(
        tmp_path, strategy):
    strategy = strategy and strategy()
    # Mirrored: tf_keras metrics are SyncOnRead variables (read as the sum
    # of the replicas' parts), which refuse assign_add across replicas.
    model = Model(strategy)
    saver = _saver(model, tmp_path)
    saver.on_epoch_begin(0)
    for batch, values in enumerate(BATCHES[:2]):
        saver.on_train_batch_end(batch, model.step(*values))
    state = Checkpoints.read_state(Checkpoints(str(tmp_path)).latest())
    assert tuple(state["position"]) == (0, 2)
    assert state["train_metrics"]["loss"] == [3.0, 2.0]  # total, count
    # Killed here; the rerun's metrics start from zero.
    model = Model(strategy)
    saver = _saver(model, tmp_path / "again", start=Position(0, 2),
                   train_metrics=state["train_metrics"])
    saver.on_epoch_begin(0)
    for batch, values in enumerate(BATCHES[2:]):
        logs = model.step(*values)
        saver.on_train_batch_end(batch, logs)
    alone = Model()  # what the resumed part alone would log
    assert [alone.step(*values) for values in BATCHES[2:]][-1] == {
        "loss": 3.5, "accuracy": 1.0}
    logs = {"loss": 3.5, "accuracy": 1.0, "val_loss": 9.0}
    saver.on_epoch_end(0, logs)
    whole = {"loss": 2.5, "accuracy": 0.75, "val_loss": 9.0}
    assert logs == whole and saver.epoch_logs == [whole]
    # The carry is for the resumed epoch only; the epoch-end checkpoint
    # has no running sums (the next epoch starts from zero).
    state = Checkpoints.read_state(Checkpoints(str(tmp_path / "again"))
                                   .latest())
    assert tuple(state["position"]) == (1, 0)
    assert "train_metrics" not in state
    for m in model.metrics:
        m.reset_state()
    saver.on_epoch_begin(1)
    logs = model.step(*BATCHES[0])
    saver.on_train_batch_end(0, logs)
    saver.on_epoch_end(1, logs)
    assert np.isclose(saver.epoch_logs[-1]["loss"], 1.0)


def test_without_steps_per_epoch_the_logs_are_left_as_they_are(tmp_path):
    """The epoch's end is known only from `steps_per_epoch`; without it the
    logs stay fit's (the resumed part's), never emptied or None."""
    model = Model()
    saver = _saver(model, tmp_path, start=Position(0, 2),
                   train_metrics={"loss": [3.0, 2.0]})
    saver.steps_per_epoch = None
    saver.on_epoch_begin(0)
    saver.on_train_batch_end(0, model.step(*BATCHES[2]))
    logs = {"loss": 3.0, "accuracy": 1.0}
    saver.on_epoch_end(0, logs)
    assert logs == {"loss": 3.0, "accuracy": 1.0}


@pytest.mark.parametrize("family", ["keras_hub", "hf"])
def test_in_the_background_inside_fit_each_checkpoint_is_its_batch(
        kit, family, tmp_path):
    """Every batch saves in the background (a write may overlap the next
    batch): each checkpoint holds the weights and optimizer state of the
    batch end it was asked at."""
    k = kit(family)
    at = {}

    class Record(tf_keras.callbacks.Callback):  # runs just before the saver
        def on_train_batch_end(self, batch, logs=None):
            at[(self.epoch, batch + 1)] = [
                v.numpy().copy() for v in saver._variables]

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

    checkpoints = Checkpoints(str(tmp_path), keep=3)
    saver = Checkpointer(checkpoints, every_steps=1, steps_per_epoch=12,
                         background=True)
    k.fit([Record(), saver], epochs=2)
    saver.wait()
    assert len(saver.saved) == 24
    for path in saver.saved[-3:-1]:  # mid-epoch (the last is an epoch end)
        state = Checkpoints.read_state(path)
        expected = at[tuple(state["position"])]
        with np.load(f"{path}/variables.npz") as saved:
            assert len(saved) == len(expected)
            for i, value in enumerate(expected):
                np.testing.assert_array_equal(saved[f"arr_{i}"], value)
    # Training moved the weights after each of them.
    assert any(not np.array_equal(a, b) for a, b in zip(
        at[(1, 10)], at[(1, 11)]))
