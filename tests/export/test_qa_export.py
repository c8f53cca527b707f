"""Question answering SavedModels: windows and span decoding in the graph
give the Python pipeline's answers (text and character offsets), and
serve REST bodies with only TF + TF Text."""


import datasets
import pytest
import tensorflow as tf

from tests.conftest import qa_boundary_rows
from tests.conftest import qa_rows
from tests.export.test_saved_model import serve_rest_bodies
from tfft.data.windows import windows
from tfft.export import graph_words
from tfft.export import saved_model
from tfft.inference import load_export
from tfft.inference import load_run

EDGE = [  # (question, context): odd spacing, unicode, nothing to find
    ("good", "the  movie\twas superb lovely  and ugly"),
    ("good", "Ünïcödé films 😀 were fine, fun — and dull…"),
    ("good", "東京 the plot was great"),
    ("good", "good"),
    ("what was good?", "very quite dull boring film"),
    ("", "a movie"),
    ("good", ""),
    ("good", "   "),
    ("good", "x" * 300 + " fine " + "the film " * 40),
]


def _inputs():
    rows = qa_rows(40, 7, words=(8, 60), questions=("good",))
    rows += qa_boundary_rows()
    pairs = [(r["question"], r["context"]) for r in rows] + EDGE
    return datasets.Dataset.from_dict({
        "id": [str(i) for i in range(len(pairs))],
        "question": [q for q, _ in pairs], "context": [c for _, c in pairs]})


@pytest.fixture(scope="module")
def exported(qa_run, tmp_path_factory):
    export_dir = str(tmp_path_factory.mktemp("qa_export"))
    path, report = saved_model.export_run(qa_run["workdir"], export_dir)
    return {"path": path, "report": report, "export_dir": export_dir,
            "run": load_run(qa_run["workdir"], precision="float32")}


def test_graph_windows_with_a_length_per_sequence_equal_python():
    counts, lengths = [0, 5, 20, 21, 47, 90], [10, 10, 12, 12, 25, 17]
    _, starts, ends, splits = graph_words.windows(
        tf.constant(counts), tf.constant(lengths), 4)
    for s, (n, length) in enumerate(zip(counts, lengths)):
        a, b = int(splits[s]), int(splits[s + 1])
        assert list(zip(starts[a:b].numpy().tolist(),
                        ends[a:b].numpy().tolist())) == windows(n, length, 4)


def test_exported_answers_equal_the_python_pipeline(exported):
    examples = _inputs()
    run = exported["run"]
    python = run.task.predictions(*_outputs(run, examples), examples)
    served = load_export(exported["path"]).predictions(examples,
                                                       batch_size=7)
    answered = 0
    for want, got in zip(python, served):
        assert (got["answer"], got["start"], got["end"]) == (
            want["answer"], want["start"], want["end"]), want
        assert got["score"] == pytest.approx(want["score"], abs=1e-4)
        assert got["context"][got["start"]:got["end"]] == got["answer"]
        answered += bool(got["answer"])
    assert answered >= len(python) - 4  # "" for contexts with no words
    assert exported["report"].unsupported == []


def _outputs(run, examples):
    features = run.task.tokenize(examples, run.bundle.tokenizer)
    return run.outputs(features), features


def test_serves_question_and_context_with_only_tensorflow_and_text(
        exported):
    rows = qa_boundary_rows()[:3]
    body = {"instances": [{"question": r["question"],
                           "context": r["context"]} for r in rows]}
    (response,), imported = serve_rest_bodies(exported["export_dir"],
                                              [body])
    assert imported == []
    got = response["predictions"]
    assert [(p["answer"], p["start"], p["end"]) for p in got] == [
        (r["answers"]["text"][0], r["answers"]["answer_start"][0],
         r["answers"]["answer_start"][0] + len(r["answers"]["text"][0]))
        for r in rows]


def test_a_roberta_checkpoint_answers_in_the_graph_as_in_python(tmp_path):
    """The hf family on RoBERTa's pair template (<s> question </s></s>
    context </s>, one token type: type 1 was out of its range): a random
    model's served answers are the Python pipeline's."""
    from tests.conftest import make_tiny_roberta
    from tests.tasks.test_question_answering import qa_config
    from tfft.inference import model_outputs
    from tfft.models import builder
    from tfft.tasks import get_task

    examples = _inputs()
    config = qa_config(family="hf", init="random", path=make_tiny_roberta(
        tmp_path / "roberta", examples["context"]))
    task = get_task("question_answering", config)
    bundle = builder.build(config.model, task)
    features = task.tokenize(examples, bundle.tokenizer)
    end = bundle.tokenizer.end_id
    first = features[0]
    offset = first["context_offset"]
    assert first["input_ids"][offset - 2:offset] == [end, end]
    assert set(first["token_type_ids"]) == {0}
    python = task.predictions(model_outputs(
        bundle.model, task, features, bundle.tokenizer, batch_size=8),
        features, examples)
    path, _ = saved_model.export(bundle.model, bundle.tokenizer, task,
                                 config, str(tmp_path / "export"))
    served = load_export(path).predictions(examples, batch_size=7)
    for want, got in zip(python, served):
        assert (got["answer"], got["start"], got["end"]) == (
            want["answer"], want["start"], want["end"]), want
        assert got["score"] == pytest.approx(want["score"], abs=1e-4)
    assert sum(bool(r["answer"]) for r in python) >= len(python) - 4
