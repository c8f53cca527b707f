import keras
import numpy as np
import pytest
import tensorflow as tf
import tf_keras

from tfft.config import default_config
from tfft.training.optimization import build_optimizer
from tfft.training.optimization import fused_adamw
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
