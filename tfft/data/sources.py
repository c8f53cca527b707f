"""Where examples come from: files, `save_to_disk` folders, hub names, or a
bundled corpus. Returns the splits that exist; carving is `splits.py`."""

import glob
import os

import datasets
from absl import logging

from tfft.config import split_list
from tfft.data import bundled
from tfft.data import checks
from tfft.errors import UserError
from tfft.errors import first_line

SPLITS = ("train", "validation", "test")
BUILDERS = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "json",
    ".parquet": "parquet",
}


# Token-per-line files (`.txt` only where the task reads them: `conll`).
CONLL_SUFFIXES = (".conll", ".iob", ".bio")


def load_splits(data_config, conll=False) -> datasets.DatasetDict:
    """The splits named by `data_config` (a `config.data` ConfigDict).
    With `conll` (token tasks), `.txt`/`.conll` files are CoNLL columns
    (`conll.py`), read into `data.tokens_column` / `data.tags_column`."""
    if data_config.dataset:
        found = load_named(data_config.dataset, data_config.dataset_config)
    else:
        found = datasets.DatasetDict()
        for split in SPLITS:
            patterns = getattr(data_config, f"{split}_files")
            if patterns:
                found[split] = load_files(expand(patterns), split,
                                          conll_config=data_config
                                          if conll else None)
    if "train" not in found:
        raise UserError(
            "the data has no train split; name a train file with "
            "--config.data.train_files=PATH"
        )
    return found


def expand(patterns: str) -> list:
    """Comma-separated paths or globs -> existing files, in order."""
    files = []
    for pattern in split_list(patterns):
        matches = sorted(glob.glob(os.path.expanduser(pattern)))
        if not matches:
            raise UserError(f"no file matches {pattern!r}; check the path")
        files.extend(matches)
    return files


def load_files(files: list, split: str,
               conll_config=None) -> datasets.Dataset:
    """CSV / JSON / JSONL / Parquet files -> one Dataset (SQuAD's nested
    JSON flattened to a row per question, `squad.py`); with
    `conll_config` (a `config.data`), also CoNLL token-per-line files."""
    kinds = {os.path.splitext(f)[1].lower() for f in files}
    if conll_config is not None and kinds <= {".txt", *CONLL_SUFFIXES}:
        from tfft.data import conll

        return conll.read_files(files, split, conll_config)
    unknown = kinds - set(BUILDERS)
    if unknown or len({BUILDERS[k] for k in kinds}) != 1:
        raise UserError(
            f"{split} files {files} must all be one of "
            f"{', '.join(BUILDERS)}; convert them or split the list"
        )
    builder = BUILDERS[kinds.pop()]
    checks.refuse_duplicate_columns(files)
    if builder == "json":  # SQuAD's nested format, or records
        from tfft.data import squad

        nested = squad.read_files(files)
        if nested is not None:
            return nested
    try:
        loaded = datasets.load_dataset(
            builder, data_files={split: files}, split=split)
    except Exception as e:  # the reader's own error names the fault
        if "corresponds to no data" in str(e):  # datasets on 0 rows
            raise UserError(
                f"the {split} split ({', '.join(files)}) is empty") from e
        bad_line = _first_bad_json_line(files) if builder == "json" else None
        if bad_line:
            raise UserError(f"{bad_line}; fix or remove that line") from e
        cause = e.__cause__ or e
        raise UserError(
            f"could not read {split} file(s) {', '.join(files)} as "
            f"{builder}: {first_line(cause)}; check the file is valid UTF-8 "
            f"{builder}"
        ) from e
    if len(loaded) == 0:
        raise UserError(f"the {split} split ({', '.join(files)}) is empty")
    return loaded


def _first_bad_json_line(files):
    """'<file> line N is not valid JSON (...)' for the first JSON lines
    record that does not parse, or None (e.g. a single JSON document)."""
    import json

    for path in files:
        try:
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    try:
                        json.loads(line)
                    except ValueError as e:
                        if number == 1:  # maybe one multi-line document
                            return None
                        return (f"{path} line {number} is not valid JSON "
                                f"({first_line(e)})")
        except (OSError, UnicodeDecodeError) as e:
            return f"cannot read {path} as UTF-8 text ({first_line(e)})"
    return None


def read_inputs(path: str, columns: list,
                text_lines_column: str = "") -> datasets.Dataset:
    """Unlabeled rows for a prediction: a `.txt` file (one input per line,
    into `text_lines_column`, default the only one of `columns`) or a
    CSV / JSON / JSONL / Parquet file holding `columns` (others dropped:
    a stray `labels` column would pass for encoded labels)."""
    if path.endswith(".txt"):
        column = text_lines_column or (columns[0] if len(columns) == 1
                                       else "")
        if not column:
            raise UserError(
                f"this model reads {columns}; give a CSV or JSONL file with "
                "those columns instead of a .txt file")
        try:
            with open(path, encoding="utf-8") as f:
                lines = [line.rstrip("\r\n") for line in f]
        except (OSError, UnicodeDecodeError) as e:
            raise UserError(f"cannot read {path} as UTF-8 text: {e}") from e
        if not lines:
            raise UserError(f"{path} is empty; give it one text per line")
        dataset = datasets.Dataset.from_dict({column: lines})
    else:
        dataset = load_files(expand(path), "input")
        missing = [c for c in columns if c not in dataset.column_names]
        if missing:
            raise UserError(
                f"{path} has no column {missing[0]!r} (the model reads "
                f"{columns}); its columns are {dataset.column_names}")
        dataset = dataset.select_columns(list(columns))
    return dataset


def load_named(name: str, config_name: str = "") -> datasets.DatasetDict:
    """'bundled:NAME', a `save_to_disk` folder, or a hub dataset name."""
    if name.startswith("bundled:"):
        corpus = name[len("bundled:"):]
        if corpus not in bundled.CORPORA:
            raise UserError(
                f"unknown bundled corpus {corpus!r}; choose one of "
                f"{', '.join('bundled:' + c for c in bundled.CORPORA)}"
            )
        found = bundled.CORPORA[corpus]()
        if isinstance(found, datasets.DatasetDict):
            return found
        return datasets.DatasetDict({"train": found})
    if os.path.isdir(name):
        try:
            found = datasets.load_from_disk(name)
        except Exception as e:
            raise UserError(
                f"{name} is not a datasets save_to_disk folder "
                f"({first_line(e)}); pass data files with "
                "--config.data.train_files instead"
            ) from e
        if isinstance(found, datasets.Dataset):
            found = datasets.DatasetDict({"train": found})
    else:
        logging.info("Loading %s from the Hugging Face hub", name)
        try:
            found = datasets.load_dataset(name, config_name or None)
        except Exception as e:
            raise UserError(
                f"could not load dataset {name!r} (not a local folder, and "
                f"the hub said: {first_line(e)}); use local files with "
                "--config.data.train_files or a bundled:NAME corpus"
            ) from e
    return datasets.DatasetDict(
        {_canonical(s): d for s, d in found.items() if _canonical(s)})


def _canonical(split: str):
    aliases = {"train": "train", "validation": "validation", "valid":
               "validation", "dev": "validation", "val": "validation",
               "test": "test"}
    return aliases.get(split)

