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

        metrics = ValidationMetrics.for_task(
            task, tokenized["validation"], bundle.tokenizer, batch_size=64,
            examples=splits["validation"])
        stop = EarlyStopping(monitor="val_f1_macro", mode="max")
        model.fit(train, epochs=5, callbacks=[metrics, stop])

    `history` holds each evaluation's full result (per-class entries too).
    """

    SKIPPED = ("num_",)  # counts (num_examples, num_words), not metrics

    def __init__(self, evaluate_fn, prefix="val_"):
        super().__init__()
        self.evaluate_fn = evaluate_fn
        self.prefix = prefix
        self.history = []

    @classmethod
    def for_task(cls, task, tokenized, tokenizer, batch_size, prefix="val_",
                 examples=None):
        """`tokenized`: the split's features; `examples`: its examples
        (needed by tasks with several features per example)."""
        from tfft.inference import evaluate_split

        def evaluate(model):
            return evaluate_split(model, task, examples, tokenized,
                                  tokenizer, batch_size)[0]

        return cls(evaluate, prefix)

    def on_epoch_end(self, epoch, logs=None):
        results = self.evaluate_fn(self.model)
        self.history.append(results)
        if logs is None:
            return
        for name, value in results.items():
            if (isinstance(value, numbers.Number)
                    and not isinstance(value, bool)
                    and not name.startswith(self.SKIPPED)):
                logs[self.prefix + name] = float(value)
