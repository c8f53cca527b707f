import numpy as np
import pytest
import tf_keras

from tfft.callbacks.best_checkpoint import BestCheckpoint


def weights(model):
    return [np.array(v.numpy()) for v in model.variables]


@pytest.mark.parametrize("family", ["keras_hub", "hf"])
def test_inside_fit_keeps_the_best_epoch_and_restores_it(kit, family,
                                                         tmp_path):
    k = kit(family)
    per_epoch = []
    record = tf_keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: per_epoch.append(weights(k.model)))
    # "max" of a falling training loss: the first epoch is the best.
    best = BestCheckpoint(str(tmp_path), monitor="loss", mode="max")
    k.fit([record, best], epochs=3, validation=False)
    assert best.best_epoch == 0
    assert not all(np.array_equal(a, b)
                   for a, b in zip(per_epoch[0], weights(k.model)))
    assert best.restore(k.model) == 0
    for a, b in zip(per_epoch[0], weights(k.model)):
        np.testing.assert_array_equal(a, b)


def test_hooks_save_only_improvements_and_the_state_round_trips(kit,
                                                                tmp_path):
    k = kit("keras_hub")
    cb = BestCheckpoint(str(tmp_path), monitor="val_accuracy", mode="max")
    cb.set_model(k.model)
    with pytest.raises(FileNotFoundError):
        cb.restore(k.model)
    for epoch, value in enumerate([0.5, 0.7, 0.6]):
        cb.on_epoch_end(epoch, {"val_accuracy": value})
    assert (cb.best_epoch, cb.best) == (1, 0.7)
    assert cb.checkpoints.latest().endswith("2")  # 2 saves, newest kept
    resumed = BestCheckpoint(str(tmp_path), monitor="val_accuracy",
                             mode="max")
    resumed.set_state(cb.get_state())
    resumed.set_model(k.model)
    resumed.on_epoch_end(3, {"val_accuracy": 0.65})
    assert resumed.best_epoch == 1 and resumed.restore(k.model) == 1
