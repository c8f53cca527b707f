"""Entity-level precision, recall and F1 (seqeval), as an evaluate module.

The same inputs and outputs as the hub's `evaluate.load("seqeval")`, loaded
offline by local path: `tfft.metrics.load("seqeval")`.
"""

from tfft.metrics import entity_metric


class Seqeval(entity_metric.EntityMetric):
    """Entity precision / recall / F1 overall and per type, and token
    accuracy, computed by the `seqeval` package. `mode=None` is seqeval's
    default (lenient: CoNLL's conlleval), `mode="strict"` with a `scheme`
    ("IOB1", "IOB2", "IOE1", "IOE2", "IOBES", "BILOU") counts only
    entities that are well formed in that scheme."""
