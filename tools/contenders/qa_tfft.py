"""QA (a): tfft's recipe, `configs/qa_squad_minilm.py` through
`tfft.training.trainer.train`, pointed at the workload's files."""

import os
import tempfile

from contenders import workload as wl

CONFIG = os.path.join(os.path.dirname(__file__), "..", "..", "configs",
                      "qa_squad_minilm.py")


def config_for(w):
    # Validation: 100 questions an epoch (tfft's trainer always validates).
    config = wl.tfft_config(CONFIG, w, validation_file=w["validation_file"])
    config.data.stride = w["stride"]
    t = config.train
    t.learning_rate = w["learning_rate"].get("tfft", t.learning_rate)
    t.checkpoint_steps = 0
    return config


def run(w):
    clock = wl.Clock()
    from tfft.training import trainer

    config = config_for(w)
    # No curve: test F1 once, after training (off the clock).
    callback = wl.keras_clock(clock, lambda model: 0.0, eval_every=10**9)
    with tempfile.TemporaryDirectory() as workdir:
        results = trainer.train(config, os.path.join(workdir, "run"),
                                callbacks=[callback])
    t = config.train
    return wl.result(clock, w, results["test"]["f1"],
                     f"tfft-train configs/qa_squad_minilm.py "
                     f"({t.precision}, lr {t.learning_rate:g}, "
                     "length-grouped dynamic padding)")
