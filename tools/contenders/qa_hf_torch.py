"""QA (b): Hugging Face's PyTorch `Trainer` with the run_qa recipe:
question first, `truncation="only_second"`, overflowing windows with
`stride`, offset mappings, start/end positions (windows without the
answer point at [CLS]), padding to max length, `default_data_collator`;
post-processing over all windows of a question with n-best 20 and answers
up to 30 tokens; official SQuAD v1.1 F1. Needs the `bench` extra."""

import collections
import tempfile

import numpy as np

from contenders import workload as wl


def run(w):
    clock = wl.Clock()
    import time

    import datasets
    import transformers

    from tfft import metrics

    transformers.set_seed(w["seed"])
    train_rows, test_rows = (wl.read_rows(w["train_file"]),
                             wl.read_rows(w["test_file"]))
    tokenizer = transformers.AutoTokenizer.from_pretrained(w["model_dir"])
    model = transformers.AutoModelForQuestionAnswering.from_pretrained(
        w["model_dir"])

    def encode(rows):
        return tokenizer(
            [r["question"].lstrip() for r in rows],
            [r["context"] for r in rows], truncation="only_second",
            max_length=w["max_length"], stride=w["stride"],
            return_overflowing_tokens=True, return_offsets_mapping=True,
            padding="max_length")

    enc = encode(train_rows)
    starts, ends = [], []
    for i, offsets in enumerate(enc["offset_mapping"]):
        row = train_rows[enc["overflow_to_sample_mapping"][i]]
        sequence = enc.sequence_ids(i)
        a = row["answers"]["answer_start"][0]
        b = a + len(row["answers"]["text"][0])
        first = sequence.index(1)
        last = len(sequence) - 1 - sequence[::-1].index(1)
        if not (offsets[first][0] <= a and offsets[last][1] >= b):
            starts.append(0)
            ends.append(0)
            continue
        while first < len(offsets) and offsets[first][0] <= a:
            first += 1
        while offsets[last][1] >= b:
            last -= 1
        starts.append(first - 1)
        ends.append(last + 1)
    train = datasets.Dataset.from_dict({
        "input_ids": enc["input_ids"], "attention_mask":
        enc["attention_mask"], "token_type_ids": enc["token_type_ids"],
        "start_positions": starts, "end_positions": ends})
    with clock.off():
        test_enc = encode(test_rows)
        test = datasets.Dataset.from_dict({
            k: test_enc[k] for k in ("input_ids", "attention_mask",
                                     "token_type_ids")})

    with tempfile.TemporaryDirectory() as output_dir:
        trainer = wl.torch_task_trainer(
            clock, w, model, train, transformers.default_data_collator,
            output_dir)
        trainer.train()
        started = time.perf_counter()
        start_logits, end_logits = trainer.predict(test).predictions
        answers = postprocess(test_rows, test_enc, start_logits, end_logits)
        clock.paused_since(started)
    f1 = metrics.load("squad").compute(
        predictions=[{"id": r["id"], "prediction_text": answers[i]}
                     for i, r in enumerate(test_rows)],
        references=[{"id": r["id"], "answers": r["answers"]}
                    for r in test_rows])["f1"]
    return wl.result(clock, w, f1,
                     "transformers Trainer (PyTorch), run_qa recipe, "
                     "padded to max length, n-best 20")


def postprocess(rows, enc, start_logits, end_logits, n_best=20,
                max_answer_length=30):
    """run_qa's `postprocess_qa_predictions` (v1): per question, the best
    valid span over all its windows."""
    by_row = collections.defaultdict(list)
    for i, row in enumerate(enc["overflow_to_sample_mapping"]):
        by_row[row].append(i)
    answers = []
    for r, row in enumerate(rows):
        best, text = None, ""
        for i in by_row[r]:
            sequence = enc.sequence_ids(i)
            offsets = [o if sequence[k] == 1 else None
                       for k, o in enumerate(enc["offset_mapping"][i])]
            top_s = np.argsort(start_logits[i])[-1:-n_best - 1:-1]
            top_e = np.argsort(end_logits[i])[-1:-n_best - 1:-1]
            for s in top_s:
                for e in top_e:
                    if (s >= len(offsets) or e >= len(offsets)
                            or offsets[s] is None or offsets[e] is None
                            or e < s or e - s + 1 > max_answer_length):
                        continue
                    score = start_logits[i][s] + end_logits[i][e]
                    if best is None or score > best:
                        best = score
                        text = row["context"][offsets[s][0]:offsets[e][1]]
        answers.append(text)
    return answers
