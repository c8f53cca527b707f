"""The base of tfft's evaluate modules for single-label classification.

A module file (`modules/<name>/<name>.py`) subclasses `LabelMetric` and
names its `score`. It must import this module, not the class: evaluate
takes the first Metric class in the file's namespace as the module's.
"""

import datasets
import evaluate

from tfft.metrics.functional import precision_recall_f1


class LabelMetric(evaluate.Metric):
    """Inputs: `predictions` and `references`, integer label ids."""

    score = ""  # "precision", "recall" or "f1"

    def _info(self):
        return evaluate.MetricInfo(
            description=type(self).__doc__ or "",
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
        return {self.score: scores[self.score]}
