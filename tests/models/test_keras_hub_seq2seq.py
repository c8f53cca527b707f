"""The keras_hub family's seq2seq model: keras-hub's own `Seq2SeqLM` task
(here `BartSeq2SeqLM`, converted by keras-hub from a Hugging Face BART
folder with a byte-level BPE tokenizer) behind tfft's inputs. Its
generation is keras-hub's cached decoding loop: tfft's traced generator
gives keras-hub's own `generate` texts, and model/ is keras-hub's task
preset, which `Seq2SeqLM.from_preset` loads and generates from raw text."""

import json
import os

import datasets
import pytest

from tests.conftest import copy_rows
from tfft import config as config_lib
from tfft.config import default_config
from tfft.errors import UserError
from tfft.models import builder
from tfft.tasks import get_task

TEXTS = [r["document"] for r in copy_rows(12, 3)] + [
    "good", "naïve café 😀", "the plot was dull and very boring " * 3]


def bart_config(path, **generate):
    c = default_config()
    c.task, c.model.family = "summarization", "keras_hub"
    c.model.path, c.model.init = str(path), "random"
    c.data.max_source_length = 16
    c.generate.max_new_tokens = 10
    c.generate.jit_compile = "false"
    for k, v in generate.items():
        setattr(c.generate, k, v)
    return c


def varied(bundle):
    """Random weights scaled up (keras-hub's kernels are 2-D and 3-D):
    varied generations, not one text, byte pieces among them that are no
    valid UTF-8 alone."""
    bundle.model.set_weights([w * 8 if w.ndim >= 2 else w
                              for w in bundle.model.get_weights()])
    return bundle


@pytest.fixture(scope="module")
def bart(tiny_bart, tmp_path_factory):
    """A tiny keras-hub BART (scaled random weights) and its model/."""
    from tfft import keras_compat

    config = bart_config(tiny_bart)
    task = get_task("summarization", config)
    keras_compat.keras_for("keras_hub").utils.set_random_seed(0)
    bundle = varied(builder.build(config.model, task))
    folder = str(tmp_path_factory.mktemp("bart_model"))
    manifest = builder.save(bundle, folder, manifest={
        "task": task.name, "task_state": task.state()}, task=task)
    sources = datasets.Dataset.from_dict({"source": TEXTS})
    features = task.tokenize(sources, bundle.tokenizer)
    texts = task.outputs(bundle.model, features, bundle.tokenizer,
                         batch_size=8)
    return {"config": config, "task": task, "bundle": bundle,
            "folder": folder, "manifest": manifest, "texts": texts}


def test_the_model_is_keras_hubs_task_and_trains_on_tfft_batches(bart):
    import keras_hub

    bundle = bart["bundle"]
    assert isinstance(bundle.model.seq2seq, keras_hub.models.BartSeq2SeqLM)
    tokenizer = bundle.tokenizer
    # keras-hub's BART decoder starts with </s> <s>, as its preprocessor.
    assert tokenizer.decoder_prompt == [tokenizer.end_id, tokenizer.start_id]
    feature = bart["task"].tokenize(datasets.Dataset.from_dict(
        {"source": ["good movie"], "target": ["fun plot"]}),
        tokenizer)[0]
    assert feature["decoder_input_ids"][:2] == tokenizer.decoder_prompt
    assert feature["decoder_input_ids"][1:] == feature["labels"][:-1]
    logits = bundle.model(bart["task"].collator(tokenizer)([feature]))
    assert logits.shape == (1, len(feature["labels"]),
                            tokenizer.hub.vocabulary_size())


def test_generation_is_keras_hubs_own(bart):
    """keras-hub's `generate` (its preprocessor, greedy sampler, XLA)
    on the same weights gives tfft's texts."""
    import keras_hub

    lm = keras_hub.models.Seq2SeqLM.from_preset(bart["folder"])
    lm.compile(sampler="greedy")
    theirs = lm.generate(TEXTS)
    assert list(theirs) == bart["texts"]
    assert len(set(bart["texts"])) >= 3  # the source matters (seeded)


def test_model_folder_is_the_native_task_and_reloads(bart):
    from tfft import keras_compat

    manifest = bart["manifest"]
    assert manifest["native"]["class"] == "BartSeq2SeqLM"
    assert json.load(open(os.path.join(bart["folder"], "task.json")))[
        "class_name"] == "BartSeq2SeqLM"
    config, task = bart["config"], bart["task"]
    with keras_compat.precision("keras_hub", "float32"):
        loaded = builder.load(bart["folder"], config.model, task)
    sources = datasets.Dataset.from_dict({"source": TEXTS})
    again = task.outputs(loaded.model, task.tokenize(sources,
                                                     loaded.tokenizer),
                         loaded.tokenizer, batch_size=5)
    assert again == bart["texts"]


@pytest.mark.parametrize("setting, value", [
    ("length_penalty", 0.8), ("min_length", 2), ("no_repeat_ngram_size", 2)])
def test_settings_keras_hubs_samplers_lack_are_refused(tiny_bart, setting,
                                                       value):
    c = bart_config(tiny_bart, **{setting: value})
    c.data.train_files = "x.csv"
    with pytest.raises(UserError, match=f"generate.{setting}=.*keras-hub's "
                       "samplers have no such setting"):
        config_lib.validate(c)


def test_an_encoder_only_backbone_is_refused(tiny_bert):
    c = bart_config(tiny_bert)
    task = get_task("summarization", c)
    with pytest.raises(UserError, match="keras-hub has no Seq2SeqLM"):
        builder.build(c.model, task)
    c.model.encoder_decoder = True
    c.data.train_files = "x.csv"
    with pytest.raises(UserError, match="built for model.family=hf"):
        config_lib.validate(c)


def test_bpe_tokenizes_as_the_checkpoints_own_tokenizer(tiny_bart):
    """keras-hub's byte-level BPE, run as the SavedModel runs it (GPT-2's
    pre-tokenizer, `ByteLevelBPE`) in training too: the ids are the
    Hugging Face tokenizer's of the same folder, where keras-hub 0.32's
    own split is not (newline runs before a word, a space before 's)."""
    import transformers

    from tests.export.test_graph_tokenizer import EDGE_CASES
    from tests.export.test_graph_tokenizer import GPT2_SPLIT_TEXTS
    from tfft.models import keras_hub

    texts = TEXTS + EDGE_CASES + GPT2_SPLIT_TEXTS + ["a </s> b", "x<s>y"]
    ours = keras_hub.load_tokenizer(tiny_bart).encode(texts, max_length=64)
    theirs = transformers.AutoTokenizer.from_pretrained(tiny_bart)(
        texts, truncation=True, max_length=64)
    assert ours["input_ids"] == theirs["input_ids"]
