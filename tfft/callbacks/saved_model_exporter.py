"""Exports the best model so far as the next TF Serving version."""

import tf_keras
from absl import logging

from tfft.callbacks.monitor import Monitor


class SavedModelExporter(tf_keras.callbacks.Callback):
    """At each epoch end where `monitor` improved (`mode` "min" or "max"),
    writes the model being trained to `export_dir/<n>/` as a SavedModel that
    serves raw strings (see `tfft.export.saved_model`), then deletes all but
    the newest `keep` versions (0 keeps all). Writes are atomic and checked
    against TF Serving's ops, like `tfft-export`. The graph computes in the
    precision the model trains in (`tfft-export` always uses float32).

    In your own training code (either family's `fit`)::

        task = tfft.tasks.get_task("classification", config, state)
        bundle = tfft.models.builder.build(config.model, task)
        exporter = SavedModelExporter(
            "exports/sentiment", tokenizer=bundle.tokenizer, task=task,
            config=config, monitor="val_accuracy", mode="max", keep=3)
        bundle.model.fit(train, validation_data=val, callbacks=[exporter])

    After `fit`: `best` (the monitored value) and `exported` (paths written).
    `get_state`/`set_state` carry them over a resume.
    """

    def __init__(self, export_dir, *, tokenizer, task, config,
                 monitor="val_loss", mode="min", keep=3, allow_ops=()):
        super().__init__()
        self._monitor = Monitor(monitor, mode, owner="SavedModelExporter")
        self.export_dir = export_dir
        self.tokenizer, self.task, self.config = tokenizer, task, config
        self.monitor, self.mode, self.keep = monitor, mode, keep
        self.allow_ops = tuple(allow_ops)
        self.exported = []

    @property
    def best(self) -> float:
        return self._monitor.best

    def on_epoch_end(self, epoch, logs=None):
        value = self._monitor.value(logs)
        if not self._monitor.improved(value):
            return
        from tfft.export import saved_model

        path, report = saved_model.export(
            self.model, self.tokenizer, self.task, self.config,
            self.export_dir, keep=self.keep, allow_ops=self.allow_ops,
            extra_metadata={"epoch": epoch + 1, "monitor": self.monitor,
                            "value": value})
        self._monitor.update(value)
        self.exported.append(path)
        logging.info("Epoch %d: %s=%.5g improved; exported %s (%s)",
                     epoch + 1, self.monitor, value, path, report.summary())

    def get_state(self) -> dict:
        return {**self._monitor.get_state(), "exported": self.exported}

    def set_state(self, state: dict) -> None:
        self._monitor.set_state(state)
        self.exported = list(state["exported"])
