"""Task-head weights beside a family's native checkpoint (`tfft_head.npz`),
in a format both Keras flavours read and write the same way."""

import os

import numpy as np
import tensorflow as tf

FILE = "tfft_head.npz"


def dummy_inputs(decoder: bool = False) -> dict:
    """A one-example batch in tfft's canonical input names (`decoder`: an
    encoder-decoder's decoder inputs too)."""
    ids = tf.constant([[1, 2, 0]], tf.int32)
    inputs = {"input_ids": ids,
              "attention_mask": tf.constant([[1, 1, 0]], tf.int32),
              "token_type_ids": tf.zeros_like(ids)}
    if decoder:
        inputs.update(decoder_input_ids=ids[:, :2],
                      decoder_attention_mask=tf.ones_like(ids[:, :2]))
    return inputs


def save(head_layers: dict, directory: str) -> None:
    if not head_layers:
        return
    arrays = {f"{name}/{i}": w for name, layer in head_layers.items()
              for i, w in enumerate(layer.get_weights())}
    np.savez(os.path.join(directory, FILE), **arrays)


def load(model, directory: str) -> None:
    """Builds `model` with a dummy batch, then restores its head layers."""
    if not model.head_layers:
        return
    model(dummy_inputs(), training=False)
    with np.load(os.path.join(directory, FILE)) as saved:
        for name, layer in model.head_layers.items():
            n = len(layer.get_weights())
            layer.set_weights([saved[f"{name}/{i}"] for i in range(n)])
