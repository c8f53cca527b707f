"""Generation as one TensorFlow function: source ids -> generated ids.

A family's generator (`hf_generation.Generator` for transformers' seq2seq
models, `keras_hub.Generator` for keras-hub's `Seq2SeqLM` tasks) is a
`TracedGenerator`: the same traced function serves `Task.outputs`
(evaluation, `tfft-predict`, `tfft.pipeline`) and the SavedModel
(`tfft.export`), so what a run scores is what TF Serving returns.

The output is [batch, 1 + max_new_tokens] int32: the decoder start token,
the generated tokens, then padding (`pad_id`), whatever the search.

With `jit_compile`, calls from Python run the function XLA-compiled, at
shapes rounded up to powers of two (XLA compiles once per shape). Traced
into another function (the SavedModel), it is the graph function.

Under mixed precision the model's weights are cast to the compute dtype
once per call, before the decoding loop, not at every step
(`keras_compat.weights_cast_once`).

Traced without AutoGraph: transformers' `generate` and keras-hub's
`generate_step` write their loops with `tf.while_loop` themselves, and
converting their code and every layer's `call` took most of the first
call (ACLSum's BERT2BERT: tracing 10.3 s with AutoGraph, 2.1 s without).
"""

import contextlib

import tensorflow as tf

from tfft import keras_compat


class TracedGenerator(tf.Module):
    """(input_ids, attention_mask) -> [batch, 1 + max_new_tokens] ids with
    fixed settings; subclasses implement `_generate` with TF ops that work
    at any batch size and source length (the SavedModel's signature)."""

    def __init__(self, model, *, max_new_tokens: int, pad_id: int,
                 jit_compile=False, name=None):
        super().__init__(name=name)
        self.model = model
        self.width = 1 + int(max_new_tokens)
        self.pad_id = int(pad_id)
        specs = [tf.TensorSpec([None, None], tf.int32, name=n)
                 for n in ("input_ids", "attention_mask")]
        # The graph function (any shape: the SavedModel's signature), and
        # with `jit_compile` its XLA twin for calls from Python, compiled
        # once per bucketed shape (`__call__`).
        self.generate = tf.function(self._traced_graph,
                                    input_signature=specs, autograph=False)
        if jit_compile == "auto":
            jit_compile, self.jit_reason = xla_pays(model)
        else:
            self.jit_reason = ("XLA-compiled" if jit_compile else
                               "not XLA-compiled") + " (generate.jit_compile)"
        self.jit_compile = bool(jit_compile)
        self._compiled = (tf.function(self._traced, jit_compile=True,
                                      autograph=False)
                          if self.jit_compile else None)
        self._shapes = []  # (rows, length) compiled so far

    def _generate(self, input_ids, attention_mask):
        raise NotImplementedError

    def _outside_xla(self):
        """A context the graph function is traced in and its XLA twin is
        not (for ops XLA cannot compile)."""
        return contextlib.nullcontext()

    def _traced_graph(self, input_ids, attention_mask):
        with self._outside_xla():
            return self._traced(input_ids, attention_mask)

    def _traced(self, input_ids, attention_mask):
        with keras_compat.weights_cast_once(self.model):
            return self._generate(input_ids, attention_mask)

    def __call__(self, input_ids, attention_mask):
        input_ids = tf.cast(input_ids, tf.int32)
        attention_mask = tf.cast(attention_mask, tf.int32)
        if self._compiled is None or not tf.executing_eagerly():
            return self.generate(input_ids, attention_mask)
        return self._bucketed(input_ids, attention_mask)

    def _bucketed(self, input_ids, attention_mask):
        """The XLA function at a bucketed shape: XLA compiles once per
        input shape, so the rows and the length are rounded up (rows
        copied from the first, positions padded and masked) and the result
        cut back to the rows given. A shape already compiled that holds
        the input is reused (the smallest): a last, smaller batch costs
        the full batch's generation, not a compilation."""
        rows, length = input_ids.shape
        fits = [(r * n, r, n) for r, n in self._shapes
                if r >= rows and n >= length]
        if fits:
            _, to_rows, to_length = min(fits)
        else:
            to_rows, to_length = _bucket(rows), _bucket(length)
            self._shapes.append((to_rows, to_length))
        more, longer = to_rows - rows, to_length - length
        if more:
            input_ids = tf.concat(
                [input_ids, tf.repeat(input_ids[:1], more, axis=0)], 0)
            attention_mask = tf.concat(
                [attention_mask, tf.repeat(attention_mask[:1], more, axis=0)],
                0)
        if longer:
            input_ids = tf.pad(input_ids, [[0, 0], [0, longer]],
                               constant_values=self.pad_id)
            attention_mask = tf.pad(attention_mask, [[0, 0], [0, longer]])
        return self._compiled(input_ids, attention_mask)[:rows]


def xla_pays(model):
    """(whether, why): XLA-compiled generation where it measured faster.
    On this project's CPU (AVX-512 BF16), the ACLSum demo's BERT2BERT
    generated 1.36x the tokens/s with XLA in float32 and 0.74x in bfloat16
    (XLA's CPU bfloat16 dots are slow); GPUs and TPUs are what XLA
    generation was built for."""
    accelerator = next((kind for kind in ("TPU", "GPU")
                        if tf.config.list_logical_devices(kind)), None)
    if accelerator:
        return True, f"XLA-compiled (a {accelerator})"
    dtype = getattr(model, "compute_dtype", "float32")
    if dtype == "float32":
        return True, "XLA-compiled (float32 on a CPU)"
    return False, f"not XLA-compiled ({dtype} on a CPU, where XLA is slower)"


def _bucket(n: int) -> int:
    """n rounded up to a power of two (8 at least)."""
    return max(8, 1 << max(0, int(n) - 1).bit_length())


def ban_repeated_ngrams(ids, scores, cur_len, n: int):
    """`scores` [rows, vocab] with -inf for every token that would repeat
    an n-gram already in the sequence (fairseq's and transformers'
    `no_repeat_ngram_size` rule), in graph ops. `ids` [rows, width]: the
    sequences padded to their final width, the first `cur_len` tokens
    known; the token scored is the one at position `cur_len`. Every shape
    is the width's, so the rule compiles with XLA (no shape depends on
    cur_len)."""
    ids = tf.cast(ids, tf.int32)
    width = ids.shape[1] if ids.shape[1] is not None else tf.shape(ids)[1]
    windows = width - n + 1  # window j: tokens j .. j+n-1
    if isinstance(windows, int) and windows <= 0:
        return scores
    rows = tf.shape(ids)[0]
    # Window j is complete before cur_len; its first n - 1 tokens must
    # equal the last n - 1, and then its token j + n - 1 is banned.
    matches = tf.broadcast_to(
        tf.range(windows)[None] < cur_len - n + 1, [rows, windows])
    for k in range(n - 1):
        # (clamped: with no complete window the position is unused)
        at = tf.clip_by_value(cur_len - (n - 1) + k, 0, width - 1)
        last = tf.gather(ids, at, axis=1)
        matches &= tf.equal(ids[:, k:k + windows], last[:, None])
    banned = ids[:, n - 1:n - 1 + windows]
    row = tf.broadcast_to(tf.range(rows)[:, None], [rows, windows])
    ban = tf.scatter_nd(tf.stack([row, banned], axis=-1),
                        tf.cast(matches, tf.int32),
                        tf.shape(scores, out_type=tf.int32)) > 0
    return tf.where(ban, tf.cast(-float("inf"), scores.dtype), scores)


def generated_tokens(sequences, *, end_id: int, drop_ids):
    """[batch, width] sequences -> ragged [batch, (tokens)]: after the
    decoder start, before the first end token, without `drop_ids`
    (padding, special tokens)."""
    tokens = tf.cast(sequences[:, 1:], tf.int32)
    before_end = tf.equal(tf.cumsum(tf.cast(tf.equal(tokens, end_id),
                                            tf.int32), axis=1), 0)
    keep = before_end
    for i in sorted(set(int(d) for d in drop_ids)):
        keep &= tf.not_equal(tokens, i)
    return tf.ragged.boolean_mask(tokens, keep)
