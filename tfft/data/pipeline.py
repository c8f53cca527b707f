"""Tokenized `datasets.Dataset` -> batched, prefetched `tf.data.Dataset`."""

import datasets
import tensorflow as tf

MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def to_tf_dataset(dataset: datasets.Dataset, *, batch_size: int,
                  collate_fn, shuffle: bool, label_column="labels",
                  drop_remainder=False) -> tf.data.Dataset:
    """Yields `(features, labels)` batches through `Dataset.to_tf_dataset`.

    Integer features are int32 (`to_tf_dataset` widens them to int64; TPUs
    and keras-hub embeddings want int32). Shuffling is seeded by the global
    TF seed (`keras_compat.set_seed`) and reshuffles every epoch.
    `batch_size` is the global batch.
    """
    tf_dataset = dataset.to_tf_dataset(
        columns=list(MODEL_INPUTS),
        label_cols=label_column if label_column in dataset.column_names
        else None,
        batch_size=batch_size,
        shuffle=shuffle,
        collate_fn=collate_fn,
        drop_remainder=drop_remainder,
        prefetch=False,
    )
    tf_dataset = tf_dataset.map(_to_int32,
                                num_parallel_calls=tf.data.AUTOTUNE)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA)
    return tf_dataset.with_options(options).prefetch(tf.data.AUTOTUNE)


def _to_int32(*parts):
    def cast(t):
        return tf.cast(t, tf.int32) if t.dtype == tf.int64 else t

    return tf.nest.map_structure(cast, parts if len(parts) > 1 else parts[0])
