"""Tokenized `datasets.Dataset` -> batched, prefetched `tf.data.Dataset`.

Every stream is an `index_stream`: batches of example indices, collated in
Python, with every length left unknown. Training data is a `train_stream`:
the batches of a seeded permutation per epoch, which can start at any
(epoch, batch) position, so a resumed run sees exactly the batches an
uninterrupted one would. `to_tf_dataset` is the plain in-order (or
seeded-shuffle) stream for everything else.
"""

import functools
import itertools
import typing

import datasets
import numpy as np
import tensorflow as tf

MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# An encoder-decoder's target side (teacher forcing), where a task has one.
DECODER_INPUTS = ("decoder_input_ids", "decoder_attention_mask")


def to_tf_dataset(dataset: datasets.Dataset, *, batch_size: int,
                  collate_fn, shuffle: bool = False, seed: int = 0,
                  label_column="labels",
                  drop_remainder=False) -> tf.data.Dataset:
    """`(features, labels)` batches of `dataset` (features alone without a
    label column), every length unknown (see `index_stream`), for data
    that is not resumed mid-epoch: `fit`'s own validation, user code.

    In order, or with `shuffle` in a fresh seeded order each time the
    dataset is iterated (iteration k uses `epoch_order(n, seed, k)`), so a
    seed gives the same sequence of epochs. `batch_size` is the global
    batch. Integer features are int32.
    """
    iterations = itertools.count()
    num_examples = len(dataset)

    def batches():
        order = (epoch_order(num_examples, seed, next(iterations))
                 if shuffle else np.arange(num_examples))
        return iter(batches_of(order, batch_size, drop_remainder))

    return index_stream(dataset, batches, collate_fn=collate_fn,
                        label_column=label_column,
                        num_batches=steps_per_epoch(num_examples, batch_size,
                                                    drop_remainder))


GROUP = 50  # batches per length-sorted chunk (group_by_length)


class Position(typing.NamedTuple):
    """A place in training: `batch` batches into `epoch` (both from 0)."""
    epoch: int
    batch: int


def steps_per_epoch(num_examples: int, batch_size: int,
                    drop_remainder: bool = False) -> int:
    if drop_remainder:
        return num_examples // batch_size
    return -(-num_examples // batch_size)


def epoch_order(num_examples: int, seed: int, epoch: int) -> np.ndarray:
    """The order epoch `epoch` visits the examples in (a pure function)."""
    return np.random.default_rng([seed, epoch]).permutation(num_examples)


def epoch_batches(num_examples, *, batch_size, seed, epoch,
                  drop_remainder=False, lengths=None, group=GROUP):
    """The batches (arrays of example indices) of epoch `epoch`, in order:
    a pure function of its arguments.

    With `lengths` (tokens per example), examples are grouped by length:
    the epoch's order is cut into chunks of `group` batches, each chunk is
    sorted by length and cut into batches, and the batches are shuffled
    (seeded). Batches then hold examples of similar length, so dynamic
    padding adds few pad tokens, while each epoch still visits every example
    in a fresh order (transformers' `group_by_length` does the same)."""
    order = epoch_order(num_examples, seed, epoch)
    if lengths is not None:
        lengths = np.asarray(lengths)
        chunk = batch_size * group
        order = np.concatenate([
            part[np.argsort(-lengths[part], kind="stable")]
            for part in np.split(order, range(chunk, len(order), chunk))
        ]) if len(order) else order
    batches = batches_of(order, batch_size, drop_remainder)
    if lengths is not None:
        shuffle = np.random.default_rng([seed, epoch, 1]).permutation
        batches = [batches[i] for i in shuffle(len(batches))]
    return batches


def batch_indices(num_examples, *, batch_size, seed, start: Position,
                  stop: Position, drop_remainder=False, lengths=None):
    """Yields the example indices of each batch from `start` up to (not
    including) `stop` (see `epoch_batches`)."""
    epoch, batch = start
    while (epoch, batch) < tuple(stop):
        batches = epoch_batches(num_examples, batch_size=batch_size,
                                seed=seed, epoch=epoch,
                                drop_remainder=drop_remainder,
                                lengths=lengths)
        for indices in batches[batch:]:
            if (epoch, batch) >= tuple(stop):
                return
            yield indices
            batch += 1
        epoch, batch = epoch + 1, 0


def train_stream(dataset: datasets.Dataset, *, batch_size: int, collate_fn,
                 seed: int, start: Position, stop: Position,
                 drop_remainder=False, label_column="labels",
                 group_by_length=False, accumulation: int = 1,
                 loss_per="example") -> tf.data.Dataset:
    """`(features, labels)` batches from `start` to `stop`, epoch after
    epoch, each epoch in `epoch_batches` order (grouped by length if
    `group_by_length`). Finite and not repeated: `fit` needs
    `steps_per_epoch`. Integer features are int32.

    With `accumulation` N > 1, batches are `(features, labels, weights)`:
    every N consecutive batches from the start of training make one
    optimizer step, and each batch's rows (its labels' tokens with
    `loss_per="token"`) weigh the batch's `Windows` weight, so the step's
    loss is the mean over the window's examples (labelled tokens), not
    the mean of its batches' means."""
    lengths = ([len(ids) for ids in dataset["input_ids"]]
               if group_by_length else None)
    per_epoch = steps_per_epoch(len(dataset), batch_size, drop_remainder)
    weight = None if accumulation == 1 else Windows(
        len(dataset), loss_units(dataset, loss_per, label_column),
        accumulation=accumulation, batch_size=batch_size, seed=seed,
        drop_remainder=drop_remainder, lengths=lengths)

    def batches():
        indices = batch_indices(
            len(dataset), batch_size=batch_size, seed=seed, start=start,
            stop=stop, drop_remainder=drop_remainder, lengths=lengths)
        if weight is None:
            return indices
        step = start.epoch * per_epoch + start.batch
        return ((ids, weight(at)) for at, ids in enumerate(indices, step))

    return index_stream(
        dataset, batches, collate_fn=collate_fn, label_column=label_column,
        num_batches=max(0, (stop.epoch - start.epoch) * per_epoch
                        + stop.batch - start.batch),
        weighted=loss_per if accumulation > 1 else None)


def loss_units(dataset: datasets.Dataset, per: str,
               label_column="labels") -> np.ndarray:
    """What each example's loss is a mean over: its labelled tokens (label
    >= 0) where the loss is per token (`per="token"`), else 1."""
    if per == "token":
        return np.array([sum(1 for t in labels if t >= 0)
                         for labels in dataset[label_column]], np.float64)
    return np.ones(len(dataset))


class Windows:
    """The weight of batch k of training in its accumulation window
    (batches N*j ... N*j + N - 1, counted from the first batch of epoch 0
    in `epoch_batches` order, as the optimizers count micro-steps): its
    units times N over the window's units. A loss averaged per batch and
    weighted so, then averaged over the window (what accumulation applies),
    is the mean over the window's units. A pure function of k."""

    def __init__(self, num_examples, units, *, accumulation, batch_size,
                 seed, drop_remainder=False, lengths=None):
        self.units = np.asarray(units, np.float64)
        self.accumulation = accumulation
        self.per_epoch = steps_per_epoch(num_examples, batch_size,
                                         drop_remainder)
        self._epoch = functools.lru_cache(maxsize=4)(
            lambda epoch: [self.units[b].sum() for b in epoch_batches(
                num_examples, batch_size=batch_size, seed=seed,
                epoch=epoch, drop_remainder=drop_remainder,
                lengths=lengths)])

    def units_of(self, k: int) -> float:
        return self._epoch(k // self.per_epoch)[k % self.per_epoch]

    def __call__(self, k: int) -> float:
        first = k - k % self.accumulation
        window = sum(self.units_of(j)
                     for j in range(first, first + self.accumulation))
        return self.units_of(k) * self.accumulation / max(window, 1.0)


def index_stream(dataset: datasets.Dataset, batches, *, collate_fn,
                 label_column="labels", num_batches=None,
                 weighted=None) -> tf.data.Dataset:
    """The batches `batches()` yields (arrays of example indices), collated
    by `collate_fn`: `(features, labels)`, or features alone without a
    label column. Every dimension but the rank is left unknown, whatever
    the data (`Dataset.to_tf_dataset` guesses static lengths from a few
    samples, and fails on a batch padded shorter than they were).
    `weighted` ("example" or "token"): `batches()` yields (indices,
    weight) pairs, and the stream `(features, labels, weights)`, each
    row (or each label of a row) weighing `weight`.

    `num_batches`, how many batches `batches()` yields, becomes the
    stream's cardinality (checked as it runs): Keras then knows where the
    data ends instead of warning that it "ran out of data"."""
    names = (*MODEL_INPUTS, *DECODER_INPUTS, label_column)
    inputs = [c for c in names if c in dataset.column_names]
    source = dataset.select_columns(inputs).with_format(None)

    def collate(indices):
        rows = source[[int(i) for i in indices]]
        examples = [dict(zip(rows, values)) for values in zip(*rows.values())]
        batch = collate_fn(examples)
        return [np.asarray(batch[k]).astype(np.int32) for k in keys]

    sample = collate_fn([source[i] for i in range(min(2, len(source)))])
    keys = [k for k in names if k in sample]
    ranks = {k: np.ndim(sample[k]) for k in keys}

    def structure(*tensors):
        for key, tensor in zip(keys, tensors):
            tensor.set_shape([None] * ranks[key])
        parts = dict(zip(keys, tensors))
        label = parts.pop(label_column, None)
        return parts if label is None else (parts, label)

    def collated(idx):
        return structure(*tf.numpy_function(
            collate, [idx], [tf.int32] * len(keys), stateful=False))

    def weighed(idx, weight):
        features, labels = collated(idx)
        shape = tf.shape(labels)[:2 if weighted == "token" else 1]
        return features, labels, tf.fill(shape, weight)

    if weighted:
        stream = tf.data.Dataset.from_generator(
            lambda: ((np.asarray(b, np.int64), np.float32(w))
                     for b, w in batches()),
            output_signature=(tf.TensorSpec([None], tf.int64),
                              tf.TensorSpec([], tf.float32)))
    else:
        stream = tf.data.Dataset.from_generator(
            lambda: (np.asarray(b, np.int64) for b in batches()),
            output_signature=tf.TensorSpec([None], tf.int64))
    stream = stream.map(weighed if weighted else collated,
                        num_parallel_calls=tf.data.AUTOTUNE)
    if num_batches is not None:
        stream = stream.apply(
            tf.data.experimental.assert_cardinality(num_batches))
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA)
    # No autotuning model thread: in TF 2.21 an iterator's destruction
    # (fit's, at the end of training) can wait out that thread's sleep,
    # which grows to 60 s; runs here stalled 22-60 s after their last step
    # (caught by gdb: ~RootDataset::Iterator joining Model::OptimizeLoop).
    # AUTOTUNE above then means the core count for the map and TF's
    # built-in buffer tuning for the prefetch.
    options.autotune.enabled = False
    return stream.with_options(options).prefetch(tf.data.AUTOTUNE)


def batches_of(order, batch_size: int, drop_remainder=False):
    """`order` (example indices) cut into consecutive batches of
    `batch_size`: the last one shorter, or dropped with `drop_remainder`;
    no batch for no examples."""
    batches = np.split(order, range(batch_size, len(order), batch_size))
    if not len(order) or (drop_remainder and len(batches[-1]) < batch_size):
        batches = batches[:-1]
    return batches
