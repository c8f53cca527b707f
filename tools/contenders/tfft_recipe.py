"""(a) tfft's demo recipe: `configs/sentiment_minilm.py` through
`tfft.training.trainer.train`, pointed at the workload's files."""

import os
import tempfile

from contenders import workload as wl

CONFIGS = os.path.join(os.path.dirname(__file__), "..", "..", "configs")
CONFIG = os.path.join(CONFIGS, "sentiment_minilm.py")


def config_for(w):
    """`configs/sentiment_minilm.py` pointed at the workload `w`."""
    config = wl.tfft_config(CONFIG, w)
    config.train.learning_rate = w["learning_rate"]
    return config


def run(w):
    return run_config(w, config_for, "configs/sentiment_minilm.py")


def run_config(w, config_for, name):
    """A tfft classification recipe on the workload: `config_for(w)`
    trained by tfft's trainer, scored on the test file every
    `eval_every` steps with the clock stopped. The clock starts before
    tfft is imported."""
    clock = wl.tfft_clock()
    from tfft.training import precision
    from tfft.training import trainer

    config = config_for(w)
    d, t = config.data, config.train
    with clock.off():  # the benchmark's test batches, not tfft's work
        test = wl.read_rows(w["test_file"])
        batches = wl.tf_test_batches(w["model_dir"], test, w["max_length"])
        labels = [r["label"] for r in test]
    callback = wl.keras_clock(
        clock, lambda model: wl.tf_accuracy(model, batches, labels),
        w["eval_every"], w["target"])
    with tempfile.TemporaryDirectory() as workdir:
        results = trainer.train(config, os.path.join(workdir, "run"),
                                callbacks=[callback])
    return wl.result(clock, w, results["test"]["accuracy"],
                     f"tfft-train {name} ({precision.resolve(t.precision)[0]}, "
                     f"{config.model.pooling}"
                     f" pooling, lr {t.learning_rate:g}, dynamic padding"
                     f"{', length-grouped' if d.group_by_length else ''})")
