"""Dropout whose keep mask comes from 16-bit random numbers.

Keras (both flavours) draws one uniform float per element with
TensorFlow's Philox generator and keeps the elements where it is
>= rate. Philox makes 32 random bits per draw, and the draws are most
of dropout's time: attention-probability dropout draws batch x heads x
length² of them per layer. Two 16-bit halves of each 32-bit word are
two draws, and comparing a half with round(rate x 65536) gives the same
Bernoulli mask up to the rate's resolution of 1 / 65536, from half the
generator's work (about 2x faster here: [32, 12, 128, 128] bfloat16,
22.8 -> 11.3 ms on a 2-core CPU). The kept elements are scaled by the
inverse of the keep probability the threshold gives, so the output's
expectation is the input's exactly.

`keras_compat.halfword_dropout` routes both Keras flavours' dropout
here while a train step is traced.
"""

import tensorflow as tf

_HALF = 1 << 16


def threshold(rate: float) -> int:
    """The 16-bit value below which an element is dropped."""
    return int(round(rate * _HALF))


def drop(inputs, rate: float, draw, noise_shape=None):
    """`inputs` with each element (or each element of a `noise_shape`
    mask broadcast over them) zeroed with probability `rate` and the rest
    scaled up. `draw(shape)` returns that many random uint32 words."""
    if noise_shape is None:
        shape, size = tf.shape(inputs), tf.size(inputs)
    else:
        shape = tf.cast(noise_shape, tf.int32)
        size = tf.reduce_prod(shape)
    words = draw([(size + 1) // 2])
    halves = tf.reshape(tf.bitcast(words, tf.uint16), [-1])[:size]
    low = threshold(rate)
    keep = tf.reshape(halves >= low, shape)
    scale = tf.cast(_HALF / (_HALF - low), inputs.dtype)
    return tf.where(keep, inputs * scale, tf.zeros((), inputs.dtype))


def applies(rate) -> bool:
    """Whether `drop` takes this rate (a Python number in (0, 1) that does
    not round to 0 or 1 at 16 bits); otherwise use Keras' own."""
    return (isinstance(rate, (int, float)) and not isinstance(rate, bool)
            and 0 < threshold(rate) < _HALF)
