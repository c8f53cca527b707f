import keras
import numpy as np
import pytest
import tf_keras

from tfft.config import default_config
from tfft.training.optimization import build_optimizer
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
