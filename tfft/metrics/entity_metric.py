"""The base of tfft's entity-level evaluate module (`modules/seqeval`).

A module file must import this module, not the class: evaluate takes the
first Metric class in the file's namespace as the module's.
"""

import datasets
import evaluate

SCHEMES = ("IOB1", "IOB2", "IOE1", "IOE2", "IOBES", "BILOU")


class EntityMetric(evaluate.Metric):
    """Inputs: `predictions` and `references`, lists of tag sequences."""

    def _info(self):
        return evaluate.MetricInfo(
            description=type(self).__doc__ or "",
            citation="seqeval: https://github.com/chakki-works/seqeval",
            inputs_description="predictions, references: lists of tags "
                               "per sentence",
            features=datasets.Features({
                "predictions": datasets.Sequence(datasets.Value("string")),
                "references": datasets.Sequence(datasets.Value("string")),
            }),
        )

    def _compute(self, predictions, references, suffix=False, scheme=None,
                 mode=None, zero_division=0):
        from seqeval import metrics
        from seqeval import scheme as schemes

        if scheme is not None:
            if scheme not in SCHEMES:
                raise ValueError(f"scheme must be one of {SCHEMES}")
            scheme = getattr(schemes, scheme)
        report = metrics.classification_report(
            y_true=references, y_pred=predictions, suffix=suffix,
            output_dict=True, scheme=scheme, mode=mode,
            zero_division=zero_division)
        report.pop("macro avg", None)
        report.pop("weighted avg", None)
        overall = report.pop("micro avg")
        scores = {
            entity: {"precision": float(s["precision"]),
                     "recall": float(s["recall"]),
                     "f1": float(s["f1-score"]), "number": int(s["support"])}
            for entity, s in report.items()
        }
        scores["overall_precision"] = float(overall["precision"])
        scores["overall_recall"] = float(overall["recall"])
        scores["overall_f1"] = float(overall["f1-score"])
        scores["overall_accuracy"] = float(metrics.accuracy_score(
            y_true=references, y_pred=predictions))
        return scores
