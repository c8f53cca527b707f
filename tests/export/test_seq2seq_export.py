"""Summarization SavedModels: raw source strings in, generated summaries
out (tokenization, generation and WordPiece detokenization in the graph),
the same texts as the run's Python generation, greedy and beam search;
servable ops; REST bodies served with only TF + TF Text."""

import dataclasses

import datasets
import pytest

from tests.conftest import copy_rows
from tests.conftest import shared_export
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
def greedy(summarize_run, tmp_path_factory):
    """`tfft-export` of the shared run: the run's generation settings."""
    export_dir = shared_export(tmp_path_factory, summarize_run)
    return {"export": load_export(export_dir), "export_dir": export_dir,
            "run": load_run(summarize_run["workdir"], precision="float32")}


def _summaries(records):
    return [r["summary"] for r in records]


def test_exported_summaries_equal_the_runs(greedy):
    sources = _sources()
    python = _summaries(greedy["run"].predictions(sources))
    served = _summaries(greedy["export"].predictions(sources, batch_size=7))
    assert served == python
    # The model learned to copy: the served text is the source.
    rows = copy_rows(24, 5)
    assert sum(s == r["document"] for s, r in zip(served, rows)) >= 20


def test_token_id_signature_equals_the_raw_text_one(greedy):
    import tensorflow as tf

    loaded = tf.saved_model.load(greedy["export"].path)
    texts = tf.constant(EDGE + ["good plot"])
    from_text = loaded.signatures[saved_model.SERVING_DEFAULT](text=texts)
    run = greedy["run"]
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


def test_beam_search_with_no_repeated_ngrams_exports_too(greedy, tmp_path):
    """Other generation settings fixed at export: the export still
    generates the Python generation's texts."""
    run = greedy["run"]
    config = run.config.copy_and_resolve_references()
    config.generate.num_beams = 3
    config.generate.no_repeat_ngram_size = 2
    config.generate.min_length = 3
    config.generate.length_penalty = 0.8
    task = get_task("summarization", config)
    beam_run = dataclasses.replace(run, config=config, task=task)
    path, report = saved_model.export(
        run.bundle.model, run.bundle.tokenizer, task, config,
        str(tmp_path / "export"))
    assert report.unsupported == []
    sources = _sources()
    python = _summaries(beam_run.predictions(sources))
    served = _summaries(load_export(path).predictions(sources))
    assert served == python
    # The settings took effect: no word bigram repeats ("good good ..."
    # would), and every generation has at least the minimum length.
    assert python != _summaries(run.predictions(sources))
    for summary in served:
        words = summary.split()
        assert len(set(zip(words, words[1:]))) == len(words) - 1


def test_ops_are_servable_and_tokenize_in_the_graph(greedy):
    from tfft.export import serving_ops

    report = serving_ops.check(greedy["export"].path)
    assert report.unsupported == []
    assert "FastWordpieceTokenizeWithOffsets" in report.text_ops


def test_serves_rest_bodies_with_only_tensorflow_and_text(greedy):
    texts = ["good plot", "awful dull movie", ""]
    bodies = [{"instances": texts}, {"inputs": {"text": texts}}]
    responses, imported = serve_rest_bodies(greedy["export_dir"], bodies)
    assert imported == []
    python = _summaries(greedy["run"].predictions(
        datasets.Dataset.from_dict({"source": texts})))
    rows = responses[0]["predictions"]
    assert [r["summary"] for r in rows] == python
    assert responses[1]["outputs"]["summary"] == python
