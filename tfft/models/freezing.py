"""Which parts of a backbone train: frozen embeddings, frozen lower layers
(also on a gradual-unfreezing schedule) and LoRA adapters.

Both families expose the same two parts: the embedding layers and the
list of transformer layers, bottom first.
"""

from absl import logging

from tfft.errors import UserError

FREEZE_FIX = ("to freeze them; set model.freeze_embeddings=False and "
              "model.freeze_layers=0")


def parts(model, why: str = FREEZE_FIX):
    """(embedding layers, transformer layers) of a tfft task model; where
    tfft cannot find them, a UserError that ends with `why` (what the
    caller needs them for and which settings to change)."""
    backbone = getattr(model, "backbone", None)
    if backbone is not None:  # keras_hub
        layers = list(getattr(backbone, "transformer_layers", []))
        embeddings = [layer for layer in backbone.layers
                      if "embedding" in layer.name]
    else:  # hf: the transformers main layer
        encoder = model.encoder
        main = getattr(encoder, encoder.base_model_prefix, encoder)
        stack = (getattr(main, "encoder", None)
                 or getattr(main, "transformer", None))
        layers = list(getattr(stack, "layer", []))
        embeddings = [main.embeddings] if hasattr(main, "embeddings") else []
    if not layers or not embeddings:
        raise UserError(
            f"tfft cannot find the embedding and transformer layers of "
            f"{type(model).__name__}'s backbone {why}")
    return embeddings, layers


def frozen_layers_at(epoch: int, frozen: int, unfreeze_per_epoch: int):
    """How many bottom layers are frozen during `epoch` (from 0)."""
    return max(0, frozen - unfreeze_per_epoch * epoch)


def freeze(model, *, embeddings: bool, layers: int) -> None:
    """Freezes the embeddings (if asked) and the bottom `layers` layers;
    the other transformer layers train."""
    embedding_layers, stack = parts(model)
    if layers > len(stack):
        raise UserError(
            f"config model.freeze_layers={layers} exceeds the backbone's "
            f"{len(stack)} layers; use at most {len(stack)}")
    for layer in embedding_layers:
        layer.trainable = not embeddings
    for i, layer in enumerate(stack):
        layer.trainable = i >= layers


def enable_lora(model, rank: int, alpha: float = 0.0, targets=()) -> int:
    """Freezes a keras-hub backbone and adds rank-`rank` LoRA adapters
    (scaled by `alpha / rank`; alpha 0 means rank) to the layers named in
    `targets` (default: the backbone's query and value projections). Only
    the adapters and the head train (the adapted layers' biases stay
    frozen, as peft's default). Saving the model merges the adapters into the
    kernels (Keras' `save_own_variables`), so saved runs and exports are
    plain models. Returns the number of adapted layers."""
    backbone = getattr(model, "backbone", None)
    if backbone is None:
        raise UserError(
            "LoRA (model.lora_rank > 0) is available for model.family="
            "keras_hub only; set --config.model.family=keras_hub or "
            "--config.model.lora_rank=0")
    names = set(targets) or set(backbone.default_lora_layer_names())
    for layer in backbone._flatten_layers(include_self=False):
        layer.trainable = False
    adapted = 0
    for layer in backbone._flatten_layers(include_self=False):
        if layer.name in names and hasattr(layer, "enable_lora"):
            layer.trainable = True
            layer.enable_lora(rank, lora_alpha=alpha or None)
            if getattr(layer, "bias", None) is not None:
                layer.bias.trainable = False  # as peft's bias="none"
            adapted += 1
    if not adapted:
        raise UserError(
            f"no layer of the backbone is named {sorted(names)} for LoRA; "
            f"set model.lora_targets to names of its dense layers")
    logging.info("LoRA rank %d (alpha %s) on %d layers", rank,
                 alpha or rank, adapted)
    return adapted
