"""tfft against the tools users would pick instead, in one run.

    python tools/bench.py [--contenders=tfft,files,seeds_tf,keras_hub,hf_torch]
        [--dataset=rotten_tomatoes|squad_pairs] [--epochs=2
        --learning_rate=1e-4 --eval_every=10 --out=bench_results]

Workload: all-MiniLM-L6-v2 on a seeded split (default 4,000 train / 1,000
test) of the bundled Rotten Tomatoes snippets (27 tokens each on
average), or with `--dataset=squad_pairs` of SQuAD v1.1 question +
paragraph pairs (does the paragraph answer the question; 122 tokens
after truncation at 128); max length 128, batch 32; the same epochs and
seed for every contender, and the same learning rate for all but
`files`. Contenders (`tools/contenders/`, each in its own
process):
  tfft       tfft's demo recipe (configs/sentiment_minilm.py) at the
             workload's learning rate
  files      tfft's user-file recipe (configs/classify_files.py with only
             the data flags set: its own precision, pooling, learning rate;
             validation carved from train)
  seeds_tf   TFAutoModelForSequenceClassification, padding="max_length",
             to_tf_dataset, fp32 fit
  keras_hub  keras_hub.models.BertTextClassifier, default preprocessing
  hf_torch   transformers' PyTorch Trainer, defaults, dynamic padding
             (needs `pip install -e ".[bench]"`: torch 2.13.0)
(squad_pairs: tfft, files and hf_torch, which read text pairs.)

Per contender: steady training examples/s (after `--warmup_steps`; the
time to get there is reported apart), setup, training and end-to-end wall
time (from the contender's empty process to its final test accuracy, the
benchmark's own evaluations excluded), test accuracy, the time to reach
`--target` test accuracy (evaluated every `--eval_every` steps with the
clock stopped until the target is reached, every 5 x `--eval_every` after;
counted from the contender's start, loading and tokenizing included;
reported with its resolution, the training seconds since the evaluation
before) and peak resident memory. Also the machine's fp32/bf16 matmul
peak, tfft's model FLOPs utilisation, tfft's input pipeline alone
(batches/s with no model), and (`--profile`) where a tfft step goes: its
fit step against the same batches through the compiled step alone,
through the input pipeline alone, and at the matmul peak, and the compiled
step's op time by kind of op (`op_profile.py`).
Writes `results.json` and `results.md` to `--out` and prints the tables.
A benchmark, not a test.
"""

import json
import os
import sys
import time

from absl import flags

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import op_profile  # noqa: E402
from contenders import workload as wl  # noqa: E402

from tfft.cli import common  # noqa: E402
from tfft.errors import UserError  # noqa: E402

CONTENDERS = ("tfft", "files", "seeds_tf", "keras_hub", "hf_torch")
MODULES = {"tfft": "tfft_recipe", "files": "files_recipe",
           "seeds_tf": "seeds_tf", "keras_hub": "keras_hub_classifier",
           "hf_torch": "hf_torch"}
# Contenders that read text pairs (the squad_pairs data set).
PAIRED = ("tfft", "files", "hf_torch")
DATASETS = ("rotten_tomatoes", "squad_pairs")

_CONTENDERS = flags.DEFINE_list("contenders", list(CONTENDERS),
                                "Which to run.")
_DATASET = flags.DEFINE_enum(
    "dataset", "rotten_tomatoes", DATASETS,
    "rotten_tomatoes: the bundled critic snippets (27 tokens); "
    "squad_pairs: SQuAD v1.1 question + paragraph pairs, does the "
    "paragraph answer the question (122 tokens at max length 128; the "
    "negative is another paragraph of the same article).")
_EPOCHS = flags.DEFINE_integer("epochs", 2, "Epochs for every contender.")
_LR = flags.DEFINE_float("learning_rate", 1e-4, "Peak learning rate.")
_BATCH = flags.DEFINE_integer("batch_size", 32, "Batch size.")
_MAX_LENGTH = flags.DEFINE_integer("max_length", 128, "Max tokens.")
_TRAIN = flags.DEFINE_integer("train_size", 4000, "Training examples.")
_TEST = flags.DEFINE_integer("test_size", 1000, "Test examples.")
_EVAL_EVERY = flags.DEFINE_integer(
    "eval_every", 10, "Steps between the test evaluations of the curve "
    "until the target is reached (5x as many after).")
_WARMUP = flags.DEFINE_integer("warmup_steps", 10, "Steps left out of the "
                               "steady rate.")
_TARGET = flags.DEFINE_float("target", 0.80, "Test accuracy to reach.")
_SEED = flags.DEFINE_integer("seed", 0, "Split and training seed.")
_FILES_FAMILY = flags.DEFINE_enum(
    "files_family", "", ["", "keras_hub", "hf"],
    "The files recipe's model family (--config.model.family); empty: the "
    "config's own (keras_hub).")
_PROFILE = flags.DEFINE_bool("profile", True, "Also profile a tfft step "
                             "(fit, compiled step, input pipeline, matmuls).")
_OUT = flags.DEFINE_string("out", "bench_results", "Output folder.")
_CHILD = flags.DEFINE_string("child", None, "(internal) run one part.")
_WORKLOAD = flags.DEFINE_string("workload", None, "(internal) its file.")


def rotten_tomatoes_rows():
    """{"train", "test"}: the seeded split's rows (label: 0 fresh,
    1 rotten)."""
    from tfft.data import bundled

    rows = bundled.rotten_tomatoes().shuffle(seed=_SEED.value)
    names = sorted(set(rows["label"]))
    needed = _TRAIN.value + _TEST.value
    rows = [{"text": r["text"], "label": names.index(r["label"])}
            for r in rows.select(range(needed))]
    return {"train": rows[:_TRAIN.value], "test": rows[_TRAIN.value:]}


def squad_pairs_rows():
    """{"train", "test"}: (question, paragraph) pairs from SQuAD v1.1's
    train and dev questions (seeded order), label 1 when the paragraph is
    the question's own, 0 for another paragraph of the same article (half
    each, seeded): long texts, and a task that needs the pair read
    together."""
    import random

    from tfft.data import bundled

    squad = bundled.squad()
    out = {}
    for split, source, size in (("train", "train", _TRAIN.value),
                                ("test", "test", _TEST.value)):
        data = squad[source]
        paragraphs = {}
        for title, context in zip(data["title"], data["context"]):
            paragraphs.setdefault(title, {})[context] = None
        rng = random.Random(_SEED.value)
        order = list(range(len(data)))
        rng.shuffle(order)
        rows = []
        for r in data.select(order[:size]):
            others = [p for p in paragraphs[r["title"]] if p != r["context"]]
            label = int(rng.random() < 0.5) if others else 1
            rows.append({"text": r["question"],
                         "text_pair": (r["context"] if label
                                       else rng.choice(others)),
                         "label": label})
        out[split] = rows
    return out


def write_workload(out):
    """The seeded split as JSON lines and the workload every contender
    reads."""
    from tfft import assets

    splits = (squad_pairs_rows() if _DATASET.value == "squad_pairs"
              else rotten_tomatoes_rows())
    paths = {}
    for split, rows in splits.items():
        paths[split] = os.path.join(out, f"{split}.jsonl")
        with open(paths[split], "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    workload = {
        "dataset": _DATASET.value,
        "pairs": _DATASET.value == "squad_pairs",
        "model_dir": assets.model_path("all-MiniLM-L6-v2"),
        "train_file": paths["train"], "test_file": paths["test"],
        "max_length": _MAX_LENGTH.value, "batch_size": _BATCH.value,
        "learning_rate": _LR.value, "epochs": _EPOCHS.value,
        "eval_every": _EVAL_EVERY.value, "warmup_steps": _WARMUP.value,
        "target": _TARGET.value, "seed": _SEED.value,
        "files_family": _FILES_FAMILY.value,
    }
    path = os.path.join(out, "workload.json")
    with open(path, "w") as f:
        json.dump(workload, f, indent=1)
    return path, workload


# -- the parts run in child processes --------------------------------------

def child_contender(name, workload):
    import importlib

    module = importlib.import_module(f"contenders.{MODULES[name]}")
    result = module.run(workload)
    result["peak_rss_mb"] = wl.peak_rss_mb()
    return result


def child_matmul(_):
    """Peak matmul rate of this machine in TensorFlow, fp32 and bf16."""
    import tensorflow as tf

    n, repeats, out = 2048, 10, {}
    for dtype in (tf.float32, tf.bfloat16):
        a = tf.random.normal([n, n], dtype=tf.float32)
        a = tf.cast(a, dtype)
        matmul = tf.function(lambda x: tf.matmul(x, x))
        matmul(a).numpy()
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            matmul(a).numpy()
            best = min(best, time.perf_counter() - started)
        out[dtype.name] = round(2 * n**3 / best / 1e9, 1)
    return {"gflops": out}


class TfftInputs:
    """tfft's recipe on the workload, up to its tokenized train split:
    what the trainer itself prepares for `config` (timed)."""

    def __init__(self, workload, max_train_examples=0, epochs=1):
        from contenders.tfft_recipe import config_for

        from tfft.data import sources
        from tfft.models import builder
        from tfft.tasks import get_task

        config = config_for(workload)
        config.data.max_train_examples = max_train_examples
        config.train.epochs = epochs
        self.config = config
        self.task = get_task(config.task, config)
        splits = self.task.prepare(sources.load_splits(config.data))
        self.tokenizer = builder.family_module(
            config.model.family).load_tokenizer(
                builder.resolve_path(config.model.path))
        started = time.perf_counter()
        self.train = self.task.tokenize(splits["train"], self.tokenizer)
        self.tokenize_seconds = time.perf_counter() - started

    def stream(self, epochs):
        from tfft.data import pipeline

        return pipeline.train_stream(
            self.train, batch_size=self.config.train.batch_size,
            collate_fn=self.task.collator(self.tokenizer),
            seed=self.config.seed, start=pipeline.Position(0, 0),
            stop=pipeline.Position(epochs, 0),
            group_by_length=self.config.data.group_by_length)


def child_pipeline(workload):
    """tfft's training input pipeline alone: batches/s, no model."""
    inputs = TfftInputs(workload)
    batches, tokens = 0, 0
    started = time.perf_counter()
    for features, _ in inputs.stream(epochs=3):
        batches += 1
        tokens += int(features["input_ids"].shape[1])
    seconds = time.perf_counter() - started
    lengths = [min(len(ids), workload["max_length"])
               for ids in inputs.train["input_ids"]]
    return {"batches_per_second": round(batches / seconds, 1),
            "mean_padded_length": round(tokens / batches, 1),
            "mean_tokens": round(sum(lengths) / len(lengths), 1),
            "tokenize_examples_per_second": round(
                len(lengths) / inputs.tokenize_seconds)}


# Steps of the profile's batches run under TF's profiler.
OP_PROFILE_STEPS = 10


def child_profile(workload, steps=40, warmup=10):
    """Where a step of tfft's recipe goes: `steps` steps of its `fit`
    (steady time per step after `warmup`), then the same batches again
    through `train_on_batch` (the compiled step alone: no tf.data, no
    callbacks), the same batches through the input pipeline alone, and the
    time the encoder's matmul FLOPs of those batches would take at this
    machine's bf16 matmul peak."""
    import tempfile

    import tf_keras

    from tfft.training import precision
    from tfft.training import trainer

    batch = workload["batch_size"]
    inputs = TfftInputs(workload, max_train_examples=steps * batch)
    started = time.perf_counter()
    batches = list(inputs.stream(epochs=1))
    pipeline_seconds = (time.perf_counter() - started) / len(batches)
    measured = {}

    class Profile(tf_keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.ends = []
            self.begin = time.perf_counter()

        def on_train_batch_end(self, step, logs=None):
            self.ends.append(time.perf_counter())

        def on_train_end(self, logs=None):
            # fit's first step: tracing (and building) the train function.
            measured["first_step"] = self.ends[0] - self.begin
            skip = min(warmup, len(self.ends) // 2)
            ends = self.ends[skip:]
            measured["fit"] = (ends[-1] - ends[0]) / (len(ends) - 1)
            # The same batches as the fit figure (batch skip + 1 on): with
            # length-grouped batches, lengths differ from batch to batch.
            same = batches[skip + 1:]
            measured["first"] = skip + 1
            measured["bare"] = per_batch(
                same, lambda x, y: self.model.train_on_batch(x, y))
            measured.update(step_parts(self.model, same))
            # The compiled step's op time by kind (the same batches,
            # traced already by `bare`).
            profiled = same[:OP_PROFILE_STEPS]
            left = iter(profiled)
            measured["ops"] = op_profile.per_call(
                lambda: self.model.train_on_batch(*next(left)),
                len(profiled))

    with tempfile.TemporaryDirectory() as workdir:
        trainer.train(inputs.config, os.path.join(workdir, "run"),
                      callbacks=[Profile()])
    shape = child_model_shape(workload)
    timed = batches[measured.pop("first"):]

    def gflop(some):  # the encoder's matmul GFLOP per step of `some`
        return sum(batch * train_flops_per_example(
            shape, int(features["input_ids"].shape[1]))
            for features, _ in some) / len(some) / 1e9

    return {"precision": precision.resolve(inputs.config.train.precision)[0],
            "fit_step_seconds": round(measured["fit"], 4),
            "bare_step_seconds": round(measured["bare"], 4),
            **{f"{k}_seconds": round(v, 4) for k, v in measured.items()
               if k not in ("fit", "bare", "first_step", "ops")},
            "op_seconds_by_kind": {k: round(v, 4)
                                   for k, v in measured["ops"].items()},
            "first_step_seconds": round(measured["first_step"], 2),
            "pipeline_batch_seconds": round(pipeline_seconds, 4),
            "step_gflop": round(gflop(timed), 1),
            "op_profile_steps": len(timed[:OP_PROFILE_STEPS]),
            "op_profile_step_gflop": round(
                gflop(timed[:OP_PROFILE_STEPS]), 1),
            "tokenize_seconds": round(inputs.tokenize_seconds, 2)}


def child_model_shape(workload):
    with open(os.path.join(workload["model_dir"], "config.json")) as f:
        c = json.load(f)
    return {"layers": c["num_hidden_layers"], "hidden": c["hidden_size"],
            "intermediate": c["intermediate_size"]}


def per_batch(batches, fn) -> float:
    """Seconds per batch of `fn(features, labels)`, timed on the second
    pass over `batches` (the first may trace new shapes)."""
    for _ in range(2):
        started = time.perf_counter()
        for features, labels in batches:
            fn(features, labels)
        seconds = (time.perf_counter() - started) / len(batches)
    return seconds


def step_parts(model, batches) -> dict:
    """Seconds per batch of a compiled Keras 3 model's step parts: forward
    with and without dropout, forward + backward, the optimizer update."""
    import tensorflow as tf

    variables = model.trainable_variables

    @tf.function(reduce_retracing=True)
    def forward(features, training):
        return model(features, training=training)

    @tf.function(reduce_retracing=True)
    def gradients(features, labels):
        with tf.GradientTape() as tape:
            logits = tf.cast(model(features, training=True), tf.float32)
            loss = model.loss(labels, logits)
        return tape.gradient(loss, variables)

    @tf.function
    def apply(grads):
        model.optimizer.apply(grads, variables)

    grads = gradients(*batches[0])
    return {
        "forward_no_dropout": per_batch(
            batches, lambda x, y: forward(x, False)),
        "forward": per_batch(batches, lambda x, y: forward(x, True)),
        "forward_backward": per_batch(batches, gradients),
        "optimizer": per_batch(batches, lambda x, y: apply(grads)),
    }


CHILDREN = {"matmul": child_matmul, "pipeline": child_pipeline,
            "profile": child_profile, "shape": child_model_shape}


# -- the report -------------------------------------------------------------

def train_flops_per_example(shape, tokens):
    """Forward + backward (3x forward) FLOPs of the encoder's matmuls."""
    layers, d, ff = shape["layers"], shape["hidden"], shape["intermediate"]
    dense = 2 * layers * (4 * d * d + 2 * d * ff) * tokens
    attention = 2 * layers * 2 * tokens * tokens * d
    return 3 * (dense + attention)


def versus(results, ours, theirs, batch_size) -> dict:
    """`ours` against `theirs`: examples/s, end-to-end time (from an
    empty process to the test accuracy), training examples per end-to-end
    second (the recipes may train on different counts: classify_files
    carves its validation from train), and test accuracy."""
    a, b = results.get(ours, {}), results.get(theirs, {})
    if "steady_examples_per_second" not in a or \
            "steady_examples_per_second" not in b:
        return {}

    def per_second(r):  # full batches: both sides' last one counts whole
        return r["steps"] * batch_size / r["end_to_end_seconds"]

    return {
        f"{ours}_speed_vs_{theirs}": round(
            a["steady_examples_per_second"]
            / b["steady_examples_per_second"], 2),
        f"{ours}_end_to_end_vs_{theirs}": round(
            b["end_to_end_seconds"] / a["end_to_end_seconds"], 2),
        f"{ours}_examples_per_end_to_end_second_vs_{theirs}": round(
            per_second(a) / per_second(b), 2),
        f"{ours}_accuracy_minus_{theirs}": round(
            a["test_accuracy"] - b["test_accuracy"], 3)}


def report(results, machine, pipeline_rate, shape, workload, profile):
    t = results.get("tfft", {})
    lines = [
        "| contender | steady examples/s | warm-up (s) | setup (s) | "
        "training (s) | end to end (s) | test accuracy | time to "
        f"{workload['target']:.2f} (s, ± resolution) | peak RSS (MB) |",
        "|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        if "error" in r:
            lines.append(f"| {name} | {r['error']} ||||||||")
            continue
        reached = ("not reached" if not r["seconds_to_target"] else
                   f"{r['seconds_to_target']} "
                   f"(−{r['target_resolution_seconds']})")
        lines.append(
            f"| {name} | {r['steady_examples_per_second']} | "
            f"{r['warmup_seconds']} | {r['setup_seconds']} | "
            f"{r['train_seconds']} | {r['end_to_end_seconds']} | "
            f"{r['test_accuracy']:.3f} | {reached} | {r['peak_rss_mb']} |")
    summary = versus(results, "files", "hf_torch", workload["batch_size"])
    for name in results:
        recipe = results[name].get("recipe")
        if recipe:
            summary[f"recipe_{name}"] = recipe
    if "steady_examples_per_second" in t:
        flops = train_flops_per_example(shape, pipeline_rate["mean_tokens"])
        peak = machine["gflops"]["bfloat16"] * 1e9
        summary["tfft_mfu_vs_bf16_peak"] = round(
            t["steady_examples_per_second"] * flops / peak, 3)
        summary["tfft_model_batches_per_second"] = round(
            t["steady_examples_per_second"] / workload["batch_size"], 2)
        summary["pipeline_over_model"] = round(
            pipeline_rate["batches_per_second"]
            / summary["tfft_model_batches_per_second"], 1)
        for other, goal in (("hf_torch", 3.0), ("seeds_tf", 5.0),
                            ("keras_hub", None)):
            r = results.get(other, {})
            if "steady_examples_per_second" not in r:
                continue
            ratio = (t["steady_examples_per_second"]
                     / r["steady_examples_per_second"])
            summary[f"speed_vs_{other}"] = round(ratio, 2)
            if goal:
                summary[f"speed_vs_{other}_target"] = goal
            if t.get("seconds_to_target") and r.get("seconds_to_target"):
                summary[f"time_to_target_vs_{other}"] = round(
                    r["seconds_to_target"] / t["seconds_to_target"], 2)
            summary[f"accuracy_minus_{other}"] = round(
                t["test_accuracy"] - r["test_accuracy"], 3)
    lines += ["", f"Machine matmul peak (TF, 2048²): fp32 "
              f"{machine['gflops']['float32']} GFLOP/s, bf16 "
              f"{machine['gflops']['bfloat16']} GFLOP/s. tfft input pipeline "
              f"alone: {pipeline_rate['batches_per_second']} batches/s "
              f"(mean padded length {pipeline_rate['mean_padded_length']}, "
              f"mean tokens {pipeline_rate['mean_tokens']})."]
    if "fit_step_seconds" in profile:
        p = profile
        floor = p["step_gflop"] / machine["gflops"]["bfloat16"]
        lines += ["", "Where a step of tfft's recipe goes (the profile's "
                  f"batches, keras_hub, {p['precision']}; "
                  "seconds per step):", "",
                  "| part | s/step | share of the fit step |", "|---|---|---|"]
        parts = [("fit step (as trained)", p["fit_step_seconds"]),
                 ("compiled step alone (train_on_batch)",
                  p["bare_step_seconds"])]
        if "forward_seconds" in p:
            parts += [
                ("- forward, dropout off", p["forward_no_dropout_seconds"]),
                ("- dropout (forward)", p["forward_seconds"]
                 - p["forward_no_dropout_seconds"]),
                ("- backward", p["forward_backward_seconds"]
                 - p["forward_seconds"]),
                ("- optimizer update (AdamW)", p["optimizer_seconds"])]
        for part, value in (
                *parts,
                ("input pipeline alone, same batches",
                 p["pipeline_batch_seconds"]),
                ("encoder matmuls at the bf16 matmul peak", floor)):
            lines.append(f"| {part} | {value:.4f} | "
                         f"{value / p['fit_step_seconds']:.0%} |")
        if "forward_seconds" in p:
            lines += ["", "The `-` parts are timed as separate functions, "
                      "so they need not add up to the compiled step (which "
                      "TF optimises as one graph)."]
        ops = p.get("op_seconds_by_kind")
        if ops:
            total = sum(ops.values())
            lines += ["", "The compiled step's op time by kind (TF's "
                      f"profiler, {p['op_profile_steps']} of the same "
                      "batches; summed over TF's "
                      "threads, so ops run side by side both count):", "",
                      "| kind of op | op s/step | share of op time |",
                      "|---|---|---|"]
            lines += [f"| {kind} | {value:.4f} | {value / total:.0%} |"
                      for kind, value in ops.items()]
            # The step's wall time split as its op time is: the matmuls'
            # share of the compiled step, and their rate inside it.
            matmul = sum(v for k, v in ops.items() if "matmuls" in k)
            matmul_seconds = p["bare_step_seconds"] * matmul / total
            summary["tfft_matmul_share_of_step"] = round(matmul / total, 2)
            summary["tfft_matmul_gflops_in_step"] = round(
                p["op_profile_step_gflop"] / matmul_seconds, 1)
        summary["tfft_step_gflop"] = p["step_gflop"]
        summary["tfft_first_step_seconds"] = p.get("first_step_seconds")
    lines += ["", "| figure | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary.items()]
    return "\n".join(lines), summary


def main(argv):
    del argv
    if _CHILD.value:
        with open(_WORKLOAD.value) as f:
            workload = json.load(f)
        fn = CHILDREN.get(_CHILD.value)
        result = (fn(workload) if fn
                  else child_contender(_CHILD.value, workload))
        print(json.dumps(result))
        return
    unknown = set(_CONTENDERS.value) - set(CONTENDERS)
    if unknown:
        raise UserError(
            f"unknown contenders {sorted(unknown)}; choose from "
            f"{', '.join(CONTENDERS)}")
    unpaired = set(_CONTENDERS.value) - set(PAIRED)
    if _DATASET.value == "squad_pairs" and unpaired:
        raise UserError(
            f"contenders {sorted(unpaired)} read single texts only; with "
            f"--dataset=squad_pairs use --contenders={','.join(PAIRED)}")
    os.makedirs(_OUT.value, exist_ok=True)
    workload_path, workload = write_workload(_OUT.value)
    machine = wl.run_child(__file__, "matmul", workload_path)
    pipeline_rate = wl.run_child(__file__, "pipeline", workload_path)
    profile = (wl.run_child(__file__, "profile", workload_path)
               if _PROFILE.value else {})
    shape = child_model_shape(workload)
    results = {}
    for name in _CONTENDERS.value:
        if name == "hf_torch" and not _has_torch():
            results[name] = {"error": "torch is not installed: pip install "
                                      "-e '.[bench]'"}
            continue
        results[name] = wl.run_child(__file__, name, workload_path)
        print(name, json.dumps(results[name]), flush=True)
    table, summary = report(results, machine, pipeline_rate, shape, workload,
                            profile)
    everything = {"workload": workload, "machine": machine,
                  "pipeline": pipeline_rate, "profile": profile,
                  "results": results,
                  "summary": summary,
                  "date": time.strftime("%Y-%m-%d %H:%M %Z")}
    with open(os.path.join(_OUT.value, "results.json"), "w") as f:
        json.dump(everything, f, indent=1)
    with open(os.path.join(_OUT.value, "results.md"), "w") as f:
        f.write(table + "\n")
    print(table)


def _has_torch() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


if __name__ == "__main__":
    if any(arg.startswith("--child") for arg in sys.argv):
        # No library imported before a contender's clock starts (run_app
        # would import datasets and transformers, and with them torch).
        from absl import app

        app.run(main)
    else:
        common.run_app(main)
