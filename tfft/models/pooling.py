"""Sequence -> vector pooling, in plain TF ops (usable from either Keras)."""

import tensorflow as tf

from tfft.errors import UserError


def pool(features: dict, mode: str) -> tf.Tensor:
    """`features` holds `sequence_output` [B, T, H], `attention_mask` [B, T]
    and, where the backbone has one, `pooled_output` [B, H]. Pools in
    float32 whatever the backbone's compute dtype (mixed precision)."""
    if mode == "cls":
        return tf.cast(features["sequence_output"][:, 0, :], tf.float32)
    if mode == "mean":
        seq = tf.cast(features["sequence_output"], tf.float32)
        mask = tf.cast(features["attention_mask"], tf.float32)[:, :, None]
        total = tf.reduce_sum(seq * mask, axis=1)
        return total / tf.maximum(tf.reduce_sum(mask, axis=1), 1.0)
    if mode == "pooler":
        pooled = features.get("pooled_output")
        if pooled is None:
            raise UserError(
                "model.pooling='pooler' but this backbone has no pooler "
                "(DistilBERT, for one); use --config.model.pooling=cls or "
                "--config.model.pooling=mean")
        return tf.cast(pooled, tf.float32)
    raise ValueError(f"unknown pooling {mode!r}")


POOLER_LAYERS = ("pooler", "pooled_dense")  # transformers, keras-hub names


def freeze_unused_pooler(backbone, mode: str) -> None:
    """A backbone's pooler gets no gradient unless the head pools with it:
    freeze it so the optimizer neither warns about it nor keeps slots."""
    if mode == "pooler":
        return
    for layer in backbone._flatten_layers(include_self=False):
        if layer.name in POOLER_LAYERS:
            layer.trainable = False
