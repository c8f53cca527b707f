"""Summarization SavedModels: raw source strings in, generated summaries
out (tokenization, beam search with its settings fixed at export, and
WordPiece detokenization in the graph), the same texts as the Python
generation; servable ops; REST bodies served with only TF + TF Text."""

import dataclasses

import datasets
import pytest

from tests.conftest import copy_rows
from tests.export.test_saved_model import serve_rest_bodies
from tfft.export import graph_tokenizer
from tfft.export import saved_model
from tfft.inference import load_export
from tfft.inference import load_run
from tfft.tasks import get_task

EDGE = ["", "   ", "good", "GOOD Movie, isn't it?!", "naïve café 😀 日本語",
        "[SEP] good [CLS] plot", "good " * 40, "don't do not 's 're ' x"]


def _sources():
    rows = copy_rows(24, 5)
    return datasets.Dataset.from_dict(
        {"source": [r["document"] for r in rows] + EDGE})


@pytest.fixture(scope="module")
def exported(summarize_run, tmp_path_factory):
    """The shared run exported with beam search and no repeated bigrams
    (settings fixed at export, other than the run's greedy ones), and the
    run with the same settings for the Python side. One export: greedy
    generation in the graph is tested against eager `generate` in
    tests/models/test_generation.py, and the run's own (greedy)
    generation is the traced one."""
    run = load_run(summarize_run["workdir"], precision="float32")
    config = run.config.copy_and_resolve_references()
    config.generate.num_beams = 3
    config.generate.no_repeat_ngram_size = 2
    config.generate.min_length = 3
    config.generate.length_penalty = 0.8
    task = get_task("summarization", config)
    export_dir = str(tmp_path_factory.mktemp("s2s_export"))
    path, report = saved_model.export(run.bundle.model, run.bundle.tokenizer,
                                      task, config, export_dir)
    return {"export": load_export(path), "export_dir": export_dir,
            "report": report, "greedy_run": run,
            "run": dataclasses.replace(run, config=config, task=task)}


def _summaries(records):
    return [r["summary"] for r in records]


def test_exported_summaries_equal_the_runs(exported):
    sources = _sources()
    python = _summaries(exported["run"].predictions(sources))
    served = _summaries(exported["export"].predictions(sources,
                                                       batch_size=7))
    assert served == python
    # The model learned to copy, and the settings took effect: no word
    # bigram repeats (the greedy copy of "good good plot" would), so the
    # texts differ from the run's greedy ones.
    rows = copy_rows(24, 5)
    assert sum(s == r["document"] for s, r in zip(served, rows)) >= 12
    assert python != _summaries(exported["greedy_run"].predictions(sources))
    for summary in served:
        words = summary.split()
        assert len(set(zip(words, words[1:]))) == len(words[1:])


def test_token_id_signature_equals_the_raw_text_one(exported):
    import tensorflow as tf

    run = exported["run"]
    loaded = tf.saved_model.load(exported["export"].path)
    texts = tf.constant(EDGE + ["good plot"])
    from_text = loaded.signatures[saved_model.SERVING_DEFAULT](text=texts)
    tokens = graph_tokenizer.for_tokenizer(
        run.bundle.tokenizer, run.task.serving_max_length, 1)(texts)
    from_ids = loaded.signatures[saved_model.TOKEN_IDS](
        input_ids=tokens["input_ids"],
        attention_mask=tokens["attention_mask"])
    assert set(from_text) == {"summary", "sequences"}
    for name in from_text:
        assert (from_text[name].numpy() == from_ids[name].numpy()).all()
    width = 1 + run.config.generate.max_new_tokens
    assert from_text["sequences"].shape == (len(EDGE) + 1, width)


def test_ops_are_servable_and_tokenize_in_the_graph(exported):
    report = exported["report"]
    assert report.unsupported == []
    assert "FastWordpieceTokenizeWithOffsets" in report.text_ops


def test_serves_rest_bodies_with_only_tensorflow_and_text(exported):
    texts = ["good plot", "awful dull movie", ""]
    bodies = [{"instances": texts}, {"inputs": {"text": texts}}]
    responses, imported = serve_rest_bodies(exported["export_dir"], bodies)
    assert imported == []
    python = _summaries(exported["run"].predictions(
        datasets.Dataset.from_dict({"source": texts})))
    rows = responses[0]["predictions"]
    assert [r["summary"] for r in rows] == python
    assert responses[1]["outputs"]["summary"] == python


@pytest.fixture(scope="module")
def t5_export(t5_tokenizer, tmp_path_factory):
    """A tiny T5 (random weights, scaled up: varied generations, special
    and extra ids among them, and ids past the tokenizer's 804, as T5's
    embedding is padded past its vocabulary) with a SentencePiece T5
    tokenizer, exported with no repeated bigrams: no training needed to
    compare two generations token for token."""
    import shutil

    import tensorflow as tf
    import transformers

    from tests.conftest import tiny_seq2seq_config
    from tfft.config import default_config
    from tfft.models import builder

    folder = tmp_path_factory.mktemp("t5") / "model"
    shutil.copytree(t5_tokenizer, folder)
    tf.random.set_seed(3)
    model = transformers.TFT5ForConditionalGeneration(
        tiny_seq2seq_config("t5", 832, 0, None, 1))
    model(model.dummy_inputs)
    model.set_weights([w * 8 if w.ndim == 2 else w
                       for w in model.get_weights()])
    model.save_pretrained(folder)
    config = default_config()
    config.task = "summarization"
    config.model.family = "hf"
    config.model.path = str(folder)
    config.data.source_prefix = "summarize: "
    config.data.max_source_length = 24
    config.generate.max_new_tokens = 12
    config.generate.no_repeat_ngram_size = 2
    # The Python side without XLA, as the SavedModel: XLA's tokens are
    # tested in tests/models/test_generation.py, beam search's export above.
    config.generate.jit_compile = "false"
    task = get_task("summarization", config)
    return _export_untrained(builder.build(config.model, task), task, config,
                             tmp_path_factory)


def _export_untrained(bundle, task, config, tmp_path_factory):
    """`bundle` exported as is (no run): the export, its op report, and
    the task and bundle for the Python side."""
    export_dir = str(tmp_path_factory.mktemp("untrained_export"))
    path, report = saved_model.export(bundle.model, bundle.tokenizer, task,
                                      config, export_dir)
    return {"export": load_export(path), "report": report, "task": task,
            "bundle": bundle}


def _python_and_served(exported, sources):
    """The summaries of `sources` generated in Python by the exported
    bundle and served by its SavedModel (batches of 8 and 7)."""
    task, bundle = exported["task"], exported["bundle"]
    python = task.outputs(bundle.model,
                          task.tokenize(sources, bundle.tokenizer),
                          bundle.tokenizer, batch_size=8)
    served = _summaries(exported["export"].predictions(sources,
                                                       batch_size=7))
    return python, served


def test_t5_sentencepiece_export_generates_the_python_texts(t5_export):
    """SentencePiece in the graph both ways (the source tokenized by the
    checkpoint's spiece.model, the generated ids detokenized as the fast
    tokenizer's decode): the served texts are the Python generation's."""
    python, served = _python_and_served(t5_export, _sources())
    assert served == python
    assert len(set(served)) > len(served) // 2  # varied, not one text
    report = t5_export["report"]
    assert report.unsupported == []
    assert "SentencepieceTokenizeOp" in report.text_ops


@pytest.fixture(scope="module", params=["keras_hub", "hf"])
def bart_export(request, tiny_bart, tmp_path_factory):
    """A tiny BART with a byte-level BPE tokenizer (scaled random weights,
    as in tests/models/test_keras_hub_seq2seq.py): keras-hub's
    `BartSeq2SeqLM` (keras_hub family) or transformers' (hf family),
    exported with greedy search, and keras-hub's beam search (3 beams;
    transformers' is tested above)."""
    return _export_scaled(tiny_bart, request.param, tmp_path_factory,
                          num_beams=3 if request.param == "keras_hub" else 1)


@pytest.fixture(scope="module")
def keras_hub_t5_export(keras_hub_t5, tmp_path_factory):
    """keras-hub's `T5Seq2SeqLM` built from a config (scaled random
    weights), exported with greedy search and no repeated bigrams (tfft's
    ban inside keras-hub's loop)."""
    return _export_scaled(keras_hub_t5, "keras_hub", tmp_path_factory,
                          no_repeat_ngram_size=2)


def _export_scaled(path, family, tmp_path_factory, **generate):
    """The model of `path` in `family`, seeded, with the scaled random
    weights of tests/models/test_keras_hub_seq2seq.py (varied texts),
    exported as is with `generate` settings (`_export_untrained`)."""
    import tensorflow as tf

    from tests.models.test_keras_hub_seq2seq import bart_config
    from tests.models.test_keras_hub_seq2seq import varied
    from tfft import keras_compat
    from tfft.models import builder

    config = bart_config(path, **generate)
    config.model.family = family
    task = get_task("summarization", config)
    keras_compat.keras_for("keras_hub").utils.set_random_seed(0)
    tf.random.set_seed(0)
    return _export_untrained(varied(builder.build(config.model, task)), task,
                             config, tmp_path_factory)


def test_keras_hub_t5_export_generates_the_python_texts(keras_hub_t5_export):
    """keras-hub's SentencePiece tokenizer and detokenizer in the graph,
    its T5 decoding loop with a batch size unknown when traced: the
    served texts are the Python generation's."""
    python, served = _python_and_served(keras_hub_t5_export, _sources())
    assert served == python
    assert len(set(served)) >= 3  # the source matters
    report = keras_hub_t5_export["report"]
    assert report.unsupported == []
    assert "SentencepieceOp" in report.text_ops


def test_bart_export_generates_the_python_texts(bart_export):
    """Byte-level BPE in the graph both ways (GPT-2's pre-tokenizer and
    keras-hub's BPE layer; the byte-level decoder, byte pieces that are
    no valid UTF-8 alone replaced as in Python), generation with a dynamic
    batch: the served texts are the Python generation's."""
    nuls = ["nul \x00 inside", "\x00", "a\x00\x00b ", " \x00"]
    sources = datasets.Dataset.from_dict(
        {"source": _sources()["source"][:] + nuls})
    python, served = _python_and_served(bart_export, sources)
    assert served == python
    assert len(set(served)) >= 3  # the source matters
    report = bart_export["report"]
    assert report.unsupported == []
    assert "RegexSplitWithOffsets" in report.text_ops
