"""A task model + its in-graph tokenizer as a SavedModel for TF Serving.

Signatures (`saved_model_cli show --all --dir DIR/<version>` lists them):

  serving_default  the task's string inputs (`task.serving_inputs()`:
                   text [, text_pair] for classification), [batch]
                   -> the task's outputs, decoded in the graph
  token_ids        the task's token-id inputs (input_ids, attention_mask
                   [, token_type_ids]): int32 [batch, length] -> the same
                   outputs (`task.serving_token_fn`)

For classification both return `label_id`, `label`, `probabilities` and
`logits`; other tasks document theirs. Loading needs only `tensorflow`
and `tensorflow_text`. `assets.extra/tfft_export.json` (ignored by TF
Serving) records the task, labels, inputs and config for `tfft-predict`.
"""

import json
import logging
import os

import tensorflow as tf

import tfft
from tfft import config as config_lib
from tfft import trained
from tfft.export import graph_tokenizer
from tfft.export import serving_ops
from tfft.export import versions

SERVING_DEFAULT = "serving_default"
TOKEN_IDS = "token_ids"
METADATA = trained.EXPORT_METADATA


class ServingModule(tf.Module):
    """What the SavedModel tracks: the model's variables and the
    tokenizer's resources (vocabulary, wordpiece model, merges). The
    signatures' functions are not among them (`signatures`)."""

    def __init__(self, model, tokenizer, task):
        super().__init__(name="tfft_serving")
        # The model's variables, not the model: saving a tf_keras model
        # traces every layer's call for Keras' own metadata, which TF
        # Serving never reads.
        self.model_variables = list(model.variables)
        self.tokenizer = graph_tokenizer.for_tokenizer(
            tokenizer, task.serving_max_length,
            len(task.serving_inputs()), decodes=task.serving_decodes)

    def signatures(self, model, task):
        """The signatures' concrete functions, each traced once: the
        raw-text one gets the traced `token_ids` one to call on its model
        inputs (`Task.serving_fn`), so the model (or the generation loop)
        is traced once per export. They are not kept as tf.functions on
        the module: `tf.saved_model.save` traces every tf.function a
        module tracks again (its traces are keyed by the save context)."""
        names = task.serving_token_inputs()
        traced = tf.function(
            task.serving_token_fn(model, self.tokenizer),
            input_signature=[tf.TensorSpec([None, None], tf.int32, name=n)
                             for n in names]).get_concrete_function()

        def from_token_ids(tokens):
            return traced(*[tokens[n] for n in names])

        text = [tf.TensorSpec([None], tf.string, name=n)
                for n in task.serving_inputs()]
        from_text = tf.function(
            task.serving_fn(self.tokenizer, from_token_ids),
            input_signature=text).get_concrete_function()
        return {SERVING_DEFAULT: from_text, TOKEN_IDS: traced}


def metadata(config, task, **extra) -> dict:
    return dict({
        "tfft_version": tfft.__version__,
        "task": task.name,
        "task_state": task.state(),
        "family": config.model.family,
        # signature input -> the data column it was trained on
        "text_inputs": dict(zip(task.serving_inputs(),
                                task.input_columns)),
        "max_length": task.serving_max_length,
        "signatures": [SERVING_DEFAULT, TOKEN_IDS],
        "config": json.loads(config_lib.to_json(config)),
    }, **extra)


def write(model, tokenizer, task, config, directory: str,
          extra_metadata=None) -> None:
    """The SavedModel (+ metadata) into `directory`, which must not exist."""
    module = ServingModule(model, tokenizer, task)
    # TF's saver sets absl's verbosity to FATAL and back to the *effective*
    # level, pinning a logger that inherited its level; undo that.
    absl_logger = logging.getLogger("absl")
    level = absl_logger.level
    try:
        tf.saved_model.save(module, directory,
                            signatures=module.signatures(model, task))
    finally:
        absl_logger.setLevel(level)
    os.makedirs(os.path.join(directory, "assets.extra"), exist_ok=True)
    with open(os.path.join(directory, METADATA), "w") as f:
        json.dump(metadata(config, task, **(extra_metadata or {})), f,
                  indent=2)


def export(model, tokenizer, task, config, export_dir: str, *, keep=0,
           allow_ops=(), extra_metadata=None):
    """Writes the next version `export_dir/<n>/` atomically and checks its
    ops against TF Serving's. Returns (version path, ops report); raises
    UserError (leaving older versions untouched) on an unsupported op not
    in `allow_ops`."""
    reports = []

    def write_and_check(tmp):
        write(model, tokenizer, task, config, tmp, extra_metadata)
        report = serving_ops.check(tmp)
        serving_ops.require_servable(report, allow_ops)
        reports.append(report)

    path = versions.write(export_dir, write_and_check, keep=keep)
    return path, reports[0]


def export_run(workdir, export_dir, keep=0, allow_ops=()):
    """A finished run's model as the next version in `export_dir`
    (`tfft-export`). Served in float32 whatever the training precision:
    the weights are float32, and every CPU/GPU server runs it at full
    speed."""
    from tfft.inference import load_run

    run = load_run(workdir, precision="float32")
    return export(run.bundle.model, run.bundle.tokenizer, run.task,
                  run.config, export_dir, keep=keep, allow_ops=allow_ops,
                  extra_metadata={"run": run.folder.workdir})


