"""Carving missing validation/test splits from train, seeded and stratified,
and saying so."""

import datasets
from absl import logging

from tfft.errors import UserError


def _count(size: float, total: int) -> int:
    return int(round(size * total)) if size < 1 else int(size)


def carve_missing(splits: datasets.DatasetDict, *, seed: int,
                  validation_size: float, test_size: float,
                  stratify_by: str = None) -> datasets.DatasetDict:
    """Fills in `test`, then `validation`, from `train` when they are
    missing. Sizes are fractions of the original train (< 1) or counts.
    `stratify_by` names a ClassLabel column to keep class ratios."""
    splits = datasets.DatasetDict(splits)
    total = len(splits["train"])
    for name, size in (("test", test_size), ("validation", validation_size)):
        if name in splits:
            continue
        flag = f"--config.data.{name}_files"
        if size == 0:
            raise UserError(
                f"the data has no {name} split and data.{name}_size=0 says "
                f"not to carve one; give one with {flag}=PATH or set "
                f"--config.data.{name}_size (a fraction or a count)")
        n = _count(size, total)
        left = len(splits["train"])
        if not 0 < n < left:
            raise UserError(
                f"data.{name}_size={size:g} carves {n} of the {left} train "
                f"examples left, which leaves no {name} split or no training "
                f"data; give more data, a {name} file ({flag}=PATH), or a "
                f"{name}_size between 1 and {left - 1} examples")
        stratified = stratify_by
        try:
            parts = splits["train"].train_test_split(
                test_size=n, seed=seed, stratify_by_column=stratified)
        except ValueError:  # fewer examples than classes on one side
            stratified = None
            parts = splits["train"].train_test_split(test_size=n, seed=seed)
        splits["train"], splits[name] = parts["train"], parts["test"]
        logging.info(
            "The data has no %s split: carved %d examples from train "
            "(seed %d%s); %d remain for training.", name, n, seed,
            f", stratified by {stratified}" if stratified else
            ", not stratified: too few examples per class" if stratify_by
            else "", len(splits["train"]))
    return splits


def complete(splits: datasets.DatasetDict, data_config, seed: int,
             stratify_by: str = None) -> datasets.DatasetDict:
    """A task's prepared splits made whole: the missing validation/test
    split carved from train (`data.validation_size`, `data.test_size`),
    then train subsampled to `data.max_train_examples`."""
    splits = carve_missing(
        splits, seed=seed, validation_size=data_config.validation_size,
        test_size=data_config.test_size, stratify_by=stratify_by)
    splits["train"] = subsample(splits["train"],
                                data_config.max_train_examples, seed)
    return splits


def subsample(dataset: datasets.Dataset, n: int, seed: int):
    """A seeded subsample of `n` examples (all of them if n is 0 or more)."""
    if not n or n >= len(dataset):
        return dataset
    logging.info("Using a seeded subsample of %d of %d training examples.",
                 n, len(dataset))
    return dataset.shuffle(seed=seed).select(range(n))
