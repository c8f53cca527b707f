"""Models: one builder over two families (`hf`, `keras_hub`) + task heads."""
