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
length_penalty / no_repeat_ngram_size (greedy, no repeated trigram: 3,
measured below; both families ban it; keras-hub's samplers have no
min_length or length_penalty). Reported:
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

The learning rate, the n-gram ban and the precision were measured
(2026-12-04, a 2-core CPU with AVX512-BF16, this config with only the
data and model flags set unless a row says otherwise, the bundled MiniLM
warm-starting both halves: --config.model.path=bundled:all-MiniLM-L6-v2
--config.model.encoder_decoder=true; 3 epochs, one run each) on two data
sets of different lengths, written as JSONL: ACLSum (100 / 50 / 100
papers; the abstract, 149 words, -> the three aspect summaries joined,
66 words) and SQuAD v1.1 question generation (source "answer: A
context: S", S the sentence holding the answer, 34 words -> the
question, 10 words; 4,000 seeded train questions, 300 validation and 500
test from SQuAD's dev set). ROUGE-L (rouge_score, stemmer on) with
greedy generation on validation after epochs 1/2/3 and on test; then the
same trained model generating with no repeated trigram, on validation /
test:
                       ACLSum                      question generation
                  greedy val     test  ban 3      greedy val     test  ban 3
  1e-4 (before)   7.4/8.4/10.3   10.3  17.0/17.3  20.8/21.5/21.2 21.2  22.3/22.4
  3e-4, bf16      9.6/10.6/15.9  15.8  18.4/18.8  19.8/20.7/22.5 22.4  23.0/22.6
  3e-4, float32   8.1/15.0/18.7  19.0  19.7/20.2  19.2/20.0/22.0 21.7  22.2/22.1
Lead-3 (ACLSum: the abstract's first three sentences; questions: the
source itself) scores 25.8 and 22.1 on test. 3e-4 beats 1e-4 on both
sets (+5.5 and +1.2 test, greedy), and the trigram ban adds 0.2-7.0 to
every model, so both are set here. float32 against bf16 splits (+1.4 on
ACLSum, -0.5 on questions with the ban) while bf16 trains faster: a
3-epoch fit (validation generation each epoch included) took 98.0 s
against 118.8 s on ACLSum and 496.8 s against 548.3-555.8 s on
questions; precision stays "auto". Validation ROUGE-L still rose at
epoch 3 on both sets: on small data more epochs pay (the ACLSum demo
keeps the best of 20). Before the labels stopped repeating BERT's [CLS]
(`tfft.tasks.summarization.target_labels`), every ACLSum run here
generated nothing (a [CLS] loop; ROUGE 0); the question runs did not
loop (their greedy validation and test figures then were 22.0 and 21.4
at 1e-4, 22.2 and 21.4 at 3e-4: within -0.8 to +1.0 of those above).
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
    config.train.learning_rate = 3e-4
    config.train.monitor = "val_rougeL"
    config.train.monitor_mode = "max"
    # The epoch logs of a generating task hold the generated texts' ROUGE
    # (the validation-metrics callback), not a val_loss.
    config.export.monitor = "val_rougeL"
    config.export.mode = "max"
    config.generate.max_new_tokens = 128
    config.generate.no_repeat_ngram_size = 3
    return config
