"""tfft's `rouge` module equals `rouge_score` (the package the hub's
`rouge` metric wraps) on a table of cases, and its offline sentence
splitter puts ROUGE-Lsum's sentence ends where punkt would on them."""

import numpy as np
import pytest
from rouge_score import rouge_scorer

from tfft import metrics
from tfft.metrics import sentences

TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
# (prediction, reference): exact, disjoint, reordered, repeats, stemming,
# case and punctuation, empty prediction, several sentences (Lsum differs
# from L only there), numbers and unicode.
CASES = [
    ("the cat sat on the mat", "the cat sat on the mat"),
    ("a b c", "d e f"),
    ("mat the on sat cat the", "the cat sat on the mat"),
    ("the the the the", "the cat"),
    ("models were trained and tested", "the model trains and tests"),
    ("The Cat, sat!", "the cat sat"),
    ("", "a reference summary"),
    ("We propose a parser.\nIt is fast.\nResults improve by 2 points.",
     "Results improve by 2 points.\nWe propose a fast parser."),
    ("we study ner . we use crf .\nf1 rises to 91.2 .",
     "we use a crf for ner .\nf1 is 91.2 ."),
    ("Ünïcode wörds 2024 and 3.5%", "unicode words 2024 and 3.5"),
]


@pytest.mark.parametrize("use_stemmer", [False, True])
def test_equals_rouge_score_example_by_example(use_stemmer):
    scorer = rouge_scorer.RougeScorer(TYPES, use_stemmer=use_stemmer)
    expected = {t: [scorer.score(r, p)[t].fmeasure for p, r in CASES]
                for t in TYPES}
    rouge = metrics.load("rouge")
    predictions, references = zip(*CASES)
    got = rouge.compute(predictions=list(predictions),
                        references=list(references), use_stemmer=use_stemmer,
                        use_aggregator=False, split_sentences=False)
    for t in TYPES:
        np.testing.assert_allclose(got[t], expected[t], rtol=0, atol=1e-12)
    mean = rouge.compute(predictions=list(predictions),
                         references=list(references),
                         use_stemmer=use_stemmer, split_sentences=False)
    assert mean == {t: pytest.approx(np.mean(expected[t])) for t in TYPES}
    # Lsum really is summary-level on the multi-sentence cases.
    assert expected["rougeLsum"][7] != expected["rougeL"][7]


def test_several_references_take_the_best_as_score_multi_does():
    scorer = rouge_scorer.RougeScorer(TYPES)
    refs = ["the cat sat", "a dog ran off", "cats sit"]
    best = scorer.score_multi(refs, "a dog sat")
    got = metrics.load("rouge").compute(
        predictions=["a dog sat"], references=[refs], split_sentences=False)
    assert got == {t: pytest.approx(best[t].fmeasure) for t in TYPES}


def test_lsum_splits_sentences_without_punkt():
    prediction = "We propose a parser. It is fast. Results improve."
    reference = "Results improve by 2 points. We propose a fast parser."
    split = ("We propose a parser.\nIt is fast.\nResults improve.",
             "Results improve by 2 points.\nWe propose a fast parser.")
    scorer = rouge_scorer.RougeScorer(["rougeLsum"])
    got = metrics.load("rouge").compute(
        predictions=[prediction], references=[reference],
        rouge_types=["rougeLsum"])
    assert got["rougeLsum"] == pytest.approx(
        scorer.score(split[1], split[0])["rougeLsum"].fmeasure)


@pytest.mark.parametrize("text, expected", [
    ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
    ("As shown in Fig. 3, it works. It is fast.",
     ["As shown in Fig. 3, it works.", "It is fast."]),
    ("We use CRFs, e.g. Lafferty et al. The end.",
     ["We use CRFs, e.g. Lafferty et al. The end."]),
    ("J. Smith wrote it. \"Quoted.\" (Bracketed.) Done.",
     ["J. Smith wrote it.", "\"Quoted.\"", "(Bracketed.)", "Done."]),
    ("It rose to 91.2 points. 2024 was good.",
     ["It rose to 91.2 points.", "2024 was good."]),
    ("lower case. no split here", ["lower case. no split here"]),
    ("Line one\nLine two. And three.", ["Line one", "Line two.",
                                         "And three."]),
    ("  ", []),
])
def test_sentence_splitter(text, expected):
    assert sentences.split(text) == expected
