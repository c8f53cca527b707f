"""Summarization (seq2seq): a source text in, a generated text out.

The model is an encoder-decoder trained with teacher forcing: the target's
ids are the labels (less a leading copy of the decoder start token:
`target_labels`), and the decoder reads them shifted right behind the
model's decoder start token (as transformers' `shift_tokens_right`); the
loss ignores padding. Evaluation generates (greedy or beam search, the
`generate.*` config) and scores ROUGE-1/2/L/Lsum (`tfft.metrics`'s `rouge`,
stemmer on), with the generated length and the lead-3 baseline (the
source's first three sentences as the summary) beside them.

Generation is one traced function (the family's `generator`, a
`tfft.models.generation.TracedGenerator`) shared by evaluation, prediction
and the SavedModel, whose `serving_default` takes raw source texts and
returns the generated `summary` texts: tokenization, generation with the
run's `generate.*` settings, and detokenization are TF ops.

The models: for the hf family any `TFAutoModelForSeq2SeqLM` checkpoint
(T5, BART, ...) or an encoder-decoder warm-started from an encoder
(`model.encoder_decoder`); for the keras_hub family keras-hub's
`Seq2SeqLM` task for the checkpoint's backbone (`BartSeq2SeqLM`,
`T5Seq2SeqLM`), whose samplers have no length penalty or minimum length
(refused); the n-gram ban is tfft's, in both families.
"""

import numpy as np
from absl import logging

from tfft.data import sources
from tfft.errors import UserError
from tfft.tasks.base import Task
from tfft.tasks.base import column_values
from tfft.tasks.base import token_loss

SOURCE, TARGET = "source", "target"
LEAD_K = 3
# generate.* settings that change nothing at these values (the generators'
# defaults); keras-hub's samplers lack the first two (tfft bans n-grams).
NOT_IN_KERAS_HUB = (("length_penalty", 1.0), ("min_length", 0))
NEUTRAL_SETTINGS = NOT_IN_KERAS_HUB + (("no_repeat_ngram_size", 0),)


def lead(text: str, k: int = LEAD_K) -> str:
    """The first `k` sentences of `text` (the lead-k baseline)."""
    from tfft.metrics import sentences

    return " ".join(sentences.split(text)[:k])


def rouge(predictions, references) -> dict:
    from tfft import metrics

    return metrics.load("rouge").compute(
        predictions=list(predictions), references=list(references),
        use_stemmer=True)


def _has_decoder(path) -> bool:
    """Whether a local checkpoint's config.json is an encoder-decoder's
    (T5, BART, transformers' EncoderDecoder ...); True where it cannot be
    read (a hub name: the loader says)."""
    import json
    import os

    from tfft import assets

    try:
        file = os.path.join(assets.resolve_model_path(path), "config.json")
        with open(file) as f:
            config = json.load(f)
    except (OSError, ValueError, UserError):
        return True
    if "class_name" in config:  # a keras-hub preset: its builder says
        return True
    return bool(config.get("is_encoder_decoder")) or config.get(
        "model_type") == "encoder-decoder"


def target_labels(ids: list, decoder_start_id: int) -> list:
    """The labels of a tokenized target: its ids, without a leading copy
    of the decoder's start token. A BERT tokenizer starts every text with
    [CLS], which is also the decoder start of an encoder-decoder warm-
    started from BERT: kept, it would teach the decoder that [CLS] follows
    [CLS], and a model early in training then generates [CLS] forever
    (empty texts). T5 targets have no start token and BART's start token
    (<s>) differs from its decoder start (</s>): theirs stay whole."""
    return ids[1:] if ids and ids[0] == decoder_start_id else list(ids)


class Summarization(Task):
    name = "summarization"
    hf_auto_class = "TFAutoModelForSeq2SeqLM"
    keras_hub_class = "Seq2SeqLM"
    pipeline_tag = "summarization"
    main_metric = "rougeL"
    output_kind = "generated"
    loss_per = "token"
    # The seq2seq model is the transformers class itself: no tfft head.
    native_only = True

    @property
    def input_columns(self):
        return [SOURCE]

    def validate_config(self):
        d, m = self.config.data, self.config.model
        for name in ("source_column", "target_column"):
            if not getattr(d, name):
                raise UserError(f"config data.{name} is empty; set it")
        if m.family == "keras_hub" and m.encoder_decoder:
            raise UserError(
                "config model.encoder_decoder (the BERT2BERT warm start) is "
                "built for model.family=hf; set --config.model.family=hf")
        for name in ("max_source_length", "max_target_length"):
            if getattr(d, name) < 4:
                raise UserError(f"config data.{name} must be at least 4")
        g = self.config.generate
        for name, least in (("num_beams", 1), ("max_new_tokens", 1),
                            ("min_length", 0), ("no_repeat_ngram_size", 0)):
            if getattr(g, name) < least:
                raise UserError(
                    f"config generate.{name}={getattr(g, name)}; it must "
                    f"be at least {least}")
        if m.family == "keras_hub":
            for name, neutral in NOT_IN_KERAS_HUB:
                if getattr(g, name) != neutral:
                    raise UserError(
                        f"config generate.{name}={getattr(g, name)}: "
                        "keras-hub's samplers have no such setting; set it "
                        f"to {neutral} or use --config.model.family=hf")
        t = self.config.train
        if t.head_lr_multiplier != 1.0 or t.layer_lr_decay != 1.0:
            # An encoder-decoder has no single stack of layers under a
            # head: the decoder would count as the head.
            raise UserError(
                "config train.head_lr_multiplier and train.layer_lr_decay "
                "are for encoder models (classification, NER, QA); set both "
                "to 1.0 for summarization")
        if g.min_length > g.max_new_tokens:
            raise UserError(
                f"config generate.min_length={g.min_length} is more than "
                f"generate.max_new_tokens={g.max_new_tokens}; lower it")
        if not m.encoder_decoder and not _has_decoder(m.path):
            raise UserError(
                f"config model.path={m.path!r} is an encoder-only checkpoint "
                "with no decoder; summarization needs an encoder-decoder (T5,"
                " BART, ...), or set --config.model.encoder_decoder=true to "
                "warm-start one from it (BERT2BERT)")

    # -- data -------------------------------------------------------------
    def _examples(self, dataset, split, labeled):
        d = self.config.data
        fields = ["source_column"] + (["target_column"] if labeled else [])
        self.require_columns(dataset, split, fields)
        dataset = self.require_texts(
            dataset, split, [getattr(d, f) for f in fields],
            inputs=not labeled)
        import datasets

        columns = {SOURCE: dataset[d.source_column][:]}
        if labeled:
            columns[TARGET] = dataset[d.target_column][:]
        return datasets.Dataset.from_dict(columns)

    def prepare(self, splits):
        from tfft.data import splits as splits_lib

        examples = type(splits)({
            split: self._examples(dataset, split, labeled=True)
            for split, dataset in splits.items()})
        return splits_lib.complete(examples, self.config.data,
                                   self.config.seed)

    def prepare_labeled(self, dataset, split):
        return self._examples(dataset, split, labeled=True)

    def read_inputs(self, path):
        dataset = sources.read_inputs(path, [self.config.data.source_column])
        return self._examples(dataset, f"input ({path})", labeled=False)

    def tokenize(self, dataset, tokenizer):
        d = self.config.data
        prefix = d.source_prefix
        start = tokenizer.decoder_start_id

        def encode(batch):
            out = {"input_ids": tokenizer.encode(
                [prefix + t for t in batch[SOURCE]],
                max_length=d.max_source_length)["input_ids"]}
            if TARGET in batch:
                targets = tokenizer.encode(
                    batch[TARGET], max_length=d.max_target_length)[
                        "input_ids"]
                labels = [target_labels(ids, start) for ids in targets]
                out["labels"] = labels
                out["decoder_input_ids"] = [[start] + ids[:-1]
                                            for ids in labels]
            return out

        return dataset.map(encode, batched=True, batch_size=1024,
                           keep_in_memory=True, load_from_cache_file=False,
                           remove_columns=dataset.column_names)

    def collator(self, tokenizer, static=False):
        from tfft.data.collators import PadSourceAndTarget

        del static
        return PadSourceAndTarget(pad_id=tokenizer.pad_id)

    # -- model ------------------------------------------------------------
    def build_head(self, keras, model_config):
        return {}

    def apply_head(self, layers, features, training):
        raise NotImplementedError("summarization uses the model's own LM "
                                  "head (native_only)")

    def build_losses(self, keras):
        return token_loss

    # -- generation and evaluation ----------------------------------------
    def generation_options(self) -> dict:
        """The family generator's options: the `generate.*` settings,
        those of `NEUTRAL_SETTINGS` only where they change something."""
        g = self.config.generate
        options = {"max_new_tokens": g.max_new_tokens,
                   "num_beams": g.num_beams,
                   "jit_compile": {"true": True, "false": False}.get(
                       g.jit_compile, "auto")}
        options.update((name, getattr(g, name))
                       for name, neutral in NEUTRAL_SETTINGS
                       if getattr(g, name) != neutral)
        return options

    def generator(self, model, tokenizer):
        """The traced generation of `model` with the `generate.*`
        settings (one per model: traced once, reused every epoch);
        `tokenizer`: the family's, or its in-graph twin."""
        from tfft.models import builder

        cache = self.__dict__.setdefault("_generators", {})
        if id(model) not in cache:
            ids = getattr(tokenizer, "packer", tokenizer)
            generator = builder.family_module(
                self.config.model.family).generator(
                    model, pad_id=ids.pad_id, end_id=ids.end_id,
                    decoder_prompt=tokenizer.decoder_prompt,
                    **self.generation_options())
            logging.info("Generation from Python: %s",
                         generator.jit_reason)
            cache[id(model)] = (model, generator)
        return cache[id(model)][1]

    @staticmethod
    def _stop_ids(end_id, pad_id, decoder_start_id):
        return {i for i in (end_id, pad_id, decoder_start_id)
                if i is not None}

    def outputs(self, model, features, tokenizer, batch_size: int):
        """The generated text of every feature (after the decoder start,
        before the end token, without padding and special tokens)."""
        from tfft.models.generation import generated_tokens

        generate = self.generator(model, tokenizer)
        collate = self.collator(tokenizer)
        ids = features["input_ids"][:]
        drop = self._stop_ids(tokenizer.end_id, tokenizer.pad_id,
                              tokenizer.decoder_start_id)
        generated = []
        for start in range(0, len(ids), batch_size):
            batch = collate([{"input_ids": x}
                             for x in ids[start:start + batch_size]])
            sequences = generate(batch["input_ids"], batch["attention_mask"])
            tokens = generated_tokens(sequences, end_id=tokenizer.end_id,
                                      drop_ids=drop)
            generated.extend(tokenizer.decode(row)
                             for row in tokens.to_list())
        return generated

    def evaluate(self, outputs, features, examples) -> dict:
        summaries = list(outputs)
        references = examples[TARGET][:]
        scores = rouge(summaries, references)
        baseline = rouge([lead(s) for s in examples[SOURCE][:]], references)
        lengths = [len(s.split()) for s in summaries]
        return {**scores,
                "gen_len": float(np.mean(lengths)) if lengths else 0.0,
                **{f"lead{LEAD_K}_{k}": v for k, v in baseline.items()}}

    def predictions(self, outputs, features, examples, **options) -> list:
        del features, options
        sources = examples[SOURCE][:]  # whole columns: rows are slow
        targets = column_values(examples, TARGET)
        records = []
        for i, summary in enumerate(outputs):
            record = {SOURCE: sources[i], "summary": summary}
            if targets is not None:
                record[TARGET] = targets[i]
            records.append(record)
        return records

    # -- export -----------------------------------------------------------
    # serving_default: text [batch] strings -> summary [batch] strings and
    # sequences [batch, 1 + max_new_tokens] int32 (the generated ids with
    # the decoder start, padded); token_ids: input_ids, attention_mask ->
    # the same.
    serving_decodes = True

    @property
    def serving_max_length(self) -> int:
        return self.config.data.max_source_length

    def serving_token_inputs(self):
        return ["input_ids", "attention_mask"]

    def serving_token_fn(self, model, tokenizer):
        from tfft.models.generation import generated_tokens

        generate = self.generator(model, tokenizer)
        drop = self._stop_ids(tokenizer.packer.end_id,
                              tokenizer.packer.pad_id,
                              tokenizer.decoder_prompt[0])

        def serve(input_ids, attention_mask):
            sequences = generate(input_ids, attention_mask)
            tokens = generated_tokens(
                sequences, end_id=tokenizer.packer.end_id, drop_ids=drop)
            return {"summary": tokenizer.decoder(tokens),
                    "sequences": sequences}

        return serve

    def serving_fn(self, tokenizer, from_token_ids):
        """The source prefix (T5's "summarize: ") joined to each text, then
        the default: tokenized, through the traced `token_ids` function
        (the generation loop traced once)."""
        import tensorflow as tf

        prefix = self.config.data.source_prefix
        serve = super().serving_fn(tokenizer, from_token_ids)
        if not prefix:
            return serve

        def prefixed(text):
            return serve(tf.strings.join([prefix, text]))

        return prefixed

    def serving_predictions(self, outputs, examples, **options):
        del options
        summaries = [s.decode("utf-8") for s in outputs["summary"]]
        return self.predictions(summaries, None, examples)

    # -- pipeline ---------------------------------------------------------
    def pipeline_result(self, record, **options):
        return {"summary_text": record["summary"]}

    def pipeline_single(self, result):
        return [result]  # as transformers' summarization pipeline
