"""Training logs at every step, for curves that mean something even for a
one-epoch run."""

import tf_keras


class StepHistory(tf_keras.callbacks.Callback):
    """Records `keys` from each training batch's logs (Keras reports running
    means over the epoch so far) against the fractional epoch.

    After `fit`: `self.epochs` (e.g. 0.25, 0.5, ...) and `self.logs[key]`.
    `steps_per_epoch` defaults to fit's `steps`; pass it when a fit starts
    mid-epoch (a resumed run). Records accumulate over the `fit` calls of
    one training; `get_state`/`set_state` carry them over a resume.
    """

    def __init__(self, keys=("loss",), steps_per_epoch=None):
        super().__init__()
        self.keys = tuple(keys)
        self.steps_per_epoch = steps_per_epoch
        self.epochs, self.logs = [], {k: [] for k in self.keys}
        self._epoch, self._batch = 0, 0

    def on_epoch_begin(self, epoch, logs=None):
        if epoch != self._epoch:
            self._epoch, self._batch = epoch, 0

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        self._batch += 1
        steps = (self.steps_per_epoch or (self.params or {}).get("steps")
                 or self._batch)
        self.epochs.append(self._epoch + self._batch / steps)
        for key in self.keys:
            value = logs.get(key)
            self.logs[key].append(float(value) if value is not None
                                  else float("nan"))

    def get_state(self) -> dict:
        return {"epochs": self.epochs, "logs": self.logs,
                "position": [self._epoch, self._batch]}

    def set_state(self, state: dict) -> None:
        self.epochs = list(state["epochs"])
        self.logs = {k: list(state["logs"].get(k, [])) for k in self.keys}
        self._epoch, self._batch = state["position"]
