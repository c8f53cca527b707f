"""Extractive question answering (SQuAD): the answer is a span of the
context.

Examples are questions with their context, in SQuAD's flat form: columns
`data.question_column`, `data.context_column`, `data.answers_column`
(`{"text": [...], "answer_start": [...]}`: character offsets into the
context; empty lists when the context does not answer the question, as in
SQuAD v2.0) and `data.id_column` (optional). SQuAD's nested JSON is read
into that form (`tfft.data.squad`). Prepared examples have the columns
`id`, `question`, `context` (and `answers`), whatever the data called
them.

Features: `[CLS] question [SEP] context window [SEP]`. The question is cut
to `data.max_question_length` tokens; the context, split into words with
character offsets (`tfft.data.words`, BERT's pre-tokenization on the raw
string) and each word tokenized, fills the rest of `data.max_length` in
windows that share `data.stride` tokens (`tfft.data.windows`), so one
example becomes several features. A feature is labelled with the first
answer's start and end tokens if the window holds all of it, else with
the [CLS] position (0, 0), as production SQuAD recipes do.

Decoding (`decode`, and the same rules as TF ops in `serving_fn`): in
each window, the `model.n_best_size` best start and end tokens among the
context tokens, the pairs with start <= end and at most
`model.max_answer_length` tokens; the best pair of all the example's
windows by start + end logit. Its characters are those of the words of
its tokens (the answer is exactly `context[start:end]`). If the train
data had unanswerable questions, the answer is "" when the [CLS] score
(start + end, the lowest over the windows) beats the best span by more
than `model.null_score_threshold`. Metrics: SQuAD's official exact match
and F1 (`squad`, or `squad_v2` with unanswerable questions), per example.

Answer offsets are word-grained: a gold answer that starts or ends inside
a word (0.3% of SQuAD v1.1's) is learned and predicted as its whole
words.
"""

import bisect
import json

import numpy as np

from tfft import metrics
from tfft.data import words as words_lib
from tfft.data.windows import windows
from tfft.errors import UserError
from tfft.models.pair_template import PairTemplate
from tfft.tasks.base import EXAMPLE_ID
from tfft.tasks.base import Task
from tfft.tasks.base import column_values

# Prepared examples' columns.
ID, QUESTION, CONTEXT, ANSWERS = "id", "question", "context", "answers"
LABELS = "labels"  # a feature's [start, end] token positions
CONTEXT_OFFSET = "context_offset"  # position of the window's first token
CHAR_STARTS = "char_starts"  # per context token of the window
CHAR_ENDS = "char_ends"
NEG_INF = -np.inf


class QuestionAnswering(Task):
    name = "question_answering"
    hf_auto_class = "TFAutoModelForQuestionAnswering"
    pipeline_tag = "question-answering"
    main_metric = "f1"
    output_kind = "token"
    answers_empty_inputs = False  # no span to find without both texts

    def load_state(self, state):
        self.unanswerable = bool(state.get("unanswerable", False))

    def state(self):
        return {"unanswerable": self.unanswerable}

    @property
    def input_columns(self):
        return [QUESTION, CONTEXT]

    def validate_config(self):
        d, m = self.config.data, self.config.model
        for name in ("question_column", "context_column", "answers_column"):
            if not getattr(d, name):
                raise UserError(f"config data.{name} is empty; set it")
        room = d.max_length - 3 - d.max_question_length
        if d.max_question_length < 1 or room < 1:
            raise UserError(
                f"config data.max_question_length={d.max_question_length} "
                f"must be from 1 to data.max_length - 4 = "
                f"{d.max_length - 4}, leaving the context room")
        if not 0 <= d.stride < room:
            raise UserError(
                f"config data.stride={d.stride} must be from 0 to "
                f"{room - 1} (data.max_length - 3 - data.max_question_length"
                " - 1: the context tokens consecutive windows share); lower "
                "--config.data.stride")
        for name in ("n_best_size", "max_answer_length"):
            if getattr(m, name) < 1:
                raise UserError(f"config model.{name} must be >= 1")

    # -- data -------------------------------------------------------------
    def _examples(self, dataset, split, labeled):
        """Rows checked and renamed to ID, QUESTION, CONTEXT (, ANSWERS)."""
        import datasets

        d = self.config.data
        self.require_columns(
            dataset, split, ["question_column", "context_column"]
            + (["answers_column"] if labeled else []), what="questions")
        dataset = self.require_texts(
            dataset, split, [d.question_column, d.context_column],
            inputs=not labeled)
        ids = ([str(i) for i in dataset[d.id_column]]
               if d.id_column in dataset.column_names
               else [str(i) for i in range(len(dataset))])
        if len(set(ids)) != len(ids):
            seen = set()
            twice = next(i for i in ids if i in seen or seen.add(i))
            raise UserError(
                f"the {split} data has the id {twice!r} twice; ids must be "
                "unique (or drop the id column)")
        columns = {ID: ids, QUESTION: dataset[d.question_column][:],
                   CONTEXT: dataset[d.context_column][:]}
        features = {ID: datasets.Value("string"),
                    QUESTION: datasets.Value("string"),
                    CONTEXT: datasets.Value("string")}
        if labeled:
            columns[ANSWERS] = [
                self._answers(value, context, qid, split)
                for value, context, qid in zip(
                    dataset[d.answers_column], columns[CONTEXT], ids)]
            features[ANSWERS] = {
                "text": datasets.Sequence(datasets.Value("string")),
                "answer_start": datasets.Sequence(datasets.Value("int32"))}
        return datasets.Dataset.from_dict(columns,
                                          features=datasets.Features(features))

    def _answers(self, value, context, qid, split):
        """An answers cell as {"text": [...], "answer_start": [...]},
        each answer checked against the context."""
        if isinstance(value, str):  # a CSV cell holds JSON
            try:
                value = json.loads(value)
            except ValueError:
                pass
        if not (isinstance(value, dict)
                and {"text", "answer_start"} <= set(value)
                and len(value["text"] or []) == len(
                    value["answer_start"] or [])):
            raise UserError(
                f"the {split} answers of id {qid!r} are not "
                "{\"text\": [...], \"answer_start\": [...]}, two lists of one "
                "length (empty for a question the context does not answer)"
                "; fix the answers column")
        texts = list(value.get("text") or [])
        starts = [int(s) for s in value.get("answer_start") or []]
        for text, start in zip(texts, starts):
            if not text or context[start:start + len(text)] != text:
                found = context[start:start + len(text or "")]
                raise UserError(
                    f"the {split} answer {text!r} of id {qid!r} is not in "
                    f"its context at answer_start={start} (the context has "
                    f"{found!r} there); fix answer_start (a character "
                    "offset into the context)")
        return {"text": texts, "answer_start": starts}

    def prepare(self, splits):
        from tfft.data import splits as splits_lib

        d = self.config.data
        examples = type(splits)({
            split: self._examples(dataset, split, labeled=True)
            for split, dataset in splits.items()})
        if not self.unanswerable:
            self.unanswerable = any(
                not a["text"] for a in examples["train"][ANSWERS])
        return splits_lib.complete(examples, d, self.config.seed)

    def prepare_labeled(self, dataset, split):
        return self._examples(dataset, split, labeled=True)

    def read_inputs(self, path):
        """A CSV / JSON / JSONL / Parquet file (or SQuAD JSON) with the
        question and context columns (and an id column, if it has one)."""
        from tfft.data import sources

        dataset = sources.load_files(sources.expand(path), "input")
        return self._examples(dataset, "input", labeled=False)

    # -- features ---------------------------------------------------------
    def tokenize(self, dataset, tokenizer):
        import datasets

        d = self.config.data
        contexts = dataset[CONTEXT][:]  # lists: read each column once
        spans = [words_lib.split_words(c) for c in contexts]
        vocabulary = sorted({c[a:b] for c, s in zip(contexts, spans)
                             for a, b in s})
        pieces = dict(zip(vocabulary, tokenizer.tokenize_words(vocabulary)))
        questions = tokenizer.tokenize_words(dataset[QUESTION][:])
        answers = column_values(dataset, ANSWERS)
        unk = [tokenizer.unk_id]
        # How the tokenizer packs a pair (no template: BERT's).
        pairs = tokenizer.pair_template or PairTemplate()
        columns = {k: [] for k in ("input_ids", "token_type_ids",
                                   CONTEXT_OFFSET, CHAR_STARTS, CHAR_ENDS,
                                   EXAMPLE_ID)}
        if answers is not None:
            columns[LABELS] = []
        for example, (context, word_spans) in enumerate(zip(contexts,
                                                             spans)):
            question = list(questions[example][:d.max_question_length])
            ids, starts, ends = [], [], []
            for a, b in word_spans:
                word_ids = pieces[context[a:b]] or unk  # every word a token
                ids.extend(word_ids)
                starts.extend([a] * len(word_ids))
                ends.extend([b] * len(word_ids))
            # [CLS] question [SEP] (RoBERTa: <s> question </s></s>)
            offset = len(question) + 2 + len(pairs.between)
            label = (self._token_span(answers[example], starts, ends)
                     if answers is not None else None)
            room = d.max_length - offset - 1
            for start, end in windows(len(ids), room, d.stride):
                columns["input_ids"].append(
                    [tokenizer.start_id, *question, tokenizer.end_id,
                     *pairs.between, *ids[start:end], tokenizer.end_id])
                columns["token_type_ids"].append(
                    [0] * (len(question) + 2) + [int(pairs.typed)] * (
                        len(pairs.between) + end - start + 1))
                columns[CONTEXT_OFFSET].append(offset)
                columns[CHAR_STARTS].append(starts[start:end])
                columns[CHAR_ENDS].append(ends[start:end])
                columns[EXAMPLE_ID].append(example)
                if label is None:
                    continue
                first, last = label
                inside = first is not None and start <= first and last < end
                columns[LABELS].append(
                    [offset + first - start, offset + last - start]
                    if inside else [0, 0])
        return datasets.Dataset.from_dict(columns)

    @staticmethod
    def _token_span(answers, starts, ends):
        """(first, last) context tokens of the first answer: the tokens
        whose words overlap its characters; (None, None) if it has none
        (unanswerable)."""
        if not answers["text"]:
            return None, None
        a = answers["answer_start"][0]
        b = a + len(answers["text"][0])
        first = bisect.bisect_right(ends, a)  # first token ending after a
        last = bisect.bisect_left(starts, b) - 1  # last starting before b
        if first > last:
            return None, None
        return first, last

    # -- model ------------------------------------------------------------
    def build_head(self, keras, model_config):
        del model_config
        return {"qa_outputs": keras.layers.Dense(
            2, dtype="float32", name="qa_outputs",
            kernel_initializer=keras.initializers.TruncatedNormal(
                stddev=0.02))}

    def apply_head(self, layers, features, training):
        import tensorflow as tf

        x = tf.cast(features["sequence_output"], tf.float32)
        return _mask_padding(layers["qa_outputs"](x),
                             features["attention_mask"])

    def native_logits(self, outputs, inputs):
        import tensorflow as tf

        logits = tf.stack([tf.cast(outputs.start_logits, tf.float32),
                           tf.cast(outputs.end_logits, tf.float32)], -1)
        return _mask_padding(logits, inputs["attention_mask"])

    def build_losses(self, keras):
        del keras
        return span_loss

    # -- decoding ---------------------------------------------------------
    def decode(self, outputs, features, num_examples):
        """Per example: (answer start char, end char, score, null odds)
        of its best span over all its windows, by the rules in the module
        docstring; start and end are None for "no answer". `score` is
        the span's probability in its window (softmax of the start and
        of the end logits over [CLS] and the context tokens, multiplied),
        or the [CLS] span's for "no answer"."""
        m = self.config.model
        # Each column read once (a Dataset lookup per row costs ~0.2 ms).
        offsets = features[CONTEXT_OFFSET][:]
        char_starts = features[CHAR_STARTS][:]
        char_ends = features[CHAR_ENDS][:]
        best = [None] * num_examples  # (score, feature, start, end)
        null = [None] * num_examples  # (null score, feature)
        for f, example in enumerate(features[EXAMPLE_ID][:]):
            logits = np.asarray(outputs[f], np.float32)
            span = best_span(logits, offsets[f], len(char_starts[f]),
                             m.n_best_size, m.max_answer_length)
            if best[example] is None or span[0] > best[example][0]:
                best[example] = (span[0], f, span[1], span[2])
            no_answer = logits[0, 0] + logits[0, 1]
            if null[example] is None or no_answer < null[example][0]:
                null[example] = (no_answer, f)
        decoded = []
        for (score, f, s, e), (no_answer, nf) in zip(best, null):
            odds = float(no_answer) - float(score)
            if score == NEG_INF or (
                    self.unanswerable and odds > m.null_score_threshold):
                decoded.append((None, None, _probability(
                    outputs[nf], 0, 0, offsets[nf], len(char_starts[nf])),
                    odds))
                continue
            decoded.append((
                char_starts[f][s - offsets[f]], char_ends[f][e - offsets[f]],
                _probability(outputs[f], s, e, offsets[f],
                             len(char_starts[f])), odds))
        return decoded

    def answers(self, outputs, features, examples):
        """Per example: {"answer", "score", "start", "end"} as
        transformers' question-answering pipeline returns them ("no
        answer": "", start = end = 0), plus `no_answer_probability`
        (sigmoid of the [CLS] score minus the best span's)."""
        out = []
        for context, (start, end, score, odds) in zip(
                examples[CONTEXT], self.decode(outputs, features,
                                               len(examples))):
            text = context[start:end] if start is not None else ""
            out.append({"answer": text, "score": round(float(score), 6),
                        "start": start or 0, "end": end or 0,
                        "no_answer_probability":
                            float(1 / (1 + np.exp(-odds)))})
        return out

    # -- evaluation -------------------------------------------------------
    def evaluate(self, outputs, features, examples):
        found = self.answers(outputs, features, examples)
        ids, gold = examples[ID], examples[ANSWERS]
        references = [{"id": i, "answers": a} for i, a in zip(ids, gold)]
        v2 = self.unanswerable or any(not a["text"] for a in gold)
        predictions = [dict({"id": i, "prediction_text": r["answer"]},
                            **({"no_answer_probability":
                                r["no_answer_probability"]} if v2 else {}))
                       for i, r in zip(ids, found)]
        scores = metrics.load("squad_v2" if v2 else "squad").compute(
            predictions=predictions, references=references)
        if v2:
            scores = dict(scores, exact_match=scores.pop("exact"))
            scores.pop("total")
        labels = np.asarray(features[LABELS])
        losses = [_span_nll(np.asarray(o, np.float64), label)
                  for o, label in zip(outputs, labels)]
        return dict(scores, loss=float(np.mean(losses)),
                    num_examples=len(examples), num_features=len(features))

    def predictions(self, outputs, features, examples, **options):
        del options
        return _records(examples, self.answers(outputs, features, examples))

    # -- pipeline ---------------------------------------------------------
    def pipeline_arguments(self, inputs, options):
        """transformers' forms: a {"question", "context"} dict (or a list
        of them), or question= and context= (strings or equal lists)."""
        if inputs is None and QUESTION in options and CONTEXT in options:
            options = dict(options)
            question, context = options.pop(QUESTION), options.pop(CONTEXT)
            if isinstance(question, list) and isinstance(context, list):
                if len(question) != len(context):
                    raise UserError(
                        f"{len(question)} questions for {len(context)} "
                        "contexts; give one context per question")
                inputs = [{QUESTION: q, CONTEXT: c}
                          for q, c in zip(question, context)]
            else:
                inputs = {QUESTION: question, CONTEXT: context}
        return inputs, options

    def pipeline_examples(self, items):
        import datasets

        for item in items:
            if not (isinstance(item, dict) and isinstance(
                    item.get(QUESTION), str) and isinstance(
                        item.get(CONTEXT), str)):
                raise UserError(
                    "a question-answering pipeline takes a dict with "
                    "'question' and 'context' strings (or a list of them), "
                    "or question= and context=")
        d = self.config.data
        table = datasets.Dataset.from_dict({
            d.question_column: [i[QUESTION] for i in items],
            d.context_column: [i[CONTEXT] for i in items]})
        return self._examples(table, "input", labeled=False)

    def pipeline_result(self, record, **options):
        """transformers' question-answering result."""
        del options
        return {k: record[k] for k in ("score", "start", "end", "answer")}

    # -- export -----------------------------------------------------------
    def serving_inputs(self):
        return [QUESTION, CONTEXT]

    def serving_outputs(self, outputs):
        import tensorflow as tf

        logits = tf.cast(outputs, tf.float32)
        return {"start_logits": logits[..., 0], "end_logits": logits[..., 1]}

    def serving_fn(self, tokenizer, from_token_ids):
        """Raw question and context strings -> the answer, all in the
        graph: the context's words with offsets (`graph_words`), each word
        tokenized on its own, the question's tokens, windows as `tokenize`
        cuts them, the model, and `decode`'s span search.

        Outputs, [batch]: `answer` (exactly `context[start:end]`, "" for
        no answer), `start` / `end` (character offsets into the context),
        `score`."""
        from tfft.export import graph_qa

        return graph_qa.answer_fn(self.config, self.unanswerable,
                                  from_token_ids, tokenizer)

    def serving_predictions(self, outputs, examples, **options):
        del options
        return _records(examples, [
            {"answer": outputs["answer"][i].decode(),
             "score": round(float(outputs["score"][i]), 6),
             "start": int(outputs["start"][i]),
             "end": int(outputs["end"][i])} for i in range(len(examples))])


def _records(examples, found):
    """Prediction records: each example's id, question, context (and
    gold answers) with its `found` answer, score, start and end."""
    names = [c for c in (ID, QUESTION, CONTEXT, ANSWERS)
             if c in examples.column_names]
    columns = {c: examples[c][:] for c in names}
    return [dict({c: columns[c][i] for c in names},
                 **{k: r[k] for k in ("answer", "score", "start", "end")})
            for i, r in enumerate(found)]


def best_span(logits, offset, length, n_best, max_answer_length):
    """(score, start, end) of a window's best span: of its `n_best` best
    start and end positions among the context tokens [offset, offset +
    length), the pair with start <= end < start + max_answer_length and
    the highest start + end logit (the first in row-major order on ties).
    Score -inf (positions 0) when no pair is valid."""
    starts = logits[offset:offset + length, 0]
    ends = logits[offset:offset + length, 1]
    k = min(n_best, length)
    si = np.argsort(-starts, kind="stable")[:k]
    ei = np.argsort(-ends, kind="stable")[:k]
    scores = starts[si][:, None] + ends[ei][None, :]
    gap = ei[None, :] - si[:, None]
    scores = np.where((gap >= 0) & (gap < max_answer_length), scores,
                      np.float32(NEG_INF))
    if not scores.size:
        return NEG_INF, 0, 0
    flat = int(np.argmax(scores))
    i, j = divmod(flat, k)
    if scores[i, j] == NEG_INF:
        return NEG_INF, 0, 0
    return scores[i, j], offset + int(si[i]), offset + int(ei[j])


def _probability(logits, start, end, offset, length):
    """p(start) * p(end), each a softmax over [CLS] and the context."""
    logits = np.asarray(logits, np.float64)
    positions = np.r_[0, np.arange(offset, offset + length)]
    total = 1.0
    for column, position in ((0, start), (1, end)):
        row = logits[positions, column]
        top = row.max()
        total *= np.exp(logits[position, column] - top) / np.exp(
            row - top).sum()
    return total


def _span_nll(logits, label):
    """The loss `span_loss` gives one feature (NumPy, its own tokens)."""
    total = 0.0
    for column, position in enumerate(label):
        row = logits[:, column]
        top = row.max()
        total += top + np.log(np.exp(row - top).sum()) - row[position]
    return total / 2


def _mask_padding(logits, attention_mask):
    """Padding positions get a logit of -1e4: no probability."""
    import tensorflow as tf

    mask = tf.cast(attention_mask, tf.bool)[:, :, None]
    return tf.where(mask, logits, tf.constant(-1e4, logits.dtype))


def span_loss(y_true, y_pred):
    """The mean cross-entropy of the start and the end position
    (`y_true` [batch, 2] positions, `y_pred` [batch, length, 2] logits)."""
    import tensorflow as tf

    y_true = tf.cast(y_true, tf.int32)
    y_pred = tf.cast(y_pred, tf.float32)
    losses = [tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=y_true[:, k], logits=y_pred[:, :, k]) for k in (0, 1)]
    return (losses[0] + losses[1]) / 2
