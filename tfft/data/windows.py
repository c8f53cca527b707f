"""Overlapping token windows over a sequence longer than the model takes.

Token classification splits a long sentence, question answering a long
context, into windows of at most `length` tokens that share `stride`
tokens with the next one (nothing is cut). `tfft.export.graph_words` has
the same rules as TensorFlow ops; tests keep each pair equal.
"""

import numpy as np


def windows(num_tokens: int, length: int, stride: int):
    """[(start, end)] token windows of at most `length` covering
    `num_tokens`, consecutive ones sharing `stride` tokens."""
    step = length - stride
    spans = [(0, min(length, num_tokens))]
    while spans[-1][1] < num_tokens:
        start = spans[-1][0] + step
        spans.append((start, min(start + length, num_tokens)))
    return spans


def max_context_window(position: int, spans) -> int:
    """The window where `position` has the most tokens on its nearer
    side (the first such window on ties)."""
    scores = [min(position - s, e - 1 - position) for s, e in spans]
    return int(np.argmax(scores))
