"""Scalars for TensorBoard, written the same way under both flavours."""

import tensorflow as tf
import tf_keras
from tensorflow.core.framework import summary_pb2

TRAIN, VALIDATION = "train", "validation"
# What tensorboard's own `scalar` summary writes: written with the core
# `tf.summary.write`, the callback does not need the tensorboard package.
_SCALAR = summary_pb2.SummaryMetadata(
    plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))


class TensorBoard(tf_keras.callbacks.Callback):
    """Writes the logs of every `update_freq`-th batch (0: none) and of
    each epoch as TensorBoard scalars: `logdir/train` (batch scalars at the
    global batch number, `epoch_<name>` at the epoch number) and
    `logdir/validation` (`val_<name>` as `epoch_<name>`), plus the
    learning rate. Keras' own TensorBoard callbacks are flavour-specific
    (tf_keras' does not run in Keras 3's `fit`); this one runs in both.
    The batch count survives a resume (`get_state`/`set_state`).
    In your own code::

        model.fit(train, validation_data=val, epochs=3,
                  callbacks=[TensorBoard("runs/x/tensorboard", 50)])
        # tensorboard --logdir runs/x/tensorboard
    """

    def __init__(self, logdir, update_freq=100):
        super().__init__()
        self.logdir = logdir
        self.update_freq = update_freq
        self.step = 0
        self._writers = {}

    def _writer(self, name):
        if name not in self._writers:
            self._writers[name] = tf.summary.create_file_writer(
                f"{self.logdir}/{name}")
        return self._writers[name]

    def _write(self, name, scalars, step):
        with self._writer(name).as_default(step=step):
            for key, value in scalars.items():
                tf.summary.write(key, tf.constant(float(value), tf.float32),
                                 metadata=_SCALAR)

    def learning_rate(self):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None:
            return None
        lr = optimizer.learning_rate
        if callable(lr):  # a schedule object (tf_keras)
            lr = lr(optimizer.iterations)
        return float(lr)

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.update_freq and self.step % self.update_freq == 0:
            scalars = dict(logs or {})
            lr = self.learning_rate()
            if lr is not None:
                scalars["learning_rate"] = lr
            self._write(TRAIN, scalars, self.step)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {f"epoch_{k}": v for k, v in logs.items()
                 if not k.startswith("val_")}
        validation = {f"epoch_{k[4:]}": v for k, v in logs.items()
                      if k.startswith("val_")}
        self._write(TRAIN, train, epoch)
        if validation:
            self._write(VALIDATION, validation, epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def get_state(self) -> dict:
        return {"step": self.step}

    def set_state(self, state: dict) -> None:
        self.step = state["step"]
