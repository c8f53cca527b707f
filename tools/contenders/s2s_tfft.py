"""Seq2seq (a): tfft's recipe, `configs/summarize_aclsum_minilm.py`
(BERT2BERT warm-started from MiniLM, bf16) through
`tfft.training.trainer.train`, pointed at the workload's files, scored on
the test papers by the run (its traced greedy `generate`); then the
generation speed at a fixed length, in the run's precision and in
float32."""

import os
import time

from contenders import workload as wl

CONFIG = os.path.join(os.path.dirname(__file__), "..", "..", "configs",
                      "summarize_aclsum_minilm.py")


def config_for(w):
    config = wl.tfft_task_config(CONFIG, w)
    d, g = config.data, config.generate
    d.max_source_length = w["max_source_length"]
    d.max_target_length = w["max_target_length"]
    g.max_new_tokens = w["max_new_tokens"]
    g.no_repeat_ngram_size = w["no_repeat_ngram_size"]
    g.num_beams = 1
    config.train.eval_batch_size = w["generate_batch_size"]
    config.train.restore_best = False  # the same final epoch as PyTorch's
    config.train.validation_metrics = False  # no generation per epoch
    config.train.monitor = "val_loss"
    config.train.monitor_mode = "min"
    return config


def generation(w, workdir, precision=""):
    """Generation speed on the test papers at a fixed length: every
    sequence generates `max_new_tokens` (its end token banned until then,
    as PyTorch's contender does with min_new_tokens), greedy, no repeated
    n-grams, batches of `generate_batch_size`, the run loaded in its own
    precision or `precision`, XLA as `generate.jit_compile=auto` decides:
    generated tokens per second over the batches after the first (which
    traces or compiles), and the first batch's seconds."""
    import numpy as np

    from tfft.inference import load_run
    from tfft.models import builder

    run = load_run(workdir, precision=precision)
    examples = run.task.read_inputs(w["test_file"])
    tokenizer = run.bundle.tokenizer
    features = run.task.tokenize(examples, tokenizer)
    options = dict(run.task.generation_options(),
                   min_length=1 + w["max_new_tokens"])  # + decoder start
    generate = builder.family_module(run.config.model.family).generator(
        run.bundle.model, pad_id=tokenizer.pad_id, end_id=tokenizer.end_id,
        decoder_prompt=tokenizer.decoder_prompt, **options)
    collate = run.task.collator(tokenizer)
    ids, size = features["input_ids"][:], w["generate_batch_size"]
    times, tokens = [], []
    for start in range(0, len(ids), size):
        batch = collate([{"input_ids": x} for x in ids[start:start + size]])
        t = time.perf_counter()
        sequences = generate(batch["input_ids"],
                             batch["attention_mask"]).numpy()
        times.append(time.perf_counter() - t)
        tokens.append(wl.generated_count(sequences[:, 1:], tokenizer.pad_id))
    return {"precision": run.config.train.precision,
            "how": generate.jit_reason,
            "first_batch_seconds": round(times[0], 1),
            "fixed_length_tokens": int(np.sum(tokens)),
            "generated_tokens_per_second": round(
                float(np.sum(tokens[1:]) / np.sum(times[1:])), 1)}


def run(w):
    import tempfile

    clock = wl.tfft_clock()
    from tfft.training import precision
    from tfft.training import trainer

    config = config_for(w)
    callback = wl.keras_clock(clock, lambda model: 0.0, eval_every=10**9)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = os.path.join(tmp, "run")
        results = trainer.train(config, workdir, callbacks=[callback])
        figures = wl.result(clock, w, results["test"]["rougeL"],
                            f"tfft-train configs/summarize_aclsum_minilm.py "
                            f"({precision.resolve(config.train.precision)[0]}"
                            f", lr "
                            f"{config.train.learning_rate:g}, traced "
                            "greedy generate)")
        figures.update(generation(w, workdir))
        # The same weights generating in float32
        # (`tfft.inference.load_run(workdir, precision="float32")`), where
        # XLA pays on a CPU.
        figures["float32_generation"] = generation(w, workdir, "float32")
    figures["rouge"] = {k: results["test"][k] for k in (
        "rouge1", "rouge2", "rougeL", "rougeLsum", "gen_len")}
    figures["lead3"] = {k[len("lead3_"):]: v for k, v in
                        results["test"].items() if k.startswith("lead3_")}
    return figures
