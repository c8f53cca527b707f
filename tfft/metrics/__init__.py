"""Evaluate metric modules shipped with tfft, loadable with no hub.

`load("f1")` is `evaluate.load(<path of tfft's f1 module>)`: the same API
as `evaluate.load("f1")`, without the network.
"""

import contextlib
import functools
import importlib.abc
import os
import sys

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
    with _without_transformers():
        import evaluate

    return evaluate.load(module_path(name))


class _NoTransformers(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname.partition(".")[0] == "transformers":
            raise ModuleNotFoundError(
                f"{fullname} is not imported while evaluate loads",
                name=fullname)
        return None


@contextlib.contextmanager
def _without_transformers():
    """While `evaluate` is first imported, and only if transformers is not
    already: `import transformers` fails.

    `import evaluate` imports `evaluate.evaluator`, which imports
    `transformers.pipelines` when it can: TensorFlow-side image and audio
    processors, and torch when it is installed. That was 3-4 s of a
    keras_hub run's start-up here, for a part of evaluate (pipeline
    evaluators) tfft never calls and that cannot run without torch anyway
    (transformers 4.57's pipelines need it). evaluate guards the import and
    records transformers as unavailable for its evaluators; its metrics,
    which tfft uses, do not depend on it. Where transformers is already
    imported (the hf family), the import is left alone."""
    if "evaluate" in sys.modules or "transformers" in sys.modules:
        yield
        return
    finder = _NoTransformers()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
