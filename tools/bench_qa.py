"""Extractive QA: tfft against HF PyTorch's Trainer (run_qa recipe), in
one run; and the latency of a QA SavedModel served from raw strings.

    python tools/bench_qa.py [--contenders=tfft,hf_torch] [--epochs=1]
        [--train_size=4000] [--test_size=1000] [--out=bench_results/qa]
    python tools/bench_qa.py --serving=RUN_OR_EXPORT [--requests=300]

Workload: all-MiniLM-L6-v2 on the seeded SQuAD v1.1 subset of
shared/ANCHORS.md (`bundled:squad_subset`: the first `--train_size` of its
4,000 train questions, the first `--test_size` of its 1,000 dev
questions), max length 256, stride 128, batch 32, the same epochs and seed
for both; each contender's own learning rate (tfft's config: 2e-4; the
run_qa recipe: 5e-5; `--tfft_lr`, `--hf_lr`). Contenders
(`tools/contenders/qa_*.py`), each in its own process:
  tfft      configs/qa_squad_minilm.py (bf16, length-grouped dynamic
            padding), validating on 100 questions per epoch
  hf_torch  transformers' PyTorch Trainer with run_qa's preprocessing
            (question first, only_second truncation, overflowing windows,
            offset mappings, padded to max length) and post-processing
            (n-best 20, answers up to 30 tokens); needs the `bench` extra
Per contender: steady training features/s (windows; after
`--warmup_steps`), setup and training time, test F1 (official SQuAD v1.1,
in percent) and peak resident memory. Writes `results.json` and
`results.md` to `--out`.

--serving: batch-1 latency (median and p99 over `--requests` calls after
20 warm-up calls) of the `serving_default` signature on question +
context pairs whose contexts are cut to 150 words, in a child process that
imports only tensorflow and tensorflow_text (a run folder is exported
first). A benchmark, not a test; run it with nothing else on the CPU.
"""

import json
import os
import subprocess
import sys
import tempfile

from absl import app
from absl import flags

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from contenders import workload as wl  # noqa: E402

CONTENDERS = {"tfft": "qa_tfft", "hf_torch": "qa_hf_torch"}
_CONTENDERS = flags.DEFINE_list("contenders", list(CONTENDERS), "Which.")
_EPOCHS = flags.DEFINE_integer("epochs", 1, "Epochs for every contender.")
_TRAIN = flags.DEFINE_integer("train_size", 4000, "Train questions.")
_TEST = flags.DEFINE_integer("test_size", 1000, "Dev questions scored.")
_BATCH = flags.DEFINE_integer("batch_size", 32, "Batch size.")
_MAX_LENGTH = flags.DEFINE_integer("max_length", 256, "Max tokens.")
_STRIDE = flags.DEFINE_integer("stride", 128, "doc_stride.")
_WARMUP = flags.DEFINE_integer("warmup_steps", 10, "Steps left out of the "
                               "steady rate.")
_TFFT_LR = flags.DEFINE_float("tfft_lr", 2e-4, "tfft's learning rate.")
_HF_LR = flags.DEFINE_float("hf_lr", 5e-5, "The run_qa recipe's.")
_SEED = flags.DEFINE_integer("seed", 0, "Training seed.")
_OUT = flags.DEFINE_string("out", "bench_results/qa", "Output folder.")
_SERVING = flags.DEFINE_string("serving", None, "Time this QA export (or "
                               "run folder, exported first) instead.")
_REQUESTS = flags.DEFINE_integer("requests", 300, "Batch-1 calls timed.")
_WORDS = flags.DEFINE_integer("context_words", 150, "Context length.")
_CHILD = flags.DEFINE_string("child", None, "(internal) one contender.")
_WORKLOAD = flags.DEFINE_string("workload", None, "(internal) its file.")


def write_workload(out):
    from tfft import assets
    from tfft.data import bundled

    subset = bundled.squad_subset()
    paths = {}
    for name, rows in (("train", subset["train"].select(range(_TRAIN.value))),
                       ("test", subset["test"].select(range(_TEST.value))),
                       ("validation", subset["validation"].select(
                           range(100)))):
        paths[name] = os.path.join(out, f"{name}.jsonl")
        rows.to_json(paths[name], lines=True)
    workload = {
        "model_dir": assets.model_path("all-MiniLM-L6-v2"),
        "train_file": paths["train"], "test_file": paths["test"],
        "validation_file": paths["validation"],
        "max_length": _MAX_LENGTH.value, "stride": _STRIDE.value,
        "batch_size": _BATCH.value,
        "learning_rate": {"tfft": _TFFT_LR.value, "hf_torch": _HF_LR.value},
        "epochs": _EPOCHS.value, "warmup_steps": _WARMUP.value,
        "target": 101.0, "seed": _SEED.value,
        "train_questions": _TRAIN.value, "test_questions": _TEST.value,
    }
    path = os.path.join(out, "workload.json")
    with open(path, "w") as f:
        json.dump(workload, f, indent=1)
    return path, workload


MEASURE = r"""
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401
path, pairs_file, requests = sys.argv[1:4]
pairs = json.load(open(pairs_file))
serve = tf.saved_model.load(path).signatures["serving_default"]
def call(i):
    q, c = pairs[i % len(pairs)]
    return serve(question=tf.constant([q]), context=tf.constant([c]))
for i in range(20):
    call(i)
times = []
for i in range(int(requests)):
    t = time.perf_counter()
    call(i)["answer"].numpy()
    times.append((time.perf_counter() - t) * 1000)
banned = ("tfft", "transformers", "keras_hub", "keras_nlp")
print(json.dumps({"median_ms": round(float(np.median(times)), 2),
                  "p99_ms": round(float(np.percentile(times, 99)), 2),
                  "requests": len(times),
                  "imported": sorted({m.split(".")[0] for m in sys.modules
                                      if m.split(".")[0] in banned})}))
"""


def serving_latency(model, requests, words):
    from tfft.data import bundled
    from tfft.export import versions

    with tempfile.TemporaryDirectory() as tmp:
        path = model
        if not versions.is_export(model):
            from tfft.export import saved_model

            path, _ = saved_model.export_run(model, os.path.join(tmp, "e"))
        path = os.path.abspath(versions.resolve(path))  # the version
        dev = bundled.squad_subset()["test"]
        pairs = [(q, " ".join(c.split()[:words]))
                 for q, c in zip(dev["question"], dev["context"])]
        pairs_file = os.path.join(tmp, "pairs.json")
        with open(pairs_file, "w") as f:
            json.dump(pairs, f)
        proc = subprocess.run(
            [sys.executable, "-c", MEASURE, path, pairs_file, str(requests)],
            capture_output=True, text=True, check=True, cwd="/",
            env=dict(os.environ, PYTHONPATH=""))
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result.update(model=model, context_words=words)
    return result


def main(argv):
    del argv
    if _SERVING.value:
        print(json.dumps(serving_latency(_SERVING.value, _REQUESTS.value,
                                         _WORDS.value)))
        return
    wl.task_bench_main(__file__, CONTENDERS, _CONTENDERS.value, _OUT.value,
                       write_workload, "features", "F1",
                       child=_CHILD.value, workload_file=_WORKLOAD.value)


if __name__ == "__main__":
    app.run(main)
