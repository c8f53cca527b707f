"""Extractive question answering on your own files, no code.

Data, any of:
  - SQuAD JSON (the official nested format, v1.1 or v2.0);
  - CSV / JSON / JSONL / Parquet rows with `question`, `context`,
    `answers` ({"text": [...], "answer_start": [...]}: character offsets
    into the context; in a CSV, that object as JSON text; empty lists for
    a question the context does not answer) and optionally `id`
    (--config.data.question_column / context_column / answers_column /
    id_column rename them);
  - --config.data.dataset= a `save_to_disk` folder or hub name in SQuAD's
    form.
Unanswerable questions in train (SQuAD v2.0) switch on "no answer"
predictions and the v2.0 metrics. Missing validation/test splits are
carved from train (10% each, seeded).

Command:
  tfft-train --config=configs/qa_files.py --workdir=runs/my_qa \
    --config.data.train_files=train.json \
    [--config.data.validation_files=dev.json] \
    [--config.data.test_files=test.json] \
    [--config.model.family=hf [--config.model.head=native]]

Windows of data.max_length=384 tokens sharing data.stride=128 (SQuAD's
doc_stride), questions cut to 64 tokens, 20-best start/end search, answers
up to 30 tokens: the settings of transformers' run_qa. Expected: runtime
scales with the number of windows; configs/qa_squad_minilm.py gives the
figures on SQuAD (its own learning rate, 2e-4, measured on 4,000
questions).

The learning rate, epochs and precision were measured (2026-12-04, a
2-core CPU with AVX512-BF16, MiniLM-L6, keras_hub, bf16 by "auto", this
config with only the data flags set unless a row says otherwise, one run
each) on two SQuAD v1.1 sets of different context lengths, written as
JSONL: short (contexts of at most 90 words, 71.6 on average) and long
(at least 180 words, 223.0 on average, often two windows); each 1,500
seeded train questions, and 300 validation and 300 test questions from
SQuAD's dev set. F1 (SQuAD's) on validation after each epoch, on test
after the last, and training questions per second:
                        short contexts             long contexts
                     val F1     test F1  q/s    val F1     test F1  q/s
  2e-4 (before)     19.1/50.5    50.0   34.8    9.2/28.2    36.5   9.9
  3e-4 (here)       27.2/49.5    50.6   36.5   20.7/44.1    48.8  10.0
  1e-4              14.2/28.5    29.9   37.0    8.2/11.3    13.4  10.0
  3e-4, 3 epochs  36.6/55.9/57.6  56.7   35.8  8.4/20.8/35.4  39.4  10.2
  3e-4, float32     26.4/52.3    50.4   25.3   23.3/43.8    47.6   7.5
3e-4 ties 2e-4 on short contexts (-1.0 validation, +0.6 test) and is far
ahead on long ones (+15.9, +12.3), which learn more slowly. These sets
are small (F1 still rising fast at epoch 2 in every run): with much more
data the rates may tie. A third epoch gained on short contexts (+6.1
test F1) and lost on long ones (-9.4; that run was behind from its first
epoch, 8.4 against 20.7, one run each), so epochs stay at 2, the faster.
float32: test F1 50.4 and 47.6 against 50.6 and 48.8, at 0.69x and 0.75x
the questions per second, so precision stays "auto" (bf16 here).
Length-grouped batches (tfft's default) against plain shuffled ones
(--config.data.group_by_length=false), the same sets, 2026-12-04 13:10-
13:59; test F1 and questions per second:
                      short contexts                long contexts
  seed              grouped      plain            grouped      plain
  42 (default)     50.6  30.3   53.2  21.9       48.8  9.4    37.7  7.0
  7                55.7  31.0   56.0  22.9
  13               53.6  31.5   51.8  23.1
Grouping trains 1.35-1.38x the questions per second on short contexts and
1.34x on long ones; F1 averages 53.3 against 53.7 over the three short
seeds (the seed alone moves F1 by up to 5) and 48.8 against 37.7 on the
long set (one seed), so it stays on.
"""

from tfft.config import default_config


def get_config():
    config = default_config()
    config.task = "question_answering"
    config.data.train_files = ""  # required: --config.data.train_files=...
    config.data.max_length = 384
    config.data.stride = 128
    config.data.max_question_length = 64
    config.model.family = "keras_hub"
    config.model.path = "bundled:all-MiniLM-L6-v2"
    config.model.n_best_size = 20
    config.model.max_answer_length = 30
    config.train.epochs = 2
    config.train.batch_size = 32
    config.train.learning_rate = 3e-4
    config.train.monitor = "val_f1"
    config.train.monitor_mode = "max"
    return config
