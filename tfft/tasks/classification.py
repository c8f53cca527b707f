"""Text (and text-pair) classification: one label per example."""

import numpy as np

from tfft import metrics
from tfft.config import split_list
from tfft.data import checks
from tfft.data import sources
from tfft.data import splits as splits_lib
from tfft.errors import UserError
from tfft.tasks.base import Task
from tfft.tasks.base import column_values
from tfft.tasks.base import dense_head
from tfft.tasks.base import label_config

LABELS = "labels"  # the encoded label-id column
_TOP_ONE = object()  # a pipeline call without top_k: the top label alone


def softmax(logits):
    logits = np.asarray(logits, np.float64)
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


class TextClassification(Task):
    name = "classification"
    hf_auto_class = "TFAutoModelForSequenceClassification"
    keras_hub_class = "TextClassifier"
    pipeline_tag = "text-classification"
    pipeline_options = ("top_k",)
    main_metric = "accuracy"

    def load_state(self, state):
        self.label_names = list(state.get("label_names", []))

    def state(self):
        return {"label_names": self.label_names}

    @property
    def text_columns(self):
        return split_list(self.config.data.text_columns)

    @property
    def input_columns(self):
        return self.text_columns

    def validate_config(self):
        d = self.config.data
        if not 1 <= len(self.text_columns) <= 2:
            raise UserError(
                f"config data.text_columns={d.text_columns!r} must name one "
                "column or two (text pairs), comma-separated"
            )
        if not d.label_column:
            raise UserError("config data.label_column is empty; set it")

    @property
    def num_labels(self):
        return len(self.label_names)

    # -- data -------------------------------------------------------------
    def check_columns(self, dataset, split, trained=False):
        """`trained`: the columns of a finished run (tfft-evaluate's
        files), which the file must have, rather than config to set."""
        wanted = self.text_columns + [self.config.data.label_column]
        missing = [c for c in wanted if c not in dataset.column_names]
        if missing:
            which = "label" if missing == [self.config.data.label_column] \
                else "text"
            fix = (f"name its columns as the run's: {', '.join(wanted)}"
                   if trained else
                   f"set --config.data.{which}_column"
                   f"{'s' if which == 'text' else ''} to the right name")
            raise UserError(
                f"the {split} data has no column {missing[0]!r}; its columns "
                f"are {dataset.column_names}; {fix}"
            )
        if len(dataset) == 0:
            raise UserError(f"the {split} split is empty; give it examples")

    def _checked(self, dataset, split, trained=False):
        """Columns present, no empty texts, labels that look like labels."""
        self.check_columns(dataset, split, trained)
        dataset = self.require_texts(dataset, split)
        column = self.config.data.label_column
        checks.check_labels(dataset[column][:], column, split,
                            named=bool(self.config.data.label_names))
        return dataset

    def prepare(self, splits):
        d = self.config.data
        splits = type(splits)({split: self._checked(dataset, split)
                               for split, dataset in splits.items()})
        if not self.label_names:
            self.label_names = self._learn_label_names(splits["train"])
        if len(self.label_names) < 2:
            raise UserError(
                f"the train data has only the label {self.label_names}; a "
                "classifier needs at least two"
            )
        encoded = type(splits)({name: self.encode_labels(ds, name)
                                for name, ds in splits.items()})
        counts = np.bincount(encoded["train"][LABELS],
                             minlength=self.num_labels)
        return splits_lib.complete(
            encoded, d, self.config.seed,
            stratify_by=LABELS if counts.min() >= 2 else None)

    def prepare_labeled(self, dataset, split):
        return self.encode_labels(self._checked(dataset, split, True), split)

    def read_inputs(self, path):
        return self.require_texts(sources.read_inputs(path, self.text_columns),
                                  f"input ({path})", inputs=True)

    def _learn_label_names(self, train):
        if self.config.data.label_names:
            return split_list(self.config.data.label_names)
        values = train.unique(self.config.data.label_column)
        if any(v is None or v != v for v in values):  # None or NaN
            raise UserError(
                f"some train rows have no {self.config.data.label_column!r}"
                " value; fill or drop them"
            )
        return [str(v) for v in sorted(values)]

    def encode_labels(self, dataset, split):
        """Adds the `labels` column (ids, ClassLabel) from the label column.

        Integer labels with explicit `data.label_names` are ids; anything
        else is matched to the label names by its text.
        """
        import datasets

        column = self.config.data.label_column
        is_int = dataset.features[column].dtype.startswith("int")
        as_ids = is_int and bool(self.config.data.label_names)
        index = {name: i for i, name in enumerate(self.label_names)}
        unknown = set()

        def encode(batch):
            ids = []
            for value in batch[column]:
                if as_ids:
                    ok = 0 <= value < len(index)
                    key = value
                else:
                    key = str(value) if value is not None else None
                    ok = key in index
                    key = index.get(key)
                if not ok:
                    unknown.add(value)
                ids.append(key if ok else -1)
            return {LABELS: ids}

        out = dataset.map(encode, batched=True, keep_in_memory=True,
                          load_from_cache_file=False)
        if unknown:
            example = sorted(map(str, unknown))[0]
            raise UserError(
                f"the {split} data has label {example!r}, which the train "
                f"labels {self.label_names} do not have; fix the file or "
                "list every label in --config.data.label_names"
            )
        return out.cast_column(LABELS, datasets.ClassLabel(
            names=self.label_names))

    def tokenize(self, dataset, tokenizer):
        columns = self.text_columns
        max_length = self.config.data.max_length

        def encode(batch):
            texts = [t if t is not None else "" for t in batch[columns[0]]]
            pairs = None
            if len(columns) == 2:
                pairs = [t if t is not None else "" for t in batch[columns[1]]]
            return tokenizer.encode(texts, pairs, max_length=max_length)

        keep = {LABELS} & set(dataset.column_names)
        return dataset.map(
            encode, batched=True, batch_size=1024, keep_in_memory=True,
            load_from_cache_file=False,
            remove_columns=[c for c in dataset.column_names if c not in keep])

    # -- model ------------------------------------------------------------
    def hf_config_overrides(self):
        return label_config(self.label_names)

    def build_head(self, keras, model_config):
        return dense_head(keras, model_config, self.num_labels)

    def keras_hub_arguments(self):
        return {"num_classes": self.num_labels,
                "dropout": self.config.model.dropout}

    def apply_head(self, layers, features, training):
        from tfft.models import pooling

        x = pooling.pool(features, self.config.model.pooling)
        x = layers["dropout"](x, training=training)
        return layers["classifier"](x)

    def build_losses(self, keras):
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def build_metrics(self, keras):
        return [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]

    # -- evaluation -------------------------------------------------------
    def evaluate(self, outputs, features, examples=None):
        references = np.asarray(features[LABELS])
        probs = softmax(outputs)
        predicted = probs.argmax(-1)
        ids = list(range(self.num_labels))
        result = {
            "loss": float(-np.mean(np.log(np.maximum(
                probs[np.arange(len(references)), references], 1e-12)))),
            "num_examples": int(len(references)),
        }
        result.update(metrics.load("accuracy").compute(
            predictions=predicted, references=references))
        per_class = {}
        for name in ("precision", "recall", "f1"):
            module = metrics.load(name)
            result[f"{name}_macro"] = module.compute(
                predictions=predicted, references=references,
                average="macro", labels=ids)[name]
            per_class[name] = module.compute(
                predictions=predicted, references=references, average=None,
                labels=ids)[name]
        support = np.bincount(references, minlength=self.num_labels)
        result["per_class"] = {
            label: {"precision": per_class["precision"][i],
                    "recall": per_class["recall"][i],
                    "f1": per_class["f1"][i], "support": int(support[i])}
            for i, label in enumerate(self.label_names)}
        return result

    def predictions(self, outputs, features, examples, **options):
        del features, options
        raw_dataset = examples
        probs = softmax(outputs)
        columns = {c: raw_dataset[c][:] for c in self.text_columns}
        truth = column_values(raw_dataset, LABELS)
        records = []
        for i, row_probs in enumerate(probs):
            record = {c: values[i] for c, values in columns.items()}
            if truth is not None:
                record["label"] = self.label_names[truth[i]]
            record["predicted"] = self.label_names[int(row_probs.argmax())]
            record["probabilities"] = {
                n: round(float(p), 6)
                for n, p in zip(self.label_names, row_probs)}
            records.append(record)
        return records

    # -- pipeline ---------------------------------------------------------
    def pipeline_examples(self, items):
        """Strings, or for a text-pair model dicts with "text" and
        "text_pair" (transformers' form) or the two text columns."""
        import datasets

        columns = self.text_columns
        if len(columns) == 1:
            return super().pipeline_examples(items)
        rows = {c: [] for c in columns}
        for item in items:
            keys = (("text", "text_pair") if isinstance(item, dict)
                    and "text" in item and "text_pair" in item
                    else tuple(columns))
            if not isinstance(item, dict) or any(
                    not isinstance(item.get(k), str) for k in keys):
                raise UserError(
                    "this model classifies text pairs: give a dict with "
                    f"'text' and 'text_pair' (or {columns}) strings, or a "
                    "list of them")
            for column, key in zip(columns, keys):
                rows[column].append(item[key])
        return datasets.Dataset.from_dict(rows)

    def pipeline_result(self, record, top_k=_TOP_ONE):
        """transformers' text-classification result: the top label as a
        dict by default; a ranked list of `top_k` (None: all) if given."""
        ranked = [{"label": name, "score": score} for name, score in sorted(
            record["probabilities"].items(), key=lambda kv: -kv[1])]
        if top_k is _TOP_ONE:
            return ranked[0]
        if top_k is None:
            return ranked
        if not isinstance(top_k, int) or top_k < 1:
            raise UserError(f"top_k={top_k!r} must be a whole number >= 1 "
                            "or None (all labels)")
        return ranked[:top_k]

    def pipeline_single(self, result):
        return [result] if isinstance(result, dict) else result

    def serving_inputs(self):
        return ["text", "text_pair"][:len(self.text_columns)]

    def serving_predictions(self, outputs, examples, **options):
        del options
        return self.predictions(outputs["logits"], None, examples)

    def serving_outputs(self, outputs):
        import tensorflow as tf

        logits = tf.cast(outputs, tf.float32)
        label_id = tf.argmax(logits, axis=-1)
        return {
            "label_id": label_id,
            "label": tf.gather(tf.constant(self.label_names), label_id),
            "probabilities": tf.nn.softmax(logits),
            "logits": logits,
        }
