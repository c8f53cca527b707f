"""`tfft.pipeline(path)`: a trained model as a Python callable that takes
and returns what transformers' pipelines do for its task.

`path` is a finished run folder, its `model/` (also a copy of it, or a
download of a pushed repo), or a tfft SavedModel (a version folder or an
export directory). The records come from the same code as `tfft-predict`
(`Task.predictions`, or `Task.serving_predictions` on the SavedModel's
outputs); each task turns its record into the pipeline's form
(`Task.pipeline_examples`, `Task.pipeline_result`).
"""

import contextlib
import os

from tfft import run_folder
from tfft import trained
from tfft.errors import UserError


class Pipeline:
    """Callable: one input -> one result, a list of inputs -> a list of
    results (run in batches of `batch_size`)."""

    def __init__(self, source, task, predict, batch_size):
        self.source = source
        self.task = task
        # transformers' name of the task ("text-classification", ...).
        self.task_name = task.pipeline_tag
        self._predict = predict
        self.batch_size = batch_size

    def __call__(self, inputs=None, **options):
        inputs, options = self.task.pipeline_arguments(inputs, options)
        unknown = set(options) - set(self.task.pipeline_options)
        if unknown:
            raise TypeError(
                f"{self.task_name} pipeline got unknown option(s) "
                f"{sorted(unknown)}; it takes "
                f"{list(self.task.pipeline_options) or 'none'}")
        single = not isinstance(inputs, (list, tuple))
        items = [inputs] if single else list(inputs)
        if not items:
            return []
        with _quiet_datasets():
            examples = self.task.pipeline_examples(items)
            records = self._predict(examples, **{
                k: v for k, v in options.items()
                if k in self.task.prediction_options})
        results = [self.task.pipeline_result(r, **options) for r in records]
        return self.task.pipeline_single(results[0]) if single else results

    def __repr__(self):
        return f"Pipeline({self.task_name!r}, {self.source!r})"


@contextlib.contextmanager
def _quiet_datasets():
    """No `datasets` progress bars for a call's few examples (as
    transformers' pipelines print none); the user's setting after."""
    import datasets

    was_enabled = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if was_enabled:
            datasets.enable_progress_bars()


def pipeline(path: str, batch_size: int = 0) -> Pipeline:
    """The model at `path` as a pipeline; see the module docstring.
    `batch_size`: inputs per model call (default: the run's
    `train.eval_batch_size`)."""
    from tfft import inference
    from tfft.export.versions import is_export

    path = os.path.abspath(os.path.expanduser(path))
    if not os.path.exists(path):
        raise UserError(f"{path} does not exist; pass a tfft run folder, "
                        "its model/ folder or a tfft-export directory")
    if os.path.exists(os.path.join(path, run_folder.COMPLETED)):
        run = inference.load_run(path, precision="float32")
    elif os.path.exists(os.path.join(path, trained.MANIFEST)):
        run = inference.load_model(path, precision="float32")
    elif is_export(path):
        exported = inference.load_export(path)
        size = batch_size or exported.config.train.eval_batch_size

        def serve(examples, **options):
            return exported.predictions(examples, batch_size=size, **options)

        return Pipeline(exported.path, exported.task, serve, size)
    else:
        raise UserError(
            f"{path} is not a finished tfft run (no {run_folder.COMPLETED}),"
            f" a tfft model folder (no {trained.MANIFEST}) or a SavedModel; "
            "pass one of those")
    if batch_size:
        run.config.train.eval_batch_size = batch_size
    return Pipeline(path, run.task, run.predictions,
                    run.config.train.eval_batch_size)
