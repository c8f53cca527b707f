import keras
import numpy as np
import pytest
import tensorflow as tf
import tf_keras

from tfft.config import default_config
from tfft.training.optimization import build_optimizer
from tfft.training.optimization import fused_adamw
from tfft.training.optimization import lr_multipliers
from tfft.training.optimization import set_lr_multipliers
from tfft.training.optimization import warmup_linear_decay


@pytest.mark.parametrize("k", [keras, tf_keras])
def test_warmup_then_linear_decay(k):
    schedule = warmup_linear_decay(k, 1.0, warmup_steps=10, total_steps=110)
    assert isinstance(schedule, k.optimizers.schedules.LearningRateSchedule)
    values = [float(schedule(s)) for s in (0, 5, 10, 60, 110, 200)]
    np.testing.assert_allclose(values, [0, 0.5, 1.0, 0.5, 0.0, 0.0],
                               atol=1e-6)
    assert schedule.get_config()["total_steps"] == 110


@pytest.mark.parametrize("k", [keras, tf_keras])
def test_adamw_skips_decay_on_bias_and_layer_norm(k):
    train = default_config().train
    train.weight_decay = 0.5
    train.learning_rate = 1e-3
    opt = build_optimizer(k, train, total_steps=100)
    model = k.Sequential([k.layers.Dense(2, input_shape=(3,)) if k is
                          tf_keras else k.layers.Dense(2),
                          k.layers.LayerNormalization()])
    model.build((None, 3))
    excluded = {v.name: opt._use_weight_decay(v) for v in model.weights}
    decayed = [n for n, used in excluded.items() if used]
    assert any("kernel" in n for n in decayed)
    assert not any(n.endswith(("bias", "gamma", "beta")) or "bias:" in n
                   for n in decayed)


def _train(k, optimizer, steps=5, strategy=None, dense=False):
    """Weights after `steps` updates of a tiny embedding + dense model (the
    embedding's gradient is sparse, made `dense` if asked; its ids repeat)
    by `optimizer`, from a fixed start."""
    strategy = strategy or tf.distribute.get_strategy()
    rng = np.random.default_rng(0)
    with strategy.scope():
        table = tf.Variable(rng.normal(size=(50, 8)).astype("float32"),
                            name="embeddings")
        kernel = tf.Variable(rng.normal(size=(8, 3)).astype("float32"),
                             name="kernel")
        bias = tf.Variable(np.zeros(3, "float32"), name="bias")
        variables = [table, kernel, bias]
        optimizer.build(variables)
    ids = tf.constant(rng.integers(0, 50, size=(16, 4)), tf.int32)
    target = tf.constant(rng.normal(size=(16, 3)).astype("float32"))

    @tf.function
    def step():
        def replica():
            with tf.GradientTape() as tape:
                hidden = tf.reduce_mean(tf.gather(table, ids), axis=1)
                out = tf.matmul(hidden, kernel) + bias
                loss = tf.reduce_mean(tf.square(out - target)) / (
                    strategy.num_replicas_in_sync)  # replicas' grads add
            grads = tape.gradient(loss, variables)
            applied = [tf.convert_to_tensor(g) for g in grads] if dense \
                else grads
            optimizer.apply_gradients(zip(applied, variables))
            return grads[0]
        return strategy.run(replica)

    for _ in range(steps):
        sparse = step()
    return [v.numpy() for v in variables], step, sparse


def traced_ops(fn):
    """The op types of `fn`'s traced graph, nested functions included."""
    graph = fn.get_concrete_function().graph.as_graph_def()
    return [n.op for n in graph.node] + [
        n.op for f in graph.library.function for n in f.node_def]


@pytest.mark.parametrize("k", [keras, tf_keras])
def test_fused_adamw_is_keras_adamw_on_dense_gradients_in_one_kernel(k):
    args = dict(learning_rate=0.05, weight_decay=0.1, epsilon=1e-6)
    stock = k.optimizers.AdamW(**args)
    stock.exclude_from_weight_decay(var_names=["bias"])
    fused = fused_adamw(k)(**args)
    fused.exclude_from_weight_decay(var_names=["bias"])

    expected, _, _ = _train(k, stock, dense=True)
    got, step, sparse = _train(k, fused)

    assert isinstance(sparse, tf.IndexedSlices)  # the gather's gradient
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    assert not np.allclose(expected[0], _train(k, k.optimizers.AdamW(
        **args), steps=4, dense=True)[0][0], atol=1e-3)  # it can fail
    assert traced_ops(step).count("ResourceApplyAdam") == 3


@pytest.mark.parametrize("k", [keras, tf_keras])
def test_fused_adamw_under_mirrored_runs_keras_own_step(k):
    args = dict(learning_rate=0.05, weight_decay=0.1, epsilon=1e-6)
    mirrored = tf.distribute.MirroredStrategy(["CPU:0", "CPU:1"])
    expected, _, _ = _train(k, k.optimizers.AdamW(**args), dense=True)
    with mirrored.scope():
        fused = fused_adamw(k)(**args)
    got, step, _ = _train(k, fused, strategy=mirrored)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    assert "ResourceApplyAdam" not in traced_ops(step)


def _one_rate_per_variable(k, rates, steps, **args):
    """The `_train` weights when each variable takes its own stock AdamW at
    its own rate (the reference for learning-rate multipliers)."""
    return [_train(k, k.optimizers.AdamW(learning_rate=rate, **args),
                   steps=steps, dense=True)[0][i]
            for i, rate in enumerate(rates)]


@pytest.mark.parametrize("k", [keras, tf_keras])
@pytest.mark.parametrize("path", ["fused", "amsgrad", "mirrored"])
def test_lr_multipliers_scale_each_variables_rate_in_every_path(k, path):
    args = dict(weight_decay=0.0, epsilon=1e-6, amsgrad=path == "amsgrad")
    strategy = (tf.distribute.MirroredStrategy(["CPU:0", "CPU:1"])
                if path == "mirrored" else tf.distribute.get_strategy())

    def scaled(steps, scales):
        with strategy.scope():
            optimizer = fused_adamw(k)(learning_rate=0.05, **args)
        original = optimizer.build

        def build(variables):  # the multipliers need the built variables
            original(variables)
            set_lr_multipliers(optimizer, [
                ([v], s) for v, s in zip(variables, scales) if s != 1.0])
        optimizer.build = build
        return _train(k, optimizer, steps=steps, strategy=strategy)[0]

    # One step from the same start: each variable's update is its own
    # AdamW's at its own rate (table x0.5, kernel x3, bias x1).
    expected = _one_rate_per_variable(k, [0.025, 0.15, 0.05], 1, **args)
    for e, g in zip(expected, scaled(1, [0.5, 3.0, 1.0])):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    # Several steps, every variable x2: AdamW at twice the rate.
    expected = _train(k, k.optimizers.AdamW(learning_rate=0.1, **args),
                      steps=4, dense=True)[0]
    got = scaled(4, [2.0, 2.0, 2.0])
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    unscaled = _train(k, k.optimizers.AdamW(learning_rate=0.05, **args),
                      steps=4, dense=True)[0]
    assert not np.allclose(got[1], unscaled[1], atol=1e-3)  # it can fail


def test_lr_multipliers_of_layers_embeddings_and_head():
    embeddings, layers, head = ["e1", "e2"], [["a"], ["b"], ["c"]], ["h"]
    got = lr_multipliers(embeddings, layers, head, head=10.0,
                         layer_decay=0.5)
    assert got == [(["e1", "e2"], 0.0625), (["h"], 10.0), (["a"], 0.125),
                   (["b"], 0.25), (["c"], 0.5)]
    assert lr_multipliers(embeddings, layers, head) == []
    assert lr_multipliers(embeddings, layers, head, head=3.0) == [
        (["h"], 3.0)]


@pytest.mark.parametrize("family", ["keras_hub", "hf"])
def test_a_models_head_layers_and_embeddings_get_their_multipliers(
        kit, family):
    from tfft.models import freezing
    from tfft.training import trainer

    k = kit(family)
    train = default_config().train
    train.head_lr_multiplier, train.layer_lr_decay = 10.0, 0.5
    trainer._set_lr_multipliers(k.model, k.model.trainable_variables, train)
    optimizer = k.model.optimizer
    got = optimizer.tfft_lr_multipliers
    embeddings, layers = freezing.parts(k.model)  # the tiny BERT's 2
    expected = {optimizer._var_key(v): scale for parts, scale in (
        (embeddings, 0.125), (layers[:1], 0.25), (layers[1:], 0.5))
        for layer in parts for v in layer.weights}
    head = [v for v in k.model.trainable_variables
            if optimizer._var_key(v) not in expected]
    assert head and all("embedding" not in v.name for v in head)
    expected.update({optimizer._var_key(v): 10.0 for v in head})
    assert got == expected
    assert all(optimizer._var_key(v) in got
               for v in k.model.trainable_variables)
