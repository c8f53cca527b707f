"""The keras_hub family's seq2seq model: keras-hub's own `Seq2SeqLM` task
behind tfft's inputs — `BartSeq2SeqLM` (converted by keras-hub from a
Hugging Face BART folder with a byte-level BPE tokenizer) and
`T5Seq2SeqLM` (a keras-hub preset built from a config, with a
SentencePiece tokenizer). tfft packs source and target as keras-hub's
preprocessor does, its traced generator runs keras-hub's cached decoding
loop and gives keras-hub's own `generate` texts, and model/ is keras-hub's
task preset, which `Seq2SeqLM.from_preset` loads and generates from raw
text."""

import json
import os

import datasets
import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import copy_rows
from tests.conftest import weight_casts
from tfft import config as config_lib
from tfft.config import default_config
from tfft.errors import UserError
from tfft.models import builder
from tfft.tasks import get_task

TEXTS = [r["document"] for r in copy_rows(12, 3)] + [
    "good", "naïve café 😀", "the plot was dull and very boring " * 3]


def bart_config(path, **generate):
    c = default_config()
    c.task, c.model.family = "summarization", "keras_hub"
    c.model.path, c.model.init = str(path), "random"
    c.data.max_source_length = 16
    c.generate.max_new_tokens = 10
    c.generate.jit_compile = "false"
    for k, v in generate.items():
        setattr(c.generate, k, v)
    return c


def varied(bundle):
    """Random weights scaled up (keras-hub's kernels are 2-D and 3-D):
    varied generations, not one text, byte pieces among them that are no
    valid UTF-8 alone."""
    bundle.model.set_weights([w * 8 if w.ndim >= 2 else w
                              for w in bundle.model.get_weights()])
    return bundle


CLASSES = {"bart": "BartSeq2SeqLM", "t5": "T5Seq2SeqLM"}


@pytest.fixture(scope="module", params=sorted(CLASSES))
def seq2seq(request, tmp_path_factory):
    """A tiny keras-hub BART or T5 (scaled random weights) and its
    model/."""
    from tfft import keras_compat

    path = request.getfixturevalue(
        {"bart": "tiny_bart", "t5": "keras_hub_t5"}[request.param])
    config = bart_config(path)
    task = get_task("summarization", config)
    keras_compat.keras_for("keras_hub").utils.set_random_seed(0)
    bundle = varied(builder.build(config.model, task))
    folder = str(tmp_path_factory.mktemp(f"{request.param}_model"))
    manifest = builder.save(bundle, folder, manifest={
        "task": task.name, "task_state": task.state()}, task=task)
    sources = datasets.Dataset.from_dict({"source": TEXTS})
    features = task.tokenize(sources, bundle.tokenizer)
    texts = task.outputs(bundle.model, features, bundle.tokenizer,
                         batch_size=8)
    return {"kind": request.param, "config": config, "task": task,
            "bundle": bundle, "folder": folder, "manifest": manifest,
            "texts": texts}


def test_the_model_is_keras_hubs_task_fed_as_its_preprocessor(seq2seq):
    """Source, decoder input and labels are what keras-hub's own
    preprocessor for the task makes (BART: <s> source </s>, the decoder
    started with </s> <s>; T5: source </s>, the decoder started with
    <pad>), and the task's logits cover every label."""
    bundle, task = seq2seq["bundle"], seq2seq["task"]
    lm = bundle.model.seq2seq
    assert type(lm).__name__ == CLASSES[seq2seq["kind"]]
    pair = {"source": ["good movie, naïve"], "target": ["fun plot"]}
    feature = task.tokenize(datasets.Dataset.from_dict(pair),
                            bundle.tokenizer)[0]
    preprocessor = type(lm).preprocessor_cls(
        tokenizer=bundle.tokenizer.hub, encoder_sequence_length=16,
        decoder_sequence_length=16)
    x, labels, weights = tf.nest.map_structure(
        lambda t: np.asarray(t)[0].tolist(), preprocessor({
            "encoder_text": pair["source"], "decoder_text": pair["target"]}))
    source = sum(x["encoder_padding_mask"])
    assert feature["input_ids"] == x["encoder_token_ids"][:source]
    n = len(feature["labels"])
    assert sum(weights) == n
    assert feature["labels"] == labels[:n]
    assert feature["decoder_input_ids"] == x["decoder_token_ids"][:n]
    prompt = bundle.tokenizer.decoder_prompt
    assert feature["decoder_input_ids"][:len(prompt)] == prompt
    assert prompt == ([bundle.tokenizer.end_id, bundle.tokenizer.start_id]
                      if seq2seq["kind"] == "bart"
                      else [bundle.tokenizer.pad_id])
    logits = bundle.model(task.collator(bundle.tokenizer)([feature]))
    assert logits.shape == (1, n, bundle.tokenizer.hub.vocabulary_size())


def test_generation_is_keras_hubs_own(seq2seq):
    """keras-hub's `generate` (its preprocessor, greedy sampler, XLA)
    on the same weights gives tfft's texts."""
    import keras_hub

    lm = keras_hub.models.Seq2SeqLM.from_preset(seq2seq["folder"])
    lm.compile(sampler="greedy")
    theirs = lm.generate(TEXTS)
    assert list(theirs) == seq2seq["texts"]
    assert len(set(seq2seq["texts"])) >= 3  # the source matters (seeded)


def test_model_folder_is_the_native_task_and_reloads(seq2seq):
    from tfft import keras_compat

    manifest, cls = seq2seq["manifest"], CLASSES[seq2seq["kind"]]
    assert manifest["native"]["class"] == cls
    assert json.load(open(os.path.join(seq2seq["folder"], "task.json")))[
        "class_name"] == cls
    config, task = seq2seq["config"], seq2seq["task"]
    with keras_compat.precision("keras_hub", "float32"):
        loaded = builder.load(seq2seq["folder"], config.model, task)
    sources = datasets.Dataset.from_dict({"source": TEXTS})
    again = task.outputs(loaded.model, task.tokenize(sources,
                                                     loaded.tokenizer),
                         loaded.tokenizer, batch_size=5)
    assert again == seq2seq["texts"]


def test_a_t5_built_from_a_config_starts_from_transformers_init(
        keras_hub_t5):
    """keras-hub 0.32's T5Backbone draws token embeddings with mean 1.0
    and stddev 0.05 (`TruncatedNormal(1.0)`: the argument is the mean);
    tfft draws a T5 built from a config as transformers does (stddev 1,
    truncated), so tokens start apart."""

    config = bart_config(keras_hub_t5)
    bundle = builder.build(config.model, get_task("summarization", config))
    embeddings = bundle.model.backbone.token_embedding.embeddings.numpy()
    assert abs(embeddings.mean()) < 0.05
    assert 0.8 < embeddings.std() < 0.95  # N(0, 1) truncated at 2 sigma


def _repeats(tokens, n) -> bool:
    grams = [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    return len(set(grams)) < len(grams)


def _banned(sequence, n) -> set:
    """The rule by hand: the tokens that would repeat an n-gram."""
    if len(sequence) < n:
        return set()
    tail = sequence[len(sequence) - n + 1:]
    return {sequence[i + n - 1] for i in range(len(sequence) - n + 1)
            if sequence[i:i + n - 1] == tail}


@pytest.mark.parametrize("num_beams", [1, 3])
def test_no_repeat_ngram_bans_in_keras_hubs_decoding_loop(seq2seq,
                                                          num_beams):
    """generate.no_repeat_ngram_size (the seq2seq recipe's 3) in
    keras-hub's cached loop: greedy generation equals a decode by hand
    (the full model on each prefix, the banned tokens' logits dropped,
    argmax), and no generated sequence repeats an n-gram; beam search
    too, where the plain search repeats."""
    from tfft.models import keras_hub as family

    bundle, tokenizer = seq2seq["bundle"], seq2seq["bundle"].tokenizer
    task = seq2seq["task"]
    n, steps = 2, 10
    sources = datasets.Dataset.from_dict({"source": TEXTS[:6]})
    features = task.tokenize(sources, tokenizer)
    batch = task.collator(tokenizer)(list(features))
    ids, mask = batch["input_ids"], batch["attention_mask"]

    def generate(ngram, jit_compile=False):
        return family.generator(
            bundle.model, pad_id=tokenizer.pad_id, end_id=tokenizer.end_id,
            decoder_prompt=tokenizer.decoder_prompt, max_new_tokens=steps,
            num_beams=num_beams, no_repeat_ngram_size=ngram,
            jit_compile=jit_compile)(ids, mask).numpy()

    prompt = list(tokenizer.decoder_prompt)
    plain, banned = generate(0), generate(n)
    assert plain.shape == banned.shape == (len(TEXTS[:6]), 1 + steps)
    assert any(_repeats(list(row), n) for row in plain)  # a real test
    for row in banned.tolist():
        assert row[:len(prompt)] == prompt
        generated = row[len(prompt):]
        if tokenizer.end_id in generated:  # up to the end token, with it
            generated = generated[:generated.index(tokenizer.end_id) + 1]
        assert not _repeats(prompt + generated, n), row
    if num_beams > 1:
        return
    # XLA-compiled (generate.jit_compile) as well: the same tokens.
    np.testing.assert_array_equal(generate(n, jit_compile=True), banned)
    for i in range(len(banned)):
        sequence = list(prompt)
        while len(sequence) < 1 + steps:
            logits = bundle.model({
                "input_ids": ids[i:i + 1], "attention_mask": mask[i:i + 1],
                "decoder_input_ids": tf.constant([sequence]),
                "decoder_attention_mask": tf.ones([1, len(sequence)],
                                                  tf.int32)})
            scores = np.array(logits[0, -1], np.float64)
            scores[list(_banned(sequence, n))] = -np.inf
            sequence.append(int(np.argmax(scores)))
            if sequence[-1] == tokenizer.end_id:
                break
        got = banned[i].tolist()[:len(sequence)]
        assert got == sequence, (i, got, sequence)
        assert all(t == tokenizer.pad_id for t in banned[i][len(sequence):])


@pytest.mark.parametrize("setting, value", [
    ("length_penalty", 0.8), ("min_length", 2)])
def test_settings_keras_hubs_samplers_lack_are_refused(tiny_bart, setting,
                                                       value):
    c = bart_config(tiny_bart, **{setting: value})
    c.data.train_files = "x.csv"
    with pytest.raises(UserError, match=f"generate.{setting}=.*keras-hub's "
                       "samplers have no such setting"):
        config_lib.validate(c)


def test_an_encoder_only_backbone_is_refused(tiny_bert):
    c = bart_config(tiny_bert)
    task = get_task("summarization", c)
    with pytest.raises(UserError, match="keras-hub has no Seq2SeqLM"):
        builder.build(c.model, task)
    c.model.encoder_decoder = True
    c.data.train_files = "x.csv"
    with pytest.raises(UserError, match="built for model.family=hf"):
        config_lib.validate(c)


def test_bpe_tokenizes_as_the_checkpoints_own_tokenizer(tiny_bart):
    """keras-hub's byte-level BPE, run as the SavedModel runs it (GPT-2's
    pre-tokenizer, `ByteLevelBPE`) in training too: the ids are the
    Hugging Face tokenizer's of the same folder, where keras-hub 0.32's
    own split is not (newline runs before a word, a space before 's)."""
    import transformers

    from tests.export.test_graph_tokenizer import EDGE_CASES
    from tests.export.test_graph_tokenizer import GPT2_SPLIT_TEXTS
    from tfft.models import keras_hub

    texts = TEXTS + EDGE_CASES + GPT2_SPLIT_TEXTS + ["a </s> b", "x<s>y"]
    ours = keras_hub.load_tokenizer(tiny_bart).encode(texts, max_length=64)
    theirs = transformers.AutoTokenizer.from_pretrained(tiny_bart)(
        texts, truncation=True, max_length=64)
    assert ours["input_ids"] == theirs["input_ids"]


def test_generation_in_bfloat16_casts_each_weight_once_per_call(
        tiny_bart, monkeypatch):
    """Under mixed_bfloat16 keras-hub's decoding loop reads the weights
    cast before the loop (`keras_compat.weights_cast_once`), not a cast
    of each at every step; its texts are those of the same loop casting
    at every read (the same casts, made earlier)."""
    import contextlib

    from tfft import keras_compat

    config = bart_config(tiny_bart)
    config.train.precision = "mixed_bfloat16"
    task = get_task("summarization", config)
    keras_compat.keras_for("keras_hub").utils.set_random_seed(0)
    with keras_compat.precision("keras_hub", "mixed_bfloat16"):
        bundle = varied(builder.build(config.model, task))
    features = task.tokenize(datasets.Dataset.from_dict({"source": TEXTS}),
                             bundle.tokenizer)
    generator = task.generator(bundle.model, bundle.tokenizer)
    assert weight_casts(generator.generate.get_concrete_function()) == {}
    texts = task.outputs(bundle.model, features, bundle.tokenizer, 8)

    monkeypatch.setattr(keras_compat, "weights_cast_once",
                        lambda model: contextlib.nullcontext())
    plain_task = get_task("summarization", config)
    plain = plain_task.generator(bundle.model, bundle.tokenizer)
    assert sum(weight_casts(plain.generate.get_concrete_function())
               .values()) > 10
    assert plain_task.outputs(bundle.model, features, bundle.tokenizer,
                              8) == texts
    assert len(set(texts)) >= 3
