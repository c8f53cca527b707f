"""Classification metrics in plain NumPy: the arithmetic behind tfft's
evaluate modules (which the hub-less machine cannot download)."""

import numpy as np

AVERAGES = ("macro", "micro", "weighted", None)


def per_class_counts(predictions, references, labels=None):
    """(labels, true positives, predicted counts, true counts) per label."""
    predictions = np.asarray(predictions)
    references = np.asarray(references)
    if labels is None:
        labels = np.unique(np.concatenate([predictions, references]))
    labels = np.asarray(labels)
    tp = np.array([np.sum((predictions == c) & (references == c))
                   for c in labels], dtype=np.float64)
    predicted = np.array([np.sum(predictions == c) for c in labels],
                         dtype=np.float64)
    support = np.array([np.sum(references == c) for c in labels],
                       dtype=np.float64)
    return labels, tp, predicted, support


def _safe_divide(num, den):
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def precision_recall_f1(predictions, references, *, average="macro",
                        labels=None):
    """{"precision", "recall", "f1"}: floats, or per-label lists when
    `average` is None. An undefined ratio (0/0) counts as 0, as sklearn's
    `zero_division=0`."""
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}")
    labels, tp, predicted, support = per_class_counts(
        predictions, references, labels)
    if average == "micro":
        p = _safe_divide(tp.sum(keepdims=True), predicted.sum(keepdims=True))
        r = _safe_divide(tp.sum(keepdims=True), support.sum(keepdims=True))
        f = _safe_divide(2 * p * r, p + r)
        return {"precision": float(p[0]), "recall": float(r[0]),
                "f1": float(f[0])}
    p = _safe_divide(tp, predicted)
    r = _safe_divide(tp, support)
    f = _safe_divide(2 * p * r, p + r)
    if average is None:
        return {"precision": p.tolist(), "recall": r.tolist(),
                "f1": f.tolist()}
    weights = support if average == "weighted" else np.ones_like(support)
    weights = weights / max(weights.sum(), 1e-12)
    return {"precision": float(p @ weights), "recall": float(r @ weights),
            "f1": float(f @ weights)}
