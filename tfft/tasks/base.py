"""The task contract: one method per concern (after Model Garden's Task).

A task is one file in `tfft/tasks/` subclassing `Task`, plus its entry in
`tfft.tasks.TASKS`. Task modules import no TensorFlow at import time, so
the cheap checks (`validate_config`, reading inputs) run before it loads.

Vocabulary: an *example* is one raw row (a text, a sentence, a question
with its context); a *feature* is one model input row. A task may turn an
example into several features (a long sentence into overlapping windows);
features then carry `EXAMPLE_ID`, the index of their example, and every
metric and prediction is per example, never per feature.

The driver calls, in order:

  validate_config()          the task's config fields (no TensorFlow)
  prepare(splits)            validate columns, learn/encode labels, carve
  build_head(K, model_cfg)   head layers in the family's Keras flavour
  apply_head(layers, feats)  encoder features -> model outputs
  native_logits(out, inputs) the same from transformers' own head
  tokenize(examples, tok)    examples -> features (model inputs + labels)
  collator(tok)              features -> padded batch (dynamic padding)
  build_losses(K) / build_metrics(K)   for `compile`
  evaluate(outputs, features, examples)      metrics dict
  predictions(outputs, features, examples)   one record per example

and, for files given to `tfft-evaluate` / `tfft-predict`:

  prepare_labeled(dataset, split)   labeled rows -> encoded examples
  read_inputs(path)                 a file -> unlabeled examples

For export (`tfft/export/saved_model.py`):

  serving_inputs()                  names of the raw string inputs
  serving_token_inputs()            names of the token-id inputs
  serving_token_fn(model, graph_tok)   TF function: token ids -> outputs
  serving_fn(graph_tok, from_token_ids)
                                    TF function: strings -> named outputs
  serving_predictions(outputs, examples)   those outputs -> records

An encoder task implements `serving_outputs` (model outputs -> named
tensors) and inherits both functions; a generating task overrides
`serving_token_fn`, a task that cuts windows `serving_fn` (calling the
model through `from_token_ids`).

`outputs` are `Task.outputs`: by default `tfft.inference.model_outputs`,
an array [features, ...] for one output row per feature, or a list of
per-token arrays trimmed to each feature's length; a generating task
returns its generated texts instead. `state()` returns what the task
learned from data (e.g. label names); it is saved with the model and given
back to the constructor.
"""

import abc

from tfft.data.collators import PadToLongest
from tfft.errors import UserError

EXAMPLE_ID = "example_id"  # feature -> the index of its example


def label_config(label_names) -> dict:
    """transformers config fields for a head over `label_names`."""
    return {
        "num_labels": len(label_names),
        "id2label": dict(enumerate(label_names)),
        "label2id": {n: i for i, n in enumerate(label_names)},
    }


def column_values(dataset, name):
    """`dataset`'s column `name` as one list, or None if it has none (an
    unlabeled file). One read: indexing a `datasets` Column reads Arrow
    per call (7,553 CoNLL sentences, once per word: 20.8 s against 4.9 s
    with the list; 1,500 rows of predictions: 0.25 s against 1 ms)."""
    return dataset[name][:] if name in dataset.column_names else None


def dense_head(keras, model_config, num_labels) -> dict:
    """Dropout + a float32 Dense over `num_labels`, named as transformers'
    heads name theirs ("classifier")."""
    return {
        "dropout": keras.layers.Dropout(model_config.dropout),
        "classifier": keras.layers.Dense(
            num_labels, dtype="float32", name="classifier",
            kernel_initializer=keras.initializers.TruncatedNormal(
                stddev=0.02)),
    }


def token_loss(y_true, y_pred):
    """Cross-entropy over the labelled tokens (ignoring -100 and padding:
    token classification's tags, a seq2seq model's target tokens),
    as a per-token loss whose mean over the batch is the mean over the
    labelled tokens (both Keras flavours reduce by the mean).

    Under a tf.distribute strategy, over the labelled tokens of the
    global batch: Keras takes each replica's mean and averages those,
    which would weigh a token of a replica with few labelled tokens more
    than one of a replica with many (target lengths differ). Each
    replica's values are scaled to its share of the global count."""
    import tensorflow as tf

    y_true = tf.cast(y_true, tf.int32)
    valid = y_true >= 0
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.where(valid, y_true, 0), logits=tf.cast(y_pred, tf.float32))
    losses = tf.where(valid, losses, 0.0)
    total = tf.cast(tf.size(losses), tf.float32)
    labelled = tf.reduce_sum(tf.cast(valid, tf.float32))
    replicas = 1
    context = tf.distribute.get_replica_context()
    if context is not None and context.num_replicas_in_sync > 1:
        # Keras averages the replicas' means: each replica divides its
        # sum by the global count over the number of replicas, so that
        # average is the global sum over the global count.
        replicas = context.num_replicas_in_sync
        labelled = context.all_reduce("sum", labelled)
    return losses * (total * replicas) / tf.maximum(labelled, 1.0)


class Task(abc.ABC):
    name: str = ""
    # transformers class of the task's native head (`model.head=native`),
    # and keras-hub's task class (`keras_hub.models.<name>`), if any: a
    # saved model/ is written in that class's format where it computes
    # what tfft's head does (`tfft.models.native`).
    hf_auto_class: str = ""
    keras_hub_class: str = ""
    # The metric the run reports first and plots (a key of `evaluate`).
    main_metric: str = ""
    # `model_outputs` keeps one row per feature ("example") or one per
    # token ("token").
    output_kind: str = "example"
    # What the training loss is a mean over: examples, or labelled tokens
    # (`token_loss`). Gradient accumulation weighs each micro-batch by
    # how many it holds (`tfft.data.pipeline.loss_units`).
    loss_per: str = "example"

    def __init__(self, config, state=None):
        self.config = config
        self.load_state(state or {})

    # -- config -----------------------------------------------------------
    def validate_config(self) -> None:
        """Raises UserError for a bad value of the task's own fields."""

    @property
    def input_columns(self) -> list:
        """The raw columns a prediction reads (files, signatures)."""
        return []

    # -- data -------------------------------------------------------------
    # Whether an empty input to predict gets an answer (as the served
    # model gives one) rather than being refused; a missing one (null)
    # is always refused.
    answers_empty_inputs: bool = True

    def require_columns(self, dataset, split, fields, what="examples"):
        """`dataset` has a column for each `fields` entry (config field of
        `data` -> the column it names) and at least one row."""
        for field in fields:
            column = getattr(self.config.data, field)
            if column not in dataset.column_names:
                raise UserError(
                    f"the {split} data has no column {column!r}; its columns "
                    f"are {dataset.column_names}; set --config.data.{field} "
                    "to the right name")
        if len(dataset) == 0:
            raise UserError(f"the {split} split is empty; give it {what}")

    def require_texts(self, dataset, split, columns=None, inputs=False):
        """`dataset` without empty or missing inputs in `columns` (default
        `input_columns`): refused, or dropped with `data.empty_texts=drop`
        (`tfft.data.checks`). Every task calls it on every split it reads,
        so the policy is the same for all. `inputs`: rows to predict, never
        dropped (each output line answers one of them)."""
        from tfft.data import checks

        columns = columns or self.input_columns
        if inputs:
            return checks.require_texts(
                dataset, columns, split, fix=checks.INPUTS_FIX,
                allow_empty=self.answers_empty_inputs)
        return checks.require_texts(dataset, columns, split,
                                    self.config.data.empty_texts)

    def conll_files(self) -> bool:
        """Whether `.txt`/`.conll` data files are CoNLL token columns."""
        return False

    @abc.abstractmethod
    def prepare(self, splits):
        """Raw DatasetDict -> validated DatasetDict with all three splits."""

    @abc.abstractmethod
    def prepare_labeled(self, dataset, split):
        """Labeled rows from a user's file -> examples `evaluate` takes."""

    @abc.abstractmethod
    def read_inputs(self, path):
        """A file of unlabeled inputs -> examples `predictions` takes."""

    @abc.abstractmethod
    def tokenize(self, dataset, tokenizer):
        """Examples -> Dataset of features (model inputs, `labels` if the
        examples have them, `EXAMPLE_ID` if not one per example)."""

    def collator(self, tokenizer, static=False):
        """Pads batches; `static` (TPUs): always to data.max_length."""
        from tfft.config import bucket_lengths

        data = self.config.data
        buckets = [data.max_length] if static else bucket_lengths(data)
        return PadToLongest(pad_id=tokenizer.pad_id, buckets=buckets)

    # -- model ------------------------------------------------------------
    def hf_config_overrides(self) -> dict:
        """Fields set on the transformers config before building."""
        return {}

    @abc.abstractmethod
    def build_head(self, keras, model_config) -> dict:
        """Head layers by name, built with `keras` (tf_keras or Keras 3)."""

    @abc.abstractmethod
    def apply_head(self, layers, features, training):
        """`features`: sequence_output, pooled_output, attention_mask."""

    def keras_hub_arguments(self) -> dict:
        """Constructor arguments of `keras_hub_class` besides the backbone
        and preprocessor."""
        return {}

    def native_logits(self, outputs, inputs):
        """The model output (as `apply_head` gives it) from the outputs
        of the task's transformers class (`model.head=native`)."""
        del inputs
        import tensorflow as tf

        return tf.cast(outputs.logits, tf.float32)

    @abc.abstractmethod
    def build_losses(self, keras):
        """The loss passed to `compile`."""

    def build_metrics(self, keras) -> list:
        """Cheap streaming metrics shown in the progress bar."""
        return []

    # -- evaluation -------------------------------------------------------
    def outputs(self, model, features, tokenizer, batch_size: int):
        """What `evaluate` and `predictions` read, for every feature: the
        model's outputs (`tfft.inference.model_outputs`); a generating
        task returns its generations instead."""
        from tfft.inference import model_outputs

        return model_outputs(model, self, features, tokenizer, batch_size)

    @abc.abstractmethod
    def evaluate(self, outputs, features, examples) -> dict:
        """Metrics (tfft's evaluate modules) of `outputs` on a split."""

    @abc.abstractmethod
    def predictions(self, outputs, features, examples, **options) -> list:
        """One JSON-serialisable record per example."""

    # -- export -----------------------------------------------------------
    # The in-graph tokenizer also decodes ids to text (generating tasks).
    serving_decodes: bool = False

    def export_problem(self, model_path: str):
        """Why the model in `model_path` cannot be exported, or None: the
        commands refuse `tfft-export` and `export.dir` with it before any
        work (TensorFlow-free)."""
        if self.config.model.family != "hf":
            return None  # keras-hub's tokenizer layers run in the graph
        from tfft import assets
        from tfft.models import pair_template

        problem = assets.graph_tokenizer_problem(
            model_path, decodes=self.serving_decodes)
        if problem is None and len(self.serving_inputs()) > 1:
            problem = pair_template.hf_problem(model_path)
        return problem

    def serving_inputs(self) -> list:
        """The string inputs of the raw-text signature, in order."""
        return ["text"]

    @property
    def serving_max_length(self) -> int:
        """Where the in-graph tokenizer truncates the inputs."""
        return self.config.data.max_length

    def serving_outputs(self, outputs) -> dict:
        """Named tensors a SavedModel returns from the model's outputs on
        token ids (TF ops), for the default serving functions."""
        raise NotImplementedError(
            f"{type(self).__name__} defines serving_outputs or overrides "
            "serving_fn and serving_token_fn")

    def serving_fn(self, tokenizer, from_token_ids):
        """A function of the `serving_inputs()` string tensors -> named
        outputs, all TF ops (tokenization, model, decoding). `tokenizer`
        is the in-graph tokenizer (`tfft.export.graph_tokenizer`);
        `from_token_ids` runs the traced `token_ids` signature on a dict of
        model inputs (as the tokenizer packs them) -> its named outputs:
        the model's one trace, and the signature's only way to the model.
        Default: the tokenizer's outputs through it."""

        def serve(*texts):
            return from_token_ids(tokenizer(*texts))

        return serve

    def serving_token_inputs(self) -> list:
        """The int32 [batch, length] inputs of the `token_ids` signature."""
        from tfft.data.pipeline import MODEL_INPUTS

        return list(MODEL_INPUTS)

    def serving_token_fn(self, model, tokenizer):
        """A function of the `serving_token_inputs()` tensors -> named
        outputs (the `token_ids` signature)."""
        names = self.serving_token_inputs()

        def serve(*ids):
            return self.serving_outputs(model(dict(zip(names, ids)),
                                              training=False))

        return serve

    @abc.abstractmethod
    def serving_predictions(self, outputs, examples, **options) -> list:
        """Records (as `predictions` makes) from a SavedModel's outputs;
        `options` that the export cannot honour are a UserError."""

    # -- pipeline (`tfft.pipeline`) ----------------------------------------
    # transformers' pipeline task name (also the model card's pipeline_tag)
    pipeline_tag: str = ""
    # Keyword options a pipeline call takes, and those of them that
    # `predictions` takes (the others shape `pipeline_result`).
    pipeline_options: tuple = ()
    prediction_options: tuple = ()

    def pipeline_arguments(self, inputs, options):
        """A call's (inputs, options); a task whose pipeline takes its
        inputs as keywords (question=, context=) moves them here."""
        return inputs, options

    def pipeline_examples(self, items):
        """Python inputs (one per result) -> unlabeled examples, as
        `read_inputs` gives them from a file. Default: one string each."""
        import datasets

        column = self.input_columns[0]
        for item in items:
            if not isinstance(item, str):
                raise UserError(
                    f"a {self.pipeline_tag} pipeline takes a string or a "
                    f"list of strings, not {type(item).__name__}")
        return datasets.Dataset.from_dict({column: list(items)})

    @abc.abstractmethod
    def pipeline_result(self, record, **options):
        """One `predictions` record -> transformers' result for its input
        (plain Python: str, int, float, lists, dicts)."""

    def pipeline_single(self, result):
        """The result of a call with one input (not a list of inputs)."""
        return result

    # -- learned state ----------------------------------------------------
    def state(self) -> dict:
        return {}

    def load_state(self, state: dict) -> None:
        del state
