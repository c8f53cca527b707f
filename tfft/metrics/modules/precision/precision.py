"""Precision for single-label classification, as an evaluate module."""

from tfft.metrics import label_metric


class Precision(label_metric.LabelMetric):
    """Precision per label, or averaged: `average` is "macro" (default),
    "micro", "weighted", or None for one value per label in `labels`
    order. Loaded offline by local path: `tfft.metrics.load("precision")`."""

    score = "precision"
