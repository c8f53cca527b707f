"""What every tfft command shares: quiet logs, one-line errors, exit 2.

`run_app(main)` wraps absl's `app.run`: flag/config errors and `UserError`s
print `error: <one line>` to stderr and exit with code 2 (never a
traceback).
"""

import difflib
import importlib.util
import os
import sys

from tfft.errors import UserError
from tfft.errors import first_line

EXIT_USER_ERROR = 2


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


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(EXIT_USER_ERROR)


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
    """The first `--config.a.b=...` naming a field the config lacks."""
    for arg in argv[1:]:
        if not arg.startswith("--config."):
            continue
        dotted = arg[len("--config."):].split("=", 1)[0]
        node = config
        for i, key in enumerate(dotted.split(".")):
            if not hasattr(node, "keys") or key not in node:
                known = list(node.keys()) if hasattr(node, "keys") else []
                where = ".".join(dotted.split(".")[:i]) or "the config"
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                return (f"unknown config key {dotted!r}; {hint}"
                        f"{where} has: {', '.join(known)}")
            node = node[key]
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


def run_app(main) -> None:
    """`app.run(main)`, turning `UserError` into `error: ...` + exit 2."""
    from absl import app

    quiet_libraries()

    def guarded(argv):
        try:
            return main(argv)
        except UserError as e:
            fail(str(e))

    app.run(guarded, flags_parser=parse_flags)


def require_flags(**values) -> None:
    for name, value in values.items():
        if not value:
            raise UserError(f"--{name} is required")

