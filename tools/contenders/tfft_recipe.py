"""(a) tfft's default recipe: `configs/sentiment_minilm.py` through
`tfft.training.trainer.train`, pointed at the workload's files."""

import os
import tempfile

from contenders import workload as wl

CONFIG = os.path.join(os.path.dirname(__file__), "..", "..", "configs",
                      "sentiment_minilm.py")


def config_for(w):
    """`configs/sentiment_minilm.py` pointed at the workload `w`."""
    config = wl.tfft_config(CONFIG, w)
    config.train.learning_rate = w["learning_rate"]
    return config


def run(w):
    clock = wl.Clock()
    from tfft.training import trainer

    config = config_for(w)
    d, t = config.data, config.train
    with clock.off():  # the benchmark's test batches, not tfft's work
        test = wl.read_rows(w["test_file"])
        batches = wl.tf_test_batches(
            w["model_dir"], [r["text"] for r in test], w["max_length"])
        labels = [r["label"] for r in test]
    callback = wl.keras_clock(
        clock, lambda model: wl.tf_accuracy(model, batches, labels),
        w["eval_every"])
    with tempfile.TemporaryDirectory() as workdir:
        results = trainer.train(config, os.path.join(workdir, "run"),
                                callbacks=[callback])
    return wl.result(clock, w, results["test"]["accuracy"],
                     f"tfft-train configs/sentiment_minilm.py "
                     f"({t.precision}, dynamic padding"
                     f"{', length-grouped' if d.group_by_length else ''})")
