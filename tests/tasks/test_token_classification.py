import datasets
import numpy as np
import pytest

from tfft.config import default_config
from tfft.errors import UserError
from tfft.tasks import get_task
from tfft.tasks import token_classification as tc


def task(**data):
    config = default_config()
    config.task = "token_classification"
    for k, v in data.items():
        setattr(config.data, k, v)
    return get_task("token_classification", config)


def dd(**splits):
    return datasets.DatasetDict(
        {k: datasets.Dataset.from_dict(v) for k, v in splits.items()})


def sents(*rows):
    return {"tokens": [r[0] for r in rows], "ner_tags": [r[1] for r in rows]}


@pytest.fixture(scope="module")
def tokenizer(tiny_bert):
    from tfft.models import builder

    return builder.family_module("hf").load_tokenizer(tiny_bert)


@pytest.mark.parametrize("tags, scheme", [
    ([["B-PER", "I-PER", "O", "B-LOC"]], "IOB2"),
    ([["I-PER", "I-PER", "O", "I-LOC", "B-LOC"]], "IOB1"),
    ([["B-PER", "I-LOC"]], "IOB1"),  # an entity that starts with I-
    ([["B-PER", "E-PER", "S-LOC", "O"]], "IOBES"),
    ([["U-PER", "B-LOC", "L-LOC"]], "BILOU"),
    ([["O", "O"]], "IOB2"),
])
def test_scheme_detection(tags, scheme):
    assert tc.detect_scheme(tags) == scheme


def test_mixed_or_foreign_tags_are_refused():
    with pytest.raises(UserError, match="no one scheme"):
        tc.detect_scheme([["B-PER", "L-PER", "E-LOC"]])
    with pytest.raises(UserError, match="is not O or PREFIX-TYPE"):
        tc.detect_scheme([["PER", "O"]])


def test_bilou_decodes_like_iobes():
    tags = ["B-PER", "L-PER", "O", "U-LOC", "B-ORG", "I-ORG", "L-ORG"]
    assert tc.entity_spans(tags, "BILOU") == [("PER", 0, 1), ("LOC", 3, 3),
                                              ("ORG", 4, 6)]


def test_prepare_learns_tags_and_encodes_them():
    t = task(validation_size=1.0, test_size=1.0)
    out = t.prepare(dd(train=sents(
        (["EU", "rejects", "German"], ["B-ORG", "O", "B-MISC"]),
        (["Peter", "Blackburn"], ["B-PER", "I-PER"]),
        (["in", "Paris"], ["O", "B-LOC"]))))
    assert t.label_names == ["O", "B-LOC", "B-MISC", "B-ORG", "B-PER",
                             "I-PER"]
    assert t.scheme == "IOB2"
    assert sorted(out) == ["test", "train", "validation"]
    row = out["train"][0]
    assert [t.label_names[i] for i in row["tag_ids"]] == row["ner_tags"]


def test_integer_tags_take_their_names_from_classlabel_features():
    names = ["O", "B-PER", "I-PER"]
    features = datasets.Features({
        "tokens": datasets.Sequence(datasets.Value("string")),
        "ner_tags": datasets.Sequence(datasets.ClassLabel(names=names))})
    train = datasets.Dataset.from_dict(
        {"tokens": [["a", "b", "c"]] * 4, "ner_tags": [[1, 2, 0]] * 4},
        features=features)
    t = task()
    t.prepare(datasets.DatasetDict(train=train, validation=train,
                                   test=train))
    assert t.label_names == ["O", "B-PER", "I-PER"]
    with pytest.raises(UserError, match="integers with no names"):
        task().prepare(dd(train={"tokens": [["a"]], "ner_tags": [[1]]}))
    named = task(label_names="O,B-X,I-X")
    named.prepare(dd(train={"tokens": [["a", "b"]] * 20,
                            "ner_tags": [[1, 2]] * 20}))
    assert named.label_names == ["O", "B-X", "I-X"]


@pytest.mark.parametrize("splits, message", [
    (dict(train=sents((["a", "b"], ["O"]))), "row 1 has 2 tokens and 1 tags"),
    (dict(train=sents((["a"], ["O"]), ([], []))),
     "1 of 2 train rows have an empty or missing 'tokens' \\(rows 2"),
    (dict(train=sents((["a"], ["B-X"])), validation=sents((["a"], ["B-Y"])),
          test=sents((["a"], ["O"]))),
     "validation data row 1 has tag 'B-Y'"),
    (dict(train={"words": [["a"]], "ner_tags": [["O"]]}),
     "no column 'tokens'.*tokens_column"),
    (dict(train={"tokens": [["a"]], "tag": [["O"]]}),
     "no column 'ner_tags'.*tags_column"),
])
def test_bad_data_is_one_clear_error(splits, message):
    with pytest.raises(UserError, match=message):
        task().prepare(dd(**splits))


def test_a_tag_outside_the_configured_scheme():
    with pytest.raises(UserError, match="outside the IOB2 scheme"):
        task(tag_scheme="IOB2").prepare(dd(train=sents(
            (["a", "b"], ["S-X", "O"]))))


@pytest.mark.parametrize("bad, message", [
    (dict(tag_scheme="BIO"), "tag_scheme"),
    (dict(stride=200), "stride"),
    (dict(tokens_column=""), "tokens_column"),
])
def test_config_fields_are_checked(bad, message):
    with pytest.raises(UserError, match=message):
        task(**bad).validate_config()


def test_windows_cover_everything_and_share_stride_tokens():
    assert tc.windows(5, 8, 2) == [(0, 5)]
    spans = tc.windows(20, 8, 2)
    assert spans == [(0, 8), (6, 14), (12, 20)]
    # The window where the token has the most context on its nearer side.
    assert [tc.max_context_window(p, spans) for p in (0, 6, 7, 12, 13, 19)] \
        == [0, 0, 1, 1, 2, 2]


def prepared(t, rows):
    return t.prepare(dd(train=sents(*rows), validation=sents(*rows),
                        test=sents(*rows)))["train"]


def test_first_subtoken_carries_the_label_others_ignored(tokenizer):
    t = task()
    # "superbgreat" is two wordpieces? Use an unknown word: one [UNK].
    train = prepared(t, [(["good", "movie", "xyzzy"],
                          ["B-POS", "O", "B-NEG"])])
    features = t.tokenize(train, tokenizer)
    row = features[0]
    assert row["word_ids"] == [-1, 0, 1, 2, -1]
    names = t.label_names
    assert row["labels"] == [-100, names.index("B-POS"), names.index("O"),
                             names.index("B-NEG"), -100]
    assert row["owned"] == [0, 1, 2] and row["example_id"] == 0


def test_label_all_subtokens_continues_b_as_i(tokenizer):
    t = task(label_all_subtokens=True)
    train = prepared(t, [(["good", "good"], ["B-POS", "I-POS"])])
    # A word of several pieces: split by the pre-tokenizer ("good.good").
    examples = train.map(lambda r: {"tokens": ["good.good", "good"]})
    features = t.tokenize(examples, tokenizer)
    b, i = t.label_names.index("B-POS"), t.label_names.index("I-POS")
    assert features[0]["word_ids"] == [-1, 0, 0, 0, 1, -1]
    assert features[0]["labels"] == [-100, b, i, i, i, -100]


def long_sentence(n):
    words = ["good", "bad", "movie", "plot"]
    tokens = [words[i % 4] for i in range(n)]
    tags = ["B-POS" if w == "good" else "B-NEG" if w == "bad" else "O"
            for w in tokens]
    return tokens, tags


def one_hot_outputs(t, features, tags_of):
    """Logits that predict `tags_of[example][word]` at every sub-token."""
    outputs = []
    for row in features:
        logits = np.full((len(row["input_ids"]), t.num_labels), -5.0)
        for j, w in enumerate(row["word_ids"]):
            if w >= 0:
                tag = tags_of[row["example_id"]][w]
                logits[j, t.label_names.index(tag)] = 5.0
        outputs.append(logits.astype(np.float32))
    return outputs


def test_long_sentences_become_windows_and_every_word_is_scored(tokenizer):
    t = task(max_length=12, stride=4)
    rows = [long_sentence(37), long_sentence(3)]
    train = prepared(t, rows)
    features = t.tokenize(train, tokenizer)
    assert max(len(ids) for ids in features["input_ids"]) <= 12
    assert features["example_id"].count(0) > 3  # 37 words in windows of 10
    # Each word is owned by exactly one window of its sentence.
    owned = {}
    for ex, words in zip(features["example_id"], features["owned"]):
        owned.setdefault(ex, []).extend(words)
    assert sorted(owned[0]) == list(range(37))
    assert sorted(owned[1]) == list(range(3))
    outputs = one_hot_outputs(t, features, [r[1] for r in rows])
    result = t.evaluate(outputs, features, train)
    assert result["num_words"] == 40
    assert result["f1"] == 1.0 and result["accuracy"] == 1.0
    assert result["per_type"]["POS"]["support"] == 10 + 1
    # Wrong on one word of the last window: not perfect any more.
    wrong = [list(r[1]) for r in rows]
    wrong[0][36] = "B-POS" if wrong[0][36] != "B-POS" else "O"
    worse = t.evaluate(one_hot_outputs(t, features, wrong), features, train)
    assert worse["f1"] < 1.0
    records = t.predictions(outputs, features, train)
    assert records[0]["predicted"] == rows[0][1]
    assert records[0]["tags"] == rows[0][1]


EDGE_TEXTS = [
    "Angela  Merkel visited\tParis.",
    "Café Müller in São Paulo ❤️ 🇩🇪",
    "東京 in Japan",
    "ctrl\x07chars and e\u0301te\u0301 words",
    "word " * 300 + "Paris end",
]


@pytest.mark.parametrize("aggregation", tc.AGGREGATIONS)
def test_entities_point_into_the_exact_raw_text(tokenizer, aggregation):
    from tfft.data import words as words_lib

    t = task(max_length=16, stride=4)
    one = sents((["a", "b", "c"], ["B-LOC", "I-LOC", "O"]))
    t.prepare(dd(train=one, validation=one, test=one))
    examples = datasets.Dataset.from_dict({"text": EDGE_TEXTS})
    features = t.tokenize(examples, tokenizer)
    # Every capitalised (or non-ASCII) word is a location, chained ones
    # one entity.
    wanted = []
    for text in EDGE_TEXTS:
        tags, before = [], "O"
        for a, b in words_lib.split_words(text):
            w = text[a:b]
            loc = w[0].isupper() or not w.isascii()
            tags.append(("I-LOC" if before != "O" else "B-LOC") if loc
                        else "O")
            before = tags[-1]
        wanted.append(tags)
    records = t.predictions(one_hot_outputs(t, features, wanted), features,
                            examples, aggregation_strategy=aggregation)
    for text, record in zip(EDGE_TEXTS, records):
        assert record["text"] == text
        for entity in record["entities"]:
            assert text[entity["start"]:entity["end"]] == entity["word"]
            assert entity["entity_group"] == "LOC"
            assert entity["score"] > 0.99
    assert [e["word"] for e in records[0]["entities"]] == [
        "Angela  Merkel", "Paris"]
    assert [e["word"] for e in records[4]["entities"]] == ["Paris"]
    assert records[4]["entities"][0]["start"] == len("word " * 300)


def test_viterbi_decodes_the_best_valid_sequence():
    t = task()
    t.label_names, t.scheme = ["O", "B-PER", "I-PER"], "IOB2"
    # argmax says "O I-PER", invalid in IOB2. Valid paths: O O = .12,
    # B I = .07, O B = .06: Viterbi picks O O; then B I = .28 beats O O.
    first = np.array([[0.6, 0.1, 0.3], [0.2, 0.1, 0.7]])
    second = np.array([[0.4, 0.35, 0.25], [0.1, 0.1, 0.8]])
    assert [list(d) for d in t.decode([first, second, first[:0]])] == [
        [0, 0], [1, 2], []]
    t.config.model.tag_decoding = "argmax"
    assert [list(d) for d in t.decode([first, second])] == [[0, 2], [0, 2]]


def test_allowed_transitions_follow_each_scheme():
    t = task()
    t.label_names = ["O", "B-X", "I-X", "E-X", "S-X", "B-Y"]
    t.scheme = "IOBES"
    allowed = t.allowed_transitions()
    start = end = len(t.label_names)
    ok = {("B-X", "I-X"), ("B-X", "E-X"), ("I-X", "E-X"), ("E-X", "O"),
          ("S-X", "B-Y"), ("O", "S-X")}
    bad = {("O", "I-X"), ("B-X", "O"), ("B-Y", "I-X"), ("E-X", "E-X"),
           ("I-X", "B-Y")}
    index = t.label_names.index
    assert all(allowed[index(a), index(b)] for a, b in ok)
    assert not any(allowed[index(a), index(b)] for a, b in bad)
    assert not allowed[start, index("I-X")] and allowed[start, index("B-X")]
    assert not allowed[index("B-X"), end] and allowed[index("E-X"), end]
    t.label_names, t.scheme = ["O", "B-X", "I-X"], "IOB1"
    allowed = t.allowed_transitions()
    assert allowed[0, 2] and not allowed[0, 1] and allowed[2, 1]


def test_read_inputs_takes_text_or_words_columns(tmp_path):
    import json

    t = task()
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"text": "in Paris", "id": 1}) + "\n")
    assert t.read_inputs(str(rows))[:] == {"text": ["in Paris"]}
    rows.write_text(json.dumps({"tokens": ["in", "Paris"], "id": 1}) + "\n")
    assert t.read_inputs(str(rows))[:] == {"tokens": [["in", "Paris"]]}
    rows.write_text(json.dumps({"body": "x"}) + "\n")
    with pytest.raises(UserError, match="neither a 'text' column"):
        t.read_inputs(str(rows))
