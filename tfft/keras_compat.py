"""The one place that knows there are two Keras flavours.

- The `hf` family runs on **tf_keras** (Keras 2): transformers' `TF*` classes
  subclass `tf_keras.Model`.
- The `keras_hub` family runs on **Keras 3** (TensorFlow backend).

Everything else in tfft asks this module for "the Keras of this family" and
writes flavour-neutral code against it (layers, optimizers, losses and
callbacks have the same names in both). Known differences live here:

- tf_keras `fit` rejects Keras-3 callbacks; Keras-3 `fit` accepts tf_keras
  callbacks. tfft's callbacks therefore subclass tf_keras' `Callback`.
- keras-hub under MirroredStrategy crashes on a bool `padding_mask` (AddN on
  bool); tfft feeds int masks to both families.
- Dropout RNG: Keras 3 layers draw from a `SeedGenerator` whose state is
  one of `model.variables`. tf_keras draws from stateful ops whose state
  cannot be saved unless `enable_tf_random_generator()` is on (`set_seed`
  turns it on); then each layer holds a `tf.random.Generator`, outside
  `model.variables` (`rng_variables` finds them). Checkpoints need both.
- Keras 3 optimizers accumulate gradients (`gradient_accumulation_steps`,
  with `iterations` counting micro-steps inside); tf_keras ones cannot, so
  the hf family's model accumulates in its `train_step`.
- Optimizer internals: Keras 3 calls `update_step(gradient, variable,
  learning_rate)` with the `tf.Variable` inside each Keras Variable, keeps
  its slots as Keras Variables and finds them by `_get_variable_index`;
  tf_keras calls `update_step(gradient, variable)`, its slots are
  `tf.Variable`s found through `_index_dict` (`adam_state`).
- `predict`: tf_keras traces its predict function once, for the data's
  element spec (the function reads the iterator). Keras 3 hands it each
  batch's tensors, so it traces the first batch's shape, then a relaxed
  one at the next length (~0.5 s each for MiniLM); `trace_predict` traces
  the relaxed one first.
"""

import contextlib
import importlib
import os
import sys

FLAVOUR_OF_FAMILY = {"hf": "tf_keras", "keras_hub": "keras"}


def keras_for(family: str):
    """The Keras module (`tf_keras` or `keras`) a model family runs on."""
    try:
        flavour = FLAVOUR_OF_FAMILY[family]
    except KeyError:
        raise ValueError(f"unknown model family {family!r}") from None
    if flavour == "keras":
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    return importlib.import_module(flavour)


def native_gradient_accumulation(keras) -> bool:
    """Whether `keras`'s optimizers take `gradient_accumulation_steps`."""
    return keras.__name__ == "keras"


def adam_state(optimizer, variable):
    """`(variable, m, v)` as `tf.Variable`s (or distributed ones) for the
    variable an Adam `update_step` of either flavour was given (a
    `tf.Variable` in both: Keras 3 unwraps its own before the step)."""
    if hasattr(optimizer, "_get_variable_index"):  # Keras 3
        import keras

        index = optimizer._get_variable_index(variable)
        return (variable, *(
            x.value if isinstance(x, keras.Variable) else x
            for x in (optimizer._momentums[index],
                      optimizer._velocities[index])))
    index = optimizer._index_dict[optimizer._var_key(variable)]
    return (variable, optimizer._momentums[index],
            optimizer._velocities[index])


def set_seed(seed: int) -> None:
    """Seeds Python, NumPy and TensorFlow (and Keras 3's own generator),
    and makes tf_keras layers built afterwards draw dropout masks from
    seeded `tf.random.Generator`s, whose state checkpoints can hold."""
    import keras
    import tf_keras

    keras.utils.set_random_seed(seed)
    tf_keras.utils.set_random_seed(seed)
    tf_keras.backend.experimental.enable_tf_random_generator()


def rng_variables(model) -> list:
    """The variables holding `model`'s random state that are not already
    among `model.variables` (tf_keras' per-layer generators)."""
    import tf_keras

    if not isinstance(model, tf_keras.Model):
        return []
    states = []
    for layer in model._flatten_layers(include_self=True, recursive=True):
        generator = getattr(getattr(layer, "_random_generator", None),
                            "_generator", None)
        if generator is not None:
            states.append(generator.state)
    return states


@contextlib.contextmanager
def precision(family: str, policy: str):
    """Sets the family's Keras global dtype policy ("float32",
    "mixed_bfloat16", "mixed_float16") for models built inside the block,
    and restores the previous one after. Both flavours wrap the optimizer
    in a LossScaleOptimizer at `compile` when the model is mixed_float16."""
    keras = keras_for(family)
    previous = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy(policy)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def trace_predict(model, dataset) -> None:
    """Keras 3, default strategy: traces `model`'s predict function for
    `dataset`'s element spec (every length unknown), which then serves
    every batch of any length, where `predict` alone traces the first
    batch's shape and then a relaxed one. A no-op for tf_keras (it traces
    that spec itself), for eager models, with several steps per execution
    and under other strategies (their batches are per-replica values:
    Keras traces them as usual)."""
    import tensorflow as tf

    keras = sys.modules.get("keras")  # not imported: not a Keras 3 model
    if (keras is None or not isinstance(model, keras.Model)
            or model.run_eagerly
            or model.steps_per_execution != 1):
        return
    if tf.distribute.has_strategy() or not isinstance(
            model.distribute_strategy, type(tf.distribute.get_strategy())):
        return  # a strategy's scope is open, or the model was built in one
    model.make_predict_function()
    model.predict_function.get_concrete_function([dataset.element_spec])
