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
import random  # noqa: E402

import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

# Must run before TensorFlow initialises its devices.
_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)

from tfft import assets  # noqa: E402
from tfft.config import default_config  # noqa: E402

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


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory):
    return make_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


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
