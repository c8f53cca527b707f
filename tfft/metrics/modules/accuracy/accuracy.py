"""Accuracy, as an evaluate module."""

import numpy as np

from tfft.metrics import label_metric


class Accuracy(label_metric.LabelMetric):
    """The fraction of predictions equal to their reference. Loaded offline
    by local path: `tfft.metrics.load("accuracy")`."""

    def _compute(self, predictions, references):
        predictions = np.asarray(predictions)
        return {"accuracy": float(np.mean(
            predictions == np.asarray(references)))}
