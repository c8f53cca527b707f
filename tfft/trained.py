"""What a trained model is, read without TensorFlow: the config and the
task (with what it learned) of a finished run, a run's `model/` folder,
or a tfft SavedModel.

Commands read these first, so that their inputs are checked (a file of
texts, labeled files, the run's data) before TensorFlow loads and the
model is built; `tfft.inference` then loads the model itself.
"""

import json
import os

from tfft import assets
from tfft import config as config_lib
from tfft import run_folder
from tfft.errors import UserError
from tfft.errors import first_line
from tfft.tasks import get_task

MANIFEST = "tfft_model.json"  # in model/: family, task state, config
EXPORT_METADATA = os.path.join("assets.extra", "tfft_export.json")


def _read_json(path: str, what: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise UserError(
            f"{path} cannot be read as JSON ({first_line(e)}): the {what} is "
            "damaged; restore it from a copy or write it again") from e


def read_manifest(directory: str) -> dict:
    path = os.path.join(directory, MANIFEST)
    if not os.path.exists(path):
        raise UserError(
            f"{directory} has no {MANIFEST}: not a model saved by tfft"
        )
    return _read_json(path, "model folder")


def read_export_metadata(saved_model_dir: str) -> dict:
    path = os.path.join(saved_model_dir, EXPORT_METADATA)
    if not os.path.exists(path):
        return {}
    return _read_json(path, "SavedModel")


def check_weights(model_dir: str) -> None:
    """The model folder's weight files are whole (a truncated copy fails
    here, in one line, not deep inside a library's loader)."""
    assets.check_model_folder(
        model_dir, what="the model folder",
        fix="the model folder is damaged; restore it from a copy or train "
        "the run again")


def run_task(workdir: str):
    """(config, task) of a finished run folder; its weights checked."""
    folder = run_folder.RunFolder(workdir)
    folder.require_complete()
    config = config_lib.load_run_config(folder.workdir)
    model_dir = folder.path(run_folder.MODEL)
    task = get_task(config.task, config,
                    state=read_manifest(model_dir)["task_state"])
    check_weights(model_dir)
    return config, task


def model_task(model_dir: str):
    """(config, task) of a run's `model/` on its own (copied, or downloaded
    from a hub): the config its manifest holds (a run's config.json beside
    it, for runs written before the manifest held it)."""
    manifest = read_manifest(model_dir)
    if "config" in manifest:
        config = config_lib.from_json(json.dumps(manifest["config"]))
    else:
        config = config_lib.load_run_config(
            os.path.dirname(os.path.abspath(model_dir)))
    check_weights(model_dir)
    return config, get_task(config.task, config,
                            state=manifest["task_state"])


def export_task(path: str):
    """(version folder, config, task, metadata) of a tfft SavedModel or the
    latest version of an export directory."""
    from tfft.export import versions

    directory = versions.resolve(path)
    if directory is None:
        raise UserError(f"{path} holds no SavedModel (saved_model.pb or "
                        "numbered versions); pass a tfft-export directory")
    meta = read_export_metadata(directory)
    if not meta:
        raise UserError(
            f"{directory} has no {EXPORT_METADATA}: not exported by "
            "tfft; serve it with TF Serving or tools/rest_predict.py")
    config = config_lib.from_json(json.dumps(meta["config"]))
    return directory, config, get_task(meta["task"], config,
                                       state=meta["task_state"]), meta


def read_inputs(model_path: str, path: str):
    """The unlabeled examples in `path` for the run or SavedModel at
    `model_path` (its task's `read_inputs`)."""
    from tfft.export.versions import is_export

    if is_export(model_path):
        return export_task(model_path)[2].read_inputs(path)
    return run_task(model_path)[1].read_inputs(path)


def evaluation_data(config, task, split: str = "test", files=None):
    """The examples `tfft-evaluate` scores: labeled `files`, or the run's
    `split` carved as training carved it (same data, same seed)."""
    from tfft.data import sources

    data = config.data
    if files:
        return task.prepare_labeled(sources.load_files(
            sources.expand(files), "evaluation",
            conll_config=data if task.conll_files() else None),
            "evaluation")
    return task.prepare(sources.load_splits(
        data, conll=task.conll_files()))[split]
