"""Steady-state fit throughput of a config, per model family.

    python tools/bench_fit.py --config=configs/sentiment_minilm.py \
        --families=keras_hub,hf --steps=60 [--config.a.b=value ...]

Trains `--steps` optimizer steps (1 epoch over steps x batch examples) and
reports examples/s over the steps after the first `--warmup` ones (tracing
and first-shape compilation are reported separately), plus the wall time.
Prints one JSON line per family. A benchmark, not a test: numbers depend on
the machine.
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


class StepTimer(tf_keras.callbacks.Callback):
    """Batch end times; a tf_keras callback works in both Keras' `fit`."""

    def on_train_begin(self, logs=None):
        self.begin, self.ends = time.perf_counter(), []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())


def bench(config, family, steps, warmup):
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
        "test_accuracy": results["test"]["accuracy"],
    }


def main(argv):
    del argv
    for family in _FAMILIES.value:
        config = _CONFIG.value.copy_and_resolve_references()
        print(json.dumps(bench(config, family, _STEPS.value, _WARMUP.value)),
              flush=True)


if __name__ == "__main__":
    common.run_app(main)
