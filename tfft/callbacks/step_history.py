"""Training logs at every step, for curves that mean something even for a
one-epoch run."""

import tf_keras


class StepHistory(tf_keras.callbacks.Callback):
    """Records `keys` from each training batch's logs (Keras reports running
    means over the epoch so far) against the fractional epoch.

    After `fit`: `self.epochs` (e.g. 0.25, 0.5, ...) and `self.logs[key]`.
    """

    def __init__(self, keys=("loss",)):
        super().__init__()
        self.keys = tuple(keys)
        self.epochs, self.logs = [], {k: [] for k in self.keys}

    def on_train_begin(self, logs=None):
        self.epochs, self.logs = [], {k: [] for k in self.keys}
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        steps = (self.params or {}).get("steps") or (batch + 1)
        self.epochs.append(self._epoch + (batch + 1) / steps)
        for key in self.keys:
            value = logs.get(key)
            self.logs[key].append(float(value) if value is not None
                                  else float("nan"))
