"""Seq2seq (b): Hugging Face's PyTorch `Seq2SeqTrainer` as the
summarization example (run_summarization) runs it, on the same
warm-started encoder-decoder: `EncoderDecoderModel` with MiniLM as both
encoder and decoder (decoder start [CLS], end [SEP], pad [PAD]), sources
and targets truncated to their maximum lengths, `DataCollatorForSeq2Seq`
(labels padded with -100), fp32 AdamW with linear decay; then
`predict_with_generate` on the test papers (greedy, the same
`max_new_tokens` and `no_repeat_ngram_size`), timed, scored with tfft's
ROUGE module exactly as tfft scores. Needs the `bench` extra."""

import tempfile
import time

import numpy as np

from contenders import workload as wl


def run(w):
    clock = wl.Clock()
    import datasets
    import transformers

    from tfft.tasks.summarization import rouge

    transformers.set_seed(w["seed"])
    train_rows, test_rows = (wl.read_rows(w["train_file"]),
                             wl.read_rows(w["test_file"]))
    tokenizer = transformers.AutoTokenizer.from_pretrained(w["model_dir"])
    model = transformers.EncoderDecoderModel.from_encoder_decoder_pretrained(
        w["model_dir"], w["model_dir"])
    model.config.decoder_start_token_id = tokenizer.cls_token_id
    model.config.pad_token_id = tokenizer.pad_token_id
    model.config.eos_token_id = tokenizer.sep_token_id
    model.generation_config.decoder_start_token_id = tokenizer.cls_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.sep_token_id

    def encode(rows, labeled=True):
        out = tokenizer([r["document"] for r in rows], truncation=True,
                        max_length=w["max_source_length"])
        features = {"input_ids": out["input_ids"],
                    "attention_mask": out["attention_mask"]}
        if labeled:
            features["labels"] = tokenizer(
                [r["summary"] for r in rows], truncation=True,
                max_length=w["max_target_length"])["input_ids"]
        return datasets.Dataset.from_dict(features)

    train = encode(train_rows)
    with clock.off():
        test = encode(test_rows, labeled=False)
    collator = transformers.DataCollatorForSeq2Seq(tokenizer, model=model)

    class Timing(transformers.TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            clock.start_training()

        def on_step_end(self, args, state, control, **kwargs):
            clock.step_end()

        def on_epoch_end(self, args, state, control, **kwargs):
            clock.boundary()

    with tempfile.TemporaryDirectory() as output_dir:
        args = transformers.Seq2SeqTrainingArguments(
            output_dir=output_dir, per_device_train_batch_size=w["batch_size"],
            per_device_eval_batch_size=w["generate_batch_size"],
            learning_rate=w["learning_rate"].get("hf_torch", 5e-5),
            num_train_epochs=w["epochs"], eval_strategy="no",
            save_strategy="no", report_to=[], seed=w["seed"],
            disable_tqdm=True, logging_strategy="no",
            predict_with_generate=True)
        trainer = transformers.Seq2SeqTrainer(
            model=model, args=args, train_dataset=train,
            data_collator=collator, callbacks=[Timing()])
        trainer.train()
        figures = generation(w, model, tokenizer, test, collator)
        started = time.perf_counter()
        options = dict(max_new_tokens=w["max_new_tokens"], num_beams=1,
                       no_repeat_ngram_size=w["no_repeat_ngram_size"])
        sequences = trainer.predict(test, **options).predictions
        clock.paused_since(started)
    sequences = np.where(sequences < 0, tokenizer.pad_token_id, sequences)
    summaries = tokenizer.batch_decode(sequences, skip_special_tokens=True,
                                       clean_up_tokenization_spaces=True)
    scores = rouge(summaries, [r["summary"] for r in test_rows])
    result = wl.result(clock, w, scores["rougeL"],
                       "transformers Seq2SeqTrainer (PyTorch), "
                       "EncoderDecoderModel from MiniLM, fp32, greedy "
                       "generate")
    result.update(figures)
    result["rouge"] = dict(scores, gen_len=float(np.mean(
        [len(s.split()) for s in summaries])))
    return result


def generation(w, model, tokenizer, test, collator):
    """Generation figures as tfft's contender measures them: the test
    papers in batches of `generate_batch_size`, generated tokens (the end
    included, padding not) per second over the batches after the first,
    and the whole generation's seconds."""
    import torch

    model.eval()
    rows, size = test.to_list(), w["generate_batch_size"]
    started, times, tokens = time.perf_counter(), [], []
    with torch.no_grad():
        for start in range(0, len(rows), size):
            batch = collator(rows[start:start + size])
            t = time.perf_counter()
            sequences = model.generate(
                input_ids=batch["input_ids"],
                attention_mask=batch["attention_mask"],
                max_new_tokens=w["max_new_tokens"], num_beams=1,
                no_repeat_ngram_size=w["no_repeat_ngram_size"]).numpy()
            times.append(time.perf_counter() - t)
            tokens.append(wl.generated_count(sequences[:, 1:],
                                             tokenizer.pad_token_id))
    return {"generation_seconds": round(time.perf_counter() - started, 1),
            "first_batch_seconds": round(times[0], 1),
            "generated_tokens_per_second": round(
                float(np.sum(tokens[1:]) / np.sum(times[1:])), 1)}
