"""One builder over the two model families.

A family module (`hf`, `keras_hub`) provides: `KERAS` (its Keras flavour),
`load_tokenizer(path)`, `build(path, model_config, task)` and
`save_checkpoint(model, directory, task, tokenizer)` (its library's format:
the library's own task class where one computes what tfft's head does,
see `tfft.models.native`; it returns the manifest entries it decided). The
task model it builds takes tfft's canonical inputs (`input_ids`,
`attention_mask`, `token_type_ids`), returns the task head's output, and
keeps tfft's head layers in `model.head_layers` (saved here beside the
native checkpoint).
Its tokenizer has `encode(texts, pairs, max_length=)` (unpadded ids with
special tokens), `tokenize_words(words)` (each word's ids alone, behind
`word_prefix`), `in_graph()` (the same as TF ops), `save(directory)`, and
`pad_id`, `start_id`, `end_id`, `unk_id`, `truncation`, `pair_template`.
"""

import dataclasses
import importlib
import json
import os

import ml_collections

from tfft import assets
from tfft import keras_compat
from tfft import trained
from tfft.models import head_weights


def family_module(family: str):
    """The module of a family; imported on demand (each pulls its Keras)."""
    return importlib.import_module(f"tfft.models.{family}")


@dataclasses.dataclass
class ModelBundle:
    """What a run trains and saves: the Keras model and its tokenizer."""

    family: str
    model: object
    tokenizer: object

    @property
    def keras(self):
        return keras_compat.keras_for(self.family)


def resolve_path(path: str) -> str:
    """'bundled:NAME' -> the packaged folder; see `assets.model_folder`."""
    return assets.model_folder(path)


def build(model_config, task) -> ModelBundle:
    """Tokenizer + task model from `model_config.path` (call inside
    `strategy.scope()`). The model is built: all its variables exist."""
    module = family_module(model_config.family)
    path = resolve_path(model_config.path)
    model = module.build(path, model_config, task)
    model(head_weights.dummy_inputs(task.output_kind == "generated"),
          training=False)
    return ModelBundle(model_config.family, model,
                       module.load_tokenizer(path))


def save(bundle: ModelBundle, directory: str, manifest: dict, task) -> dict:
    """Native checkpoint + tokenizer + `tfft_model.json` into `directory`;
    returns the manifest written. tfft's head weights are also kept in its
    own file (`tfft_head.npz`), which tfft reads whatever the library's
    view of the folder."""
    os.makedirs(directory, exist_ok=True)
    decided = family_module(bundle.family).save_checkpoint(
        bundle.model, directory, task, bundle.tokenizer)
    head_weights.save(bundle.model.head_layers, directory)
    bundle.tokenizer.save(directory)
    manifest = dict(manifest, family=bundle.family, **decided)
    with open(os.path.join(directory, trained.MANIFEST), "w") as f:
        json.dump(manifest, f, indent=2)
    return manifest


def load(directory: str, model_config, task) -> ModelBundle:
    """A model saved by `save` (call inside the strategy scope). Its
    weights always come from `directory`, whatever `model_config.init`
    said when it was first built."""
    model_config = ml_collections.ConfigDict(model_config.to_dict())
    model_config.init = "pretrained"
    module = family_module(model_config.family)
    checkpoint = trained.read_manifest(directory).get("checkpoint", "")
    model = module.build(os.path.join(directory, checkpoint), model_config,
                         task)
    head_weights.load(model, directory)
    return ModelBundle(model_config.family, model,
                       module.load_tokenizer(directory))
