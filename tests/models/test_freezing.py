"""Frozen embeddings and layers, gradual unfreezing and LoRA, checked by
which weights `fit` changes (hf -> tf_keras fit, keras_hub -> Keras 3)."""

import numpy as np
import pytest
import tf_keras

from tfft.callbacks.gradual_unfreezing import GradualUnfreezing
from tfft.errors import UserError
from tfft.models import freezing
from tfft.training import checkpoint


def snapshot(layers):
    return [np.array(w.numpy()) for layer in layers for w in layer.weights]


def changed(before, layers):
    after = snapshot(layers)
    assert len(before) == len(after) > 0
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


@pytest.mark.parametrize("family", ["keras_hub", "hf"])
def test_frozen_parts_do_not_change_in_fit(kit, family):
    k = kit(family, before_compile=lambda model: freezing.freeze(
        model, embeddings=True, layers=1))
    embeddings, layers = freezing.parts(k.model)
    assert len(layers) == 2  # the tiny BERT
    before = {"emb": snapshot(embeddings), "0": snapshot(layers[:1]),
              "1": snapshot(layers[1:])}
    k.fit([], epochs=1, validation=False)
    assert not changed(before["emb"], embeddings)
    assert not changed(before["0"], layers[:1])
    assert changed(before["1"], layers[1:])
    with pytest.raises(UserError, match="exceeds the backbone's 2 layers"):
        freezing.freeze(k.model, embeddings=False, layers=3)


@pytest.mark.parametrize("family", ["keras_hub", "hf"])
def test_gradual_unfreezing_trains_the_top_layers_first(kit, family):
    will_train = []

    def freeze_all_layers(model):
        will_train.extend(model.trainable_variables)
        freezing.freeze(model, embeddings=False, layers=2)

    k = kit(family, before_compile=freeze_all_layers)
    _, layers = freezing.parts(k.model)
    checkpoint.build_optimizer(k.model, will_train)
    per_epoch = [[snapshot(layers[:1]), snapshot(layers[1:])]]
    record = tf_keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: per_epoch.append(
            [snapshot(layers[:1]), snapshot(layers[1:])]))
    k.fit([GradualUnfreezing(frozen=2, unfreeze_per_epoch=1), record],
          epochs=3, validation=False)

    def moved(epoch, layer):
        before = per_epoch[epoch][layer]
        after = per_epoch[epoch + 1][layer]
        return any(not np.array_equal(a, b) for a, b in zip(before, after))

    # Epoch 1: both frozen; epoch 2: the top layer trains; epoch 3: both.
    assert [moved(0, 0), moved(0, 1)] == [False, False]
    assert [moved(1, 0), moved(1, 1)] == [False, True]
    assert [moved(2, 0), moved(2, 1)] == [True, True]


def test_schedule():
    assert [freezing.frozen_layers_at(e, 5, 2) for e in range(4)] == \
        [5, 3, 1, 0]


def test_lora_trains_only_adapters_and_head(kit):
    adapted = []
    k = kit("keras_hub", before_compile=lambda model: adapted.append(
        freezing.enable_lora(model, rank=2, alpha=4.0)))
    backbone = k.model.backbone
    assert adapted == [4]  # query and value of 2 layers
    lora_layers = [layer for layer in backbone._flatten_layers()
                   if getattr(layer, "lora_enabled", False)]
    base = [np.array(layer._kernel.numpy()) for layer in lora_layers]
    others = [np.array(w.numpy()) for w in backbone.weights
              if "lora" not in w.path]
    backbone_ids = {id(w) for w in backbone.weights}
    head = [w for w in k.model.trainable_weights if id(w) not in backbone_ids]
    head_before = [np.array(w.numpy()) for w in head]
    k.fit([], epochs=1, validation=False)
    for layer, kernel in zip(lora_layers, base):
        assert layer.lora_alpha == 4.0 and layer.lora_rank == 2
        np.testing.assert_array_equal(layer._kernel.numpy(), kernel)
        assert np.abs(layer.lora_kernel_b.numpy()).max() > 0
    for a, w in zip(others, [w for w in backbone.weights
                             if "lora" not in w.path]):
        np.testing.assert_array_equal(a, w.numpy())
    assert head and all(not np.array_equal(a, w.numpy())
                        for a, w in zip(head_before, head))


def test_lora_is_keras_hub_only(kit):
    with pytest.raises(UserError, match="keras_hub only"):
        freezing.enable_lora(kit("hf").model, rank=2)


def test_a_backbone_without_findable_layers_gets_each_callers_fix():
    """Freezing and the LR multipliers share `parts`; where the backbone's
    layers cannot be found, each caller's one-line error names its own
    settings."""
    from types import SimpleNamespace

    from tfft.config import default_config
    from tfft.training import trainer

    model = SimpleNamespace(backbone=SimpleNamespace(
        transformer_layers=[], layers=[]))
    with pytest.raises(UserError) as frozen:
        freezing.freeze(model, embeddings=True, layers=0)
    assert str(frozen.value).endswith(freezing.FREEZE_FIX)
    train = default_config().train
    train.head_lr_multiplier = 2.0
    with pytest.raises(UserError) as rates:
        trainer._set_lr_multipliers(model, [], train)
    message = str(rates.value)
    assert "SimpleNamespace's backbone" in message and "\n" not in message
    assert message.endswith("set train.head_lr_multiplier and "
                            "train.layer_lr_decay to 1.0")
