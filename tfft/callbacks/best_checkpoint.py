"""Keeps the weights of the best epoch so far."""

import tf_keras
from absl import logging

from tfft.callbacks.monitor import Monitor
from tfft.data.pipeline import Position
from tfft.training.checkpoint import Checkpoints

BEST = "best"


class BestCheckpoint(tf_keras.callbacks.Callback):
    """At each epoch end where `monitor` improved, saves the model's
    weights to `<workdir>/best/<n>/` (atomic; only the newest is kept).
    `restore(model)` loads them back, e.g. before the final evaluation
    (tfft's `train.restore_best`, like HF Trainer's
    `load_best_model_at_end`). In your own code (either family)::

        best = BestCheckpoint("runs/x", monitor="val_accuracy", mode="max")
        model.fit(train, validation_data=val, epochs=5, callbacks=[best])
        best.restore(model)  # the weights of the best epoch

    `get_state`/`set_state` carry the best value over a resume.
    """

    def __init__(self, workdir, monitor="val_loss", mode="min"):
        super().__init__()
        self._monitor = Monitor(monitor, mode, owner="BestCheckpoint")
        self.checkpoints = Checkpoints(workdir, keep=1, name=BEST)
        self.best_epoch = None

    @property
    def best(self) -> float:
        return self._monitor.best

    def on_epoch_end(self, epoch, logs=None):
        value = self._monitor.value(logs)
        if not self._monitor.update(value):
            return
        self.best_epoch = epoch
        path = self.checkpoints.save(
            self.model.variables, Position(epoch + 1, 0),
            {"monitor": self._monitor.key, "value": value})
        logging.info("Epoch %d: %s=%.5g is the best so far; saved %s",
                     epoch + 1, self._monitor.key, value, path)

    def restore(self, model) -> int:
        """Loads the best weights into `model`; returns the (0-based)
        epoch they are from. Raises if no epoch was saved."""
        path = self.checkpoints.latest()
        if path is None:
            raise FileNotFoundError(
                f"no best checkpoint in {self.checkpoints.directory}")
        state = Checkpoints.restore(path, model.variables)
        return state["position"].epoch - 1

    def get_state(self) -> dict:
        return {**self._monitor.get_state(), "best_epoch": self.best_epoch}

    def set_state(self, state: dict) -> None:
        self._monitor.set_state(state)
        self.best_epoch = state["best_epoch"]
