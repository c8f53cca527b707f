"""Precision for single-label classification, as an evaluate module.

Loaded offline by local path, `tfft.metrics.load("precision")`.
Arguments match evaluate's hub module: `average` ("macro", "micro",
"weighted", or None for one value per label) and `labels`.
"""

import datasets
import evaluate

from tfft.metrics.functional import precision_recall_f1


class Precision(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=__doc__,
            citation="",
            inputs_description="predictions, references: label ids",
            features=datasets.Features({
                "predictions": datasets.Value("int64"),
                "references": datasets.Value("int64"),
            }),
        )

    def _compute(self, predictions, references, average="macro",
                 labels=None):
        scores = precision_recall_f1(predictions, references,
                                     average=average, labels=labels)
        return {"precision": scores["precision"]}
