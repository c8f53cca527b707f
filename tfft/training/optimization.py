"""AdamW with linear warmup then linear decay, in either Keras flavour."""

import tensorflow as tf

from tfft import keras_compat

# Variables whose names contain these get no weight decay (biases and
# LayerNorm scales/offsets in transformers and keras-hub naming).
NO_DECAY = ["bias", "LayerNorm", "layer_norm", "layernorm", "gamma", "beta"]


def warmup_linear_decay(keras, peak: float, warmup_steps: int,
                        total_steps: int, micro_steps: int = 1):
    """A `keras.optimizers.schedules.LearningRateSchedule` of `keras`, in
    optimizer steps; `micro_steps` > 1 when the counter it is called with
    counts micro-batches (Keras 3's gradient accumulation)."""

    class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
        def __init__(self, peak, warmup_steps, total_steps, micro_steps):
            self.peak = peak
            self.warmup_steps = warmup_steps
            self.total_steps = total_steps
            self.micro_steps = micro_steps

        def __call__(self, step):
            step = tf.cast(step // self.micro_steps, tf.float32)
            warmup = tf.cast(max(self.warmup_steps, 1), tf.float32)
            decay = tf.cast(max(self.total_steps - self.warmup_steps, 1),
                            tf.float32)
            up = step / warmup
            down = (tf.cast(self.total_steps, tf.float32) - step) / decay
            factor = tf.where(step < self.warmup_steps, up, down)
            return self.peak * tf.clip_by_value(factor, 0.0, 1.0)

        def get_config(self):
            return {"peak": self.peak, "warmup_steps": self.warmup_steps,
                    "total_steps": self.total_steps,
                    "micro_steps": self.micro_steps}

    return WarmupLinearDecay(peak, warmup_steps, total_steps, micro_steps)


def build_optimizer(keras, train_config, total_steps: int):
    """AdamW (decoupled weight decay, none on biases/LayerNorm) following
    `warmup_linear_decay`, gradients clipped to `clip_norm` (global norm)
    when it is set; `total_steps` counts optimizer steps. With
    `grad_accumulation` N > 1, Keras 3 optimizers accumulate N micro-batches
    themselves (tf_keras models do it in their train_step)."""
    accumulate = train_config.grad_accumulation
    native = accumulate > 1 and keras_compat.native_gradient_accumulation(
        keras)
    warmup = int(round(train_config.warmup_ratio * total_steps))
    extra = {"gradient_accumulation_steps": accumulate} if native else {}
    optimizer = keras.optimizers.AdamW(
        learning_rate=warmup_linear_decay(
            keras, train_config.learning_rate, warmup, total_steps,
            micro_steps=accumulate if native else 1),
        weight_decay=train_config.weight_decay,
        epsilon=1e-6,
        global_clipnorm=train_config.clip_norm or None,
        **extra,
    )
    optimizer.exclude_from_weight_decay(var_names=NO_DECAY)
    return optimizer
