"""Tasks: one file each, named in `TASKS` (no import-time registry)."""

import importlib

from tfft.errors import UserError

# name -> "module:Class"; adding a task is one file plus one line here.
TASKS = {
    "classification": "tfft.tasks.classification:TextClassification",
    "token_classification":
        "tfft.tasks.token_classification:TokenClassification",
    "question_answering":
        "tfft.tasks.question_answering:QuestionAnswering",
    "summarization": "tfft.tasks.summarization:Summarization",
}


def get_task(name: str, config, state=None):
    if name not in TASKS:
        raise UserError(
            f"unknown task {name!r}; set --config.task to one of "
            f"{', '.join(TASKS)}"
        )
    module, cls = TASKS[name].split(":")
    return getattr(importlib.import_module(module), cls)(config, state)


def prepare_data(config):
    """(task, splits): the task of `config` with what it learned from the
    data, and its three prepared splits. No TensorFlow: `tfft-train` runs
    it before TF loads, so bad data fails at once."""
    from tfft.data import sources

    task = get_task(config.task, config)
    splits = task.prepare(sources.load_splits(config.data,
                                              conll=task.conll_files()))
    return task, splits
