"""Summarization: tfft against HF PyTorch's Seq2SeqTrainer, in one run.

    python tools/bench_seq2seq.py [--contenders=tfft,hf_torch] [--epochs=3]
        [--out=bench_results/seq2seq]

Workload: ACLSum (`bundled:aclsum`: the 100 train papers, the
`--test_size` first test papers), abstract -> the three aspect summaries
joined, BERT2BERT warm-started from all-MiniLM-L6-v2 (encoder and decoder;
the cross-attention new), sources cut to 256 tokens, targets to 96, batch
8, the same epochs and seed for both; each contender's own learning rate
(tfft's config: 3e-4; the summarization example's default: 5e-5;
`--tfft_lr`, `--hf_lr`). Generation for both: greedy, at most 96 new
tokens, no repeated trigram, batches of `--generate_batch_size`.
Contenders (`tools/contenders/s2s_*.py`), each in its own process:
  tfft      configs/summarize_aclsum_minilm.py (bf16), validating on the
            50 validation papers' loss (no generation per epoch), the
            final epoch kept; generation by the run's traced `generate`
  hf_torch  transformers' PyTorch Seq2SeqTrainer (EncoderDecoderModel,
            DataCollatorForSeq2Seq, fp32), `model.generate`; needs
            the `bench` extra
Per contender: steady training examples/s (after `--warmup_steps`), setup
and training time, test ROUGE-L (tfft's rouge module, stemmer on, in
[0, 1]; ROUGE-1/2/Lsum and generated length in results.json), generation
speed at a fixed length (every sequence generates `--max_new_tokens`, its
end token banned until then: tokens/s after the first batch, whose
seconds are reported apart since tfft traces there; a model that stops
early would otherwise look slow or fast by its length; tfft's in the
run's precision and in float32, each XLA-compiled or not as
`generate.jit_compile=auto` decides) and peak resident memory. Writes
`results.json` and `results.md` to `--out`. A benchmark, not a test;
run it with nothing else on the CPU.
"""

import json
import os
import sys

from absl import app
from absl import flags

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from contenders import workload as wl  # noqa: E402

CONTENDERS = {"tfft": "s2s_tfft", "hf_torch": "s2s_hf_torch"}
_CONTENDERS = flags.DEFINE_list("contenders", list(CONTENDERS), "Which.")
_EPOCHS = flags.DEFINE_integer("epochs", 3, "Epochs for every contender.")
_TRAIN = flags.DEFINE_integer("train_size", 100, "Train papers.")
_TEST = flags.DEFINE_integer("test_size", 100, "Test papers generated.")
_BATCH = flags.DEFINE_integer("batch_size", 8, "Training batch size.")
_GEN_BATCH = flags.DEFINE_integer("generate_batch_size", 16,
                                  "Generation batch size.")
_SOURCE = flags.DEFINE_integer("max_source_length", 256, "Source tokens.")
_TARGET = flags.DEFINE_integer("max_target_length", 96, "Target tokens.")
_NEW = flags.DEFINE_integer("max_new_tokens", 96, "Generated tokens.")
_NGRAM = flags.DEFINE_integer("no_repeat_ngram_size", 3, "No repeats.")
_WARMUP = flags.DEFINE_integer("warmup_steps", 5, "Steps left out of the "
                               "steady rate.")
_TFFT_LR = flags.DEFINE_float("tfft_lr", 3e-4, "tfft's learning rate.")
_HF_LR = flags.DEFINE_float("hf_lr", 5e-5, "The example's default.")
_SEED = flags.DEFINE_integer("seed", 0, "Training seed.")
_OUT = flags.DEFINE_string("out", "bench_results/seq2seq", "Output folder.")
_CHILD = flags.DEFINE_string("child", None, "(internal) one contender.")
_WORKLOAD = flags.DEFINE_string("workload", None, "(internal) its file.")


def write_workload(out):
    from tfft import assets
    from tfft.data import bundled

    corpus = bundled.aclsum()
    paths = {}
    for name, rows in (("train", corpus["train"].select(range(_TRAIN.value))),
                       ("test", corpus["test"].select(range(_TEST.value))),
                       ("validation", corpus["validation"])):
        paths[name] = os.path.join(out, f"{name}.jsonl")
        rows.select_columns(["document", "summary"]).to_json(
            paths[name], lines=True)
    workload = {
        "model_dir": assets.model_path("all-MiniLM-L6-v2"),
        "train_file": paths["train"], "test_file": paths["test"],
        "validation_file": paths["validation"],
        "max_length": _SOURCE.value, "max_source_length": _SOURCE.value,
        "max_target_length": _TARGET.value, "max_new_tokens": _NEW.value,
        "no_repeat_ngram_size": _NGRAM.value, "batch_size": _BATCH.value,
        "generate_batch_size": _GEN_BATCH.value,
        "learning_rate": {"tfft": _TFFT_LR.value, "hf_torch": _HF_LR.value},
        "epochs": _EPOCHS.value, "warmup_steps": _WARMUP.value,
        "target": 2.0, "seed": _SEED.value,
        "train_papers": _TRAIN.value, "test_papers": _TEST.value,
    }
    path = os.path.join(out, "workload.json")
    with open(path, "w") as f:
        json.dump(workload, f, indent=1)
    return path, workload


def generation_table(results) -> str:
    rows = ["| recipe | generation | generated tokens/s (fixed length) | "
            "first batch (s) | ROUGE-1/2/L/Lsum | words generated |",
            "|---|---|---|---|---|---|"]
    for name, r in results.items():
        if "error" in r:
            continue
        g = r["rouge"]
        rouge = " / ".join(f"{100 * g[k]:.1f}" for k in (
            "rouge1", "rouge2", "rougeL", "rougeLsum"))
        for label, m in ((name, r), (f"{name}, float32",
                                     r.get("float32_generation"))):
            if m is None:
                continue
            how = f"{m['precision']}, {m['how']}" if "how" in m else "fp32"
            rows.append(
                f"| {label} | {how} | {m['generated_tokens_per_second']} | "
                f"{m['first_batch_seconds']} | "
                + (f"{rouge} | {g['gen_len']:.1f} |" if m is r else "| |"))
    lead = next((r["lead3"] for r in results.values() if "lead3" in r), None)
    if lead:
        rows.append("| lead-3 (the abstract's first three sentences) | | | "
                    "| " + " / ".join(f"{100 * lead[k]:.1f}" for k in (
                        "rouge1", "rouge2", "rougeL", "rougeLsum")) + " | |")
    base, ours = results.get("hf_torch", {}), results.get("tfft", {})
    rate = "generated_tokens_per_second"
    if rate in base and rate in ours:
        rows.append("")
        rows.append(f"tfft / hf_torch: {ours[rate] / base[rate]:.2f}x "
                    "generated tokens/s in the run's precision")
        fp32 = ours.get("float32_generation", {})
        if rate in fp32:
            rows.append(f"tfft float32 / hf_torch: "
                        f"{fp32[rate] / base[rate]:.2f}x generated tokens/s")
    return "\n".join(rows)


def main(argv):
    del argv
    wl.task_bench_main(__file__, CONTENDERS, _CONTENDERS.value, _OUT.value,
                       write_workload, "examples", "ROUGE-L",
                       child=_CHILD.value, workload_file=_WORKLOAD.value)
    if not _CHILD.value:
        with open(os.path.join(_OUT.value, "results.json")) as f:
            results = json.load(f)["results"]
        text = generation_table(results)
        with open(os.path.join(_OUT.value, "results.md"), "a") as f:
            f.write("\n" + text + "\n")
        print(text)


if __name__ == "__main__":
    app.run(main)
