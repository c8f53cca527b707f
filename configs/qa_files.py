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
figures on SQuAD.
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
    config.train.learning_rate = 2e-4
    config.train.monitor = "val_f1"
    config.train.monitor_mode = "max"
    return config
