"""Classify your own files: CSV / JSON / JSONL / Parquet, no code.

Command (a CSV with columns `text` and `label`, labels as strings or ints):
  tfft-train --config=configs/classify_files.py --workdir=runs/mine \
    --config.data.train_files=train.csv \
    [--config.data.validation_files=dev.csv] \
    [--config.data.test_files=test.csv] \
    [--config.data.text_columns=premise,hypothesis] \
    [--config.data.label_column=label] \
    [--config.model.family=hf] [--config.model.path=/path/to/checkpoint]

Missing validation/test splits are carved from train (10% each, seeded,
stratified) and the run says so.

Expected: runtime scales with data; MiniLM-L6 on 2 CPU cores trains about
100-150 short examples/s (see BUILD.md). On the SMS spam corpus written to
CSV (tests/cli/test_train_cli.py), accuracy is > 0.9 after 1 epoch.
"""

from tfft.config import default_config


def get_config():
    config = default_config()
    config.data.train_files = ""  # required: --config.data.train_files=...
    config.data.text_columns = "text"
    config.data.label_column = "label"
    config.data.max_length = 128
    config.model.family = "keras_hub"
    config.model.path = "bundled:all-MiniLM-L6-v2"
    config.train.epochs = 3
    config.train.batch_size = 32
    config.train.learning_rate = 5e-5
    return config
