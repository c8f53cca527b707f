"""Extractive QA on SQuAD v1.1 with all-MiniLM-L6-v2 (placeholder figures
are filled in from measured runs)."""

import os

from tfft.cli.common import load_config_file

FILES_RECIPE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "qa_files.py")


def get_config():
    config = load_config_file(FILES_RECIPE)
    config.data.dataset = "bundled:squad_subset"
    config.data.max_length = 256
    config.data.stride = 128
    config.train.epochs = 2
    return config
