"""Running a model over data, and loading a finished run to do so."""

import dataclasses
import json
import os

import numpy as np

from tfft import config as config_lib
from tfft import keras_compat
from tfft import run_folder
from tfft.data import pipeline
from tfft.models import builder
from tfft.tasks import get_task


def model_outputs(model, task, tokenized, tokenizer, batch_size: int):
    """The model's outputs for every feature of `tokenized`, in its order:
    an array [features, ...] for a task with one output row per feature,
    or (`task.output_kind == "token"`) a list of [length, ...] arrays, each
    trimmed to its feature's tokens.

    The features run longest first, so each dynamically padded batch holds
    features of about the same length (far fewer pad tokens than the data's
    own order; the largest shape comes first, so does the peak memory)."""
    lengths = [len(ids) for ids in tokenized["input_ids"]]
    order = np.argsort([-n for n in lengths], kind="stable")
    batches = pipeline.batches_of(order, batch_size)
    dataset = pipeline.index_stream(tokenized, lambda: iter(batches),
                                    collate_fn=task.collator(tokenizer),
                                    num_batches=len(batches))
    predicted = model.predict(dataset, verbose=0)
    if task.output_kind != "token":
        sorted_outputs = np.asarray(predicted)
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
    outputs = model_outputs(model, task, features, tokenizer, batch_size)
    return task.evaluate(outputs, features, examples), outputs


@dataclasses.dataclass
class FinishedRun:
    config: object
    task: object
    bundle: builder.ModelBundle
    folder: run_folder.RunFolder

    def outputs(self, tokenized):
        return model_outputs(self.bundle.model, self.task, tokenized,
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
    folder = run_folder.RunFolder(workdir)
    folder.require_complete()
    config = config_lib.load_run_config(folder.workdir)
    return _load(folder.path(run_folder.MODEL), config, precision, folder)


def load_model(model_dir: str, precision: str = "") -> FinishedRun:
    """A run's `model/` on its own (copied, or downloaded from a hub): the
    config saved in its manifest (a run's config.json beside it for runs
    written before the manifest held it)."""
    manifest = builder.read_manifest(model_dir)
    if "config" in manifest:
        config = config_lib.from_json(json.dumps(manifest["config"]))
    else:
        config = config_lib.load_run_config(
            os.path.dirname(os.path.abspath(model_dir)))
    return _load(model_dir, config, precision, None)


def _load(model_dir, config, precision, folder) -> FinishedRun:
    manifest = builder.read_manifest(model_dir)
    task = get_task(config.task, config, state=manifest["task_state"])
    if precision:
        config.train.precision = precision
    with keras_compat.precision(config.model.family, config.train.precision):
        bundle = builder.load(model_dir, config.model, task)
    return FinishedRun(config, task, bundle, folder)


def evaluate_run(workdir: str, split: str = "test", files=None) -> dict:
    """A finished run's metrics on one of its splits (carved as training
    carved it, from the same seed) or on labeled `files` (`tfft-evaluate`).
    """
    from tfft.data import sources

    run = load_run(workdir)
    task, data = run.task, run.config.data
    if files:
        dataset = task.prepare_labeled(sources.load_files(
            sources.expand(files), "evaluation",
            conll_config=data if task.conll_files() else None),
            "evaluation")
    else:
        dataset = task.prepare(sources.load_splits(
            data, conll=task.conll_files()))[split]
    return run.evaluate(dataset)


def predict_file(model_path: str, path: str, **options) -> list:
    """Prediction records for the inputs in `path`, from a finished run or
    a tfft SavedModel (`tfft-predict`; `options`: the task's prediction
    settings, e.g. `aggregation_strategy`). A run computes in float32
    whatever its training precision, as `tfft-export` serves it, so the
    run folder and its export give the same predictions."""
    from tfft.export.versions import is_export

    if is_export(model_path):
        exported = load_export(model_path)
        return exported.predictions(exported.task.read_inputs(path),
                                    **options)
    run = load_run(model_path, precision="float32")
    return run.predictions(run.task.read_inputs(path), **options)


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

    from tfft.errors import UserError
    from tfft.export import saved_model
    from tfft.export import versions

    directory = versions.resolve(path)
    if directory is None:
        raise UserError(f"{path} holds no SavedModel (saved_model.pb or "
                        "numbered versions); pass a tfft-export directory")
    meta = saved_model.read_metadata(directory)
    if not meta:
        raise UserError(
            f"{directory} has no {saved_model.METADATA}: not exported by "
            "tfft; serve it with TF Serving or tools/rest_predict.py")
    config = config_lib.from_json(json.dumps(meta["config"]))
    task = get_task(meta["task"], config, state=meta["task_state"])
    loaded = tf.saved_model.load(directory)
    return ExportedModel(directory, config, task,
                         loaded.signatures[saved_model.SERVING_DEFAULT],
                         meta["text_inputs"])
