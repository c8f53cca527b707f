"""Tasks: one file each, named in `TASKS` (no import-time registry)."""

import importlib

from tfft.errors import UserError

# name -> "module:Class"; adding a task is one file plus one line here.
TASKS = {
    "classification": "tfft.tasks.classification:TextClassification",
    "token_classification":
        "tfft.tasks.token_classification:TokenClassification",
}


def get_task(name: str, config, state=None):
    if name not in TASKS:
        raise UserError(
            f"unknown task {name!r}; set --config.task to one of "
            f"{', '.join(TASKS)}"
        )
    module, cls = TASKS[name].split(":")
    return getattr(importlib.import_module(module), cls)(config, state)
