"""What tfft refuses in data, before anything trains on it.

The policies (README, "Data that is refused"), shared by every task:

- Empty or missing texts (null, "", only spaces; CSV readers also read
  the literal `NaN`, `NA`, `null` as missing) in any input column are
  refused with their count and first row numbers; `data.empty_texts=drop`
  drops those rows instead and logs how many. Inputs to predict are never
  dropped (each output line answers an input line): a missing one (null)
  is refused; an empty text is answered as the served model answers it
  (question answering, which needs a question and a context, refuses it).
- A column that is not text (numbers, say) where a text belongs: refused.
- Duplicate column names in a file (`text,text,label`): refused (readers
  silently rename one of them).
- Class labels that mix types (1 and "pos"), mix numbers and words
  (`0, 1, pos, neg`), differ only in case or spaces (`pos`, `Pos`), or
  are fractions (a regression target): refused with the distinct values.
  Naming the classes with `data.label_names` says the labels are meant as
  they are and skips the spelling checks (not the type check).

Row numbers count the split's examples from 1, in file order.
"""

import csv
import json
import math
import os

from absl import logging

from tfft.errors import UserError

_SHOWN = 5  # row numbers / values a message lists
INPUTS_FIX = "each output line answers one input: remove or fill those rows"


def _missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (list, tuple)):
        return any(_missing(v) for v in value)
    return False


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple)):
        return not value or any(_blank(v) for v in value)
    return False


def _not_text(value) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_not_text(v) for v in value)
    return not (value is None or isinstance(value, str) or (
        isinstance(value, float) and math.isnan(value)))


def _rows(numbers) -> str:
    shown = ", ".join(str(n + 1) for n in numbers[:_SHOWN])
    return shown + (", ..." if len(numbers) > _SHOWN else "")


def require_texts(dataset, columns, split: str, policy: str = "refuse",
                  fix: str = "", allow_empty: bool = False):
    """`dataset` with every `columns` value a non-empty text (a list of
    words: non-empty, no empty word); rows failing that are refused or,
    with `policy` "drop", dropped (logged). `fix`: the advice after a
    refusal (default: the `data.empty_texts` switch). `allow_empty`:
    only missing values (null) fail; empty texts are kept."""
    failing = _missing if allow_empty else _blank
    what = "a missing (null)" if allow_empty else "an empty or missing"
    blank = set()
    for column in columns:
        values = dataset[column][:]
        wrong = [i for i, v in enumerate(values) if _not_text(v)]
        if wrong:
            raise UserError(
                f"the {split} column {column!r} holds non-text values "
                f"(row {wrong[0] + 1}: {values[wrong[0]]!r}); give texts "
                "there or name the text column(s) in the config")
        empty = [i for i, v in enumerate(values) if failing(v)]
        if empty and policy != "drop":
            raise UserError(
                f"{len(empty)} of {len(values)} {split} rows have {what} "
                f"{column!r} (rows {_rows(empty)}; CSV readers "
                "also read NaN, NA and null as missing); "
                + (fix or "fill them, or drop those rows with "
                   "--config.data.empty_texts=drop"))
        blank.update(empty)
    if not blank:
        return dataset
    keep = [i for i in range(len(dataset)) if i not in blank]
    if not keep:
        raise UserError(f"every {split} row has an empty or missing text in "
                        f"{columns}; check the text column names")
    logging.warning(
        "Dropped %d of %d %s rows with an empty or missing text in %s "
        "(rows %s; data.empty_texts=drop).", len(blank), len(dataset),
        split, columns, _rows(sorted(blank)))
    return dataset.select(keep)


def _number(value):
    """A label's numeric value (int, float, or a numeric string), or
    None for words."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def check_labels(values, column: str, split: str, named: bool) -> None:
    """Refuses class labels that look like a mistake (see the module
    docstring); `named`: `data.label_names` lists the classes."""
    distinct = sorted({v for v in values if v is not None},
                      key=lambda v: (isinstance(v, str), str(v)))
    listed = ", ".join(repr(v) for v in distinct[:12]) + (
        ", ..." if len(distinct) > 12 else "")
    types = {type(v).__name__ for v in distinct}
    if len(types) > 1 and not types <= {"int", "float"}:
        raise UserError(
            f"the {split} labels in {column!r} mix types "
            f"({', '.join(sorted(types))}): {listed}; write every label the "
            "same way")
    if named:
        return
    numbers = [_number(v) for v in distinct]
    if any(n is None for n in numbers) and any(n is not None
                                               for n in numbers):
        raise UserError(
            f"the {split} labels in {column!r} mix numbers and words: "
            f"{listed}; use one spelling per class (or list the classes "
            "with --config.data.label_names)")
    if any(n is not None and n != int(n) for n in numbers
           if n is not None and not math.isnan(n)):
        raise UserError(
            f"the {split} labels in {column!r} include fractions: {listed};"
            " classification needs class labels (regression targets are "
            "not supported)")
    folded = {}
    for v in distinct:
        folded.setdefault(" ".join(str(v).split()).lower(), []).append(v)
    clash = next((vs for vs in folded.values() if len(vs) > 1), None)
    if clash:
        raise UserError(
            f"the {split} labels in {column!r} differ only in case or "
            f"spaces: {', '.join(repr(v) for v in clash)} (all: {listed}); "
            "use one spelling per class (or list the classes with "
            "--config.data.label_names)")


def refuse_duplicate_columns(files) -> None:
    """A CSV header, a Parquet schema or a JSON lines file's first record
    that names a column twice (readers keep one, or rename one,
    silently)."""
    for path in files:
        names = _column_names(path)
        seen = set()
        for name in names:
            if name in seen:
                raise UserError(
                    f"{path} has two columns named {name!r}; rename or drop "
                    "one of them")
            seen.add(name)


def _column_names(path):
    ext = os.path.splitext(path)[1].lower()
    try:
        if ext == ".csv":
            with open(path, newline="", encoding="utf-8") as f:
                return next(csv.reader(f), [])
        if ext == ".parquet":
            import pyarrow.parquet as pq

            return pq.read_schema(path).names
        if ext == ".jsonl":
            with open(path, encoding="utf-8") as f:
                line = f.readline()
            pairs = json.loads(line, object_pairs_hook=lambda p: p)
            return [k for k, _ in pairs] if isinstance(pairs, list) else []
    except (OSError, UnicodeDecodeError, ValueError, StopIteration):
        return []  # the reader reports what is wrong with the file
    except Exception:  # pyarrow's own errors: the reader reports them too
        return []
    return []
