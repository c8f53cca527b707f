"""What every tfft command shares: quiet logs, one-line errors.

`run_app(main)` wraps absl's `app.run`: whatever ends the command early
(a flag or config error, a `UserError`, a full disk, Ctrl-C, a bug) prints
`error: <one line>` to stderr and exits with the code `failures.describe`
gives (2 bad input, 130 interrupted, 1 a bug), never with a traceback.
"""

import importlib.abc
import importlib.util
import os
import signal
import sys

from tfft.cli import failures
from tfft.errors import UserError
from tfft.errors import first_line

EXIT_USER_ERROR = failures.EXIT_USER_ERROR


def quiet_libraries() -> None:
    """Fewer log lines from TF, transformers and datasets (CLI only). By
    their environment variables, read when they are imported: a command
    imports neither before it needs it (a keras_hub run never imports
    transformers, and a bad flag fails before either loads)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("DATASETS_VERBOSITY", "error")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


# Modules Keras and keras-hub try to import as they load, for features no
# tfft command uses, and that a command's process then does without: Keras'
# scikit-learn wrappers (`keras.wrappers`: sklearn, with scipy, 0.5 s) and
# keras-hub's ROUGE metrics (`keras_hub.metrics`: rouge_score, with nltk,
# 0.15 s; tfft's own ROUGE imports rouge_score itself when it scores).
# Both libraries catch the ImportError and load without the feature.
OPTIONAL_IMPORTS = {"sklearn": "keras.", "rouge_score": "keras_hub."}
_IMPORT_MACHINERY = ("importlib._bootstrap", "_frozen_importlib",
                     "importlib._bootstrap_external",
                     "_frozen_importlib_external")


class _SkipOptionalImports(importlib.abc.MetaPathFinder):
    """Refuses an `import` statement of a module in OPTIONAL_IMPORTS when
    it runs in the library named there. An import from anywhere else, and
    `importlib.util.find_spec`, still find the module."""

    def find_spec(self, name, path=None, target=None):
        library = OPTIONAL_IMPORTS.get(name)
        if library and _importer().startswith(library):
            raise ModuleNotFoundError(
                f"{name} is not loaded by tfft's commands for {library[:-1]}",
                name=name)
        return None


def _importer() -> str:
    """The module whose `import` statement is being run ("" if none)."""
    frame, importing = sys._getframe(2), False
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module not in _IMPORT_MACHINERY:
            return module if importing else ""
        importing = importing or frame.f_code.co_name == "_find_and_load"
        frame = frame.f_back
    return ""


def skip_optional_imports() -> None:
    """Start-up: this process will not load OPTIONAL_IMPORTS for the
    libraries named there (CLI only: a process of tfft's own)."""
    if not any(isinstance(f, _SkipOptionalImports) for f in sys.meta_path):
        sys.meta_path.insert(0, _SkipOptionalImports())


def fail(message: str, code: int = EXIT_USER_ERROR) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.stderr.flush()
    sys.exit(code)


def _config_file(argv):
    """The value of `--config=PATH` or `--config PATH`, if given."""
    args = argv[1:]
    for i, arg in enumerate(args):
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
        if arg == "--config" and i + 1 < len(args):
            return args[i + 1]
    return None


def load_config_file(path):
    spec = importlib.util.spec_from_file_location("tfft_user_config", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_config()


def _unknown_override(config, argv):
    """The message for the first `--config.a.b=...` naming a field the
    config lacks, or None."""
    from tfft.config import unknown_key

    for arg in argv[1:]:
        if arg.startswith("--config."):
            message = unknown_key(
                config, arg[len("--config."):].split("=", 1)[0])
            if message:
                return message
    return None


def parse_flags(argv):
    """absl flags parser with one-line errors for every bad input."""
    from absl import flags

    path = _config_file(argv)
    if path is not None and not os.path.isfile(path):
        fail(f"config file {path} does not exist; pass "
             "--config=configs/<name>.py")
    try:
        return flags.FLAGS(argv)
    except Exception as e:  # absl and ml_collections raise several types
        message = None
        if path is not None:
            try:
                message = _unknown_override(load_config_file(path), argv)
            except Exception as load_error:
                message = (f"config file {path} fails to load: "
                           f"{first_line(load_error)}")
        fail(message or f"{first_line(e)}; fix that flag")


def run_app(main, outputs=None, left_behind=None) -> None:
    """`app.run(main)`; anything but success ends in one line on stderr
    and the exit code of `failures.describe`.

    `outputs()`: the command's output paths (named when a failure such as
    a full disk names none); `left_behind()`: what its outputs hold after
    a failure or Ctrl-C. Both are called only then, after flag parsing.
    """
    from absl import app

    quiet_libraries()
    skip_optional_imports()
    _track_ctrl_c()
    try:
        app.run(main, flags_parser=parse_flags)
    except SystemExit:
        raise
    except BaseException as e:  # noqa: B036 - Ctrl-C too, by design
        if failures.show_traceback() and not isinstance(e, UserError):
            raise
        code, message = failures.describe(
            e, _ask(outputs, []), _ask(left_behind, ""),
            interrupted=ctrl_c_pressed())
        fail(message, code)


_CTRL_C = []  # the SIGINTs run_app's handler received


def ctrl_c_pressed() -> bool:
    """Whether Ctrl-C was pressed during this command, even where the
    KeyboardInterrupt it raised was swallowed (a `__del__` method's is;
    see `tfft.callbacks.ctrl_c`)."""
    return bool(_CTRL_C)


def _track_ctrl_c() -> None:
    """Python's own SIGINT handling (KeyboardInterrupt), plus a record
    that it happened: a library that runs Python inside its own call (a
    TensorFlow callback) may surface the KeyboardInterrupt as its own
    error, or swallow it, and the command was still interrupted.
    Python prints a KeyboardInterrupt it ignores (raised in a `__del__`
    method) with its traceback; that print is dropped, since the record
    stands for it (`tfft-train` stops at the next batch end)."""

    def handler(signum, frame):
        _CTRL_C.append(signum)
        signal.default_int_handler(signum, frame)

    def unraisable(info):
        if not (_CTRL_C and isinstance(info.exc_value, KeyboardInterrupt)):
            printing(info)

    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, handler)
        printing, sys.unraisablehook = sys.unraisablehook, unraisable


def _ask(question, default):
    """A callable's answer, or `default` if it has none (flags unparsed,
    or the folder it looks at is the problem)."""
    if question is None:
        return default
    try:
        return question() or default
    except Exception:
        return default


def require_flags(**values) -> None:
    for name, value in values.items():
        if not value:
            raise UserError(f"--{name} is required")

