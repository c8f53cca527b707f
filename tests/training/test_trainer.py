"""The fit driver end to end on a tiny config-built model (seconds)."""

import csv
import json
import os

import pytest

from tests.conftest import KERAS_HUB_THEN_SLOW_HF
from tfft import run_folder
from tfft import trained
from tfft.data import sources
from tfft.errors import UserError
from tfft.inference import load_run
from tfft.training import trainer
from tfft.training.checkpoint import Checkpoints


def read_json(workdir, name):
    with open(os.path.join(workdir, name)) as f:
        return json.load(f)


@pytest.mark.parametrize("family, head", [("keras_hub", "tfft"),
                                          ("hf", "tfft"), ("hf", "native")])
def test_trains_learns_and_writes_the_run_folder(tiny_config, tmp_path,
                                                 family, head):
    tiny_config.model.family = family
    tiny_config.model.head = head
    workdir = str(tmp_path / "run")
    results = trainer.train(tiny_config, workdir)

    # The toy task is separable: a tiny random BERT must learn it.
    assert results["test"]["accuracy"] >= 0.9
    assert results == read_json(workdir, run_folder.METRICS)
    for key in ("accuracy", "f1_macro", "precision_macro", "recall_macro",
                "loss", "per_class"):
        assert key in results["test"] and key in results["validation"]
    assert set(results["test"]["per_class"]) == {"neg", "pos"}

    with open(os.path.join(workdir, run_folder.HISTORY)) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == tiny_config.train.epochs
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(rows[0])
    with open(os.path.join(workdir, run_folder.CURVE), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with open(os.path.join(workdir, run_folder.predictions_file("test"))) \
            as f:
        preds = [json.loads(line) for line in f]
    assert len(preds) == 32
    assert set(preds[0]) == {"text", "label", "predicted", "probabilities"}
    assert sum(preds[0]["probabilities"].values()) == pytest.approx(1, 1e-4)
    saved = read_json(workdir, run_folder.CONFIG)
    assert saved["model"]["family"] == family
    assert read_json(workdir, run_folder.COMPLETED)["test"] == \
        results["test"]["accuracy"]
    leftovers = [n for n in os.listdir(workdir) if n.startswith(".")]
    assert leftovers == []

    # The saved model, reloaded, reproduces the run's test predictions.
    run = load_run(workdir)
    assert run.task.label_names == ["neg", "pos"]
    assert run.bundle.family == family
    test = run.task.prepare(sources.load_splits(run.config.data))["test"]
    again = run.predictions(test)
    for old, new in zip(preds, again):
        assert old["text"] == new["text"]
        for name in ("neg", "pos"):
            assert new["probabilities"][name] == pytest.approx(
                old["probabilities"][name], abs=1e-5)


def test_refuses_to_overwrite_a_completed_run(tiny_config, tmp_path):
    workdir = str(tmp_path / "run")
    tiny_config.train.epochs = 1
    trainer.train(tiny_config, workdir)
    before = os.path.getmtime(os.path.join(workdir, run_folder.METRICS))
    with pytest.raises(UserError, match="already holds a completed run"):
        trainer.train(tiny_config, workdir)
    assert os.path.getmtime(os.path.join(workdir, run_folder.METRICS)) == \
        before


def test_failed_run_is_not_marked_complete(tiny_config, tmp_path):
    tiny_config.data.test_files = tiny_config.data.train_files.replace(
        "train.csv", "missing.csv")
    workdir = str(tmp_path / "run")
    with pytest.raises(UserError, match="no file matches"):
        trainer.train(tiny_config, workdir)
    assert not run_folder.RunFolder(workdir).is_complete()


def test_a_failure_after_training_keeps_the_last_checkpoint_for_the_rerun(
        tiny_config, tmp_path, monkeypatch):
    """The last checkpoint is written in the background while the test
    split is evaluated; when what follows fails, it is on disk all the
    same, and the rerun evaluates and writes without training again."""
    import threading
    import time

    import tf_keras

    tiny_config.train.epochs = 2
    workdir = str(tmp_path / "run")
    failed, failing = {}, threading.Event()
    write = Checkpoints._write

    def last_written_late(self, tensors, state_text, then=None):
        if json.loads(state_text)["position"] == [2, 0]:
            assert failing.wait(30)  # still writing when the error comes
            time.sleep(0.5)
        return write(self, tensors, state_text, then)

    def disk_full(run, task, results, *args):
        failed["test"] = results["test"]
        failing.set()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Checkpoints, "_write", last_written_late)
    monkeypatch.setattr(trainer, "_write_results", disk_full)
    with pytest.raises(OSError, match="No space left"):
        trainer.train(tiny_config, workdir)
    latest = Checkpoints(workdir).latest()
    assert tuple(Checkpoints.read_state(latest)["position"]) == (2, 0)
    monkeypatch.undo()

    class Batches(tf_keras.callbacks.Callback):
        trained = 0

        def on_train_batch_end(self, batch, logs=None):
            Batches.trained += 1

    results = trainer.train(tiny_config, workdir, callbacks=[Batches()])
    assert Batches.trained == 0
    assert results["test"] == failed["test"]
    assert run_folder.RunFolder(workdir).is_complete()
    assert not os.path.exists(os.path.join(workdir, "checkpoints"))


def test_a_failed_best_restore_still_waits_for_the_last_checkpoint(
        tiny_config, tmp_path, monkeypatch):
    import threading
    import time

    from tfft.callbacks.best_checkpoint import BestCheckpoint

    tiny_config.train.epochs = 2
    tiny_config.train.restore_best = True
    tiny_config.train.monitor, tiny_config.train.monitor_mode = "loss", "max"
    restoring, write = threading.Event(), Checkpoints._write

    def last_written_late(self, tensors, state_text, then=None):
        if json.loads(state_text)["position"] == [2, 0]:
            assert restoring.wait(30)  # still writing when the error comes
            time.sleep(0.5)
        return write(self, tensors, state_text, then)

    def unreadable(self, model):
        restoring.set()
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(Checkpoints, "_write", last_written_late)
    monkeypatch.setattr(BestCheckpoint, "restore", unreadable)
    workdir = str(tmp_path / "run")
    with pytest.raises(OSError, match="Input/output error"):
        trainer.train(tiny_config, workdir)
    latest = Checkpoints(workdir).latest()
    assert tuple(Checkpoints.read_state(latest)["position"]) == (2, 0)


def test_a_failed_checkpoint_write_does_not_hide_the_error_in_flight(
        tiny_config, tmp_path, monkeypatch, caplog):

    tiny_config.train.epochs = 1

    def no_space(self, *args):
        raise OSError(28, "No space left on device")

    def bug(*args):
        raise ValueError("a bug after training")

    monkeypatch.setattr(Checkpoints, "_write", no_space)
    monkeypatch.setattr(trainer, "_write_results", bug)
    with pytest.raises(ValueError, match="a bug after training"):
        trainer.train(tiny_config, str(tmp_path / "run"))
    assert "The last checkpoint was not written: [Errno 28]" in caplog.text


def test_model_is_written_while_the_test_split_is_evaluated(
        tiny_config, tmp_path, monkeypatch):
    import threading

    from tfft.models import builder

    tiny_config.train.epochs = 1
    evaluating, save = threading.Event(), builder.save
    evaluate_split = trainer.evaluate_split

    def evaluate_test(*args, **kwargs):
        evaluating.set()
        return evaluate_split(*args, **kwargs)

    def save_while_evaluating(*args, **kwargs):
        # Only if it overlaps the evaluation (one after the other: False).
        assert evaluating.wait(30), "model/ was not written meanwhile"
        return save(*args, **kwargs)

    monkeypatch.setattr(trainer, "evaluate_split", evaluate_test)
    monkeypatch.setattr(builder, "save", save_while_evaluating)
    workdir = str(tmp_path / "run")
    trainer.train(tiny_config, workdir)
    folder = run_folder.RunFolder(workdir)
    assert folder.is_complete()
    assert os.path.exists(folder.path(run_folder.MODEL, "tfft_model.json"))


def test_a_failed_model_write_fails_the_run_and_hides_no_error(
        tiny_config, tmp_path, monkeypatch, caplog):
    from tfft.models import builder

    tiny_config.train.epochs = 1

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(builder, "save", no_space)
    workdir = str(tmp_path / "run")
    with pytest.raises(OSError, match="No space left"):
        trainer.train(tiny_config, workdir)
    folder = run_folder.RunFolder(workdir)
    assert not folder.is_complete()
    assert not os.path.exists(folder.path(run_folder.MODEL))
    assert not [f for f in os.listdir(workdir) if f.startswith(".model")]

    def bug(*args):
        raise ValueError("a bug after training")

    monkeypatch.setattr(trainer, "_write_results", bug)
    with pytest.raises(ValueError, match="a bug after training"):
        trainer.train(tiny_config, workdir)  # resumes, then fails again
    assert "writing model/ failed too: [Errno 28]" in caplog.text


@pytest.mark.parametrize("family", KERAS_HUB_THEN_SLOW_HF)
def test_mirrored_strategy_on_two_logical_cpus(tiny_config, tmp_path,
                                               family):
    tiny_config.model.family = family
    tiny_config.train.strategy = "mirrored"
    tiny_config.train.batch_size = 8  # x 2 replicas = global batch 16
    results = trainer.train(tiny_config, str(tmp_path / "run"))
    assert results["test"]["accuracy"] >= 0.9


def test_config_export_writes_the_best_model_during_training(tiny_config,
                                                             tmp_path):
    from tfft.export import versions

    export_dir = str(tmp_path / "exports")
    tiny_config.train.epochs = 4
    tiny_config.export.dir = export_dir
    tiny_config.export.monitor = "val_accuracy"
    tiny_config.export.mode = "max"
    tiny_config.export.keep = 1
    workdir = str(tmp_path / "run")
    trainer.train(tiny_config, workdir)
    with open(os.path.join(workdir, run_folder.HISTORY)) as f:
        val_accuracy = [float(r["val_accuracy"]) for r in csv.DictReader(f)]
    found = versions.versions(export_dir)
    assert len(found) == 1
    meta = trained.read_export_metadata(versions.resolve(export_dir))
    assert meta["value"] == pytest.approx(max(val_accuracy))
    assert meta["epoch"] == val_accuracy.index(max(val_accuracy)) + 1


@pytest.mark.parametrize("family", ["keras_hub", "hf"])
@pytest.mark.parametrize("precision", [
    "mixed_bfloat16", pytest.param("mixed_float16", marks=pytest.mark.slow)])
def test_mixed_precision_learns_with_float32_head_and_loss(
        tiny_config, tmp_path, family, precision):
    import keras
    import numpy as np
    import tf_keras

    tiny_config.model.family = family
    tiny_config.train.precision = precision
    tiny_config.train.clip_norm = 1.0
    seen = {}

    class Probe(tf_keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            model = self.model
            seen["policy"] = model.dtype_policy.name
            seen["optimizer"] = type(model.optimizer).__name__
            ids = np.array([[2, 5, 3]], np.int32)
            seen["logits"] = model(
                {"input_ids": ids, "attention_mask": np.ones_like(ids),
                 "token_type_ids": np.zeros_like(ids)}).dtype.name

    results = trainer.train(tiny_config, str(tmp_path / "run"),
                            callbacks=[Probe()])
    assert results["test"]["accuracy"] >= 0.9
    assert seen["policy"] == precision
    assert seen["logits"] == "float32"
    if precision == "mixed_float16":
        assert seen["optimizer"].startswith("LossScaleOptimizer")
    # The global policy is restored for whatever runs next.
    assert keras.mixed_precision.global_policy().name == "float32"
    assert tf_keras.mixed_precision.global_policy().name == "float32"


@pytest.mark.slow  # XLA compiles (~40 s for both families)
@pytest.mark.parametrize("family", ["keras_hub", "hf"])
def test_xla_with_length_buckets(tiny_config, tmp_path, family):
    tiny_config.model.family = family
    tiny_config.train.jit_compile = True
    tiny_config.data.bucket_lengths = "8"
    results = trainer.train(tiny_config, str(tmp_path / "run"))
    assert results["test"]["accuracy"] >= 0.9


def test_validation_in_the_history_comes_from_the_evaluate_modules(
        tiny_config, tmp_path, monkeypatch):
    tiny_config.train.epochs = 2
    workdir = str(tmp_path / "run")
    final = []  # the splits training evaluates after fit, by size

    def evaluate_split(model, task, examples, *args):
        final.append(len(examples))
        return real(model, task, examples, *args)

    real = trainer.evaluate_split
    monkeypatch.setattr(trainer, "evaluate_split", evaluate_split)
    results = trainer.train(tiny_config, workdir)
    with open(os.path.join(workdir, run_folder.HISTORY)) as f:
        last = list(csv.DictReader(f))[-1]
    # Every metric of the task, each epoch; the last epoch's are the final
    # validation figures (the same weights: not evaluated again), per-class
    # entries too.
    for name in ("loss", "accuracy", "f1_macro", "precision_macro"):
        assert float(last[f"val_{name}"]) == pytest.approx(
            results["validation"][name]), name
    assert set(results["validation"]["per_class"]) == {"neg", "pos"}
    assert final == [32]  # the test split only


def test_early_stopping_and_restore_best_from_the_config(tiny_config,
                                                         tmp_path):
    # The training loss falls each epoch, so "max" of it is best at epoch 1
    # and never improves after: patience 2 stops after epoch 3.
    t = tiny_config.train
    t.monitor, t.monitor_mode = "loss", "max"
    t.early_stopping_patience = 2
    t.restore_best = True
    t.tensorboard_steps = 4
    workdir = str(tmp_path / "run")
    results = trainer.train(tiny_config, workdir)
    with open(os.path.join(workdir, run_folder.HISTORY)) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 and float(rows[2]["loss"]) < float(rows[0]["loss"])
    # The run ends with epoch 1's weights: its validation figures.
    assert results["validation"]["loss"] == pytest.approx(
        float(rows[0]["val_loss"]))
    assert float(rows[2]["val_loss"]) != pytest.approx(
        float(rows[0]["val_loss"]))
    assert not os.path.exists(os.path.join(workdir, "best"))
    assert os.listdir(os.path.join(workdir, trainer.TENSORBOARD))


def test_diverging_run_stops_keeping_good_state_then_resumes_tracing_once(
        tiny_config, tmp_path):
    import numpy as np
    import tf_keras


    class Poison(tf_keras.callbacks.Callback):
        """NaN weights after batch 3 of epoch 2."""
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 1 and batch == 2:
                for v in self.model.trainable_variables:
                    v.assign(v * np.nan)

    tiny_config.train.checkpoint_steps = 1
    workdir = str(tmp_path / "run")
    with pytest.raises(UserError, match=(
            r"loss became nan at epoch 2, batch 4.*last good checkpoint is "
            r".*checkpoints/\d+$")):
        trainer.train(tiny_config, workdir, callbacks=[Poison()])
    assert not run_folder.RunFolder(workdir).is_complete()
    latest = Checkpoints(workdir).latest()
    assert tuple(Checkpoints.read_state(latest)["position"]) == (1, 2)

    # The same command again resumes from that checkpoint, mid-epoch: two
    # `fit` calls (the rest of epoch 2, then epochs 3-10), whose batches
    # come in many padded lengths. The train step is traced once for all
    # of them: no retrace across lengths, epochs or segments.
    class Traces(tf_keras.callbacks.Callback):
        seen = []

        def on_train_end(self, logs=None):
            self.seen.append(tracing_counts(self.model.train_function))

    results = trainer.train(tiny_config, workdir, callbacks=[Traces()])
    assert results["test"]["accuracy"] >= 0.9
    first, second = Traces.seen  # the same functions, each traced once
    assert first and first == second == {k: 1 for k in first}, Traces.seen


def tracing_counts(train_function) -> dict:
    """{id: how often it was traced} of each tf.function behind a Keras
    `train_function`: tf_keras' is one itself; Keras 3's closes over its
    own."""
    found, seen, todo = {}, set(), [train_function]
    while todo:
        fn = todo.pop()
        if id(fn) in seen or not callable(fn):
            continue
        seen.add(id(fn))
        if hasattr(fn, "experimental_get_tracing_count"):
            found[id(fn)] = fn.experimental_get_tracing_count()
            fn = getattr(fn, "_python_function", None)
        for cell in getattr(fn, "__closure__", None) or ():
            try:
                todo.append(cell.cell_contents)
            except ValueError:  # an empty cell
                pass
    return found


def test_lora_run_saves_merged_weights_that_reload(tiny_config, tmp_path):
    tiny_config.model.lora_rank = 4
    tiny_config.train.epochs = 2
    # Merged = adapted to 1e-5 needs float32 (bfloat16 rounds the adapter
    # path and the merged kernel differently: 3e-5 apart).
    tiny_config.train.precision = "float32"
    workdir = str(tmp_path / "run")
    trainer.train(tiny_config, workdir)
    with open(os.path.join(workdir, run_folder.predictions_file("test"))) \
            as f:
        preds = [json.loads(line) for line in f]
    # Reloaded as a plain backbone (adapters merged into the kernels), it
    # computes what the adapted model computed.
    run = load_run(workdir)
    assert not [layer for layer in run.bundle.model.backbone._flatten_layers()
                if getattr(layer, "lora_enabled", False)]
    test = run.task.prepare(sources.load_splits(run.config.data))["test"]
    again = run.predictions(test)
    for old, new in zip(preds, again):
        assert new["probabilities"]["pos"] == pytest.approx(
            old["probabilities"]["pos"], abs=1e-5)


@pytest.mark.parametrize("family", KERAS_HUB_THEN_SLOW_HF)
def test_frozen_layers_with_gradual_unfreezing_from_the_config(
        tiny_config, tmp_path, family):
    import tf_keras

    from tfft.models import freezing

    class Trainable(tf_keras.callbacks.Callback):
        """Which layers train in each epoch (runs after tfft's own)."""
        seen = []

        def on_epoch_begin(self, epoch, logs=None):
            embeddings, layers = freezing.parts(self.model)
            self.seen.append(([e.trainable for e in embeddings],
                              [layer.trainable for layer in layers]))

    tiny_config.model.family = family
    tiny_config.model.freeze_embeddings = True
    tiny_config.model.freeze_layers = 2
    tiny_config.train.unfreeze_per_epoch = 1
    tiny_config.train.epochs = 3
    trainer.train(tiny_config, str(tmp_path / "run"), callbacks=[Trainable()])
    frozen = [False] * len(Trainable.seen[0][0])
    assert Trainable.seen == [(frozen, [False, False]),
                              (frozen, [False, True]),
                              (frozen, [True, True])]


@pytest.mark.parametrize("family, head", [("hf", "native"),
                                          pytest.param("hf", "tfft",
                                                       marks=pytest.mark.slow)])
def test_token_classification_trains_and_reloads(tiny_config, tmp_path,
                                                 family, head):
    """NER with transformers' TFAutoModelForTokenClassification head
    (keras_hub with tfft's head runs in tests/cli/test_ner_cli.py)."""
    from tests.conftest import ner_sentences
    from tests.conftest import write_conll

    c = tiny_config
    c.task = "token_classification"
    c.model.family, c.model.head = family, head
    c.data.train_files = write_conll(tmp_path / "train.txt",
                                     ner_sentences(240))
    c.data.validation_files = write_conll(tmp_path / "dev.txt",
                                          ner_sentences(30, seed=1))
    c.data.test_files = write_conll(tmp_path / "test.txt",
                                    ner_sentences(40, seed=2))
    c.data.stride = 4
    c.train.epochs, c.train.learning_rate = 12, 3e-3
    c.train.monitor, c.train.monitor_mode = "val_f1", "max"
    workdir = str(tmp_path / "run")
    results = trainer.train(c, workdir)
    assert results["test"]["f1"] >= 0.9, results["test"]
    with open(os.path.join(workdir, run_folder.HISTORY)) as f:
        assert "val_f1" in next(csv.DictReader(f))
    run = load_run(workdir)
    test = run.task.prepare(sources.load_splits(
        run.config.data, conll=True))["test"]
    assert run.evaluate(test)["f1"] == pytest.approx(results["test"]["f1"])


def test_a_resume_must_train_the_same_config_but_may_push_elsewhere(tmp_path):
    from tfft import config as config_lib

    config = config_lib.default_config()
    config.data.train_files = "x.csv"
    run = run_folder.RunFolder(str(tmp_path))
    saved = json.loads(config_lib.to_json(config))
    del saved["push"]  # written by a tfft without push settings
    run.write_json(run_folder.CONFIG, saved)
    config.push.repo_id = "me/model"  # added on the rerun: allowed
    config.push.every = "epoch"
    trainer._require_same_config(run, config, "checkpoints/3")
    config.train.epochs = 5
    with pytest.raises(UserError, match="with a different config"):
        trainer._require_same_config(run, config, "checkpoints/3")
