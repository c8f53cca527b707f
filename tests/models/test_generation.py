"""tfft's traced generation equals transformers' eager `generate` (greedy
and beam search, the no-repeat-n-gram rule, BART's forced tokens) for T5,
BART and a BERT2BERT encoder-decoder, with a dynamic batch size."""

import numpy as np
import pytest
import tensorflow as tf
import tf_keras
import transformers
from transformers.generation.tf_logits_process import (
    TFNoRepeatNGramLogitsProcessor,
)

from tests.conftest import tiny_seq2seq_config
from tests.conftest import weight_casts
from tfft.models.generation import generated_tokens
from tfft.models.generation import xla_pays
from tfft.models.hf_generation import Generator
from tfft.models.hf_generation import NoRepeatNGram

VOCAB, PAD, START, END = 40, 0, 2, 3


def _model(kind):
    # Python's and numpy's generators too: with TF's alone, BERT2BERT's
    # weights differed from process to process (and its beam search now
    # and then ended every row at once).
    tf_keras.utils.set_random_seed(7)
    if kind == "t5":
        config = tiny_seq2seq_config(kind, VOCAB, PAD, START, END)
        model = transformers.TFT5ForConditionalGeneration(config)
    elif kind == "bart":
        config = tiny_seq2seq_config(kind, VOCAB, PAD, START, END,
                                     forced_bos_token_id=START,
                                     forced_eos_token_id=END)
        model = transformers.TFBartForConditionalGeneration(config)
    else:
        bert = dict(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2,
                    num_attention_heads=4, intermediate_size=64)
        config = transformers.EncoderDecoderConfig.from_encoder_decoder_configs(
            transformers.BertConfig(**bert),
            transformers.BertConfig(**bert, is_decoder=True,
                                    add_cross_attention=True))
        config.decoder_start_token_id, config.pad_token_id = START, PAD
        config.eos_token_id = END
        model = transformers.TFEncoderDecoderModel(config)
    model(input_ids=tf.constant([[5, 6, END]]),
          decoder_input_ids=tf.constant([[START]]))
    # Large random weights: varied generations, not one repeated token.
    model.set_weights([w * 8 if w.ndim == 2 else w
                       for w in model.get_weights()])
    for name in ("decoder_start_token_id", "pad_token_id", "eos_token_id"):
        setattr(model.generation_config, name, getattr(config, name))
    return model


def _sources(rows=5, seed=0):
    rng = np.random.RandomState(seed)
    lengths = rng.randint(2, 9, size=rows)
    ids = np.full((rows, lengths.max()), PAD, np.int32)
    for i, n in enumerate(lengths):
        ids[i, :n] = list(rng.randint(4, VOCAB, size=n - 1)) + [END]
    return ids, (ids != PAD).astype(np.int32)


@pytest.fixture(scope="module", params=["t5", "bart", "bert2bert"])
def model(request):
    return _model(request.param)


@pytest.mark.parametrize("options", [
    dict(max_new_tokens=10, min_length=6, no_repeat_ngram_size=2),
    dict(max_new_tokens=8, num_beams=3, length_penalty=0.6),
])
def test_traced_generation_equals_eager_generate(model, options):
    ids, mask = _sources()
    eager_options = dict(options)
    ngram = eager_options.pop("no_repeat_ngram_size", 0)
    want = model.generate(input_ids=tf.constant(ids),
                          attention_mask=tf.constant(mask),
                          no_repeat_ngram_size=ngram or None,
                          **eager_options).numpy()
    generator = Generator(model, pad_id=PAD, **options)
    got = generator(ids, mask).numpy()
    assert got.shape == (len(ids), 1 + options["max_new_tokens"])
    width = want.shape[1]
    np.testing.assert_array_equal(got[:, :width], want)
    assert (got[:, width:] == PAD).all()
    assert len({tuple(r) for r in got}) > 1  # the sources matter
    # Outside XLA, the loop writes its cache in place
    # (TensorStridedSliceUpdate), not with DynamicUpdateSlice's copy.
    ops = _op_types(generator.generate.get_concrete_function())
    assert "TensorStridedSliceUpdate" in ops
    assert "XlaDynamicUpdateSlice" not in ops
    # Any batch size, once traced: one row alone gives its row.
    np.testing.assert_array_equal(generator(ids[2:3], mask[2:3]).numpy(),
                                  got[2:3])
    # XLA-compiled (generate.jit_compile), at bucketed shapes: the same.
    # ("auto" chooses it for a float32 model on a CPU.)
    assert xla_pays(model)[0]
    compiled = Generator(model, pad_id=PAD, jit_compile="auto", **options)
    assert compiled.jit_compile
    np.testing.assert_array_equal(compiled(ids, mask).numpy(), got)
    np.testing.assert_array_equal(compiled(ids[2:3], mask[2:3]).numpy(),
                                  got[2:3])
    np.testing.assert_array_equal(compiled(ids[:2, :3], mask[:2, :3]).numpy(),
                                  generator(ids[:2, :3], mask[:2, :3]).numpy())
    # One compilation (5 rows of 7 -> 8 x 8): the smaller inputs ran in it.
    assert ids.shape == (5, 7) and compiled._shapes == [(8, 8)]


def _op_types(concrete) -> set:
    """The op types of a traced function and of every function it calls
    (a while loop's body among them)."""
    graph = concrete.graph.as_graph_def()
    return {n.op for n in graph.node} | {
        n.op for f in graph.library.function for n in f.node_def}


def test_no_repeat_ngram_bans_what_transformers_bans():
    rng = np.random.RandomState(0)
    for n in range(1, 5):
        ban = tf.function(NoRepeatNGram(n).__call__, reduce_retracing=True)
        for _ in range(50):
            rows, length = rng.randint(1, 4), rng.randint(1, 12)
            ids = tf.constant(rng.randint(0, 4, size=(rows, length + 3)),
                              tf.int32)  # padded past cur_len, as generate's
            scores = tf.constant(rng.randn(rows, 6), tf.float32)
            want = TFNoRepeatNGramLogitsProcessor(n)(ids, scores, length)
            got = ban(ids, scores, tf.constant(length))
            np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_generated_tokens_stop_at_the_end_and_drop_padding():
    sequences = tf.constant([[START, 7, 8, END, 9, PAD],
                             [START, 7, PAD, 8, 9, PAD],
                             [START, END, 5, 5, 5, 5]])
    tokens = generated_tokens(sequences, end_id=END, drop_ids={PAD, START})
    assert tokens.to_list() == [[7, 8], [7, 8, 9], []]


def test_bert2bert_generates_in_a_graph_under_mixed_precision():
    """The demo's setting (bf16): the corrected decoder input embedding is
    cast to the layer's compute dtype and the minimum length is banned in
    bfloat16 (both crashed: float32 into bfloat16 ops). Token-for-token
    equality with eager generate is checked in float32 above; in bfloat16
    the graph's padded past and corrected embedding round differently from
    eager's growing past, and oneDNN's bfloat16 sums vary run to run, so a
    near tie can flip either way."""
    from tfft import keras_compat

    ids, mask = _sources()
    with keras_compat.precision("hf", "mixed_bfloat16"):
        model = _model("bert2bert")
        generator = Generator(model, pad_id=PAD, max_new_tokens=10,
                              min_length=8, jit_compile="auto")
        got = generator(ids, mask).numpy()
    # The loop reads each weight cast once per call, before it
    # (`keras_compat.weights_cast_once`), not cast at every step.
    assert weight_casts(generator.generate.get_concrete_function()) == {}
    # "auto": XLA's bfloat16 generation is slower on a CPU than the graph's.
    assert not generator.jit_compile
    assert "bfloat16 on a CPU" in generator.jit_reason
    assert got.shape == (len(ids), 11)
    assert (got[:, 0] == START).all()
    # No end token before the minimum length (8 with the start token).
    assert not (got[:, 1:8] == END).any()
