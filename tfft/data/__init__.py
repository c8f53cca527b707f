"""Data: sources -> `datasets.DatasetDict` -> tokenized -> `tf.data`."""
