"""Pushes the model being trained to a hub repo without ever holding up
training."""

import os
import shutil
import tempfile
import threading
import time

import tf_keras
from absl import logging

from tfft.callbacks.monitor import Monitor
from tfft.errors import UserError

EVERY = ("epoch", "best", "end")


def save_model(model, directory: str) -> None:
    """A Keras model in its library's format: `save_pretrained`
    (transformers), `save_to_preset` (keras-hub), else `model.keras`."""
    if hasattr(model, "save_pretrained"):
        model.save_pretrained(directory)
    elif hasattr(model, "save_to_preset"):
        model.save_to_preset(directory)
    else:
        model.save(os.path.join(directory, "model.keras"))


class PushToHub(tf_keras.callbacks.Callback):
    """At each epoch end (`every="epoch"`), each epoch where `monitor`
    improved ("best"), or when `fit` ends ("end"), saves the model into a
    temporary folder (`snapshot(model, folder)`; default `save_model`) and
    uploads it to `repo_id` in a background thread (`tfft.hub.Hub`). The
    training thread only saves; the upload never blocks it:

    - a push still uploading makes the next one skip (not queue);
    - a failure is retried `retries` times, waiting `backoff`, 2 x
      `backoff`, ... seconds, each failure reported in one line;
    - a hub that is down, slow or failing never stops or fails `fit`.

    `wait(seconds)` waits a bounded time for the push in flight and says
    what happened; `on_train_end` calls it with `final_wait` unless that is
    None (tfft's trainer waits after pushing the finished run instead).

    In your own training code (either family's `fit`)::

        fit(..., callbacks=[PushToHub("me/my-model", every="epoch")])

    The token and the hub are the hub client's own (`HF_TOKEN` or a login;
    `HF_ENDPOINT`, default huggingface.co). After `fit`: `pushed` (one
    dict per push made), `failed` and `skipped` (counts), `events` (the
    lines reported).
    """

    def __init__(self, repo_id, *, every="epoch", snapshot=None,
                 monitor="val_loss", mode="min", private=False,
                 revision="", retries=3, backoff=2.0,
                 final_wait=300.0):
        super().__init__()
        if every not in EVERY:
            raise UserError(f"PushToHub every={every!r} must be one of "
                            f"{', '.join(EVERY)}")
        self.repo_id, self.every = repo_id, every
        self.snapshot = snapshot or save_model
        self._monitor = Monitor(monitor, mode, owner="PushToHub")
        self.private, self.revision = private, revision
        self.retries, self.backoff = retries, backoff
        self.final_wait = final_wait
        self.pushed, self.events = [], []
        self.failed = self.skipped = 0
        self._thread = None
        self._last_failed = False
        self._abandon = threading.Event()

    # -- Keras hooks ------------------------------------------------------
    def on_epoch_end(self, epoch, logs=None):
        if self.every == "epoch":
            self.push_model(f"epoch {epoch + 1}")
        elif self.every == "best":
            value = self._monitor.value(logs)
            if self._monitor.update(value):
                self.push_model(f"epoch {epoch + 1} "
                                f"({self._monitor.key}={value:.5g})")

    def on_train_end(self, logs=None):
        if self.every == "end":
            self.push_model("end of training")
        if self.final_wait is not None:
            self.wait(self.final_wait)

    def get_state(self) -> dict:
        """The best value so far ("best"), carried over a resume."""
        return self._monitor.get_state()

    def set_state(self, state: dict) -> None:
        self._monitor.set_state(state)

    # -- pushing ----------------------------------------------------------
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def push_model(self, what: str) -> bool:
        """Snapshots the model (on this thread) and uploads it in the
        background; False if skipped because a push is still running."""
        if self._skip(what):
            return False
        from tfft import hub

        staging = tempfile.mkdtemp(prefix="tfft-push-")
        try:
            self.snapshot(self.model, staging)
        except Exception as e:  # noqa: BLE001 (a push never fails fit)
            shutil.rmtree(staging, ignore_errors=True)
            self.failed += 1
            self._report(f"push of {what} skipped: saving the model failed "
                         f"({type(e).__name__}: "
                         f"{' '.join(hub.redact(str(e)).split())[:300]})",
                         warning=True)
            return False

        self._start(hub.folder_files(staging), what, staging)
        return True

    def push_files(self, files: dict, what: str) -> bool:
        """Uploads `files` ({path in repo: local path}) in the background."""
        if self._skip(what):
            return False
        self._start(dict(files), what, None)
        return True

    def wait(self, seconds: float) -> str:
        """Waits up to `seconds` for the push in flight; returns (and
        reports) "done", "failed" or "abandoned"."""
        if self._thread is None:
            return "done"
        self._thread.join(seconds)
        if self._thread.is_alive():
            self._abandon.set()  # no more retries once this attempt ends
            self._report(f"the push to {self.repo_id} is still running after "
                         f"{seconds:g} s; not waiting longer", warning=True)
            return "abandoned"
        return "failed" if self._last_failed else "done"

    def _skip(self, what):
        if not self.busy():
            return False
        self.skipped += 1
        self._report(f"push of {what} skipped: the previous push to "
                     f"{self.repo_id} is still uploading")
        return True

    def _start(self, files, what, staging):
        self._last_failed = False
        self._abandon = threading.Event()
        self._thread = threading.Thread(
            target=self._upload, args=(files, what, staging, self._abandon),
            daemon=True,
            name=f"tfft-push-{self.repo_id}")
        self._thread.start()

    def _upload(self, files, what, staging, abandon):
        from tfft import hub

        try:
            for attempt in range(1, self.retries + 2):
                try:
                    result = hub.Hub().push(
                        self.repo_id, files, f"tfft: {what}",
                        private=self.private, revision=self.revision)
                except Exception as e:  # noqa: BLE001 (never fail fit)
                    line = hub.redact(str(e) if isinstance(e, UserError)
                                      else f"{type(e).__name__}: {e}")
                    line = " ".join(line.split())
                    if attempt > self.retries or abandon.is_set():
                        self.failed += 1
                        self._last_failed = True
                        self._report(f"push of {what} failed after {attempt}"
                                     f" attempt(s): {line}", warning=True)
                        return
                    delay = self.backoff * 2 ** (attempt - 1)
                    self._report(f"push of {what} failed (attempt {attempt}"
                                 f" of {self.retries + 1}): {line}; retrying "
                                 f"in {delay:g} s", warning=True)
                    abandon.wait(delay)  # cut short by `wait`
                    continue
                self.pushed.append(dict(result, what=what))
                self._report(f"pushed {what} to {self.repo_id}: "
                             f"{result['changed']} of {result['files']} files "
                             f"new or changed ({result['commit']})")
                return
        finally:
            if staging:
                shutil.rmtree(staging, ignore_errors=True)

    def _report(self, line, warning=False):
        self.events.append((time.time(), line))
        (logging.warning if warning else logging.info)("%s", line)
