"""The export directory TF Serving watches: `DIR/<version>/` SavedModels.

A version is written under a hidden temporary name inside DIR and renamed
to its number only when complete (TF Serving loads all-digit names only),
so a failed or interrupted export never appears and never touches older
versions. Versions count up from 1; `keep` prunes the oldest after a new
one is in place.
"""

import os
import shutil

from tfft.errors import UserError

SAVED_MODEL_FILE = "saved_model.pb"
TMP_PREFIX = ".tmp-"


def is_saved_model(path: str) -> bool:
    return os.path.isfile(os.path.join(path, SAVED_MODEL_FILE))


def versions(export_dir: str) -> list:
    """Complete versions in `export_dir`, oldest first."""
    if not os.path.isdir(export_dir):
        return []
    return sorted(int(name) for name in os.listdir(export_dir)
                  if name.isdigit()
                  and is_saved_model(os.path.join(export_dir, name)))


def resolve(path: str):
    """A SavedModel folder itself, or the latest version of an export
    directory; None if `path` is neither."""
    if is_saved_model(path):
        return path
    found = versions(path)
    return os.path.join(path, str(found[-1])) if found else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_temps(export_dir: str) -> None:
    """Temporary folders left by killed exports (their process is gone)."""
    for name in os.listdir(export_dir):
        if not name.startswith(TMP_PREFIX):
            continue
        pid = name[len(TMP_PREFIX):].split("-")[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(os.path.join(export_dir, name), ignore_errors=True)


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
    os.makedirs(export_dir, exist_ok=True)
    _remove_stale_temps(export_dir)
    # Numbered after every all-digit name, complete or not.
    taken = [int(n) for n in os.listdir(export_dir) if n.isdigit()]
    version = max(taken, default=0) + 1
    tmp = os.path.join(export_dir, f"{TMP_PREFIX}{os.getpid()}-{version}")
    target = os.path.join(export_dir, str(version))
    try:
        write_fn(tmp)
        os.rename(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if keep and keep > 0:
        prune(export_dir, keep)
    return target


def prune(export_dir: str, keep: int) -> list:
    """Deletes all but the newest `keep` versions; returns those deleted."""
    old = versions(export_dir)[:-keep]
    for version in old:
        shutil.rmtree(os.path.join(export_dir, str(version)))
    return old
