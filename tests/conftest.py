"""Shared fixtures: a tiny BERT checkpoint built from a config (both model
families load it), tiny separable data, a compiled tiny model to `fit`
(`kit`), and 2 logical CPU devices so that MirroredStrategy runs on this
machine."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import dataclasses  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

# Must run before TensorFlow initialises its devices.
_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)

from tfft import assets  # noqa: E402
from tfft.config import default_config  # noqa: E402

# A suite started in the background by a shell without job control (for
# one, `nohup pytest &` in a script) inherits SIGINT ignored, and so would
# every command the Ctrl-C tests start and interrupt: Python keeps an
# ignored SIGINT ignored, as tfft's commands do. Caught here, it is reset
# to the default in the xdist workers and the commands they start.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# .ci/run sets TFFT_SLOW_DEADLINE (Unix time) so the slow tests end within
# CI's budget: a slow test is skipped, saying so, when less than
# TFFT_SLOW_RESERVE seconds are left before it (600 by default: a guess
# at the longest slow test on a slow 2-core machine, not a measurement).
SLOW_RESERVE_SECONDS = 600


def pytest_runtest_setup(item):
    deadline = os.environ.get("TFFT_SLOW_DEADLINE")
    if not deadline or item.get_closest_marker("slow") is None:
        return
    reserve = float(os.environ.get("TFFT_SLOW_RESERVE",
                                   SLOW_RESERVE_SECONDS))
    left = float(deadline) - time.time()
    if left < reserve:
        pytest.skip(f"CI time budget: {left:.0f} s left before "
                    f"TFFT_SLOW_DEADLINE, under the {reserve:.0f} s a slow "
                    "test may take")


POSITIVE = ["good", "great", "fine", "superb", "lovely", "fun"]
NEGATIVE = ["bad", "awful", "dull", "poor", "boring", "ugly"]
FILLER = ["the", "movie", "was", "a", "plot", "and", "very", "it", "film",
          "story", "acting", "quite"]
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(
    POSITIVE + NEGATIVE + FILLER)


def make_tiny_bert(directory, hidden=16, layers=2, dropout=0.1):
    """A randomly initialised BERT folder (config + tokenizer, no weights)
    in Hugging Face layout; keras-hub reads it too."""
    import transformers

    os.makedirs(directory, exist_ok=True)
    vocab = os.path.join(directory, "vocab.txt")
    with open(vocab, "w") as f:
        f.write("\n".join(VOCAB) + "\n")
    transformers.BertTokenizerFast(vocab_file=vocab).save_pretrained(
        directory)
    transformers.BertConfig(
        vocab_size=len(VOCAB), hidden_size=hidden, num_hidden_layers=layers,
        num_attention_heads=2, intermediate_size=2 * hidden,
        max_position_embeddings=64, hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout).save_pretrained(directory)
    return str(directory)


def swap_pair_template(folder):
    """Makes the tokenizer of a tiny BERT `folder` pack a pair with the
    second text first ([CLS] b [SEP] a [SEP]): a template the graph does
    not pack."""
    from tokenizers import Tokenizer
    from tokenizers import processors

    path = os.path.join(folder, "tokenizer.json")
    tok = Tokenizer.from_file(path)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $B:1 [SEP]:1 $A [SEP]",
        special_tokens=[(t, tok.token_to_id(t)) for t in ("[CLS]", "[SEP]")])
    tok.save(path)
    return str(folder)


T5_TOKENIZER_SCRIPT = """
import sys
import sentencepiece
import transformers
from tfft.data import bundled

folder, vocab_size, extra_ids = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
model = folder + "/spiece"
sentencepiece.SentencePieceTrainer.train(
    sentence_iterator=iter(bundled.rotten_tomatoes()["text"][:4000]),
    model_prefix=model, vocab_size=vocab_size, model_type="unigram",
    pad_id=0, eos_id=1, unk_id=2, bos_id=-1, pad_piece="<pad>",
    eos_piece="</s>", unk_piece="<unk>", character_coverage=1.0,
    minloglevel=2)
transformers.T5TokenizerFast(
    vocab_file=model + ".model", extra_ids=extra_ids,
    add_prefix_space=True).save_pretrained(folder)
"""


def make_t5_tokenizer(directory, vocab_size=800, extra_ids=4):
    """A T5 tokenizer folder (spiece.model + tokenizer.json, as the hub's
    T5 checkpoints hold): a SentencePiece Unigram model trained on the
    Rotten Tomatoes snippets (no T5 SentencePiece model exists offline),
    converted by transformers as T5's is (\u2581 prepended to every word:
    `add_prefix_space`). In a child process: sentencepiece's trainer
    crashes a process that has loaded tensorflow-text."""
    import subprocess
    import sys

    os.makedirs(directory, exist_ok=True)
    subprocess.run([sys.executable, "-c", T5_TOKENIZER_SCRIPT,
                    str(directory), str(vocab_size), str(extra_ids)],
                   check=True, capture_output=True,
                   cwd=os.path.dirname(os.path.dirname(__file__)))
    return str(directory)


def make_tiny_bart(directory, texts, vocab_size=400):
    """A randomly initialised 32-wide BART folder (config + tokenizer, no
    weights) in Hugging Face layout, with a byte-level BPE tokenizer
    (vocab.json + merges.txt + tokenizer.json, as the hub's BART
    checkpoints hold) trained on `texts` by tokenizers' own trainer (no
    BART tokenizer exists offline); keras-hub reads it too."""
    import tokenizers
    import transformers

    os.makedirs(directory, exist_ok=True)
    bpe = tokenizers.ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        list(texts), vocab_size=vocab_size, min_frequency=1,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    bpe.save_model(str(directory))
    tokenizer = transformers.BartTokenizerFast(
        vocab_file=os.path.join(directory, "vocab.json"),
        merges_file=os.path.join(directory, "merges.txt"))
    tokenizer.save_pretrained(directory)
    config = tiny_seq2seq_config(
        "bart", len(tokenizer), tokenizer.pad_token_id,
        tokenizer.bos_token_id, tokenizer.eos_token_id)
    config.architectures = ["BartForConditionalGeneration"]
    config.save_pretrained(directory)
    return str(directory)


def make_tiny_roberta(directory, texts):
    """A random 32-wide RoBERTa (one token type) with a byte-level BPE
    tokenizer trained on `texts` (`make_tiny_bart`'s): transformers packs
    its pairs <s> a </s></s> b </s>."""
    import transformers

    folder = make_tiny_bart(directory, list(texts) * 4)
    tok = transformers.AutoTokenizer.from_pretrained(folder)
    transformers.RobertaConfig(
        vocab_size=len(tok), hidden_size=32, num_hidden_layers=2,
        num_attention_heads=4, intermediate_size=64,
        max_position_embeddings=40, type_vocab_size=1,
        pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id).save_pretrained(folder)
    return folder


def make_keras_hub_t5(directory, spiece_model):
    """A keras-hub preset of a randomly initialised 32-wide T5 (keras-hub's
    `T5Backbone` + `T5Tokenizer` on `spiece_model`): keras-hub has no
    converter for Hugging Face T5 folders and no T5 preset exists
    offline, so the keras_hub family's T5 is built from a config."""
    from tfft import keras_compat

    keras_compat.keras_for("keras_hub")
    import keras_hub

    tokenizer = keras_hub.models.T5Tokenizer(proto=str(spiece_model))
    backbone = keras_hub.models.T5Backbone(
        vocabulary_size=tokenizer.vocabulary_size(), num_layers=2,
        num_heads=4, hidden_dim=32, intermediate_dim=64, key_value_dim=8,
        dropout=0.1, tie_embedding_weights=True)
    backbone.save_to_preset(str(directory))
    tokenizer.save_to_preset(str(directory))
    return str(directory)


@pytest.fixture(scope="session")
def keras_hub_t5(t5_tokenizer, tmp_path_factory):
    """A tiny keras-hub T5 preset (see `make_keras_hub_t5`) whose
    tokenizer is `t5_tokenizer`'s SentencePiece model."""
    return make_keras_hub_t5(tmp_path_factory.mktemp("keras_hub_t5"),
                             os.path.join(t5_tokenizer, "spiece.model"))


@pytest.fixture(scope="session")
def tiny_bart(tmp_path_factory):
    """A tiny BART folder with a byte-level BPE tokenizer (see
    `make_tiny_bart`), its BPE trained on the copy task's and the toy
    sentiment texts."""
    texts = [r["document"] for r in copy_rows(400, 0)] + [
        r["text"] for r in sentiment_rows(400)]
    return make_tiny_bart(tmp_path_factory.mktemp("tiny_bart") / "bart",
                          texts)


@pytest.fixture(scope="session")
def t5_tokenizer(tmp_path_factory):
    asset_or_skip(assets.corpus_path, "rotten_tomatoes")
    return make_t5_tokenizer(tmp_path_factory.mktemp("t5_tokenizer"))


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory):
    return make_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


@pytest.fixture(scope="session")
def wider_tiny_bert(tmp_path_factory):
    """32 wide: span boundaries need a little more than 16 (QA tests)."""
    return make_tiny_bert(tmp_path_factory.mktemp("wider_bert"), hidden=32)


def sentiment_rows(n, seed=0):
    """Separable toy sentiment: a text holds words of its class only."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = "pos" if i % 2 == 0 else "neg"
        words = rng.sample(POSITIVE if label == "pos" else NEGATIVE, 2)
        words += rng.sample(FILLER, 3)
        rng.shuffle(words)
        rows.append({"text": " ".join(words), "label": label})
    return rows


def ner_sentences(n, seed=0, longest=20):
    """Toy NER where each word's tag is its own: "good", "great", "fine"
    begin a POS entity (B-POS) that "superb", "lovely", "fun" continue
    (I-POS, only ever after a POS word), negative words are one-word NEG
    entities, filler words O. Some sentences run longer than a max_length
    of 16 tokens (windows)."""
    rng = random.Random(seed)
    begin, inside = POSITIVE[:3], POSITIVE[3:]
    rows = []
    for _ in range(n):
        tokens, tags = [], []
        for _ in range(rng.randint(3, longest)):
            kind = rng.random()
            if tags and tags[-1].endswith("POS") and kind < 0.5:
                tokens.append(rng.choice(inside))
                tags.append("I-POS")
            elif kind < 0.2:
                tokens.append(rng.choice(begin))
                tags.append("B-POS")
            elif kind < 0.35:
                tokens.append(rng.choice(NEGATIVE))
                tags.append("B-NEG")
            else:
                tokens.append(rng.choice(FILLER))
                tags.append("O")
        rows.append((tokens, tags))
    return rows


def write_conll(path, sentences):
    with open(path, "w") as f:
        f.write("-DOCSTART- -X- O\n\n")
        for tokens, tags in sentences:
            f.writelines(f"{t} X {g}\n" for t, g in zip(tokens, tags))
            f.write("\n")
    return str(path)


def write_csv(path, rows):
    import pandas as pd

    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


@pytest.fixture
def tiny_config(tiny_bert, tmp_path):
    """A fast config: tiny random BERT on toy CSVs; learns them in ~6 s."""
    config = default_config()
    config.data.train_files = write_csv(tmp_path / "train.csv",
                                        sentiment_rows(192))
    config.data.validation_files = write_csv(tmp_path / "dev.csv",
                                             sentiment_rows(32, seed=1))
    config.data.test_files = write_csv(tmp_path / "test.csv",
                                       sentiment_rows(32, seed=2))
    config.data.max_length = 16
    config.model.path = tiny_bert
    config.model.init = "random"
    config.model.pooling = "mean"
    config.train.epochs = 10
    config.train.batch_size = 16
    config.train.learning_rate = 2e-3
    config.train.verbose = 0
    return config


# Heavy two-family tests run keras_hub by default and hf under `-m slow`
# (CI runs both), keeping the default suite near ten minutes on 2 cores.
KERAS_HUB_THEN_SLOW_HF = ["keras_hub",
                          pytest.param("hf", marks=pytest.mark.slow)]


def weight_casts(concrete) -> dict:
    """{function: casts of a variable read} over the functions a traced
    function calls (a while loop's body among them)."""
    out = {}
    for function in concrete.graph.as_graph_def().library.function:
        ops = {n.name: n.op for n in function.node_def}
        casts = sum(1 for n in function.node_def if n.op == "Cast" and
                    ops.get(n.input[0].split(":")[0]) == "ReadVariableOp")
        if casts:
            out[function.signature.name] = casts
    return out


def asset_or_skip(fn, *args):
    """A bundled asset's path, or skip the test saying how to install it."""
    from tfft.errors import UserError

    try:
        return fn(*args)
    except UserError as e:
        pytest.skip(str(e))


@pytest.fixture(scope="session")
def minilm_dir():
    return asset_or_skip(assets.model_path, "all-MiniLM-L6-v2")


# -- a compiled tiny model per family, for callbacks and freezing inside each
# flavour's `fit` (hf -> tf_keras, keras_hub -> Keras 3) ---------------------


@dataclasses.dataclass
class Kit:
    task: object
    bundle: object
    tokenized: dict
    data: dict

    @property
    def model(self):
        return self.bundle.model

    def fit(self, callbacks, epochs=3, validation=True):
        return self.model.fit(
            self.data["train"], epochs=epochs, verbose=0, shuffle=False,
            validation_data=self.data["validation"] if validation else None,
            callbacks=callbacks)


@pytest.fixture
def kit(tiny_config):
    from tfft.data import pipeline
    from tfft.data import sources
    from tfft.models import builder
    from tfft.tasks import get_task
    from tfft.training.optimization import build_optimizer

    def make(family, learning_rate=2e-3, before_compile=None):
        tiny_config.model.family = family
        tiny_config.train.learning_rate = learning_rate
        task = get_task("classification", tiny_config)
        splits = task.prepare(sources.load_splits(tiny_config.data))
        bundle = builder.build(tiny_config.model, task)
        tokenized = {s: task.tokenize(d, bundle.tokenizer)
                     for s, d in splits.items()}
        collate = task.collator(bundle.tokenizer)
        data = {s: pipeline.to_tf_dataset(d, batch_size=16, shuffle=False,
                                          collate_fn=collate)
                for s, d in tokenized.items()}
        keras = bundle.keras
        if before_compile:  # tf_keras' fit restores the compiled trainable
            before_compile(bundle.model)  # state: freeze before compile
        bundle.model.compile(
            optimizer=build_optimizer(keras, tiny_config.train, 10 * 12),
            loss=task.build_losses(keras), metrics=task.build_metrics(keras))
        return Kit(task, bundle, tokenized, data)

    return make


def qa_rows(n, seed=0, words=(8, 40), unanswerable=0.0,
            questions=("good", "bad")):
    """Toy extractive QA: the question is "good" or "bad"; the context
    (filler words, `words` long) holds one run of 1-3 positive words and
    one of negative words, and the answer is the run the question names
    (with `unanswerable`, that share of contexts lacks it: answers are
    empty, as in SQuAD v2.0). Long contexts need several windows."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        filler = [rng.choice(FILLER) for _ in range(rng.randint(*words))]
        runs = {"good": rng.sample(POSITIVE, rng.randint(1, 3)),
                "bad": rng.sample(NEGATIVE, rng.randint(1, 3))}
        question = rng.choice(questions)
        if rng.random() < unanswerable:
            runs[question] = []
        first, second = sorted(rng.sample(range(len(filler) + 1), 2))
        kinds = rng.sample(["good", "bad"], 2)
        context = (filler[:first] + runs[kinds[0]] + filler[first:second]
                   + runs[kinds[1]] + filler[second:])
        rows.append(qa_row(str(i), question, context, runs[question]))
    return rows


def qa_row(qid, question, context_words, answer_words):
    """A SQuAD-form row whose answer is the first occurrence of
    `answer_words` in the joined context (no answer if empty)."""
    context = " ".join(context_words)
    answer = " ".join(answer_words)
    at = f" {context} ".find(f" {answer} ") if answer_words else -1
    assert answer_words == [] or at >= 0
    return {"id": qid, "question": question, "context": context,
            "answers": {"text": [answer] if answer_words else [],
                        "answer_start": [at] if answer_words else []}}


# -- one trained tiny QA run, shared by every test that only reads it ------

REPO_CONFIGS = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "configs")

QA_SETTINGS = ["--config.data.max_length=32",
               "--config.data.max_question_length=4",
               "--config.data.stride=8"]


def qa_boundary_rows(length=32, question_tokens=1, stride=8):
    """Long contexts (one token per word) whose 3-word answer lies in a
    later window, or straddles the end of a window (so only the next one
    holds all of it), for the windows of `QA_SETTINGS`."""
    room = length - 3 - question_tokens
    step = room - stride
    rows = []
    places = [room - 2, room - 1, room + 5, step + room - 1,
              2 * step + 3, 2 * step + room - 2]
    for k, at in enumerate(places):
        rng = random.Random(100 + k)
        filler = [rng.choice(FILLER) for _ in range(at)]
        tail = [rng.choice(FILLER) for _ in range(rng.randint(4, 30))]
        answer = rng.sample(POSITIVE, 3)
        context = filler + answer + tail
        context[rng.randrange(at)] = rng.choice(NEGATIVE)
        rows.append(qa_row(f"edge{k}", "good", context, answer))
    return rows


def _write_jsonl(path, rows):
    import json

    with open(path, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    return str(path)


def run_args(config_file, files, workdir, *settings):
    """`tfft-train` arguments: configs/<config_file> on `files` (data
    splits by name, and `bert`: the model folder) + `settings`."""
    return [f"--config={REPO_CONFIGS}/{config_file}", f"--workdir={workdir}",
            *[f"--config.data.{split}_files={files[split]}"
              for split in ("train", "validation", "test") if split in files],
            f"--config.model.path={files['bert']}", *settings]


def shared_run(tmp_path_factory, name, write_files, config_file, settings):
    """A run trained once per test session through `tfft-train` and shared
    by every test (xdist workers too, through a file lock): its folder,
    data files and the command's output. `write_files(root)` writes the
    data and returns {split or "bert": path}; see `run_args`."""
    import filelock

    from tests.cli.test_cli import tfft

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # the workers' shared parent
        base = base.parent
    root = base / name
    with filelock.FileLock(str(root) + ".lock"):
        workdir = root / "run"
        if not (root / "files.json").exists():
            root.mkdir(exist_ok=True)
            (root / "files.json").write_text(json.dumps(
                {k: str(v) for k, v in write_files(root).items()}))
        files = json.loads((root / "files.json").read_text())
        if not (workdir / "COMPLETED").exists():
            proc = tfft("train", *run_args(config_file, files, workdir,
                                           *settings))
            (root / "train.out").write_text(proc.stdout)
            (root / "train.err").write_text(proc.stderr)
            assert proc.returncode == 0, proc.stderr[-3000:]
    return {"workdir": str(workdir), "files": files,
            "stdout": (root / "train.out").read_text(),
            "stderr": (root / "train.err").read_text()}


def shared_export(tmp_path_factory, run):
    """`tfft-export` of a shared run, made once per session: the export
    directory (its SavedModel is version 1)."""
    import filelock

    from tests.cli.test_cli import tfft

    export_dir = os.path.join(os.path.dirname(run["workdir"]), "export")
    with filelock.FileLock(export_dir + ".lock"):
        if not os.path.exists(os.path.join(export_dir, "1",
                                           "saved_model.pb")):
            proc = tfft("export", f"--workdir={run['workdir']}",
                        f"--export_dir={export_dir}")
            assert proc.returncode == 0, proc.stderr[-3000:]
    return export_dir


CLASSIFY_SETTINGS = [
    "--config.model.init=random", "--config.data.max_length=16",
    "--config.model.pooling=mean", "--config.train.epochs=10",
    "--config.train.batch_size=16", "--config.train.learning_rate=0.002",
    "--config.train.verbose=0"]


@pytest.fixture(scope="session")
def classify_run(tmp_path_factory):
    """configs/classify_files.py on a CSV with string labels (validation
    carved) with a tiny random BERT, trained once per session."""

    def write(root):
        return {"train": write_csv(root / "train.csv", sentiment_rows(192)),
                "test": write_csv(root / "test.csv",
                                  sentiment_rows(32, seed=2)),
                "bert": make_tiny_bert(root / "bert")}

    return shared_run(tmp_path_factory, "classify_run", write,
                      "classify_files.py", CLASSIFY_SETTINGS)


@pytest.fixture(scope="session")
def ner_run(tmp_path_factory):
    """configs/ner_files.py on CoNLL files (validation carved) with a tiny
    random BERT, trained once per session."""

    def write(root):
        return {"train": write_conll(root / "train.txt", ner_sentences(240)),
                "test": write_conll(root / "test.conll",
                                    ner_sentences(40, seed=2)),
                "bert": make_tiny_bert(root / "bert")}

    return shared_run(tmp_path_factory, "ner_run", write, "ner_files.py", [
        "--config.model.init=random", "--config.data.max_length=16",
        "--config.data.stride=4", "--config.train.epochs=12",
        "--config.train.batch_size=16", "--config.train.precision=float32",
        "--config.train.learning_rate=0.003", "--config.train.verbose=0"])


@pytest.fixture(scope="session")
def qa_run(tmp_path_factory):
    """configs/qa_files.py trained through `tfft-train` on toy QA with
    multi-window contexts (keras_hub family, a random 32-wide BERT),
    trained once per session. The toy run sits on a loss plateau (~0.38,
    validation EM ~50) until an epoch that depends on the seed and the
    dropout masks (14 to past 30), then reaches EM ~100. At 20 epochs
    seed 0 stayed on it (42, 1 and 2 left it), and 3 of those 4 seeds
    did with masks from 16-bit draws (branch halfword-dropout, not kept;
    2026-12-05); at 30 every seed tried left it with both (Keras' own:
    0, 1 and 42; 16-bit: 42, 0, 1, 2, 4, not 3)."""
    words = (8, 60)

    def write(root):
        files = {"train": root / "train.jsonl", "test": root / "test.jsonl",
                 "validation": root / "dev.jsonl"}
        _write_jsonl(files["train"], qa_rows(480, 0, words=words,
                                             questions=("good",))
                     + qa_boundary_rows())
        _write_jsonl(files["validation"], qa_rows(
            32, 1, words=words, questions=("good",)))
        _write_jsonl(files["test"], qa_rows(96, 2, words=words,
                                            questions=("good",)))
        return dict(files, bert=make_tiny_bert(root / "bert", hidden=32))

    return shared_run(tmp_path_factory, "qa_run", write, "qa_files.py", [
        "--config.model.init=random", *QA_SETTINGS,
        "--config.train.epochs=30", "--config.train.batch_size=16",
        "--config.train.learning_rate=0.003",
        "--config.train.precision=float32", "--config.train.verbose=0"])


COPY_WORDS = ["good", "great", "fine", "superb", "bad", "awful", "dull",
              "poor", "movie", "plot", "film", "acting"]


def copy_rows(n, seed):
    """Seq2seq rows whose summary is the document (3-6 words)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        words = " ".join(rng.choice(COPY_WORDS)
                         for _ in range(rng.randint(3, 6)))
        rows.append({"document": words, "summary": words})
    return rows


@pytest.fixture(scope="session")
def summarize_run(tmp_path_factory):
    """configs/seq2seq_files.py through `tfft-train`: a BERT2BERT
    encoder-decoder warm-started from a random 32-wide tiny BERT learns to
    copy its source (greedy generation), trained once per session, the
    epoch with the best validation ROUGE-L kept."""

    def write(root):
        return {"train": write_csv(root / "train.csv", copy_rows(800, 0)),
                "test": write_csv(root / "test.csv", copy_rows(64, 1)),
                "bert": make_tiny_bert(root / "bert", hidden=32)}

    return shared_run(tmp_path_factory, "summarize_run", write,
                      "seq2seq_files.py", [
        "--config.model.init=random", "--config.model.encoder_decoder=true",
        "--config.data.max_source_length=16",
        "--config.data.max_target_length=16",
        "--config.data.validation_size=64.0", "--config.train.epochs=20",
        "--config.train.batch_size=32", "--config.train.learning_rate=0.003",
        "--config.train.warmup_ratio=0.05", "--config.train.verbose=0",
        # float32, not the "auto" default, so that the run is the same on
        # every CPU ("auto" is bfloat16 on some). In bfloat16 it reaches
        # test ROUGE-L 0.996 too, since the labels stopped repeating the
        # decoder's start token (`summarization.target_labels`; 0.76
        # before, 2026-12-04).
        "--config.train.precision=float32",
        # The config's monitor: each epoch generates on the 64 validation
        # rows, and the epoch with the best val_rougeL is kept.
        "--config.train.restore_best=true",
        "--config.generate.max_new_tokens=12"])


def tiny_seq2seq_config(kind, vocab_size, pad_id, start_id, end_id,
                        **extra):
    """A 32-wide, 2-layer T5 or BART config with the originals' decoding
    conventions: T5 starts decoding with padding, BART with its end token
    (its start token is `bos`). `extra`: more config fields (BART's forced
    tokens)."""
    import transformers

    if kind == "t5":
        return transformers.T5Config(
            vocab_size=vocab_size, d_model=32, d_kv=8, d_ff=64,
            num_layers=2, num_heads=4, decoder_start_token_id=pad_id,
            pad_token_id=pad_id, eos_token_id=end_id, **extra)
    return transformers.BartConfig(
        vocab_size=vocab_size, d_model=32, encoder_layers=2,
        decoder_layers=2, encoder_attention_heads=4,
        decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64,
        max_position_embeddings=64, pad_token_id=pad_id,
        bos_token_id=start_id, eos_token_id=end_id,
        decoder_start_token_id=end_id, **extra)
