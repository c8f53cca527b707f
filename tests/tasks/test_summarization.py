"""Summarization (seq2seq): the data contract (teacher forcing inputs, the
two-sided padding), and tiny T5- and BART- (transformers' and
keras-hub's) and BERT2BERT-style models built from configs learning a
deterministic mapping through the trainer, then generating it (proves the
loop, masking, shifting and generation)."""

import json
import os

import datasets
import numpy as np
import pytest

from tests.conftest import asset_or_skip
from tests.conftest import copy_rows
from tests.conftest import make_keras_hub_t5
from tests.conftest import make_t5_tokenizer
from tests.conftest import make_tiny_bart
from tests.conftest import make_tiny_bert
from tests.conftest import tiny_seq2seq_config
from tests.conftest import write_csv
from tfft import assets
from tfft.config import default_config
from tfft.data.collators import PadSourceAndTarget
from tfft.errors import UserError
from tfft.tasks import get_task
from tfft.tasks.summarization import lead


def config(path, **data):
    c = default_config()
    c.task = "summarization"
    c.model.family = "hf"
    c.model.path = str(path)
    c.model.init = "random"
    c.data.max_source_length = 16
    c.data.max_target_length = 16
    for k, v in data.items():
        setattr(c.data, k, v)
    return c


def test_collator_pads_source_and_target_to_their_own_lengths():
    batch = PadSourceAndTarget(pad_id=0, decoder_pad_id=0)([
        {"input_ids": [5, 6, 7], "decoder_input_ids": [1, 8],
         "labels": [8, 2]},
        {"input_ids": [5], "decoder_input_ids": [1, 8, 9, 4],
         "labels": [8, 9, 4, 2]}])
    np.testing.assert_array_equal(batch["input_ids"], [[5, 6, 7], [5, 0, 0]])
    np.testing.assert_array_equal(batch["attention_mask"],
                                  [[1, 1, 1], [1, 0, 0]])
    np.testing.assert_array_equal(batch["decoder_input_ids"],
                                  [[1, 8, 0, 0], [1, 8, 9, 4]])
    np.testing.assert_array_equal(batch["decoder_attention_mask"],
                                  [[1, 1, 0, 0], [1, 1, 1, 1]])
    np.testing.assert_array_equal(batch["labels"],
                                  [[8, 2, -100, -100], [8, 9, 4, 2]])


def test_targets_are_labels_and_the_decoder_reads_them_shifted(tiny_bert):
    from tfft.models.hf import load_tokenizer

    task = get_task("summarization", config(tiny_bert))
    tokenizer = load_tokenizer(str(tiny_bert))
    data = task.prepare_labeled(datasets.Dataset.from_dict(
        {"document": ["the movie was fun"], "summary": ["fun movie"]}),
        "train")
    feature = task.tokenize(data, tokenizer)[0]
    ids = tokenizer.encode(["fun movie"], max_length=16)["input_ids"][0]
    # BERT's [CLS] starts the text and is the decoder's start: the labels
    # do not repeat it (a decoder taught [CLS] -> [CLS] loops on it).
    assert ids[0] == tokenizer.decoder_start_id == tokenizer.start_id
    assert feature["labels"] == ids[1:]
    assert tokenizer.decode(feature["labels"]) == "fun movie"
    assert feature["labels"][-1] == tokenizer.end_id
    assert feature["decoder_input_ids"] == ids[:-1]


@pytest.mark.parametrize("ids, start, labels", [
    ([101, 7, 8, 102], 101, [7, 8, 102]),  # BERT2BERT: [CLS] is the start
    ([7, 8, 1], 0, [7, 8, 1]),  # T5: no start token; decoder starts on pad
    ([0, 7, 8, 2], 2, [0, 7, 8, 2]),  # BART: <s> text </s>; decoder on </s>
    ([101, 102], 101, [102]),  # an empty target still ends
])
def test_labels_drop_only_a_leading_decoder_start(ids, start, labels):
    from tfft.tasks.summarization import target_labels

    assert target_labels(ids, start) == labels


@pytest.mark.parametrize("rows, message", [
    ({"text": ["a"], "summary": ["b"]}, "no column 'document'"),
    ({"document": ["a"], "abstract": ["b"]}, "no column 'summary'"),
    ({"document": ["a", "b"], "summary": ["x", " "]},
     "1 of 2 train rows have an empty or missing 'summary' (rows 2"),
])
def test_bad_rows(tiny_bert, rows, message):
    task = get_task("summarization", config(tiny_bert))
    with pytest.raises(UserError) as e:
        task.prepare(datasets.DatasetDict(
            train=datasets.Dataset.from_dict(rows)))
    assert message in str(e.value)


def test_an_encoder_only_checkpoint_needs_the_warm_start(tiny_bert):
    from tfft import config as config_lib

    c = config(tiny_bert, train_files="x.csv")
    with pytest.raises(UserError, match="is an encoder-only checkpoint"):
        config_lib.validate(c)
    c.model.encoder_decoder = True
    config_lib.validate(c)


def test_the_warm_started_encoders_pooler_does_not_train(tiny_bert):
    """BERT2BERT's decoder reads the encoder's sequence, never its pooler:
    the pooler is frozen in the model that trains (no optimizer slots, no
    "gradients do not exist" warning at every trace), and kept."""
    from tfft.models import hf

    c = config(tiny_bert)
    c.model.encoder_decoder = True
    model = hf.build(str(tiny_bert), c.model, get_task("summarization", c))
    trainable = [v.name for v in model.trainable_variables]
    frozen = [v.name for v in model.non_trainable_variables]
    assert any("encoder/bert/embeddings" in n for n in trainable)
    assert any("crossattention" in n for n in trainable)
    assert not [n for n in trainable if "pooler" in n]
    assert sorted(n.split("/")[-1] for n in frozen
                  if "encoder/bert/pooler" in n) == ["bias:0", "kernel:0"]


@pytest.mark.parametrize("field, value", [("head_lr_multiplier", 10.0),
                                          ("layer_lr_decay", 0.8)])
def test_discriminative_learning_rates_are_refused(tiny_bert, field, value):
    from tfft import config as config_lib

    c = config(tiny_bert, train_files="x.csv")
    c.model.encoder_decoder = True
    setattr(c.train, field, value)
    with pytest.raises(UserError, match="are for encoder models"):
        config_lib.validate(c)


def test_lead_k():
    assert lead("One. Two. Three. Four.") == "One. Two. Three."
    assert lead("no sentence end", 2) == "no sentence end"


def _tiny_seq2seq(root, kind):
    """A config-only checkpoint folder (tiny BERT's WordPiece vocabulary)
    of a T5, a BART, or (bert2bert) the tiny BERT itself. (T5 with its
    own SentencePiece tokenizer is tested for tokenization, decoding and
    export in tests/export/.)"""
    import transformers

    if kind == "keras_hub_bart":  # byte-level BPE, keras-hub's BART
        return make_tiny_bart(os.path.join(root, "bart"), [
            r["document"] for r in copy_rows(800, 0)])
    if kind == "keras_hub_t5":  # SentencePiece, keras-hub's T5
        asset_or_skip(assets.corpus_path, "rotten_tomatoes")  # its pieces
        spiece = make_t5_tokenizer(os.path.join(root, "spiece"))
        return make_keras_hub_t5(os.path.join(root, "t5"),
                                 os.path.join(spiece, "spiece.model"))
    bert = make_tiny_bert(os.path.join(root, "bert"), hidden=32)
    if kind == "bert2bert":
        return bert
    folder = os.path.join(root, kind)
    tok = transformers.AutoTokenizer.from_pretrained(bert)
    extra = {"forced_eos_token_id": tok.sep_token_id} if kind == "bart" \
        else {}
    model_config = tiny_seq2seq_config(
        kind, len(tok), tok.pad_token_id, tok.cls_token_id,
        tok.sep_token_id, **extra)
    model_config.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


# (model, epochs, learning rate, batch size, training rows): settings
# that learn the copy task on this data (T5's relative position buckets
# learn slowest). keras-hub's tiny BART sits on a loss plateau (~1.7)
# before it learns to attend to the source, and when it leaves it depends
# on the seed and the dropout masks; each keras-hub setting below learned
# with every seed tried (seeds 42, 0 and 1, each with Keras' own dropout
# masks and with masks from 16-bit draws; docs/benchmark_log.md,
# 2026-12-05).
# BERT2BERT is the session's shared `summarize_run` (the same settings,
# through tfft-train), which the export tests read too. T5 and BART train
# their own (the two keras-hub runs: 155 s side by side on 2 cores), so
# they run with -m slow (CI runs them); the default suite checks their
# generation against transformers' eager generate
# (tests/models/test_generation.py) and their loading
# (tests/models/test_seq2seq_loading.py).
MODELS = [pytest.param("bart", 30, 3e-3, 32, 800, marks=pytest.mark.slow),
          pytest.param("t5", 40, 1e-2, 32, 800, marks=pytest.mark.slow),
          # keras-hub's BartSeq2SeqLM (keras_hub family) with a byte-level
          # BPE tokenizer. At batch 32 it left the plateau with 1 of 3
          # seeds after 60 epochs at 6e-3 (Keras' masks) and with 5 of 6
          # seed-and-mask runs after 100 at 3e-3; at batch 16, 60 epochs
          # at 3e-3, with all 6 (ROUGE-L 1.0, by epoch 10-30).
          pytest.param("keras_hub_bart", 60, 3e-3, 16, 800,
                       marks=pytest.mark.slow),
          # keras-hub's T5Seq2SeqLM built from a config, a SentencePiece
          # tokenizer (RT pieces: the copy words are 1-3 pieces each).
          # On 800 rows it drops one of two repeated words ("poor poor"):
          # 0.86-0.97 exact after 100 epochs at 6e-3 across seeds and
          # masks (0.94 after 150; 0.86-0.94 without dropout, training
          # loss 0.001); on 1,600 rows, 60 epochs at 6e-3: 0.94-1.0.
          pytest.param("keras_hub_t5", 60, 6e-3, 32, 1600,
                       marks=pytest.mark.slow),
          ("bert2bert", None, None, None, None)]


def _copy_run(tmp_path, kind, epochs, learning_rate, batch_size, rows,
              request):
    from tfft.training import trainer

    if kind == "bert2bert":
        run = request.getfixturevalue("summarize_run")
        results = json.load(open(os.path.join(run["workdir"],
                                              "metrics.json")))
        return run["workdir"], results, run["files"]["test"]
    c = config(_tiny_seq2seq(str(tmp_path), kind),
               train_files=write_csv(tmp_path / "train.csv",
                                     copy_rows(rows, 0)),
               test_files=write_csv(tmp_path / "test.csv",
                                    copy_rows(64, 1)),
               validation_size=64.0)
    if kind.startswith("keras_hub"):
        c.model.family = "keras_hub"
    c.train.epochs = epochs
    c.train.batch_size = batch_size
    c.train.learning_rate = learning_rate
    c.train.warmup_ratio = 0.05
    c.train.verbose = 0
    c.train.precision = "float32"  # as summarize_run: tiny models, bf16
    c.train.validation_metrics = False  # no generation each epoch: faster
    c.generate.max_new_tokens = 12
    workdir = str(tmp_path / "run")
    return workdir, trainer.train(c, workdir), str(tmp_path / "test.csv")


@pytest.mark.parametrize("kind, epochs, learning_rate, batch_size, rows",
                         MODELS)
def test_tiny_models_learn_to_copy_and_generate_it(tmp_path, kind, epochs,
                                                   learning_rate, batch_size,
                                                   rows, request):
    from tfft.inference import load_run

    workdir, results, test_file = _copy_run(tmp_path, kind, epochs,
                                            learning_rate, batch_size, rows,
                                            request)
    assert results["test"]["rougeL"] >= 0.95, results["test"]
    assert results["test"]["lead3_rougeL"] == 1.0  # the source itself
    records = [json.loads(line) for line in open(
        os.path.join(workdir, "predictions_test.jsonl"))]
    assert set(records[0]) == {"source", "summary", "target"}
    exact = np.mean([r["summary"] == r["target"] for r in records])
    assert exact >= 0.9
    # model/ is the transformers class's checkpoint; reloaded, it
    # generates the same texts.
    manifest = json.load(open(os.path.join(workdir, "model",
                                           "tfft_model.json")))
    assert manifest["native"]["class"] in ("TFT5ForConditionalGeneration",
                                           "TFBartForConditionalGeneration",
                                           "TFEncoderDecoderModel",
                                           "BartSeq2SeqLM", "T5Seq2SeqLM")
    run = load_run(workdir)
    examples = run.task.read_inputs(test_file)
    again = run.predictions(examples)
    assert [r["summary"] for r in again] == [r["summary"] for r in records]
    if kind == "bert2bert":
        # Each epoch generated on the validation rows (val_rougeL in the
        # epoch logs), and the run kept the epoch with the best one.
        import csv

        history = list(csv.DictReader(open(os.path.join(workdir,
                                                        "history.csv"))))
        import re

        scores = [float(row["val_rougeL"]) for row in history]
        assert len(scores) == 20 and scores[-1] >= 0.9
        stderr = request.getfixturevalue("summarize_run")["stderr"]
        kept = re.search(r"Restored the best weights: epoch (\d+) "
                         r"\(val_rougeL=([0-9.e-]+)\)", stderr)
        epoch, value = int(kept.group(1)), float(kept.group(2))
        # (history.csv rounds to 6 digits, the log to 5)
        assert abs(scores[epoch - 1] - max(scores)) <= 1e-6
        assert abs(value - scores[epoch - 1]) <= 1e-4
    if kind == "bert2bert":  # sharing works as for every task
        import tfft
        from tfft import card

        summarize = tfft.pipeline(workdir)
        assert summarize(records[0]["source"]) == [
            {"summary_text": records[0]["summary"]}]
        assert summarize([r["source"] for r in records[:2]]) == [
            {"summary_text": r["summary"]} for r in records[:2]]
        text = open(card.write(workdir)).read()
        assert "pipeline_tag: summarization" in text and "rougeL" in text
