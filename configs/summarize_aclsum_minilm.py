"""Summarization on ACLSum with all-MiniLM-L6-v2 warm-starting both halves
of an encoder-decoder (BERT2BERT, Rothe et al. 2020).

ACLSum (MIT; the `aclsum` wheel, Python >= 3.11): 100 / 50 / 100 ACL
papers. Source: the abstract (`document`); target: the paper's three
written aspect summaries (challenge, approach, outcome; ~23 words each)
joined in that order (`summary`). The bundled MiniLM is both the encoder
and the decoder (hf family, transformers' TFEncoderDecoderModel; the
decoder's cross-attention is new), trained with teacher forcing and
scored by greedy generation.

Command:
  tfft-train --config=configs/summarize_aclsum_minilm.py --workdir=runs/aclsum

Expected on 2 CPU cores: RESULT
"""

import os

from tfft.cli.common import load_config_file

FILES_RECIPE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "seq2seq_files.py")


def get_config():
    config = load_config_file(FILES_RECIPE)
    config.data.dataset = "bundled:aclsum"
    config.data.source_column = "document"
    config.data.target_column = "summary"
    config.data.max_source_length = 256
    config.data.max_target_length = 96
    config.model.path = "bundled:all-MiniLM-L6-v2"
    config.model.encoder_decoder = True
    config.train.epochs = 20
    config.train.batch_size = 8
    config.train.learning_rate = 3e-4
    config.train.restore_best = True  # the epoch of the best val_rougeL
    config.train.precision = "mixed_bfloat16"
    config.generate.max_new_tokens = 96
    config.generate.no_repeat_ngram_size = 3
    return config
