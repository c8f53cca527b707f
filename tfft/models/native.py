"""A run's model in the ecosystem's own classes, or refused by them.

Where the library of a family has a task class that computes what tfft's
head computes (transformers' `TFAutoModelFor<Task>`, keras-hub's
`TextClassifier`), the family saves that class's checkpoint with the
trained head, after checking on a probe batch, in float32, that the class
gives tfft's outputs (`TOLERANCE`). Where it has none (e.g. mean pooling:
both libraries' classifiers pool with the pooler), the folder is written so
that the library's task loaders fail with an error naming tfft instead of
loading the backbone under a freshly initialised head; the manifest's
`native` entry and the model card say how to load it.
"""

import numpy as np

# Largest |logit difference| between the native class and tfft's head.
TOLERANCE = 1e-4
# The model type / class name a folder without a native class declares.
NOT_NATIVE = "tfft"


def probe_inputs(vocab_size: int, length: int = 12) -> dict:
    """A fixed two-row batch in tfft's input names: varied token ids, the
    second row padded, the first with a second segment."""
    rng = np.random.default_rng(0)
    ids = rng.integers(min(5, vocab_size - 1), vocab_size, (2, length))
    mask = np.ones((2, length), np.int32)
    mask[1, length - 4:] = 0
    types = np.zeros((2, length), np.int32)
    types[0, length // 2:] = 1
    return {"input_ids": ids.astype(np.int32), "attention_mask": mask,
            "token_type_ids": types}


def same_outputs(native, ours, mask) -> bool:
    """Whether the native class's outputs equal tfft's on the real tokens
    of the probe (padding positions are not predictions)."""
    native, ours = np.asarray(native, np.float64), np.asarray(ours,
                                                              np.float64)
    if native.shape != ours.shape:
        return False
    if native.ndim >= 3:  # one row per token: compare real tokens only
        keep = np.asarray(mask, bool)
        native, ours = native[keep], ours[keep]
    return bool(np.max(np.abs(native - ours)) <= TOLERANCE)


def copy_head(task_model, base, head_layers) -> bool:
    """Gives the weights of `task_model` outside its `base` the trained
    head's values, in order; False if their shapes differ (the class's
    head is not tfft's)."""
    base_ids = {id(w) for w in base.weights}
    theirs = [w for w in task_model.weights if id(w) not in base_ids]
    ours = [w for layer in head_layers.values() for w in layer.get_weights()]
    if [tuple(w.shape) for w in theirs] != [w.shape for w in ours]:
        return False
    for variable, value in zip(theirs, ours):
        variable.assign(value)
    return True


def tfft_outputs(task, head, trained_layers, features):
    """tfft's head on `features`: `head` (the task's layers, just built in
    float32) holding the values of `trained_layers`."""
    task.apply_head(head, features, False)  # builds the layers
    for name, layer in head.items():
        layer.set_weights(trained_layers[name].get_weights())
    return task.apply_head(head, features, False)


def entry(library: str, class_name: str, loader: str) -> dict:
    """The manifest's `native` entry for a natively loadable folder."""
    return {"library": library, "class": class_name, "load": loader}


def refusal(reason: str) -> dict:
    """The manifest's `native` entry for a folder no library class loads."""
    return {"library": None, "class": None, "reason": (
        f"{reason}; load it with tfft.pipeline(<run folder or model/>) or "
        "serve its tfft-export SavedModel")}
