"""The `keras_hub` family: a keras-hub backbone (Keras 3) + tfft's head,
or for generating tasks keras-hub's own `Seq2SeqLM` task (BART).

A model path is a keras-hub preset folder, a Hugging Face checkpoint folder
(keras-hub converts it on load) or a preset/hub name where reachable.
"""

import contextlib
import json
import os

import tensorflow as tf

from tfft import assets
from tfft import keras_compat
from tfft.errors import UserError
from tfft.errors import first_line
from tfft.models import native
from tfft.models import pair_template
from tfft.models import pooling
from tfft.models.generation import TracedGenerator
from tfft.models.generation import ban_repeated_ngrams

KERAS = keras_compat.keras_for("keras_hub")  # before keras_hub: the backend

import keras_hub  # noqa: E402


class Tokenizer:
    """A keras-hub tokenizer + keras-hub's segment packer, producing
    unpadded id lists like the transformers tokenizer does."""

    # How pairs are cut to max_length (`tfft.export.graph_tokenizer`).
    truncation = "round_robin"

    def __init__(self, hub_tokenizer):
        self.hub = hub_tokenizer
        self.end_id = _special_id(hub_tokenizer,
                                  ("sep_token_id", "end_token_id"))
        self.pad_id = _special_id(hub_tokenizer, ("pad_token_id",)) or 0
        oov = getattr(hub_tokenizer, "oov_token", None)
        self.unk_id = (int(hub_tokenizer.token_to_id(oov)) if oov
                       else _special_id(hub_tokenizer, ("unk_token_id",)))
        # Where keras-hub has a Seq2SeqLM preprocessor for this tokenizer,
        # its packing: the source's start token (T5: none; BART: <s>) and
        # the tokens the decoder starts with (T5: <pad>; BART: </s> <s>).
        starts = _seq2seq_starts(hub_tokenizer)
        if starts is not None:
            self.start_id = starts[0][0] if starts[0] else None
        else:
            self.start_id = _special_id(hub_tokenizer,
                                        ("cls_token_id", "start_token_id"))
        # The traced packer converts start_value even when it adds none
        # (T5 has no start token): the end id stands in, unused.
        self._packer_args = dict(
            start_value=(self.start_id if self.start_id is not None
                         else self.end_id),
            end_value=self.end_id, pad_value=self.pad_id)
        # What the decoder reads first when generating (seq2seq).
        self.decoder_prompt = starts[1] if starts else [
            self.start_id if self.start_id is not None else self.pad_id]
        self.decoder_start_id = self.decoder_prompt[0]
        # `MultiSegmentPacker`'s: [start] a end b end, typed 0 then 1
        # (with or without a start token).
        self.pair_template = pair_template.PairTemplate()
        # Byte-level BPE marks a word's leading space (Ġword): each word is
        # tokenized behind one, as inside a text (`hf.Tokenizer`'s too).
        self.word_prefix = " " if isinstance(
            hub_tokenizer, keras_hub.tokenizers.BytePairTokenizer) else ""
        self._traced = None  # `_tokenize`'s function (byte-level BPE)
        self._encoders = {}  # `encode`'s traced, by (max_length, paired)

    def in_graph(self):
        """The same tokenization as TF ops: the keras-hub layer itself
        (byte-level BPE: with GPT-2's pre-tokenizer, `ByteLevelBPE`)."""
        from tfft.export import graph_tokenizer

        if isinstance(self.hub, keras_hub.tokenizers.BytePairTokenizer):
            return graph_tokenizer.ByteLevelBPE(self.hub)
        return graph_tokenizer.KerasHubTokenizer(self.hub)

    def _tokenize(self, texts):
        """Texts -> ragged ids, as the SavedModel's graph tokenizes them:
        keras-hub's layer (its Python path agrees with its graph once NUL
        is a space, as `in_graph()` makes it: SentencePiece kept NUL as an
        unknown token), the traced `ByteLevelBPE` for byte-level BPE
        (keras-hub's Python and graph paths split text differently, and
        both unlike the checkpoint's own GPT-2 pre-tokenizer)."""
        if not isinstance(self.hub, keras_hub.tokenizers.BytePairTokenizer):
            return self.hub(tf.constant([t.replace("\x00", " ")
                                         for t in texts], tf.string))
        texts = tf.constant(list(texts), tf.string)
        if self._traced is None:
            self._traced = tf.function(self.in_graph(), input_signature=[
                tf.TensorSpec([None], tf.string)])
        return self._traced(texts)

    def in_graph_decoder(self):
        """`decode` as TF ops: ragged ids -> texts."""
        from tfft.export.graph_tokenizer import KerasHubDecoder

        return KerasHubDecoder(self.hub)

    def decode(self, ids) -> str:
        """Token ids -> text, without special tokens (keras-hub's
        `generate_postprocess`)."""
        special = set(self.hub.special_token_ids)
        text = self.hub.detokenize(
            tf.constant([[int(i) for i in ids if int(i) not in special]],
                        tf.int32))[0]
        # (eager keras-hub 0.32 returns Python strings; traced, tensors)
        if hasattr(text, "numpy"):
            text = text.numpy()
        return text.decode("utf-8", "replace") if isinstance(
            text, bytes) else text

    # From this many texts `encode` runs one traced function (keras-hub's
    # layers called eagerly go through Python lists: ~0.5 ms a text here,
    # against ~0.6 s to trace once and ~15 us a text after).
    TRACE_FROM = 256

    def encode(self, texts, pairs=None, *, max_length):
        """Texts (and their pairs) -> unpadded id and segment lists: the
        `MultiSegmentPacker`'s packing of `_tokenize`'s ids; traced for
        `TRACE_FROM` texts or more (and every call after), both ways
        giving the same ids."""
        paired = pairs is not None
        key = (max_length, paired)
        if key not in self._encoders and len(texts) < self.TRACE_FROM:
            return self._encode_eagerly(texts, pairs, max_length)
        if key not in self._encoders:
            self._encoders[key] = self._encoder(max_length, paired)
        inputs = [texts, pairs] if paired else [texts]
        ids, types = self._encoders[key](
            *[tf.constant(list(x), tf.string) for x in inputs])
        return {"input_ids": ids.to_list(), "token_type_ids": types.to_list()}

    def _encoder(self, max_length, paired):
        """`_encode_eagerly` as one tf.function over string vectors."""
        tokenize = self.in_graph()
        packer = self._packer(max_length)

        def encode(*texts):
            return self._pack(packer, [tokenize(t) for t in texts])

        return tf.function(encode, input_signature=[
            tf.TensorSpec([None], tf.string)] * (2 if paired else 1))

    def _encode_eagerly(self, texts, pairs, max_length):
        segments = [self._tokenize(texts)]
        if pairs is not None:
            segments.append(self._tokenize(pairs))
        ids, types = self._pack(self._packer(max_length), segments)
        return {"input_ids": ids.to_list(), "token_type_ids": types.to_list()}

    def _packer(self, max_length):
        return keras_hub.layers.MultiSegmentPacker(
            sequence_length=max_length, **self._packer_args)

    def _pack(self, packer, segments):
        """Segments' ids -> (ids, segment ids), ragged: packed, then cut
        at the padding."""
        ids, types = packer(tuple(segments),
                            add_start_value=self.start_id is not None)
        # Padding only ever follows the end token, so lengths are exact
        # unless the pad id is also a real token inside the text.
        lengths = tf.reduce_sum(tf.cast(ids != self.pad_id, tf.int32), 1)
        return (tf.RaggedTensor.from_tensor(ids, lengths=lengths),
                tf.RaggedTensor.from_tensor(types, lengths=lengths))

    def tokenize_words(self, words) -> list:
        """Each word's ids alone (behind `word_prefix`), without special
        tokens (a word the tokenizer drops entirely, e.g. a lone accent,
        gives [])."""
        if not words:
            return []
        ids = self._tokenize([self.word_prefix + w for w in words])
        # Eager keras-hub 0.32 returns lists; traced, a RaggedTensor.
        return ids.to_list() if hasattr(ids, "to_list") else ids

    def save(self, directory):
        self.hub.save_to_preset(directory)


def _special_id(tokenizer, names):
    for name in names:
        value = getattr(tokenizer, name, None)
        if value is not None:
            return int(value)
    return None


def _seq2seq_starts(hub_tokenizer):
    """The start values of keras-hub's `Seq2SeqLMPreprocessor` for this
    tokenizer's class, as (source's, decoder's) id lists, or None where
    keras-hub has none."""
    pending = [keras_hub.models.Seq2SeqLMPreprocessor]
    while pending:
        cls = pending.pop()
        if cls.tokenizer_cls is type(hub_tokenizer):
            preprocessor = cls(tokenizer=hub_tokenizer)
            preprocessor.build(None)
            return tuple(_ids(packer.start_value) for packer in (
                preprocessor.encoder_packer, preprocessor.decoder_packer))
        pending.extend(cls.__subclasses__())
    return None


def _ids(value) -> list:
    if value is None:
        return []
    return [int(i) for i in (value if isinstance(value, (list, tuple))
                             else [value])]


def load_tokenizer(path: str) -> Tokenizer:
    try:
        return Tokenizer(keras_hub.tokenizers.Tokenizer.from_preset(path))
    except Exception as e:
        raise UserError(
            f"could not load a keras-hub tokenizer from {path!r} "
            f"({first_line(e)}); pass a keras-hub preset or a Hugging Face "
            "checkpoint folder"
        ) from e


# tfft's canonical input -> keras-hub's name (backbones take a subset).
INPUT_NAMES = {"input_ids": "token_ids", "attention_mask": "padding_mask",
               "token_type_ids": "segment_ids"}


class _Model(KERAS.Model):
    """What both task models need under tf.distribute strategies."""

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras 3 builds metrics from the first distributed batch reduced
        # with `strategy.reduce`, which MultiWorkerMirroredStrategy cannot
        # do for dict inputs (keras-team/keras#20329), and which would
        # all-reduce dynamically padded batches of different shapes across
        # workers. Building needs shapes only: this replica's batch does.
        if iterator is not None and self._distribute_strategy is not None:
            for _, _, it in iterator:
                data_batch = tf.nest.map_structure(_first_local,
                                                   next(it))
                break
        return super()._maybe_symbolic_build(data_batch=data_batch)

    # Keras 3 reduces each worker's logs with `strategy.reduce("MEAN", v,
    # axis=0)` under MultiWorkerMirroredStrategy, which fails on scalars
    # (tensorflow/tensorflow#72388). Shape [1] logs reduce to the mean.
    def train_step(self, data):
        return _reducible(self.distribute_strategy, super().train_step(data))

    def test_step(self, data):
        return _reducible(self.distribute_strategy, super().test_step(data))


class TaskModel(_Model):
    """A keras-hub backbone + a task head (layers built by the task)."""

    def __init__(self, backbone, task, head_layers, **kwargs):
        super().__init__(**kwargs)
        self.backbone = backbone
        self.task = task
        self.head_layers = head_layers
        accepted = {i.name for i in backbone.inputs}
        self._input_map = {ours: theirs for ours, theirs in INPUT_NAMES.items()
                           if theirs in accepted}

    def call(self, inputs, training=False):
        outputs = self.backbone(
            {theirs: inputs[ours] for ours, theirs in self._input_map.items()},
            training=training)
        if not isinstance(outputs, dict):
            outputs = {"sequence_output": outputs}
        features = dict(outputs, attention_mask=inputs["attention_mask"])
        return self.task.apply_head(self.head_layers, features, training)


class Seq2SeqModel(_Model):
    """A keras-hub `Seq2SeqLM` task (`SEQ2SEQ_TASKS`) on tfft's inputs: the
    source (`input_ids`, `attention_mask`) and the decoder's
    (`decoder_input_ids`, `decoder_attention_mask`) -> the logits of
    every decoder position. No tfft head: its LM head is keras-hub's."""

    def __init__(self, seq2seq, task, **kwargs):
        super().__init__(**kwargs)
        self.seq2seq = seq2seq
        self.task = task
        self.head_layers = {}

    @property
    def backbone(self):
        return self.seq2seq.backbone

    def call(self, inputs, training=False):
        return self.seq2seq({
            "encoder_token_ids": inputs["input_ids"],
            "encoder_padding_mask": inputs["attention_mask"],
            "decoder_token_ids": inputs["decoder_input_ids"],
            "decoder_padding_mask": inputs["decoder_attention_mask"],
        }, training=training)


def _reducible(strategy, logs):
    multi_worker = (
        isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
        and strategy.extended._in_multi_worker_mode())
    if not multi_worker:
        return logs
    return {k: tf.reshape(v, [1]) if v.shape.rank == 0 else v
            for k, v in logs.items()}


def _first_local(value):
    if isinstance(value, tf.distribute.DistributedValues):
        return value.values[0]
    return value


def build(path: str, model_config, task):
    """The task model for `path` (call inside the strategy scope)."""
    load_weights = model_config.init == "pretrained"
    try:
        backbone = keras_hub.models.Backbone.from_preset(
            path, load_weights=load_weights)
    except Exception as e:
        no_weights = load_weights and os.path.isdir(path) and not \
            assets.weights_bytes(path)
        raise UserError(
            f"could not load a keras-hub backbone from {path!r} "
            f"({first_line(e)}); pass a keras-hub preset or Hugging Face "
            "checkpoint folder" + (" with its weights, or set "
                                   "--config.model.init=random to train "
                                   "from scratch" if no_weights else "")
        ) from e
    if not load_weights:
        _mend_random_init(backbone)
    if task.output_kind == "generated":
        return _seq2seq(backbone, path, task)
    pooling.freeze_unused_pooler(backbone, model_config.pooling)
    return TaskModel(backbone, task, task.build_head(KERAS, model_config))


def _mend_random_init(backbone):
    """keras-hub 0.32's `T5Backbone` draws its token embeddings from
    `TruncatedNormal(1.0)`, whose first argument is the mean (stddev
    0.05): every token starts as nearly the same vector, and a tiny T5
    barely learns (the copy task's test ROUGE-L 0.0 after 40 epochs, 0.94
    with the embeddings redrawn). transformers' T5, which keras-hub
    ported, draws them with stddev 1.0; so does tfft for a T5 built from
    a config. Trained weights are never touched."""
    if type(backbone).__name__ == "T5Backbone":
        embeddings = backbone.token_embedding.embeddings
        embeddings.assign(KERAS.initializers.TruncatedNormal(stddev=1.0)(
            embeddings.shape, embeddings.dtype))


# keras-hub Seq2SeqLM tasks tfft trains and generates with: their inputs
# are encoder/decoder token ids and padding masks, their preprocessor packs
# with start/end packers (which `Tokenizer` reads), `generate_step` is
# the cached loop `Generator` runs.
SEQ2SEQ_TASKS = ("BartSeq2SeqLM", "T5Seq2SeqLM")


def _seq2seq(backbone, path, task):
    cls = _task_class(task.keras_hub_class, backbone)
    if cls is None:
        raise UserError(
            f"{path} holds a {type(backbone).__name__}, for which keras-hub "
            f"has no {task.keras_hub_class} (no decoder); pass an "
            "encoder-decoder checkpoint (BART, T5), or warm-start one from "
            "this encoder with --config.model.family=hf "
            "--config.model.encoder_decoder=true")
    if cls.__name__ not in SEQ2SEQ_TASKS:
        raise UserError(
            f"keras-hub's {cls.__name__} is not wired in tfft (it does "
            f"{', '.join(SEQ2SEQ_TASKS)}); use --config.model.family=hf")
    return Seq2SeqModel(cls(backbone=backbone, preprocessor=None), task)


class Generator(TracedGenerator):
    """keras-hub's cached decoding loop (`Seq2SeqLM.generate_step`, its
    greedy or beam sampler) as a `TracedGenerator`. The decoder starts
    from the tokenizer's `decoder_prompt`, as keras-hub's `generate` does;
    the sequence stops at `end_id`. `no_repeat_ngram_size` bans repeated
    n-grams at every step as the hf family's generation does
    (`tfft.models.generation.ban_repeated_ngrams`); keras-hub's samplers
    have no length penalty or minimum length (the task refuses them)."""

    def __init__(self, model: Seq2SeqModel, *, prompt, end_id: int,
                 max_new_tokens: int, num_beams: int = 1, pad_id: int = 0,
                 no_repeat_ngram_size: int = 0, jit_compile=False,
                 name=None):
        self.prompt = [int(i) for i in prompt]
        self.end_id = int(end_id)
        self.sampler = (keras_hub.samplers.GreedySampler() if num_beams == 1
                        else keras_hub.samplers.BeamSampler(int(num_beams)))
        if no_repeat_ngram_size:
            self.sampler = _NGramBan(self.sampler, int(no_repeat_ngram_size))
        super().__init__(model.seq2seq, max_new_tokens=max_new_tokens,
                         pad_id=pad_id, jit_compile=jit_compile, name=name)

    def _generate(self, input_ids, attention_mask):
        rows, given = tf.shape(input_ids)[0], len(self.prompt)
        decoder = tf.concat([
            tf.tile(tf.constant([self.prompt], tf.int32), [rows, 1]),
            tf.fill([rows, self.width - given], self.pad_id)], axis=1)
        self.model.sampler = self.sampler  # (self.model: the Seq2SeqLM)
        with _static_step_length(self.model):
            out = self.model.generate_step({
                "encoder_token_ids": input_ids,
                "encoder_padding_mask": attention_mask,
                "decoder_token_ids": decoder,
                "decoder_padding_mask": tf.sequence_mask(
                    tf.fill([rows], given), self.width),
            }, stop_token_ids=(self.end_id,))
        return tf.where(out["decoder_padding_mask"],
                        tf.cast(out["decoder_token_ids"], tf.int32),
                        self.pad_id)


class _NGramBan:
    """A keras-hub sampler whose every step's logits first lose the tokens
    that would repeat an n-gram of the sequence so far (keras-hub's
    `generate_step` hands the sampler its `next(prompt, cache, index)`:
    the logits of the token at `index`, the prompt padded to its width,
    and with beam search one row per beam)."""

    def __init__(self, sampler, n: int):
        self.sampler, self.n = sampler, n

    def __call__(self, next, *args, **kwargs):  # keras-hub's names
        def banned(prompt, cache, index):
            logits, hidden, cache = next(prompt, cache, index)
            return (ban_repeated_ngrams(prompt, logits, index, self.n),
                    hidden, cache)

        return self.sampler(banned, *args, **kwargs)


@contextlib.contextmanager
def _static_step_length(seq2seq):
    """While `generate_step` is traced: the decoder's outputs keep the
    static length of its input. keras-hub 0.32's T5 attention reshapes
    with the batch size as a tensor, so with a batch size unknown when
    traced (tfft's functions and SavedModel) a step's length 1 becomes
    unknown, and `generate_step` fails to squeeze it."""
    call = seq2seq.call_decoder_with_cache

    def with_length(*args, **kwargs):
        length = kwargs["decoder_token_ids"].shape[1]
        logits, hidden, *caches = call(*args, **kwargs)
        return (tf.ensure_shape(logits, [None, length, None]),
                tf.ensure_shape(hidden, [None, length, None]), *caches)

    object.__setattr__(seq2seq, "call_decoder_with_cache", with_length)
    try:
        yield
    finally:
        object.__delattr__(seq2seq, "call_decoder_with_cache")


def generator(model: Seq2SeqModel, *, pad_id: int, end_id: int,
              decoder_prompt, **options):
    """The model's generation with `options` (`Task.generation_options`:
    the task refuses settings keras-hub's samplers do not have) as a
    `TracedGenerator`."""
    return Generator(model, prompt=decoder_prompt, end_id=end_id,
                     pad_id=pad_id, **options)


def save_checkpoint(model: TaskModel, directory: str, task,
                    tokenizer) -> dict:
    """A keras-hub preset; returns the manifest entries it decided.

    Where keras-hub has the task's class for this backbone and it computes
    what tfft's head does (checked by `_as_native`), the preset is that
    task (preprocessor included, float32): `<Task>.from_preset` loads it
    without tfft. Otherwise it is the backbone's preset plus a `task.json`
    naming a class keras-hub does not have, so `<Task>.from_preset`
    refuses it rather than build a freshly initialised head.
    """
    model.backbone.save_to_preset(directory)  # LoRA adapters merged
    if isinstance(model, Seq2SeqModel):
        return _save_seq2seq(model, directory, task, tokenizer)
    converted = _as_native(model, task, tokenizer, directory)
    if converted is not None:
        converted.save_to_preset(directory)
        return {"native": native.entry(
            "keras_hub", type(converted).__name__,
            f"keras_hub.models.{task.keras_hub_class}.from_preset(<folder>)")}
    if task.keras_hub_class:
        reason = (f"no keras-hub {task.keras_hub_class} for "
                  f"{type(model.backbone).__name__} computes tfft's "
                  f"{task.name} head (model.pooling="
                  f"{task.config.model.pooling!r})")
    else:
        reason = f"keras-hub has no task class for {task.name}"
    refusal = native.refusal(reason)
    with open(os.path.join(directory, "task.json"), "w") as f:
        json.dump({"module": "tfft", "class_name": "TaskModel",
                   "registered_name": f"{native.NOT_NATIVE}>TaskModel",
                   "config": {}, "tfft": refusal["reason"]}, f, indent=2)
    return {"native": refusal}


def _save_seq2seq(model: Seq2SeqModel, directory: str, task,
                  tokenizer) -> dict:
    """The keras-hub task itself (float32, with its preprocessor at the
    run's source length and generation length): `from_preset` loads it
    and its `generate` takes raw text."""
    cls = type(model.seq2seq)
    with keras_compat.precision("keras_hub", "float32"):
        backbone = keras_hub.models.Backbone.from_preset(directory,
                                                         dtype="float32")
        preprocessor = cls.preprocessor_cls(
            tokenizer=tokenizer.hub,
            encoder_sequence_length=task.config.data.max_source_length,
            decoder_sequence_length=1 + task.config.generate.max_new_tokens)
        cls(backbone=backbone, preprocessor=preprocessor).save_to_preset(
            directory)
    # keras-hub 0.32's Seq2SeqLMPreprocessor leaves its sequence lengths
    # out of its config (from_preset would pack to 1024 tokens); its
    # constructor takes them, so the saved configs say them.
    lengths = dict(
        encoder_sequence_length=preprocessor.encoder_sequence_length,
        decoder_sequence_length=preprocessor.decoder_sequence_length)
    for name, part in (("preprocessor.json", lambda c: c),
                       ("task.json", lambda c: c["config"]["preprocessor"])):
        file = os.path.join(directory, name)
        with open(file) as f:
            saved = json.load(f)
        part(saved)["config"].update(lengths)
        with open(file, "w") as f:
            json.dump(saved, f, indent=4)
    return {"native": native.entry(
        "keras_hub", cls.__name__,
        f"keras_hub.models.{task.keras_hub_class}.from_preset(<folder>)")}


def _task_class(base_name: str, backbone):
    """keras-hub's subclass of `keras_hub.models.<base_name>` for this
    backbone's class, or None."""
    pending = [getattr(keras_hub.models, base_name)]
    while pending:
        cls = pending.pop()
        if getattr(cls, "backbone_cls", None) is type(backbone):
            return cls
        pending.extend(cls.__subclasses__())
    return None


def _as_native(model: TaskModel, task, tokenizer, preset: str):
    """keras-hub's task holding `model`'s trained weights (float32, the
    backbone as saved in `preset`), if it computes the same outputs on a
    probe batch; else None."""
    cls = (_task_class(task.keras_hub_class, model.backbone)
           if task.keras_hub_class else None)
    if cls is None:
        return None
    with keras_compat.precision("keras_hub", "float32"):
        backbone = keras_hub.models.Backbone.from_preset(preset,
                                                         dtype="float32")
        preprocessor = cls.preprocessor_cls(
            tokenizer=tokenizer.hub,
            sequence_length=task.config.data.max_length)
        try:
            converted = cls(backbone=backbone, preprocessor=preprocessor,
                            **task.keras_hub_arguments())
        except (TypeError, ValueError):
            return None
        head = task.build_head(KERAS, task.config.model)
    if not native.copy_head(converted, backbone, model.head_layers):
        return None
    probe = native.probe_inputs(tokenizer.hub.vocabulary_size())
    inputs = {theirs: tf.constant(probe[ours])
              for ours, theirs in model._input_map.items()}
    outputs = backbone(inputs, training=False)
    if not isinstance(outputs, dict):
        outputs = {"sequence_output": outputs}
    ours = native.tfft_outputs(task, head, model.head_layers, dict(
        outputs, attention_mask=tf.constant(probe["attention_mask"])))
    theirs = converted(inputs, training=False)
    if not native.same_outputs(theirs, ours, probe["attention_mask"]):
        return None
    return converted
