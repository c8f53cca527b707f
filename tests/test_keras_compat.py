"""`tfft.keras_compat`: what differs between the two Keras flavours.

`weights_cast_once`: under a mixed policy, a loop traced inside the block
reads one cast of each weight made before the loop, where TensorFlow would
otherwise read and cast every weight at every step; the outputs are the
same, and nothing outlives the block."""

import contextlib

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import weight_casts
from tfft import keras_compat

FAMILY_OF_FLAVOUR = {"tf_keras": "hf", "keras": "keras_hub"}


def _model(flavour, policy):
    family = FAMILY_OF_FLAVOUR[flavour]
    keras = keras_compat.keras_for(family)
    with keras_compat.precision(family, policy):
        inputs = keras.Input((8,))
        x = keras.layers.Dense(16, activation="gelu")(inputs)
        outputs = keras.layers.Dense(8)(x)
        model = keras.Model(inputs, outputs)
    model.set_weights([np.random.RandomState(i).randn(*w.shape)
                       .astype(np.float32) / 4
                       for i, w in enumerate(model.get_weights())])
    return model


def _looped(model, hoist: bool, steps: int = 4):
    """A function applying `model` `steps` times in a while loop."""

    def body(i, x):
        return i + 1, tf.cast(model(x), tf.float32)

    def run(x):
        with (keras_compat.weights_cast_once(model) if hoist
              else contextlib.nullcontext()):
            return tf.while_loop(lambda i, x: i < steps, body,
                                 (tf.constant(0), x))[1]

    return tf.function(run, input_signature=[
        tf.TensorSpec([None, 8], tf.float32)], autograph=False)


@pytest.mark.parametrize("flavour", sorted(FAMILY_OF_FLAVOUR))
def test_a_loop_under_a_mixed_policy_casts_no_weight_per_step(flavour):
    model = _model(flavour, "mixed_bfloat16")
    hoisted, plain = _looped(model, True), _looped(model, False)
    # Without the block the loop's body casts each of the four kernels
    # and biases at every step; with it, none.
    assert sum(weight_casts(plain.get_concrete_function()).values()) >= 4
    assert weight_casts(hoisted.get_concrete_function()) == {}
    x = np.random.RandomState(9).randn(3, 8).astype(np.float32)
    np.testing.assert_allclose(hoisted(x).numpy(), plain(x).numpy(),
                               rtol=2e-2, atol=2e-2)
    # Nothing outlives the block: the variables read and cast as before,
    # eagerly and in a function traced afterwards.
    assert not any(hasattr(v, "_tfft_cast") or
                   "_maybe_autocast" in vars(v) for v in model.variables)
    if flavour == "tf_keras":
        from tf_keras.src.mixed_precision import autocast_variable

        assert {type(v) for v in model.variables} == {
            autocast_variable.AutoCastVariable}
    assert weight_casts(_looped(model, False).get_concrete_function())


@pytest.mark.parametrize("flavour", sorted(FAMILY_OF_FLAVOUR))
def test_the_outputs_are_those_of_the_same_casts_made_at_each_read(flavour):
    """float16, whose CPU kernels sum in a fixed order: bit for bit."""
    model = _model(flavour, "mixed_float16")
    x = np.random.RandomState(3).randn(5, 8).astype(np.float32)
    np.testing.assert_array_equal(_looped(model, True)(x).numpy(),
                                  _looped(model, False)(x).numpy())


@pytest.mark.parametrize("flavour", sorted(FAMILY_OF_FLAVOUR))
def test_float32_models_and_eager_code_are_left_alone(flavour):
    model = _model(flavour, "float32")
    with keras_compat.weights_cast_once(model):  # eager: a no-op
        assert not any(hasattr(v, "_tfft_cast") for v in model.variables)
    # float32: nothing to cast, in a trace or not.
    concrete = _looped(model, True).get_concrete_function()
    assert weight_casts(concrete) == {}
    mixed = _model(flavour, "mixed_bfloat16")
    with keras_compat.weights_cast_once(mixed):
        assert not any(hasattr(v, "_tfft_cast") for v in mixed.variables)
