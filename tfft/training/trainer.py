"""The fit driver: config in, finished run folder out.

    data -> task.prepare -> model (in strategy scope) -> tokenize ->
    compile -> [restore checkpoint] -> fit -> evaluate (model/ saved
    meanwhile) -> COMPLETED

Resume: checkpoints (`training/checkpoint.py`) are written during `fit`.
Rerunning the same command on an unfinished run folder restores the newest
and trains on from its position in the data. A resume mid-epoch calls
`fit` twice: once for the rest of that epoch, once for the epochs after.
"""

import contextlib
import dataclasses
import json
import os
import shutil
import time

import tensorflow as tf
from absl import logging

from tfft import config as config_lib
from tfft import keras_compat
from tfft import run_folder
from tfft.callbacks import checkpointer as checkpointer_lib
from tfft.callbacks.best_checkpoint import BestCheckpoint
from tfft.callbacks.early_stopping import EarlyStopping
from tfft.callbacks.gradual_unfreezing import GradualUnfreezing
from tfft.callbacks.non_finite_guard import NonFiniteGuard
from tfft.callbacks.push_to_hub import PushToHub
from tfft.callbacks.saved_model_exporter import SavedModelExporter
from tfft.callbacks.step_history import StepHistory
from tfft.callbacks.tensorboard import TensorBoard
from tfft.callbacks.validation_metrics import ValidationMetrics
from tfft.data import pipeline
from tfft.errors import UserError
from tfft.inference import evaluate_split
from tfft.models import builder
from tfft.models import freezing
from tfft.tasks import prepare_data
from tfft.training import background
from tfft.training import checkpoint
from tfft.training import optimization
from tfft.training import precision
from tfft.training import report
from tfft.training.strategy import get_strategy

EVAL_SPLITS = ("validation", "test")
CHECKPOINT_NOT_WRITTEN = "The last checkpoint was not written: %s"
TENSORBOARD = "tensorboard"


def train(config, workdir: str, callbacks=(), prepared=None,
          command: str = "") -> dict:
    """Fine-tunes per `config`, writes the run folder, returns metrics.

    `callbacks` go to `fit` as they are: tf_keras callbacks work with both
    families, Keras-3 callbacks only with the keras_hub family.
    `prepared`: `tfft.tasks.prepare_data(config)`'s result, if the caller
    already has it (the CLI prepares the data before TensorFlow loads).
    `command`: the command line that started the run, for the model card.
    """
    config, reason = precision.resolved(config_lib.validate(config))
    logging.info("Precision: %s (%s)", config.train.precision, reason)
    with keras_compat.precision(config.model.family, config.train.precision):
        return _train(config, workdir, callbacks, prepared, command)


def _train(config, workdir, callbacks, prepared, command):
    started = time.time()
    strategy = get_strategy(config.train.strategy, config.train.tpu)
    run, checkpoints, resume_from = _open_run(config, strategy, workdir)
    keras_compat.set_seed(config.seed)
    _check_replicas(config, strategy.num_replicas_in_sync)

    task, splits = prepared or prepare_data(config)
    logging.info("Examples: %s", {s: len(d) for s, d in splits.items()})
    with strategy.scope():
        bundle = builder.build(config.model, task)
    tokenized = {s: task.tokenize(d, bundle.tokenizer)
                 for s, d in splits.items()}
    if any(len(tokenized[s]) != len(splits[s]) for s in splits):
        logging.info("Features (model inputs): %s",
                     {s: len(d) for s, d in tokenized.items()})
    plan = _Plan.of(config, strategy, task, bundle, len(tokenized["train"]))
    _compile(bundle, config, task, strategy, plan)

    steps = StepHistory(keys=("loss", task.main_metric),
                        steps_per_epoch=plan.steps_per_epoch)
    ours = _config_callbacks(config, run, task, bundle, splits, tokenized,
                             plan.eval_batch,
                             chief=run.workdir == run_folder.RunFolder(
                                 workdir).workdir)
    callbacks = [cb for cb in (ours.metrics, steps, *ours.others,
                               *callbacks) if cb is not None]
    fit_started = time.time()
    saver = _fit(config, bundle.model, strategy, plan, tokenized, ours,
                 callbacks, checkpoints, resume_from)
    fit_seconds = time.time() - fit_started
    # The last checkpoint is written meanwhile, in the background; after
    # an error, it is finished first: the rerun resumes from it.
    with _waited_for_on_error(saver.wait, CHECKPOINT_NOT_WRITTEN):
        results = _evaluate_and_write(run, config, task, bundle, splits,
                                      tokenized, plan.eval_batch, steps,
                                      _by_key(saver.epoch_logs), ours)
    saver.wait()
    shutil.rmtree(checkpoints.directory, ignore_errors=True)
    if ours.best is not None:
        shutil.rmtree(ours.best.checkpoints.directory, ignore_errors=True)
    summary = {
        "main_metric": task.main_metric,
        "test": results["test"].get(task.main_metric),
        "fit_seconds": round(fit_seconds, 1),
        "total_seconds": round(time.time() - started, 1),
        "examples": {s: len(d) for s, d in splits.items()},
        "command": command,
    }
    run.mark_complete(summary)
    if ours.pusher is not None:
        _push_run(run, ours.pusher, config.push.wait_seconds)
    return results


def _open_run(config, strategy, workdir):
    """The run folder (started), its checkpoints and the one to resume."""
    run = run_folder.RunFolder(worker_dir(strategy, workdir))
    run.start()
    checkpoints = checkpoint.Checkpoints(run.workdir)
    resume_from = checkpoints.latest()
    if resume_from:
        _require_same_config(run, config, resume_from)
    run.write_text(run_folder.CONFIG, config_lib.to_json(config))
    return run, checkpoints, resume_from


def _check_replicas(config, replicas):
    if config.train.grad_accumulation > 1 and replicas > 1:
        # Both flavours would apply gradients inside a conditional in the
        # replica function, which tf.distribute cannot synchronise.
        raise UserError(
            f"train.grad_accumulation={config.train.grad_accumulation} is "
            f"not supported with {replicas} replicas yet; use one device, "
            "or raise train.batch_size instead")


@dataclasses.dataclass
class _Plan:
    """Batch sizes and step counts of a run."""
    replicas: int
    global_batch: int
    eval_batch: int
    on_tpu: bool
    collate: object
    steps_per_epoch: int
    optimizer_steps: int
    loss_per: str  # the task's `loss_per`

    @classmethod
    def of(cls, config, strategy, task, bundle, num_train):
        t = config.train
        replicas = strategy.num_replicas_in_sync
        # TPUs compile one program per shape: static length, full batches.
        on_tpu = isinstance(strategy, tf.distribute.TPUStrategy)
        global_batch = t.batch_size * replicas
        steps = pipeline.steps_per_epoch(num_train, global_batch,
                                         drop_remainder=on_tpu)
        return cls(replicas, global_batch, t.eval_batch_size * replicas,
                   on_tpu, task.collator(bundle.tokenizer, static=on_tpu),
                   steps, max(1, steps * t.epochs // t.grad_accumulation),
                   task.loss_per)


def _compile(bundle, config, task, strategy, plan):
    """Freezing / LoRA, gradient accumulation, `compile`, and the
    optimizer's slots built (so a checkpoint can restore them)."""
    keras, model, m = bundle.keras, bundle.model, config.model
    with strategy.scope():
        if m.lora_rank:
            freezing.enable_lora(model, m.lora_rank, m.lora_alpha,
                                 config_lib.split_list(m.lora_targets))
        # Everything that will train at some point (layers unfreeze later).
        will_train = list(model.trainable_variables)
        if m.freeze_layers or m.freeze_embeddings:
            freezing.freeze(model, embeddings=m.freeze_embeddings,
                            layers=m.freeze_layers)
        if not keras_compat.native_gradient_accumulation(keras):
            model.enable_gradient_accumulation(config.train.grad_accumulation)
        model.compile(
            optimizer=optimization.build_optimizer(
                keras, config.train, plan.optimizer_steps),
            loss=task.build_losses(keras),
            metrics=task.build_metrics(keras),
            jit_compile=config.train.jit_compile)
        checkpoint.build_optimizer(model, will_train)
        _set_lr_multipliers(model, will_train, config.train)


def _set_lr_multipliers(model, variables, train_config) -> None:
    """`train.head_lr_multiplier` and `train.layer_lr_decay` on the
    compiled optimizer (`optimization.lr_multipliers`): `variables` not
    in the backbone's embeddings or transformer layers are the head's."""
    t = train_config
    if t.head_lr_multiplier == 1.0 and t.layer_lr_decay == 1.0:
        return
    embedding_layers, stack = freezing.parts(
        model, "to give them their own learning rates; set "
        "train.head_lr_multiplier and train.layer_lr_decay to 1.0")
    embeddings = [v for layer in embedding_layers for v in layer.weights]
    layers = [list(layer.weights) for layer in stack]
    inside = {id(v) for v in embeddings} | {
        id(v) for weights in layers for v in weights}
    head = [v for v in variables if id(v) not in inside]
    optimizer = model.optimizer
    optimization.set_lr_multipliers(
        getattr(optimizer, "inner_optimizer", optimizer),  # loss scaling
        optimization.lr_multipliers(embeddings, layers, head,
                                    head=t.head_lr_multiplier,
                                    layer_decay=t.layer_lr_decay))
    logging.info("Learning rate x%g for the %d head variables; layer-wise "
                 "decay %g over %d layers", t.head_lr_multiplier, len(head),
                 t.layer_lr_decay, len(stack))


def _fit(config, model, strategy, plan, tokenized, ours, callbacks,
         checkpoints, resume_from):
    """`fit` from the start or the resumed position, in segments (see the
    module docstring); returns the Checkpointer (it holds the epoch
    logs). A tripped NonFiniteGuard is a UserError."""
    t = config.train
    validation_data = None
    if ours.metrics is None:
        validation_data = pipeline.to_tf_dataset(
            tokenized["validation"], batch_size=plan.eval_batch,
            shuffle=False, collate_fn=plan.collate)
    stateful = [cb for cb in callbacks
                if hasattr(cb, "get_state") and hasattr(cb, "set_state")]
    start, epoch_logs, train_metrics = pipeline.Position(0, 0), [], None
    if resume_from:
        with strategy.scope():
            saved = checkpoints.restore(
                resume_from, checkpoint.training_variables(model))
        checkpointer_lib.restore_callbacks(stateful, saved["callbacks"])
        start, epoch_logs = saved["position"], saved["epoch_logs"]
        train_metrics = saved.get("train_metrics")
        logging.info("Resuming from %s: epoch %d, batch %d", resume_from,
                     start.epoch + 1, start.batch)
    saver = checkpointer_lib.Checkpointer(
        checkpoints, every_steps=t.checkpoint_steps,
        start=start, steps_per_epoch=plan.steps_per_epoch,
        stateful=stateful, epoch_logs=epoch_logs,
        train_metrics=train_metrics, background=True)
    callbacks = [*callbacks, saver]  # last: saves the others' state
    logging.info(
        "Training %s (%s family, %d replica(s), global batch %d x %d "
        "accumulated, %d batches per epoch, %d epoch(s), %s%s)",
        config.model.path, config.model.family, plan.replicas,
        plan.global_batch, t.grad_accumulation, plan.steps_per_epoch,
        t.epochs, t.precision, ", XLA" if t.jit_compile else "")
    # On any error (Ctrl-C too), the checkpoint being written is finished.
    with _waited_for_on_error(saver.wait, CHECKPOINT_NOT_WRITTEN):
        for first, stop in _segments(start, t.epochs):
            if ours.early is not None and ours.early.stopped:
                break
            train_data = pipeline.train_stream(
                tokenized["train"], batch_size=plan.global_batch,
                collate_fn=plan.collate, seed=config.seed, start=first,
                stop=stop, drop_remainder=plan.on_tpu,
                group_by_length=config.data.group_by_length,
                accumulation=t.grad_accumulation, loss_per=plan.loss_per)
            model.fit(train_data, validation_data=validation_data,
                      initial_epoch=first.epoch, epochs=stop.epoch,
                      steps_per_epoch=plan.steps_per_epoch - first.batch,
                      shuffle=False,  # train_stream orders the data itself
                      verbose=t.verbose, callbacks=callbacks)
            if ours.guard.tripped:
                saver.wait()
                last_good = (checkpoints.latest()
                             or "none (no state was saved)")
                raise UserError(
                    f"{ours.guard.message()}. The run is unfinished; its "
                    f"last good checkpoint is {last_good}")
            if model.stop_training:
                break
        best = ours.best
        if best is not None and best.best_epoch is not None:
            with strategy.scope():
                epoch = best.restore(model)
            logging.info("Restored the best weights: epoch %d (%s=%.5g)",
                         epoch + 1, t.monitor, best.best)
    return saver


@contextlib.contextmanager
def _waited_for_on_error(wait, failure: str):
    """On an error's way out of the block: `wait()` first (the work in
    the background finished); its own failure is logged (`failure % e`),
    not raised over the error in flight."""
    try:
        yield
    except BaseException:
        try:
            wait()
        except Exception as e:  # the error in flight is the one to raise
            logging.warning(failure, e)
        raise


def _evaluate_and_write(run, config, task, bundle, splits, tokenized,
                        eval_batch, steps, history, ours) -> dict:
    """The trained model's metrics on each split (the last epoch's
    validation reused when it is of these weights), written to the run
    folder; returns them. model/ is written meanwhile, in a thread: saving
    is mostly Python and file writes, evaluating mostly TensorFlow's own
    threads (the files recipe's test split and model/, a trained run
    reloaded: 3.0-3.1 s together, 3.6-3.8 s one after the other)."""
    results, outputs = {}, {}
    final_validation = _final_weights_validation(ours)
    # The write builds float32 copies inside `keras_compat.precision`: a
    # per-thread policy in Keras 3, process-wide in tf_keras, where the
    # evaluation meanwhile builds no layers (predict, generate).
    with _meanwhile(lambda: _write_model(run, config, task, bundle),
                    "writing model/"):
        for split in EVAL_SPLITS:
            if split == "validation" and final_validation is not None:
                results[split] = final_validation  # of the last epoch
                continue
            results[split], outputs[split] = evaluate_split(
                bundle.model, task, splits[split], tokenized[split],
                bundle.tokenizer, eval_batch)
        _write_results(run, task, results, steps, history,
                       task.predictions(outputs["test"], tokenized["test"],
                                        splits["test"]))
    return results


@contextlib.contextmanager
def _meanwhile(work, what: str):
    """`work()` in a thread while the block runs. The way out waits for
    it and raises its error; after an error of the block's own, that one
    is raised and the work's failure logged."""
    running = background.Background(work, f"tfft-{what}")
    with _waited_for_on_error(running.wait, f"{what} failed too: %s"):
        yield
    running.wait()


def _final_weights_validation(ours):
    """The per-epoch validation of the weights training ends with, if it
    ran: the last epoch's (the same `evaluate_split` on the same features),
    unless the best epoch's weights were restored after it."""
    if ours.metrics is None or not ours.metrics.history:
        return None
    if ours.best is not None and ours.best.best_epoch is not None:
        return None
    return ours.metrics.history[-1]


def _write_results(run, task, results, steps, history, test_predictions):
    """metrics.json, history.csv, the curve and the test predictions."""
    run.write_json(run_folder.METRICS, results)
    run.write_text(run_folder.HISTORY, report.history_csv(history))
    with run.atomic_file(run_folder.CURVE) as tmp:
        report.plot_curves(history, task.main_metric, tmp, steps=steps)
    run.write_jsonl(run_folder.predictions_file("test"), test_predictions)


def _write_model(run, config, task, bundle):
    """model/: native checkpoint + tokenizer + tfft_model.json."""
    with run.atomic_dir(run_folder.MODEL) as tmp:
        builder.save(bundle, tmp, _manifest(config, task), task=task)


def _manifest(config, task) -> dict:
    """What `model/tfft_model.json` says besides the family's entries."""
    return {"task": task.name, "task_state": task.state(),
            "max_length": config.data.max_length,
            "inputs": task.input_columns,
            # The resolved config: model/ alone (copied, pushed to a hub)
            # loads in tfft.pipeline.
            "config": config.to_dict()}


def _push_run(run, pusher, wait_seconds):
    """The finished run to the hub (its card written first), waiting a
    bounded time; a failure is reported, never raised: the run is done."""
    from tfft import card
    from tfft import hub

    later = (f"push it with tfft-push --workdir={run.workdir} "
             f"--repo_id={pusher.repo_id}")
    try:
        saved_model = hub.export_version(run.workdir)
        card.write(run.workdir, pusher.repo_id, has_export=bool(saved_model))
        files = hub.run_files(run.workdir, saved_model)
    except UserError as e:
        logging.warning("Not pushing the finished run (%s); %s", e, later)
        return
    if pusher.wait(wait_seconds) == "abandoned":  # an epoch's push
        logging.warning("Not pushing the finished run: an earlier push is "
                        "still running; %s", later)
        return
    pusher.push_files(files, "the finished run")
    status = pusher.wait(wait_seconds)
    logging.info("Push of the finished run to %s: %s%s", pusher.repo_id,
                 status, "" if status == "done" else f"; {later}")


@dataclasses.dataclass
class _ConfigCallbacks:
    metrics: object  # ValidationMetrics or None (fit validates)
    guard: NonFiniteGuard
    best: object  # BestCheckpoint or None
    early: object  # EarlyStopping or None
    others: list  # all but `metrics`, in call order
    pusher: object = None  # PushToHub or None


def _config_callbacks(config, run, task, bundle, splits, tokenized,
                      eval_batch, chief=True):
    """The callbacks the config asks for. `metrics` goes first: the
    callbacks after it see its val_<name> entries."""
    t, m, e = config.train, config.model, config.export
    metrics = best = early = None
    guard = NonFiniteGuard()
    others = [guard]
    if t.validation_metrics:
        metrics = ValidationMetrics.for_task(
            task, tokenized["validation"], bundle.tokenizer, eval_batch,
            examples=splits["validation"])
    if t.unfreeze_per_epoch:
        others.append(GradualUnfreezing(m.freeze_layers,
                                        t.unfreeze_per_epoch))
    if t.restore_best:
        best = BestCheckpoint(run.workdir, t.monitor, t.monitor_mode)
        others.append(best)
    if t.early_stopping_patience:
        early = EarlyStopping(t.monitor, t.monitor_mode,
                              patience=t.early_stopping_patience)
        others.append(early)
    if e.dir:
        others.append(SavedModelExporter(
            e.dir, tokenizer=bundle.tokenizer, task=task, config=config,
            monitor=e.monitor, mode=e.mode, keep=e.keep,
            allow_ops=config_lib.split_list(e.allow_ops)))
    if t.tensorboard_steps:
        others.append(TensorBoard(run.path(TENSORBOARD), t.tensorboard_steps))
    pusher = None
    if config.push.repo_id and chief:
        pusher = _pusher(config, task, bundle)
        if config.push.every != "end":  # "end": the finished run only
            others.append(pusher)
    return _ConfigCallbacks(metrics, guard, best, early, others, pusher)


def _pusher(config, task, bundle):
    """The PushToHub of `config.push`: its snapshots are model/ as the
    finished run writes it, with the resolved config beside it."""
    from tfft import hub

    def snapshot(model, directory):
        del model  # the bundle's
        builder.save(bundle, directory, _manifest(config, task), task=task)
        with open(os.path.join(directory, hub.CONFIG_IN_REPO), "w") as f:
            f.write(config_lib.to_json(config))

    p, t = config.push, config.train
    return PushToHub(p.repo_id, every=p.every, snapshot=snapshot,
                     monitor=t.monitor, mode=t.monitor_mode,
                     private=p.private, revision=p.revision,
                     final_wait=None)


def _segments(start, epochs):
    """The `fit` calls from `start`: (first position, stop position)."""
    segments = []
    epoch = start.epoch
    if start.batch:
        segments.append((start, pipeline.Position(epoch + 1, 0)))
        epoch += 1
    if epoch < epochs:
        segments.append((pipeline.Position(epoch, 0),
                         pipeline.Position(epochs, 0)))
    return segments


def _by_key(epoch_logs) -> dict:
    keys = sorted({k for logs in epoch_logs for k in logs})
    return {k: [logs.get(k, float("nan")) for logs in epoch_logs]
            for k in keys}


def _require_same_config(run, config, checkpoint_path):
    """A resume must train the run it continues."""
    # Fields that do not change what is trained: where and how often to
    # push may differ on the rerun.
    ignored = {("train", "verbose"), ("push", "repo_id"), ("push", "private"),
               ("push", "every"), ("push", "revision"),
               ("push", "wait_seconds")}

    def fields(text):
        d = json.loads(text)
        for section, key in ignored:
            d.get(section, {}).pop(key, None)
        return d

    try:
        with open(run.path(run_folder.CONFIG)) as f:
            # Through today's schema: fields added since it was written
            # take their defaults on both sides.
            saved = fields(config_lib.to_json(config_lib.from_json(f.read())))
    except OSError:
        return
    if saved != fields(config_lib.to_json(config)):
        raise UserError(
            f"{run.workdir} holds an unfinished run (checkpoint "
            f"{os.path.basename(checkpoint_path)}) with a different config; "
            "rerun with the same config to resume it, or pass a new "
            "--workdir")


def worker_dir(strategy, workdir: str) -> str:
    """Where this process writes: `workdir` for the chief (or a single
    process), `workdir/<type>-<id>` for the other workers of a cluster."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if (resolver is None or not getattr(resolver, "task_type", None)
            or isinstance(strategy, tf.distribute.TPUStrategy)):
        return workdir
    cluster = resolver.cluster_spec().as_dict()
    chief = ("chief", 0) if "chief" in cluster else ("worker", 0)
    if (resolver.task_type, resolver.task_id) == chief:
        return workdir
    return os.path.join(workdir, f"{resolver.task_type}-{resolver.task_id}")
