"""tfft-train --config=configs/<name>.py --workdir=DIR [--config.a.b=v]"""

import json
import shlex
import sys

from absl import flags
from ml_collections import config_flags

from tfft.cli import common

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Experiment config file (configs/<name>.py).")
_WORKDIR = flags.DEFINE_string("workdir", None, "Where the run is written.")


def preflight(config, workdir):
    """Cheap checks before TensorFlow loads, so bad input fails at once:
    the config, the run folder, the model folder, and the data itself
    (read and prepared by the task). Returns the prepared data."""
    from tfft import assets
    from tfft import config as config_lib
    from tfft import run_folder
    from tfft.data import sources
    from tfft.tasks import prepare_data

    config_lib.validate(config)
    run_folder.RunFolder(workdir).refuse_completed()
    for split in sources.SPLITS:
        patterns = getattr(config.data, f"{split}_files")
        if patterns:
            sources.expand(patterns)
    assets.model_folder(config.model.path)
    return prepare_data(config)


def main(argv):
    del argv  # absl's leftovers; the command line is sys.argv
    common.require_flags(config=_CONFIG.value is not None,
                         workdir=_WORKDIR.value)
    prepared = preflight(_CONFIG.value, _WORKDIR.value)
    from tfft.training import trainer  # imports TensorFlow

    results = trainer.train(_CONFIG.value, _WORKDIR.value,
                            prepared=prepared,
                            command=shlex.join(["tfft-train", *sys.argv[1:]]))
    summary = {split: {k: v for k, v in metrics.items() if k != "per_class"}
               for split, metrics in results.items()}
    print(json.dumps({"workdir": _WORKDIR.value, **summary}, indent=2))


def run():
    common.run_app(main)


if __name__ == "__main__":
    run()
