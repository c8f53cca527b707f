"""The experiment config: schema, defaults, validation and persistence.

Chain (as in Model Garden): `default_config()` -> a file in `configs/` edits
it -> `--config.a.b=value` overrides -> `validate()` -> locked -> saved in
the run folder as `config.json`. A misspelt key is an error at every step:
an override must name a field the config has, `validate()` checks every
key a file set against the schema, and a saved config is read into the
locked schema.
"""

import difflib
import json
import os

import ml_collections

from tfft.errors import UserError
from tfft.errors import first_line

FAMILIES = ("keras_hub", "hf")
HEADS = ("tfft", "native")
POOLINGS = ("cls", "mean", "pooler")
STRATEGIES = (
    "auto", "default", "one_device", "mirrored", "multi_worker", "tpu")
WEIGHT_INITS = ("pretrained", "random")
MODES = ("min", "max")
JIT_CHOICES = ("auto", "true", "false")
PRECISIONS = ("auto", "float32", "mixed_bfloat16", "mixed_float16")
PUSH_EVERY = ("epoch", "best", "end")
EMPTY_TEXTS = ("refuse", "drop")


def default_config() -> ml_collections.ConfigDict:
    """Every field tfft knows, with its default. Config files edit this."""
    c = ml_collections.ConfigDict()
    c.task = "classification"
    c.seed = 42

    c.data = ml_collections.ConfigDict()
    # A bundled corpus ("bundled:rotten_tomatoes"), a `save_to_disk` folder,
    # or a hub dataset name; or leave empty and name files below.
    c.data.dataset = ""
    c.data.dataset_config = ""
    # Comma-separated paths or globs (.csv, .json, .jsonl, .parquet).
    c.data.train_files = ""
    c.data.validation_files = ""
    c.data.test_files = ""
    # Comma-separated: one column, or two for text pairs.
    c.data.text_columns = "text"
    c.data.label_column = "label"
    # Comma-separated label names in id order; empty: sorted train labels
    # (token classification: its tags, in the same way).
    c.data.label_names = ""
    # Token classification: list-of-words and list-of-tags columns (CoNLL
    # files are read into these), the tag column of CoNLL files (-1: the
    # last), the tag scheme ("auto" detects IOB1 / IOB2 / IOBES / BILOU),
    # and whether every sub-token of a word carries its label (False: the
    # first one only, the others are ignored by the loss).
    c.data.tokens_column = "tokens"
    c.data.tags_column = "ner_tags"
    c.data.conll_tag_column = -1
    c.data.tag_scheme = "auto"
    c.data.label_all_subtokens = False
    # Question answering: the columns of SQuAD's flat form (`answers`:
    # {"text": [...], "answer_start": [...]}, empty lists for a question
    # the context does not answer); `id` may be absent. Questions are cut
    # to max_question_length tokens; the context fills the rest of each
    # window.
    c.data.question_column = "question"
    c.data.context_column = "context"
    c.data.answers_column = "answers"
    c.data.id_column = "id"
    c.data.max_question_length = 64
    # Summarization (seq2seq): the source and target text columns, a prefix
    # put before every source (T5's "summarize: "), and the token lengths
    # sources and targets are cut to.
    c.data.source_column = "document"
    c.data.target_column = "summary"
    c.data.source_prefix = ""
    c.data.max_source_length = 512
    c.data.max_target_length = 128
    c.data.max_length = 128
    # Tokens shared by consecutive windows when an example is longer than
    # max_length (token classification splits a long sentence, question
    # answering a long context, into overlapping windows instead of cutting
    # it; SQuAD recipes call this doc_stride).
    c.data.stride = 32
    # Comma-separated lengths (e.g. "32,64,128"): each batch is padded to
    # the smallest one that fits its longest example (max_length is always
    # one), so XLA compiles a bounded set of shapes. "" pads to the longest
    # example. On TPUs every batch is padded to max_length (static shapes).
    c.data.bucket_lengths = ""
    # Batch training examples of similar length (chunks of 50 batches
    # sorted by length, batches shuffled): far fewer pad tokens with
    # dynamic padding. Each epoch still sees every example, reshuffled.
    # On by default: on the README demo it trains 1.6x faster per step at
    # the same accuracy (BUILD.md); False gives plain shuffled batches.
    c.data.group_by_length = True
    # Carved (seeded, stratified) from train when a split is missing:
    # a fraction below 1, or a number of examples. Every run has the three
    # splits: 0 means "never carve", for data that has that split.
    c.data.validation_size = 0.1
    c.data.test_size = 0.1
    # Rows whose text (any input column) is empty or missing: "refuse"
    # (the error gives their count and first row numbers) or "drop" them
    # (logged with the count). Predictions never drop a row.
    c.data.empty_texts = "refuse"
    # 0 keeps everything; otherwise a seeded subsample of train.
    c.data.max_train_examples = 0

    c.model = ml_collections.ConfigDict()
    c.model.family = "keras_hub"
    # A local folder (HF checkpoint or keras-hub preset), "bundled:<name>",
    # or a hub name where a hub is reachable.
    c.model.path = "bundled:all-MiniLM-L6-v2"
    # "random" builds the architecture from the folder's config only.
    c.model.init = "pretrained"
    # "tfft": tfft's head (both families); "native": the transformers
    # TFAutoModelFor<Task> head (hf family only).
    c.model.head = "tfft"
    # Summarization from an encoder-only checkpoint (BERT, MiniLM): build
    # an encoder-decoder whose encoder and decoder both start from it
    # (BERT2BERT; the decoder's cross-attention is new).
    c.model.encoder_decoder = False
    c.model.pooling = "cls"
    # Token classification: how word probabilities become tags. "viterbi":
    # the most probable tag sequence that is valid in the tag scheme (no
    # I-PER after O); "argmax": each word's most probable tag alone (as
    # transformers' pipeline does).
    c.model.tag_decoding = "viterbi"
    # Question answering: answer spans come from the n_best_size best start
    # and end tokens of each window, at most max_answer_length tokens long;
    # with unanswerable questions in train (SQuAD v2.0), "no answer" wins
    # when its score beats the best span's by more than the threshold.
    c.model.n_best_size = 20
    c.model.max_answer_length = 30
    c.model.null_score_threshold = 0.0
    c.model.dropout = 0.1
    # Freeze the embeddings and/or the bottom N transformer layers (see
    # train.unfreeze_per_epoch for gradual unfreezing).
    c.model.freeze_embeddings = False
    c.model.freeze_layers = 0
    # LoRA (keras_hub family): rank > 0 freezes the backbone and trains
    # rank-r adapters (scaled alpha/rank; alpha 0 = rank) on the layers
    # named in lora_targets (comma-separated; "" = query and value
    # projections) plus the head. Saved models have the adapters merged.
    c.model.lora_rank = 0
    c.model.lora_alpha = 0.0
    c.model.lora_targets = ""

    c.train = ml_collections.ConfigDict()
    c.train.epochs = 3
    c.train.batch_size = 32  # per replica; global = this x replicas
    c.train.eval_batch_size = 64  # per replica
    c.train.learning_rate = 5e-5
    c.train.weight_decay = 0.01
    c.train.warmup_ratio = 0.1
    # Discriminative learning rates (encoder models: classification, NER,
    # QA). Everything above the backbone's transformer layers (pooler,
    # task head) learns at learning_rate x head_lr_multiplier; transformer
    # layer i of L (bottom first, from 0) at learning_rate x
    # layer_lr_decay^(L - i) and the embeddings at x layer_lr_decay^(L + 1)
    # (ELECTRA's layer-wise decay). 1.0: one rate.
    c.train.head_lr_multiplier = 1.0
    c.train.layer_lr_decay = 1.0
    # "auto": mixed_bfloat16 where the hardware computes bfloat16 natively
    # (TPUs, Ampere+ GPUs, CPUs with AMX or AVX512-BF16), else float32 (the
    # run log says which and why; the run folder's config holds the
    # choice). Or "float32", "mixed_bfloat16", "mixed_float16" (GPUs; with
    # dynamic loss scaling). Variables, the head's logits and the loss
    # stay float32.
    c.train.precision = "auto"
    c.train.jit_compile = False  # XLA-compile the train/eval steps
    c.train.clip_norm = 0.0  # clip gradients by global norm; 0 = off
    # Micro-batches per optimizer step: the update uses the mean gradient
    # of grad_accumulation x batch_size examples (memory of one batch).
    c.train.grad_accumulation = 1
    # Gradual unfreezing: each epoch, this many more of the
    # model.freeze_layers bottom layers train (top-down); 0 = stay frozen.
    c.train.unfreeze_per_epoch = 0
    # Save the full training state every N batches into an epoch (and at
    # each epoch end) under <workdir>/checkpoints; rerunning the same
    # command resumes from the newest. 0: at epoch ends only. 500 is the
    # HF Trainer's save_steps: a save of MiniLM's state takes ~1.3 s here.
    c.train.checkpoint_steps = 500
    # Validation each epoch with tfft's evaluate modules (all the task's
    # metrics in the logs as val_<name>, e.g. val_f1_macro) instead of
    # fit's compiled metrics.
    c.train.validation_metrics = True
    # The epoch-log value early stopping and restore_best watch, and which
    # way is better ("min" or "max").
    c.train.monitor = "val_loss"
    c.train.monitor_mode = "min"
    # Stop after this many epochs without improvement of `monitor`; 0 = off.
    c.train.early_stopping_patience = 0
    # Keep the best epoch's weights (<workdir>/best) and end the run with
    # them, like HF Trainer's load_best_model_at_end.
    c.train.restore_best = False
    # >0: TensorBoard scalars in <workdir>/tensorboard every N batches and
    # at each epoch end; 0 = off.
    c.train.tensorboard_steps = 0
    c.train.strategy = "auto"
    c.train.tpu = ""  # TPU name or grpc:// address, for strategy tpu/auto
    c.train.verbose = 1  # Keras fit verbosity: 0 silent, 1 bar, 2 line

    # During training, export the best model so far as a TF Serving
    # SavedModel version (raw-string input) into `dir`/<n>/; "" = off.
    # After training, `tfft-export` does the same for a finished run.
    c.export = ml_collections.ConfigDict()
    c.export.dir = ""
    c.export.monitor = "val_loss"  # a key of fit's epoch logs
    c.export.mode = "min"  # "min" or "max": which way is better
    c.export.keep = 3  # newest versions kept; 0 keeps all
    # Comma-separated ops allowed although TF Serving lacks them.
    c.export.allow_ops = ""

    # Share the run on the hub that HF_ENDPOINT names (default
    # huggingface.co), token from HF_TOKEN or `huggingface-cli login`:
    # "" = off. `every`: "epoch" (the model after each epoch), "best" (each
    # epoch where train.monitor improved) or "end" only; in every case the
    # finished run (model, card, config, metrics, curve, export) is pushed
    # at the end. Uploads run in the background and never hold up or fail
    # training; at the end the run waits up to `wait_seconds` for a push in
    # flight, then as long for the finished run's.
    # Generation (seq2seq tasks): greedy (num_beams=1) or beam search, at
    # most max_new_tokens, at least min_length tokens (0 = no minimum),
    # beams' length_penalty, and no repeated n-gram of that size (0 = off).
    # jit_compile: whether evaluation, tfft-predict and tfft.pipeline
    # generate with an XLA-compiled function (one compilation per batch
    # size and source length, each rounded up to a power of two): "auto"
    # where it measured faster (float32 compute, or a GPU/TPU; not
    # bfloat16 on a CPU, where XLA's generation measured 0.74x the
    # tokens/s), "true", "false". The SavedModel's generation is the same
    # function without XLA (TF Serving runs SavedModels without XLA by
    # default): the same tokens, but for float rounding at a near tie.
    c.generate = ml_collections.ConfigDict()
    c.generate.num_beams = 1
    c.generate.max_new_tokens = 64
    c.generate.min_length = 0
    c.generate.length_penalty = 1.0
    c.generate.no_repeat_ngram_size = 0
    c.generate.jit_compile = "auto"

    c.push = ml_collections.ConfigDict()
    c.push.repo_id = ""
    c.push.private = False
    c.push.every = "end"
    c.push.revision = ""
    c.push.wait_seconds = 300.0
    return c


def _choice(name, value, choices):
    if value not in choices:
        raise UserError(
            f"config {name}={value!r} is not one of {', '.join(choices)}; "
            f"set --config.{name} to one of them"
        )


def _positive(name, value, allow_zero=False):
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise UserError(
            f"config {name}={value!r} must be {bound}; fix --config.{name}"
        )


def split_list(value: str) -> list:
    """'a, b,,c' -> ['a', 'b', 'c'] (config lists are comma-separated)."""
    return [p.strip() for p in str(value).split(",") if p.strip()]


def unknown_key(config, dotted: str):
    """A one-line message if `dotted` ("train.epochs") is not a field of
    `config`, naming the closest field; else None."""
    node = config
    keys = dotted.split(".")
    for i, key in enumerate(keys):
        if not hasattr(node, "keys") or key not in node:
            known = list(node.keys()) if hasattr(node, "keys") else []
            where = ".".join(keys[:i]) or "the config"
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            return (f"unknown config key {dotted!r}; {hint}"
                    f"{where} has: {', '.join(known)}")
        node = node[key]
    return None


def check_schema(config) -> None:
    """`config` is a ConfigDict holding only fields `default_config` has
    (a config file may set a misspelt key; overrides cannot)."""
    if not isinstance(config, ml_collections.ConfigDict):
        raise UserError(
            f"the config is a {type(config).__name__}, not an "
            "ml_collections.ConfigDict; get_config() must return "
            "tfft.config.default_config() with fields set (see "
            "configs/classify_files.py)")
    schema = default_config()
    for dotted in _flatten(config.to_dict()):
        message = unknown_key(schema, dotted)
        if message:
            raise UserError(f"{message} (set by the config file)")


def validate(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    """Checks values (types are enforced by the locked ConfigDict)."""
    check_schema(config)
    d, m, t = config.data, config.model, config.train
    _choice("model.family", m.family, FAMILIES)
    _choice("model.head", m.head, HEADS)
    _choice("model.pooling", m.pooling, POOLINGS)
    _choice("model.init", m.init, WEIGHT_INITS)
    _choice("train.strategy", t.strategy, STRATEGIES)
    _choice("export.mode", config.export.mode, MODES)
    _choice("train.monitor_mode", t.monitor_mode, MODES)
    _choice("train.precision", t.precision, PRECISIONS)
    _choice("push.every", config.push.every, PUSH_EVERY)
    _choice("generate.jit_compile", config.generate.jit_compile,
            JIT_CHOICES)
    _choice("data.empty_texts", d.empty_texts, EMPTY_TEXTS)
    if m.head == "native" and m.family != "hf":
        raise UserError(
            "config model.head='native' exists only for model.family='hf'; "
            "use --config.model.head=tfft or --config.model.family=hf"
        )
    if not m.path:
        raise UserError("config model.path is empty; set --config.model.path")
    if not (d.dataset or d.train_files):
        raise UserError(
            "no training data: set --config.data.train_files=PATH "
            "(or --config.data.dataset=NAME)"
        )
    if d.dataset and d.train_files:
        raise UserError(
            "both data.dataset and data.train_files are set; keep one"
        )
    from tfft.tasks import get_task

    get_task(config.task, config).validate_config()
    for name in ("data.max_length", "train.epochs", "train.batch_size",
                 "train.grad_accumulation",
                 "train.eval_batch_size", "train.learning_rate",
                 "train.head_lr_multiplier"):
        _positive(name, _get(config, name))
    for name in ("data.validation_size", "data.test_size",
                 "data.max_train_examples", "train.weight_decay",
                 "train.warmup_ratio", "model.dropout", "export.keep",
                 "train.clip_norm", "train.checkpoint_steps",
                 "train.early_stopping_patience", "train.tensorboard_steps",
                 "model.freeze_layers", "model.lora_rank", "model.lora_alpha",
                 "train.unfreeze_per_epoch", "data.stride",
                 "push.wait_seconds"):
        _positive(name, _get(config, name), allow_zero=True)
    if d.max_length < 8:
        raise UserError(
            f"config data.max_length={d.max_length} leaves no room for text; "
            "use at least 8"
        )
    buckets = bucket_lengths(d)
    if buckets and buckets[0] < 8:
        raise UserError(
            f"config data.bucket_lengths={d.bucket_lengths!r} must be whole "
            f"numbers from 8 to data.max_length={d.max_length}, e.g. "
            "'32,64,128'"
        )
    if not 0 < t.layer_lr_decay <= 1:
        raise UserError(
            f"config train.layer_lr_decay={t.layer_lr_decay} must be in "
            "(0, 1]: 1 is one rate for all layers, 0.8 a common decay")
    if not 0 <= m.dropout < 1 or not 0 <= t.warmup_ratio < 1:
        raise UserError(
            "config model.dropout and train.warmup_ratio must be in [0, 1)"
        )
    if m.lora_rank and (m.freeze_layers or m.freeze_embeddings):
        raise UserError(
            "config model.lora_rank already freezes the whole backbone; "
            "drop model.freeze_layers/freeze_embeddings or lora_rank")
    if m.lora_rank and m.family != "keras_hub":
        raise UserError(
            "LoRA (model.lora_rank > 0) is available for model.family="
            "keras_hub only; set --config.model.family=keras_hub or "
            "--config.model.lora_rank=0")
    if t.unfreeze_per_epoch and not m.freeze_layers:
        raise UserError(
            "config train.unfreeze_per_epoch unfreezes frozen layers, but "
            "model.freeze_layers is 0; set it (e.g. --config.model."
            "freeze_layers=4)")
    if t.unfreeze_per_epoch and t.grad_accumulation > 1 and m.family == "hf":
        raise UserError(
            "train.unfreeze_per_epoch with train.grad_accumulation > 1 is not "
            "supported for model.family=hf yet; use one of them")
    return config


def bucket_lengths(data_config) -> list:
    """The sorted padding lengths, always ending with max_length; [] when
    bucketing is off. A bad entry gives [0] (validate reports it)."""
    if not str(data_config.bucket_lengths).strip():
        return []
    try:
        lengths = {int(v) for v in split_list(data_config.bucket_lengths)}
    except ValueError:
        return [0]
    if any(n > data_config.max_length for n in lengths):
        return [0]
    return sorted(lengths | {data_config.max_length})


def _get(config, dotted):
    for key in dotted.split("."):
        config = config[key]
    return config


def to_json(config: ml_collections.ConfigDict) -> str:
    return json.dumps(config.to_dict(), indent=2, sort_keys=True)


def from_json(text: str) -> ml_collections.ConfigDict:
    """Rebuilds a saved config on top of today's defaults (new fields get
    their default; a key the schema no longer knows is an error)."""
    config = default_config()
    config.lock()
    try:
        config.update_from_flattened_dict(_flatten(json.loads(text)))
    except (AttributeError, KeyError, TypeError) as e:
        raise UserError(
            f"saved config does not fit this tfft's schema ({e}); use the "
            "tfft version that wrote it"
        ) from e
    return config


def _flatten(tree, prefix=""):
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def load_run_config(workdir: str) -> ml_collections.ConfigDict:
    path = os.path.join(workdir, "config.json")
    if not os.path.exists(path):
        raise UserError(
            f"{workdir} has no config.json: not a tfft run folder; pass the "
            "--workdir of a tfft-train run"
        )
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise UserError(
            f"{path} cannot be read as JSON ({first_line(e)}): the run "
            "folder is damaged; restore it from a copy or train it again"
        ) from e
    return from_json(text)
