"""Running a model over data, and loading a finished run to do so."""

import dataclasses

import numpy as np

from tfft import keras_compat
from tfft import run_folder
from tfft import trained
from tfft.data import pipeline
from tfft.models import builder
from tfft.training import precision as precision_lib


def model_outputs(model, task, tokenized, tokenizer, batch_size: int):
    """The model's outputs for every feature of `tokenized`, in its order:
    an array [features, ...] for a task with one output row per feature,
    or (`task.output_kind == "token"`) a list of [length, ...] arrays, each
    trimmed to its feature's tokens.

    The features run longest first, so each dynamically padded batch holds
    features of about the same length (far fewer pad tokens than the data's
    own order; the largest shape comes first, so does the peak memory).
    From three batches on, the last, shortest one is filled up with
    copies of its last feature (their outputs dropped): where `predict`
    traces per shape (Keras 3 under several replicas), it traces two,
    not three (~0.5 s each for MiniLM here); elsewhere it traces once
    (`keras_compat.trace_predict`)."""
    lengths = [len(ids) for ids in tokenized["input_ids"]]
    order = np.argsort([-n for n in lengths], kind="stable")
    batches = pipeline.batches_of(order, batch_size)
    if len(batches) >= 3 and len(batches[-1]) < batch_size:
        last = batches[-1]
        batches[-1] = np.concatenate(
            [last, np.repeat(last[-1:], batch_size - len(last))])
    dataset = pipeline.index_stream(tokenized, lambda: iter(batches),
                                    collate_fn=task.collator(tokenizer),
                                    num_batches=len(batches))
    keras_compat.trace_predict(model, dataset)  # once, not per shape
    predicted = model.predict(dataset, verbose=0)
    if task.output_kind != "token":
        sorted_outputs = np.asarray(predicted)[:len(order)]
        outputs = np.empty_like(sorted_outputs)
        outputs[order] = sorted_outputs
        return outputs
    # Batches of different lengths come back ragged (both flavours).
    if hasattr(predicted, "row_splits"):  # RaggedTensor [N, (T), ...]
        flat = np.asarray(predicted.flat_values, np.float32)
        splits = np.asarray(predicted.row_splits)
        rows = [flat[a:b] for a, b in zip(splits[:-1], splits[1:])]
    else:
        rows = np.asarray(predicted, np.float32)
    outputs = [None] * len(order)
    for position, index in enumerate(order):
        outputs[index] = rows[position][:lengths[index]]
    return outputs


def evaluate_split(model, task, examples, features, tokenizer,
                   batch_size: int):
    """The one path from a model to a split's task metrics (training's
    final evaluation, the per-epoch `ValidationMetrics`, `tfft-evaluate`):
    (metrics dict, the model outputs it was computed from)."""
    outputs = task.outputs(model, features, tokenizer, batch_size)
    return task.evaluate(outputs, features, examples), outputs


@dataclasses.dataclass
class FinishedRun:
    config: object
    task: object
    bundle: builder.ModelBundle
    folder: run_folder.RunFolder

    def outputs(self, tokenized):
        return self.task.outputs(self.bundle.model, tokenized,
                                 self.bundle.tokenizer,
                                 self.config.train.eval_batch_size)

    def evaluate(self, examples) -> dict:
        features = self.task.tokenize(examples, self.bundle.tokenizer)
        return evaluate_split(self.bundle.model, self.task, examples,
                              features, self.bundle.tokenizer,
                              self.config.train.eval_batch_size)[0]

    def predictions(self, examples, **options) -> list:
        features = self.task.tokenize(examples, self.bundle.tokenizer)
        return self.task.predictions(self.outputs(features), features,
                                     examples, **options)


def load_run(workdir: str, precision: str = "") -> FinishedRun:
    """Config, task (with its learned labels) and trained model of a run,
    computing in `precision` (default: the run's `train.precision`)."""
    config, task = trained.run_task(workdir)
    folder = run_folder.RunFolder(workdir)
    return _load(folder.path(run_folder.MODEL), config, task, precision,
                 folder)


def load_model(model_dir: str, precision: str = "") -> FinishedRun:
    """A run's `model/` on its own (copied, or downloaded from a hub)."""
    config, task = trained.model_task(model_dir)
    return _load(model_dir, config, task, precision, None)


def _load(model_dir, config, task, precision, folder) -> FinishedRun:
    if precision:
        config.train.precision = precision
    config, _ = precision_lib.resolved(config)  # "auto" resolves here too
    with keras_compat.precision(config.model.family, config.train.precision):
        bundle = builder.load(model_dir, config.model, task)
    return FinishedRun(config, task, bundle, folder)


def evaluate_run(workdir: str, split: str = "test", files=None) -> dict:
    """A finished run's metrics on one of its splits (carved as training
    carved it, from the same seed) or on labeled `files` (`tfft-evaluate`).
    The data is read and checked before the model loads."""
    config, task = trained.run_task(workdir)
    dataset = trained.evaluation_data(config, task, split, files)
    return load_run(workdir).evaluate(dataset)


def predict_file(model_path: str, path: str, **options) -> list:
    """Prediction records for the inputs in `path`, from a finished run or
    a tfft SavedModel (`tfft-predict`; `options`: the task's prediction
    settings, e.g. `aggregation_strategy`). The inputs are read and
    checked before the model loads."""
    return predict_inputs(model_path,
                          trained.read_inputs(model_path, path), **options)


def predict_inputs(model_path: str, inputs, **options) -> list:
    """Prediction records for `inputs` (the task's `read_inputs`). A run
    computes in float32 whatever its training precision, as `tfft-export`
    serves it, so the run folder and its export give the same
    predictions."""
    from tfft.export.versions import is_export

    if is_export(model_path):
        return load_export(model_path).predictions(inputs, **options)
    run = load_run(model_path, precision="float32")
    return run.predictions(inputs, **options)


@dataclasses.dataclass
class ExportedModel:
    """A SavedModel written by tfft, served through its raw-text
    signature exactly as TF Serving would run it."""

    path: str
    config: object
    task: object
    signature: object
    text_inputs: dict  # signature input -> data column

    def outputs(self, raw_dataset, start: int, stop: int) -> dict:
        """The signature's outputs (NumPy) for rows [start, stop)."""
        import tensorflow as tf

        batch = raw_dataset[start:stop]
        texts = {name: tf.constant([t if t is not None else ""
                                    for t in batch[column]])
                 for name, column in self.text_inputs.items()}
        return {k: v.numpy() for k, v in self.signature(**texts).items()}

    def predictions(self, raw_dataset, batch_size: int = 64,
                    **options) -> list:
        """The task's records for every row, served as TF Serving would
        (`options`: the task's prediction settings, checked against what
        the export fixed)."""
        records = []
        for start in range(0, len(raw_dataset), batch_size):
            stop = min(start + batch_size, len(raw_dataset))
            records.extend(self.task.serving_predictions(
                self.outputs(raw_dataset, start, stop),
                raw_dataset.select(range(start, stop)), **options))
        return records


def load_export(path: str) -> ExportedModel:
    """A tfft SavedModel, or the latest version in an export directory."""
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (registers the tokenizer ops)

    from tfft.export import saved_model

    directory, config, task, meta = trained.export_task(path)
    loaded = tf.saved_model.load(directory)
    return ExportedModel(directory, config, task,
                         loaded.signatures[saved_model.SERVING_DEFAULT],
                         meta["text_inputs"])
