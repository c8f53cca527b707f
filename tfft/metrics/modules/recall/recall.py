"""Recall for single-label classification, as an evaluate module."""

from tfft.metrics import label_metric


class Recall(label_metric.LabelMetric):
    """Recall per label, or averaged: `average` is "macro" (default),
    "micro", "weighted", or None for one value per label in `labels`
    order. Loaded offline by local path: `tfft.metrics.load("recall")`."""

    score = "recall"
