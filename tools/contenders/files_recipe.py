"""(e) tfft's user-file recipe as a new user runs it:
`configs/classify_files.py` with only the data flags set (train and test
files, the text and label columns; validation is carved from train, 10%),
and the workload's epochs, length, batch size and seed. Everything else
(precision, pooling, learning rate, batching) is the config's own."""

import os

from contenders import tfft_recipe
from contenders import workload as wl

CONFIG = os.path.join(tfft_recipe.CONFIGS, "classify_files.py")


def config_for(w):
    from tfft.cli.common import load_config_file

    config = load_config_file(CONFIG)
    d, t = config.data, config.train
    d.train_files, d.test_files = w["train_file"], w["test_file"]
    d.text_columns = ",".join(wl.text_columns(w))
    d.label_column = "label"
    d.max_length = w["max_length"]
    t.batch_size, t.epochs, t.verbose = w["batch_size"], w["epochs"], 0
    config.seed = w["seed"]
    if w.get("files_family"):  # tools/bench.py --files_family
        config.model.family = w["files_family"]
    return config


def run(w):
    family = w.get("files_family")
    return tfft_recipe.run_config(
        w, config_for, "configs/classify_files.py" + (
            f" --config.model.family={family}" if family else ""))
