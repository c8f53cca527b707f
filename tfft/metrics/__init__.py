"""Evaluate metric modules shipped with tfft, loadable with no hub.

`load("f1")` is `evaluate.load(<path of tfft's f1 module>)`: the same API
as `evaluate.load("f1")`, without the network.
"""

import functools
import os

MODULES_DIR = os.path.join(os.path.dirname(__file__), "modules")


def names() -> list:
    return sorted(os.listdir(MODULES_DIR))


def module_path(name: str) -> str:
    path = os.path.join(MODULES_DIR, name)
    if not os.path.isfile(os.path.join(path, f"{name}.py")):
        raise ValueError(f"tfft ships no metric {name!r}; it has {names()}")
    return path


@functools.lru_cache(maxsize=None)
def load(name: str):
    """An `evaluate.EvaluationModule`, loaded from tfft's own files."""
    import evaluate

    return evaluate.load(module_path(name))
