"""Runs an evaluation each epoch and puts its results in the epoch logs."""

import numbers

import tf_keras


class ValidationMetrics(tf_keras.callbacks.Callback):
    """At each epoch end, calls `evaluate_fn(model)` -> dict and adds its
    numeric entries to the epoch logs as `prefix + name` (other callbacks
    placed after it, and the History, see them). `for_task` evaluates a
    tfft task on a tokenized split with tfft's evaluate modules (the same
    code `tfft-evaluate` runs), so the validation figures during training
    and after it are computed alike; tfft's trainer uses it instead of
    `fit`'s own validation pass. In your own code (either family)::

        metrics = ValidationMetrics.for_task(task, tokenized["validation"],
                                             bundle.tokenizer, batch_size=64)
        stop = EarlyStopping(monitor="val_f1_macro", mode="max")
        model.fit(train, epochs=5, callbacks=[metrics, stop])

    `history` holds each evaluation's full result (per-class entries too).
    """

    SKIPPED = ("num_examples",)

    def __init__(self, evaluate_fn, prefix="val_"):
        super().__init__()
        self.evaluate_fn = evaluate_fn
        self.prefix = prefix
        self.history = []

    @classmethod
    def for_task(cls, task, tokenized, tokenizer, batch_size, prefix="val_"):
        from tfft.inference import model_outputs

        def evaluate(model):
            outputs = model_outputs(model, task, tokenized, tokenizer,
                                    batch_size)
            return task.evaluate(outputs, tokenized)

        return cls(evaluate, prefix)

    def on_epoch_end(self, epoch, logs=None):
        results = self.evaluate_fn(self.model)
        self.history.append(results)
        if logs is None:
            return
        for name, value in results.items():
            if (isinstance(value, numbers.Number)
                    and not isinstance(value, bool)
                    and name not in self.SKIPPED):
                logs[self.prefix + name] = float(value)
