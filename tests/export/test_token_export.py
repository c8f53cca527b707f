"""Token classification SavedModels: words, windows and entities in the
graph equal the Python pipeline's, and serve with only TF + TF Text."""


import datasets
import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import KERAS_HUB_THEN_SLOW_HF
from tests.data.test_words import CASES as WORD_CASES
from tests.export.test_saved_model import serve_rest_bodies
from tests.tasks.test_token_classification import EDGE_TEXTS
from tfft.config import default_config
from tfft.data import words as words_lib
from tfft.export import graph_words
from tfft.export import saved_model
from tfft.inference import load_export
from tfft.inference import model_outputs
from tfft.models import builder
from tfft.tasks import get_task
from tfft.tasks import token_classification as tc

TAGS = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
TEXTS = EDGE_TEXTS + [text for text, _ in WORD_CASES] + [
    "good great fine superb lovely fun " * 6,  # several windows
    "\x00null\x00 and tabs\t\t", "   ", "fine"]


def test_graph_words_equal_python_words():
    texts = [t for t, _ in WORD_CASES] + TEXTS
    words, char_begin, char_end, _, _ = graph_words.split_words(
        tf.constant(texts))
    for i, text in enumerate(texts):
        spans = words_lib.split_words(text)
        got = list(zip(char_begin[i].numpy().tolist(),
                       char_end[i].numpy().tolist()))
        assert got == spans, text
        # The words are the sanitized text's bytes at those places.
        assert [w.decode() for w in words[i].numpy()] == [
            text[a:b].replace("\x00", " ") for a, b in spans]


@pytest.mark.parametrize("length, stride", [(8, 2), (10, 4), (14, 0)])
def test_graph_windows_and_max_context_equal_python(length, stride):
    counts = [0, 1, 7, 8, 9, 20, 37]
    seq, starts, ends, splits = graph_words.windows(
        tf.constant(counts), length, stride)
    positions, of = [], []
    for s, n in enumerate(counts):
        spans = tc.windows(n, length, stride)
        first = int(splits[s])
        assert list(zip(starts[first:splits[s + 1]].numpy().tolist(),
                        ends[first:splits[s + 1]].numpy().tolist())) == spans
        for p in range(n):
            positions.append(p)
            of.append((s, first + tc.max_context_window(p, spans)))
    owner = graph_words.max_context_window(
        tf.constant(positions, tf.int64),
        tf.constant([s for s, _ in of], tf.int64), splits, starts, ends)
    assert owner.numpy().tolist() == [w for _, w in of]


@pytest.fixture(scope="module", params=KERAS_HUB_THEN_SLOW_HF)
def exported(request, tiny_bert, tmp_path_factory):
    config = default_config()
    config.task = "token_classification"
    config.model.path = tiny_bert
    config.model.init = "random"
    config.model.family = request.param
    config.data.max_length = 16
    config.data.stride = 4
    task = get_task(config.task, config,
                    state={"label_names": TAGS, "scheme": "IOB2"})
    bundle = builder.build(config.model, task)
    # A random head predicts every tag somewhere: sharpen it so entities
    # of several words and types come out.
    kernel, bias = bundle.model.head_layers["classifier"].get_weights()
    bundle.model.head_layers["classifier"].set_weights([kernel * 40, bias])
    export_dir = str(tmp_path_factory.mktemp(f"ner_{request.param}"))
    path, report = saved_model.export(bundle.model, bundle.tokenizer, task,
                                      config, export_dir)
    return dict(task=task, bundle=bundle, path=path, report=report,
                export_dir=export_dir)


def python_records(exported, texts):
    task, bundle = exported["task"], exported["bundle"]
    examples = datasets.Dataset.from_dict({"text": texts})
    features = task.tokenize(examples, bundle.tokenizer)
    outputs = model_outputs(bundle.model, task, features, bundle.tokenizer,
                            batch_size=8)
    return task.predictions(outputs, features, examples)


def test_exported_entities_equal_the_python_pipeline(exported):
    served = load_export(exported["path"]).predictions(
        datasets.Dataset.from_dict({"text": TEXTS}), batch_size=5)
    expected = python_records(exported, TEXTS)
    assert sum(len(r["entities"]) for r in expected) > 10
    for text, got, want in zip(TEXTS, served, expected):
        assert got["text"] == text
        assert [{k: e[k] for k in ("entity_group", "word", "start", "end")}
                for e in got["entities"]] == [
            {k: e[k] for k in ("entity_group", "word", "start", "end")}
            for e in want["entities"]], text
        for e, w in zip(got["entities"], want["entities"]):
            assert e["score"] == pytest.approx(w["score"], abs=1e-4)
            assert text[e["start"]:e["end"]] == e["word"]


def test_per_word_outputs_and_the_ops(exported):
    loaded = tf.saved_model.load(exported["path"])
    out = loaded.signatures["serving_default"](text=tf.constant(TEXTS[:3]))
    for i, text in enumerate(TEXTS[:3]):
        n = int(out["num_words"][i])
        spans = words_lib.split_words(text)
        assert n == len(spans)
        assert list(zip(out["word_start"][i, :n].numpy().tolist(),
                        out["word_end"][i, :n].numpy().tolist())) == spans
        assert {t.decode() for t in out["word_tag"][i, :n].numpy()} <= \
            set(TAGS)
    assert exported["report"].unsupported == []
    assert "RegexSplitWithOffsets" in exported["report"].text_ops


def test_serves_rest_bodies_with_only_tensorflow_and_text(exported):
    texts = TEXTS[:4]
    (response,), imported = serve_rest_bodies(exported["export_dir"],
                                              [{"instances": texts}])
    assert imported == []
    rows = response["predictions"]
    expected = python_records(exported, texts)
    for text, row, want in zip(texts, rows, expected):
        n = row["num_entities"]
        assert row["entity_text"][:n] == [e["word"] for e in
                                          want["entities"]]
        assert row["entity_start"][:n] == [e["start"] for e in
                                           want["entities"]]
        assert np.all(np.asarray(row["entity_start"][n:]) == -1)
