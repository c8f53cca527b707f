"""(d) Hugging Face's PyTorch `Trainer` with default arguments (plus the
workload's batch size, learning rate, epochs and step evaluations on the
benchmark's schedule, `Clock.due`) and the tokenizer's dynamic-padding
collator. Needs the `bench` extra (torch)."""

import tempfile

from contenders import workload as wl


def run(w):
    clock = wl.Clock()
    import time

    import datasets
    import numpy as np
    import transformers

    transformers.set_seed(w["seed"])
    model_dir = w["model_dir"]
    tokenizer = transformers.AutoTokenizer.from_pretrained(model_dir)
    model = transformers.AutoModelForSequenceClassification.from_pretrained(
        model_dir, num_labels=2)

    def tokenize(rows):
        columns = wl.text_columns(w)
        return datasets.Dataset.from_list(rows).map(lambda b: tokenizer(
            *[b[c] for c in columns], truncation=True,
            max_length=w["max_length"]), batched=True, remove_columns=columns)

    train = tokenize(wl.read_rows(w["train_file"]))
    with clock.off():  # the benchmark's test set
        test = tokenize(wl.read_rows(w["test_file"]))

    class Timing(transformers.TrainerCallback):
        eval_started = None

        def on_train_begin(self, args, state, control, **kwargs):
            clock.start_training()

        def on_step_end(self, args, state, control, **kwargs):
            clock.step_end()
            if clock.due(w["eval_every"], w["target"]):
                control.should_evaluate = True
                self.eval_started = time.perf_counter()

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            if self.eval_started is not None:
                clock.paused_since(self.eval_started)
                clock.record(metrics["eval_accuracy"])
                self.eval_started = None

        def on_epoch_end(self, args, state, control, **kwargs):
            clock.boundary()

    def compute_metrics(prediction):
        return {"accuracy": float(np.mean(
            np.argmax(prediction.predictions, -1) == prediction.label_ids))}

    with tempfile.TemporaryDirectory() as output_dir:
        args = transformers.TrainingArguments(
            output_dir=output_dir, per_device_train_batch_size=w["batch_size"],
            per_device_eval_batch_size=64, learning_rate=w["learning_rate"],
            num_train_epochs=w["epochs"], eval_strategy="no",
            save_strategy="no", report_to=[],
            seed=w["seed"], disable_tqdm=True, logging_strategy="no")
        trainer = transformers.Trainer(
            model=model, args=args, train_dataset=train, eval_dataset=test,
            processing_class=tokenizer, compute_metrics=compute_metrics,
            callbacks=[Timing()])
        trainer.train()
        accuracy = trainer.evaluate()["eval_accuracy"]
    return wl.result(clock, w, accuracy,
                     "transformers Trainer (PyTorch), defaults, "
                     "DataCollatorWithPadding")
