"""Full training state on disk, for resuming after a crash or `kill -9`.

A checkpoint is a numbered folder in `<workdir>/checkpoints/` (published
atomically, see `tfft.numbered_dirs`) holding:

- `variables.npz`: every variable training changes, in a fixed order:
  the model's weights (and Keras 3's dropout seed states), tf_keras'
  dropout generator states, the optimizer's step counter and slots (and
  Keras 3's gradient-accumulation sums, loss scale), and the hf family's
  own accumulation sums;
- `state.json`, written last: the position in the data (epoch, batch),
  the epoch logs so far and the state of callbacks that have one.

The learning rate is a function of the optimizer's step counter and the
data order a function of (seed, epoch), so restoring these restores both.

A save can write in the background: the values are read when it is called
(a read of a variable shares its buffer; TensorFlow copies the variable
when it is next updated, so the read keeps its values) and a thread writes
them while training goes on.
"""

import json
import os

import numpy as np
import tensorflow as tf

from tfft import keras_compat
from tfft import numbered_dirs
from tfft.data.pipeline import Position
from tfft.errors import UserError
from tfft.run_folder import CHECKPOINT_STATE as STATE
from tfft.run_folder import CHECKPOINTS
from tfft.training.background import Background

VARIABLES = "variables.npz"


def build_optimizer(model, variables=None) -> None:
    """Creates the optimizer's slots now (they are created lazily at the
    first step), so that they can be restored before training: for
    `variables`, by default the trainable ones (pass all that will train
    when layers are unfrozen later). A built optimizer is left as it is."""
    model.optimizer.build(list(variables or model.trainable_variables))


def training_variables(model) -> list:
    """Every variable a training step changes, in a stable order. Call
    after `compile` and `build_optimizer`."""
    accumulation = getattr(model, "accumulation_variables", list)()
    found, seen = [], set()
    for v in (*model.variables, *keras_compat.rng_variables(model),
              *model.optimizer.variables, *accumulation):
        if id(v) not in seen:
            seen.add(id(v))
            found.append(v)
    return found


def _describe(variables) -> list:
    return [[getattr(v, "path", None) or v.name, list(v.shape)]
            for v in variables]


class Checkpoints:
    """The checkpoints in `workdir/name/` (newest `keep` are kept)."""

    def __init__(self, workdir: str, keep: int = 2, name: str = CHECKPOINTS):
        self.directory = os.path.join(workdir, name)
        self.keep = keep
        self._writing = None  # the write in flight (Background)

    def latest(self):
        """The newest complete checkpoint's path, or None."""
        return numbered_dirs.latest(self.directory, STATE)

    def save(self, variables, position: Position, state: dict,
             background: bool = False, then=None):
        """Writes a new checkpoint and returns its path; writes nothing and
        returns None if a floating-point variable holds NaN or infinity.

        `background=True` reads the values and `state` now, returns at once
        a `concurrent.futures.Future` of that path and writes them in a
        thread. One write runs at a time: the next `save` and `wait()`
        wait for the one before. `then(path)`, if given, runs once the
        write is done (in the thread), before `wait()` returns."""
        self.wait()
        values = [tf.convert_to_tensor(v) for v in variables]
        text = json.dumps(dict(state, position=list(position),
                               variables=_describe(variables)))
        if not background:
            return self._write(values, text, then)
        # A thread per write, joined by wait(): none outlives its write.
        self._writing = Background(
            lambda: self._write(values, text, then), "tfft-checkpoint")
        return self._writing.future

    def wait(self):
        """Waits for the background write, if one runs; returns its path
        (None: nothing written) or raises its error. Interrupted (Ctrl-C
        raises KeyboardInterrupt in a join), the write is still the one
        the next `wait()` waits for."""
        if self._writing is None:
            return None
        writing = self._writing
        writing.thread.join()
        self._writing = None
        return writing.wait()  # joined: its path or its error at once

    def _write(self, tensors, state_text: str, then=None):
        values = [np.asarray(t) for t in tensors]  # no copy on the CPU
        path = None
        if all(np.isfinite(x).all() for x in values
               if np.issubdtype(x.dtype, np.floating)):
            def write(tmp):
                os.makedirs(tmp)
                np.savez(os.path.join(tmp, VARIABLES), *values)
                with open(os.path.join(tmp, STATE), "w") as f:
                    f.write(state_text)

            path = numbered_dirs.publish(self.directory, write, STATE,
                                         keep=self.keep)
        if then is not None:
            then(path)
        return path

    @staticmethod
    def read_state(path: str) -> dict:
        with open(os.path.join(path, STATE)) as f:
            state = json.load(f)
        state["position"] = Position(*state["position"])
        return state

    @staticmethod
    def restore(path: str, variables) -> dict:
        """Assigns the saved values to `variables`; returns the state."""
        state = Checkpoints.read_state(path)
        saved = state["variables"]
        shapes = [shape for _, shape in saved]
        if shapes != [list(v.shape) for v in variables]:
            raise UserError(
                f"checkpoint {path} holds {len(saved)} variables that do not "
                f"match this model's {len(variables)}; it was written by a "
                "different config. Rerun with the run's own config, or use a "
                "new --workdir")
        with np.load(os.path.join(path, VARIABLES)) as values:
            for i, variable in enumerate(variables):
                variable.assign(values[f"arr_{i}"])
        return state
