"""Unfreezes a backbone's layers top-down, a few more each epoch."""

import tf_keras
from absl import logging

from tfft.models import freezing


class GradualUnfreezing(tf_keras.callbacks.Callback):
    """At each epoch's start, freezes the bottom
    `max(0, frozen - unfreeze_per_epoch * epoch)` transformer layers of a
    tfft task model and lets the others train (ULMFiT-style: the top layers
    first), then rebuilds the train step, which captured the trainable
    variables. The schedule depends on the epoch number only, so a resumed
    run freezes exactly as the interrupted one did.

    Build the optimizer on every variable that will train before `fit`
    (`tfft.training.checkpoint.build_optimizer(model, variables)`), as
    tfft's trainer does: optimizers keep slots for the variables they were
    built with. In your own code (either family)::

        unfreeze = GradualUnfreezing(frozen=6, unfreeze_per_epoch=2)
        model.fit(train, epochs=4, callbacks=[unfreeze])
    """

    def __init__(self, frozen: int, unfreeze_per_epoch: int = 1):
        super().__init__()
        self.frozen = frozen
        self.unfreeze_per_epoch = unfreeze_per_epoch
        self.current = None

    def on_epoch_begin(self, epoch, logs=None):
        layers = freezing.frozen_layers_at(epoch, self.frozen,
                                           self.unfreeze_per_epoch)
        if layers == self.current:
            return
        _, stack = freezing.parts(self.model)
        changed = any(layer.trainable != (i >= layers)
                      for i, layer in enumerate(stack))
        for i, layer in enumerate(stack):
            layer.trainable = i >= layers
        self.current = layers
        if changed:
            self.model.make_train_function(force=True)
            logging.info("Epoch %d: the bottom %d of %d layers are frozen",
                         epoch + 1, layers, len(stack))
