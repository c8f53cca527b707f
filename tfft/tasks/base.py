"""The task contract: one method per concern (after Model Garden's Task).

A task is one file in `tfft/tasks/` subclassing `Task`, plus its entry in
`tfft.tasks.TASKS`. The driver calls, in order:

  prepare(splits)            validate columns, learn/encode labels, carve
  build_head(K, model_cfg)   head layers in the family's Keras flavour
  apply_head(layers, feats)  encoder features -> model outputs
  tokenize(dataset, tok)     raw split -> model input columns + labels
  collator(tok)              examples -> padded batch (dynamic padding)
  build_losses(K) / build_metrics(K)   for `compile`
  evaluate(outputs, split)   metrics dict from the model's outputs
  predictions(outputs, raw)  one record per example, for files and CLIs
  serving_outputs(outputs)   TF ops: model outputs -> a SavedModel's outputs

`state()` returns what the task learned from data (e.g. label names); it
is saved with the model and given back to the constructor.
"""

import abc

from tfft.data.collators import PadToLongest


class Task(abc.ABC):
    name: str = ""
    # transformers class of the task's native head (`model.head=native`).
    hf_auto_class: str = ""
    # The metric the run reports first and plots (a key of `evaluate`).
    main_metric: str = ""

    def __init__(self, config, state=None):
        self.config = config
        self.load_state(state or {})

    # -- data -------------------------------------------------------------
    @abc.abstractmethod
    def prepare(self, splits):
        """Raw DatasetDict -> validated DatasetDict with all three splits."""

    @abc.abstractmethod
    def tokenize(self, dataset, tokenizer):
        """Raw split -> Dataset of model inputs (+ `labels` if present)."""

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

    @abc.abstractmethod
    def build_losses(self, keras):
        """The loss passed to `compile`."""

    def build_metrics(self, keras) -> list:
        """Cheap streaming metrics shown in the progress bar."""
        return []

    # -- evaluation -------------------------------------------------------
    @abc.abstractmethod
    def evaluate(self, outputs, dataset) -> dict:
        """Metrics (tfft's evaluate modules) of `outputs` on a split."""

    @abc.abstractmethod
    def predictions(self, outputs, raw_dataset) -> list:
        """One JSON-serialisable record per example."""

    @abc.abstractmethod
    def serving_outputs(self, outputs) -> dict:
        """Named tensors a SavedModel returns, from the model's outputs
        (TF ops; runs inside the exported graph). They include `logits`:
        the model's outputs as they are, which `evaluate`/`predictions`
        take."""

    # -- learned state ----------------------------------------------------
    def state(self) -> dict:
        return {}

    def load_state(self, state: dict) -> None:
        del state
