import pytest
import tf_keras

from tfft.callbacks.ctrl_c import ReraiseCtrlC


def test_hooks_raise_once_pressed():
    pressed = []
    reraise = ReraiseCtrlC(lambda: bool(pressed))
    hooks = (reraise.on_train_batch_end, reraise.on_test_batch_end,
             reraise.on_predict_batch_end)
    for hook in hooks:
        hook(0, {"loss": 0.5})  # not pressed: nothing happens
    pressed.append(2)
    for hook in hooks:
        with pytest.raises(KeyboardInterrupt):
            hook(1, {"loss": 0.5})


def test_inside_keras3_fit_stops_at_the_batch_that_saw_the_press():
    """tf_keras' fit: tests/cli/test_failures.py, with a real signal."""
    import keras
    import numpy as np

    pressed, trained = [], []

    def record(batch, logs):
        trained.append(batch)
        if batch == 3:  # as if a swallowed Ctrl-C was recorded here
            pressed.append(2)

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(KeyboardInterrupt):
        model.fit(np.ones((64, 2)), np.ones(64), batch_size=8, epochs=3,
                  verbose=0, callbacks=[
                      tf_keras.callbacks.LambdaCallback(
                          on_train_batch_end=record),
                      ReraiseCtrlC(lambda: bool(pressed))])
    assert trained == [0, 1, 2, 3]
