"""QA (a): tfft's recipe, `configs/qa_squad_minilm.py` through
`tfft.training.trainer.train`, pointed at the workload's files."""

import os

from contenders import workload as wl

CONFIG = os.path.join(os.path.dirname(__file__), "..", "..", "configs",
                      "qa_squad_minilm.py")


def config_for(w):
    # Validation: 100 questions an epoch (tfft's trainer always validates).
    config = wl.tfft_task_config(CONFIG, w)
    config.data.stride = w["stride"]
    return config


def run(w):
    return wl.tfft_task_contender(
        w, config_for, "f1", lambda c: (
            f"tfft-train configs/qa_squad_minilm.py ({c.train.precision}, "
            f"lr {c.train.learning_rate:g}, length-grouped dynamic "
            "padding)"))
