"""SQuAD's official exact match and F1 (v1.1 and v2.0), in plain Python:
the arithmetic behind tfft's `squad` and `squad_v2` evaluate modules.

Each function is the official evaluation script's, to the letter:
answers are normalised (lower case, no punctuation, no articles "a",
"an", "the", whitespace collapsed), a prediction takes its best score
over the gold answers, and scores are percentages. v2.0 differs from
v1.1 in three ways: gold answers that normalise to "" are dropped (an
unanswerable question's only gold answer is ""), an empty prediction or
gold scores F1 1 only when both are empty, and a prediction whose
no-answer probability is above a threshold counts as "no answer".
"""

import collections
import re
import string

_PUNCTUATION = set(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)


def normalize_answer(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def _overlap_f1(prediction_tokens, gold_tokens) -> float:
    common = (collections.Counter(prediction_tokens)
              & collections.Counter(gold_tokens))
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(prediction_tokens)
    recall = same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


# -- v1.1 -------------------------------------------------------------------
def f1_v1(prediction: str, gold: str) -> float:
    return _overlap_f1(normalize_answer(prediction).split(),
                       normalize_answer(gold).split())


def exact_v1(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def evaluate_v1(predictions: dict, golds: dict) -> dict:
    """`predictions`: id -> text; `golds`: id -> list of answer texts.
    A question with no prediction scores 0 (as the official script)."""
    exact = f1 = 0.0
    for qid, answers in golds.items():
        if qid not in predictions:
            continue
        prediction = predictions[qid]
        exact += max(exact_v1(prediction, a) for a in answers)
        f1 += max(f1_v1(prediction, a) for a in answers)
    total = len(golds)
    return {"exact_match": 100.0 * exact / total, "f1": 100.0 * f1 / total}


# -- v2.0 -------------------------------------------------------------------
def _tokens(text: str) -> list:
    return normalize_answer(text).split() if text else []


def exact_v2(gold: str, prediction: str) -> int:
    return int(normalize_answer(gold) == normalize_answer(prediction))


def f1_v2(gold: str, prediction: str) -> float:
    gold_tokens, prediction_tokens = _tokens(gold), _tokens(prediction)
    if not gold_tokens or not prediction_tokens:
        return float(gold_tokens == prediction_tokens)
    return _overlap_f1(prediction_tokens, gold_tokens)


def raw_scores_v2(predictions: dict, golds: dict):
    """(exact, f1): id -> best score over the non-empty gold answers (""
    for an unanswerable question), for the ids that have a prediction."""
    exact, f1 = {}, {}
    for qid, answers in golds.items():
        answers = [a for a in answers if normalize_answer(a)] or [""]
        if qid not in predictions:
            continue
        prediction = predictions[qid]
        exact[qid] = max(exact_v2(a, prediction) for a in answers)
        f1[qid] = max(f1_v2(a, prediction) for a in answers)
    return exact, f1


def _with_threshold(scores, no_answer_probs, has_answer, threshold):
    return {qid: (float(not has_answer[qid])
                  if no_answer_probs[qid] > threshold else s)
            for qid, s in scores.items()}


def _summary(exact, f1, ids=None):
    ids = list(exact) if not ids else ids
    total = len(ids)
    return {"exact": 100.0 * sum(exact[k] for k in ids) / total,
            "f1": 100.0 * sum(f1[k] for k in ids) / total, "total": total}


def best_threshold(predictions, scores, no_answer_probs, has_answer):
    """(best score %, the no-answer probability threshold reaching it)."""
    current = best = sum(1 for k in has_answer if not has_answer[k])
    threshold = 0.0
    for qid in sorted(no_answer_probs, key=lambda k: no_answer_probs[k]):
        if qid not in scores:
            continue
        if has_answer[qid]:
            current += scores[qid]
        elif predictions[qid]:
            current -= 1
        if current > best:
            best, threshold = current, no_answer_probs[qid]
    return 100.0 * best / len(scores), threshold


def evaluate_v2(predictions: dict, golds: dict, no_answer_probs=None,
                threshold: float = 1.0) -> dict:
    """The official v2.0 report: exact, f1, total, HasAns_* / NoAns_*
    where there are such questions, and best_exact / best_f1 with their
    thresholds. `golds`: id -> answer texts ([] if unanswerable)."""
    has_answer = {qid: bool(answers) for qid, answers in golds.items()}
    if no_answer_probs is None:
        no_answer_probs = dict.fromkeys(predictions, 0.0)
    exact_raw, f1_raw = raw_scores_v2(predictions, golds)
    exact = _with_threshold(exact_raw, no_answer_probs, has_answer,
                            threshold)
    f1 = _with_threshold(f1_raw, no_answer_probs, has_answer, threshold)
    report = _summary(exact, f1)
    for prefix, wanted in (("HasAns", True), ("NoAns", False)):
        ids = [k for k, has in has_answer.items() if has == wanted]
        if ids:
            report.update({f"{prefix}_{k}": v
                           for k, v in _summary(exact, f1, ids).items()})
    if no_answer_probs:
        for name, raw in (("exact", exact_raw), ("f1", f1_raw)):
            best, at = best_threshold(predictions, raw, no_answer_probs,
                                      has_answer)
            report[f"best_{name}"] = best
            report[f"best_{name}_thresh"] = at
    return report
