"""The `hf` family's generator: a transformers TF seq2seq model's
`generate` as a `TracedGenerator` (`tfft.models.generation`).

What transformers' TF `generate` cannot do in a graph with a dynamic batch
size (a SavedModel's signature), and what this does instead:

- beam search needs a static batch size (it broadcasts to a shape with the
  batch dimension), so beam search runs one source at a time
  (`tf.map_fn`, each row with its own padding mask); greedy search runs
  the whole batch at once;
- `no_repeat_ngram_size` is eager-only in transformers
  (`TFNoRepeatNGramLogitsProcessor`), so `NoRepeatNGram` re-implements it
  with TF ops (the same bans: tested against transformers' on random
  sequences) and is passed as a logits processor; the model config's
  forced first / last token (BART's `forced_bos_token_id`,
  `forced_eos_token_id`) need a static batch size in transformers, so
  `ForcedToken` does the same with a dynamic one, and `MinLength` does
  transformers' minimum length in bfloat16 too (mixed precision);
- a `TFEncoderDecoderModel` (BERT2BERT) does not generate in a graph as
  transformers ships it; `_graph_encoder_decoder` mends that instance;
- its loop writes each step's key and value into the padded cache with
  XLA's DynamicUpdateSlice, whose kernel outside XLA copies the whole
  cache every step; outside XLA, `_cache_written_in_place` writes them
  with TensorStridedSliceUpdate, which writes into its input's buffer when
  nothing else holds it (there: the cache just sliced), the same values
  (XLA needs its begin constant, and updates in place itself).

Every processor here keeps its shapes independent of the step, so the
loop compiles with XLA.
"""

import contextlib

import tensorflow as tf
from transformers.generation import tf_utils
from transformers.generation.tf_logits_process import TFLogitsProcessor
from transformers.generation.tf_logits_process import TFLogitsProcessorList

from tfft.errors import UserError
from tfft.models.generation import TracedGenerator
from tfft.models.generation import ban_repeated_ngrams


class NoRepeatNGram(TFLogitsProcessor):
    """`tfft.models.generation.ban_repeated_ngrams` as transformers'
    logits processor."""

    def __init__(self, ngram_size: int):
        if ngram_size < 1:
            raise ValueError(f"ngram_size must be positive, not {ngram_size}")
        self.n = int(ngram_size)

    def __call__(self, input_ids, scores, cur_len):
        return ban_repeated_ngrams(input_ids, scores, cur_len, self.n)


class ForcedToken(TFLogitsProcessor):
    """At `cur_len == position`, only `token` may come next (transformers'
    forced BOS at position 1 and forced EOS at max_length - 1)."""

    def __init__(self, position: int, token: int):
        self.position, self.token = int(position), int(token)

    def __call__(self, input_ids, scores, cur_len):
        only = tf.equal(tf.range(tf.shape(scores)[1]), self.token)[None]
        forced = tf.where(only, tf.zeros_like(scores),
                          tf.cast(-float("inf"), scores.dtype))
        return tf.cond(tf.equal(cur_len, self.position), lambda: forced,
                       lambda: scores)


def _graph_encoder_decoder(model) -> None:
    """Makes a `TFEncoderDecoderModel` generate in a graph, where
    transformers runs its XLA-style loop (the past padded to the maximum
    length, a `decoder_attention_mask` marking the filled positions):
    transformers' version ignores that mask (each step's decoder then
    attends to the padding), lets BERT number the new token's position
    after the whole padded past (and drops `decoder_position_ids`), and
    builds an all-ones mask from the static shape, which has no batch size
    in a SavedModel's signature. Patched on this instance only; eager
    calls are unchanged."""
    decoder = getattr(model, "decoder", None)
    if type(model).__name__ != "TFEncoderDecoderModel" or getattr(
            model.prepare_inputs_for_generation, "_tfft_graph", False):
        return
    prepare_decoder = decoder.prepare_inputs_for_generation
    prepare = model.prepare_inputs_for_generation

    def decoder_inputs(input_ids, past_key_values=None, attention_mask=None,
                       **kwargs):
        if attention_mask is None:
            attention_mask = tf.ones(tf.shape(input_ids))
        return prepare_decoder(input_ids, past_key_values=past_key_values,
                               attention_mask=attention_mask, **kwargs)

    embeddings = getattr(getattr(decoder, "bert", None), "embeddings", None)
    if embeddings is None:
        raise UserError(
            "a transformers EncoderDecoder model generates in a graph with a "
            f"BERT decoder only (this one is {type(decoder).__name__}); "
            "use a BERT checkpoint for model.path")

    def inputs(input_ids, decoder_attention_mask=None, **kwargs):
        out = prepare(input_ids, **kwargs)
        past = out.get("past_key_values")
        if decoder_attention_mask is None:
            return out
        out["decoder_attention_mask"] = decoder_attention_mask
        if past is not None:
            # The new token sits at the filled places' count - 1; BERT
            # would put it after the whole padded past, and the
            # EncoderDecoder drops position ids: correct it in the input
            # embedding instead.
            ids = out.pop("decoder_input_ids")
            at = tf.reduce_sum(tf.cast(decoder_attention_mask, tf.int32),
                               axis=1, keepdims=True) - 1
            after_past = tf.shape(past[0][0])[2]
            positions = embeddings.position_embeddings
            out["decoder_input_ids"] = None
            # (in the layer's compute dtype: bfloat16 under mixed
            # precision, as the embedding layer reads its weights)
            out["decoder_inputs_embeds"] = tf.cast(
                tf.gather(embeddings.weight, ids)
                + tf.gather(positions, at)
                - tf.gather(positions, after_past)[None, None],
                embeddings.compute_dtype)
        return out

    inputs._tfft_graph = True
    decoder.prepare_inputs_for_generation = decoder_inputs
    model.prepare_inputs_for_generation = inputs


class MinLength(TFLogitsProcessor):
    """No end token while `cur_len < min_length` (transformers'
    `TFMinLengthLogitsProcessor`, whose -inf does not match bfloat16
    scores under mixed precision)."""

    def __init__(self, min_length: int, end_ids):
        self.min_length = int(min_length)
        self.end_ids = [int(i) for i in end_ids]

    def __call__(self, input_ids, scores, cur_len):
        vocab = tf.range(tf.shape(scores)[1])
        end = tf.reduce_any(tf.equal(vocab[:, None], self.end_ids), axis=1)
        banned = tf.where(end[None], tf.cast(-float("inf"), scores.dtype),
                          scores)
        return tf.cond(tf.less(cur_len, self.min_length), lambda: banned,
                       lambda: scores)


class Generator(TracedGenerator):
    """`model.generate` with fixed settings as a function of
    (input_ids, attention_mask) -> [batch, 1 + max_new_tokens] ids."""

    def __init__(self, model, *, max_new_tokens: int, num_beams: int = 1,
                 length_penalty: float = 1.0, min_length: int = 0,
                 no_repeat_ngram_size: int = 0, pad_id: int = 0,
                 jit_compile=False, name=None):
        _graph_encoder_decoder(model)
        self.num_beams = int(num_beams)
        self.options = {"max_new_tokens": int(max_new_tokens),
                        "num_beams": self.num_beams,
                        "length_penalty": float(length_penalty)}
        self.ngram = int(no_repeat_ngram_size)
        self.min_length = int(min_length)
        config = getattr(model, "generation_config", None)
        end = getattr(config, "eos_token_id", None)
        self.end_ids = [] if end is None else (
            list(end) if isinstance(end, (list, tuple)) else [end])
        self.forced = [
            (position, getattr(config, name, None))
            for position, name in ((1, "forced_bos_token_id"),
                                   (int(max_new_tokens),
                                    "forced_eos_token_id"))]
        super().__init__(model, max_new_tokens=max_new_tokens, pad_id=pad_id,
                         jit_compile=jit_compile, name=name)

    def _processors(self):
        # A fresh list per call: transformers appends its own to it.
        processors = [NoRepeatNGram(self.ngram)] if self.ngram else []
        if self.min_length and self.end_ids:
            processors.append(MinLength(self.min_length, self.end_ids))
        processors += [ForcedToken(position, token)
                       for position, token in self.forced
                       if token is not None]
        return TFLogitsProcessorList(processors)

    def _run(self, input_ids, attention_mask):
        out = self.model.generate(
            input_ids=input_ids, attention_mask=attention_mask,
            logits_processor=self._processors(), forced_bos_token_id=None,
            forced_eos_token_id=None, min_length=0, **self.options)
        out = tf.cast(out, tf.int32)
        return tf.pad(out, [[0, 0], [0, self.width - tf.shape(out)[1]]],
                      constant_values=self.pad_id)

    def _outside_xla(self):
        return _cache_written_in_place()

    def _generate(self, input_ids, attention_mask):
        if self.num_beams == 1:
            return self._run(input_ids, attention_mask)

        def one(row):
            ids, mask = row
            return self._run(ids[None], mask[None])[0]

        return tf.map_fn(one, (input_ids, attention_mask),
                         fn_output_signature=tf.TensorSpec([self.width],
                                                           tf.int32))


def _update_slice(operand, update, start_indices):
    """XLA's `dynamic_update_slice` (the start clamped so that `update`
    fits, as XLA does) as TensorStridedSliceUpdate."""
    start = tf.cast(tf.stack(start_indices) if isinstance(
        start_indices, (list, tuple)) else start_indices, tf.int32)
    room = tf.shape(operand) - tf.shape(update)
    start = tf.clip_by_value(start, tf.zeros_like(room), room)
    return tf.raw_ops.TensorStridedSliceUpdate(
        input=operand, begin=start, end=start + tf.shape(update),
        strides=tf.ones_like(start), value=update)


@contextlib.contextmanager
def _cache_written_in_place():
    """transformers' `generate` traced with `_update_slice` for its cache
    and mask updates (a traced function keeps what it was traced with)."""
    own = tf_utils.dynamic_update_slice
    tf_utils.dynamic_update_slice = _update_slice
    try:
        yield
    finally:
        tf_utils.dynamic_update_slice = own
