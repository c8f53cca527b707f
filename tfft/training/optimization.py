"""AdamW with linear warmup then linear decay, in either Keras flavour,
its Adam step in TensorFlow's fused kernel, with per-variable learning-rate
multipliers (a faster head, layer-wise decay)."""

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
    """AdamW (`fused_adamw`; decoupled weight decay, none on biases or
    LayerNorm) following `warmup_linear_decay`, gradients clipped to
    `clip_norm` (global norm) when it is set; `total_steps` counts
    optimizer steps. With `grad_accumulation` N > 1, Keras 3 optimizers
    accumulate N micro-batches themselves (tf_keras models do it in their
    train_step)."""
    accumulate = train_config.grad_accumulation
    native = accumulate > 1 and keras_compat.native_gradient_accumulation(
        keras)
    warmup = int(round(train_config.warmup_ratio * total_steps))
    extra = {"gradient_accumulation_steps": accumulate} if native else {}
    optimizer = fused_adamw(keras)(
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


def lr_multipliers(embeddings, layers, others, *, head: float = 1.0,
                   layer_decay: float = 1.0):
    """[(variables, multiplier)] of a model's parts: transformer layer i
    of L (bottom first, from 0) learns at `layer_decay`^(L - i) times the
    rate, the embeddings at `layer_decay`^(L + 1) (layer-wise decay as in
    ELECTRA and BEiT), and `others`, everything above the layers (pooler,
    task head), at `head` times. Parts at 1.0 are left out."""
    count = len(layers)
    parts = [(embeddings, layer_decay ** (count + 1)), (others, head)]
    parts += [(layer, layer_decay ** (count - i))
              for i, layer in enumerate(layers)]
    return [(variables, scale) for variables, scale in parts
            if variables and scale != 1.0]


def set_lr_multipliers(optimizer, groups) -> None:
    """Makes `optimizer` (a `fused_adamw` one) scale the learning rate of
    each variable in `groups` ([(variables, multiplier)], as
    `lr_multipliers` gives) by its multiplier. Decoupled weight decay
    keeps the base rate (Keras applies it to all variables in one pass)."""
    optimizer.tfft_lr_multipliers = {
        optimizer._var_key(v): float(scale)
        for variables, scale in groups for v in variables}


def fused_adamw(keras):
    """`keras.optimizers.AdamW` whose Adam step runs in TensorFlow's fused
    `ResourceApplyAdam` kernel: one pass over a variable and its two
    moments instead of Keras' ~10 element-wise ops, each a pass over memory
    (on the MiniLM demo the optimizer was ~19% of a CPU training step).

    Same formula, slots, config and checkpoints as Keras' own: ε is added
    to √v, the bias corrections use `iterations + 1`, the decoupled weight
    decay stays Keras' separate step. A sparse (embedding) gradient is made
    dense first, in every path: textbook Adam, as tf_keras (which merges
    duplicate rows first) and PyTorch compute it. Keras 3's own step
    differs there: it squares each occurrence of a row separately, so a
    token seen k times in a batch gets the sum of k squares as its second
    moment instead of the square of its summed gradient (k times smaller
    when the k agree: larger steps for frequent tokens). Keras' own step (on the
    dense gradient) runs instead of the kernel for AMSGrad and for
    distributed variables (Mirrored, multi-worker, TPU), where the kernel
    would need each replica's component.

    A variable's rate is scaled by its multiplier in
    `tfft_lr_multipliers` (set by `set_lr_multipliers`), in every path.
    """

    class FusedAdamW(keras.optimizers.AdamW):
        tfft_lr_multipliers = {}  # {_var_key: multiplier}

        def update_step(self, gradient, variable, *learning_rate):
            gradient = tf.convert_to_tensor(gradient)  # IndexedSlices too
            var, m, v = keras_compat.adam_state(self, variable)
            scale = self.tfft_lr_multipliers.get(self._var_key(variable), 1.0)
            if self.amsgrad or any(
                    isinstance(x, tf.distribute.DistributedValues)
                    for x in (var, m, v)):
                return self._keras_update_step(gradient, variable,
                                               learning_rate, scale)
            dtype = var.dtype
            # Keras 3 passes the step's rate; tf_keras reads its own.
            lr = learning_rate[0] if learning_rate else self.learning_rate
            lr = lr * scale if scale != 1.0 else lr
            step = tf.cast(self.iterations + 1, dtype)
            beta_1 = tf.cast(self.beta_1, dtype)
            beta_2 = tf.cast(self.beta_2, dtype)
            tf.raw_ops.ResourceApplyAdam(
                var=var.handle, m=m.handle, v=v.handle,
                beta1_power=tf.pow(beta_1, step),
                beta2_power=tf.pow(beta_2, step),
                lr=tf.cast(lr, dtype), beta1=beta_1, beta2=beta_2,
                epsilon=tf.cast(self.epsilon, dtype),
                grad=tf.cast(gradient, dtype))

        def _keras_update_step(self, gradient, variable, learning_rate,
                               scale):
            """Keras' own Adam step, its rate scaled by `scale`: Keras 3
            takes the rate as an argument; tf_keras reads its own, so its
            update (linear in the rate) is scaled afterwards."""
            if learning_rate:
                return super().update_step(gradient, variable,
                                           learning_rate[0] * scale)
            if scale == 1.0:
                return super().update_step(gradient, variable)
            before = tf.identity(variable)
            super().update_step(gradient, variable)
            variable.assign(before + (variable - before) * scale)

    return FusedAdamW
