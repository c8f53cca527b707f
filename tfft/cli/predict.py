"""tfft-predict --workdir=RUN --input=FILE [--output=preds.jsonl]

Labels + probabilities for every text in FILE: a .txt file (one text per
line) or a CSV / JSON / JSONL / Parquet file with the run's text columns.
Writes JSON lines to --output, or to stdout.
"""

from absl import flags

from tfft import run_folder
from tfft.cli import common

_WORKDIR = flags.DEFINE_string("workdir", None, "A finished run folder.")
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


def predict(workdir: str, path: str) -> list:
    from tfft.inference import load_run

    run = load_run(workdir)
    raw = read_texts(path, run.task.text_columns)
    tokenized = run.task.tokenize(raw, run.bundle.tokenizer)
    return run.task.predictions(run.outputs(tokenized), raw)


def main(argv):
    del argv
    common.require_flags(workdir=_WORKDIR.value, input=_INPUT.value)
    import json

    from tfft.data import sources

    # Cheap checks before TensorFlow loads, so bad input fails at once.
    run_folder.RunFolder(_WORKDIR.value).require_complete()
    sources.expand(_INPUT.value)

    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n"
                    for r in predict(_WORKDIR.value, _INPUT.value))
    if _OUTPUT.value:
        run_folder.write_text(_OUTPUT.value, lines)
    else:
        print(lines, end="")


def run():
    common.run_app(main)


if __name__ == "__main__":
    run()
