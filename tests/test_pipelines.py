"""`tfft.pipeline`: transformers' pipeline results for every task, from a
run folder, its model/ alone and its SavedModel, equal to `tfft-predict`'s
records on the same inputs (the session's shared runs)."""

import json
import shutil

import pytest

import tfft
from tests.conftest import shared_export
from tfft.errors import UserError

REVIEWS = ["a good and lovely film", "dull , boring and ugly",
           "the plot was superb", "awful"]
SENTENCES = ["the good film was very bad", "awful and lovely", "plot"]


def plain(results) -> bool:
    """Only Python's own types (no NumPy or TF values): JSON as it is."""
    return json.loads(json.dumps(results)) == results and all(
        type(v) in (str, int, float, bool) for v in _leaves(results))


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def predicted(workdir, path, tmp_path, *args):
    """`tfft-predict`'s records: the function the command writes as JSON
    lines (in process: no second TensorFlow start-up per call)."""
    from tfft.inference import predict_file

    options = dict(a[2:].split("=", 1) for a in args)
    return json.loads(json.dumps(predict_file(workdir, str(path),
                                              **options)))


def sources(run, tmp_path_factory, tmp_path):
    """The run folder, a copy of its model/ elsewhere, its SavedModel."""
    copied = tmp_path / "copied_model"
    shutil.copytree(f"{run['workdir']}/model", copied)
    return {"run": run["workdir"], "model": str(copied),
            "saved_model": shared_export(tmp_path_factory, run)}


def test_text_classification(classify_run, tmp_path_factory, tmp_path):
    lines = tmp_path / "reviews.txt"
    lines.write_text("\n".join(REVIEWS) + "\n")
    records = predicted(classify_run["workdir"], lines, tmp_path)
    for name, path in sources(classify_run, tmp_path_factory,
                              tmp_path).items():
        pipe = tfft.pipeline(path)
        assert pipe.task_name == "text-classification"
        top = pipe(REVIEWS)
        assert [r["label"] for r in top] == [r["predicted"] for r in records]
        for result, record in zip(top, records):
            assert set(result) == {"label", "score"}
            assert result["score"] == pytest.approx(
                record["probabilities"][result["label"]], abs=1e-5), name
        # One string: a one-element list, as transformers returns it.
        assert pipe(REVIEWS[0]) == [top[0]]
        everything = pipe(REVIEWS[:2], top_k=None)
        assert [len(r) for r in everything] == [2, 2]
        assert everything[0][0] == top[0]
        assert everything[0][0]["score"] >= everything[0][1]["score"]
        assert pipe(REVIEWS[0], top_k=1) == [top[0]]
        assert plain(top) and plain(everything)
    with pytest.raises(TypeError, match="aggregation_strategy"):
        pipe(REVIEWS, aggregation_strategy="simple")
    with pytest.raises(UserError, match="list of strings"):
        pipe([1, 2])


def test_token_classification(ner_run, tmp_path_factory, tmp_path):
    lines = tmp_path / "sentences.txt"
    lines.write_text("\n".join(SENTENCES) + "\n")
    records = predicted(ner_run["workdir"], lines, tmp_path)
    assert any(r["entities"] for r in records)
    simple = predicted(ner_run["workdir"], lines, tmp_path,
                       "--aggregation_strategy=simple")
    for name, path in sources(ner_run, tmp_path_factory, tmp_path).items():
        pipe = tfft.pipeline(path)
        assert pipe.task_name == "token-classification"
        found = pipe(SENTENCES)
        assert found == [r["entities"] for r in records], name
        assert set(found[0][0]) == {"entity_group", "score", "word", "start",
                                    "end"}
        assert pipe(SENTENCES[0]) == found[0]
        assert plain(found)
        if name != "saved_model":  # the export fixes aggregation "first"
            assert pipe(SENTENCES, aggregation_strategy="simple") == [
                r["entities"] for r in simple]


def test_question_answering(qa_run, tmp_path_factory, tmp_path):
    records = predicted(qa_run["workdir"], qa_run["files"]["test"], tmp_path)
    rows = [json.loads(line) for line in
            open(qa_run["files"]["test"]).read().splitlines()][:24]
    questions = [{"question": r["question"], "context": r["context"]}
                 for r in rows]
    expected = [{k: r[k] for k in ("score", "start", "end", "answer")}
                for r in records[:24]]
    for name, path in sources(qa_run, tmp_path_factory, tmp_path).items():
        pipe = tfft.pipeline(path, batch_size=8)
        assert pipe.task_name == "question-answering"
        answers = pipe(questions)
        assert [a["answer"] for a in answers] == \
            [e["answer"] for e in expected], name
        for a, e in zip(answers, expected):
            assert (a["start"], a["end"]) == (e["start"], e["end"])
            assert a["score"] == pytest.approx(e["score"], abs=1e-4)
        # Batched otherwise, padded otherwise: the same answers, their
        # scores to float noise (6 decimals shown).
        assert_same_answers([pipe(**questions[0])], answers[:1])
        assert plain(answers)
        assert_same_answers(pipe(
            question=[q["question"] for q in questions[:2]],
            context=[q["context"] for q in questions[:2]]), answers[:2])
    with pytest.raises(UserError, match="'question' and 'context'"):
        pipe("just a string")


def assert_same_answers(answers, expected):
    assert [{k: v for k, v in a.items() if k != "score"} for a in answers] \
        == [{k: v for k, v in e.items() if k != "score"} for e in expected]
    assert [a["score"] for a in answers] == pytest.approx(
        [e["score"] for e in expected], abs=1e-5)


def test_bad_paths_are_one_clear_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        tfft.pipeline(str(tmp_path / "nowhere"))
    with pytest.raises(UserError, match="not a finished tfft run"):
        tfft.pipeline(str(tmp_path))
