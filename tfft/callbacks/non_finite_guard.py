"""Stops training when the loss stops being a finite number."""

import math

import tf_keras
from absl import logging


class NonFiniteGuard(tf_keras.callbacks.Callback):
    """Sets `model.stop_training` at the first batch whose `loss` is NaN or
    infinite and records where (`tripped`: epoch, batch, value). tfft's
    `Checkpointer` never saves a non-finite state, so the newest checkpoint
    is the last good one; tfft's trainer then fails with `message()`.
    Unlike Keras' `TerminateOnNaN`, the caller learns what happened and
    where. In your own code (either family)::

        guard = NonFiniteGuard()
        model.fit(train, epochs=3, callbacks=[guard])
        if guard.tripped:
            raise RuntimeError(guard.message())
    """

    def __init__(self, key="loss"):
        super().__init__()
        self.key = key
        self.tripped = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        value = (logs or {}).get(self.key)
        if value is None or self.tripped:
            return
        value = float(value)
        if not math.isfinite(value):
            self.tripped = (self._epoch, batch, value)
            self.model.stop_training = True
            logging.error("%s", self.message())

    def message(self) -> str:
        if not self.tripped:
            return ""
        epoch, batch, value = self.tripped
        return (f"training diverged: {self.key} became {value} at epoch "
                f"{epoch + 1}, batch {batch + 1}; lower the learning rate, "
                "set clip_norm, or train in float32")
