"""NER (a): tfft's recipe, `configs/ner_conll03_minilm.py` through
`tfft.training.trainer.train`, pointed at the workload's files."""

import os

from contenders import workload as wl

CONFIG = os.path.join(os.path.dirname(__file__), "..", "..", "configs",
                      "ner_conll03_minilm.py")


def config_for(w):
    # Validation: 100 sentences an epoch (tfft's trainer always validates).
    return wl.tfft_task_config(CONFIG, w)


def run(w):
    return wl.tfft_task_contender(
        w, config_for, "f1", lambda c: (
            f"tfft-train configs/ner_conll03_minilm.py ({c.train.precision}"
            f", lr {c.train.learning_rate:g}, windows, length-grouped "
            "dynamic padding)"))
