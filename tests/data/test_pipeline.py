"""The streams: seeded epoch orders, any start position, unknown lengths."""

import random

import datasets
import numpy as np
import pytest
import tensorflow as tf

from tfft.data import pipeline
from tfft.data.collators import PadToLongest
from tfft.data.pipeline import Position


def dataset(n):
    return datasets.Dataset.from_list(
        [{"input_ids": [1] * (1 + i % 5), "token_type_ids": [0] * (1 + i % 5),
          "labels": i} for i in range(n)])


def labels(stream):
    return [y.numpy().tolist() for _, y in stream]


def test_each_epoch_is_a_seeded_permutation():
    full = list(pipeline.batch_indices(
        10, batch_size=4, seed=3, start=Position(0, 0), stop=Position(3, 0)))
    assert [len(b) for b in full] == [4, 4, 2] * 3  # the remainder is kept
    epochs = [np.concatenate(full[i:i + 3]) for i in (0, 3, 6)]
    assert all(sorted(e) == list(range(10)) for e in epochs)
    assert not np.array_equal(epochs[0], epochs[1])  # reshuffled per epoch
    again = list(pipeline.batch_indices(
        10, batch_size=4, seed=3, start=Position(0, 0), stop=Position(3, 0)))
    other = list(pipeline.batch_indices(
        10, batch_size=4, seed=4, start=Position(0, 0), stop=Position(1, 0)))
    assert all(np.array_equal(a, b) for a, b in zip(full, again))
    assert not np.array_equal(np.concatenate(other), epochs[0])
    dropped = list(pipeline.batch_indices(
        10, batch_size=4, seed=3, start=Position(0, 0), stop=Position(2, 0),
        drop_remainder=True))
    assert [len(b) for b in dropped] == [4, 4, 4, 4]


def test_a_stream_started_anywhere_continues_the_whole_one():
    ds = dataset(21)  # 6 batches of 4 per epoch, the last of 1
    collate = PadToLongest(pad_id=0)

    def stream(start, stop):
        tf_stream = pipeline.train_stream(
            ds, batch_size=4, collate_fn=collate, seed=7, start=start,
            stop=stop)
        batches = labels(tf_stream)
        # Keras reads where the data ends from the cardinality.
        assert tf_stream.cardinality().numpy() == len(batches)
        return batches

    whole = stream(Position(0, 0), Position(3, 0))
    assert len(whole) == 18
    assert stream(Position(1, 4), Position(2, 0)) == whole[10:12]
    assert stream(Position(1, 4), Position(3, 0)) == whole[10:]
    assert stream(Position(2, 0), Position(3, 0)) == whole[12:]


def test_accumulation_weights_follow_the_optimizer_windows():
    """With accumulation N, each batch's rows weigh its share of its
    window's loss units times N (windows of N batches counted from the
    first batch of training, across epoch ends, as the optimizers count);
    a resumed stream gives the whole one's weights."""
    ds = datasets.Dataset.from_list(
        [{"input_ids": [1] * (2 + i % 4),
          "labels": [-100] + [i % 3] * (1 + i % 4)} for i in range(10)])
    units = [1 + i % 4 for i in range(10)]  # labels >= 0 per example
    collate = PadToLongest(pad_id=0, sequence_columns=("input_ids",
                                                       "labels"),
                           pad_values={"labels": -100})
    N = 3  # noqa: N806 (4 batches per epoch: windows straddle epochs)

    def stream(start, stop, per):
        out = []
        for features, y, weights in pipeline.train_stream(
                ds, batch_size=3, collate_fn=collate, seed=1, start=start,
                stop=stop, accumulation=N, loss_per=per):
            w = weights.numpy()
            assert w.shape == (y.shape if per == "token" else y.shape[:1])
            assert np.all(w == w.flat[0])
            out.append((float(w.flat[0]), y.numpy()))
        return out

    for per in ("token", "example"):
        whole = stream(Position(0, 0), Position(3, 0), per)
        assert len(whole) == 12  # 4 windows of 3 batches
        for first in range(0, 12, N):
            window = whole[first:first + N]
            share = [(y >= 0).sum() if per == "token" else len(y)
                     for _, y in window]
            for (weight, _), part in zip(window, share):
                assert weight == pytest.approx(part * N / sum(share))
        resumed = stream(Position(1, 3), Position(3, 0), per)  # batch 7
        assert [w for w, _ in resumed] == [w for w, _ in whole[7:]]
        assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(
            resumed, whole[7:]))
    assert sorted(units) == sorted(pipeline.loss_units(ds, "token"))
    assert list(pipeline.loss_units(ds, "example")) == [1] * 10


def test_stream_batches_are_padded_int32():
    ds = dataset(8)
    stream = pipeline.train_stream(
        ds, batch_size=4, collate_fn=PadToLongest(pad_id=0, buckets=[8]),
        seed=0, start=Position(0, 0), stop=Position(1, 0))
    features, y = next(iter(stream))
    assert sorted(features) == ["attention_mask", "input_ids",
                                "token_type_ids"]
    assert features["input_ids"].shape == (4, 8)
    assert all(t.dtype == tf.int32 for t in (*features.values(), y))
    rows = ds[[int(i) for i in y.numpy()]]["input_ids"]
    np.testing.assert_array_equal(
        features["attention_mask"].numpy().sum(1), [len(r) for r in rows])


def test_group_by_length_pads_less_and_keeps_the_guarantees():
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 120, size=1000)
    kwargs = dict(batch_size=16, seed=1, start=Position(0, 0),
                  stop=Position(2, 0))
    grouped = list(pipeline.batch_indices(1000, lengths=lengths, **kwargs))
    plain = list(pipeline.batch_indices(1000, **kwargs))

    def padded_tokens(batches):
        return sum(len(b) * lengths[b].max() for b in batches)

    # Every epoch still visits every example once, in a fresh order.
    per_epoch = len(grouped) // 2
    for e in range(2):
        seen = np.concatenate(grouped[e * per_epoch:(e + 1) * per_epoch])
        assert sorted(seen) == list(range(1000))
    assert not np.array_equal(grouped[0], grouped[per_epoch])
    assert padded_tokens(grouped) < 0.7 * padded_tokens(plain)
    # Seeded, and a stream can start at any position.
    again = list(pipeline.batch_indices(1000, lengths=lengths, **kwargs))
    assert all(np.array_equal(a, b) for a, b in zip(grouped, again))
    tail = list(pipeline.batch_indices(
        1000, batch_size=16, seed=1, start=Position(1, 5),
        stop=Position(2, 0), lengths=lengths))
    assert all(np.array_equal(a, b)
               for a, b in zip(tail, grouped[per_epoch + 5:]))
    assert len(tail) == per_epoch - 5


def test_to_tf_dataset_reshuffles_each_iteration_from_its_seed():
    def epochs(seed):
        stream = pipeline.to_tf_dataset(dataset(10), batch_size=4,
                                        shuffle=True, seed=seed,
                                        collate_fn=PadToLongest(pad_id=0))
        return [sum(labels(stream), []) for _ in range(2)]

    first, again, other = epochs(1), epochs(1), epochs(2)
    assert first == again
    assert first[0] != first[1]  # a fresh order per iteration
    assert first[0] != other[0]
    assert all(sorted(e) == list(range(10)) for e in first + other)
    in_order = pipeline.to_tf_dataset(dataset(10), batch_size=4,
                                      collate_fn=PadToLongest(pad_id=0))
    assert labels(in_order) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert in_order.cardinality().numpy() == 3
    dropped = pipeline.to_tf_dataset(dataset(10), batch_size=4,
                                     drop_remainder=True, shuffle=True,
                                     collate_fn=PadToLongest(pad_id=0))
    assert [len(y) for y in labels(dropped)] == [4, 4]
    assert dropped.cardinality().numpy() == 2


def test_to_tf_dataset_takes_a_last_batch_shorter_than_the_rest():
    # 36 long examples, then 4 short ones: only the last batch is short.
    # A static length guessed from sampled examples (what
    # `Dataset.to_tf_dataset` does; `random.seed(4)` makes its 20 samples
    # miss the short ones) would reject it.
    ids = [[1] * 12] * 36 + [[1] * 3] * 4
    ds = datasets.Dataset.from_dict(
        {"input_ids": ids, "token_type_ids": [[0] * len(i) for i in ids],
         "labels": [0] * 40})
    random.seed(4)
    stream = pipeline.to_tf_dataset(ds, batch_size=4,
                                    collate_fn=PadToLongest(pad_id=0))
    widths = [f["input_ids"].shape[1] for f, _ in stream]
    assert widths == [12] * 9 + [3]


def test_index_stream_leaves_lengths_unknown():
    ds = datasets.Dataset.from_dict({"input_ids": [[5, 6, 7]] * 4,
                                     "labels": [0, 1, 0, 1]})
    stream = pipeline.index_stream(
        ds, lambda: iter([[0, 1], [2, 3]]),
        collate_fn=PadToLongest(pad_id=0))
    features, labels = stream.element_spec
    assert features["input_ids"].shape.as_list() == [None, None]
    assert labels.shape.as_list() == [None]
    assert [f["input_ids"].numpy().tolist() for f, _ in stream] == [
        [[5, 6, 7]] * 2] * 2


def test_streams_run_without_the_autotuning_thread():
    # TF 2.21's autotuning thread sleeps up to 60 s between rounds, and an
    # iterator's destruction could wait it out: runs stalled 22-60 s after
    # their last step. Training and evaluation streams must not start it.
    ds = dataset(8)
    collate = PadToLongest(pad_id=0)
    streams = [pipeline.to_tf_dataset(ds, batch_size=4, collate_fn=collate),
               pipeline.train_stream(ds, batch_size=4, collate_fn=collate,
                                     seed=0, start=Position(0, 0),
                                     stop=Position(1, 0))]
    for stream in streams:
        assert stream.options().autotune.enabled is False
        assert sorted(sum(labels(stream), [])) == list(range(8))
