"""Batch collators for `Dataset.to_tf_dataset`: lists of examples -> padded
NumPy arrays. Pure NumPy, so they are testable without TensorFlow."""

import numpy as np


class PadToLongest:
    """Pads token sequences to the longest in the batch (dynamic padding),
    or to the smallest of `buckets` that fits it.

    Adds `attention_mask` (int32: 1 for tokens, 0 for padding; int rather
    than bool because keras-hub under MirroredStrategy crashes on bool
    masks). Other sequence columns are padded with `pad_values[name]`
    (default 0); scalar columns (labels) are stacked.
    """

    def __init__(self, pad_id: int, sequence_columns=("input_ids",
                 "token_type_ids"), pad_values=None, buckets=()):
        self.pad_values = {"input_ids": pad_id, **(pad_values or {})}
        self.sequence_columns = tuple(sequence_columns)
        # Sorted lengths: pad to the smallest that fits (bounded shapes for
        # XLA); empty: pad to the longest example of the batch.
        self.buckets = sorted(buckets)

    def width(self, longest: int) -> int:
        for length in self.buckets:
            if length >= longest:
                return length
        return longest

    def __call__(self, features: list) -> dict:
        lengths = [len(f["input_ids"]) for f in features]
        width = self.width(max(lengths))
        batch = {}
        for name in features[0]:
            values = [f[name] for f in features]
            if name in self.sequence_columns:
                batch[name] = self._pad(values, width,
                                        self.pad_values.get(name, 0))
            else:
                batch[name] = np.asarray(values)
        mask = np.zeros((len(features), width), np.int32)
        for row, n in enumerate(lengths):
            mask[row, :n] = 1
        batch["attention_mask"] = mask
        return batch

    @staticmethod
    def _pad(values, width, pad_value):
        out = np.full((len(values), width), pad_value, np.int32)
        for row, seq in enumerate(values):
            out[row, :len(seq)] = seq
        return out


class PadSourceAndTarget:
    """Seq2seq batches: the source (`input_ids`, `attention_mask`) and the
    target (`decoder_input_ids`, `decoder_attention_mask`, and `labels`,
    padded with -100 so the loss ignores padding) each padded to its own
    longest sequence in the batch."""

    def __init__(self, pad_id: int, decoder_pad_id: int = None):
        self.source = PadToLongest(pad_id=pad_id)
        self.decoder_pad_id = pad_id if decoder_pad_id is None \
            else decoder_pad_id

    def __call__(self, features: list) -> dict:
        batch = self.source([{"input_ids": f["input_ids"]}
                             for f in features])
        if "decoder_input_ids" not in features[0]:
            return batch
        targets = [f["decoder_input_ids"] for f in features]
        width = max(len(t) for t in targets)
        batch["decoder_input_ids"] = PadToLongest._pad(
            targets, width, self.decoder_pad_id)
        mask = np.zeros((len(features), width), np.int32)
        for row, seq in enumerate(targets):
            mask[row, :len(seq)] = 1
        batch["decoder_attention_mask"] = mask
        if "labels" in features[0]:
            batch["labels"] = PadToLongest._pad(
                [f["labels"] for f in features], width, -100)
        return batch
