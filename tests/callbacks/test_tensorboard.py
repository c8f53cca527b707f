import glob
import os

import pytest
import tensorflow as tf

from tfft.callbacks.tensorboard import TensorBoard


def scalars(logdir):
    """{run: {tag: [(step, value), ...]}} from the event files."""
    found = {}
    for path in glob.glob(os.path.join(logdir, "*", "events.out.*")):
        run = os.path.basename(os.path.dirname(path))
        for record in tf.data.TFRecordDataset(path):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                number = float(tf.make_ndarray(value.tensor))
                found.setdefault(run, {}).setdefault(value.tag, []).append(
                    (event.step, number))
    return found


class Model:
    optimizer = None


def test_hooks_write_batch_and_epoch_scalars_and_the_step_resumes(tmp_path):
    logdir = str(tmp_path)
    cb = TensorBoard(logdir, update_freq=2)
    cb.set_model(Model())
    for batch in range(5):
        cb.on_train_batch_end(batch, {"loss": float(batch)})
    cb.on_epoch_end(0, {"loss": 2.0, "val_loss": 3.0, "val_f1": 0.5})
    resumed = TensorBoard(logdir, update_freq=2)
    resumed.set_state(cb.get_state())
    resumed.set_model(Model())
    resumed.on_train_batch_end(0, {"loss": 9.0})
    cb.on_train_end()
    resumed.on_train_end()
    found = scalars(logdir)
    assert sorted(found["train"]["loss"]) == [(2, 1.0), (4, 3.0), (6, 9.0)]
    assert found["train"]["epoch_loss"] == [(0, 2.0)]
    assert found["validation"] == {"epoch_loss": [(0, 3.0)],
                                   "epoch_f1": [(0, 0.5)]}


@pytest.mark.parametrize("family", ["keras_hub", "hf"])
def test_inside_fit(kit, family, tmp_path):
    k = kit(family)
    logdir = str(tmp_path / "tb")
    history = k.fit([TensorBoard(logdir, update_freq=5)], epochs=2).history
    found = scalars(logdir)
    assert [v for _, v in found["train"]["epoch_loss"]] == pytest.approx(
        history["loss"])
    assert [v for _, v in found["validation"]["epoch_loss"]] == \
        pytest.approx(history["val_loss"])
    # 12 batches per epoch, every 5th: steps 5, 10, 15, 20.
    assert [s for s, _ in found["train"]["loss"]] == [5, 10, 15, 20]
    rates = [v for _, v in found["train"]["learning_rate"]]
    assert len(rates) == 4 and rates[0] > 0 and rates[-1] != rates[0]
