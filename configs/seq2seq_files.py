"""Summarization (seq2seq) on your own files, no code.

Data: CSV / JSON / JSONL / Parquet (or --config.data.dataset= a
`save_to_disk` folder or hub name) with a source text column
(--config.data.source_column, default `document`) and a target text column
(--config.data.target_column, default `summary`); an optional prefix put
before every source (--config.data.source_prefix="summarize: " for T5).
Sources are cut to data.max_source_length tokens, targets to
data.max_target_length. Missing validation/test splits are carved from
train (10% each, seeded).

Model (hf family): any TFAutoModelForSeq2SeqLM checkpoint folder (T5,
BART, mT5, Pegasus, Marian...; PyTorch safetensors load without torch), or
an encoder-only checkpoint with --config.model.encoder_decoder=true
(BERT2BERT: encoder and decoder both warm-started from it).

Generation: --config.generate.num_beams / max_new_tokens / min_length /
length_penalty / no_repeat_ngram_size (greedy by default). Reported:
ROUGE-1/2/L/Lsum (rouge_score, stemmer on), the generated length in words,
and the lead-3 baseline (first three source sentences) beside them.

Export (`tfft-export`, or --config.export.dir): a SavedModel that turns
raw source strings into generated summaries in the graph, with the
generate.* settings fixed; BERT WordPiece tokenizers (BERT2BERT) and
SentencePiece Unigram ones with their spiece.model (T5, mT5); others
(BART's byte-level BPE) are refused before training. Evaluation's
generation is XLA-compiled (--config.generate.jit_compile=false: not).

Command:
  tfft-train --config=configs/seq2seq_files.py --workdir=runs/my_s2s \
    --config.data.train_files=train.jsonl \
    --config.model.path=/path/to/t5_or_bart_checkpoint

Expected: scales with data and model; configs/summarize_aclsum_minilm.py
gives measured figures on ACLSum.
"""

from tfft.config import default_config


def get_config():
    config = default_config()
    config.task = "summarization"
    config.data.train_files = ""  # required: --config.data.train_files=...
    config.data.max_source_length = 512
    config.data.max_target_length = 128
    config.model.family = "hf"
    config.model.path = ""  # required: --config.model.path=...
    config.train.epochs = 3
    config.train.batch_size = 8
    config.train.eval_batch_size = 32
    config.train.learning_rate = 1e-4
    config.train.monitor = "val_rougeL"
    config.train.monitor_mode = "max"
    # The epoch logs of a generating task hold the generated texts' ROUGE
    # (the validation-metrics callback), not a val_loss.
    config.export.monitor = "val_rougeL"
    config.export.mode = "max"
    config.generate.max_new_tokens = 128
    return config
