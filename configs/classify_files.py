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

Expected: runtime scales with data: MiniLM-L6 fp32 on 2 CPU cores fits
~43 short examples/s (BUILD.md). Measured 2026-11-23 on the SMS spam corpus
written as CSV (columns message/category, labels ham/spam; 3,800 train of
which 380 carved for validation, 1,037 test):
  tfft-train --config=configs/classify_files.py --workdir=runs/sms \
    --config.data.train_files=train.csv --config.data.test_files=test.csv \
    --config.data.text_columns=message --config.data.label_column=category \
    --config.train.epochs=1
  -> test accuracy 0.986, macro-F1 0.966, in 160 s.
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
