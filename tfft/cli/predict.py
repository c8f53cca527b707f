"""tfft-predict --model=RUN_OR_EXPORT --input=FILE [--output=preds.jsonl]

Labels + probabilities for every text in FILE: a .txt file (one text per
line) or a CSV / JSON / JSONL / Parquet file with the model's text columns.
--model is a finished run folder (the Keras model + tokenizer in Python) or
a SavedModel written by tfft (a version folder, or an export directory,
whose latest version is used; tokenization runs in the graph, as in TF
Serving). --workdir=RUN is the older spelling for a run folder. Writes
JSON lines to --output, or to stdout.
"""

from absl import flags

from tfft import run_folder
from tfft.cli import common

_MODEL = flags.DEFINE_string(
    "model", None, "A finished run folder, a tfft SavedModel, or an export "
    "directory (its latest version).")
_WORKDIR = flags.DEFINE_string("workdir", None, "A finished run folder "
                               "(same as --model=RUN).")
_INPUT = flags.DEFINE_string("input", None, "Texts to label.")
_OUTPUT = flags.DEFINE_string("output", None, "JSON lines out (default "
                              "stdout).")


def read_texts(path: str, text_columns: list):
    """A `datasets.Dataset` with the run's text columns from `path`."""
    import datasets

    from tfft.data import sources
    from tfft.errors import UserError

    if path.endswith(".txt"):
        if len(text_columns) != 1:
            raise UserError(
                f"this model reads text pairs {text_columns}; give a CSV or "
                "JSONL file with those columns instead of a .txt file"
            )
        try:
            with open(path, encoding="utf-8") as f:
                lines = [line.rstrip("\n") for line in f]
        except (OSError, UnicodeDecodeError) as e:
            raise UserError(f"cannot read {path} as UTF-8 text: {e}") from e
        return datasets.Dataset.from_dict({text_columns[0]: lines})
    dataset = sources.load_files(sources.expand(path), "input")
    # Only the text columns are read; a stray `labels` column would be
    # taken for encoded label ids.
    dataset = dataset.select_columns(
        [c for c in dataset.column_names if c in text_columns])
    missing = [c for c in text_columns if c not in dataset.column_names]
    if missing:
        raise UserError(
            f"{path} has no column {missing[0]!r} (the model reads "
            f"{text_columns}); its columns are {dataset.column_names}"
        )
    return dataset


def is_export(path: str) -> bool:
    from tfft.export import versions

    return versions.resolve(path) is not None


def predict(model_path: str, path: str) -> list:
    """Prediction records for the texts in `path`."""
    if is_export(model_path):
        from tfft.inference import load_export

        exported = load_export(model_path)
        raw = read_texts(path, list(exported.text_inputs.values()))
        return exported.task.predictions(exported.outputs(raw), raw)
    from tfft.inference import load_run

    run = load_run(model_path)
    raw = read_texts(path, run.task.text_columns)
    tokenized = run.task.tokenize(raw, run.bundle.tokenizer)
    return run.task.predictions(run.outputs(tokenized), raw)


def main(argv):
    del argv
    import json

    from tfft.data import sources
    from tfft.errors import UserError

    if _MODEL.value and _WORKDIR.value:
        raise UserError("pass --model or --workdir, not both")
    model = _MODEL.value or _WORKDIR.value
    common.require_flags(model=model, input=_INPUT.value)
    # Cheap checks before TensorFlow loads, so bad input fails at once.
    if not (is_export(model) or run_folder.RunFolder(model).is_complete()):
        raise UserError(
            f"{model} is neither a finished tfft run (no "
            f"{run_folder.COMPLETED} marker) nor a SavedModel export; pass "
            "--model=RUN_FOLDER or --model=EXPORT_DIR")
    sources.expand(_INPUT.value)

    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n"
                    for r in predict(model, _INPUT.value))
    if _OUTPUT.value:
        run_folder.write_text(_OUTPUT.value, lines)
    else:
        print(lines, end="")


def run():
    common.run_app(main)


if __name__ == "__main__":
    run()
