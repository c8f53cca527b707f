import json

import keras
import numpy as np
import pytest
import tf_keras

from tfft.callbacks.step_history import StepHistory


def test_hooks_driven_directly():
    cb = StepHistory(keys=("loss", "accuracy"))
    cb.set_params({"steps": 4, "epochs": 2})
    cb.on_train_begin()
    for epoch in range(2):
        cb.on_epoch_begin(epoch)
        for batch in range(4):
            cb.on_train_batch_end(batch, {"loss": 1.0 / (batch + 1)})
    assert cb.epochs == [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]
    assert cb.logs["loss"][:2] == [1.0, 0.5]
    assert all(np.isnan(cb.logs["accuracy"]))  # absent key -> NaN


def test_state_carries_a_mid_epoch_resume():
    """Killed after 2 of 4 batches of epoch 1; a new instance restored from
    the state and fed the rest continues the same fractional epochs."""
    whole = StepHistory(steps_per_epoch=4)
    for epoch in range(2):
        whole.on_epoch_begin(epoch)
        for batch in range(4):
            whole.on_train_batch_end(batch, {"loss": float(batch)})
    first = StepHistory(steps_per_epoch=4)
    for epoch, batches in ((0, 4), (1, 2)):
        first.on_epoch_begin(epoch)
        for batch in range(batches):
            first.on_train_batch_end(batch, {"loss": float(batch)})
    resumed = StepHistory(steps_per_epoch=4)
    resumed.set_state(json.loads(json.dumps(first.get_state())))
    resumed.set_params({"steps": 2})  # fit runs the 2 remaining batches
    resumed.on_epoch_begin(1)
    for batch in range(2):
        resumed.on_train_batch_end(batch, {"loss": float(batch + 2)})
    assert resumed.epochs == whole.epochs
    assert resumed.logs == whole.logs


@pytest.mark.parametrize("k", [keras, tf_keras], ids=["keras3", "tf_keras"])
def test_inside_fit_of_both_flavours(k):
    model = k.Sequential([k.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.RandomState(0).rand(40, 3).astype("float32")
    cb = StepHistory()
    model.fit(x, x[:, :1], batch_size=10, epochs=2, verbose=0,
              callbacks=[cb])
    assert cb.epochs == [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]
    assert len(cb.logs["loss"]) == 8
    assert all(np.isfinite(cb.logs["loss"]))
