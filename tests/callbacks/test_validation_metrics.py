import pytest

from tfft.callbacks.early_stopping import EarlyStopping
from tfft.callbacks.validation_metrics import ValidationMetrics
from tfft.inference import model_outputs


def test_hooks_add_numeric_results_with_the_prefix():
    cb = ValidationMetrics(lambda model: {
        "accuracy": 0.5, "num_examples": 3, "per_class": {"a": 1},
        "flag": True})
    logs = {"loss": 1.0}
    cb.on_epoch_end(0, logs)
    assert logs == {"loss": 1.0, "val_accuracy": 0.5}
    assert cb.history[0]["per_class"] == {"a": 1}


@pytest.mark.parametrize("family", ["keras_hub", "hf"])
def test_inside_fit_logs_every_module_metric(kit, family):
    k = kit(family)
    metrics = ValidationMetrics.for_task(
        k.task, k.tokenized["validation"], k.bundle.tokenizer, batch_size=8)
    # Placed after it, early stopping can watch a metric fit lacks.
    stop = EarlyStopping(monitor="val_f1_macro", mode="max", patience=5)
    history = k.fit([metrics, stop], epochs=2, validation=False).history
    for name in ("loss", "accuracy", "precision_macro", "recall_macro",
                 "f1_macro"):
        assert len(history[f"val_{name}"]) == 2, name
    # The last epoch's figures are those of the trained model.
    final = k.task.evaluate(
        model_outputs(k.model, k.task, k.tokenized["validation"],
                      k.bundle.tokenizer, 8), k.tokenized["validation"],
        None)
    assert history["val_f1_macro"][-1] == pytest.approx(final["f1_macro"])
    assert history["val_loss"][-1] == pytest.approx(final["loss"])
    assert stop.best == max(history["val_f1_macro"])
