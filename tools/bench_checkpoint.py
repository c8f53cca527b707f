"""Cost of tfft's resumable checkpoints for a config's model, per family.

    python tools/bench_checkpoint.py --config=configs/sentiment_minilm.py \
        [--families=keras_hub,hf] [--repeats=3]

Builds and compiles the model as `tfft-train` does (optimizer slots built),
then times `Checkpoints.save` and `Checkpoints.restore` of the full training
state (weights, optimizer slots, RNG state) and reports its size. With
`train.checkpoint_steps` = N and a training rate of r steps/s, the overhead
is save_seconds / (N / r). A benchmark, not a test.
"""

import json
import os
import tempfile
import time

from absl import flags
from ml_collections import config_flags

from tfft.cli import common

_CONFIG = config_flags.DEFINE_config_file("config", None, "Config file.")
_FAMILIES = flags.DEFINE_list("families", ["keras_hub", "hf"], "Families.")
_REPEATS = flags.DEFINE_integer("repeats", 3, "Saves and restores timed.")


def bench(config, family, repeats):
    from tfft import keras_compat
    from tfft.data import pipeline
    from tfft.models import builder
    from tfft.tasks import get_task
    from tfft.training import checkpoint
    from tfft.training import precision
    from tfft.training.optimization import build_optimizer

    config.model.family = family
    config, _ = precision.resolved(config)
    task = get_task(config.task, config, state={"label_names": ["a", "b"]})
    with keras_compat.precision(family, config.train.precision):
        bundle = builder.build(config.model, task)
        keras = bundle.keras
        bundle.model.compile(
            optimizer=build_optimizer(keras, config.train, 1000),
            loss=task.build_losses(keras))
        checkpoint.build_optimizer(bundle.model)
    variables = checkpoint.training_variables(bundle.model)
    saves, restores = [], []
    with tempfile.TemporaryDirectory() as workdir:
        checkpoints = checkpoint.Checkpoints(workdir, keep=1)
        for _ in range(repeats):
            started = time.perf_counter()
            path = checkpoints.save(variables, pipeline.Position(0, 1), {})
            saves.append(time.perf_counter() - started)
            started = time.perf_counter()
            checkpoint.Checkpoints.restore(path, variables)
            restores.append(time.perf_counter() - started)
        size = sum(os.path.getsize(os.path.join(path, f))
                   for f in os.listdir(path))
    return {"family": family, "variables": len(variables),
            "megabytes": round(size / 2**20, 1),
            "save_seconds": round(min(saves), 2),
            "restore_seconds": round(min(restores), 2)}


def main(argv):
    del argv
    rows = [bench(_CONFIG.value.copy_and_resolve_references(), family,
                  _REPEATS.value) for family in _FAMILIES.value]
    for row in rows:
        print(json.dumps(row))
    print("\n| family | variables | size (MB) | save (s) | restore (s) |\n"
          "|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['family']} | {r['variables']} | {r['megabytes']} | "
              f"{r['save_seconds']} | {r['restore_seconds']} |")


if __name__ == "__main__":
    common.run_app(main)
