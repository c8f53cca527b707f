import math

import numpy as np
import pytest
import tf_keras

from tfft.callbacks.checkpointer import Checkpointer
from tfft.callbacks.non_finite_guard import NonFiniteGuard
from tfft.training.checkpoint import Checkpoints


class Model:
    stop_training = False


def test_hooks_trip_on_the_first_non_finite_loss():
    guard = NonFiniteGuard()
    guard.set_model(Model())
    guard.on_epoch_begin(1)
    guard.on_train_batch_end(0, {"loss": 0.7})
    assert not guard.tripped and guard.message() == ""
    guard.on_train_batch_end(1, {"loss": math.inf})
    guard.on_train_batch_end(2, {"loss": math.nan})
    assert guard.tripped == (1, 1, math.inf) and guard.model.stop_training
    assert "loss became inf at epoch 2, batch 2" in guard.message()


def poison_at(model, batch_number):
    """Makes every weight NaN after the given batch (a diverging run)."""
    def poison(batch, logs):
        if batch == batch_number:
            for v in model.trainable_variables:
                v.assign(v * np.nan)
    return tf_keras.callbacks.LambdaCallback(on_train_batch_end=poison)


@pytest.mark.parametrize("family", ["keras_hub", "hf"])
def test_inside_fit_stops_and_the_last_checkpoint_is_good(kit, family,
                                                          tmp_path):
    k = kit(family)
    guard = NonFiniteGuard()
    saver = Checkpointer(Checkpoints(str(tmp_path)), every_steps=1,
                         steps_per_epoch=12)
    k.fit([poison_at(k.model, 4), guard, saver], epochs=3)
    assert guard.tripped[:2] == (0, 5)  # the batch after the poisoning
    latest = Checkpoints(str(tmp_path)).latest()
    state = Checkpoints.read_state(latest)
    assert tuple(state["position"]) == (0, 4)  # nothing saved after
    with np.load(f"{latest}/variables.npz") as saved:
        assert all(np.isfinite(saved[k]).all() for k in saved)
