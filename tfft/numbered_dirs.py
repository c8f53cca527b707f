"""Numbered folders published atomically: `DIR/1/`, `DIR/2/`, ...

Each folder is written under a hidden temporary name inside DIR and renamed
to its number only when complete, so a failed or killed writer never leaves
a numbered folder behind and never touches older ones. A folder counts as
complete when it holds its `marker` file. Used for TF Serving versions
(`export/versions.py`) and training checkpoints (`training/checkpoint.py`).
"""

import os
import shutil

TMP_PREFIX = ".tmp-"


def numbers(directory: str, marker: str) -> list:
    """Complete folders in `directory`, oldest first."""
    if not os.path.isdir(directory):
        return []
    return sorted(int(name) for name in os.listdir(directory)
                  if name.isdigit()
                  and os.path.isfile(os.path.join(directory, name, marker)))


def latest(directory: str, marker: str):
    """The path of the newest complete folder, or None."""
    found = numbers(directory, marker)
    return os.path.join(directory, str(found[-1])) if found else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_temps(directory: str) -> None:
    """Temporary folders left by killed writers (their process is gone)."""
    for name in os.listdir(directory):
        if not name.startswith(TMP_PREFIX):
            continue
        pid = name[len(TMP_PREFIX):].split("-")[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(os.path.join(directory, name), ignore_errors=True)


def publish(directory: str, write_fn, marker: str, keep: int = 0) -> str:
    """Calls `write_fn(tmp_dir)`, then renames `tmp_dir` to the next number.
    Returns its path. `keep` > 0: delete all but the newest `keep` complete
    folders afterwards."""
    os.makedirs(directory, exist_ok=True)
    _remove_stale_temps(directory)
    # Numbered after every all-digit name, complete or not.
    taken = [int(n) for n in os.listdir(directory) if n.isdigit()]
    number = max(taken, default=0) + 1
    tmp = os.path.join(directory, f"{TMP_PREFIX}{os.getpid()}-{number}")
    target = os.path.join(directory, str(number))
    try:
        write_fn(tmp)
        os.rename(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if keep and keep > 0:
        prune(directory, marker, keep)
    return target


def prune(directory: str, marker: str, keep: int) -> list:
    """Deletes all but the newest `keep` complete folders; returns the
    numbers deleted."""
    old = numbers(directory, marker)[:-keep]
    for number in old:
        shutil.rmtree(os.path.join(directory, str(number)))
    return old
