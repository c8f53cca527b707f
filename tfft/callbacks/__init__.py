"""Keras callbacks, one per file. They subclass `tf_keras.callbacks.Callback`
so that both families' `fit` accept them (Keras 3's `fit` takes tf_keras
callbacks; tf_keras' `fit` rejects Keras-3 ones)."""
