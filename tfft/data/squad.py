"""SQuAD's nested JSON -> a Dataset of questions (one row each).

The official format (v1.1 and v2.0): `{"data": [{"title", "paragraphs":
[{"context", "qas": [{"id", "question", "answers": [{"text",
"answer_start"}], "is_impossible"}]}]}]}`. Rows come in file order
(articles -> paragraphs -> questions) with the columns `id`, `title`,
`context`, `question` and `answers` (`{"text": [...], "answer_start":
[...]}`, as the hub's `squad` dataset has them; empty lists for an
unanswerable v2.0 question).
"""

import json

import datasets

from tfft.errors import UserError

COLUMNS = ("id", "title", "context", "question", "answers")


def nested_rows(path: str):
    """The rows of a SQuAD-format file, or None if `path` holds other
    JSON (records, JSON lines): the caller reads those as a table. A file
    that is SQuAD-shaped but broken is a UserError naming the place."""
    try:
        with open(path, encoding="utf-8") as f:
            tree = json.load(f)
    except (ValueError, UnicodeDecodeError):
        return None  # JSON lines, or not JSON: the table reader says
    except OSError as e:
        raise UserError(f"cannot read {path}: {e}") from e
    if not (isinstance(tree, dict) and isinstance(tree.get("data"), list)
            and any(isinstance(a, dict) and "paragraphs" in a
                    for a in tree["data"])):
        return None
    return flatten(tree, path)


def flatten(tree: dict, path: str = "the SQuAD JSON") -> dict:
    """Columns (`COLUMNS`) of every question in a parsed SQuAD tree."""
    rows = {c: [] for c in COLUMNS}
    for a, article in enumerate(tree["data"]):
        paragraphs = _field(article, "paragraphs", list, path, f"data[{a}]")
        for p, paragraph in enumerate(paragraphs):
            where = f"data[{a}].paragraphs[{p}]"
            context = _field(paragraph, "context", str, path, where)
            qas = _field(paragraph, "qas", list, path, where)
            for q, qa in enumerate(qas):
                at = f"{where}.qas[{q}]"
                answers = qa.get("answers", []) if isinstance(qa, dict) \
                    else None
                if not isinstance(answers, list):
                    raise UserError(
                        f"{path}: {at}.answers is not a list; SQuAD answers "
                        "are [{\"text\": ..., \"answer_start\": ...}]")
                if qa.get("is_impossible"):
                    answers = []
                rows["id"].append(str(_field(qa, "id", (str, int), path,
                                             at)))
                rows["title"].append(str(article.get("title", "")))
                rows["context"].append(context)
                rows["question"].append(_field(qa, "question", str, path,
                                               at))
                rows["answers"].append(_answers(answers, path, at))
    if not rows["id"]:
        raise UserError(f"{path} is SQuAD JSON with no questions")
    return rows


def _field(node, name, kind, path, where):
    if not isinstance(node, dict) or name not in node:
        raise UserError(
            f"{path}: {where} has no {name!r}; SQuAD JSON needs data -> "
            "paragraphs (context, qas) -> qas (id, question, answers)")
    value = node[name]
    if not isinstance(value, kind):
        raise UserError(f"{path}: {where}.{name} has the wrong type "
                        f"({type(value).__name__})")
    return value


def _answers(answers, path, where):
    texts, starts = [], []
    for k, answer in enumerate(answers):
        text = _field(answer, "text", str, path, f"{where}.answers[{k}]")
        start = _field(answer, "answer_start", int, path,
                       f"{where}.answers[{k}]")
        texts.append(text)
        starts.append(start)
    return {"text": texts, "answer_start": starts}


def to_dataset(rows: dict) -> datasets.Dataset:
    features = datasets.Features({
        "id": datasets.Value("string"),
        "title": datasets.Value("string"),
        "context": datasets.Value("string"),
        "question": datasets.Value("string"),
        "answers": {"text": datasets.Sequence(datasets.Value("string")),
                    "answer_start": datasets.Sequence(
                        datasets.Value("int32"))},
    })
    return datasets.Dataset.from_dict(rows, features=features)


def read_files(files: list):
    """One Dataset from SQuAD-format files, or None if the first is not
    one (all must be, or none)."""
    parts = [nested_rows(path) for path in files]
    if all(p is None for p in parts):
        return None
    if any(p is None for p in parts):
        raise UserError(
            f"{files} mix SQuAD JSON with other JSON; give one kind")
    rows = {c: [v for p in parts for v in p[c]] for c in COLUMNS}
    return to_dataset(rows)
