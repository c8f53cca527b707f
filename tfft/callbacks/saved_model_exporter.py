"""Exports the best model so far as the next TF Serving version."""

import math

import tf_keras
from absl import logging

from tfft.errors import UserError

MODES = ("min", "max")


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
    """

    def __init__(self, export_dir, *, tokenizer, task, config,
                 monitor="val_loss", mode="min", keep=3, allow_ops=()):
        super().__init__()
        if mode not in MODES:
            raise UserError(f"SavedModelExporter mode {mode!r} must be "
                            "'min' or 'max'")
        self.export_dir = export_dir
        self.tokenizer, self.task, self.config = tokenizer, task, config
        self.monitor, self.mode, self.keep = monitor, mode, keep
        self.allow_ops = tuple(allow_ops)
        self.best = math.inf if mode == "min" else -math.inf
        self.exported = []

    def improved(self, value) -> bool:
        return value < self.best if self.mode == "min" else value > self.best

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            raise UserError(
                f"the exporter monitors {self.monitor!r}, which fit's epoch "
                f"logs lack (they have {', '.join(sorted(logs)) or 'none'}); "
                "pass validation_data to fit or monitor one of those"
            )
        value = float(logs[self.monitor])
        if math.isnan(value) or not self.improved(value):
            return
        from tfft.export import saved_model

        path, report = saved_model.export(
            self.model, self.tokenizer, self.task, self.config,
            self.export_dir, keep=self.keep, allow_ops=self.allow_ops,
            extra_metadata={"epoch": epoch + 1, "monitor": self.monitor,
                            "value": value})
        self.best = value
        self.exported.append(path)
        logging.info("Epoch %d: %s=%.5g improved; exported %s (%s)",
                     epoch + 1, self.monitor, value, path, report.summary())
