import json

import pytest

from tfft.callbacks.early_stopping import EarlyStopping


class Model:
    stop_training = False


def drive(cb, values, first_epoch=0):
    for epoch, value in enumerate(values, first_epoch):
        cb.on_epoch_end(epoch, {"val_loss": value})
        if cb.model.stop_training:
            return epoch
    return None


def test_hooks_stop_after_patience_epochs_without_improvement():
    cb = EarlyStopping(patience=2)
    cb.set_model(Model())
    assert drive(cb, [1.0, 0.9, 0.95, 0.8, 0.85, 0.9, 0.7]) == 5
    assert cb.stopped and cb.stopped_epoch == 5 and cb.best == 0.8


def test_state_carries_the_counters_over_a_resume():
    cb = EarlyStopping(patience=2)
    cb.set_model(Model())
    drive(cb, [1.0, 1.1])  # one epoch without improvement so far
    resumed = EarlyStopping(patience=2)
    resumed.set_model(Model())
    resumed.set_state(json.loads(json.dumps(cb.get_state())))
    assert (resumed.wait, resumed.best) == (1, 1.0)
    assert drive(resumed, [1.2], first_epoch=2) == 2


@pytest.mark.parametrize("family", ["keras_hub", "hf"])
def test_inside_fit_stops_training(kit, family):
    k = kit(family)
    # The training loss falls every epoch: "max" never improves after the
    # first epoch, so patience 1 stops after the second.
    cb = EarlyStopping(monitor="loss", mode="max", patience=1)
    history = k.fit([cb], epochs=10, validation=False).history
    assert len(history["loss"]) == 2 and cb.stopped_epoch == 1
    assert history["loss"][1] < history["loss"][0]
