"""tfft-predict --model=RUN_OR_EXPORT --input=FILE [--output=preds.jsonl]

The task's predictions for every input in FILE: a .txt file (one text per
line) or a CSV / JSON / JSONL / Parquet file with the model's input columns
(classification: labels + probabilities; token classification: entities
with character offsets, or a tag per word for a `tokens` column; question
answering: `question` and `context` columns, or SQuAD JSON, -> the answer
text, its score and its character start/end in the context).
--model is a finished run folder (the Keras model + tokenizer in Python) or
a SavedModel written by tfft (a version folder, or an export directory,
whose latest version is used; tokenization runs in the graph, as in TF
Serving). --workdir=RUN is the older spelling for a run folder. Writes
JSON lines to --output, or to stdout.
"""

from absl import flags

from tfft import paths
from tfft import run_folder
from tfft import trained
from tfft.cli import common
from tfft.export.versions import is_export

_MODEL = flags.DEFINE_string(
    "model", None, "A finished run folder, a tfft SavedModel, or an export "
    "directory (its latest version).")
_WORKDIR = flags.DEFINE_string("workdir", None, "A finished run folder "
                               "(same as --model=RUN).")
_INPUT = flags.DEFINE_string("input", None, "Texts to label.")
_OUTPUT = flags.DEFINE_string("output", None, "JSON lines out (default "
                              "stdout).")
_AGGREGATION = flags.DEFINE_enum(
    "aggregation_strategy", "first", ["simple", "first", "average", "max"],
    "Token classification: how sub-token predictions become words and "
    "entities (as in transformers' token-classification pipeline). A "
    "SavedModel decodes with `first`, fixed at export.")


def main(argv):
    del argv
    import json
    import os

    from tfft.data import sources
    from tfft.errors import UserError

    if _MODEL.value and _WORKDIR.value:
        raise UserError("pass --model or --workdir, not both")
    model = _MODEL.value or _WORKDIR.value
    common.require_flags(model=model, input=_INPUT.value)
    # Cheap checks before TensorFlow loads, so bad input fails at once
    # (the inputs themselves are read before the model loads).
    if _OUTPUT.value:
        paths.check_file(_OUTPUT.value, "--output")
    if not os.path.exists(model):
        raise UserError(f"--model {model} does not exist; pass a finished "
                        "run folder or an export directory")
    if not (is_export(model) or run_folder.RunFolder(model).is_complete()):
        raise UserError(
            f"{model} is neither a finished tfft run (no "
            f"{run_folder.COMPLETED} marker) nor a SavedModel export; pass "
            "--model=RUN_FOLDER or --model=EXPORT_DIR")
    sources.expand(_INPUT.value)
    inputs = trained.read_inputs(model, _INPUT.value)

    from tfft.inference import predict_inputs

    records = predict_inputs(model, inputs,
                             aggregation_strategy=_AGGREGATION.value)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n"
                    for r in records)
    if _OUTPUT.value:
        run_folder.write_text(_OUTPUT.value, lines)
    else:
        print(lines, end="")


def run():
    common.run_app(main, outputs=lambda: [_OUTPUT.value])


if __name__ == "__main__":
    run()
