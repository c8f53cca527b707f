"""What every contender shares: the data split, the model folder, and the
clock that separates training time from the benchmark's own evaluations.

A workload is a JSON-able dict written by `tools/bench.py`:
  model_dir, train_file, test_file (JSON lines: text, label), max_length,
  batch_size, learning_rate, epochs, eval_every (steps), target (accuracy),
  warmup_steps (excluded from the steady rate), seed.
"""

import contextlib
import json
import resource
import time

import numpy as np


def run_child(script, name, workload_path) -> dict:
    """Runs `script --child=name --workload=workload_path` in a fresh
    process; returns the JSON line it prints last, or {"error": ...}."""
    import os
    import subprocess
    import sys

    started = time.time()
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", HF_HUB_OFFLINE="1",
               KERAS_BACKEND="tensorflow",
               TOKENIZERS_PARALLELISM="false")
    proc = subprocess.run(
        [sys.executable, os.path.abspath(script), f"--child={name}",
         f"--workload={workload_path}"], capture_output=True, text=True,
        env=env)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"error": tail[0][:300]}
    result = json.loads(lines[-1])
    result["process_seconds"] = round(time.time() - started, 1)
    return result


def tfft_config(config_file, w, validation_file=""):
    """A tfft config file pointed at the workload `w`'s files (text, or
    text and text_pair), length, batch size, epochs and seed (the learning
    rate is the caller's); validation on `validation_file`, else on the
    test file."""
    from tfft.cli.common import load_config_file

    config = load_config_file(config_file)
    d, t = config.data, config.train
    d.dataset = ""
    d.train_files = w["train_file"]
    d.validation_files = validation_file or w["test_file"]
    d.test_files = w["test_file"]
    d.max_length = w["max_length"]
    d.text_columns = ",".join(text_columns(w))
    t.batch_size = w["batch_size"]
    t.epochs = w["epochs"]
    t.verbose = 0
    config.seed = w["seed"]
    return config


def read_rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


FINE_THEN_COARSE = 5


def tfft_clock() -> "Clock":
    """A started Clock, in a process set up as `tfft-train` sets up its
    own before it imports TensorFlow (`tfft.cli.common.run_app`: optional
    imports of Keras and keras-hub skipped)."""
    from tfft.cli import common

    common.skip_optional_imports()
    return Clock()


class Clock:
    """Training time without the benchmark's evaluations.

    `step_end()` after each optimizer step; `evaluate(fn)` runs
    `fn() -> accuracy` with the clock paused and records (step, training
    seconds, accuracy); `boundary()` marks a gap (epoch end) that the steady
    rate leaves out but the training time keeps."""

    def __init__(self):
        self.begin = time.perf_counter()  # the contender's start
        self.paused = 0.0
        self.train_begin = None
        self.ends = []  # seconds since `begin` at each step end
        self.skip = set()  # steps whose interval holds an epoch boundary
        self.curve = []  # (step, training seconds, accuracy)

    def now(self):
        return time.perf_counter() - self.begin - self.paused

    def start_training(self):
        if self.train_begin is None:
            self.train_begin = self.now()

    def step_end(self):
        self.ends.append(self.now())

    def boundary(self):
        self.skip.add(len(self.ends) + 1)

    @contextlib.contextmanager
    def off(self):
        """The benchmark's own work (preparing or running its evaluations):
        never counted."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.paused_since(started)

    def due(self, eval_every, target):
        """Whether the step just ended gets a test evaluation: every
        `eval_every` steps until `target` accuracy is first recorded, every
        `FINE_THEN_COARSE` x `eval_every` after (the curve then only shows
        the rest of training; the crossing is what needs the resolution)."""
        reached = any(a >= target for _, _, a in self.curve)
        every = eval_every * (FINE_THEN_COARSE if reached else 1)
        return len(self.ends) % every == 0

    def evaluate(self, fn):
        with self.off():
            accuracy = float(fn())
        return self.record(accuracy)

    def paused_since(self, started):
        """Takes the time since `started` (perf_counter) off the clock."""
        self.paused += time.perf_counter() - started

    def record(self, accuracy):
        self.curve.append((len(self.ends), round(self.now(), 2),
                           round(float(accuracy), 4)))
        return accuracy

    def figures(self, batch_size, warmup_steps, target):
        ends = np.asarray(self.ends)
        steps = np.arange(1, len(ends) + 1)
        durations = np.diff(ends)  # interval of step i+1 (steps from 1)
        keep = [(s > warmup_steps and s not in self.skip)
                for s in steps[1:]]
        steady = durations[np.asarray(keep, bool)]
        # From the contender's start: loading and tokenizing count too.
        reached = next((t for _, t, a in self.curve if a >= target), None)
        crossing = next((i for i, (_, _, a) in enumerate(self.curve)
                         if a >= target), None)
        # How finely the crossing is resolved: the training seconds
        # between the evaluation that first reached the target and the one
        # before it (from the start of training for the first).
        resolution = (None if crossing is None else round(
            self.curve[crossing][1] - (self.curve[crossing - 1][1]
                                       if crossing else self.train_begin),
            1))
        return {
            "steps": int(len(ends)),
            "setup_seconds": round(self.train_begin, 1),
            "warmup_seconds": round(
                float(ends[warmup_steps - 1]) - self.train_begin, 2),
            "steady_examples_per_second": round(
                batch_size * len(steady) / float(steady.sum()), 1),
            "train_seconds": round(float(ends[-1]) - self.train_begin, 1),
            "wall_seconds": round(float(ends[-1]), 1),
            "curve": self.curve,
            "seconds_to_target": reached,
            "target_resolution_seconds": resolution,
            "end_to_end_seconds": round(self.now(), 1),
        }


def result(clock, w, test_accuracy, recipe) -> dict:
    """A contender's figures: the clock's, its final test accuracy and a
    one-line description of the recipe."""
    figures = clock.figures(w["batch_size"], w["warmup_steps"], w["target"])
    figures["test_accuracy"] = float(test_accuracy)
    figures["recipe"] = recipe
    return figures


def keras_clock(clock, evaluate_fn, eval_every, target=1.0):
    """The clock as a tf_keras callback (both Keras flavours' fit take it):
    `evaluate_fn(model) -> accuracy` when `clock.due(eval_every, target)`."""
    import tf_keras

    class KerasClock(tf_keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            clock.start_training()

        def on_train_batch_end(self, batch, logs=None):
            clock.step_end()
            if clock.due(eval_every, target):
                clock.evaluate(lambda: evaluate_fn(self.model))

        def on_epoch_end(self, epoch, logs=None):
            clock.boundary()

    return KerasClock()


def text_columns(w) -> list:
    """The workload's text columns: `text`, and `text_pair` for pairs."""
    return ["text", "text_pair"] if w.get("pairs") else ["text"]


def texts(rows):
    """The rows' texts as a tokenizer takes them: (texts, text pairs or
    None)."""
    pairs = [r["text_pair"] for r in rows] if "text_pair" in rows[0] else None
    return [r["text"] for r in rows], pairs


def tf_test_batches(model_dir, rows, max_length, batch_size=64):
    """The test rows' texts (or text pairs) as tfft-named int32 input
    batches (transformers' fast tokenizer, dynamic padding): what the TF
    contenders are scored on."""
    import transformers

    tokenizer = transformers.AutoTokenizer.from_pretrained(model_dir)
    first, second = texts(rows)
    batches = []
    for i in range(0, len(first), batch_size):
        enc = tokenizer(first[i:i + batch_size],
                        second[i:i + batch_size] if second else None,
                        truncation=True, max_length=max_length, padding=True,
                        return_tensors="np")
        batches.append({k: enc[k].astype("int32") for k in
                        ("input_ids", "attention_mask", "token_type_ids")})
    return batches


def tf_accuracy(model, batches, labels) -> float:
    """Accuracy of a TF model (tfft's, or a transformers TF* one)."""
    outputs = []
    for batch in batches:
        out = model(batch, training=False)
        outputs.append(np.asarray(getattr(out, "logits", out), np.float32))
    return accuracy(np.concatenate(outputs), labels)


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def accuracy(logits, labels) -> float:
    return float(np.mean(np.argmax(np.asarray(logits), -1)
                         == np.asarray(labels)))


def task_table(results, unit, metric) -> str:
    """The results table of a task benchmark (`bench_ner.py`,
    `bench_qa.py`): `unit` counts what a step trains on (sentences,
    features), `metric` names the test figure."""
    rows = [f"| recipe | steady {unit}/s | setup (s) | training (s) | "
            f"test {metric} | peak RSS (MB) |", "|---|---|---|---|---|---|"]
    for name, r in results.items():
        if "error" in r:
            rows.append(f"| {name} | error: {r['error']} | | | | |")
            continue
        rows.append(
            f"| {name} | {r['steady_examples_per_second']} | "
            f"{r['setup_seconds']} | {r['train_seconds']} | "
            f"{r['test_accuracy']:.4f} | {r['peak_rss_mb']:,.0f} |")
    base, ours = results.get("hf_torch", {}), results.get("tfft", {})
    rate = "steady_examples_per_second"
    if rate in base and rate in ours:
        rows.append("")
        rows.append(
            f"tfft / hf_torch: {ours[rate] / base[rate]:.2f}x steady "
            f"{unit}/s, {base['train_seconds'] / ours['train_seconds']:.2f}x "
            f"training time, {metric} "
            f"{ours['test_accuracy'] - base['test_accuracy']:+.4f}")
    return "\n".join(rows)


def task_bench_main(script, modules, names, out, write_workload, unit,
                    metric, child=None, workload_file=None):
    """A task benchmark's main: as `--child`, run one contender (module
    `contenders.<modules[child]>`) and print its JSON; else write the
    workload to `out`, run each of `names` in its own process, and write
    results.json and results.md."""
    import importlib
    import os

    if child:
        with open(workload_file) as f:
            workload = json.load(f)
        module = importlib.import_module(f"contenders.{modules[child]}")
        result = module.run(workload)
        result["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return
    os.makedirs(out, exist_ok=True)
    path, workload = write_workload(out)
    results = {}
    for name in names:
        print(f"running {name} ...", flush=True)
        results[name] = run_child(script, name, path)
        print(json.dumps({name: {k: v for k, v in results[name].items()
                                 if k != "curve"}}), flush=True)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"workload": workload, "results": results}, f, indent=1)
    text = task_table(results, unit, metric)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(text + "\n")
    print(text)


def tfft_task_config(config_file, w):
    """A task benchmark's tfft config: `tfft_config` validating on the
    workload's small validation file, with tfft's learning rate and no
    mid-epoch checkpoints."""
    config = tfft_config(config_file, w, validation_file=w["validation_file"])
    t = config.train
    t.learning_rate = w["learning_rate"].get("tfft", t.learning_rate)
    t.checkpoint_steps = 0
    return config


def tfft_task_contender(w, config_for, metric, describe) -> dict:
    """A task benchmark's tfft contender: `config_for(w)` trained by
    tfft's trainer (no curve: the test `metric` once, after training, off
    the clock); `describe(config)` names the recipe. The clock starts
    before tfft is imported."""
    import os
    import tempfile

    clock = tfft_clock()
    from tfft.training import precision
    from tfft.training import trainer

    config = config_for(w)
    callback = keras_clock(clock, lambda model: 0.0, eval_every=10**9)
    with tempfile.TemporaryDirectory() as workdir:
        results = trainer.train(config, os.path.join(workdir, "run"),
                                callbacks=[callback])
    # The description names the precision "auto" chose.
    return result(clock, w, results["test"][metric],
                  describe(precision.resolved(config)[0]))


def torch_task_trainer(clock, w, model, train, collator, output_dir,
                       seq2seq=False, eval_batch_size=64):
    """HF's PyTorch `Trainer` (`Seq2SeqTrainer` with `seq2seq`) as a task
    benchmark's recipe runs it: the workload's batch size, epochs, seed
    and hf_torch learning rate, no evaluation during training, each step
    timed on `clock`."""
    import transformers

    class Timing(transformers.TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            clock.start_training()

        def on_step_end(self, args, state, control, **kwargs):
            clock.step_end()

        def on_epoch_end(self, args, state, control, **kwargs):
            clock.boundary()

    arguments, trainer = ((transformers.Seq2SeqTrainingArguments,
                           transformers.Seq2SeqTrainer) if seq2seq else
                          (transformers.TrainingArguments,
                           transformers.Trainer))
    args = arguments(
        output_dir=output_dir, per_device_train_batch_size=w["batch_size"],
        per_device_eval_batch_size=eval_batch_size,
        learning_rate=w["learning_rate"].get("hf_torch", 5e-5),
        num_train_epochs=w["epochs"], eval_strategy="no",
        save_strategy="no", report_to=[], seed=w["seed"],
        disable_tqdm=True, logging_strategy="no")
    return trainer(model=model, args=args, train_dataset=train,
                   data_collator=collator, callbacks=[Timing()])


def generated_count(tokens, pad_id) -> int:
    """Generated tokens in [batch, length] ids after the decoder start:
    each row's tokens before its padding (its end token included)."""
    tokens = np.asarray(tokens)
    return int(sum(next((i for i, t in enumerate(row) if t == pad_id),
                        len(row)) for row in tokens))
