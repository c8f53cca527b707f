"""F1 for single-label classification, as an evaluate module."""

from tfft.metrics import label_metric


class F1(label_metric.LabelMetric):
    """F1 per label, or averaged: `average` is "macro" (default),
    "micro", "weighted", or None for one value per label in `labels`
    order. Loaded offline by local path: `tfft.metrics.load("f1")`."""

    score = "f1"
