"""SQuAD v1.1 exact match and F1, as an evaluate module.

The same inputs and outputs as the hub's `evaluate.load("squad")`
(`{"exact_match", "f1"}`, percentages), loaded offline by local path:
`tfft.metrics.load("squad")`.
"""

from tfft.metrics import squad_metric


class Squad(squad_metric.SquadV1):
    """The official SQuAD v1.1 evaluation: normalised exact match and
    token F1, each the best over the gold answers."""
