"""tfft: fine-tune pretrained transformers on your own task, in TensorFlow.

Importing this package is free of side effects: no flags are defined, no
TensorFlow is imported and no logging is configured. Entry points live in
`tfft.cli`; the training driver in `tfft.training.trainer`.
"""

__version__ = "0.1.0"


def pipeline(path: str, batch_size: int = 0):
    """A trained model (run folder, its `model/`, or a tfft SavedModel) as
    a callable taking and returning what transformers' pipeline of its task
    does; see `tfft.pipelines`. Loads TensorFlow when called, not before."""
    from tfft.pipelines import pipeline as load

    return load(path, batch_size=batch_size)
