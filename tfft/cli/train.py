"""tfft-train --config=configs/<name>.py --workdir=DIR [--config.a.b=v]"""

import json
import shlex
import sys

from absl import flags
from ml_collections import config_flags

from tfft.cli import common
from tfft.errors import UserError

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Experiment config file (configs/<name>.py).")
_WORKDIR = flags.DEFINE_string("workdir", None, "Where the run is written.")


def preflight(config, workdir):
    """Cheap checks before TensorFlow loads, so bad input fails at once:
    the config, where the run writes, the model folder, and the data
    itself (read and prepared by the task). Returns the prepared data."""
    from tfft import assets
    from tfft import config as config_lib
    from tfft import paths
    from tfft import run_folder
    from tfft.data import sources
    from tfft.tasks import get_task
    from tfft.tasks import prepare_data

    config_lib.validate(config)
    run_folder.RunFolder(workdir).refuse_completed()
    paths.check_folder(workdir, "--workdir")
    if config.export.dir:
        problem = get_task(config.task, config).export_problem(
            config.model.path)
        if problem:
            raise UserError(f"{problem}; drop --config.export.dir")
        paths.check_folder(config.export.dir, "--config.export.dir")
    if config.push.repo_id:
        from tfft import hub

        hub.Hub().preflight(config.push.repo_id)
    for split in sources.SPLITS:
        patterns = getattr(config.data, f"{split}_files")
        if patterns:
            sources.expand(patterns)
    model = assets.model_folder(config.model.path)
    assets.check_model_folder(
        model, weights=config.model.init == "pretrained")
    # At least one checkpoint (weights and the optimizer's two moments)
    # and model/ are on disk at once.
    paths.check_space(workdir, "--workdir", 4 * assets.weights_bytes(model),
                      "training (a checkpoint with the optimizer state, and "
                      "model/)")
    return prepare_data(config)


def main(argv):
    del argv  # absl's leftovers; the command line is sys.argv
    common.require_flags(config=_CONFIG.value is not None,
                         workdir=_WORKDIR.value)
    prepared = preflight(_CONFIG.value, _WORKDIR.value)
    from tfft.callbacks.ctrl_c import ReraiseCtrlC  # imports TensorFlow
    from tfft.training import trainer

    results = trainer.train(_CONFIG.value, _WORKDIR.value,
                            callbacks=[ReraiseCtrlC(common.ctrl_c_pressed)],
                            prepared=prepared,
                            command=shlex.join(["tfft-train", *sys.argv[1:]]))
    summary = {split: {k: v for k, v in metrics.items() if k != "per_class"}
               for split, metrics in results.items()}
    print(json.dumps({"workdir": _WORKDIR.value, **summary}, indent=2))


def _outputs():
    return [_WORKDIR.value, _CONFIG.value.export.dir]


def _left_behind():
    from tfft import run_folder

    return run_folder.RunFolder(_WORKDIR.value).resume_point()


def run():
    common.run_app(main, outputs=_outputs, left_behind=_left_behind)


if __name__ == "__main__":
    run()
