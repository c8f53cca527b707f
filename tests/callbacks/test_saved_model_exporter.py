"""SavedModelExporter: driven hook by hook, and inside both flavours' fit
(hf family -> tf_keras fit, keras_hub family -> Keras 3 fit)."""

import math
import os

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import KERAS_HUB_THEN_SLOW_HF
from tfft import trained
from tfft.callbacks.saved_model_exporter import SavedModelExporter
from tfft.data import pipeline
from tfft.data import sources
from tfft.errors import UserError
from tfft.export import versions
from tfft.models import builder
from tfft.tasks import get_task
from tfft.training.optimization import build_optimizer


def _prepared(config, family):
    config.model.family = family
    task = get_task("classification", config)
    splits = task.prepare(sources.load_splits(config.data))
    bundle = builder.build(config.model, task)
    return task, splits, bundle


def _exporter(config, task, bundle, export_dir, **kwargs):
    exporter = SavedModelExporter(export_dir, tokenizer=bundle.tokenizer,
                                  task=task, config=config, **kwargs)
    exporter.set_model(bundle.model)
    return exporter


def test_hooks_export_only_improvements_and_keep_the_newest(tiny_config,
                                                            tmp_path):
    task, _, bundle = _prepared(tiny_config, "keras_hub")
    export_dir = str(tmp_path / "exports")
    cb = _exporter(tiny_config, task, bundle, export_dir,
                   monitor="val_accuracy", mode="max", keep=2)
    for epoch, value in enumerate([0.5, 0.4, 0.6, 0.6, 0.7]):
        cb.on_epoch_end(epoch, {"val_accuracy": value, "loss": 1.0})
    # Improvements at epochs 1, 3 and 5 -> versions 1..3, newest 2 kept.
    assert [os.path.basename(p) for p in cb.exported] == ["1", "2", "3"]
    assert versions.versions(export_dir) == [2, 3]
    assert cb.best == 0.7
    meta = trained.read_export_metadata(os.path.join(export_dir, "3"))
    assert (meta["epoch"], meta["monitor"], meta["value"]) == (
        5, "val_accuracy", 0.7)


def test_min_mode_skips_nan_and_missing_monitor_is_a_clear_error(
        tiny_config, tmp_path):
    task, _, bundle = _prepared(tiny_config, "keras_hub")
    cb = _exporter(tiny_config, task, bundle, str(tmp_path), keep=0)
    assert cb.monitor == "val_loss" and cb.best == math.inf
    cb.on_epoch_end(0, {"val_loss": float("nan")})
    assert cb.exported == []
    cb.on_epoch_end(1, {"val_loss": 0.9})
    cb.on_epoch_end(2, {"val_loss": 0.95})
    assert len(cb.exported) == 1
    with pytest.raises(UserError, match="monitors 'val_auc'.*val_loss"):
        _exporter(tiny_config, task, bundle, str(tmp_path),
                  monitor="val_auc").on_epoch_end(0, {"val_loss": 1.0})
    with pytest.raises(UserError, match="mode"):
        _exporter(tiny_config, task, bundle, str(tmp_path), mode="best")


@pytest.mark.parametrize("family", KERAS_HUB_THEN_SLOW_HF)
def test_inside_fit_exports_the_best_epoch(tiny_config, tmp_path, family):
    tiny_config.train.epochs = 3
    task, splits, bundle = _prepared(tiny_config, family)
    collate = task.collator(bundle.tokenizer)
    data = {s: pipeline.to_tf_dataset(task.tokenize(d, bundle.tokenizer),
                                      batch_size=16, shuffle=s == "train",
                                      collate_fn=collate)
            for s, d in splits.items()}
    keras = bundle.keras
    bundle.model.compile(
        optimizer=build_optimizer(keras, tiny_config.train, 3 * 12),
        loss=task.build_losses(keras), metrics=task.build_metrics(keras))
    export_dir = str(tmp_path / "exports")
    cb = SavedModelExporter(export_dir, tokenizer=bundle.tokenizer,
                            task=task, config=tiny_config, keep=2)
    history = bundle.model.fit(data["train"], epochs=3, verbose=0,
                               validation_data=data["validation"],
                               shuffle=False, callbacks=[cb]).history
    val_loss = history["val_loss"]
    improvements = sum(v < min(val_loss[:i], default=math.inf)
                       for i, v in enumerate(val_loss))
    assert len(cb.exported) == improvements >= 1
    assert cb.best == pytest.approx(min(val_loss))
    assert versions.versions(export_dir) == list(
        range(max(1, improvements - 1), improvements + 1))
    # The newest version is the best epoch's model; when that was the last
    # epoch it serves exactly what the trained model computes.
    latest = versions.resolve(export_dir)
    meta = trained.read_export_metadata(latest)
    assert meta["value"] == pytest.approx(min(val_loss))
    if np.argmin(val_loss) == len(val_loss) - 1:
        texts = ["good great fun", "awful dull plot"]
        served = tf.saved_model.load(latest).signatures["serving_default"](
            text=tf.constant(texts))["logits"].numpy()
        enc = bundle.tokenizer.encode(texts, max_length=16)
        batch = collate([{"input_ids": i, "token_type_ids": t}
                         for i, t in zip(enc["input_ids"],
                                         enc["token_type_ids"])])
        direct = bundle.model(batch, training=False)
        np.testing.assert_allclose(served, np.asarray(direct), atol=1e-5)
