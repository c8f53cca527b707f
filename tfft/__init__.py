"""tfft: fine-tune pretrained transformers on your own task, in TensorFlow.

Importing this package is free of side effects: no flags are defined, no
TensorFlow is imported and no logging is configured. Entry points live in
`tfft.cli`; the training driver in `tfft.training.trainer`.
"""

__version__ = "0.1.0"
