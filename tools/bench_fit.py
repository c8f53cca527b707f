"""Steady-state fit throughput of a config, per model family and setting.

    python tools/bench_fit.py --config=configs/sentiment_minilm.py \
        --families=keras_hub,hf --steps=60 [--config.a.b=value ...] \
        [--grid=float32:0:,mixed_bfloat16:1:16,32,64 ...]

Trains `--steps` optimizer steps (1 epoch over steps x batch examples) and
reports examples/s over the steps after the first `--warmup` ones (tracing
and first-shape compilation are reported separately), plus the wall time.
`--grid` lists settings as PRECISION:XLA(0/1):BUCKETS (buckets
comma-separated, empty for dynamic padding), separated by spaces or `;`;
`--grid=all` runs fp32/bf16 x XLA off/on x buckets off/"16,32,64".
Prints one JSON line per run and a markdown table at the end. A benchmark,
not a test: numbers depend on the machine.
"""

import json
import tempfile
import time

import tf_keras
from absl import flags
from ml_collections import config_flags

from tfft.cli import common

_CONFIG = config_flags.DEFINE_config_file("config", None, "Config file.")
_FAMILIES = flags.DEFINE_list("families", ["keras_hub", "hf"], "Families.")
_STEPS = flags.DEFINE_integer("steps", 60, "Optimizer steps to time.")
_WARMUP = flags.DEFINE_integer("warmup", 10, "Steps excluded as warm-up.")
_GRID = flags.DEFINE_string(
    "grid", "", "Settings PRECISION:XLA:BUCKETS separated by ';' (or 'all');"
    " empty: the config as it is.")
_EVAL = flags.DEFINE_integer(
    "eval_examples", 0, "If > 0, carve only this many validation and test "
    "examples (shorter runs; the accuracy is then only indicative).")

ALL = ["float32:0:", "float32:0:16,32,64", "float32:1:", "float32:1:16,32,64",
       "mixed_bfloat16:0:", "mixed_bfloat16:0:16,32,64",
       "mixed_bfloat16:1:", "mixed_bfloat16:1:16,32,64"]


def settings(grid: str) -> list:
    if not grid:
        return [None]
    entries = ALL if grid == "all" else [g for g in grid.split(";") if g]
    out = []
    for entry in entries:
        precision, xla, buckets = entry.split(":", 2)
        out.append({"precision": precision, "jit_compile": xla == "1",
                    "bucket_lengths": buckets})
    return out


class StepTimer(tf_keras.callbacks.Callback):
    """Batch end times; a tf_keras callback works in both Keras' `fit`."""

    def on_train_begin(self, logs=None):
        self.begin, self.ends = time.perf_counter(), []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())


def bench(config, family, steps, warmup):
    from tfft.tasks import get_task
    from tfft.training import trainer

    config.model.family = family
    config.train.epochs = 1
    config.train.verbose = 0
    config.data.max_train_examples = steps * config.train.batch_size
    timer = StepTimer()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        results = trainer.train(config, workdir, callbacks=[timer])
    steady = timer.ends[warmup:]
    examples = (len(steady) - 1) * config.train.batch_size
    return {
        "family": family,
        "steps": len(timer.ends),
        "batch_size": config.train.batch_size,
        "max_length": config.data.max_length,
        "warmup_seconds": round(timer.ends[warmup] - timer.begin, 2),
        "steady_examples_per_second": round(
            examples / (steady[-1] - steady[0]), 1),
        "wall_seconds_incl_eval": round(time.perf_counter() - started, 1),
        # The task's main metric (accuracy, entity F1, SQuAD F1).
        "test_metric": results["test"][get_task(config.task,
                                                config).main_metric],
    }


def main(argv):
    del argv
    rows = []
    for family in _FAMILIES.value:
        for setting in settings(_GRID.value):
            config = _CONFIG.value.copy_and_resolve_references()
            if setting:
                config.train.precision = setting["precision"]
                config.train.jit_compile = setting["jit_compile"]
                config.data.bucket_lengths = setting["bucket_lengths"]
            if _EVAL.value:
                config.data.validation_size = float(_EVAL.value)
                config.data.test_size = float(_EVAL.value)
            row = bench(config, family, _STEPS.value, _WARMUP.value)
            row.update(precision=config.train.precision,
                       xla=config.train.jit_compile,
                       buckets=config.data.bucket_lengths or "-")
            rows.append(row)
            print(json.dumps(row), flush=True)
    print("\n| family | precision | XLA | buckets | steady examples/s | "
          "first steps (s) |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['family']} | {r['precision']} | "
              f"{'on' if r['xla'] else 'off'} | {r['buckets']} | "
              f"{r['steady_examples_per_second']} | {r['warmup_seconds']} |")


if __name__ == "__main__":
    common.run_app(main)
