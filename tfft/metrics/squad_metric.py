"""The base of tfft's SQuAD evaluate modules (`modules/squad`,
`modules/squad_v2`): the inputs of the hub's `squad` / `squad_v2`
metrics, scored by `squad_scoring` (the official scripts' logic).

A module file must import this module, not the class: evaluate takes the
first Metric class in the file's namespace as the module's.
"""

import datasets
import evaluate

from tfft.metrics import squad_scoring


def _features(prediction: dict):
    answers = {"text": datasets.Value("string"),
               "answer_start": datasets.Value("int32")}
    return datasets.Features({
        "predictions": prediction,
        "references": {"id": datasets.Value("string"),
                       "answers": datasets.Sequence(answers)},
    })


class SquadMetric(evaluate.Metric):
    """predictions: [{"id", "prediction_text"}]; references: [{"id",
    "answers": {"text": [...], "answer_start": [...]}}]."""

    prediction_fields = {"id": datasets.Value("string"),
                         "prediction_text": datasets.Value("string")}

    def _info(self):
        return evaluate.MetricInfo(
            description=type(self).__doc__ or "",
            citation="Rajpurkar et al., SQuAD (2016) and Know What You "
                     "Don't Know (2018): the official evaluation scripts",
            inputs_description=SquadMetric.__doc__,
            features=_features(self.prediction_fields))

    @staticmethod
    def _golds(references):
        return {r["id"]: list(r["answers"]["text"]) for r in references}


class SquadV1(SquadMetric):
    def _compute(self, predictions, references):
        return squad_scoring.evaluate_v1(
            {p["id"]: p["prediction_text"] for p in predictions},
            self._golds(references))


class SquadV2(SquadMetric):
    prediction_fields = dict(
        SquadMetric.prediction_fields,
        no_answer_probability=datasets.Value("float32"))

    def _compute(self, predictions, references, no_answer_threshold=1.0):
        return squad_scoring.evaluate_v2(
            {p["id"]: p["prediction_text"] for p in predictions},
            self._golds(references),
            {p["id"]: p["no_answer_probability"] for p in predictions},
            no_answer_threshold)
