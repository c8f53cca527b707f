"""Every way a command can fail, as one line and an exit code.

`run_app` (`common.py`) hands whatever ends a command to `describe`, so no
code path, old or new, prints a Python traceback:

- `UserError` (bad input, named and with its fix) and the environment's
  faults the user fixes (no space left, a path that cannot be written,
  out of memory): exit 2;
- Ctrl-C (SIGINT): exit 130, with what the command leaves behind (a
  training run names its newest checkpoint: rerunning resumes from it);
- anything else is a bug in tfft: exit 1, one line naming the exception
  and a file holding the traceback (`TFFT_TRACEBACK=1` prints it instead).

Outputs are written to temporary names and renamed when complete
(`run_folder.atomic_path`, `numbered_dirs.publish`), so whatever the
failure, a command leaves its previous outputs and nothing half-written.
"""

import errno
import os
import re
import sys
import tempfile
import time
import traceback

from tfft.errors import UserError
from tfft.errors import first_line

EXIT_INTERNAL = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it

_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
_PATH_IN_MESSAGE = re.compile(r"(/[^\s:;,'\"]+)")


def _chain(error):
    """`error` and the errors it was raised from, outermost first."""
    seen = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def _tf_error(error, name):
    """Whether `error` is `tf.errors.<name>` (TensorFlow only if loaded)."""
    tf = sys.modules.get("tensorflow")
    errors = getattr(tf, "errors", None)
    return errors is not None and isinstance(error, getattr(errors, name))


def _no_space(error):
    if isinstance(error, OSError) and error.errno in _NO_SPACE:
        return True
    text = str(error)
    return ("No space left on device" in text
            or "Disk quota exceeded" in text)


def _path_of(error, outputs):
    """The path a failed write names, unless it is a temporary one (a
    hidden name, gone by now): then the output location holding it."""
    found = getattr(error, "filename", None)
    if not found:
        match = _PATH_IN_MESSAGE.search(str(error))
        found = match.group(1) if match else None
    if found and f"{os.sep}." not in str(found):
        return str(found)
    holders = [o for o in outputs if found and str(found).startswith(o)]
    return (holders or outputs or ["the output folder"])[0]


def describe(error: BaseException, outputs=(), left_behind: str = "",
             interrupted: bool = False):
    """(exit code, one-line message) for what ended a command.

    `outputs`: the command's output locations (absolute paths), named when
    the error itself names no path; `left_behind`: what the command's
    outputs hold after a failure, e.g. "the newest checkpoint is ...";
    `interrupted`: Ctrl-C was pressed, whatever error it surfaced as.
    """
    outputs = [os.path.abspath(o) for o in outputs if o]
    kept = left_behind or ("nothing half-written was kept; rerun the same "
                           "command")
    if interrupted or isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED, f"interrupted; {kept}"
    chain = _chain(error)
    if isinstance(error, UserError):
        return EXIT_USER_ERROR, str(error)
    for cause in chain:
        if _no_space(cause):
            where = _path_of(cause, outputs)
            return EXIT_USER_ERROR, (
                f"no space left on the device holding {where} (free space "
                f"there); {kept}")
    for cause in chain:
        if isinstance(cause, MemoryError) or (
                _tf_error(cause, "ResourceExhaustedError")
                and "OOM" in str(cause)):
            return EXIT_USER_ERROR, (
                "out of memory; lower --config.train.batch_size (or "
                "train.eval_batch_size, data.max_length) and rerun")
    for cause in chain:
        if isinstance(cause, OSError) and cause.filename:
            return EXIT_USER_ERROR, (
                f"{cause.strerror}: {cause.filename}; fix that path (or pass "
                "another one) and rerun")
        if _tf_error(cause, "PermissionDeniedError"):
            return EXIT_USER_ERROR, (
                f"permission denied: {first_line(cause)}; fix that path (or "
                "pass another one) and rerun")
    return EXIT_INTERNAL, (
        f"internal error: {type(error).__name__}: {first_line(error)}; "
        f"{_save_traceback(error)}")


def _save_traceback(error) -> str:
    """Writes the traceback to a temporary file; says where (or how to see
    it if even that cannot be written)."""
    text = "".join(traceback.format_exception(error))
    try:
        fd, path = tempfile.mkstemp(
            prefix=f"tfft-{time.strftime('%Y%m%d-%H%M%S')}-",
            suffix=".traceback.txt")
        with os.fdopen(fd, "w") as f:
            f.write(text)
    except OSError:
        return "rerun with TFFT_TRACEBACK=1 to see the traceback"
    return (f"the traceback is in {path} (please report it with the "
            "command)")


def show_traceback() -> bool:
    """TFFT_TRACEBACK=1: print tracebacks as Python would (developers)."""
    return os.environ.get("TFFT_TRACEBACK", "") not in ("", "0")
