"""model/ in the libraries' own classes: loaded with the trained head
where a class computes what tfft's head does, refused loudly otherwise."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from tests.models.test_families import batch
from tests.models.test_families import task_and_config
from tfft import keras_compat
from tfft.models import builder
from tfft.tasks import get_task

TEXTS = ["good movie", "the plot was dull and very boring"]


def trained_like(config, task):
    """A built model whose head is not its initialiser's (as if trained)."""
    bundle = builder.build(config.model, task)
    rng = np.random.default_rng(1)
    for layer in bundle.model.head_layers.values():
        layer.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32)
                           for w in layer.get_weights()])
    return bundle


def save(bundle, task, directory):
    return builder.save(bundle, str(directory), manifest={
        "task": task.name, "task_state": task.state()}, task=task)


def loading_text(manifest, task):
    """The model card's "How to load it" for this folder."""
    from tfft import card

    return "\n".join(card._loading(manifest, task, "me/x", False))


def tfft_logits(directory, config, task, inputs):
    with keras_compat.precision(config.model.family, "float32"):
        loaded = builder.load(str(directory), config.model, task)
    return loaded.model(inputs, training=False).numpy()


@pytest.mark.parametrize("pooling", ["pooler", "cls"])
def test_hf_classifier_loads_in_transformers_class(tiny_bert, tmp_path,
                                                   pooling):
    import transformers

    task, config = task_and_config(tiny_bert, "hf", "tfft", "random",
                                   pooling)
    bundle = trained_like(config, task)
    manifest = save(bundle, task, tmp_path)
    inputs = batch(bundle.tokenizer, TEXTS)
    ours = tfft_logits(tmp_path, config, task, inputs)
    if pooling == "pooler":
        assert manifest["native"]["class"] == \
            "TFBertForSequenceClassification"
        model = transformers.TFAutoModelForSequenceClassification\
            .from_pretrained(str(tmp_path))
        assert model.config.id2label == {0: "a", 1: "b", 2: "c"}
        assert model.config.label2id == {"a": 0, "b": 1, "c": 2}
        theirs = model(**inputs, training=False).logits.numpy()
        np.testing.assert_allclose(tf.nn.softmax(theirs),
                                   tf.nn.softmax(ours), atol=1e-4)
        assert np.abs(ours).max() > 0.1  # a real head, not zeros
        assert "transformers.TFAutoModelForSequenceClassification"\
            '.from_pretrained("me/x")' in loading_text(manifest, task)
    else:
        # CLS without the pooler: BERT's classifier pools with it, so the
        # Auto classes must refuse the folder, not load a fresh head.
        assert manifest["native"]["class"] is None
        assert "pooling='cls'" in manifest["native"]["reason"]
        with pytest.raises(ValueError, match="model type `tfft`"):
            transformers.TFAutoModelForSequenceClassification\
                .from_pretrained(str(tmp_path))
        encoder = transformers.TFAutoModel.from_pretrained(
            str(tmp_path / "encoder"))
        np.testing.assert_allclose(
            encoder(**inputs).last_hidden_state.numpy(),
            bundle.model.encoder(**inputs).last_hidden_state.numpy(),
            atol=1e-5)
    # tfft itself loads either layout with the same outputs as trained.
    np.testing.assert_allclose(
        ours, bundle.model(inputs, training=False).numpy(), atol=1e-5)


@pytest.mark.parametrize("pooling", ["pooler", "mean"])
def test_keras_hub_classifier_loads_as_text_classifier(tiny_bert, tmp_path,
                                                       pooling):
    import keras_hub

    task, config = task_and_config(tiny_bert, "keras_hub", "tfft",
                                   "random", pooling)
    config.data.max_length = 16
    bundle = trained_like(config, task)
    manifest = save(bundle, task, tmp_path)
    inputs = batch(bundle.tokenizer, TEXTS)
    ours = tfft_logits(tmp_path, config, task, inputs)
    np.testing.assert_allclose(
        ours, bundle.model(inputs, training=False).numpy(), atol=1e-5)
    if pooling == "pooler":
        assert manifest["native"]["class"] == "BertTextClassifier"
        classifier = keras_hub.models.TextClassifier.from_preset(
            str(tmp_path))
        # Raw strings in: the preset's own preprocessor (max_length 16).
        theirs = classifier.predict(tf.constant(TEXTS), verbose=0)
        padded = batch(bundle.tokenizer, TEXTS, max_length=16)
        np.testing.assert_allclose(
            tf.nn.softmax(theirs),
            tf.nn.softmax(tfft_logits(tmp_path, config, task, padded)),
            atol=1e-4)
        assert 'keras_hub.models.TextClassifier.from_preset("hf://me/x")' \
            in loading_text(manifest, task)
    else:
        assert manifest["native"]["class"] is None
        with pytest.raises(ValueError, match="tfft>TaskModel"):
            keras_hub.models.TextClassifier.from_preset(str(tmp_path),
                                                        num_classes=3)
        # The backbone alone is still keras-hub's, with the tuned weights.
        backbone = keras_hub.models.Backbone.from_preset(str(tmp_path))
        for a, b in zip(backbone.get_weights(),
                        bundle.model.backbone.get_weights()):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("task_name, auto_class", [
    ("token_classification", "TFAutoModelForTokenClassification"),
    ("question_answering", "TFAutoModelForQuestionAnswering"),
])
def test_hf_token_heads_load_in_transformers_classes(tiny_bert, tmp_path,
                                                     task_name, auto_class):
    import transformers

    _, config = task_and_config(tiny_bert, "hf", "tfft", "random")
    config.task = task_name
    state = ({"label_names": ["O", "B-PER", "I-PER"], "scheme": "IOB2"}
             if task_name == "token_classification" else {})
    task = get_task(task_name, config, state=state)
    bundle = trained_like(config, task)
    manifest = save(bundle, task, tmp_path)
    assert manifest["native"]["load"].startswith(
        f"transformers.{auto_class}")
    inputs = batch(bundle.tokenizer, TEXTS)
    ours = tfft_logits(tmp_path, config, task, inputs)
    model = getattr(transformers, auto_class).from_pretrained(str(tmp_path))
    out = model(**inputs, training=False)
    theirs = (out.logits.numpy() if task_name == "token_classification"
              else np.stack([out.start_logits, out.end_logits], -1))
    mask = inputs["attention_mask"].numpy().astype(bool)
    np.testing.assert_allclose(theirs[mask], ours[mask], atol=1e-4)
    if task_name == "token_classification":
        assert model.config.id2label == {0: "O", 1: "B-PER", 2: "I-PER"}


def test_keras_hub_token_task_is_refused(tiny_bert, tmp_path):
    import keras_hub

    _, config = task_and_config(tiny_bert, "keras_hub", "tfft", "random")
    config.task = "question_answering"
    task = get_task("question_answering", config)
    manifest = save(trained_like(config, task), task, tmp_path)
    assert "no task class" in manifest["native"]["reason"]
    with open(os.path.join(tmp_path, "task.json")) as f:
        assert "tfft.pipeline" in json.load(f)["tfft"]
    with pytest.raises(ValueError, match="tfft>TaskModel"):
        keras_hub.models.TextClassifier.from_preset(str(tmp_path),
                                                    num_classes=2)
