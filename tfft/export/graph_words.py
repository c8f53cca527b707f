"""Words, character offsets and windows as TensorFlow ops (SavedModels).

The in-graph twins of `tfft.data.words.split_words` and of the window and
max-context rules of `tfft.data.windows` (`windows`,
`max_context_window`): tests keep each pair equal. Everything here is
core TF or tensorflow-text ops that TF Serving links.
"""

import tensorflow as tf
import tensorflow_text as tf_text

from tfft.export.graph_tokenizer import CJK
from tfft.export.graph_tokenizer import PUNCTUATION
from tfft.export.graph_tokenizer import _valid_utf8 as valid_utf8

# tfft.data.words: SPACE characters separate words (whitespace, and the
# control / format characters BERT's normalizer drops); ALONE ones
# (punctuation, CJK ideographs) are words of their own.
SPACE = (r"[\t\n\f\r \x{2028}\x{2029}\p{Zs}\x00-\x08\x0B\x0E-\x1F"
         r"\x7F-\x9F\x{FFFD}\p{Cf}\p{Co}\p{Cs}]")
ALONE = f"{PUNCTUATION}|{CJK}"


def sanitize(texts):
    """Invalid UTF-8 becomes U+FFFD (a separator), as a client decoding
    with errors="replace" would send it; NUL becomes a space, because
    regex_split stops at NUL (a space keeps every offset in place)."""
    return tf.strings.regex_replace(valid_utf8(texts), r"\x00", " ")


def split_words(texts):
    """[batch] strings -> (words, char_starts, char_ends, byte_starts,
    byte_ends), each ragged [batch, (words)]. Character offsets count
    code points, as Python string indices do; byte offsets index
    `valid_utf8(texts)` (and `sanitize(texts)`, which keeps them)."""
    texts = sanitize(texts)
    words, begin, end = tf_text.regex_split_with_offsets(
        texts, f"{SPACE}|{ALONE}", ALONE)
    # Each word's text from its sentence start: prefix lengths in chars.
    rows = tf.gather(texts, words.value_rowids())
    before = tf.strings.substr(rows, tf.zeros_like(begin.flat_values),
                               begin.flat_values)
    char_begin = tf.strings.length(before, unit="UTF8_CHAR")
    char_end = char_begin + tf.strings.length(words.flat_values,
                                              unit="UTF8_CHAR")
    return (words, words.with_flat_values(tf.cast(char_begin, tf.int64)),
            words.with_flat_values(tf.cast(char_end, tf.int64)),
            begin, end)


def windows(num_tokens, length, stride: int):
    """Per sequence of `num_tokens` [batch] tokens, the windows of
    `tfft.data.windows.windows`: (sequence index, start, end) of every
    window, flat, in order, and their row splits per sequence. `length`
    is one window length, or one per sequence ([batch])."""
    num_tokens = tf.cast(num_tokens, tf.int64)
    length = tf.broadcast_to(tf.cast(length, tf.int64), tf.shape(num_tokens))
    step = length - stride
    extra = tf.maximum(num_tokens - length, 0)
    count = 1 + (extra + step - 1) // step
    k = tf.ragged.range(count)
    sequence = k.value_rowids()
    starts = k.flat_values * tf.gather(step, sequence)
    ends = tf.minimum(starts + tf.gather(length, sequence),
                      tf.gather(num_tokens, sequence))
    return sequence, starts, ends, k.row_splits


def max_context_window(positions, sequence_of_position, window_splits,
                       starts, ends):
    """For each token position (of sequence `sequence_of_position`), the
    flat index of the window where it has the most context on its nearer
    side, the first on ties (`tfft.data.windows.max_context_window`).
    """
    first = tf.gather(window_splits, sequence_of_position)
    count = tf.gather(window_splits, sequence_of_position + 1) - first
    candidates = tf.ragged.range(first, first + count)
    flat = candidates.flat_values
    position = tf.gather(positions, candidates.value_rowids())
    score = tf.minimum(position - tf.gather(starts, flat),
                       tf.gather(ends, flat) - 1 - position)
    # Highest score, then lowest window index.
    key = score * tf.cast(tf.size(starts) + 1, tf.int64) - (flat - tf.gather(
        first, candidates.value_rowids()))
    best = tf.math.segment_max(key, candidates.value_rowids())
    chosen = tf.where(tf.equal(key, tf.gather(best,
                                              candidates.value_rowids())))
    # One winner per position (keys are unique within a position).
    return tf.gather(flat, chosen[:, 0])


def word_tokens(words, word_pieces, unk_id):
    """Each word tokenized on its own by `word_pieces` (a
    `GraphTokenizer`'s; a word the tokenizer drops becomes [UNK], as
    `tokenize` does): (tokens, ragged [batch, (tokens)] int64; the position
    of each word's first token in its sentence, [words]; the word of each
    token, [tokens] flat indices into `words`)."""
    pieces = tf.cast(word_pieces(words.flat_values), tf.int64)
    empty = tf.cast(tf.equal(pieces.row_lengths(), 0), tf.int64)
    pieces = tf.concat([pieces, tf.RaggedTensor.from_row_lengths(
        tf.fill([tf.reduce_sum(empty)], tf.constant(unk_id, tf.int64)),
        empty)], axis=1)
    tokens = tf.RaggedTensor.from_row_splits(
        pieces, words.row_splits).merge_dims(1, 2)
    first = (tf.cumsum(pieces.row_lengths(), exclusive=True)
             - tf.gather(tokens.row_splits[:-1], words.value_rowids()))
    return tokens, first, pieces.value_rowids()


def window_inputs(tokens, length: int, stride: int, packer):
    """The windows of each token sequence as padded model inputs
    ([CLS] window [SEP], flat over the batch), and the windows'
    (sequence, start, end, row splits) from `windows`."""
    seq, starts, ends, splits = windows(tokens.row_lengths(), length, stride)
    index = (tf.ragged.range(starts, ends)
             + tf.gather(tokens.row_splits[:-1], seq)[:, None])
    inputs = packer.pack([tf.gather(tokens.flat_values, index)])
    return inputs, (seq, starts, ends, splits)


def at_max_context(outputs, positions, sequence_of_position, spans):
    """`outputs` [windows, length, ...] at each token position (of its
    sequence), taken from its max-context window (+1: after [CLS])."""
    _, starts, ends, splits = spans
    owner = max_context_window(positions, sequence_of_position, splits,
                               starts, ends)
    return tf.gather_nd(outputs, tf.stack(
        [owner, positions - tf.gather(starts, owner) + 1], axis=1))
