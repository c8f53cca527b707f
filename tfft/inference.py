"""Running a model over data, and loading a finished run to do so."""

import dataclasses

import numpy as np

from tfft import config as config_lib
from tfft import run_folder
from tfft.data import pipeline
from tfft.models import builder
from tfft.tasks import get_task


def model_outputs(model, task, tokenized, tokenizer, batch_size: int):
    """The model's outputs for every example of `tokenized`, in order."""
    dataset = pipeline.to_tf_dataset(
        tokenized, batch_size=batch_size, shuffle=False,
        collate_fn=task.collator(tokenizer))
    return np.asarray(model.predict(dataset, verbose=0))


@dataclasses.dataclass
class FinishedRun:
    config: object
    task: object
    bundle: builder.ModelBundle
    folder: run_folder.RunFolder

    def outputs(self, tokenized):
        return model_outputs(self.bundle.model, self.task, tokenized,
                             self.bundle.tokenizer,
                             self.config.train.eval_batch_size)


def load_run(workdir: str) -> FinishedRun:
    """Config, task (with its learned labels) and trained model of a run."""
    folder = run_folder.RunFolder(workdir)
    folder.require_complete()
    config = config_lib.load_run_config(folder.workdir)
    model_dir = folder.path(run_folder.MODEL)
    manifest = builder.read_manifest(model_dir)
    task = get_task(config.task, config, state=manifest["task_state"])
    bundle = builder.load(model_dir, config.model, task)
    return FinishedRun(config, task, bundle, folder)
