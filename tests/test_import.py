"""`import tfft` has no side effects: no TensorFlow, no flags of its own,
no logging handlers. Flags belong to the `tfft.cli` programs only."""

import json
import subprocess
import sys

CHECK = """
import json, logging, sys
import tfft, tfft.config, tfft.errors, tfft.metrics, tfft.tasks, tfft.assets
from absl import flags
if sys.argv[1:] == ["tasks"]:  # the cheap pre-TF checks need task classes
    from tfft.config import default_config
    for name in tfft.tasks.TASKS:
        c = default_config()
        c.task, c.data.train_files = name, "x.csv"
        if name == "summarization":  # hf only, from an encoder-only model
            c.model.family, c.model.encoder_decoder = "hf", True
        tfft.config.validate(c)
heavy = {"tensorflow", "keras", "tf_keras", "transformers", "keras_hub"}
owners = [m for m in flags.FLAGS.flags_by_module_dict() if "tfft" in m]
if sys.argv[1:] == ["cli"]:
    import tfft.cli.train
    owners = [m for m in flags.FLAGS.flags_by_module_dict() if "tfft" in m]
print(json.dumps([sorted(heavy & set(sys.modules)), owners,
                  len(logging.getLogger().handlers)]))
"""


def run(*args):
    out = subprocess.run([sys.executable, "-c", CHECK, *args], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def test_import_is_free_of_side_effects():
    assert run() == [[], [], 0]


def test_task_classes_and_config_checks_import_no_tensorflow():
    assert run("tasks") == [[], [], 0]


def test_cli_modules_do_define_flags():
    heavy, owners, _ = run("cli")
    assert owners == ["tfft.cli.train"]


RUN = """
import json, sys
from tfft.config import default_config
from tfft.training import trainer
c = default_config()
c.data.train_files, c.data.validation_files, c.data.test_files = sys.argv[1:4]
c.data.max_length = 16
c.model.path, c.model.init, c.model.family = sys.argv[4], "random", "keras_hub"
c.train.epochs, c.train.batch_size, c.train.verbose = 1, 16, 0
trainer.train(c, sys.argv[5])
print(json.dumps(sorted({"transformers", "torch"} & set(sys.modules))))
"""


def test_a_keras_hub_run_imports_neither_transformers_nor_torch(
        tiny_bert, tmp_path):
    """Start-up: a keras_hub run needs neither (evaluate, which tfft's
    metric modules use, would import transformers' pipelines, and with
    them torch where it is installed, as the bench's environment has)."""
    from tests.conftest import sentiment_rows
    from tests.conftest import write_csv

    files = [write_csv(tmp_path / f"{name}.csv", sentiment_rows(32, seed))
             for seed, name in enumerate(("train", "dev", "test"))]
    out = subprocess.run(
        [sys.executable, "-c", RUN, *files, tiny_bert, str(tmp_path / "run")],
        check=True, capture_output=True, text=True).stdout
    assert json.loads(out.splitlines()[-1]) == []


LEAN = """
import importlib.util, json, sys
from tfft.cli import common

def main(argv):
    import keras_hub, tensorflow, tf_keras  # what a keras_hub run loads
    from keras_hub.src.metrics import rouge_base
    skipped = {"sklearn", "rouge_score", "nltk"} - set(sys.modules)
    import rouge_score.rouge_scorer, sklearn  # anyone else still gets them
    print(json.dumps([sorted(skipped), rouge_base.rouge_scorer is None,
                      importlib.util.find_spec("sklearn") is not None,
                      rouge_score.rouge_scorer.RougeScorer.__name__]))

common.run_app(main)
"""


def test_commands_skip_what_keras_and_keras_hub_import_for_unused_features():
    """Start-up: a command's process does not load Keras' scikit-learn
    wrappers' sklearn, nor keras-hub's ROUGE metrics' rouge_score and
    nltk (half a second), and any other import of them still works."""
    out = subprocess.run([sys.executable, "-c", LEAN], check=True,
                         capture_output=True, text=True).stdout
    assert json.loads(out.splitlines()[-1]) == [
        ["nltk", "rouge_score", "sklearn"], True, True, "RougeScorer"]
