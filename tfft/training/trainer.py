"""The fit driver: config in, finished run folder out.

    data -> task.prepare -> model (in strategy scope) -> tokenize ->
    tf.data -> compile -> fit -> evaluate -> save -> COMPLETED
"""

import math
import time

import tensorflow as tf
from absl import logging

from tfft import config as config_lib
from tfft import keras_compat
from tfft import run_folder
from tfft.callbacks.saved_model_exporter import SavedModelExporter
from tfft.callbacks.step_history import StepHistory
from tfft.data import pipeline
from tfft.data import sources
from tfft.errors import UserError
from tfft.inference import model_outputs
from tfft.models import builder
from tfft.tasks import get_task
from tfft.training import report
from tfft.training.optimization import build_optimizer
from tfft.training.strategy import get_strategy

EVAL_SPLITS = ("validation", "test")


def train(config, workdir: str, callbacks=()) -> dict:
    """Fine-tunes per `config`, writes the run folder, returns metrics.

    `callbacks` go to `fit` as they are: tf_keras callbacks work with both
    families, Keras-3 callbacks only with the keras_hub family.
    """
    config = config_lib.validate(config)
    with keras_compat.precision(config.model.family, config.train.precision):
        return _train(config, workdir, callbacks)


def _train(config, workdir, callbacks):
    started = time.time()
    run = run_folder.RunFolder(workdir)
    run.start()
    run.write_text(run_folder.CONFIG, config_lib.to_json(config))
    keras_compat.set_seed(config.seed)
    strategy = get_strategy(config.train.strategy, config.train.tpu)
    replicas = strategy.num_replicas_in_sync
    if config.train.grad_accumulation > 1 and replicas > 1:
        # Both flavours would apply gradients inside a conditional in the
        # replica function, which tf.distribute cannot synchronise.
        raise UserError(
            f"train.grad_accumulation={config.train.grad_accumulation} is "
            f"not supported with {replicas} replicas yet; use one device, "
            "or raise train.batch_size instead")

    task = get_task(config.task, config)
    splits = task.prepare(sources.load_splits(config.data))
    logging.info("Examples: %s", {s: len(d) for s, d in splits.items()})

    with strategy.scope():
        bundle = builder.build(config.model, task)
    tokenized = {s: task.tokenize(d, bundle.tokenizer)
                 for s, d in splits.items()}

    global_batch = config.train.batch_size * replicas
    eval_batch = config.train.eval_batch_size * replicas
    # TPUs compile one program per shape: static length, full batches.
    on_tpu = isinstance(strategy, tf.distribute.TPUStrategy)
    collate = task.collator(bundle.tokenizer, static=on_tpu)
    train_data = pipeline.to_tf_dataset(
        tokenized["train"], batch_size=global_batch, shuffle=True,
        collate_fn=collate, drop_remainder=on_tpu)
    validation_data = pipeline.to_tf_dataset(
        tokenized["validation"], batch_size=eval_batch, shuffle=False,
        collate_fn=collate)
    steps_per_epoch = math.ceil(len(tokenized["train"]) / global_batch)
    accumulate = config.train.grad_accumulation
    optimizer_steps = max(1, steps_per_epoch * config.train.epochs
                          // accumulate)
    keras = bundle.keras
    model = bundle.model
    with strategy.scope():
        if not keras_compat.native_gradient_accumulation(keras):
            model.enable_gradient_accumulation(accumulate)
        model.compile(
            optimizer=build_optimizer(keras, config.train, optimizer_steps),
            loss=task.build_losses(keras),
            metrics=task.build_metrics(keras),
            jit_compile=config.train.jit_compile)
    logging.info(
        "Training %s (%s family, %d replica(s), global batch %d x %d "
        "accumulated, %d batches per epoch, %d epoch(s), %s%s)",
        config.model.path, config.model.family, replicas, global_batch,
        accumulate, steps_per_epoch, config.train.epochs,
        config.train.precision, ", XLA" if config.train.jit_compile else "")
    steps = StepHistory(keys=("loss", task.main_metric))
    callbacks = [steps, *callbacks]
    if config.export.dir:
        e = config.export
        callbacks.append(SavedModelExporter(
            e.dir, tokenizer=bundle.tokenizer, task=task, config=config,
            monitor=e.monitor, mode=e.mode, keep=e.keep,
            allow_ops=config_lib.split_list(e.allow_ops)))
    fit_started = time.time()
    history = model.fit(train_data, validation_data=validation_data,
                        epochs=config.train.epochs,
                        verbose=config.train.verbose,
                        callbacks=callbacks,
                        shuffle=False,  # the tf.data pipeline shuffles
                        ).history
    fit_seconds = time.time() - fit_started

    results, outputs = {}, {}
    for split in EVAL_SPLITS:
        outputs[split] = model_outputs(model, task, tokenized[split],
                                       bundle.tokenizer, eval_batch)
        results[split] = task.evaluate(outputs[split], tokenized[split])
    run.write_json(run_folder.METRICS, results)
    run.write_text(run_folder.HISTORY, report.history_csv(history))
    with run.atomic_file(run_folder.CURVE) as tmp:
        report.plot_curves(history, task.main_metric, tmp, steps=steps)
    run.write_jsonl(run_folder.predictions_file("test"),
                    task.predictions(outputs["test"], splits["test"]))
    with run.atomic_dir(run_folder.MODEL) as tmp:
        builder.save(bundle, tmp, manifest={
            "task": task.name, "task_state": task.state(),
            "max_length": config.data.max_length,
            "text_columns": config_lib.split_list(config.data.text_columns),
        })
    run.mark_complete({
        "main_metric": task.main_metric,
        "test": results["test"].get(task.main_metric),
        "fit_seconds": round(fit_seconds, 1),
        "total_seconds": round(time.time() - started, 1),
    })
    return results
