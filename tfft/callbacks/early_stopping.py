"""Stops training when a monitored quantity stops improving."""

import tf_keras
from absl import logging

from tfft.callbacks.monitor import Monitor


class EarlyStopping(tf_keras.callbacks.Callback):
    """Sets `model.stop_training` once `monitor` has not improved (by more
    than `min_delta`, in `mode` "min" or "max") for `patience` epochs.

    Unlike Keras' own, its counters survive a resume (`get_state` /
    `set_state`) and `fit` called again (tfft's trainer calls it twice
    when resuming mid-epoch). In your own code (either family's `fit`)::

        stop = EarlyStopping(monitor="val_accuracy", mode="max", patience=2)
        model.fit(train, validation_data=val, epochs=20, callbacks=[stop])
        stop.stopped_epoch  # 0-based epoch it stopped after, or None

    After a resume, check `stopped` before calling `fit` again (tfft's
    trainer does): `fit` clears `stop_training` when it starts.

    Best weights: pair it with `BestCheckpoint`.
    """

    def __init__(self, monitor="val_loss", mode="min", patience=1,
                 min_delta=0.0):
        super().__init__()
        self._monitor = Monitor(monitor, mode, min_delta,
                                owner="EarlyStopping")
        self.patience = patience
        self.wait = 0
        self.stopped_epoch = None

    @property
    def best(self) -> float:
        return self._monitor.best

    @property
    def stopped(self) -> bool:
        return self.stopped_epoch is not None

    def on_epoch_end(self, epoch, logs=None):
        value = self._monitor.value(logs)
        if self._monitor.update(value):
            self.wait = 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            logging.info(
                "Early stopping after epoch %d: %s has not improved on "
                "%.5g for %d epoch(s)", epoch + 1, self._monitor.key,
                self.best, self.wait)

    def get_state(self) -> dict:
        return {**self._monitor.get_state(), "wait": self.wait,
                "stopped_epoch": self.stopped_epoch}

    def set_state(self, state: dict) -> None:
        self._monitor.set_state(state)
        self.wait = state["wait"]
        self.stopped_epoch = state["stopped_epoch"]
