"""Token classification (NER): one tag per word, entities from tags.

Examples are sentences: a list of words (`data.tokens_column`) with a tag
each (`data.tags_column`), or raw text (a `text` column, split into words
with character offsets by `tfft.data.words`). Tags follow a scheme (IOB1,
IOB2, IOBES or BILOU; detected from train unless `data.tag_scheme` says)
and are decoded into entities the way seqeval does.

Features: each word is tokenized on its own (as transformers'
`is_split_into_words`); the first sub-token of a word carries its tag and
the others are ignored by the loss (-100), or all carry it with
`data.label_all_subtokens`. A sentence longer than `data.max_length`
tokens is split into windows that share `data.stride` tokens; each word is
predicted from the window where its first sub-token has the most context
on both sides (BERT's max-context rule), so every word of every sentence
gets a prediction and is scored: nothing is truncated.
"""

import numpy as np

from tfft import metrics
from tfft.data import words as words_lib
from tfft.data.windows import max_context_window
from tfft.data.windows import windows
from tfft.errors import UserError
from tfft.tasks.base import EXAMPLE_ID
from tfft.tasks.base import Task
from tfft.tasks.base import column_values
from tfft.tasks.base import dense_head
from tfft.tasks.base import label_config
from tfft.tasks.base import token_loss

LABELS = "labels"  # per-token tag ids of a feature (-100: ignored)
TAG_IDS = "tag_ids"  # per-word tag ids of an example
WORD_IDS = "word_ids"  # per token of a feature: its word (-1: special)
OWNED = "owned"  # words a feature predicts (its max-context words)
TEXT = "text"  # raw-text inputs
IGNORE = -100
SCHEMES = ("auto", "IOB1", "IOB2", "IOBES", "BILOU")
PREFIXES = {"IOB1": "BI", "IOB2": "BI", "IOBES": "BIES", "BILOU": "BILU"}
AGGREGATIONS = ("simple", "first", "average", "max")
DECODINGS = ("viterbi", "argmax")


def split_tag(tag: str):
    """'B-PER' -> ('B', 'PER'); 'O' -> ('O', '')."""
    if tag == "O":
        return "O", ""
    prefix, sep, kind = tag.partition("-")
    if not sep or len(prefix) != 1 or not kind:
        return None, tag
    return prefix, kind


def detect_scheme(sequences) -> str:
    """The tag scheme of tag sequences (lists of strings): BILOU if they
    use L- or U-, IOBES if E- or S-, else IOB1 if an entity ever starts
    with I- (after O or another type), else IOB2."""
    prefixes = set()
    starts_with_i = False
    for tags in sequences:
        previous = "O"
        for tag in tags:
            prefix, kind = split_tag(tag)
            if prefix is None:
                raise UserError(
                    f"tag {tag!r} is not O or PREFIX-TYPE (e.g. B-PER); "
                    "token classification needs IOB1, IOB2, IOBES or BILOU "
                    "tags")
            prefixes.add(prefix)
            if prefix == "I":
                before, before_kind = split_tag(previous)
                if before == "O" or before_kind != kind:
                    starts_with_i = True
            previous = tag
    prefixes.discard("O")
    if prefixes & set("LU"):
        scheme = "BILOU"
    elif prefixes & set("ES"):
        scheme = "IOBES"
    else:
        scheme = "IOB1" if starts_with_i else "IOB2"
    unknown = prefixes - set(PREFIXES[scheme])
    if unknown:
        raise UserError(
            f"the tags mix prefixes {sorted(prefixes)}, which no one scheme "
            "has (IOB1/IOB2: B I; IOBES: B I E S; BILOU: B I L U)")
    return scheme


def for_seqeval(tags, scheme):
    """seqeval's default mode reads B I E S: BILOU's L/U become E/S."""
    if scheme != "BILOU":
        return list(tags)
    swap = {"L": "E", "U": "S"}
    out = []
    for tag in tags:
        prefix, kind = split_tag(tag)
        out.append(f"{swap.get(prefix, prefix)}-{kind}" if kind else tag)
    return out


def entity_spans(tags, scheme):
    """[(type, first word, last word)] as seqeval's default mode decodes
    `tags` (`get_entities`)."""
    from seqeval.metrics.sequence_labeling import get_entities

    return get_entities(for_seqeval(tags, scheme))


def softmax(logits):
    logits = np.asarray(logits, np.float64)
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


class TokenClassification(Task):
    name = "token_classification"
    hf_auto_class = "TFAutoModelForTokenClassification"
    pipeline_tag = "token-classification"
    pipeline_options = prediction_options = ("aggregation_strategy",)
    main_metric = "f1"
    output_kind = "token"
    loss_per = "token"

    def load_state(self, state):
        self.label_names = list(state.get("label_names", []))
        self.scheme = state.get("scheme", "")

    def state(self):
        return {"label_names": self.label_names, "scheme": self.scheme}

    @property
    def num_labels(self):
        return len(self.label_names)

    @property
    def input_columns(self):
        return [TEXT]

    def conll_files(self):
        return True

    def validate_config(self):
        d = self.config.data
        for name in ("tokens_column", "tags_column"):
            if not getattr(d, name):
                raise UserError(f"config data.{name} is empty; set it")
        if self.config.model.tag_decoding not in DECODINGS:
            raise UserError(
                f"config model.tag_decoding={self.config.model.tag_decoding!r}"
                f" is not one of {', '.join(DECODINGS)}; set "
                "--config.model.tag_decoding")
        if d.tag_scheme not in SCHEMES:
            raise UserError(
                f"config data.tag_scheme={d.tag_scheme!r} is not one of "
                f"{', '.join(SCHEMES)}; set --config.data.tag_scheme")
        room = d.max_length - 2
        if not 0 <= d.stride < room:
            raise UserError(
                f"config data.stride={d.stride} must be from 0 to "
                f"data.max_length - 3 = {room - 1} (the tokens consecutive "
                "windows share); lower --config.data.stride")

    # -- data -------------------------------------------------------------
    def _tag_strings(self, dataset, split):
        """Each row's tags as strings, checked against its tokens."""
        d = self.config.data
        feature = dataset.features[d.tags_column]
        inner = getattr(feature, "feature", None)
        names = getattr(inner, "names", None)  # Sequence(ClassLabel)
        if names is None and d.label_names:
            names = [n.strip() for n in d.label_names.split(",")
                     if n.strip()]
        rows = []
        for row, (tokens, tags) in enumerate(zip(
                dataset[d.tokens_column][:], dataset[d.tags_column][:]), 1):
            if tags is None or len(tags) != len(tokens):
                raise UserError(
                    f"the {split} data row {row} has {len(tokens)} tokens "
                    f"and {0 if tags is None else len(tags)} tags; each "
                    "token needs exactly one tag")
            if tags and not isinstance(tags[0], str):
                if names is None:
                    raise UserError(
                        f"the {split} tags are integers with no names; name "
                        "them in id order with --config.data.label_names="
                        "O,B-PER,I-PER,...")
                try:
                    tags = [names[int(t)] for t in tags]
                except (IndexError, ValueError):
                    raise UserError(
                        f"the {split} data row {row} has tag id outside "
                        f"0..{len(names) - 1} ({names})") from None
            rows.append(list(tags))
        return rows

    def _encode(self, dataset, split, tag_rows):
        index = {n: i for i, n in enumerate(self.label_names)}
        for row, tags in enumerate(tag_rows, 1):
            for tag in tags:
                if tag not in index:
                    raise UserError(
                        f"the {split} data row {row} has tag {tag!r}, which "
                        f"the train tags {self.label_names} do not have; "
                        "fix the file or list every tag in "
                        "--config.data.label_names")
        ids = [[index[t] for t in tags] for tags in tag_rows]
        if TAG_IDS in dataset.column_names:
            dataset = dataset.remove_columns(TAG_IDS)
        return dataset.add_column(TAG_IDS, ids)

    def _learn(self, train_tags):
        d = self.config.data
        found = detect_scheme(train_tags)
        if d.tag_scheme == "auto":
            self.scheme = found
        else:
            self.scheme = d.tag_scheme
            allowed = set(PREFIXES[self.scheme]) | {"O"}
            for tags in train_tags:
                for tag in tags:
                    if split_tag(tag)[0] not in allowed:
                        raise UserError(
                            f"tag {tag!r} is outside the {self.scheme} "
                            f"scheme (prefixes {PREFIXES[self.scheme]}); "
                            "fix the tags or --config.data.tag_scheme")
        if d.label_names:
            self.label_names = [n.strip() for n in d.label_names.split(",")
                                if n.strip()]
        else:
            found_tags = {t for tags in train_tags for t in tags}
            self.label_names = (["O"] if "O" in found_tags else []) + \
                sorted(found_tags - {"O"})

    def prepare(self, splits):
        from tfft.data import splits as splits_lib

        d = self.config.data
        tag_rows = {}
        splits = type(splits)(splits)
        for split, dataset in splits.items():
            self.require_columns(dataset, split,
                                 ["tokens_column", "tags_column"],
                                 what="sentences")
            splits[split] = dataset = self.require_texts(
                dataset, split, [d.tokens_column])
            tag_rows[split] = self._tag_strings(dataset, split)
        if not self.label_names:
            self._learn(tag_rows["train"])
        encoded = type(splits)({
            split: self._encode(ds, split, tag_rows[split])
            for split, ds in splits.items()})
        return splits_lib.complete(encoded, d, self.config.seed)

    def prepare_labeled(self, dataset, split):
        self.require_columns(dataset, split,
                             ["tokens_column", "tags_column"],
                             what="sentences")
        dataset = self.require_texts(dataset, split,
                                     [self.config.data.tokens_column])
        return self._encode(dataset, split, self._tag_strings(dataset, split))

    def read_inputs(self, path):
        """Raw text (a .txt line each, or a `text` column), or words (a
        `data.tokens_column` column of lists)."""
        from tfft.data import sources

        tokens = self.config.data.tokens_column
        if path.endswith(".txt"):
            return self.require_texts(sources.read_inputs(path, [TEXT]),
                                      f"input ({path})", [TEXT], inputs=True)
        dataset = sources.load_files(sources.expand(path), "input")
        for column in (tokens, TEXT):  # read once, whichever it holds
            if column in dataset.column_names:
                return self.require_texts(dataset.select_columns([column]),
                                          f"input ({path})", [column],
                                          inputs=True)
        raise UserError(
            f"{path} has neither a {TEXT!r} column (raw text) nor a "
            f"{tokens!r} column (lists of words); its columns are "
            f"{dataset.column_names}")

    def words(self, examples):
        """Each example's words, and their character spans in its text
        (None for examples given as words)."""
        tokens = self.config.data.tokens_column
        if tokens in examples.column_names:
            return examples[tokens], None
        texts = [t or "" for t in examples[TEXT]]
        spans = [words_lib.split_words(t) for t in texts]
        return ([[t[a:b] for a, b in s] for t, s in zip(texts, spans)],
                spans)

    def tokenize(self, dataset, tokenizer):
        import datasets

        d = self.config.data
        sentences, _ = self.words(dataset)
        vocabulary = sorted({w for words in sentences for w in words})
        pieces = dict(zip(vocabulary, tokenizer.tokenize_words(vocabulary)))
        unk = [tokenizer.unk_id]
        tags = column_values(dataset, TAG_IDS)  # read once, not per word
        continue_id = self._continuation_ids()
        length = d.max_length - 2  # room for [CLS] and [SEP]
        columns = {k: [] for k in ("input_ids", "token_type_ids", WORD_IDS,
                                   OWNED, EXAMPLE_ID)}
        if tags is not None:
            columns[LABELS] = []
        for example, words in enumerate(sentences):
            ids, word_of, firsts = [], [], []
            for w, word in enumerate(words):
                firsts.append(len(ids))
                word_ids = pieces[word] or unk  # every word gets a token
                ids.extend(word_ids)
                word_of.extend([w] * len(word_ids))
            spans = windows(len(ids), length, d.stride)
            owner = [max_context_window(p, spans) for p in firsts]
            for k, (start, end) in enumerate(spans):
                columns["input_ids"].append(
                    [tokenizer.start_id, *ids[start:end], tokenizer.end_id])
                columns["token_type_ids"].append([0] * (end - start + 2))
                columns[WORD_IDS].append([-1, *word_of[start:end], -1])
                columns[OWNED].append(
                    [w for w, o in enumerate(owner) if o == k])
                columns[EXAMPLE_ID].append(example)
                if tags is None:
                    continue
                labels = [IGNORE]
                for p in range(start, end):
                    w = word_of[p]
                    if p == firsts[w]:
                        labels.append(tags[example][w])
                    elif d.label_all_subtokens:
                        labels.append(continue_id[tags[example][w]])
                    else:
                        labels.append(IGNORE)
                columns[LABELS].append(labels + [IGNORE])
        return datasets.Dataset.from_dict(columns)

    def _continuation_ids(self):
        """Tag id of a word's later sub-tokens (`label_all_subtokens`):
        B-X becomes I-X where the tag set has it, as transformers'
        run_ner does; other tags stay."""
        index = {n: i for i, n in enumerate(self.label_names)}
        out = []
        for name in self.label_names:
            prefix, kind = split_tag(name)
            out.append(index.get(f"I-{kind}", index[name])
                       if prefix == "B" else index[name])
        return out

    def collator(self, tokenizer, static=False):
        collate = super().collator(tokenizer, static)
        collate.sequence_columns += (LABELS,)
        collate.pad_values[LABELS] = IGNORE
        return collate

    # -- model ------------------------------------------------------------
    def hf_config_overrides(self):
        return label_config(self.label_names)

    def build_head(self, keras, model_config):
        return dense_head(keras, model_config, self.num_labels)

    def apply_head(self, layers, features, training):
        import tensorflow as tf

        x = tf.cast(features["sequence_output"], tf.float32)
        x = layers["dropout"](x, training=training)
        return layers["classifier"](x)

    def build_losses(self, keras):
        del keras
        return token_loss

    # -- decoding ---------------------------------------------------------
    def allowed_transitions(self):
        """[K + 1, K + 1] bools: tag i may be followed by tag j; index K is
        the sentence's start (row) and end (column). Valid in the scheme:
        IOB2: I-X only after B-X or I-X; IOB1: B-X only after a tag of
        type X; IOBES / BILOU: I and E (L) only inside an entity of their
        type, B and S (U) and O only outside one."""
        k = self.num_labels
        allowed = np.ones((k + 1, k + 1), bool)
        tags = [split_tag(n) for n in self.label_names]
        bilou = {"L": "E", "U": "S"}
        for j, (prefix, kind) in enumerate(tags):
            prefix = bilou.get(prefix, prefix)
            for i, (before, before_kind) in enumerate(tags + [("O", "")]):
                before = bilou.get(before, before)
                same = before_kind == kind
                if self.scheme == "IOB2":
                    ok = prefix != "I" or (same and before in "BI")
                elif self.scheme == "IOB1":
                    ok = prefix != "B" or (same and before in "BI")
                else:  # IOBES, BILOU
                    open_ = before in "BI"
                    ok = (same and open_) if prefix in "IE" else not open_
                allowed[i, j] = ok
            # The end of a sentence closes every entity.
            if self.scheme in ("IOBES", "BILOU"):
                allowed[j, k] = prefix not in "BI"
        return allowed

    def decode(self, probs):
        """Per example, the tag ids of its words from their probabilities
        ([words, K] arrays), by `model.tag_decoding`."""
        if self.config.model.tag_decoding == "argmax" or not probs:
            return [p.argmax(-1) for p in probs]
        import tensorflow_text as tf_text

        lengths = [len(p) for p in probs]
        scores = np.zeros((len(probs), max(lengths), self.num_labels),
                          np.float32)
        for i, p in enumerate(probs):
            scores[i, :len(p)] = np.log(np.maximum(p.astype(np.float32),
                                                   1e-12))
        tags = tf_text.viterbi_constrained_sequence(
            scores, sequence_length=lengths,
            allowed_transitions=self.allowed_transitions(),
            use_log_space=True, use_start_and_end_states=True)
        return [np.asarray(row, int) for row in tags.to_list()]

    # -- evaluation -------------------------------------------------------
    def word_probabilities(self, outputs, features, num_examples,
                           aggregation="first"):
        """Per example, a [words, labels] array of probabilities: from
        the first sub-token of each word in the window that owns it
        ("first"), their mean ("average"), or the sub-token with the
        highest probability ("max")."""
        result = [None] * num_examples
        word_ids = features[WORD_IDS][:]  # read once, not per row
        for f, (example, owned) in enumerate(zip(features[EXAMPLE_ID],
                                                 features[OWNED])):
            if result[example] is None:
                result[example] = {}
            ids = np.asarray(word_ids[f])
            probs = softmax(outputs[f])
            for w in owned:
                rows = probs[ids == w]
                if aggregation == "average":
                    result[example][w] = rows.mean(axis=0)
                elif aggregation == "max":
                    result[example][w] = rows[rows.max(axis=1).argmax()]
                else:
                    result[example][w] = rows[0]
        return [np.stack([found[w] for w in range(len(found))])
                if found else np.zeros((0, self.num_labels))
                for found in result]

    def evaluate(self, outputs, features, examples):
        probs = self.word_probabilities(outputs, features, len(examples))
        gold_ids = examples[TAG_IDS]
        names = np.asarray(self.label_names)
        predicted = [list(names[t]) for t in self.decode(probs)]
        gold = [list(names[np.asarray(g, int)]) for g in gold_ids]
        nll = [-np.log(np.maximum(p[np.arange(len(g)), g], 1e-12))
               for p, g in zip(probs, gold_ids) if len(g)]
        module = metrics.load("seqeval")
        scores = module.compute(
            predictions=[for_seqeval(t, self.scheme) for t in predicted],
            references=[for_seqeval(t, self.scheme) for t in gold])
        strict = module.compute(predictions=predicted, references=gold,
                                mode="strict", scheme=self.scheme)
        per_type = {k: {"precision": v["precision"], "recall": v["recall"],
                        "f1": v["f1"], "support": v["number"]}
                    for k, v in scores.items() if isinstance(v, dict)}
        return {
            "f1": scores["overall_f1"],
            "precision": scores["overall_precision"],
            "recall": scores["overall_recall"],
            "accuracy": scores["overall_accuracy"],
            "strict_f1": strict["overall_f1"],
            "strict_precision": strict["overall_precision"],
            "strict_recall": strict["overall_recall"],
            "loss": float(np.mean(np.concatenate(nll))) if nll else 0.0,
            "num_examples": len(examples),
            "num_words": int(sum(len(g) for g in gold_ids)),
            "per_type": per_type,
        }

    def predictions(self, outputs, features, examples,
                    aggregation_strategy="first", **options):
        del options
        if aggregation_strategy not in AGGREGATIONS:
            raise UserError(
                f"aggregation strategy {aggregation_strategy!r} is not one "
                f"of {', '.join(AGGREGATIONS)}")
        sentences, spans = self.words(examples)
        texts = examples[TEXT][:] if spans is not None else None
        names = self.label_names
        gold = column_values(examples, TAG_IDS)
        if aggregation_strategy == "simple":
            token_tags = self._token_entities(outputs, features, len(examples))
        else:
            probs = self.word_probabilities(outputs, features, len(examples),
                                            aggregation_strategy)
            decoded = self.decode(probs)
        records = []
        for i, words in enumerate(sentences):
            if aggregation_strategy == "simple":
                tags, scores, groups = token_tags[i]
            else:
                tags = [names[j] for j in decoded[i]]
                scores = probs[i][np.arange(len(tags)), decoded[i]]
                groups = None
            if spans is None:
                record = {self.config.data.tokens_column: list(words)}
                if gold is not None:
                    record["tags"] = [names[j] for j in gold[i]]
                record["predicted"] = _word_tags(tags, groups, len(words))
                records.append(record)
                continue
            text = texts[i] or ""
            records.append({TEXT: text, "entities": self._entities(
                text, spans[i], tags, scores, groups)})
        return records

    def _token_entities(self, outputs, features, num_examples):
        """"simple": per example, the tags and scores of every sub-token in
        its owning window, and the word of each."""
        per_example = [([], [], []) for _ in range(num_examples)]
        word_ids = features[WORD_IDS][:]  # read once, not per row
        for f, (example, owned) in enumerate(zip(features[EXAMPLE_ID],
                                                 features[OWNED])):
            ids = np.asarray(word_ids[f])
            probs = softmax(outputs[f])
            tags, scores, groups = per_example[example]
            for w in owned:
                for row in probs[ids == w]:
                    tags.append(self.label_names[int(row.argmax())])
                    scores.append(float(row.max()))
                    groups.append(w)
        return per_example

    def _entities(self, text, spans, tags, scores, groups):
        """Entity groups (as transformers' pipeline returns them) from
        per-word tags, or per-sub-token tags with their `groups` (words):
        character offsets into `text`; `word` is exactly `text[start:end]`
        (an entity found on sub-tokens covers their whole words)."""
        entities = []
        for kind, first, last in entity_spans(tags, self.scheme):
            a, b = first, last
            if groups is not None:
                a, b = groups[first], groups[last]
            start, end = spans[a][0], spans[b][1]
            entities.append({
                "entity_group": kind,
                "score": round(float(np.mean(scores[first:last + 1])), 6),
                "word": text[start:end], "start": start, "end": end})
        return entities

    def pipeline_result(self, record, **options):
        """transformers' token-classification result with an aggregation
        strategy: the entity groups (`entity_group`, `score`, `word`,
        `start`, `end`)."""
        del options
        return record["entities"]

    # -- export -----------------------------------------------------------
    def serving_outputs(self, outputs):
        import tensorflow as tf

        logits = tf.cast(outputs, tf.float32)
        tag_id = tf.argmax(logits, axis=-1)
        return {"tag_id": tag_id,
                "tag": tf.gather(tf.constant(self.label_names), tag_id),
                "logits": logits}

    def _tag_codes(self):
        """Per tag id: its seqeval prefix as O=0 B=1 I=2 E=3 S=4 (BILOU's
        L/U as E/S) and its type as an index into `types`."""
        codes = {"O": 0, "B": 1, "I": 2, "E": 3, "S": 4, "L": 3, "U": 4}
        types = [""] + sorted({split_tag(n)[1] for n in self.label_names}
                              - {""})
        prefixes = [codes[split_tag(n)[0]] for n in self.label_names]
        kinds = [types.index(split_tag(n)[1]) for n in self.label_names]
        return prefixes, kinds, types

    def serving_fn(self, tokenizer, from_token_ids):
        """Raw sentences -> entities, all in the graph: words with offsets
        (`graph_words.split_words`), each word tokenized on its own,
        windows of max_length with the run's stride, the model, each word
        from its max-context window (first sub-token: aggregation
        "first"), the tags decoded as `decode` does (the same Viterbi op),
        and seqeval's chunk rules for the entities.

        Outputs ([batch, ...], padded): `entity_group`, `entity_text`
        (exactly the input substring), `entity_start` / `entity_end`
        (character offsets into the input), `entity_score`,
        `num_entities`; per word: `word`, `word_start`, `word_end`,
        `word_tag`, `word_score`, `num_words`."""
        import tensorflow as tf
        import tensorflow_text as tf_text

        from tfft.export import graph_words

        d = self.config.data
        length, stride = d.max_length - 2, d.stride
        pieces = tokenizer.word_pieces
        packer = tokenizer.packer
        unk_id = tokenizer.unk_id
        prefixes, kinds, types = self._tag_codes()
        viterbi = self.config.model.tag_decoding == "viterbi"
        allowed = tf.constant(self.allowed_transitions())
        label_names = tf.constant(self.label_names)
        prefix_of = tf.constant(prefixes, tf.int64)
        kind_of = tf.constant(kinds, tf.int64)
        type_names = tf.constant(types)

        def serve(text):
            words, char_begin, char_end, byte_begin, byte_end = \
                graph_words.split_words(text)
            sentence = words.value_rowids()
            tokens, first, _ = graph_words.word_tokens(words, pieces, unk_id)
            inputs, spans = graph_words.window_inputs(tokens, length, stride,
                                                      packer)
            logits = from_token_ids(inputs)["logits"]  # (float32)
            probs = tf.nn.softmax(graph_words.at_max_context(
                logits, first, sentence, spans))
            if viterbi:  # as `decode`: the same op, the same scores
                scores = words.with_flat_values(tf.math.log(
                    tf.maximum(probs, 1e-12)))
                tag = tf.cast(tf_text.viterbi_constrained_sequence(
                    scores.to_tensor(0.0),
                    sequence_length=words.row_lengths(),
                    allowed_transitions=allowed, use_log_space=True,
                    use_start_and_end_states=True).flat_values, tf.int64)
            else:
                tag = tf.argmax(probs, axis=-1)
            score = tf.gather(probs, tag, batch_dims=1)
            kind = tf.gather(kind_of, tag)
            first_of, last_of, entity_score, per_sentence = _graph_chunks(
                tf.gather(prefix_of, tag), kind, score, words,
                tf.size(text, tf.int64))
            b0 = tf.gather(byte_begin.flat_values, first_of)
            b1 = tf.gather(byte_end.flat_values, last_of)
            entity_text = tf.strings.substr(
                tf.gather(graph_words.valid_utf8(text),
                          tf.gather(sentence, first_of)), b0, b1 - b0)

            def padded(values, fill):
                return tf.RaggedTensor.from_row_lengths(
                    values, per_sentence).to_tensor(fill)

            def per_word(values, fill):
                return words.with_flat_values(values).to_tensor(fill)

            return {
                "entity_group": padded(tf.gather(
                    type_names, tf.gather(kind, first_of)), ""),
                "entity_text": padded(entity_text, ""),
                "entity_start": padded(tf.gather(char_begin.flat_values,
                                                 first_of), -1),
                "entity_end": padded(tf.gather(char_end.flat_values,
                                               last_of), -1),
                "entity_score": padded(entity_score, 0.0),
                "num_entities": per_sentence,
                "word": words.to_tensor(""),
                "word_start": char_begin.to_tensor(-1),
                "word_end": char_end.to_tensor(-1),
                "word_tag": per_word(tf.gather(label_names, tag), ""),
                "word_score": per_word(score, 0.0),
                "num_words": words.row_lengths(),
            }

        return serve

    def serving_predictions(self, outputs, examples,
                            aggregation_strategy="first", **options):
        del options
        if aggregation_strategy != "first":
            raise UserError(
                "a SavedModel decodes entities with aggregation 'first' "
                "(fixed at export); use --aggregation_strategy=first, or "
                "--model=RUN_FOLDER for the others")
        if self.config.data.tokens_column in examples.column_names:
            raise UserError(
                "a SavedModel takes raw text (a .txt line each, or a 'text' "
                "column); for lists of words use --model=RUN_FOLDER")
        records = []
        for i, text in enumerate(examples[TEXT]):
            entities = []
            for k in range(int(outputs["num_entities"][i])):
                entities.append({
                    "entity_group": outputs["entity_group"][i, k].decode(),
                    "score": round(float(outputs["entity_score"][i, k]), 6),
                    "word": outputs["entity_text"][i, k].decode(),
                    "start": int(outputs["entity_start"][i, k]),
                    "end": int(outputs["entity_end"][i, k])})
            records.append({TEXT: text or "", "entities": entities})
        return records


def _graph_chunks(prefix, kind, score, words, batch_size):
    """seqeval's chunks of tagged words, as TF ops: a word starts a chunk
    by seqeval's `start_of_chunk` on (previous word, word), and a chunk
    runs over the non-O words up to the next start (the pairwise rule
    decides every boundary, so it vectorises). `prefix`: O=0 B=1 I=2 E=3
    S=4 per word (flat); `kind`: the type index. Returns each chunk's
    first and last word (flat indices), mean word score, and the number
    of chunks per sentence."""
    import tensorflow as tf

    sentence = words.value_rowids()
    first_word = tf.equal(tf.range(tf.size(prefix, tf.int64)),
                          tf.gather(words.row_splits, sentence))
    before = tf.where(first_word, tf.zeros_like(prefix),
                      tf.roll(prefix, 1, 0))
    before_kind = tf.where(first_word, tf.zeros_like(kind),
                           tf.roll(kind, 1, 0))
    inside = tf.not_equal(prefix, 0)
    continues = tf.equal(prefix, 2) | tf.equal(prefix, 3)  # I, E
    starts = inside & (
        tf.equal(prefix, 1) | tf.equal(prefix, 4)
        | (tf.equal(before, 0) & continues)
        | ((tf.equal(before, 3) | tf.equal(before, 4)) & continues)
        | tf.not_equal(before_kind, kind))
    chunk = tf.cumsum(tf.cast(starts, tf.int64)) - 1
    member = tf.where(inside)[:, 0]
    count = tf.reduce_sum(tf.cast(starts, tf.int64))
    of = tf.gather(chunk, member)
    return (tf.math.unsorted_segment_min(member, of, count),
            tf.math.unsorted_segment_max(member, of, count),
            tf.math.unsorted_segment_mean(tf.gather(score, member), of,
                                          count),
            tf.math.unsorted_segment_sum(tf.cast(starts, tf.int64),
                                         sentence, batch_size))


def _word_tags(tags, groups, num_words):
    """Per-word tags: as they are, or each word's first sub-token's."""
    if groups is None:
        return list(tags)
    out = ["O"] * num_words
    seen = set()
    for tag, w in zip(tags, groups):
        if w not in seen:
            out[w] = tag
            seen.add(w)
    return out
