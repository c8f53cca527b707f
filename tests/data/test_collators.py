import datasets
import numpy as np
import tensorflow as tf

from tfft.data import pipeline
from tfft.data.collators import PadToLongest

EXAMPLES = [
    {"input_ids": [2, 7, 3], "token_type_ids": [0, 0, 0], "labels": 1},
    {"input_ids": [2, 9, 9, 9, 3], "token_type_ids": [0, 0, 1, 1, 1],
     "labels": 0},
]


def test_pads_to_longest_with_int_mask():
    batch = PadToLongest(pad_id=5)(EXAMPLES)
    np.testing.assert_array_equal(
        batch["input_ids"], [[2, 7, 3, 5, 5], [2, 9, 9, 9, 3]])
    np.testing.assert_array_equal(
        batch["attention_mask"], [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    np.testing.assert_array_equal(
        batch["token_type_ids"], [[0, 0, 0, 0, 0], [0, 0, 1, 1, 1]])
    assert batch["attention_mask"].dtype == np.int32
    np.testing.assert_array_equal(batch["labels"], [1, 0])


def test_same_inside_tf_data_and_widths_vary_per_batch():
    ds = datasets.Dataset.from_list(EXAMPLES * 2)  # lengths 3,5,3,5
    tf_ds = pipeline.to_tf_dataset(ds, batch_size=2, shuffle=False,
                                   collate_fn=PadToLongest(pad_id=5))
    batches = list(tf_ds)
    eager = PadToLongest(pad_id=5)(EXAMPLES)
    features, labels = batches[0]
    np.testing.assert_array_equal(features["input_ids"], eager["input_ids"])
    np.testing.assert_array_equal(labels, [1, 0])
    assert features["attention_mask"].dtype == tf.int32
    ds_short = datasets.Dataset.from_list([EXAMPLES[0]] * 2 + EXAMPLES)
    widths = [f["input_ids"].shape[1] for f, _ in pipeline.to_tf_dataset(
        ds_short, batch_size=2, shuffle=False,
        collate_fn=PadToLongest(pad_id=5))]
    assert widths == [3, 5]


def test_buckets_pad_to_the_smallest_length_that_fits():
    collate = PadToLongest(pad_id=5, buckets=[4, 8])
    assert collate(EXAMPLES[:1])["input_ids"].shape == (1, 4)  # longest 3
    assert collate(EXAMPLES)["input_ids"].shape == (2, 8)  # longest 5
    assert collate(EXAMPLES)["attention_mask"].sum() == 8
    long = [{"input_ids": list(range(10)), "token_type_ids": [0] * 10}]
    assert collate(long)["input_ids"].shape == (1, 10)  # beyond: longest


def test_task_collator_is_static_for_tpus(tiny_config):
    from types import SimpleNamespace

    from tfft.tasks import get_task

    pad = SimpleNamespace(pad_id=0)  # a tokenizer, as far as padding goes
    task = get_task("classification", tiny_config)
    tiny_config.data.bucket_lengths = "8"
    assert task.collator(pad)(EXAMPLES)["input_ids"].shape == (2, 8)
    static = task.collator(pad, static=True)(EXAMPLES)
    assert static["input_ids"].shape == (2, tiny_config.data.max_length)
