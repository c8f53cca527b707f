import random
import warnings

import datasets
import numpy as np
import pytest

from tfft.inference import model_outputs


@pytest.mark.parametrize("family", ["keras_hub", "hf"])
def test_outputs_come_back_in_the_data_order(kit, family):
    k = kit(family)
    # Lengths 1..12 words in a scrambled order: sorting them for the batches
    # must not reorder (or mix up) the outputs.
    words = "great awful fine dull superb boring".split()
    sizes = [7, 1, 12, 3, 9, 2, 11, 5, 4, 10, 8, 6]
    texts = [" ".join(words[i % 6] for i in range(n)) for n in sizes]
    tokenized = k.task.tokenize(datasets.Dataset.from_dict(
        {"text": texts, "labels": [0] * len(texts)}), k.bundle.tokenizer)

    k.model.predict_function = None  # traced afresh (the kit is shared)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # Batches of 5, 5 and 2, the last filled up to 5 with copies
        # whose outputs are dropped.
        outputs = model_outputs(k.model, k.task, tokenized,
                                k.bundle.tokenizer, batch_size=5)
        # Again: the same function serves the other lengths.
        again = model_outputs(k.model, k.task, tokenized.select(range(4)),
                              k.bundle.tokenizer, batch_size=4)
    # Keras knows where the data ends (no "ran out of data" warning).
    assert not [w for w in caught if "ran out of data" in str(w.message)]
    # One trace for batches of every length (Keras 3 alone traces the
    # first batch's shape, then a relaxed one).
    assert k.model.predict_function.experimental_get_tracing_count() == 1
    np.testing.assert_allclose(again, outputs[:4], atol=1e-5)

    collate = k.task.collator(k.bundle.tokenizer)
    one_by_one = []
    for row in tokenized:  # each alone: no padding at all
        batch = collate([{key: v for key, v in row.items()
                          if key != "labels"}])
        out = k.model({key: np.asarray(v, np.int32)
                       for key, v in batch.items()}, training=False)
        one_by_one.append(np.asarray(getattr(out, "logits", out))[0])
    np.testing.assert_allclose(outputs, np.stack(one_by_one), atol=1e-5)
    # A random model still tells these texts apart: order matters.
    assert np.ptp(outputs[:, 0]) > 1e-4


def test_a_last_batch_shorter_than_all_the_others(kit):
    # Every text but four fills max_length: the last (sorted) batch is the
    # only short one. Shapes guessed from a few sampled examples (what
    # `Dataset.to_tf_dataset` does; seeded here so that its guess is the
    # static full length) would reject it.
    k = kit("keras_hub")
    long_text = " ".join(["great awful fine dull"] * 10)
    texts = [long_text] * 36 + ["fine"] * 4
    tokenized = k.task.tokenize(datasets.Dataset.from_dict(
        {"text": texts, "labels": [0] * len(texts)}), k.bundle.tokenizer)
    lengths = [len(ids) for ids in tokenized["input_ids"]]
    assert max(lengths[36:]) < min(lengths[:36])

    random.seed(4)  # its 20 one-example samples: none of the short ones
    outputs = model_outputs(k.model, k.task, tokenized, k.bundle.tokenizer,
                            batch_size=4)

    assert outputs.shape == (40, 2)
    np.testing.assert_allclose(outputs[:36], np.repeat(outputs[:1], 36, 0),
                               atol=1e-5)

