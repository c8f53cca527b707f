"""SQuAD v2.0 exact match and F1 with unanswerable questions, as an
evaluate module.

The same inputs and outputs as the hub's `evaluate.load("squad_v2")`
(predictions carry `no_answer_probability`; the report has `exact`,
`f1`, `HasAns_*`, `NoAns_*`, `best_exact`, `best_f1` and their
thresholds), loaded offline by local path: `tfft.metrics.load("squad_v2")`.
"""

from tfft.metrics import squad_metric


class SquadV2(squad_metric.SquadV2):
    """The official SQuAD v2.0 evaluation."""
