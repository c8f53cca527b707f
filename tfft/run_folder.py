"""The run folder: its layout, atomic writes and the completion marker.

Every file is written to a temporary name beside its target and renamed
when complete, so a crash leaves either the old file or the new one, never
half of one. `COMPLETED` is written last; a folder without it is not a
finished run.
"""

import contextlib
import json
import os
import shutil
import tempfile
import time

from tfft.errors import UserError

CONFIG = "config.json"
METRICS = "metrics.json"
HISTORY = "history.csv"
CURVE = "training_curve.png"
MODEL = "model"
COMPLETED = "COMPLETED"
# Training checkpoints: numbered folders (`tfft.numbered_dirs`), each
# complete once it holds its state file (`tfft.training.checkpoint`).
CHECKPOINTS = "checkpoints"
CHECKPOINT_STATE = "state.json"


def predictions_file(split: str) -> str:
    return f"predictions_{split}.jsonl"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def published_mode(directory: bool = False) -> int:
    """The mode `open()` / `os.makedirs` would give under the user's umask
    (tempfile's own are 0600 / 0700: unreadable to colleagues and to a TF
    Serving process running as another user)."""
    return (0o777 if directory else 0o666) & ~_umask()


@contextlib.contextmanager
def atomic_path(target: str):
    """Yields a temporary path beside `target`; renamed to `target` when
    the block ends without an error, removed otherwise. The file gets the
    mode the user's umask gives."""
    directory = os.path.dirname(os.path.abspath(target))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=directory, prefix=f".{os.path.basename(target)}.")
    os.close(fd)
    os.chmod(tmp, published_mode())
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_text(path: str, text: str) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(text)


class RunFolder:
    def __init__(self, workdir: str):
        self.workdir = os.path.abspath(os.path.expanduser(workdir))

    def path(self, *names) -> str:
        return os.path.join(self.workdir, *names)

    def is_complete(self) -> bool:
        return os.path.exists(self.path(COMPLETED))

    def refuse_completed(self) -> None:
        """A completed run is never overwritten silently."""
        if self.is_complete():
            raise UserError(
                f"{self.workdir} already holds a completed run; pass a new "
                "--workdir (or delete that folder to redo it)"
            )

    def start(self) -> None:
        """Creates the folder for a new run."""
        self.refuse_completed()
        os.makedirs(self.workdir, exist_ok=True)

    def require_complete(self, flag: str = "--workdir") -> None:
        if not os.path.exists(self.workdir):
            raise UserError(f"{flag} {self.workdir} does not exist; pass the "
                            "folder of a finished tfft-train run")
        if not os.path.isdir(self.workdir):
            raise UserError(f"{flag} {self.workdir} is a file; pass the "
                            "folder of a finished tfft-train run")
        if not self.is_complete():
            raise UserError(
                f"{self.workdir} is not a completed tfft run (no "
                f"{COMPLETED} marker); pass the {flag} of a finished "
                "tfft-train run"
            )

    def resume_point(self) -> str:
        """What an interrupted run leaves: its newest checkpoint, from which
        rerunning the same command resumes (no TensorFlow needed)."""
        from tfft import numbered_dirs

        newest = numbered_dirs.latest(self.path(CHECKPOINTS),
                                      CHECKPOINT_STATE)
        if self.is_complete():
            return f"the run in {self.workdir} is complete"
        if newest is None:
            return ("no checkpoint was written yet; rerun the same command "
                    "to start again")
        with open(os.path.join(newest, CHECKPOINT_STATE)) as f:
            epoch, batch = json.load(f)["position"]
        return (f"the newest checkpoint is {newest} ({batch} batches into "
                f"epoch {epoch + 1}); rerun the same command to resume from it")

    def atomic_file(self, name: str):
        """Yields a temporary path; renamed to `name` if the block ends."""
        return atomic_path(self.path(name))

    def write_text(self, name: str, text: str) -> None:
        write_text(self.path(name), text)

    def write_json(self, name: str, obj) -> None:
        self.write_text(name, json.dumps(obj, indent=2) + "\n")

    def write_jsonl(self, name: str, records) -> None:
        self.write_text(name, "".join(
            json.dumps(r, ensure_ascii=False) + "\n" for r in records))

    @contextlib.contextmanager
    def atomic_dir(self, name: str):
        """Yields a temporary folder; it replaces `name` if the block ends."""
        target = self.path(name)
        tmp = tempfile.mkdtemp(dir=self.workdir, prefix=f".{name}.")
        os.chmod(tmp, published_mode(directory=True))
        try:
            yield tmp
            if os.path.exists(target):
                shutil.rmtree(target)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                shutil.rmtree(tmp)

    def mark_complete(self, summary: dict) -> None:
        self.write_json(COMPLETED, dict(summary, finished_at=time.strftime(
            "%Y-%m-%dT%H:%M:%S%z")))

    def read_json(self, name: str):
        with open(self.path(name)) as f:
            return json.load(f)
