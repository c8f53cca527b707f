"""NER (b): Hugging Face's PyTorch `Trainer` with the run_ner recipe:
words tokenized with `is_split_into_words`, truncation at max_length, the
first sub-token of each word labelled and the others -100,
`DataCollatorForTokenClassification`, seqeval entity F1 on the first
sub-tokens. Needs the `bench` extra (torch)."""

import tempfile

from contenders import workload as wl


def run(w):
    clock = wl.Clock()
    import time

    import datasets
    import numpy as np
    import transformers
    from seqeval.metrics import f1_score

    transformers.set_seed(w["seed"])
    train_rows, test_rows = (wl.read_rows(w["train_file"]),
                             wl.read_rows(w["test_file"]))
    names = sorted({t for r in train_rows for t in r["ner_tags"]})
    index = {n: i for i, n in enumerate(names)}
    tokenizer = transformers.AutoTokenizer.from_pretrained(w["model_dir"])
    model = transformers.AutoModelForTokenClassification.from_pretrained(
        w["model_dir"], num_labels=len(names),
        id2label=dict(enumerate(names)), label2id=index)

    def tokenize(rows):
        enc = tokenizer([r["tokens"] for r in rows], truncation=True,
                        max_length=w["max_length"], is_split_into_words=True)
        labels = []
        for i, r in enumerate(rows):
            previous, row = None, []
            for word in enc.word_ids(i):
                row.append(-100 if word is None or word == previous
                           else index[r["ner_tags"][word]])
                previous = word
            labels.append(row)
        return datasets.Dataset.from_dict(
            {"input_ids": enc["input_ids"],
             "attention_mask": enc["attention_mask"],
             "token_type_ids": enc["token_type_ids"], "labels": labels})

    train = tokenize(train_rows)
    with clock.off():
        test = tokenize(test_rows)

    with tempfile.TemporaryDirectory() as output_dir:
        trainer = wl.torch_task_trainer(
            clock, w, model, train,
            transformers.DataCollatorForTokenClassification(tokenizer),
            output_dir)
        trainer.train()
        started = time.perf_counter()
        logits = trainer.predict(test).predictions
        clock.paused_since(started)
    predicted, gold = [], []
    for row_logits, labels in zip(logits, test["labels"]):
        keep = [j for j, y in enumerate(labels) if y != -100]
        predicted.append([names[int(np.argmax(row_logits[j]))]
                          for j in keep])
        gold.append([names[labels[j]] for j in keep])
    # Words cut by truncation are not scored (the recipe's own behaviour).
    return wl.result(clock, w, f1_score(gold, predicted),
                     "transformers Trainer (PyTorch), run_ner recipe, "
                     "DataCollatorForTokenClassification")
