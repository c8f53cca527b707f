"""The bad-input corpus: every way a user can hand a command bad input,
run as the user runs it (a fresh process per case, `tests.cli.forked`).

Each case asserts the exit code, that stderr holds exactly one line
(`error: ...`, no traceback) naming the field or path at fault, and that
nothing new appeared in the case's folder or in the runs it read (so
nothing half-written was left). Cases are grouped by task: every task in
`tfft.tasks.TASKS` must have its own (`test_every_task_has_cases`).
`TFFT_CORPUS_TABLE=table.md pytest tests/cli/test_bad_input.py` also
writes the corpus as a Markdown table (case, exit code, message).
"""

import json
import os
import shutil
import stat
import tempfile

import pytest

from tests.cli import forked
from tests.conftest import QA_SETTINGS
from tests.conftest import REPO_CONFIGS
from tests.conftest import qa_row
from tests.conftest import swap_pair_template

CLASSIFY = f"{REPO_CONFIGS}/classify_files.py"
NER = f"{REPO_CONFIGS}/ner_files.py"
QA = f"{REPO_CONFIGS}/qa_files.py"
TINY = ["--config.model.init=random", "--config.data.max_length=16",
        "--config.train.verbose=0"]


def _train(config=CLASSIFY, train="{s}/train.csv", model="{tiny}"):
    return ["train", f"--config={config}", "--workdir={s}/run",
            f"--config.data.train_files={train}",
            f"--config.model.path={model}", *TINY]


TRAIN = _train()
NER_TRAIN = _train(NER, "{s}/train.conll") + ["--config.data.stride=4"]
QA_TRAIN = _train(QA, "{s}/train.jsonl") + QA_SETTINGS
S2S_TRAIN = _train(f"{REPO_CONFIGS}/seq2seq_files.py")


def _csv(rows, header="text,label"):
    return header + "\n" + "".join(r + "\n" for r in rows)


def _jsonl(*records):
    return "".join(json.dumps(r) + "\n" for r in records)


GOOD = "\n".join(["text,label"] + [f"{t},{lab}" for t, lab in [
    ("a great film", "pos"), ("dull plot", "neg")] * 10]) + "\n"
SPELLINGS = _csv(["good,pos", "bad,neg", "fine,1", "awful,0"] * 3)
QA_GOOD = [qa_row(str(i), "good", ["a", "fine", "film"], ["fine"])
           for i in range(12)]


class Case:
    """One bad input: `args` of a command (`{s}`: the case's folder,
    `{tiny}`: a tiny BERT, `{run}` / `{ner_run}` / `{qa_run}`: finished
    runs, `{export}`: an export of `{run}`), `files` written into `{s}`
    first, the expected exit code and what the one error line contains."""

    def __init__(self, name, task, args, expect, files=None, code=2,
                 setup=None, uid=None):
        self.name, self.task, self.args = name, task, args
        self.expect = [expect] if isinstance(expect, str) else expect
        self.files = {"train.csv": GOOD, **(files or {})}
        self.code, self.setup, self.uid = code, setup, uid

    def __repr__(self):
        return self.name


def _truncate(path, keep=0.5):
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(int(size * keep))


def _weights(s):
    """A tiny BERT with pretrained weights, its safetensors truncated."""
    import numpy as np
    from safetensors.numpy import save_file

    save_file({"embeddings.word_embeddings.weight":
               np.zeros((64, 16), np.float32)},
              os.path.join(s, "bert", "model.safetensors"),
              metadata={"format": "pt"})
    _truncate(os.path.join(s, "bert", "model.safetensors"))


def _copy_run(name, damage):
    def setup(s, paths):
        shutil.copytree(paths[name], os.path.join(s, "copy"))
        damage(os.path.join(s, "copy"))
    return setup


def _no_config(s, paths):
    os.makedirs(os.path.join(s, "bert"))
    shutil.copy(os.path.join(paths["tiny"], "vocab.txt"),
                os.path.join(s, "bert"))


def _tiny_here(s, paths):
    shutil.copytree(paths["tiny"], os.path.join(s, "bert"))


def _read_only(s, paths):
    os.mkdir(os.path.join(s, "locked"))
    os.chmod(os.path.join(s, "locked"), 0o555)


def _completed(s, paths):
    os.makedirs(os.path.join(s, "run"))
    with open(os.path.join(s, "run", "COMPLETED"), "w") as f:
        f.write("{}")


def _dict_config(s, paths):
    with open(os.path.join(s, "dict.py"), "w") as f:
        f.write("def get_config():\n    return {'task': 'classification'}\n")


def _misspelt_config(s, paths):
    with open(os.path.join(s, "misspelt.py"), "w") as f:
        f.write("from tfft.config import default_config\n\n\n"
                "def get_config():\n    c = default_config()\n"
                "    c.train.epoch = 1\n    return c\n")


NOBODY = 65534 if os.geteuid() == 0 else None

CASES = [
    # -- the command line and the config ----------------------------------
    Case("no --config", "classification", ["train", "--workdir={s}/run"],
         "--config is required"),
    Case("config file missing", "classification",
         ["train", "--config={s}/nope.py", "--workdir={s}/run"],
         ["config file", "nope.py", "does not exist"]),
    Case("config file missing (--config PATH)", "classification",
         ["train", "--config", "{s}/nope.py", "--workdir={s}/run"],
         ["nope.py", "does not exist"]),
    Case("config file raises", "classification",
         ["train", "--config={s}/broken.py", "--workdir={s}/run"],
         "fails to load: boom",
         files={"broken.py": "def get_config():\n    raise ValueError("
                "'boom')\n"}),
    Case("config file returns a dict", "classification",
         ["train", "--config={s}/dict.py", "--workdir={s}/run"],
         ["get_config()", "ConfigDict"], setup=_dict_config),
    Case("config file sets a misspelt key", "classification",
         ["train", "--config={s}/misspelt.py", "--workdir={s}/run",
          "--config.data.train_files={s}/train.csv"],
         ["'train.epoch'", "did you mean 'epochs'", "config file"],
         setup=_misspelt_config),
    Case("override misspelt", "classification", TRAIN + [
        "--config.data.nmae=x"], "unknown config key 'data.nmae'"),
    Case("override wrong type", "classification", TRAIN + [
        "--config.train.epochs=three"], "config.train.epochs"),
    Case("override bad choice", "classification", TRAIN + [
        "--config.model.family=torch"], "model.family"),
    Case("bad empty_texts choice", "classification", TRAIN + [
        "--config.data.empty_texts=keep"], "data.empty_texts"),
    # -- where the run writes ---------------------------------------------
    Case("workdir under a file", "classification",
         TRAIN + ["--workdir={s}/file/run"],
         ["--workdir", "file/run", "which is a file"],
         files={"file": "x"}),
    Case("workdir is a file", "classification",
         TRAIN + ["--workdir={s}/file"], ["--workdir", "is a file"],
         files={"file": "x"}),
    Case("workdir in a folder that cannot be written", "classification",
         TRAIN + ["--workdir={s}/locked/run"],
         ["--workdir", "locked", "cannot write"], setup=_read_only,
         uid=NOBODY),
    Case("workdir holds a completed run", "classification", TRAIN,
         "already holds a completed run", setup=_completed),
    Case("export.dir under a file", "classification",
         TRAIN + ["--config.export.dir={s}/file/export"],
         ["--config.export.dir", "which is a file"], files={"file": "x"}),
    Case("export.dir with text pairs the graph would pack otherwise",
         "classification",
         TRAIN + ["--config.model.family=hf", "--config.model.path={s}/bert",
                  "--config.data.text_columns=text,other",
                  "--config.export.dir={s}/export"],
         ["/bert packs text pairs other than [start] a end",
          "train with --config.model.family=keras_hub",
          "drop --config.export.dir"],
         files={"train.csv": _csv(["a film,a plot,pos", "dull,fine,neg"] * 6,
                                  "text,other,label")},
         setup=lambda s, p: swap_pair_template(
             shutil.copytree(p["tiny"], os.path.join(s, "bert")))),
    # -- the model folder -------------------------------------------------
    Case("model folder missing", "classification",
         TRAIN + ["--config.model.path={s}/nope"],
         ["model folder", "does not exist"]),
    Case("model folder without config.json", "classification",
         TRAIN + ["--config.model.path={s}/bert"], "has no config.json",
         setup=_no_config),
    Case("truncated safetensors (hf)", "classification",
         TRAIN + ["--config.model.path={s}/bert",
                  "--config.model.init=pretrained",
                  "--config.model.family=hf"],
         ["model.safetensors is truncated", "copy the model again"],
         setup=lambda s, p: (_tiny_here(s, p), _weights(s))),
    Case("truncated safetensors (keras_hub)", "classification",
         TRAIN + ["--config.model.path={s}/bert",
                  "--config.model.init=pretrained"],
         ["model.safetensors is truncated"],
         setup=lambda s, p: (_tiny_here(s, p), _weights(s))),
    # -- data files -------------------------------------------------------
    Case("no file matches", "classification",
         TRAIN + ["--config.data.train_files={s}/nope.csv"],
         "no file matches"),
    Case("unsupported extension", "classification",
         TRAIN + ["--config.data.train_files={s}/data.xlsx"],
         "must all be one of", files={"data.xlsx": "x"}),
    Case("header-only CSV", "classification", TRAIN,
         "is empty", files={"train.csv": "text,label\n"}),
    Case("malformed JSONL line", "classification",
         TRAIN + ["--config.data.train_files={s}/bad.jsonl"],
         ["bad.jsonl line 2 is not valid JSON"],
         files={"bad.jsonl": '{"text": "a", "label": "pos"}\n'
                '{"text": "b" "label": "neg"}\n'}),
    Case("not UTF-8", "classification", TRAIN, "train.csv",
         files={"train.csv": "text,label\n\xff\xfe,pos\n".encode("latin-1")}),
    Case("text column missing", "classification",
         TRAIN + ["--config.data.text_columns=body"],
         ["no column 'body'", "text_columns"]),
    Case("label column missing", "classification", TRAIN,
         ["no column 'label'", "label_column"],
         files={"train.csv": "text,y\nfine,pos\n"}),
    Case("one label only", "classification", TRAIN, "at least two",
         files={"train.csv": _csv(["good,pos", "fine,pos"] * 5)}),
    Case("empty texts", "classification", TRAIN,
         ["2 of 20 train rows", "'text'", "rows 2, 7", "empty_texts=drop"],
         files={"train.csv": _csv(["good,pos", ",neg", "fine,pos",
                                   "bad,neg", "ok,pos", "meh,neg",
                                   '"  ",pos'] + ["a,pos", "b,neg"] * 6
                                  + ["c,neg"])}),
    Case("NaN and null texts", "classification", TRAIN,
         ["2 of 20 train rows", "NaN"],
         files={"train.csv": _csv(["NaN,pos", "null,neg"]
                                  + ["a,pos", "b,neg"] * 9)}),
    Case("duplicate columns", "classification", TRAIN,
         ["train.csv", "two columns named 'text'"],
         files={"train.csv": _csv([",good,pos", ",bad,neg"] * 5,
                                  "text,text,label")}),
    Case("mixed label types (JSONL)", "classification",
         TRAIN + ["--config.data.train_files={s}/mixed.jsonl"],
         ["labels in 'label' mix types", "'pos'", "1"],
         files={"mixed.jsonl": _jsonl(*[{"text": "a", "label": 1},
                                        {"text": "b", "label": "pos"}] * 5)}),
    Case("mixed label spellings", "classification", TRAIN,
         ["mix numbers and words", "'neg'"],
         files={"train.csv": SPELLINGS}),
    Case("labels differ in case", "classification", TRAIN,
         ["differ only in case", "'Pos', 'pos'"],
         files={"train.csv": _csv(["good,pos", "bad,neg", "fine,Pos"] * 4)}),
    Case("fractional labels", "classification", TRAIN,
         ["include fractions", "0.5"],
         files={"train.csv": _csv(["good,0.5", "bad,1.5"] * 5)}),
    Case("missing labels", "classification", TRAIN,
         "have no 'label'",
         files={"train.csv": _csv(["good,pos", "bad,", "fine,neg"] * 4)}),
    Case("test label unseen in train", "classification",
         TRAIN + ["--config.data.test_files={s}/test.csv"],
         ["label 'meh'", "label_names"],
         files={"test.csv": _csv(["fine,meh"])}),
    Case("validation_size=0 without a validation file", "classification",
         TRAIN + ["--config.data.validation_size=0"],
         ["no validation split", "validation_size=0",
          "validation_files"]),
    Case("validation_size larger than the data", "classification",
         TRAIN + ["--config.data.validation_size=500"],
         ["validation_size=500", "validation_files"]),
    Case("three rows", "classification", TRAIN,
         ["test_size=0.1 carves 0 of the 3"],
         files={"train.csv": _csv(["good,pos", "bad,neg", "fine,pos"])}),
    Case("unknown bundled corpus", "classification",
         TRAIN[:3] + ["--config.data.dataset=bundled:nope", "--config."
                      "model.path={tiny}"], "unknown bundled corpus"),
    Case("dataset folder is not save_to_disk", "classification",
         TRAIN[:3] + ["--config.data.dataset={s}", "--config.model.path="
                      "{tiny}"], "not a datasets save_to_disk folder"),
    # -- tfft-evaluate ----------------------------------------------------
    Case("evaluate: folder missing", "classification",
         ["evaluate", "--workdir={s}/nope"], ["nope", "does not exist"]),
    Case("evaluate: unfinished run", "classification",
         ["evaluate", "--workdir={s}"], "no COMPLETED marker"),
    Case("evaluate: truncated config.json", "classification",
         ["evaluate", "--workdir={s}/copy"],
         ["config.json cannot be read as JSON", "damaged"],
         setup=_copy_run("run", lambda d: _truncate(
             os.path.join(d, "config.json")))),
    Case("evaluate: truncated weights", "classification",
         ["evaluate", "--workdir={s}/copy"],
         ["model.weights.h5", "damaged"],
         setup=_copy_run("run", lambda d: _truncate(
             os.path.join(d, "model", "model.weights.h5")))),
    Case("evaluate: files without the label column", "classification",
         ["evaluate", "--workdir={run}", "--files={s}/nolabel.csv"],
         ["no column 'label'", "name its columns as the run's"],
         files={"nolabel.csv": "text,y\nfine,pos\n"}),
    Case("evaluate: files missing", "classification",
         ["evaluate", "--workdir={run}", "--files={s}/nope.csv"],
         "no file matches"),
    Case("evaluate: output is a folder", "classification",
         ["evaluate", "--workdir={run}", "--output={s}"],
         ["--output", "is a folder"]),
    # -- tfft-predict -----------------------------------------------------
    Case("predict: empty .txt", "classification",
         ["predict", "--model={run}", "--input={s}/empty.txt"],
         ["empty.txt is empty"], files={"empty.txt": ""}),
    Case("predict: null texts", "classification",
         ["predict", "--model={run}", "--input={s}/in.jsonl"],
         ["1 of 3", "missing (null) 'text'", "rows 2",
          "each output line answers one input"],
         files={"in.jsonl": _jsonl({"text": "fine"}, {"text": None},
                                   {"text": ""})}),
    Case("predict: output is a folder", "classification",
         ["predict", "--model={run}", "--input={s}/texts.txt",
          "--output={s}"], ["--output", "is a folder"],
         files={"texts.txt": "fine\n"}),
    Case("predict: output under a file", "classification",
         ["predict", "--model={run}", "--input={s}/texts.txt",
          "--output={s}/file/out.jsonl"], ["--output", "which is a file"],
         files={"texts.txt": "fine\n", "file": "x"}),
    Case("predict: JSONL without the text column", "classification",
         ["predict", "--model={run}", "--input={s}/in.jsonl"],
         ["no column 'text'", "its columns are ['body']"],
         files={"in.jsonl": _jsonl({"body": "fine"})}),
    Case("predict: model missing", "classification",
         ["predict", "--model={s}/nope", "--input={s}/train.csv"],
         ["--model", "does not exist"]),
    Case("predict: unfinished run", "classification",
         ["predict", "--model={s}", "--input={s}/train.csv"],
         "neither a finished tfft run"),
    Case("predict: --model and --workdir", "classification",
         ["predict", "--model={run}", "--workdir={run}",
          "--input={s}/train.csv"], "not both"),
    Case("predict: export, empty input", "classification",
         ["predict", "--model={export}", "--input={s}/empty.txt"],
         "empty.txt is empty", files={"empty.txt": ""}),
    # -- tfft-export ------------------------------------------------------
    Case("export: export_dir under a file", "classification",
         ["export", "--workdir={run}", "--export_dir={s}/file/sub"],
         ["--export_dir", "which is a file"], files={"file": "x"}),
    Case("export: export_dir is a file", "classification",
         ["export", "--workdir={run}", "--export_dir={s}/file"],
         ["--export_dir", "is a file"], files={"file": "x"}),
    Case("export: unfinished run", "classification",
         ["export", "--workdir={s}", "--export_dir={s}/export"],
         "not a completed tfft run"),
    Case("export: --export_dir missing", "classification",
         ["export", "--workdir={run}"], "--export_dir is required"),
    # -- tfft-card / tfft-push -------------------------------------------
    Case("card: unfinished run", "classification",
         ["card", "--workdir={s}"], "not a completed tfft run"),
    Case("push: hub unreachable offline", "classification",
         ["push", "--workdir={run}", "--repo_id=me/x"], "offline"),
    # -- token classification --------------------------------------------
    Case("ner: tokens and tags differ in length", "token_classification",
         NER_TRAIN + ["--config.data.train_files={s}/bad.jsonl"],
         "row 1 has 2 tokens and 1 tags",
         files={"bad.jsonl": _jsonl({"tokens": ["a", "b"],
                                     "ner_tags": ["O"]})}),
    Case("ner: empty sentence", "token_classification",
         NER_TRAIN + ["--config.data.train_files={s}/bad.jsonl"],
         ["1 of 2 train rows", "'tokens'", "rows 2"],
         files={"bad.jsonl": _jsonl({"tokens": ["a"], "ner_tags": ["O"]},
                                    {"tokens": [], "ner_tags": []})}),
    Case("ner: words missing", "token_classification",
         NER_TRAIN + ["--config.data.train_files={s}/bad.jsonl"],
         ["'tokens'", "rows 1"],
         files={"bad.jsonl": _jsonl({"tokens": None, "ner_tags": ["O"]},
                                    {"tokens": ["a"], "ner_tags": ["O"]})}),
    Case("ner: stride too large", "token_classification",
         NER_TRAIN + ["--config.data.stride=20"], "data.stride=20",
         files={"train.conll": "a O\n"}),
    Case("ner: predict empty .txt", "token_classification",
         ["predict", "--model={ner_run}", "--input={s}/empty.txt"],
         "empty.txt is empty", files={"empty.txt": ""}),
    Case("ner: predict words with a null word", "token_classification",
         ["predict", "--model={ner_run}", "--input={s}/w.jsonl"],
         ["'tokens'", "rows 2", "each output line answers one input"],
         files={"w.jsonl": _jsonl({"tokens": ["a"]}, {"tokens": ["b", None]})}),
    # -- summarization ------------------------------------------------------
    Case("s2s: an encoder-only checkpoint", "summarization", S2S_TRAIN,
         ["is an encoder-only checkpoint", "model.encoder_decoder=true"]),
    Case("s2s: target column missing", "summarization",
         S2S_TRAIN + ["--config.model.encoder_decoder=true"],
         ["no column 'summary'", "target_column"],
         files={"train.csv": _csv(["a text,x"] * 12, "document,abstract")}),
    Case("s2s: empty target", "summarization",
         S2S_TRAIN + ["--config.model.encoder_decoder=true"],
         ["1 of 12 train rows", "'summary'", "rows 3"],
         files={"train.csv": _csv(["a text,a sum", "b text,b sum",
                                   "c text,"] + ["d,e"] * 9,
                                  "document,summary")}),
    Case("s2s: export.dir with a tokenizer the graph cannot run",
         "summarization",
         _train(f"{REPO_CONFIGS}/seq2seq_files.py", model="{s}/words")
         + ["--config.export.dir={s}/export"],
         ["/words is NFC + Whitespace + WordLevel + None",
          "only BERT WordPiece, SentencePiece Unigram (T5) and byte-level "
          "BPE (BART)", "drop --config.export.dir"],
         files={"words/config.json": json.dumps(
                    {"model_type": "bart", "is_encoder_decoder": True}),
                "words/tokenizer.json": json.dumps({
                    "normalizer": {"type": "NFC"},
                    "pre_tokenizer": {"type": "Whitespace"},
                    "model": {"type": "WordLevel"},
                    "decoder": None})}),
    Case("s2s: export.dir with a SentencePiece tokenizer but no spiece.model",
         "summarization",
         _train(f"{REPO_CONFIGS}/seq2seq_files.py", model="{s}/t5")
         + ["--config.export.dir={s}/export"],
         ["SentencePiece tokenizer of", "has no spiece.model",
          "drop --config.export.dir"],
         files={"t5/config.json": json.dumps(
                    {"model_type": "t5", "is_encoder_decoder": True}),
                "t5/tokenizer.json": json.dumps({
                    "normalizer": {"type": "Sequence"},
                    "pre_tokenizer": {"type": "Metaspace",
                                      "prepend_scheme": "always"},
                    "model": {"type": "Unigram"},
                    "decoder": {"type": "Metaspace",
                                "prepend_scheme": "always"}})}),
    Case("s2s: bad generation setting", "summarization",
         S2S_TRAIN + ["--config.model.encoder_decoder=true",
                      "--config.generate.num_beams=0"],
         ["generate.num_beams=0", "at least 1"]),
    # -- question answering -----------------------------------------------
    Case("qa: answer not in its context", "question_answering", QA_TRAIN,
         "answer 'fine' of id 'w7' is not in its context at answer_start=0",
         files={"train.jsonl": _jsonl(*QA_GOOD, dict(
             QA_GOOD[0], id="w7",
             answers={"text": ["fine"], "answer_start": [0]}))}),
    Case("qa: context column missing", "question_answering", QA_TRAIN,
         ["no column 'context'", "context_column"],
         files={"train.jsonl": _jsonl({"question": "q", "answers": {}})}),
    Case("qa: empty question", "question_answering", QA_TRAIN,
         ["1 of 13 train rows", "'question'", "rows 13"],
         files={"train.jsonl": _jsonl(*QA_GOOD, dict(
             QA_GOOD[0], id="e", question=" "))}),
    Case("qa: SQuAD JSON without a question", "question_answering",
         QA_TRAIN + ["--config.data.train_files={s}/broken.json"],
         "qas[0] has no 'question'",
         files={"broken.json": json.dumps({"data": [{"paragraphs": [
             {"context": "c", "qas": [{"id": "1"}]}]}]})}),
    Case("qa: predict an empty context", "question_answering",
         ["predict", "--model={qa_run}", "--input={s}/in.jsonl"],
         ["'context'", "rows 1", "each output line answers one input"],
         files={"in.jsonl": _jsonl({"question": "good", "context": "  "})}),
]


@pytest.fixture(scope="module")
def paths(tiny_bert, classify_run, ner_run, qa_run, tmp_path_factory):
    from tests.conftest import shared_export

    return {"tiny": str(tiny_bert), "run": classify_run["workdir"],
            "ner_run": ner_run["workdir"], "qa_run": qa_run["workdir"],
            "export": shared_export(tmp_path_factory, classify_run)}


def _snapshot(*roots):
    """Every path under `roots`; files with their size and modification
    time (a folder's own time changes when a file is tried and removed)."""
    found = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            for name in dirs + files:
                path = os.path.join(folder, name)
                st = os.lstat(path)
                found[path] = ("folder" if stat.S_ISDIR(st.st_mode) else
                               (st.st_size, st.st_mtime_ns))
    return found


def run_case(case, paths, scratch):
    """(result, snapshot before, snapshot after) of one case."""
    for name, content in case.files.items():
        os.makedirs(os.path.dirname(os.path.join(scratch, name)),
                    exist_ok=True)
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(os.path.join(scratch, name), mode) as f:
            f.write(content)
    if case.setup:
        case.setup(scratch, paths)
    args = [a.format(s=scratch, **paths) for a in case.args]
    watched = [scratch] + [p for k, p in paths.items()
                           if any("{" + k + "}" in a for a in case.args)]
    before = _snapshot(*watched)
    result = forked.run(args[0], *args[1:], uid=case.uid)
    return result, before, _snapshot(*watched)


def error_line(result):
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    errors = [ln for ln in lines if ln.startswith("error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr[-3000:]
    return errors[0]


@pytest.fixture
def scratch():
    """The case's folder: world-traversable, so a case run as another user
    (`Case.uid`) reaches it."""
    folder = tempfile.mkdtemp(prefix="tfft-bad-input-")
    os.chmod(folder, 0o755)
    yield folder
    for root, dirs, _ in os.walk(folder):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
    shutil.rmtree(folder)


@pytest.fixture(scope="module")
def table(paths):
    """Rows of the Markdown table TFFT_CORPUS_TABLE names (if set)."""
    rows = {}
    yield rows
    path = os.environ.get("TFFT_CORPUS_TABLE")
    if path:
        lines = ["| case | exit | message |", "|---|---|---|"]
        lines += [rows[c.name] for c in CASES if c.name in rows]
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")


def _row(case, result, scratch, paths):
    message = (result.stderr.strip().splitlines() or [""])[-1]
    message = message.replace(scratch, "<case>")
    for key, value in paths.items():
        message = message.replace(value, f"<{key}>")
    return (f"| {case.name} | {result.returncode} | "
            f"`{message.replace('|', '/')}` |")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case, paths, scratch, table):
    result, before, after = run_case(case, paths, scratch)
    table[case.name] = _row(case, result, scratch, paths)
    assert result.returncode == case.code, result.stderr[-3000:]
    line = error_line(result)
    for expected in case.expect:
        assert expected in line, (expected, line)
    assert "\n" not in line
    assert after == before, sorted(set(after.items()) ^ set(before.items()))


def test_every_task_has_cases():
    from tfft.tasks import TASKS

    assert set(TASKS) <= {c.task for c in CASES}
