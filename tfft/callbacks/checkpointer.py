"""Saves the full training state so that a killed run can resume."""

import math

import numpy as np
import tf_keras
from absl import logging

from tfft.data.pipeline import Position
from tfft.training import checkpoint


class Checkpointer(tf_keras.callbacks.Callback):
    """Writes a checkpoint (`tfft.training.checkpoint`) every `every_steps`
    batches into an epoch and at each epoch end, keeping the newest `keep`.

    A checkpoint holds the weights, optimizer state, RNG states, the
    position in the data, the epoch logs so far (`epoch_logs`), the state
    of each callback in `stateful` (objects with `get_state()` and
    `set_state(state)`) and, mid-epoch, the training metrics' running
    sums: resumed there (`train_metrics`: the checkpoint's), the epoch's
    `loss` and metrics cover the whole epoch, not only its resumed part.
    Put it last in `callbacks`, so that the state it saves at an epoch's
    end includes the other callbacks' work. A state
    whose loss or weights are NaN or infinite is never saved: the newest
    checkpoint stays the last good one.

    `background=True` writes in a thread while training goes on (the
    values are those of the save's moment, see `tfft.training.checkpoint`;
    one write at a time): `fit` may return before the last write ends, so
    call `wait()` before reading the checkpoints. tfft's trainer does, after
    the test evaluation that the last write overlaps.

    `tfft.training.trainer` resumes from these checkpoints and feeds the
    data from the saved position. In your own `fit` code (either family)::

        ckpt = Checkpointer(Checkpoints("runs/x"), every_steps=100)
        model.fit(train, validation_data=val, epochs=3, callbacks=[ckpt])
        # after a crash: the same model and compile, then
        checkpoint.build_optimizer(model)
        state = Checkpoints.restore(Checkpoints("runs/x").latest(),
                                    checkpoint.training_variables(model))
        # state["position"]: (epoch, batch) to resume your data from;
        # Checkpointer(..., start=state["position"],
        #              train_metrics=state.get("train_metrics")) carries
        # the interrupted epoch's metric sums
    """

    def __init__(self, checkpoints, *, every_steps=0, start=Position(0, 0),
                 steps_per_epoch=None, stateful=(), epoch_logs=(),
                 train_metrics=None, background=False):
        super().__init__()
        self.checkpoints = checkpoints
        self.background = background
        self.every_steps = every_steps
        self.steps_per_epoch = steps_per_epoch
        self.position = Position(*start)
        self.stateful = list(stateful)
        self.epoch_logs = list(epoch_logs)
        self.saved = []
        # The interrupted epoch's metric sums, added to the resumed part's
        # after its first batch (the metrics exist by then in both Keras
        # flavours); their values at the epoch's last batch replace the
        # epoch logs' (validation may reuse the metrics after that).
        self._carried = dict(train_metrics or {}) if self.position.batch \
            else {}
        self._topped_up = set()
        self._whole_epoch = {}

    def on_train_begin(self, logs=None):
        checkpoint.build_optimizer(self.model)
        self._variables = checkpoint.training_variables(self.model)

    def on_epoch_begin(self, epoch, logs=None):
        if epoch != self.position.epoch:
            self.position = Position(epoch, 0)

    def on_train_batch_end(self, batch, logs=None):
        epoch, done = self.position.epoch, self.position.batch + 1
        self.position = Position(epoch, done)
        if self._carried:
            self._topped_up = _add_metric_sums(self.model, self._carried)
            self._carried = {}
        if self._topped_up and done == self.steps_per_epoch:
            self._whole_epoch = {name: float(metric.result()) for name, metric
                                 in _leaf_metrics(self.model).items()
                                 if name in self._topped_up}
        if (self.every_steps and done % self.every_steps == 0
                and done != self.steps_per_epoch  # the epoch end saves
                and _finite(logs)):
            self.save()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs.update({k: v for k, v in self._whole_epoch.items()
                         if k in logs})
        self._topped_up, self._whole_epoch = set(), {}
        self.epoch_logs.append({k: float(v) for k, v in (logs or {}).items()})
        self.position = Position(epoch + 1, 0)
        if _finite(logs):
            self.save()
        else:
            logging.warning("Epoch %d: loss is not finite; no checkpoint",
                            epoch + 1)

    def state(self) -> dict:
        state = {"epoch_logs": self.epoch_logs,
                 "callbacks": {state_key(self.stateful, cb): cb.get_state()
                               for cb in self.stateful}}
        if self.position.batch:
            state["train_metrics"] = {
                name: [v.numpy().tolist() for v in metric.variables]
                for name, metric in _leaf_metrics(self.model).items()}
        return state

    def save(self):
        """Saves the state now (in the background: logs once written)."""
        position = self.position

        def written(path):
            if path is None:
                logging.warning("Not saving epoch %d, batch %d: the weights "
                                "are not finite", position.epoch,
                                position.batch)
                return
            self.saved.append(path)
            logging.info("Checkpoint %s at epoch %d, batch %d", path,
                         position.epoch, position.batch)

        # In the background, an error is raised by the next save or wait().
        self.checkpoints.save(self._variables, position, self.state(),
                              background=self.background, then=written)

    def wait(self):
        """Waits for the background write in flight, if any (raises its
        error)."""
        self.checkpoints.wait()


def _leaf_metrics(model) -> dict:
    """The model's training metrics by name (`loss` first), containers
    (Keras 3's compiled metrics) opened."""
    found = {}

    def visit(metric):
        inner = getattr(metric, "metrics", None)
        if inner and all(m is not metric for m in inner):
            for m in inner:
                visit(m)
        elif metric.variables:
            found.setdefault(metric.name, metric)

    for metric in model.metrics:
        visit(metric)
    return found


def _add_metric_sums(model, saved: dict) -> set:
    """Adds each saved metric's state to the live one (Keras metrics keep
    sums: totals, counts, true positives...); returns the names done."""
    done = set()
    for name, metric in _leaf_metrics(model).items():
        values = saved.get(name)
        if values is None or len(values) != len(metric.variables):
            continue
        for variable, value in zip(metric.variables, values):
            # tf_keras under a strategy: a SyncOnRead variable, read as the
            # sum of its replicas' parts; add to the first part.
            parts = getattr(variable, "values", None)
            target = parts[0] if isinstance(parts, tuple) and parts \
                else variable
            target.assign_add(np.asarray(value).astype(
                getattr(variable.dtype, "name", variable.dtype)))
        done.add(name)
    return done


def _finite(logs) -> bool:
    return all(math.isfinite(float(v)) for k, v in (logs or {}).items()
               if k in ("loss", "val_loss"))


def state_key(callbacks, callback) -> str:
    """`ClassName` or `ClassName.<i>` when several share a class."""
    same = [cb for cb in callbacks if type(cb) is type(callback)]
    name = type(callback).__name__
    return name if len(same) == 1 else f"{name}.{same.index(callback)}"


def restore_callbacks(callbacks, saved: dict) -> None:
    """Gives each stateful callback its state from a checkpoint."""
    for cb in callbacks:
        key = state_key(callbacks, cb)
        if key in saved:
            cb.set_state(saved[key])
