"""Tokenization as TensorFlow ops, so a SavedModel can take raw strings.

Each family's in-graph tokenizer reproduces the tokenizer it trained with:

- `hf`: `BertWordPiece` re-implements a Hugging Face fast BERT tokenizer
  (BertNormalizer -> BertPreTokenizer -> WordPiece, special tokens matched in
  the raw text) with core TF and tensorflow-text ops, configured from the
  checkpoint's `tokenizer.json`. Its ids equal the fast tokenizer's (tested
  on every Rotten Tomatoes snippet and an edge-case list). `SentencePiece`
  runs a SentencePiece Unigram checkpoint's (T5, mT5) own `spiece.model`
  in tensorflow-text, with the fast tokenizer's special-token matching.
  `ByteLevelBPE` (BART, RoBERTa, GPT-2) runs GPT-2's pre-tokenizer and
  keras-hub's BPE layer with the checkpoint's vocabulary and merges.
- `keras_hub`: the keras-hub tokenizer layer itself, which runs
  tensorflow-text ops when traced (training calls it eagerly for fewer
  than 256 texts, which runs pure Python); `KerasHubTokenizer` makes the
  two paths agree; a byte-level BPE layer runs as `ByteLevelBPE`, in
  training too.

`Packer` then adds the special tokens, truncates the way the family's
training tokenizer does and pads to the longest row of the batch.

For generating tasks, `WordPieceDecoder`, `SentencePieceDecoder` and
`ByteLevelDecoder` turn ids back into text as the fast tokenizer's
`decode(ids, skip_special_tokens=True)` does (`KerasHubDecoder` as
keras-hub's `detokenize`). `hf_tokenizer_in_graph` and
`hf_decoder_in_graph` pick the class for a transformers tokenizer.
"""

import contextlib
import json
import string

import tensorflow as tf
import tensorflow_text as tf_text

from tfft import assets
from tfft.errors import UserError
from tfft.models.pair_template import NOT_PACKED
from tfft.models.pair_template import PairTemplate

# BertNormalizer.handle_chinese_chars: the CJK Unified Ideograph blocks.
CJK = (r"[\x{4E00}-\x{9FFF}\x{3400}-\x{4DBF}\x{20000}-\x{2A6DF}"
       r"\x{2A700}-\x{2B73F}\x{2B740}-\x{2B81F}\x{2B820}-\x{2CEAF}"
       r"\x{F900}-\x{FAFF}\x{2F800}-\x{2FA1F}]")
# BertNormalizer.clean_text drops NUL, U+FFFD and "other" characters
# except \t \n \r (Cc is exactly U+0000-001F and U+007F-009F), then maps
# whitespace to a space. RE2 has no class for unassigned code points (Cn),
# which the Rust normalizer also drops.
CONTROL = (r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\x{FFFD}\p{Cf}\p{Co}"
           r"\p{Cs}]")
WHITESPACE = r"[\t\n\r\p{Zs}\x{2028}\x{2029}]"
# BertPreTokenizer: split on whitespace, isolate each punctuation mark
# (ASCII punctuation, which includes symbols like $ + <, or Unicode P*).
PUNCTUATION = r"[!-/:-@\[-`{-~\p{P}]"
SPLIT_ON = rf"\s|{WHITESPACE}|{PUNCTUATION}"


def _escape(token: str) -> str:
    """A literal RE2 pattern (RE2 accepts escapes of ASCII punctuation)."""
    return "".join(f"\\{c}" if c in string.punctuation else c for c in token)


def _valid_utf8(texts):
    """Invalid UTF-8 becomes U+FFFD (what a Python client decoding with
    errors="replace" would send)."""
    return tf.strings.unicode_transcode(texts, "UTF-8", "UTF-8",
                                        errors="replace",
                                        replacement_char=0xFFFD)


def _tokenizer_json(hf_tokenizer) -> dict:
    """A transformers fast tokenizer's `tokenizer.json`, parsed."""
    backend = getattr(hf_tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise UserError(
            "in-graph tokenization needs a fast tokenizer (tokenizer.json); "
            "save the checkpoint with one")
    return json.loads(backend.to_str())


class BertWordPiece(tf.Module):
    """A Hugging Face fast BERT tokenizer as TF ops: strings -> ragged ids
    (without [CLS]/[SEP]; `Packer` adds those)."""

    def __init__(self, tokenizer_json: dict, name=None):
        super().__init__(name=name)
        found = assets.graph_mismatch(
            tokenizer_json, assets.GRAPH_TOKENIZERS[assets.WORDPIECE])
        if found:
            raise UserError(
                "in-graph tokenization supports BERT WordPiece tokenizers "
                f"(this one is {found}); raw-string export of other "
                "tokenizers is not implemented yet"
            )
        normalizer = tokenizer_json["normalizer"]
        model = tokenizer_json["model"]
        self.clean_text = bool(normalizer.get("clean_text", True))
        self.chinese_chars = bool(normalizer.get("handle_chinese_chars",
                                                 True))
        self.lowercase = bool(normalizer.get("lowercase", True))
        strip = normalizer.get("strip_accents")
        self.strip_accents = self.lowercase if strip is None else bool(strip)
        self.unk_token = model["unk_token"]
        self.max_chars = int(model.get("max_input_chars_per_word", 100))
        vocab = sorted(model["vocab"].items(), key=lambda kv: kv[1])
        if [i for _, i in vocab] != list(range(len(vocab))):
            raise UserError("the tokenizer's vocabulary ids are not 0..N-1")
        specials = [t["content"] for t in tokenizer_json.get(
            "added_tokens", []) if t.get("special")]
        # Longest first, so no special token matches inside another.
        self.special_pattern = "|".join(
            _escape(t) for t in sorted(specials, key=len, reverse=True))
        self.wordpiece = tf_text.FastWordpieceTokenizer(
            vocab=[t for t, _ in vocab],
            suffix_indicator=model.get("continuing_subword_prefix", "##"),
            # Words over `max_chars` characters become [UNK] below; bytes
            # only need to cover the longest such word.
            max_bytes_per_word=4 * self.max_chars,
            token_out_type=tf.int32, unknown_token=self.unk_token,
            no_pretokenization=True)

    @classmethod
    def from_hf(cls, hf_tokenizer):
        """From a transformers fast tokenizer (its `tokenizer.json`)."""
        return cls(_tokenizer_json(hf_tokenizer))

    def normalize(self, text):
        """BertNormalizer, in its order: clean, CJK, accents, lowercase."""
        if self.clean_text:
            text = tf.strings.regex_replace(text, CONTROL, "")
            text = tf.strings.regex_replace(text, WHITESPACE, " ")
        if self.chinese_chars:
            text = tf.strings.regex_replace(text, CJK, r" \0 ")
        if self.strip_accents:
            text = tf_text.normalize_utf8(text, "NFD")
            text = tf.strings.regex_replace(text, r"\p{Mn}", "")
        if self.lowercase:
            # ICU lowercases a word-final capital sigma to final sigma;
            # the Rust normalizer maps each character on its own.
            text = tf.strings.regex_replace(text, "\u03a3", "\u03c3")
            text = tf.strings.lower(text, encoding="utf-8")
        return text

    def words(self, texts):
        """[batch] strings -> ragged [batch, (words)] strings."""
        # Invalid UTF-8 becomes U+FFFD, which cleaning then drops.
        texts = _valid_utf8(texts)
        # regex_split stops at a NUL byte; cleaning would drop it anyway.
        texts = tf.strings.regex_replace(texts, r"\x00", "")
        if not self.special_pattern:
            return tf_text.regex_split(self.normalize(texts), SPLIT_ON,
                                       PUNCTUATION)
        special = self.special_pattern
        # Special tokens are matched in the raw text, before normalizing.
        pieces = tf_text.regex_split(texts, special, special)
        flat = pieces.flat_values
        is_special = tf.strings.regex_full_match(flat, special)
        flat = tf.where(is_special, flat, self.normalize(flat))
        words = tf_text.regex_split(flat, f"{special}|{SPLIT_ON}",
                                    f"{special}|{PUNCTUATION}")
        return pieces.with_flat_values(words).merge_dims(1, 2)

    def __call__(self, texts):
        """[batch] strings -> ragged [batch, (tokens)] int32 ids."""
        words = self.words(texts)
        flat = words.flat_values
        too_long = tf.strings.length(flat, unit="UTF8_CHAR") > self.max_chars
        flat = tf.where(too_long, self.unk_token, flat)
        ids = self.wordpiece.tokenize(flat)
        return words.with_flat_values(ids).merge_dims(1, 2)


# tokenizers' WordPiece decoder with `cleanup` (applied to each token,
# after its joining space is added), then transformers'
# `clean_up_tokenization` (applied to the joined text), in their order.
TOKEN_CLEANUP = ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","),
                 (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
                 (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"),
                 (" 're", "'re"))
TEXT_CLEANUP = tuple(p for p in TOKEN_CLEANUP if p[0] != " do not")


def _replace_all(texts, pairs):
    """str.replace of each (old, new) pair in turn (leftmost, not
    overlapping, as RE2's global replace)."""
    for old, new in pairs:
        texts = tf.strings.regex_replace(texts, _escape(old), new)
    return texts


class _Decoder(tf.Module):
    """Ragged [batch, (ids)] -> [batch] texts: special tokens and ids
    outside the vocabulary dropped, each kept token spelled by `spell`
    (which knows whether it starts its row), each row joined, then
    `finish`."""

    def __init__(self, tokens: dict, added: list, name=None):
        super().__init__(name=name)
        tokens = dict(tokens)
        tokens.update((t["id"], t["content"]) for t in added)
        self.size = max(tokens) + 1
        self.tokens = tf.constant([tokens.get(i, "") for i in
                                   range(self.size)])
        self.special_ids = sorted(t["id"] for t in added if t.get("special"))

    def spell(self, tokens, first):
        raise NotImplementedError

    def finish(self, texts):
        return texts

    def __call__(self, ids):
        ids = tf.cast(ids, tf.int32)
        keep = (ids >= 0) & (ids < self.size)
        for special in self.special_ids:
            keep &= tf.not_equal(ids, special)
        ids = tf.ragged.boolean_mask(ids, keep)
        tokens = tf.gather(self.tokens, ids.flat_values)
        rows = tf.cast(ids.value_rowids(), tf.int32)
        first = tf.equal(tf.range(tf.size(rows)),
                         tf.gather(tf.cast(ids.row_starts(), tf.int32),
                                   rows))
        texts = tf.strings.unsorted_segment_join(
            self.spell(tokens, first), rows, tf.cast(ids.nrows(), tf.int32))
        return self.finish(texts)


class WordPieceDecoder(_Decoder):
    """Ragged [batch, (ids)] -> [batch] texts, as a Hugging Face fast
    WordPiece tokenizer's `decode(ids, skip_special_tokens=True,
    clean_up_tokenization_spaces=True)`: special tokens and ids outside
    the vocabulary dropped, each token after the first joined with a space
    unless it continues a word (`##`), then the cleanups."""

    def __init__(self, tokenizer_json: dict, name=None):
        found = assets.graph_mismatch(
            tokenizer_json, assets.GRAPH_DECODERS[assets.WORDPIECE])
        if found:
            raise UserError(
                "in-graph decoding supports WordPiece tokenizers (this one "
                f"decodes with {found}); the raw-string export of a "
                "generating model with another tokenizer is not implemented "
                "yet")
        super().__init__(
            {i: t for t, i in tokenizer_json["model"]["vocab"].items()},
            tokenizer_json.get("added_tokens", []), name=name)
        decoder = tokenizer_json["decoder"]
        self.prefix = decoder.get("prefix", "##")
        self.cleanup = bool(decoder.get("cleanup", True))

    @classmethod
    def from_hf(cls, hf_tokenizer):
        """From a transformers fast tokenizer (its `tokenizer.json`)."""
        return cls(_tokenizer_json(hf_tokenizer))

    def spell(self, tokens, first):
        prefix = _escape(self.prefix)
        continues = tf.strings.regex_full_match(tokens, f"{prefix}(?s:.*)")
        stripped = tf.strings.regex_replace(tokens, f"^{prefix}", "",
                                            replace_global=False)
        tokens = tf.where(first, tokens,
                          tf.where(continues, stripped,
                                   tf.strings.join([" ", tokens])))
        return _replace_all(tokens, TOKEN_CLEANUP) if self.cleanup else tokens

    def finish(self, texts):
        return _replace_all(texts, TEXT_CLEANUP)


class SentencePiece(tf.Module):
    """A Hugging Face fast SentencePiece Unigram tokenizer (T5, mT5) as TF
    ops: strings -> ragged ids (without the end token: `Packer` adds it).

    tensorflow-text runs the checkpoint's own SentencePiece model, whose
    normalization the tokenizer.json's Precompiled normalizer was compiled
    from; as transformers does, special tokens are matched in the raw text
    first and each text between them is encoded on its own (with its
    \u2581 prefix). The model's pieces must be tokenizer.json's vocabulary.
    Where two segmentations score exactly the same (a run of one
    character: z+zz and zz+z), which one wins after a long text is float
    rounding, and SentencePiece (float32) and tokenizers (float64) can
    round apart: such a word may get the other split (the same text).
    Every Rotten Tomatoes snippet tokenizes the same (tested).
    """

    def __init__(self, tokenizer_json: dict, model_proto: bytes, name=None):
        super().__init__(name=name)
        kind, found = assets.graph_kind(tokenizer_json)
        if kind != assets.SENTENCEPIECE:
            raise UserError(
                "in-graph SentencePiece tokenization needs a SentencePiece "
                f"Unigram tokenizer.json (this one is {found or kind})")
        self.sp = tf_text.SentencepieceTokenizer(model=model_proto,
                                                 out_type=tf.int32)
        # The model's pieces first; then added special tokens (T5's extra
        # ids), which the model never produces.
        vocab = [piece for piece, _ in tokenizer_json["model"]["vocab"]]
        size = int(self.sp.vocab_size())
        pieces = self.sp.id_to_string(tf.range(min(size, len(vocab))))
        added = {t["id"] for t in tokenizer_json.get("added_tokens", [])
                 if t.get("special")}
        if size > len(vocab) or [p.decode("utf-8") for p in pieces.numpy()
                                 ] != vocab[:size] or not added.issuperset(
                                     range(size, len(vocab))):
            raise UserError(
                f"the tokenizer's {assets.SENTENCEPIECE_MODEL} does not hold "
                "the vocabulary of its tokenizer.json; save the two together "
                "(tokenizer.save_pretrained)")
        specials = sorted(((t["content"], t["id"]) for t in tokenizer_json.get(
            "added_tokens", []) if t.get("special")),
            key=lambda t: len(t[0]), reverse=True)
        self.special_pattern = "|".join(_escape(t) for t, _ in specials)
        self.special_tokens = tf.constant([t for t, _ in specials] or [""])
        self.special_ids = tf.constant([i for _, i in specials] or [0],
                                       tf.int32)

    @classmethod
    def from_hf(cls, hf_tokenizer, tokenizer_json=None):
        """From a transformers fast tokenizer loaded from a folder that
        holds its SentencePiece model (`vocab_file`); `tokenizer_json`, its
        parsed tokenizer.json if already at hand."""
        path = getattr(hf_tokenizer, "vocab_file", None)
        if not path or not tf.io.gfile.exists(path):
            raise UserError(assets.no_sentencepiece_model())
        with tf.io.gfile.GFile(path, "rb") as f:
            return cls(tokenizer_json or _tokenizer_json(hf_tokenizer),
                       f.read())

    def __call__(self, texts):
        """[batch] strings -> ragged [batch, (tokens)] int32 ids."""
        texts = _valid_utf8(texts)
        # The ops stop at a NUL byte, which the fast tokenizer encodes as
        # an unknown character: so does U+FFFE (never a piece).
        texts = tf.strings.regex_replace(texts, r"\x00", "\ufffe")
        if not self.special_pattern:
            return self.sp.tokenize(texts)
        special = self.special_pattern
        pieces = tf_text.regex_split(texts, special, special)
        flat = pieces.flat_values
        is_special = tf.strings.regex_full_match(flat, special)
        encoded = self.sp.tokenize(tf.where(is_special, "", flat))
        which = tf.argmax(tf.cast(tf.equal(flat[:, None],
                                           self.special_tokens[None]),
                                  tf.int32), axis=1)
        specials = tf.RaggedTensor.from_row_lengths(
            tf.boolean_mask(tf.gather(self.special_ids, which), is_special),
            tf.cast(is_special, tf.int64))
        ids = tf.concat([encoded, specials], axis=1)
        return pieces.with_flat_values(ids).merge_dims(1, 2)


class _CleanedDecoder(_Decoder):
    """A decoder whose joined texts (after `untokenize`) get
    transformers' `clean_up_tokenization` where the tokenizer has
    `clean_up_tokenization_spaces`."""

    def __init__(self, tokens: dict, added: list, cleanup: bool,
                 name=None):
        super().__init__(tokens, added, name=name)
        self.cleanup = bool(cleanup)

    @classmethod
    def from_hf(cls, hf_tokenizer, tokenizer_json=None):
        return cls(tokenizer_json or _tokenizer_json(hf_tokenizer),
                   getattr(hf_tokenizer, "clean_up_tokenization_spaces",
                           False))

    def untokenize(self, texts):
        return texts

    def finish(self, texts):
        texts = self.untokenize(texts)
        return _replace_all(texts, TEXT_CLEANUP) if self.cleanup else texts


class SentencePieceDecoder(_CleanedDecoder):
    """Ragged [batch, (ids)] -> [batch] texts, as a Hugging Face fast
    SentencePiece tokenizer's `decode(ids, skip_special_tokens=True)`:
    special tokens and ids outside the vocabulary dropped, then tokenizers'
    Metaspace decoder (\u2581 becomes a space, and is dropped from the
    first token), then transformers' `clean_up_tokenization` where the
    tokenizer has `clean_up_tokenization_spaces`."""

    def __init__(self, tokenizer_json: dict, cleanup: bool, name=None):
        kind, found = assets.graph_kind(tokenizer_json, decodes=True)
        if kind != assets.SENTENCEPIECE:
            raise UserError(
                "in-graph SentencePiece decoding needs a SentencePiece "
                f"Unigram tokenizer.json (this one is {found or kind})")
        super().__init__(
            {i: piece for i, (piece, _) in enumerate(
                tokenizer_json["model"]["vocab"])},
            tokenizer_json.get("added_tokens", []), cleanup, name=name)
        self.replacement = tokenizer_json["decoder"].get("replacement",
                                                         "\u2581")

    def spell(self, tokens, first):
        mark = _escape(self.replacement)
        return tf.where(first, tf.strings.regex_replace(tokens, mark, ""),
                        tf.strings.regex_replace(tokens, mark, " "))


def _byte_alphabet() -> dict:
    """GPT-2's byte -> character map (tokenizers' ByteLevel): printable
    bytes stand for themselves, the others for characters from U+0100."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAC + 1),
                 *range(0xAE, 0xFF + 1)]
    others = [b for b in range(256) if b not in printable]
    return {**{b: chr(b) for b in printable},
            **{b: chr(256 + n) for n, b in enumerate(others)}}


# GPT-2's pre-tokenizer (tokenizers' ByteLevel, use_regex): its pattern
# without the lookahead RE2 lacks, whitespace as Unicode's White_Space.
WHITE_SPACE = (r"\t\n\x0B\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}"
               r"\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}")
GPT2_PIECE = (r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+"
              rf"| ?[^{WHITE_SPACE}\p{{L}}\p{{N}}]+|[{WHITE_SPACE}]+")


def gpt2_pieces(texts, specials=()):
    """[batch] texts without NUL -> ragged [batch, (pieces)]: the added
    tokens `specials` matched whole first, then each text between them
    split as GPT-2's pattern does with its lookahead: a run of whitespace
    before a non-space gives its last character to what follows (a space
    joins the next word; another whitespace character stands alone), the
    rest of the run is one piece (NUL marks the cut)."""
    texts = tf.convert_to_tensor(texts)
    if specials:
        pattern = "|".join(_escape_re2(t) for t in
                           sorted(specials, key=len, reverse=True))
        parts = tf_text.regex_split(texts, pattern, pattern)
        flat = parts.flat_values
        special = tf.strings.regex_full_match(flat, f"(?:{pattern})")
    else:
        parts = tf.RaggedTensor.from_tensor(texts[:, None])
        flat, special = parts.flat_values, tf.zeros_like(parts.flat_values,
                                                         tf.bool)
    cut = tf.strings.regex_replace(
        flat, rf"([{WHITE_SPACE}])([^{WHITE_SPACE}])", "\x00\\1\\2")
    # An added token is one piece: a one-letter stand-in, put back below.
    cut = tf.where(special, "a", cut)
    segments = tf.strings.split(cut, "\x00")  # [parts, (segments)]
    pieces = tf_text.regex_split(segments.flat_values, GPT2_PIECE,
                                 GPT2_PIECE)  # [segments, (pieces)]
    of_part = tf.gather(segments.value_rowids(), pieces.value_rowids())
    values = tf.where(tf.gather(special, of_part), tf.gather(flat, of_part),
                      pieces.flat_values)
    return tf.RaggedTensor.from_nested_row_splits(
        values, [parts.row_splits, segments.row_splits,
                 pieces.row_splits]).merge_dims(1, 3)


@contextlib.contextmanager
def _split_as_gpt2(specials):
    """keras-hub's byte-level BPE layers split text with `gpt2_pieces`
    while this lasts (while a layer is traced: the graph keeps it)."""
    from keras_hub.src.tokenizers import byte_pair_tokenizer

    own = byte_pair_tokenizer.split_strings_for_bpe
    byte_pair_tokenizer.split_strings_for_bpe = (
        lambda inputs, unsplittable_tokens=None: gpt2_pieces(inputs,
                                                             specials))
    try:
        yield
    finally:
        byte_pair_tokenizer.split_strings_for_bpe = own


@contextlib.contextmanager
def _merge_each_word_once(layer):
    """keras-hub 0.32's BPE merges a batch's uncached words, repeats
    included, in one loop whose every step touches all of them; while
    this lasts `layer` merges each distinct word once (the 12,752 RT
    snippets in one call on a 2-core AVX2 CPU: 36.4 s -> 7.5 s, the same
    ids). A serving batch's repeated words are merged once too."""
    own = layer._bpe_merge_and_update_cache_tf
    layer._bpe_merge_and_update_cache_tf = (
        lambda tokens: own(tf.unique(tokens).y))
    try:
        yield
    finally:
        del layer._bpe_merge_and_update_cache_tf  # the class's method again


def _escape_re2(text: str) -> str:
    """A literal RE2 pattern for any text."""
    return "".join(c if c.isalnum() else f"\\x{{{ord(c):x}}}" for c in text)


class ByteLevelBPE(tf.Module):
    """A byte-level BPE tokenizer (BART, RoBERTa, GPT-2) as TF ops: text ->
    ragged ids exactly as Hugging Face's fast tokenizer: NULs split out
    (byte tokens of their own), added tokens matched whole in the raw
    text, GPT-2's pre-tokenizer (`gpt2_pieces`), then keras-hub's
    `BytePairTokenizer` for the byte alphabet, merges and vocabulary.
    keras-hub 0.32's own pre-split differs from GPT-2's (its graph keeps
    a run of newlines before a word whole; its Python path splits a space
    from a following 's as Llama 3 does), so its split is replaced by
    GPT-2's while the layer is traced. Tested against the fast tokenizer
    on every Rotten Tomatoes snippet and an edge-case list. Added tokens
    are matched as written: one whose `lstrip`/`rstrip` would take the
    spaces beside it (BART's <mask>) leaves them to the text here."""

    def __init__(self, layer, name=None):
        super().__init__(name=name)
        if layer.add_prefix_space:
            raise UserError(
                "in-graph byte-level BPE with add_prefix_space (a space "
                "before each text) is not implemented; the BART, RoBERTa "
                "and GPT-2 tokenizers have it off")
        self.layer = layer
        self.specials = list(layer.unsplittable_tokens or [])
        nul = dict(layer.vocabulary).get(_byte_alphabet()[0])
        self.nul_id = None if nul is None else int(nul)

    @classmethod
    def from_tokenizer_json(cls, tokenizer_json: dict):
        """From a Hugging Face fast tokenizer's parsed tokenizer.json."""
        from tfft import keras_compat

        keras_compat.keras_for("keras_hub")  # Keras 3's backend first
        import keras_hub

        kind, found = assets.graph_kind(tokenizer_json)
        if kind != assets.BYTE_LEVEL_BPE:
            raise UserError("in-graph byte-level BPE needs a byte-level BPE "
                            f"tokenizer.json (this one is {found or kind})")
        model = tokenizer_json["model"]
        return cls(keras_hub.tokenizers.BytePairTokenizer(
            vocabulary=dict(model["vocab"]),
            merges=[" ".join(m) if isinstance(m, (list, tuple)) else m
                    for m in model["merges"]],
            add_prefix_space=bool(tokenizer_json["pre_tokenizer"].get(
                "add_prefix_space", False)),
            unsplittable_tokens=[t["content"] for t in
                                 tokenizer_json.get("added_tokens", [])],
            dtype="int32"))

    @tf.autograph.experimental.do_not_convert
    def _bpe(self, texts):
        """keras-hub's BPE on GPT-2's pieces of NUL-free texts."""
        with _split_as_gpt2(self.specials), \
                _merge_each_word_once(self.layer):
            return tf.cast(self.layer(texts), tf.int32)

    def __call__(self, texts):
        """Traced only (keras-hub's layer runs Python when eager)."""
        texts = _valid_utf8(texts)
        if self.nul_id is None:  # (no byte token: NUL becomes a space)
            return self._bpe(tf.strings.regex_replace(texts, r"\x00", " "))
        parts = tf.strings.split(texts, "\x00")  # [batch, (parts)]
        ids = self._bpe(parts.flat_values)
        # Each part but its text's last is followed by a NUL.
        count = tf.shape(parts.flat_values, out_type=tf.int64)[0]
        followed = tf.tensor_scatter_nd_update(
            tf.ones([count], tf.bool), parts.row_limits()[:, None] - 1,
            tf.zeros_like(parts.row_limits(), tf.bool))
        nuls = tf.RaggedTensor.from_row_lengths(
            tf.fill([tf.reduce_sum(tf.cast(followed, tf.int32))],
                    self.nul_id), tf.cast(followed, tf.int64))
        ids = tf.concat([ids, nuls], axis=1)
        return tf.RaggedTensor.from_row_splits(
            ids, parts.row_splits).merge_dims(1, 2)


class ByteLevelDecoder(_CleanedDecoder):
    """Ragged [batch, (ids)] -> [batch] texts, as a Hugging Face fast
    byte-level BPE tokenizer's `decode(ids, skip_special_tokens=True)`:
    special tokens and ids outside the vocabulary dropped, the tokens
    joined, each character turned back into the byte it stands for (a
    character outside the byte alphabet, in an added token, into its own
    UTF-8), bytes that are no valid UTF-8 replaced by U+FFFD (as
    `errors="replace"`), then transformers' `clean_up_tokenization` where
    the tokenizer has `clean_up_tokenization_spaces`."""

    def __init__(self, tokenizer_json: dict, cleanup: bool, name=None):
        kind, found = assets.graph_kind(tokenizer_json, decodes=True)
        if kind != assets.BYTE_LEVEL_BPE:
            raise UserError("in-graph byte-level decoding needs a byte-level"
                            f" BPE tokenizer.json (this one is "
                            f"{found or kind})")
        super().__init__(
            {i: t for t, i in tokenizer_json["model"]["vocab"].items()},
            tokenizer_json.get("added_tokens", []), cleanup, name=name)
        alphabet = _byte_alphabet()
        size = max(ord(c) for c in alphabet.values()) + 1
        byte_of = [-1] * size
        for byte, char in alphabet.items():
            byte_of[ord(char)] = byte
        self.byte_of = tf.constant(byte_of, tf.int32)
        self.bytes = tf.constant([bytes([b]) for b in range(256)])

    def spell(self, tokens, first):
        return tokens

    def untokenize(self, texts):
        chars = tf.strings.unicode_decode(texts, "UTF-8")  # [batch, (chars)]
        points = chars.flat_values
        known = points < tf.shape(self.byte_of)[0]
        byte = tf.gather(self.byte_of, tf.where(known, points, 0))
        known &= byte >= 0
        own = tf.strings.unicode_encode(points[:, None], "UTF-8")
        pieces = tf.where(known, tf.gather(self.bytes, tf.maximum(byte, 0)),
                          own)
        raw = tf.strings.reduce_join(chars.with_flat_values(pieces), axis=1)
        return _valid_utf8(raw)


def hf_tokenizer_in_graph(hf_tokenizer):
    """The in-graph tokenizer for a transformers fast tokenizer."""
    spec = _tokenizer_json(hf_tokenizer)
    kind, _ = assets.graph_kind(spec)
    if kind == assets.SENTENCEPIECE:
        return SentencePiece.from_hf(hf_tokenizer, spec)
    if kind == assets.BYTE_LEVEL_BPE:
        return ByteLevelBPE.from_tokenizer_json(spec)
    return BertWordPiece(spec)  # (which names what it does not run)


def hf_decoder_in_graph(hf_tokenizer):
    """The in-graph `decode` for a transformers fast tokenizer."""
    spec = _tokenizer_json(hf_tokenizer)
    kind, _ = assets.graph_kind(spec, decodes=True)
    if kind == assets.SENTENCEPIECE:
        return SentencePieceDecoder.from_hf(hf_tokenizer, spec)
    if kind == assets.BYTE_LEVEL_BPE:
        return ByteLevelDecoder.from_hf(hf_tokenizer, spec)
    return WordPieceDecoder(spec)


class KerasHubTokenizer(tf.Module):
    """A keras-hub WordPiece tokenizer layer, made safe for raw serving
    input (byte-level BPE layers: `ByteLevelBPE`).

    keras-hub runs pure Python when called eagerly (as training does for
    fewer than 256 texts) and tensorflow-text ops when traced (as in a
    SavedModel, and training's larger splits). The two differ on
    NUL, which the Python path treats as whitespace and tensorflow-text's
    regex_split treats as the end of the string; a space before the layer
    makes them agree.
    """

    def __init__(self, layer, name=None):
        super().__init__(name=name)
        self.layer = layer

    def __call__(self, texts):
        texts = tf.strings.regex_replace(_valid_utf8(texts), r"\x00", " ")
        return self.layer(texts)


class KerasHubDecoder(tf.Module):
    """A keras-hub tokenizer's `detokenize` without its special tokens
    (keras-hub's `generate_postprocess`): ragged ids -> texts. Byte-level
    BPE can generate byte pieces that are no valid UTF-8 alone: they are
    replaced by U+FFFD, as Python's (and transformers') decode does, so
    that every output is text a REST response can carry."""

    def __init__(self, layer, name=None):
        super().__init__(name=name)
        self.layer = layer
        self.special = sorted(int(i) for i in layer.special_token_ids)

    def __call__(self, ids):
        ids = tf.cast(ids, tf.int32)
        keep = tf.ones_like(ids.flat_values, tf.bool)
        for i in self.special:
            keep &= tf.not_equal(ids.flat_values, i)
        texts = self.layer.detokenize(
            tf.ragged.boolean_mask(ids, ids.with_flat_values(keep)))
        return tf.strings.unicode_transcode(
            texts, "UTF-8", "UTF-8", errors="replace",
            replacement_char=0xFFFD)


def _longest_first_lengths(lengths, budget):
    """transformers' (tokenizers') LongestFirst allocation, closed form:
    the shorter segment keeps its length if the longer can take the rest;
    otherwise the budget is halved, the longer getting the odd token."""
    if len(lengths) == 1:
        return [tf.minimum(lengths[0], budget)]
    n1, n2 = lengths
    short, long = tf.minimum(n1, n2), tf.maximum(n1, n2)
    keep_long = tf.maximum(short, budget - short)
    fits = short + keep_long <= budget
    short = tf.where(fits, short, budget // 2)
    long = tf.where(fits, keep_long, budget // 2 + budget % 2)
    first_longer = n1 > n2
    return [tf.minimum(n1, tf.where(first_longer, long, short)),
            tf.minimum(n2, tf.where(first_longer, short, long))]


class Packer(tf.Module):
    """Ragged segments -> padded `input_ids`, `attention_mask`,
    `token_type_ids`, truncated to `max_length`: [start] a end (between b
    end), the second part typed 1 or 0: the tokenizer's `PairTemplate`
    (BERT: [CLS] a [SEP] b [SEP], typed; RoBERTa and BART: <s> a </s></s>
    b </s>, untyped; T5, without a start token: a </s> b </s>, untyped).

    `truncation` is "longest_first" (transformers) or "round_robin"
    (keras-hub's `MultiSegmentPacker`, via tensorflow-text's trimmer).
    """

    def __init__(self, max_length, start_id, end_id, pad_id, truncation,
                 num_segments, pairs=PairTemplate(), name=None):
        super().__init__(name=name)
        if truncation not in ("longest_first", "round_robin"):
            raise ValueError(f"unknown truncation {truncation!r}")
        self.between = tuple(pairs.between) if num_segments > 1 else ()
        self.typed = pairs.typed
        self.budget = (max_length - (start_id is not None) - num_segments
                       - len(self.between))
        if self.budget < 1:
            raise UserError(f"max_length {max_length} leaves no room for "
                            "text; raise --config.data.max_length")
        self.truncation = truncation
        self.start_id, self.end_id, self.pad_id = start_id, end_id, pad_id

    def trim(self, segments):
        if self.truncation == "round_robin":
            return tf_text.RoundRobinTrimmer(self.budget).trim(segments)
        lengths = [tf.cast(s.row_lengths(), tf.int32) for s in segments]
        limits = _longest_first_lengths(lengths, self.budget)
        return [tf.ragged.boolean_mask(
                    s, tf.ragged.range(n) < limit[:, None])
                for s, n, limit in zip(segments, lengths, limits)]

    def __call__(self, segments):
        return self.pack(self.trim(list(segments)))

    def pack(self, segments):
        """Segments that fit the budget -> the padded inputs (extractive
        QA's windows are cut by the task, not trimmed)."""
        segments = [tf.cast(s, tf.int32) for s in segments]
        rows = segments[0].nrows()

        def column(token):
            return tf.RaggedTensor.from_tensor(
                tf.fill([rows, 1], tf.constant(token, tf.int32)))

        starts = [] if self.start_id is None else [column(self.start_id)]
        ids = tf.concat(starts + [segments[0], column(self.end_id)], axis=1)
        types = tf.zeros_like(ids)
        if len(segments) > 1:
            second = tf.concat([column(t) for t in self.between]
                               + [segments[1], column(self.end_id)], axis=1)
            ids = tf.concat([ids, second], axis=1)
            types = tf.concat([types, tf.ones_like(second) if self.typed
                               else tf.zeros_like(second)], axis=1)
        return {
            "input_ids": ids.to_tensor(self.pad_id),
            "attention_mask": tf.ones_like(ids).to_tensor(0),
            "token_type_ids": types.to_tensor(0),
        }


class GraphTokenizer(tf.Module):
    """Texts (one or two [batch] string tensors) -> padded model inputs.
    Token tasks use its parts: `segment_tokenizer` (strings -> ragged ids),
    `word_pieces` (words -> ragged ids, as the family tokenizer's
    `tokenize_words`), `packer`'s special ids, and `unk_id`; generating
    tasks its `decoder` (ragged ids -> texts) and `decoder_prompt` (the
    decoder's first ids)."""

    def __init__(self, segment_tokenizer, packer, unk_id=None, decoder=None,
                 decoder_prompt=None, word_prefix="", name=None):
        super().__init__(name=name)
        self.segment_tokenizer = segment_tokenizer
        self.packer = packer
        self.unk_id = unk_id
        self.decoder = decoder
        self.decoder_prompt = decoder_prompt
        self.word_prefix = word_prefix

    def __call__(self, *texts):
        return self.packer([self.segment_tokenizer(t) for t in texts])

    def word_pieces(self, words):
        """[n] words -> ragged ids, each word tokenized alone behind the
        tokenizer's `word_prefix` (byte-level BPE: a space)."""
        if self.word_prefix:
            words = tf.strings.join([self.word_prefix, words])
        return self.segment_tokenizer(words)


def for_tokenizer(tokenizer, max_length: int, num_segments: int,
                  decodes: bool = False):
    """The in-graph twin of a family tokenizer (`hf.Tokenizer` or
    `keras_hub.Tokenizer`); with `decodes`, also its decoder."""
    pairs = tokenizer.pair_template
    if num_segments > 1 and pairs is None:
        raise UserError(f"this tokenizer {NOT_PACKED}")
    packer = Packer(max_length, tokenizer.start_id, tokenizer.end_id,
                    tokenizer.pad_id, tokenizer.truncation, num_segments,
                    pairs or PairTemplate())
    segmenter = tokenizer.in_graph()
    return GraphTokenizer(
        segmenter, packer, getattr(tokenizer, "unk_id", None),
        decoder=tokenizer.in_graph_decoder() if decodes else None,
        decoder_prompt=getattr(tokenizer, "decoder_prompt", None),
        word_prefix=tokenizer.word_prefix)
