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
- AutoGraph: Keras 3 traces its train, test and predict steps without it;
  tf_keras converts them and every layer's `call`, so the hf family's
  `TaskModel` traces its steps `do_not_convert`, and with AutoGraph for a
  model whose Python branches on a tensor (BART's decoder).
- Mixed precision reads: both flavours keep float32 weights and cast each
  one to the compute dtype where a layer reads it (tf_keras'
  `AutoCastVariable`, Keras 3's `Variable._maybe_autocast`), so a traced
  loop casts every weight at every step; `weights_cast_once` makes such
  reads take one cast made before the loop.
"""

import contextlib
import functools
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


@contextlib.contextmanager
def weights_cast_once(model):
    """While a function is being traced: inside the block, the reads of
    `model`'s mixed-precision weights in that function (and in the loops
    and functions traced inside it) take one cast of each weight, made
    where the block opens, instead of a read and a cast of their own.

    Under a mixed policy both flavours keep weights in float32 and cast
    each to the compute dtype wherever a layer reads it; TensorFlow does
    not move a loop's invariant ops out of it (Grappler's loop-invariant
    motion is off), so a decoding loop otherwise casts every weight at
    every generated token (for the ACLSum demo's BERT2BERT in bfloat16, a
    quarter of generation's op time). The values are the same casts, made
    earlier: the outputs do not change. Reads at another dtype, in another
    graph (eager code, another function, another thread's trace) or of a
    variable a strategy distributes are left as they were. A no-op
    outside a trace and for float32 models."""
    import tensorflow as tf

    dtype = _compute_dtype(model)
    if (dtype is None or dtype == tf.float32 or not dtype.is_floating
            or not tf.inside_function()):
        yield
        return
    graph = tf.compat.v1.get_default_graph()
    hoisted = []
    try:
        for variable in model.variables:
            if getattr(variable, "_tfft_cast", None) is not None:
                continue  # (listed twice, or hoisted by an enclosing block)
            hoist = _hoisting(variable)
            if hoist is not None:
                hoist(dtype, graph)
                hoisted.append(variable)
        yield
    finally:
        for variable in hoisted:
            _unhoist(variable)


def _compute_dtype(model):
    """The compute dtype of `model`'s dtype policy, as a `tf.DType`."""
    import tensorflow as tf

    policy = getattr(model, "dtype_policy", None)
    name = getattr(policy, "compute_dtype", None)
    return tf.as_dtype(name) if name else None


def _in_graph(graph) -> bool:
    """Whether the graph being built is `graph` or is traced inside it (a
    loop's body, a nested function), so that it may capture its tensors."""
    import tensorflow as tf

    current = tf.compat.v1.get_default_graph()
    while current is not None:
        if current is graph:
            return True
        current = getattr(current, "outer_graph", None)
    return False


def _hoisting(variable):
    """`hoist(dtype, graph)`, which casts `variable` to `dtype` in `graph`
    and makes its autocast reads there take that cast; None when it is not
    a float32 weight read through an autocast."""
    import tensorflow as tf

    keras = sys.modules.get("keras")
    if keras is not None and isinstance(variable, keras.Variable):
        if not variable._autocast or variable._value is None or \
                variable._value.dtype != tf.float32 or isinstance(
                    variable._value, tf.distribute.DistributedValues):
            return None  # (a strategy's variable: read as it was)

        def hoist(dtype, graph):
            cast = tf.cast(variable._value, dtype)  # (its tf.Variable)

            def _maybe_autocast(value):
                if value is variable._value and _in_graph(graph):
                    scope = _keras3_autocast_scope()
                    if scope is not None and scope.dtype is not None and \
                            tf.as_dtype(scope.dtype) == cast.dtype:
                        return cast
                return type(variable)._maybe_autocast(variable, value)

            variable._tfft_cast = cast
            variable._maybe_autocast = _maybe_autocast
        return hoist
    if "tf_keras" not in sys.modules:
        return None
    from tf_keras.src.mixed_precision import autocast_variable

    if type(variable) is not autocast_variable.AutoCastVariable or \
            variable.true_dtype != tf.float32:
        return None  # (a strategy's AutoCastDistributedVariable included)

    def hoist(dtype, graph):
        variable._tfft_cast = (tf.cast(variable._variable, dtype), graph)
        variable.__class__ = _cast_once_class()
    return hoist


def _unhoist(variable) -> None:
    if "_maybe_autocast" in vars(variable):  # Keras 3
        del variable._maybe_autocast
    else:
        from tf_keras.src.mixed_precision import autocast_variable

        variable.__class__ = autocast_variable.AutoCastVariable
    del variable._tfft_cast


def _keras3_autocast_scope():
    from keras.src.backend.common.variables import get_autocast_scope

    return get_autocast_scope()


@functools.cache
def _cast_once_class():
    """tf_keras' `AutoCastVariable` whose reads under an autocast to the
    hoisted cast's dtype, in the hoisting graph, return that cast. Its
    tensor conversion is registered for it (TensorFlow calls the function
    registered for `AutoCastVariable` unbound, past any override)."""
    import tensorflow as tf
    from tf_keras.src.mixed_precision import autocast_variable

    class CastOnceVariable(autocast_variable.AutoCastVariable):
        def _hoisted(self):
            cast, graph = self._tfft_cast
            if self._should_cast() and self._cast_dtype == cast.dtype \
                    and _in_graph(graph):
                return cast
            return None

        def value(self):
            cast = self._hoisted()
            return super().value() if cast is None else cast

        def read_value(self):
            cast = self._hoisted()
            return super().read_value() if cast is None else cast

        def _dense_var_to_tensor(self, dtype=None, name=None, as_ref=False):
            cast = self._hoisted()
            if cast is None or as_ref or (
                    dtype is not None
                    and not dtype.is_compatible_with(cast.dtype)):
                return super()._dense_var_to_tensor(dtype=dtype, name=name,
                                                    as_ref=as_ref)
            return cast

    tf.register_tensor_conversion_function(
        CastOnceVariable,
        lambda v, dtype=None, name=None, as_ref=False:
            v._dense_var_to_tensor(dtype=dtype, name=name, as_ref=as_ref))
    return CastOnceVariable
