"""Question answering from raw strings as TensorFlow ops (SavedModels).

The in-graph twin of `tfft.tasks.question_answering`: its `tokenize`
(question tokens, context words and windows) and its `decode` (n-best
span search per window, the best window per example, the no-answer rule),
with core TF and tensorflow-text ops that TF Serving links. Tests keep the
two equal.
"""

import tensorflow as tf

from tfft.export import graph_words

NEG_INF = float("-inf")


def answer_fn(config, unanswerable, from_token_ids, tokenizer):
    """A function of [batch] question and context strings -> `answer`,
    `start`, `end`, `score` ([batch] each); `from_token_ids` (model
    inputs -> the task's `start_logits` and `end_logits`) runs the
    model."""
    d, m = config.data, config.model
    pieces, packer = tokenizer.word_pieces, tokenizer.packer
    unk_id = tokenizer.unk_id

    def serve(question, context):
        batch = tf.size(question, tf.int64)
        words, char_begin, char_end, byte_begin, byte_end = \
            graph_words.split_words(context)
        tokens, _, word_of = graph_words.word_tokens(words, pieces, unk_id)
        questions = tf.cast(pieces(question), tf.int64)[
            :, :d.max_question_length]
        # [CLS] question [SEP] (RoBERTa: <s> question </s></s>)
        offset = questions.row_lengths() + 2 + len(packer.between)
        seq, starts, ends, _ = graph_words.windows(
            tokens.row_lengths(), d.max_length - 1 - offset, d.stride)
        first_token = tf.gather(tokens.row_splits[:-1], seq)
        index = tf.ragged.range(starts, ends) + first_token[:, None]
        outputs = from_token_ids(packer.pack(
            [tf.gather(questions, seq), tf.gather(tokens.flat_values, index)]))
        logits = tf.stack([outputs["start_logits"], outputs["end_logits"]],
                          axis=-1)

        window_offset = tf.gather(offset, seq)
        score, span_start, span_end = best_spans(
            logits, window_offset, ends - starts, m.n_best_size,
            m.max_answer_length)
        no_answer = logits[:, 0, 0] + logits[:, 0, 1]
        chosen = _first_max(score, seq, batch)
        null_window = _first_max(-no_answer, seq, batch)  # the lowest
        best = tf.gather(score, chosen)
        odds = tf.gather(no_answer, null_window) - best
        none = tf.equal(best, NEG_INF)
        if unanswerable:
            none |= odds > m.null_score_threshold

        # The chosen window's tokens -> words -> characters and bytes.
        def word(position):
            token = (tf.gather(first_token + starts, chosen)
                     + tf.gather(position - window_offset, chosen))
            return _take(word_of, token)

        first_word, last_word = word(span_start), word(span_end)
        ok = tf.logical_not(none)

        def at(values, index):
            found = _take(values.flat_values, index)
            return tf.where(ok, found, tf.zeros_like(found))

        b0, b1 = at(byte_begin, first_word), at(byte_end, last_word)
        answer = tf.where(ok, tf.strings.substr(
            graph_words.valid_utf8(context), b0, b1 - b0), "")
        lengths = ends - starts
        probability = tf.where(
            ok,
            tf.gather(span_probability(logits, span_start, span_end,
                                       window_offset, lengths), chosen),
            tf.gather(span_probability(logits, tf.zeros_like(span_start),
                                       tf.zeros_like(span_end),
                                       window_offset, lengths),
                      null_window))
        return {"answer": answer,
                "start": at(char_begin, first_word),
                "end": at(char_end, last_word),
                "score": probability}

    return serve


def best_spans(logits, offset, length, n_best, max_answer_length):
    """Per window ([windows, positions, 2] logits), `best_span` of
    `tfft.tasks.question_answering`: (score, start, end) positions,
    score -inf where no pair is valid."""
    positions = tf.range(tf.shape(logits, out_type=tf.int64)[1])[None, :]
    context = ((positions >= offset[:, None])
               & (positions < (offset + length)[:, None]))
    k = tf.minimum(n_best, tf.shape(logits)[1])

    def top(column):
        masked = tf.where(context, logits[:, :, column], NEG_INF)
        values, index = tf.math.top_k(masked, k)
        return values, tf.cast(index, tf.int64)

    start_values, start_index = top(0)
    end_values, end_index = top(1)
    gap = end_index[:, None, :] - start_index[:, :, None]
    scores = start_values[:, :, None] + end_values[:, None, :]
    valid = ((gap >= 0) & (gap < max_answer_length)
             & tf.math.is_finite(scores))
    scores = tf.reshape(tf.where(valid, scores, NEG_INF),
                        [tf.shape(logits)[0], -1])
    flat = tf.argmax(scores, axis=1)  # the first maximum
    k64 = tf.cast(k, tf.int64)
    best = tf.reduce_max(scores, axis=1)
    found = tf.math.is_finite(best)
    start = tf.gather(start_index, flat // k64, batch_dims=1)
    end = tf.gather(end_index, flat % k64, batch_dims=1)
    zero = tf.zeros_like(start)
    return (best, tf.where(found, start, zero), tf.where(found, end, zero))


def span_probability(logits, start, end, offset, length):
    """Per window, p(start) * p(end): softmaxes over [CLS] and the
    context tokens (`_probability` of the task)."""
    positions = tf.range(tf.shape(logits, out_type=tf.int64)[1])[None, :]
    allowed = (tf.equal(positions, 0)
               | ((positions >= offset[:, None])
                  & (positions < (offset + length)[:, None])))
    total = tf.ones_like(offset, tf.float32)
    for column, position in ((0, start), (1, end)):
        row = tf.where(allowed, logits[:, :, column], NEG_INF)
        log_norm = tf.reduce_logsumexp(row, axis=1)
        total *= tf.exp(tf.gather(logits[:, :, column], position,
                                  batch_dims=1) - log_norm)
    return total


def _take(values, index):
    """`values[index]`, or 0 where `index` is outside `values` (a
    "no answer" of a context without words points nowhere)."""
    size = tf.size(values, tf.int64)
    padded = tf.concat([values, tf.zeros([1], values.dtype)], 0)
    inside = (index >= 0) & (index < size)
    return tf.gather(padded, tf.where(inside, index, size))


def _first_max(values, segments, count):
    """Per segment, the flat index of its first element that equals the
    segment's maximum of `values` (-inf counts as the lowest float, the
    segment max's starting value, so a segment of -inf picks its first)."""
    values = tf.maximum(values, values.dtype.min)
    best = tf.math.unsorted_segment_max(values, segments, count)
    index = tf.range(tf.size(values, tf.int64))
    hits = tf.equal(values, tf.gather(best, segments))
    return tf.math.unsorted_segment_min(
        tf.where(hits, index, tf.size(values, tf.int64)), segments, count)
