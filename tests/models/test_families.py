"""Both families on a tiny config-built BERT, and the real MiniLM loaded
both ways (the torch-free PyTorch-safetensors path must match keras-hub)."""

import numpy as np
import pytest
import tensorflow as tf

from tfft import trained
from tfft.config import default_config
from tfft.errors import UserError
from tfft.models import builder
from tfft.models import head_weights
from tfft.tasks import get_task

FAMILIES = [("keras_hub", "tfft"), ("hf", "tfft"), ("hf", "native")]


def task_and_config(path, family, head, init="random", pooling="cls"):
    config = default_config()
    config.model.path = path
    config.model.family = family
    config.model.head = head
    config.model.init = init
    config.model.pooling = pooling
    return get_task("classification", config,
                    state={"label_names": ["a", "b", "c"]}), config


def batch(tokenizer, texts, max_length=16):
    enc = tokenizer.encode(texts, max_length=max_length)
    width = max(len(i) for i in enc["input_ids"])
    ids = np.full((len(texts), width), tokenizer.pad_id, np.int32)
    mask = np.zeros_like(ids)
    for r, row in enumerate(enc["input_ids"]):
        ids[r, :len(row)] = row
        mask[r, :len(row)] = 1
    return {"input_ids": tf.constant(ids), "attention_mask": tf.constant(
        mask), "token_type_ids": tf.zeros_like(ids)}


@pytest.mark.parametrize("family, head", FAMILIES)
def test_build_save_load_round_trip(tiny_bert, tmp_path, family, head):
    task, config = task_and_config(tiny_bert, family, head)
    bundle = builder.build(config.model, task)
    inputs = batch(bundle.tokenizer, ["good movie", "the plot was dull"])
    logits = bundle.model(inputs, training=False)
    assert logits.shape == (2, 3) and logits.dtype == tf.float32
    builder.save(bundle, str(tmp_path), manifest={"task": "classification"},
                 task=task)
    assert trained.read_manifest(str(tmp_path))["family"] == family
    config.model.init = "pretrained"
    loaded = builder.load(str(tmp_path), config.model, task)
    np.testing.assert_allclose(
        loaded.model(inputs, training=False), logits, atol=1e-5)
    assert loaded.tokenizer.encode(
        ["good movie"], max_length=16)["input_ids"] == \
        bundle.tokenizer.encode(["good movie"], max_length=16)["input_ids"]


def test_families_tokenize_alike(tiny_bert):
    hf = builder.family_module("hf").load_tokenizer(tiny_bert)
    kh = builder.family_module("keras_hub").load_tokenizer(tiny_bert)
    texts = ["good movie", "The PLOT was dull and boring", "unseenword", ""]
    for max_length in (16, 4):
        assert hf.encode(texts, max_length=max_length) == kh.encode(
            texts, max_length=max_length)
    pairs = hf.encode(["good movie"], ["dull plot"], max_length=16)
    assert pairs["token_type_ids"] == [[0, 0, 0, 0, 1, 1, 1]]
    assert pairs == kh.encode(["good movie"], ["dull plot"], max_length=16)


def test_words_are_tokenized_as_inside_a_text(tiny_bert, tiny_bart):
    """Byte-level BPE marks a word's leading space (Ġword): each word is
    tokenized behind one in both families, as transformers'
    is_split_into_words with add_prefix_space gives them; WordPiece
    words are tokenized as they are."""
    import transformers

    words = ["good", "film", "Héllo", "don't", "😀", "the"]
    want = transformers.AutoTokenizer.from_pretrained(
        tiny_bart, add_prefix_space=True)(
        words, is_split_into_words=True,
        add_special_tokens=False)["input_ids"]
    for family in ("hf", "keras_hub"):
        bpe = builder.family_module(family).load_tokenizer(tiny_bart)
        assert bpe.word_prefix == " "
        assert sum(bpe.tokenize_words(words), []) == want
        wordpiece = builder.family_module(family).load_tokenizer(tiny_bert)
        assert wordpiece.word_prefix == ""


def test_mean_pooling_ignores_padding(tiny_bert):
    task, config = task_and_config(tiny_bert, "keras_hub", "tfft",
                                   pooling="mean")
    bundle = builder.build(config.model, task)
    one = batch(bundle.tokenizer, ["good movie"])
    padded = {k: tf.pad(v, [[0, 0], [0, 3]]) for k, v in one.items()}
    np.testing.assert_allclose(bundle.model(one), bundle.model(padded),
                               atol=1e-5)


def test_pooler_pooling_without_a_pooler_names_the_fix():
    from tfft.models import pooling

    features = {"sequence_output": tf.ones([1, 3, 4]),
                "attention_mask": tf.ones([1, 3], tf.int32)}
    with pytest.raises(UserError, match="pooling=cls"):
        pooling.pool(features, "pooler")
    assert pooling.pool(dict(features, pooled_output=tf.ones([1, 4])),
                        "pooler").shape == (1, 4)


def test_missing_folder_and_missing_weights(tiny_bert):
    task, config = task_and_config("/no/such/model", "hf", "tfft")
    with pytest.raises(UserError, match="does not exist"):
        builder.build(config.model, task)
    for family in ("hf", "keras_hub"):
        task, config = task_and_config(tiny_bert, family, "tfft",
                                       init="pretrained")
        with pytest.raises(UserError, match="weights"):
            builder.build(config.model, task)


def test_minilm_hf_from_pytorch_safetensors_matches_keras_hub(minilm_dir):
    """transformers#40028: no torch here. tfft's loader must give the same
    encoder as keras-hub's own conversion of the same checkpoint.

    keras-hub's BERT uses tanh-approximate GELU where the checkpoint (and
    transformers' "gelu") is exact, a ~2e-3 difference; loading the HF side
    with "gelu_new" (the tanh form) leaves only float noise, so any weight
    mapped wrongly would show.
    """
    import keras_hub
    import transformers

    from tfft.models import hf

    config = transformers.AutoConfig.from_pretrained(minilm_dir)
    config.hidden_act = "gelu_new"
    encoder = hf._instantiate(transformers.TFAutoModel, minilm_dir, config,
                              "pretrained")
    backbone = keras_hub.models.Backbone.from_preset(minilm_dir)
    tok = transformers.AutoTokenizer.from_pretrained(minilm_dir)
    enc = tok(["a thoughtful, moving film", "dull"], padding=True,
              return_tensors="np")
    ours = encoder(input_ids=enc["input_ids"],
                   attention_mask=enc["attention_mask"],
                   token_type_ids=enc["token_type_ids"]
                   ).last_hidden_state.numpy()
    theirs = backbone({"token_ids": enc["input_ids"],
                       "padding_mask": enc["attention_mask"],
                       "segment_ids": enc["token_type_ids"]}
                      )["sequence_output"].numpy()
    mask = enc["attention_mask"][..., None].astype(bool)
    np.testing.assert_allclose(ours * mask, theirs * mask, atol=1e-4)
    # And the sentence embedding is the published one's shape and scale.
    assert ours.shape[-1] == 384 and 0.1 < np.abs(ours).mean() < 1.0


def test_head_weights_dummy_inputs_are_canonical():
    inputs = head_weights.dummy_inputs()
    assert sorted(inputs) == ["attention_mask", "input_ids",
                              "token_type_ids"]


@pytest.mark.parametrize("family", ["keras_hub", "hf"])
def test_fit_evaluate_and_predict_trace_the_model_without_autograph(
        tiny_bert, family, monkeypatch):
    """Keras 3 traces its steps without AutoGraph; the hf family's
    TaskModel does the same on tf_keras, which would convert the step and
    every layer's `call` (half of MiniLM's first step)."""
    from tensorflow.python.autograph.core import ag_ctx

    from tfft import keras_compat

    task, config = task_and_config(tiny_bert, family, "tfft")
    bundle = builder.build(config.model, task)
    statuses, apply = [], task.apply_head

    def recording(*args, **kwargs):  # (runs while a step is traced)
        statuses.append(ag_ctx.control_status_ctx().status)
        return apply(*args, **kwargs)

    monkeypatch.setattr(task, "apply_head", recording)
    keras = keras_compat.keras_for(family)
    model = bundle.model
    model.compile(optimizer=keras.optimizers.SGD(0.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True))
    x = batch(bundle.tokenizer, ["good movie", "the plot was dull"])
    y = np.array([0, 1])
    model.fit(x, y, epochs=1, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert len(statuses) >= 3  # a trace each
    assert ag_ctx.Status.ENABLED not in statuses


def test_a_model_that_branches_on_a_tensor_is_traced_with_autograph(
        tiny_bert, tmp_path, monkeypatch):
    """transformers' BART decoder branches in Python on its input length
    (`if input_shape[-1] > 1`), a tensor when each batch is padded to its
    own length: traced without AutoGraph it raises. The hf TaskModel
    traces that model's steps with AutoGraph, and fit, evaluate and
    predict compute what the model computes eagerly."""
    import tf_keras
    import transformers
    from tensorflow.python.autograph.core import ag_ctx

    from tests.conftest import tiny_seq2seq_config
    from tfft.tasks.base import token_loss

    folder = str(tmp_path / "bart")
    tok = transformers.AutoTokenizer.from_pretrained(tiny_bert)
    tiny_seq2seq_config("bart", len(tok), tok.pad_token_id,
                        tok.cls_token_id, tok.sep_token_id
                        ).save_pretrained(folder)
    tok.save_pretrained(folder)
    config = default_config()
    config.task, config.model.family = "summarization", "hf"
    config.model.path, config.model.init = folder, "random"
    task = get_task("summarization", config)
    model = builder.build(config.model, task).model
    statuses, logits = [], task.native_logits

    def recording(*args, **kwargs):
        if not tf.executing_eagerly():  # a step is being traced
            statuses.append(ag_ctx.control_status_ctx().status)
        return logits(*args, **kwargs)

    monkeypatch.setattr(task, "native_logits", recording)
    rng = np.random.RandomState(0)
    x = {"input_ids": rng.randint(5, len(tok), (4, 9)),
         "decoder_input_ids": rng.randint(5, len(tok), (4, 6))}
    x["attention_mask"] = np.ones_like(x["input_ids"])
    x["decoder_attention_mask"] = np.ones_like(x["decoder_input_ids"])
    x = {k: v.astype(np.int32) for k, v in x.items()}
    y = rng.randint(5, len(tok), (4, 6)).astype(np.int32)
    # Unknown lengths, as the trainer's padded batches have.
    spec = ({k: tf.TensorSpec((None, None), tf.int32) for k in x},
            tf.TensorSpec((None, None), tf.int32))
    data = tf.data.Dataset.from_generator(lambda: iter([(x, y)]),
                                          output_signature=spec)
    model.compile(optimizer=tf_keras.optimizers.SGD(0.0), loss=token_loss)
    model.fit(data, epochs=1, verbose=0)
    loss = model.evaluate(data, verbose=0)
    predicted = model.predict(data.map(lambda x, y: x), verbose=0)
    eager = model(x, training=False)
    np.testing.assert_allclose(predicted, eager, atol=1e-5)
    np.testing.assert_allclose(
        loss, float(tf.reduce_mean(token_loss(y, eager))), rtol=1e-5)
    assert len(statuses) >= 3  # a trace each
    assert set(statuses) == {ag_ctx.Status.ENABLED}
