"""tfft-evaluate --workdir=RUN [--split=test | --files=a.csv,b.csv]

Re-evaluates a finished run's saved model on one of its splits (carved the
same way, from the same seed) or on labeled files; prints the metrics as
JSON and, with --output, writes them there too.
"""

import json

from absl import flags

from tfft import paths
from tfft import run_folder
from tfft import trained
from tfft.cli import common

_WORKDIR = flags.DEFINE_string("workdir", None, "A finished run folder.")
_SPLIT = flags.DEFINE_enum("split", "test", ["train", "validation", "test"],
                           "Which split of the run's data to evaluate.")
_FILES = flags.DEFINE_string(
    "files", None, "Labeled files (comma-separated) instead of a split.")
_OUTPUT = flags.DEFINE_string("output", None, "Also write metrics here.")


def main(argv):
    del argv
    common.require_flags(workdir=_WORKDIR.value)
    from tfft.data import sources

    # Cheap checks before TensorFlow loads, so bad input fails at once
    # (the data itself is read before the model loads).
    if _OUTPUT.value:
        paths.check_file(_OUTPUT.value, "--output")
    run_folder.RunFolder(_WORKDIR.value).require_complete()
    if _FILES.value:
        sources.expand(_FILES.value)
    config, task = trained.run_task(_WORKDIR.value)
    dataset = trained.evaluation_data(config, task, _SPLIT.value,
                                      _FILES.value)
    from tfft.inference import load_run

    metrics = load_run(_WORKDIR.value).evaluate(dataset)
    text = json.dumps(metrics, indent=2)
    if _OUTPUT.value:
        run_folder.write_text(_OUTPUT.value, text + "\n")
    print(text)


def run():
    common.run_app(main, outputs=lambda: [_OUTPUT.value])


if __name__ == "__main__":
    run()
