"""Latency and throughput of an exported classifier, served from raw text.

    python tools/bench_serving.py [--model=RUN_OR_EXPORT]
        [--families=keras_hub,hf] [--requests=500] [--batches=30]

With --model: a tfft export (SavedModel or export directory) is timed as it
is; a finished run folder is exported first. Without it: the demo config's
MiniLM (configs/sentiment_minilm.py, max_length 64) is built for each of
--families with an untrained head and exported (weights do not change the
cost). The timing itself runs in a child process that imports only
tensorflow and tensorflow_text, like a model server, and calls the
`serving_default` signature with Rotten Tomatoes snippets:

- batch 1: `--requests` sequential calls, one snippet each; median and p99
  latency in milliseconds (after 20 warm-up calls);
- batch 64: `--batches` calls of 64 snippets; examples per second;
- for the demo models, batch 1 through the `token_ids` signature with ids
  from the training tokenizer: the difference is what tokenizing in the
  graph costs.

Prints one JSON line per model. A benchmark, not a test.
"""

import json
import os
import subprocess
import sys
import tempfile

MEASURE = r"""
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401
path, texts_file, requests, batches, ids_file = sys.argv[1:6]
texts = json.load(open(texts_file))
started = time.perf_counter()
serve = tf.saved_model.load(path).signatures["serving_default"]
load_seconds = time.perf_counter() - started
def latencies_ms(call):  # 20 warm-up calls, then `requests` timed ones
    for i in range(20):
        call(i)
    times = []
    for i in range(int(requests)):
        t = time.perf_counter()
        call(i)["probabilities"].numpy()
        times.append((time.perf_counter() - t) * 1000)
    return times
latencies = latencies_ms(
    lambda i: serve(text=tf.constant([texts[i % len(texts)]])))
token_ids_ms = None
if ids_file != "-":
    by_ids = tf.saved_model.load(path).signatures["token_ids"]
    rows = json.load(open(ids_file))
    def one_ids(i):
        row = tf.constant([rows[i % len(rows)]], tf.int32)
        return by_ids(input_ids=row, attention_mask=tf.ones_like(row),
                      token_type_ids=tf.zeros_like(row))
    token_ids_ms = round(float(np.median(latencies_ms(one_ids))), 2)
batch = lambda i: serve(text=tf.constant(texts[i * 64:(i + 1) * 64]))
for _ in range(3):
    batch(0)
t = time.perf_counter()
for i in range(int(batches)):
    batch(i)["probabilities"].numpy()
seconds = time.perf_counter() - t
print(json.dumps({
    "load_seconds": round(load_seconds, 2),
    "batch1_median_ms": round(float(np.median(latencies)), 2),
    "batch1_p99_ms": round(float(np.percentile(latencies, 99)), 2),
    "batch64_examples_per_second": round(int(batches) * 64 / seconds, 1),
    # the same model fed token ids (client-side tokenization): the
    # difference to batch1_median_ms is the in-graph tokenizer's cost
    "batch1_token_ids_median_ms": token_ids_ms,
    "banned_modules_imported": sorted(
        {m.split(".")[0] for m in sys.modules} & {"tfft", "transformers",
                                                  "keras_hub"}),
}))
"""


def _flag(argv, name, default):
    for arg in argv:
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return default


def _demo_export(family, export_dir):
    """The demo config's MiniLM with an untrained head, exported."""
    from tfft.cli.common import load_config_file
    from tfft.export import saved_model
    from tfft.models import builder
    from tfft.tasks import get_task

    config = load_config_file(os.path.join(
        os.path.dirname(__file__), os.pardir, "configs",
        "sentiment_minilm.py"))
    config.model.family = family
    task = get_task(config.task, config, state={"label_names": [
        "fresh", "rotten"]})
    bundle = builder.build(config.model, task)
    path, _ = saved_model.export(bundle.model, bundle.tokenizer, task,
                                 config, export_dir)
    return path, config.data.max_length, bundle.tokenizer


def _run_export(workdir, export_dir):
    from tfft import trained
    from tfft.export.saved_model import export_run as export

    path, _ = export(workdir, export_dir)
    return path, trained.read_export_metadata(path)["max_length"], None


def measure(path, texts_file, requests, batches, ids_file="-"):
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, path, texts_file, str(requests),
         str(batches), ids_file], capture_output=True, text=True, check=True,
        env=dict(os.environ, PYTHONPATH=""), cwd="/")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv):
    from tfft.cli.common import quiet_libraries

    quiet_libraries()
    from tfft.data import bundled
    from tfft.export import versions

    model = _flag(argv, "model", None)
    families = _flag(argv, "families", "keras_hub,hf").split(",")
    requests = int(_flag(argv, "requests", 500))
    batches = int(_flag(argv, "batches", 30))
    texts = bundled.rotten_tomatoes()["text"]
    with tempfile.TemporaryDirectory() as tmp:
        texts_file = os.path.join(tmp, "texts.json")
        with open(texts_file, "w") as f:
            json.dump(list(texts[:max(batches * 64, requests)]), f)
        targets = []  # (name, SavedModel path, max_length, tokenizer)
        if model and versions.resolve(model):
            targets.append(("export", versions.resolve(model), None, None))
        elif model:
            targets.append(("run", *_run_export(model,
                                                os.path.join(tmp, "run"))))
        else:
            for family in families:
                targets.append((family, *_demo_export(
                    family, os.path.join(tmp, family))))
        for name, path, length, tokenizer in targets:
            ids_file = "-"
            if tokenizer is not None:
                ids_file = os.path.join(tmp, f"{name}_ids.json")
                with open(ids_file, "w") as f:
                    json.dump(tokenizer.encode(
                        texts[:requests], max_length=length)["input_ids"], f)
            result = {"model": name, "max_length": length}
            result.update(measure(path, texts_file, requests, batches,
                                  ids_file))
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv)
