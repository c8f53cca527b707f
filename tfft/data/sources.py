"""Where examples come from: files, `save_to_disk` folders, hub names, or a
bundled corpus. Returns the splits that exist; carving is `splits.py`."""

import glob
import os

import datasets
from absl import logging

from tfft.config import split_list
from tfft.data import bundled
from tfft.errors import UserError
from tfft.errors import first_line

SPLITS = ("train", "validation", "test")
BUILDERS = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "json",
    ".parquet": "parquet",
}


def load_splits(data_config) -> datasets.DatasetDict:
    """The splits named by `data_config` (a `config.data` ConfigDict)."""
    if data_config.dataset:
        found = load_named(data_config.dataset, data_config.dataset_config)
    else:
        found = datasets.DatasetDict()
        for split in SPLITS:
            patterns = getattr(data_config, f"{split}_files")
            if patterns:
                found[split] = load_files(expand(patterns), split)
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


def load_files(files: list, split: str) -> datasets.Dataset:
    """CSV / JSON / JSONL / Parquet files -> one Dataset."""
    kinds = {os.path.splitext(f)[1].lower() for f in files}
    unknown = kinds - set(BUILDERS)
    if unknown or len({BUILDERS[k] for k in kinds}) != 1:
        raise UserError(
            f"{split} files {files} must all be one of "
            f"{', '.join(BUILDERS)}; convert them or split the list"
        )
    builder = BUILDERS[kinds.pop()]
    try:
        loaded = datasets.load_dataset(
            builder, data_files={split: files}, split=split)
    except Exception as e:  # the reader's own error names the fault
        if "corresponds to no data" in str(e):  # datasets on 0 rows
            raise UserError(
                f"the {split} split ({', '.join(files)}) is empty") from e
        raise UserError(
            f"could not read {split} file(s) {', '.join(files)} as "
            f"{builder}: {first_line(e)}; check the file is valid UTF-8 "
            f"{builder}"
        ) from e
    if len(loaded) == 0:
        raise UserError(f"the {split} split ({', '.join(files)}) is empty")
    return loaded


def load_named(name: str, config_name: str = "") -> datasets.DatasetDict:
    """'bundled:NAME', a `save_to_disk` folder, or a hub dataset name."""
    if name.startswith("bundled:"):
        corpus = name[len("bundled:"):]
        if corpus not in bundled.CORPORA:
            raise UserError(
                f"unknown bundled corpus {corpus!r}; choose one of "
                f"{', '.join('bundled:' + c for c in bundled.CORPORA)}"
            )
        return datasets.DatasetDict({"train": bundled.CORPORA[corpus]()})
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

