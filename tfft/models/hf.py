"""The `hf` family: transformers 4.57 `TF*` classes on tf_keras.

Weights load from a local folder (TF `tf_model.h5` / TF safetensors, or
PyTorch safetensors converted without torch: transformers#40028) or from a
hub name when a hub is reachable. The head is either tfft's (on
`TFAutoModel`) or the task's native `TFAutoModelFor...` class.
"""

import copy
import inspect
import json
import os

import tensorflow as tf
import transformers
from safetensors import safe_open
from safetensors.numpy import load_file
from transformers.modeling_tf_pytorch_utils import (
    load_pytorch_state_dict_in_tf2_model,
)

from tfft import keras_compat
from tfft.data.pipeline import DECODER_INPUTS
from tfft.errors import UserError
from tfft.errors import first_line
from tfft.models import native
from tfft.models import pair_template
from tfft.models import pooling

KERAS = keras_compat.keras_for("hf")
WEIGHT_FILES = ("tf_model.h5", "model.safetensors")
# Where a folder without a native class keeps the encoder.
ENCODER_DIR = "encoder"


class Tokenizer:
    """A transformers fast tokenizer behind tfft's tokenizer interface."""

    # How pairs are cut to max_length (`tfft.export.graph_tokenizer`).
    truncation = "longest_first"

    def __init__(self, hf_tokenizer):
        self.hf = hf_tokenizer
        self.pad_id = hf_tokenizer.pad_token_id or 0
        self.start_id, self.end_id = pair_template.special_ids(hf_tokenizer)
        self.unk_id = hf_tokenizer.unk_token_id
        # The decoder's first input when generating (seq2seq): the model
        # config's decoder_start_token_id (`load_tokenizer` sets it), else
        # the start token (BERT2BERT), else padding (T5's convention).
        self.decoder_start_id = (self.start_id if self.start_id is not None
                                 else self.pad_id)
        self.pair_template = pair_template.of_hf_tokenizer(hf_tokenizer)
        # Where a word's ids depend on a space before it (byte-level BPE:
        # Ġword), each word is tokenized behind one, as inside a text (and
        # as transformers' is_split_into_words with add_prefix_space).
        alone, inside = hf_tokenizer(["a", " a"], add_special_tokens=False
                                     )["input_ids"]
        self.word_prefix = " " if alone != inside else ""

    @property
    def decoder_prompt(self) -> list:
        return [self.decoder_start_id]

    def in_graph(self):
        """The same tokenization as TF ops: strings -> ragged ids."""
        from tfft.export.graph_tokenizer import hf_tokenizer_in_graph

        return hf_tokenizer_in_graph(self.hf)

    def in_graph_decoder(self):
        """`decode` as TF ops: ragged ids -> texts."""
        from tfft.export.graph_tokenizer import hf_decoder_in_graph

        return hf_decoder_in_graph(self.hf)

    def encode(self, texts, pairs=None, *, max_length):
        out = self.hf(list(texts), list(pairs) if pairs is not None else
                      None, truncation=True, max_length=max_length)
        ids = out["input_ids"]
        types = out.get("token_type_ids") or [[0] * len(i) for i in ids]
        return {"input_ids": ids, "token_type_ids": types}

    def tokenize_words(self, words) -> list:
        """Each word's ids alone (behind `word_prefix`), without special
        tokens (a word the tokenizer drops entirely, e.g. a lone accent,
        gives [])."""
        if not words:
            return []
        return self.hf([self.word_prefix + w for w in words],
                       add_special_tokens=False)["input_ids"]

    def decode(self, ids) -> str:
        """Token ids -> text, without special tokens."""
        return self.hf.decode(list(ids), skip_special_tokens=True,
                              clean_up_tokenization_spaces=True)

    def save(self, directory):
        self.hf.save_pretrained(directory)


def load_tokenizer(path: str) -> Tokenizer:
    try:
        tok = transformers.AutoTokenizer.from_pretrained(path)
    except Exception as e:
        raise UserError(
            f"could not load a tokenizer from {path!r} ({first_line(e)}); the "
            "folder needs tokenizer.json or vocab.txt + tokenizer_config.json"
        ) from e
    tokenizer = Tokenizer(tok)
    try:
        start = getattr(transformers.AutoConfig.from_pretrained(path),
                        "decoder_start_token_id", None)
    except Exception:  # a tokenizer-only folder: no model config
        start = None
    if start is not None:
        tokenizer.decoder_start_id = start
    return tokenizer


class TaskModel(KERAS.Model):
    """Encoder (a `TFAutoModel`) + a task head; returns the head's output.

    With the native head `encoder` is a `TFAutoModelFor...` model and
    `head_layers` is empty: its logits are returned as they are.
    """

    def __init__(self, encoder, task, head_layers, native=False, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.task = task
        self.head_layers = head_layers
        self.native = native
        self._accumulation = None
        self._autograph = False  # see `_traced`
        self._takes_token_types = "token_type_ids" in inspect.signature(
            encoder.call).parameters

    def enable_gradient_accumulation(self, steps: int) -> None:
        """Apply the mean gradient of `steps` micro-batches as one optimizer
        step (tf_keras optimizers cannot; Keras 3's do it themselves).
        Call inside the strategy scope, before `compile`."""
        if steps <= 1:
            self._accumulation = None
            return
        self._accumulation = _Accumulation(steps, self.trainable_variables)

    def accumulation_variables(self) -> list:
        """The gradient sums and micro-step count (for checkpoints)."""
        acc = self._accumulation
        return [] if acc is None else [acc.micro_step, *acc.totals]

    # Traced without AutoGraph, as Keras 3 traces its steps: tf_keras
    # converts the step and every layer's `call` below it, and for a
    # transformers model that conversion was half of the first step
    # (MiniLM: 5.5 s -> 2.7 s). Some transformers models branch in Python
    # on a value that is a tensor when a length is dynamic (BART-family
    # decoders: `if input_shape[-1] > 1`); their first trace raises
    # OperatorNotAllowedInGraphError before anything runs, and that step
    # and every later one is traced with AutoGraph instead. tfft's own
    # code uses `tf.cond`.
    def test_step(self, data):
        return self._traced(super().test_step, data)

    def predict_step(self, data):
        return self._traced(super().predict_step, data)

    def train_step(self, data):
        return self._traced(self._train_step, data)

    def _traced(self, step, data):
        if not self._autograph:
            try:
                return tf.autograph.experimental.do_not_convert(step)(data)
            except tf.errors.OperatorNotAllowedInGraphError:
                self._autograph = True
        # Called from the step Keras converts, so `step` is converted too.
        return step(data)

    def _train_step(self, data):
        if self._accumulation is None:
            return super().train_step(data)
        acc = self._accumulation
        x, y, sample_weight = KERAS.utils.unpack_x_y_sample_weight(data)
        optimizer = self.optimizer
        scaled = isinstance(optimizer, KERAS.mixed_precision.LossScaleOptimizer)
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
            if scaled:
                loss = optimizer.get_scaled_loss(loss)
        grads = tape.gradient(loss, acc.variables)
        if scaled:
            grads = optimizer.get_unscaled_gradients(grads)
        for total, grad in zip(acc.totals, grads):
            if isinstance(grad, tf.IndexedSlices):  # embedding lookups
                total.scatter_add(tf.IndexedSlices(
                    tf.cast(grad.values, total.dtype), grad.indices,
                    grad.dense_shape))
            elif grad is not None:
                total.assign_add(tf.cast(grad, total.dtype))
        acc.micro_step.assign_add(1)

        def apply():
            optimizer.apply_gradients(
                [(total / acc.steps, var)
                 for total, var in zip(acc.totals, acc.variables)])
            for total in acc.totals:
                total.assign(tf.zeros_like(total))
            return tf.constant(True)

        tf.cond(acc.micro_step % acc.steps == 0, apply,
                lambda: tf.constant(False))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def call(self, inputs, training=False):
        # An encoder-decoder (seq2seq) also takes the decoder's inputs.
        extra = {k: inputs[k] for k in DECODER_INPUTS if k in inputs}
        if self._takes_token_types:  # T5 and BART have no token types
            extra["token_type_ids"] = inputs.get("token_type_ids")
        outputs = self.encoder(
            input_ids=inputs["input_ids"],
            attention_mask=inputs["attention_mask"],
            training=training, **extra,
        )
        if self.native:
            return self.task.native_logits(outputs, inputs)
        features = {
            "sequence_output": outputs.last_hidden_state,
            "pooled_output": getattr(outputs, "pooler_output", None),
            "attention_mask": inputs["attention_mask"],
        }
        return self.task.apply_head(self.head_layers, features, training)


class _Accumulation:
    """Gradient sums per trainable variable and the micro-step count, for
    one replica (the trainer refuses accumulation with several). A plain
    object, so Keras does not track these as model weights (they are not
    saved or exported)."""

    def __init__(self, steps, variables):
        self.steps = steps
        self.variables = list(variables)
        self.micro_step = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.totals = [tf.Variable(tf.zeros(v.shape, tf.float32),
                                   trainable=False) for v in self.variables]


def _hf_config(path, task):
    try:
        config = transformers.AutoConfig.from_pretrained(path)
    except Exception as e:
        raise UserError(
            f"no usable model config at {path!r} ({first_line(e)}); pass a "
            "folder with config.json or a reachable hub name"
        ) from e
    config.update(task.hf_config_overrides())
    return config


def _pt_safetensors(path):
    file = os.path.join(path, "model.safetensors")
    if not os.path.exists(file):
        return None
    with safe_open(file, framework="np") as f:
        fmt = (f.metadata() or {}).get("format", "pt")
    return file if fmt == "pt" else None


def _instantiate(cls, path, config, init, new=()):
    """`cls` for `path`'s checkpoint; `new`: name parts of weights the
    checkpoint may lack (they keep their fresh initialisation)."""
    if init == "random":
        model = cls.from_config(config)
        model(model.dummy_inputs, training=False)
        return model
    pt_file = _pt_safetensors(path) if os.path.isdir(path) else None
    if pt_file:
        model = cls.from_config(config)
        model(model.dummy_inputs, training=False)
        _, info = load_pytorch_state_dict_in_tf2_model(
            model, load_file(pt_file), allow_missing_keys=True,
            output_loading_info=True, skip_logger_warnings=True)
        _check_loading(path, model, info, new)
        return model
    if os.path.isdir(path) and not any(
            os.path.exists(os.path.join(path, f)) for f in WEIGHT_FILES):
        raise UserError(
            f"{path} has no weights ({' or '.join(WEIGHT_FILES)}); add them "
            "or set --config.model.init=random to train from scratch"
        )
    try:
        return cls.from_pretrained(path, config=config)
    except Exception as e:
        raise UserError(
            f"could not load weights from {path!r}: {first_line(e)}"
        ) from e


def _check_loading(path, model, info, new=()):
    """Every backbone weight must come from the checkpoint; only the task
    head (and weights named by `new`) may be new."""
    head_prefixes = ("classifier", "qa_outputs", "score", "pooler")
    missing = [k for k in info["missing_keys"]
               if k.split(".")[0] not in head_prefixes
               and not any(part in k for part in new)]
    if missing or info["mismatched_keys"]:
        raise UserError(
            f"the checkpoint at {path} does not fit the "
            f"{type(model).__name__} architecture (missing: "
            f"{missing[:3]}, mismatched: {info['mismatched_keys'][:3]})"
        )


def build(path: str, model_config, task):
    """The task model for `path` (call inside the strategy scope)."""
    config = _hf_config(path, task)
    if task.hf_auto_class == "TFAutoModelForSeq2SeqLM":
        return TaskModel(_seq2seq(path, config, model_config), task, {},
                         native=True)
    if model_config.head == "native":
        cls = getattr(transformers, task.hf_auto_class)
        encoder = _instantiate(cls, path, config, model_config.init)
        return TaskModel(encoder, task, {}, native=True)
    encoder = _instantiate(transformers.TFAutoModel, path, config,
                           model_config.init)
    pooling.freeze_unused_pooler(encoder, model_config.pooling)
    return TaskModel(encoder, task, task.build_head(KERAS, model_config))


def _seq2seq(path, config, model_config):
    """The transformers seq2seq model: the checkpoint's own (T5, BART,
    ...), or with `model.encoder_decoder` an encoder-decoder warm-started
    from an encoder-only checkpoint (BERT2BERT, Rothe et al. 2020): the
    encoder and the decoder both start from it; the decoder's
    cross-attention and LM head transform are new (its output projection
    is tied to the word embeddings)."""
    init = model_config.init
    if config.is_encoder_decoder:
        return _instantiate(transformers.TFAutoModelForSeq2SeqLM, path,
                            config, init)
    if not model_config.encoder_decoder:
        raise UserError(
            f"{path} is an encoder-only checkpoint ({config.model_type}) "
            "with no decoder; summarization needs an encoder-decoder (T5, "
            "BART, ...), or set --config.model.encoder_decoder=true to "
            "warm-start one from it (BERT2BERT)")
    encoder = _instantiate(transformers.TFAutoModel, path, config, init)
    decoder_config = copy.deepcopy(config)
    decoder_config.is_decoder = True
    decoder_config.add_cross_attention = True
    decoder = _instantiate(transformers.TFAutoModelForCausalLM, path,
                           decoder_config, init,
                           new=("crossattention", "cls.predictions"))
    # Built from its config, so that its weights carry the names
    # `save_pretrained` / `from_pretrained` use ("encoder/...",
    # "decoder/..."); built from the two models, they would not, and a
    # reloaded folder would come back freshly initialised. The loaded
    # weights are then copied in, layer for layer.
    model = transformers.TFEncoderDecoderModel(
        config=transformers.EncoderDecoderConfig.from_encoder_decoder_configs(
            encoder.config, decoder.config))
    model(model.dummy_inputs, training=False)
    model.encoder.set_weights(encoder.get_weights())
    model.decoder.set_weights(decoder.get_weights())
    # The decoder reads the encoder's sequence, never its pooler: frozen
    # (in the model that trains, after the copy, which follows weight
    # order), it neither draws a "gradients do not exist" warning nor
    # keeps optimizer slots.
    pooling.freeze_unused_pooler(model.encoder, "cls")
    tokenizer = load_tokenizer(path)
    model.config.decoder_start_token_id = tokenizer.start_id
    model.config.eos_token_id = tokenizer.end_id
    model.config.pad_token_id = tokenizer.pad_id
    model.generation_config.decoder_start_token_id = tokenizer.start_id
    model.generation_config.eos_token_id = tokenizer.end_id
    model.generation_config.pad_token_id = tokenizer.pad_id
    return model


def generator(model: TaskModel, *, pad_id: int, end_id: int,
              decoder_prompt, **options):
    """The seq2seq model's generation with `options`
    (`Task.generation_options`) as a `TracedGenerator`; its start and end
    tokens are the model's generation config's."""
    from tfft.models.hf_generation import Generator

    del end_id, decoder_prompt
    return Generator(model.encoder, pad_id=pad_id, **options)


def save_checkpoint(model: TaskModel, directory: str, task,
                    tokenizer) -> dict:
    """transformers' format; returns the manifest entries it decided.

    Where the task's `TFAutoModelFor...` class computes what tfft's head
    does (checked by `_as_native`), `directory` is that class's checkpoint
    with the trained head: `from_pretrained` loads it without tfft.
    Otherwise the encoder goes to `encoder/` and `config.json` declares
    model type "tfft", so transformers' Auto classes refuse the folder
    rather than load it under a freshly initialised head.
    """
    del tokenizer
    # TF safetensors: loading matches weights by name, so no warning about
    # weightless layers whose auto-names differ between processes.
    if model.native:
        model.encoder.save_pretrained(directory, safe_serialization=True)
        return {"native": _entry(model.encoder)}
    converted = _as_native(model, task)
    if converted is not None:
        converted.save_pretrained(directory, safe_serialization=True)
        return {"native": _entry(converted)}
    model.encoder.save_pretrained(os.path.join(directory, ENCODER_DIR),
                                  safe_serialization=True)
    reason = (f"no transformers {task.hf_auto_class or 'class'} for "
              f"{type(model.encoder).__name__} computes tfft's {task.name} "
              f"head (model.pooling={task.config.model.pooling!r})")
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump({"model_type": native.NOT_NATIVE,
                   "tfft": native.refusal(reason)["reason"],
                   "encoder": ENCODER_DIR + "/"}, f, indent=2)
    return {"native": native.refusal(reason), "checkpoint": ENCODER_DIR}


def _entry(model) -> dict:
    return native.entry("transformers", type(model).__name__,
                        f"transformers.{_auto_class_of(model)}"
                        ".from_pretrained(<folder>)")


def _auto_class_of(model) -> str:
    for task in ("SequenceClassification", "TokenClassification",
                 "QuestionAnswering"):
        if type(model).__name__.endswith(f"For{task}"):
            return f"TFAutoModelFor{task}"
    return "TFAutoModel"


def _as_native(model: TaskModel, task):
    """The task's transformers class holding `model`'s trained weights, if
    it computes the same outputs (float32, probe batch); else None."""
    if not task.hf_auto_class:
        return None
    encoder = model.encoder
    config = copy.deepcopy(encoder.config)
    config.update(task.hf_config_overrides())
    with keras_compat.precision("hf", "float32"):
        try:
            converted = getattr(transformers, task.hf_auto_class).from_config(
                config)
        except ValueError:  # no such class for this architecture
            return None
        converted(converted.dummy_inputs, training=False)
        head = task.build_head(KERAS, task.config.model)
    base = getattr(converted, converted.base_model_prefix)
    if not _copy_base(getattr(encoder, encoder.base_model_prefix), base):
        return None
    if not native.copy_head(converted, base, model.head_layers):
        return None
    probe = {k: tf.constant(v) for k, v in native.probe_inputs(
        config.vocab_size).items()}
    if not _uses_token_types(config):
        probe["token_type_ids"] = tf.zeros_like(probe["token_type_ids"])
    out = base(**probe, training=False)
    ours = native.tfft_outputs(task, head, model.head_layers, {
        "sequence_output": out.last_hidden_state,
        "pooled_output": getattr(out, "pooler_output", None),
        "attention_mask": probe["attention_mask"]})
    theirs = task.native_logits(converted(**probe, training=False), probe)
    if not native.same_outputs(theirs, ours, probe["attention_mask"]):
        return None
    return converted


def _uses_token_types(config) -> bool:
    return getattr(config, "type_vocab_size", 0) > 1


def _copy_base(source, target) -> bool:
    """Copies the encoder's weights into the native class's base model by
    name (the native base may lack the pooler); False if one is missing."""
    values = {w.name.split("/", 1)[-1]: w for w in source.weights}
    for variable in target.weights:
        value = values.get(variable.name.split("/", 1)[-1])
        if value is None or tuple(value.shape) != tuple(variable.shape):
            return False
        variable.assign(value)
    return True
