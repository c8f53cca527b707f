"""The shared pieces of the task contract: `token_loss`, `column_values`."""

import keras
import numpy as np
import pytest
import tensorflow as tf
import tf_keras

from tfft.tasks.base import column_values
from tfft.tasks.base import token_loss

# Two rows (one per replica under two): 1 and 4 labelled tokens.
LABELS = np.array([[3, -100, -100, -100], [1, 2, 0, 3]], np.int32)
X = np.array([[1.0], [-2.0]], np.float32)


def _one_step(k, strategy):
    """The weights of a [batch, 1] -> [batch, 4, 5] logits model after one
    SGD step of `fit` on LABELS under `strategy`."""
    with strategy.scope():
        model = k.Sequential([
            k.Input((1,)),
            k.layers.Dense(20, kernel_initializer=k.initializers.Constant(
                np.linspace(-1, 1, 20)[None]), bias_initializer="zeros"),
            k.layers.Reshape((4, 5))])
        model.compile(optimizer=k.optimizers.SGD(1.0), loss=token_loss)
    data = tf.data.Dataset.from_tensor_slices((X, LABELS)).batch(2)
    model.fit(data, epochs=1, verbose=0)
    return [np.array(w) for w in model.get_weights()]


def _token_mean_step():
    """The same step by hand: the mean over the 5 labelled tokens."""
    kernel = tf.Variable(np.linspace(-1, 1, 20)[None].astype(np.float32))
    bias = tf.Variable(tf.zeros([20]))
    with tf.GradientTape() as tape:
        logits = tf.reshape(X @ kernel + bias, [2, 4, 5])
        valid = LABELS >= 0
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=np.where(valid, LABELS, 0), logits=logits)
        loss = tf.reduce_sum(tf.where(valid, losses, 0.0)) / valid.sum()
    grads = tape.gradient(loss, [kernel, bias])
    return [(v - g).numpy() for v, g in zip([kernel, bias], grads)]


# Under MirroredStrategy in a process of its own: collective ops of
# strategies created earlier in the same process (other tests) can share
# the new one's instance keys, and the all-reduce then aborts.
MIRRORED = """
import sys
import numpy as np
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from tests.tasks import test_base
import keras, tf_keras
k = {"keras3": keras, "tf_keras": tf_keras}[sys.argv[1]]
weights = test_base._one_step(
    k, tf.distribute.MirroredStrategy(["CPU:0", "CPU:1"]))
np.savez(sys.argv[2], *weights)
"""


@pytest.mark.parametrize("k", [keras, tf_keras], ids=["keras3", "tf_keras"])
def test_token_loss_is_the_mean_over_the_global_batchs_tokens(k, tmp_path):
    """On one device and across two replicas (one row each, 1 and 4
    labelled tokens), the step is the mean over all 5 tokens, not the
    mean of the replicas' means."""
    import os
    import subprocess
    import sys

    expected = _token_mean_step()
    single = _one_step(k, tf.distribute.get_strategy())
    out = str(tmp_path / "mirrored.npz")
    name = "keras3" if k is keras else "tf_keras"
    child = subprocess.run(
        [sys.executable, "-c", MIRRORED, name, out], capture_output=True,
        text=True, cwd=os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))))
    assert child.returncode == 0, child.stderr[-3000:]
    with np.load(out) as f:
        mirrored = [f[f"arr_{i}"] for i in range(len(f.files))]
    for e, s, m in zip(expected, single, mirrored):
        np.testing.assert_allclose(s, e, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(m, e, rtol=1e-5, atol=1e-6)


def test_column_values_is_a_plain_list_or_none_for_a_missing_column():
    import datasets

    rows = datasets.Dataset.from_dict({"text": ["a", "b"], "label": [1, 0]})
    labels = column_values(rows, "label")
    assert type(labels) is list and labels == [1, 0]
    assert column_values(rows.remove_columns("label"), "label") is None
