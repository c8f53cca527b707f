"""Classify your own files: CSV / JSON / JSONL / Parquet, no code.

Command (a CSV with columns `text` and `label`, labels as strings or ints):
  tfft-train --config=configs/classify_files.py --workdir=runs/mine \
    --config.data.train_files=train.csv \
    [--config.data.validation_files=dev.csv] \
    [--config.data.test_files=test.csv] \
    [--config.data.text_columns=premise,hypothesis] \
    [--config.data.label_column=label] \
    [--config.model.family=hf] [--config.model.path=/path/to/checkpoint]

Missing validation/test splits are carved from train (10% each, seeded,
stratified) and the run says so. Checkpoints without a pooler (DistilBERT,
for one): add --config.model.pooling=cls.

The settings below are the fastest measured at equal or better accuracy
(2026-12-03, this 2-core CPU with AVX512-BF16, MiniLM-L6, keras_hub, the
bench's seeded splits written as JSONL, 2 epochs, batch 32, max length
128, only the data flags set otherwise; `tools/bench.py --contenders=files`
and one run per variant). Rotten Tomatoes, 4,000 train (400 carved for
validation) / 1,000 test, ~30 tokens per text; SQuAD question + paragraph
pairs (`--dataset=squad_pairs`), 2,000 / 500, ~120 tokens after
truncation. Steady training examples/s, test accuracy, seconds to 0.80:
                              Rotten Tomatoes          SQuAD pairs
  float32, cls, lr 5e-5       121.6  0.820  40.2     27.9  0.830  121.8
    (the defaults before)
  bf16 ("auto"), cls, 5e-5    157.4  0.818  39.4     41.9  0.808   94.8
  bf16, cls, 1e-4             150.1  0.831  20.7     38.8  0.862   77.6
  bf16, mean, 1e-4            155.5  0.832  20.7     37.3  0.860   60.1
  bf16, pooler, 1e-4 (here)   157.7  0.831  22.7     37.5  0.860   86.2
  the same, --config.model.family=hf
                              135.0  0.831  29.4     34.3  0.858   61.3
  the same, hf, its steps no longer converted by AutoGraph (2026-12-04,
  `tools/bench.py --files_family=hf`; keras_hub in the run after it:
  160.6 0.831 19.3)           157.2  0.831  22.5
bfloat16 trains 1.3x (short texts) to 1.5x (long) the examples/s of
float32; 1e-4 gains 1.3-5.4 points of accuracy and halves the time to
0.80 on short texts. The three poolings tie (within 0.2 points); the
pooler is kept because it is what keras-hub's TextClassifier and
transformers' ForSequenceClassification compute for BERT models, so the
run's model/ loads in those classes. Length-grouped batches are tfft's
default (the demo measured 1.4x with the same accuracy). Warmup (RT,
pooler, 1e-4; test accuracy, seconds to 0.80): ratio 0.0 0.829, 32.0; 0.05
0.839, 21.7; 0.1 (kept) 0.831, 22.7: one run each, not a clear gain, so
the default stays. Frozen embeddings (model.freeze_embeddings, RT,
2026-12-03): 0.823 against 0.831, 138.9 and 151.8 examples/s
against 140.2 (noise): not kept. Epochs stay at 3
(Trainer's default); an epoch takes about 1 minute per 10,000 training
examples of ~30 tokens here, 4.5 minutes per 10,000 of ~120.

precision is "auto" (the default): bfloat16 on CPUs with AMX or
AVX512-BF16, Ampere+ GPUs and TPUs, float32 elsewhere (the log says which).
"""

from tfft.config import default_config


def get_config():
    config = default_config()
    config.data.train_files = ""  # required: --config.data.train_files=...
    config.data.text_columns = "text"
    config.data.label_column = "label"
    config.data.max_length = 128
    config.model.family = "keras_hub"
    config.model.path = "bundled:all-MiniLM-L6-v2"
    config.model.pooling = "pooler"
    config.train.epochs = 3
    config.train.batch_size = 32
    config.train.learning_rate = 1e-4
    return config
