"""`tfft.models.dropout`: keep masks from 16-bit random numbers, and the
train steps of both families drawing every dropout mask that way."""

import numpy as np
import pytest
import tensorflow as tf

from tests.models.test_families import batch
from tests.models.test_families import task_and_config
from tfft import keras_compat
from tfft.models import builder
from tfft.models import dropout


def _draw(words):
    return lambda shape: tf.constant(words, tf.uint32)


def test_each_16_bit_half_of_a_word_decides_one_element():
    # Little-endian halves: 0x0000ffff is [0xffff, 0x0000]: keep, drop.
    low = dropout.threshold(0.1)
    words = [0x0000FFFF, (low << 16) | (low - 1), 0xFFFF0000]
    out = dropout.drop(tf.ones([5]), 0.1, _draw(words))
    scale = 65536 / (65536 - low)
    np.testing.assert_allclose(out, [scale, 0, 0, scale, 0], rtol=1e-6)


def test_the_mask_drops_at_the_rate_and_keeps_the_expectation():
    n = 1 << 20
    words = tf.random.stateless_uniform([n // 2], [3, 4], minval=None,
                                        maxval=None, dtype=tf.uint32)
    for dtype in (tf.float32, tf.bfloat16):
        out = dropout.drop(tf.ones([n // 1024, 1024], dtype), 0.1,
                           _draw(words))
        dropped = float(tf.reduce_mean(tf.cast(out == 0, tf.float32)))
        # 4 standard deviations of a binomial mean over 2^20 draws: 0.0012.
        assert abs(dropped - 0.1) < 0.0012
        mean = float(tf.reduce_mean(tf.cast(out, tf.float32)))
        assert abs(mean - 1) < 0.002 + (0.01 if dtype == tf.bfloat16 else 0)


def test_an_odd_size_and_a_noise_shape():
    out = dropout.drop(tf.ones([3]), 0.5, _draw([0xFFFF0000, 0x0000FFFF]))
    np.testing.assert_allclose(out, [0, 2, 2])
    # One mask value per row, broadcast along the rows' 4 elements.
    x = tf.reshape(tf.range(1, 9, dtype=tf.float32), [2, 4])
    out = dropout.drop(x, 0.5, _draw([0x0000FFFF]), noise_shape=[2, 1])
    np.testing.assert_allclose(out, [[2, 4, 6, 8], [0, 0, 0, 0]])


def test_rates_16_bits_cannot_hold_are_left_to_keras():
    assert dropout.applies(0.1) and dropout.applies(0.999)
    for rate in (0, 0.0, 1, 1.0, 1e-6, 1 - 1e-6, True, tf.constant(0.1)):
        assert not dropout.applies(rate)


@pytest.mark.parametrize("family", ["keras_hub", "hf"])
def test_a_train_step_draws_every_dropout_mask_from_16_bit_numbers(
        tiny_bert, family, monkeypatch):
    """Each dropout layer of the model, the backbone's and the head's, goes
    through `dropout.drop` when `fit` traces its step (tf_keras layers
    draw from the seeded generators `keras_compat.set_seed` gives them),
    and the model trains; outside a train step Keras' own dropout is
    back."""
    keras = keras_compat.keras_for(family)
    keras_compat.set_seed(0)
    task, config = task_and_config(tiny_bert, family, "tfft")
    config.model.dropout = 0.1
    model = builder.build(config.model, task).model
    layers = [layer for layer in model._flatten_layers()
              if isinstance(layer, keras.layers.Dropout) and layer.rate > 0]
    calls, drop = [], dropout.drop

    def counting(inputs, rate, draw, noise_shape=None):
        calls.append(rate)
        return drop(inputs, rate, draw, noise_shape)

    monkeypatch.setattr(dropout, "drop", counting)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True))
    x = batch(builder.build(config.model, task).tokenizer,
              ["good movie", "the plot was dull"] * 4)
    y = np.array([0, 1] * 4)
    history = model.fit(x, y, epochs=8, batch_size=8, verbose=0)
    # Once per layer in each trace of the step (Keras 3 traces it twice).
    assert layers and calls and len(calls) % len(layers) == 0
    assert set(calls) == {0.1}
    assert history.history["loss"][-1] < history.history["loss"][0]
    before = len(calls)
    layers[0](tf.ones([4, 4]), training=True)
    assert len(calls) == before
