"""Question answering: windows and labels, span decoding over windows,
"no answer" (SQuAD v2.0), bad input, and trained tiny models that find
answers in later windows and learn when there is none."""

import json

import datasets
import numpy as np
import pytest

from tests.conftest import qa_boundary_rows
from tests.conftest import qa_row
from tests.conftest import qa_rows
from tests.conftest import write_csv
from tfft.config import default_config
from tfft.errors import UserError
from tfft.models import builder
from tfft.tasks import get_task
from tfft.tasks import question_answering as qa
from tfft.tasks.base import EXAMPLE_ID


def qa_config(**model):
    config = default_config()
    config.task = "question_answering"
    config.data.max_length = 32
    config.data.max_question_length = 4
    config.data.stride = 8
    for key, value in model.items():
        setattr(config.model, key, value)
    return config


def examples_of(task, rows):
    return task.prepare_labeled(datasets.Dataset.from_list(rows), "test")


@pytest.mark.parametrize("family", ["keras_hub", "hf"])
def test_windows_cover_the_context_and_labels_point_at_the_answer(
        tiny_bert, family):
    task = get_task("question_answering", qa_config())
    rows = qa_boundary_rows() + [
        qa_row("short", "good fine movie plot acting and", ["the", "fun"],
               ["fun"])]
    examples = examples_of(task, rows)
    tokenizer = builder.family_module(family).load_tokenizer(tiny_bert)
    features = task.tokenize(examples, tokenizer)
    by_example = {}
    for f in features:
        by_example.setdefault(f[EXAMPLE_ID], []).append(f)
    assert sorted(by_example) == list(range(len(rows)))
    for example, feats in by_example.items():
        context = examples["context"][example]
        answer = examples["answers"][example]
        words = context.split()
        covered = set()
        for k, f in enumerate(feats):
            ids, offset = f["input_ids"], f["context_offset"]
            assert len(ids) <= 32
            assert ids[0] == tokenizer.start_id
            assert ids[offset - 1] == ids[-1] == tokenizer.end_id
            assert offset - 2 <= 4  # the question, cut to 4 tokens
            assert f["token_type_ids"] == [0] * offset + [1] * (
                len(ids) - offset)
            covered.update(f["char_starts"])
            if k:  # consecutive windows share `stride` tokens
                assert feats[k - 1]["char_starts"][-8:] == \
                    f["char_starts"][:8]
            start, end = f["labels"]
            if (start, end) == (0, 0):
                continue
            got = context[f["char_starts"][start - offset]:
                          f["char_ends"][end - offset]]
            assert got == answer["text"][0]
        assert len(covered) == len(words)  # one token a word, all seen
        labelled = [k for k, f in enumerate(feats) if f["labels"] != [0, 0]]
        assert labelled, example
        if rows[example]["id"].startswith("edge"):
            assert labelled[0] >= 1  # in the 2nd window or later
    # Straddling: window 0 of edge0 holds the answer's first tokens but
    # not its last, so it is labelled [CLS].
    edge0 = by_example[0]
    start_char = examples["answers"][0]["answer_start"][0]
    assert start_char in edge0[0]["char_starts"]
    assert edge0[0]["labels"] == [0, 0]


def test_best_span_takes_valid_context_spans_only():
    logits = np.full((12, 2), -5.0, np.float32)
    logits[0] = [9, 9]  # [CLS]: never a span
    logits[1] = [8, 8]  # a question token: not context
    logits[5, 0], logits[4, 1] = 4, 5  # the best end is before the start
    logits[7, 1] = 3
    score, start, end = qa.best_span(logits, 3, 6, 20, 30)
    assert (score, start, end) == (7, 5, 7)
    # At most 2 tokens: 5..7 is too long; the best end (4) with a start
    # before it scores -5 + 5 = 0 from 3 or from 4: the first start in
    # n-best order (by logit, then position) wins the tie.
    assert qa.best_span(logits, 3, 6, 20, 2) == (0, 3, 4)
    # n-best 1: only (5, 4), which is invalid.
    assert qa.best_span(logits, 3, 6, 1, 30)[0] == -np.inf


def _features(windows):
    """A features table from [(example, offset, char_starts, char_ends)]."""
    return datasets.Dataset.from_dict({
        EXAMPLE_ID: [w[0] for w in windows],
        qa.CONTEXT_OFFSET: [w[1] for w in windows],
        qa.CHAR_STARTS: [w[2] for w in windows],
        qa.CHAR_ENDS: [w[3] for w in windows]})


def test_decode_takes_the_best_window_and_the_no_answer_rule():
    context = "aa bb cc dd"
    examples = datasets.Dataset.from_dict(
        {"id": ["x"], "question": ["q"], "context": [context]})
    features = _features([(0, 2, [0, 3, 6], [2, 5, 8]),
                          (0, 2, [6, 9], [8, 11])])
    low = np.full((5, 2), -3.0, np.float32)
    high = np.full((4, 2), -3.0, np.float32)
    low[2] = [2, 2]  # "aa": 4
    high[2, 0], high[3, 1] = 3, 3  # "cc dd": 6, in the second window
    low[0] = [2.5, 2.5]  # [CLS] 5 here, 3 - 3 = -6 in the other window
    high[0] = [-3, -3]
    task = get_task("question_answering", qa_config())
    found = task.answers([low, high], features, examples)[0]
    assert (found["answer"], found["start"], found["end"]) == ("cc dd", 6, 11)
    # The lowest [CLS] score (-6) is far below the span's: an answer with
    # unanswerable questions too, unless the threshold says otherwise.
    v2 = get_task("question_answering", qa_config(), {"unanswerable": True})
    assert v2.answers([low, high], features, examples)[0]["answer"] == \
        "cc dd"
    high[0] = [3.5, 3.5]  # now 7 > 6 in both windows
    low[0] = [3.5, 3.5]
    assert v2.answers([low, high], features, examples)[0]["answer"] == ""
    assert task.answers([low, high], features, examples)[0]["answer"] == \
        "cc dd"  # v1 never answers nothing
    strict = get_task("question_answering",
                      qa_config(null_score_threshold=2.0),
                      {"unanswerable": True})
    assert strict.answers([low, high], features, examples)[0]["answer"] == \
        "cc dd"


BAD_ROWS = [
    ({"answers": {"text": ["zz"], "answer_start": [0]}},
     "answer 'zz' of id 'q0' is not in its context at answer_start=0"),
    ({"answers": {"text": ["good"], "answer_start": [99]}},
     "answer_start=99"),
    ({"answers": {"text": ["good"], "answer_start": []}},
     "answers of id 'q0' are not {\"text\": [...], \"answer_start\": "
     "[...]}, two lists of one length"),
    ({"answers": None}, "answers of id 'q0' are not"),
    ({"answers": {"text": []}}, "answers of id 'q0' are not"),
    ({"answers": "{not json"}, "answers of id 'q0' are not"),
    ({"question": " "}, "empty or missing 'question' (rows 1;"),
    ({"context": "\t \n"}, "empty or missing 'context' (rows 1;"),
]


@pytest.mark.parametrize("change, expected", BAD_ROWS)
def test_bad_rows_are_one_line_errors_naming_the_id(change, expected):
    row = dict(qa_row("q0", "good", ["a", "good", "film"], ["good"]),
               **change)
    task = get_task("question_answering", qa_config())
    with pytest.raises(UserError) as error:
        task.prepare(datasets.DatasetDict(
            {"train": datasets.Dataset.from_list([row])}))
    assert expected in str(error.value)
    assert "\n" not in str(error.value)


def test_missing_columns_repeated_ids_and_bad_settings():
    task = get_task("question_answering", qa_config())
    rows = [qa_row("a", "good", ["good"], ["good"])] * 2
    with pytest.raises(UserError, match="id 'a' twice"):
        task.prepare_labeled(datasets.Dataset.from_list(rows), "train")
    no_context = datasets.Dataset.from_dict({"question": ["q"]})
    with pytest.raises(UserError,
                       match="no column 'context'.*data.context_column"):
        task.prepare_labeled(no_context, "train")
    with pytest.raises(UserError, match="max_question_length=29"):
        get_task("question_answering",
                 _with(max_question_length=29)).validate_config()
    with pytest.raises(UserError, match="data.stride=30"):
        get_task("question_answering", _with(stride=30)).validate_config()


def _with(**data):
    config = qa_config()
    for key, value in data.items():
        setattr(config.data, key, value)
    return config


def test_csv_answers_as_json_and_unlabeled_inputs(tmp_path):
    rows = [qa_row(str(i), "good", ["a", "fine", "film"], ["fine"])
            for i in range(3)]
    flat = [dict(r, answers=json.dumps(r["answers"])) for r in rows]
    path = write_csv(tmp_path / "qa.csv", flat)
    task = get_task("question_answering", qa_config())
    from tfft.data import sources

    examples = task.prepare_labeled(sources.load_files([path], "x"), "x")
    assert examples["answers"][0] == {"text": ["fine"], "answer_start": [2]}
    inputs = task.read_inputs(path)
    assert inputs.column_names == ["id", "question", "context"]


def train_toy(tmp_path, bert, words, unanswerable=0.0, **model):
    """qa_config on 480 toy train questions (`qa_rows`) for 20 epochs,
    from a random `bert`; the test metrics on 64 more."""
    from tfft.training import trainer

    config = qa_config(**model)
    for split, n, seed in (("train", 480, 0), ("test", 64, 2)):
        path = str(tmp_path / f"{split}.jsonl")
        with open(path, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in qa_rows(
                n, seed, words=words, unanswerable=unanswerable,
                questions=("good",)))
        setattr(config.data, f"{split}_files", path)
    config.model.path = bert
    config.model.init = "random"
    config.train.epochs = 20
    config.train.batch_size = 16
    config.train.learning_rate = 3e-3
    config.train.verbose = 0
    return trainer.train(config, str(tmp_path / "run"))["test"]


def test_unanswerable_questions_are_learned_and_scored_as_v2(
        wider_tiny_bert, tmp_path):
    # Contexts of one window each: this test is about "no answer".
    test = train_toy(tmp_path, wider_tiny_bert, (4, 12), unanswerable=0.4)
    assert test["NoAns_total"] + test["HasAns_total"] == 64
    assert test["NoAns_total"] > 15
    assert test["NoAns_exact"] >= 80, test
    assert test["HasAns_f1"] >= 80, test
    assert test["f1"] >= 80, test
    with open(tmp_path / "run" / "model" / "tfft_model.json") as f:
        assert json.load(f)["task_state"] == {"unanswerable": True}


def test_the_trained_run_finds_answers_in_later_windows(qa_run):
    """The shared run trained on qa_boundary_rows among others: every one
    of them is found exactly, from its 2nd or a later window."""
    from tfft.inference import load_run

    run = load_run(qa_run["workdir"], precision="float32")
    rows = qa_boundary_rows()
    records = run.predictions(examples_of(run.task, rows))
    assert [r["answer"] for r in records] == [
        r["answers"]["text"][0] for r in rows]
    assert [r["start"] for r in records] == [
        r["answers"]["answer_start"][0] for r in rows]
    with open(f"{qa_run['workdir']}/metrics.json") as f:
        test = json.load(f)["test"]
    # Held-out toy questions, most of them over several windows.
    assert test["exact_match"] >= 85 and test["f1"] >= 95, test
    assert test["num_features"] > test["num_examples"]


@pytest.mark.slow
@pytest.mark.parametrize("head", ["tfft", "native"])
def test_hf_family_learns_spans_with_both_heads(wider_tiny_bert, tmp_path,
                                                head):
    """The hf family with tfft's head, and with transformers' own
    TFAutoModelForQuestionAnswering (start/end logits stacked)."""
    test = train_toy(tmp_path, wider_tiny_bert, (4, 40), family="hf",
                     head=head)
    assert test["f1"] >= 85, test  # random init, 20 short epochs
