"""ROUGE-1/2/L/Lsum, as an evaluate module.

The inputs and outputs of the hub's `evaluate.load("rouge")` (predictions,
references: a text each, or a list of texts for several references;
`rouge_types`, `use_stemmer`, `use_aggregator`), loaded offline by local
path: `tfft.metrics.load("rouge")`. Scores are `rouge_score`'s F-measures
(Google's reimplementation of ROUGE-1.5.5); with several references the
best one counts, as `RougeScorer.score_multi` does. Two choices differ
from the hub's module, both stated:

- aggregation is the mean over examples (the hub's bootstrap resampling
  reports the median of resampled means: random, and within noise of it);
- ROUGE-Lsum reads one sentence per line: texts without newlines are split
  into sentences by `tfft.metrics.sentences` (rule-based; nltk's punkt
  data is a download), `split_sentences=False` scores them as given.
"""

import datasets
import evaluate
import numpy as np

from tfft.metrics import sentences

DEFAULT_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")


class Rouge(evaluate.Metric):
    """predictions: list of texts; references: list of texts (or of lists
    of texts). Returns {rouge type: F-measure} (lists per example with
    `use_aggregator=False`)."""

    def _info(self):
        return evaluate.MetricInfo(
            description=Rouge.__doc__, citation="Lin, ROUGE (2004); "
            "google-research/rouge (rouge_score)",
            inputs_description=Rouge.__doc__,
            features=[
                datasets.Features({
                    "predictions": datasets.Value("string"),
                    "references": datasets.Sequence(
                        datasets.Value("string"))}),
                datasets.Features({
                    "predictions": datasets.Value("string"),
                    "references": datasets.Value("string")}),
            ])

    def _compute(self, predictions, references, rouge_types=None,
                 use_stemmer=False, use_aggregator=True,
                 split_sentences=True):
        from rouge_score import rouge_scorer

        types = list(rouge_types or DEFAULT_TYPES)
        scorer = rouge_scorer.RougeScorer(types, use_stemmer=use_stemmer)

        def prepare(text):
            return sentences.lines(text) if split_sentences else text

        scores = []
        for prediction, reference in zip(predictions, references):
            refs = [reference] if isinstance(reference, str) else reference
            scores.append(scorer.score_multi(
                [prepare(r) for r in refs], prepare(prediction)))
        per_type = {t: [s[t].fmeasure for s in scores] for t in types}
        if not use_aggregator:
            return per_type
        return {t: float(np.mean(v)) if v else 0.0
                for t, v in per_type.items()}
