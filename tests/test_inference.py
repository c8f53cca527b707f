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

    outputs = model_outputs(k.model, k.task, tokenized, k.bundle.tokenizer,
                            batch_size=4)

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
