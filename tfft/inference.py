"""Running a model over data, and loading a finished run to do so."""

import dataclasses
import json

import numpy as np

from tfft import config as config_lib
from tfft import keras_compat
from tfft import run_folder
from tfft.data import pipeline
from tfft.models import builder
from tfft.tasks import get_task


def model_outputs(model, task, tokenized, tokenizer, batch_size: int):
    """The model's outputs for every example of `tokenized`, in its order.

    The examples run longest first, so each dynamically padded batch holds
    examples of about the same length (far fewer pad tokens than the data's
    own order; the largest shape comes first, so does the peak memory)."""
    order = np.argsort([-len(ids) for ids in tokenized["input_ids"]],
                       kind="stable")
    batches = pipeline.batches_of(order, batch_size)
    dataset = pipeline.index_stream(tokenized, lambda: iter(batches),
                                    collate_fn=task.collator(tokenizer),
                                    num_batches=len(batches))
    sorted_outputs = np.asarray(model.predict(dataset, verbose=0))
    outputs = np.empty_like(sorted_outputs)
    outputs[order] = sorted_outputs
    return outputs


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


def load_run(workdir: str, precision: str = "") -> FinishedRun:
    """Config, task (with its learned labels) and trained model of a run,
    computing in `precision` (default: the run's `train.precision`)."""
    folder = run_folder.RunFolder(workdir)
    folder.require_complete()
    config = config_lib.load_run_config(folder.workdir)
    model_dir = folder.path(run_folder.MODEL)
    manifest = builder.read_manifest(model_dir)
    task = get_task(config.task, config, state=manifest["task_state"])
    if precision:
        config.train.precision = precision
    with keras_compat.precision(config.model.family, config.train.precision):
        bundle = builder.load(model_dir, config.model, task)
    return FinishedRun(config, task, bundle, folder)


@dataclasses.dataclass
class ExportedModel:
    """A SavedModel written by tfft, served through its raw-text
    signature exactly as TF Serving would run it."""

    path: str
    config: object
    task: object
    signature: object
    text_inputs: dict  # signature input -> data column

    def outputs(self, raw_dataset, batch_size: int = 64):
        """The signature's logits for every row of `raw_dataset`."""
        import tensorflow as tf

        from tfft.export.saved_model import MODEL_OUTPUT

        rows = len(raw_dataset)
        chunks = []
        for start in range(0, rows, batch_size):
            batch = raw_dataset[start:start + batch_size]
            texts = {name: tf.constant([t if t is not None else ""
                                        for t in batch[column]])
                     for name, column in self.text_inputs.items()}
            chunks.append(self.signature(**texts)[MODEL_OUTPUT].numpy())
        if not chunks:
            return np.zeros((0, 0), np.float32)
        return np.concatenate(chunks)


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
