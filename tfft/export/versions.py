"""The export directory TF Serving watches: `DIR/<version>/` SavedModels.

Versions are numbered folders published atomically (`tfft.numbered_dirs`):
TF Serving loads all-digit names only, so a failed or interrupted export
never appears and never touches older versions. Versions count up from 1;
`keep` prunes the oldest after a new one is in place.
"""

import os

from tfft import numbered_dirs
from tfft.errors import UserError

SAVED_MODEL_FILE = "saved_model.pb"
TMP_PREFIX = numbered_dirs.TMP_PREFIX


def is_saved_model(path: str) -> bool:
    return os.path.isfile(os.path.join(path, SAVED_MODEL_FILE))


def versions(export_dir: str) -> list:
    """Complete versions in `export_dir`, oldest first."""
    return numbered_dirs.numbers(export_dir, SAVED_MODEL_FILE)


def is_export(path: str) -> bool:
    """Whether `path` is a SavedModel or a folder of numbered versions."""
    return resolve(path) is not None


def resolve(path: str):
    """A SavedModel folder itself, or the latest version of an export
    directory; None if `path` is neither."""
    if is_saved_model(path):
        return path
    return numbered_dirs.latest(path, SAVED_MODEL_FILE)


def write(export_dir: str, write_fn, keep: int = 0) -> str:
    """Calls `write_fn(tmp_dir)`, then publishes `tmp_dir` as the next
    version. Returns the version's path. `keep` > 0: delete all but the
    newest `keep` versions afterwards."""
    export_dir = os.path.abspath(os.path.expanduser(export_dir))
    if os.path.exists(export_dir) and not os.path.isdir(export_dir):
        raise UserError(f"--export_dir {export_dir} is a file; pass a "
                        "directory")
    if is_saved_model(export_dir):
        raise UserError(
            f"{export_dir} is itself a SavedModel; pass its parent (TF "
            "Serving watches DIR/<version>/)")
    return numbered_dirs.publish(export_dir, write_fn, SAVED_MODEL_FILE,
                                 keep=keep)


def prune(export_dir: str, keep: int) -> list:
    """Deletes all but the newest `keep` versions; returns those deleted."""
    return numbered_dirs.prune(export_dir, SAVED_MODEL_FILE, keep)
