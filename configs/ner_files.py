"""Token classification (NER) on your own files, no code.

Data, any of:
  - CoNLL-style text files (.txt, .conll, .iob, .bio): one token per line,
    columns split by spaces or a tab, the tag in the last column (or
    --config.data.conll_tag_column=N), a blank line between sentences,
    -DOCSTART- lines skipped;
  - JSON / JSONL / Parquet with a list-of-words column
    (--config.data.tokens_column, default `tokens`) and a list-of-tags
    column (--config.data.tags_column, default `ner_tags`): tag strings,
    or integer ids named by --config.data.label_names=O,B-PER,...;
  - --config.data.dataset= a `save_to_disk` folder or hub name whose tags
    are Sequence(ClassLabel) (names taken from its features).
Tags in IOB1, IOB2, IOBES or BILOU (detected; or --config.data.tag_scheme).
Missing validation/test splits are carved from train (10% each, seeded).

Command:
  tfft-train --config=configs/ner_files.py --workdir=runs/my_ner \
    --config.data.train_files=train.conll \
    [--config.data.validation_files=dev.conll] \
    [--config.data.test_files=test.conll] \
    [--config.model.family=hf] [--config.model.path=/path/to/checkpoint]

Expected: runtime scales with the number of tokens; the CoNLL-2003 recipe
(configs/ner_conll03_minilm.py, the same settings) gives the figures.
"""

from tfft.config import default_config


def get_config():
    config = default_config()
    config.task = "token_classification"
    config.data.train_files = ""  # required: --config.data.train_files=...
    config.data.max_length = 128
    config.data.stride = 32
    config.model.family = "keras_hub"
    config.model.path = "bundled:all-MiniLM-L6-v2"
    config.train.epochs = 3
    config.train.batch_size = 32
    config.train.learning_rate = 2e-4
    config.train.monitor = "val_f1"
    config.train.monitor_mode = "max"
    return config
