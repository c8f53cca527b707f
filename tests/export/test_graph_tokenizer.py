"""The in-graph tokenizers produce the training tokenizer's ids exactly."""

import os
import random

import pytest
import tensorflow as tf
import transformers

from tests.conftest import asset_or_skip
from tfft import assets
from tfft.errors import UserError
from tfft.export import graph_tokenizer
from tfft.models import hf
from tfft.models import keras_hub

EDGE_CASES = [
    "", " ", "   \t\n ", "Héllo Wörld", "naïve café ÉCOLE", "ça va",
    "日本語のテキスト", "中文测试 mixed中文", "한국어 텍스트",
    "emoji 😀🎉 test",
    "👍🏽", "ΟΔΟΣ Σ ΣΑΣ", "İstanbul", "straße", "ﬁne ①", "Ｆｕｌｌ ｗｉｄｔｈ",
    "a\u00a0b\u3000c\u2028d\u2029e", "x\u200bY\u200dz", "\x00nul\x01ctl\x7f",
    "\ufffdreplacement", "hello [SEP] world [CLS][MASK]", "abc[SEP]def",
    "[sep] [Sep]", "don't stop-believing... $100 + 5% <b>", "a" * 150,
    "b" * 99, "supercalifragilisticexpialidocious", "€ £ ¥ © ™",
    "‘quotes’ “double” «guillemets»", "¿Qué? ¡Sí!", "Ωmega ṁ ǅ ǈ",
    "word " * 300,
]


def graph_ids(segmenter, texts):
    return segmenter(tf.constant(texts)).to_list()


def test_hf_parity_with_the_fast_tokenizer_on_edge_cases(tiny_bert):
    fast = transformers.AutoTokenizer.from_pretrained(tiny_bert)
    ours = graph_tokenizer.BertWordPiece.from_hf(fast)
    expected = fast(EDGE_CASES, add_special_tokens=False)["input_ids"]
    assert graph_ids(ours, EDGE_CASES) == expected


def test_hf_parity_on_minilm_for_every_rt_snippet_and_edge_case(minilm_dir):
    """Issue 3, figure 1: the MiniLM vocabulary, all 12,752 RT snippets."""
    asset_or_skip(assets.corpus_path, "rotten_tomatoes")
    from tfft.data import bundled

    texts = list(bundled.rotten_tomatoes()["text"]) + EDGE_CASES
    fast = transformers.AutoTokenizer.from_pretrained(minilm_dir)
    ours = graph_tokenizer.BertWordPiece.from_hf(fast)
    expected = fast(texts, add_special_tokens=False)["input_ids"]
    got = graph_ids(ours, texts)
    mismatches = [t for t, a, b in zip(texts, got, expected) if a != b]
    assert len(texts) > 12_000
    assert mismatches == []


def test_invalid_utf8_is_replaced_then_dropped(tiny_bert):
    fast = transformers.AutoTokenizer.from_pretrained(tiny_bert)
    ours = graph_tokenizer.BertWordPiece.from_hf(fast)
    got = ours(tf.constant([b"good \xff\xfe film"])).to_list()
    assert got == fast(["good  film"], add_special_tokens=False)["input_ids"]


def _hf_packed(fast, texts, pairs, max_length):
    return fast(texts, pairs, truncation=True, max_length=max_length)


def _random_texts(n, rng, words):
    return [" ".join(rng.choice(words) for _ in range(rng.randint(0, 30)))
            for _ in range(n)]


@pytest.mark.parametrize("max_length", [8, 9, 16, 33])
def test_hf_truncation_and_pairs_match_transformers(tiny_bert, max_length):
    fast = transformers.AutoTokenizer.from_pretrained(tiny_bert)
    rng = random.Random(max_length)
    words = ["good", "film", "bad", "plot", "zzz", "the"]
    texts = _random_texts(60, rng, words)
    pairs = _random_texts(60, rng, words)
    tok = hf.Tokenizer(fast)
    for num, args in ((1, (texts, None)), (2, (texts, pairs))):
        packer = graph_tokenizer.for_tokenizer(tok, max_length, num)
        tensors = [tf.constant(a) for a in args if a is not None]
        out = packer(*tensors)
        expected = _hf_packed(fast, *args, max_length)
        mask = out["attention_mask"].numpy()
        for i in range(len(texts)):
            n = int(mask[i].sum())
            assert out["input_ids"].numpy()[i, :n].tolist() == \
                expected["input_ids"][i]
            assert out["token_type_ids"].numpy()[i, :n].tolist() == \
                expected["token_type_ids"][i]
            assert (out["input_ids"].numpy()[i, n:] == fast.pad_token_id
                    ).all()


@pytest.mark.parametrize("folder", ["tiny_bert", "keras_hub_t5"])
def test_keras_hub_graph_tokenizer_matches_training_encode(folder, request):
    """Ids and types, pairs too (T5: no start token, the pair still typed
    1 as keras-hub's packer types it)."""
    tok = keras_hub.load_tokenizer(request.getfixturevalue(folder))
    rng = random.Random(0)
    texts = EDGE_CASES + _random_texts(20, rng, ["good", "bad", "film"])
    pairs = list(reversed(texts))
    for pair_texts in (None, pairs):
        expected = tok.encode(texts, pair_texts, max_length=12)
        # Traced, as in a SavedModel (keras-hub layers run a pure-Python
        # path when called eagerly).
        packer = tf.function(graph_tokenizer.for_tokenizer(
            tok, 12, 1 if pair_texts is None else 2))
        args = [tf.constant(texts)] + (
            [tf.constant(pair_texts)] if pair_texts else [])
        out = packer(*args)
        lengths = out["attention_mask"].numpy().sum(1)
        for key in ("input_ids", "token_type_ids"):
            got = [r[:n] for r, n in zip(out[key].numpy().tolist(),
                                         lengths)]
            assert got == expected[key]


@pytest.mark.parametrize("folder", ["tiny_bert", "keras_hub_t5",
                                    "tiny_bart"])
def test_keras_hub_encode_traced_equals_eager(folder, request):
    """Training encodes a split of `TRACE_FROM` texts or more in one traced
    function, fewer eagerly: the same ids and segments either way
    (WordPiece, SentencePiece without a start token, byte-level BPE;
    pairs and truncation included)."""
    tok = keras_hub.load_tokenizer(request.getfixturevalue(folder))
    words = ["good", "bad", "film", "Héllo", "日本語", "don't"]
    texts = EDGE_CASES + _random_texts(
        keras_hub.Tokenizer.TRACE_FROM, random.Random(1), words)
    for pairs in (None, list(reversed(texts))):
        eager = tok._encode_eagerly(texts, pairs, 12)
        assert not tok._encoders.get((12, pairs is not None))
        assert tok.encode(texts, pairs, max_length=12) == eager
        assert (12, pairs is not None) in tok._encoders
        # Once traced, small calls take the traced function too.
        few = slice(len(EDGE_CASES) - 8, len(EDGE_CASES) + 3)
        assert tok.encode(texts[few], pairs and pairs[few], max_length=12) \
            == tok._encode_eagerly(texts[few], pairs and pairs[few], 12)


def test_keras_hub_parity_on_minilm_for_every_rt_snippet(minilm_dir):
    """Training encodes all of RT in a traced function (and a small split
    eagerly: the test above); the SavedModel runs the export's own graph
    tokenizer. Same ids on all of RT."""
    asset_or_skip(assets.corpus_path, "rotten_tomatoes")
    from tfft.data import bundled

    texts = list(bundled.rotten_tomatoes()["text"]) + EDGE_CASES
    tok = keras_hub.load_tokenizer(minilm_dir)
    expected = tok.encode(texts, max_length=128)["input_ids"]
    out = tf.function(graph_tokenizer.for_tokenizer(tok, 128, 1))(
        tf.constant(texts))
    lengths = out["attention_mask"].numpy().sum(1)
    got = [r[:n] for r, n in zip(out["input_ids"].numpy().tolist(), lengths)]
    mismatches = [t for t, a, b in zip(texts, got, expected) if a != b]
    assert mismatches == []


def test_non_bert_tokenizers_are_refused_with_a_clear_error():
    with pytest.raises(UserError, match="BERT WordPiece"):
        graph_tokenizer.BertWordPiece({
            "normalizer": {"type": "NFKC"}, "pre_tokenizer": {
                "type": "ByteLevel"}, "model": {"type": "BPE"}})


def test_wordpiece_decoder_equals_transformers_decode(minilm_dir):
    """Random id rows over MiniLM's whole vocabulary, rows dense in the
    tokens the cleanups touch (. , ? ! ' n't 's ...), specials, ids out of
    the vocabulary, and real sentences: the graph's texts equal
    `decode(ids, skip_special_tokens=True)` with the space cleanup."""
    import numpy as np

    tok = hf.load_tokenizer(minilm_dir)
    decoder = tok.in_graph_decoder()
    size = tok.hf.vocab_size
    rng = np.random.RandomState(0)
    rows = [rng.randint(0, size, size=rng.randint(0, 30)).tolist()
            for _ in range(1500)]
    touchy = tok.hf.convert_tokens_to_ids(
        [".", ",", "?", "!", "'", "n", "t", "s", "m", "ve", "re", "do",
         "not", "##s", "##ing", "[SEP]", "[PAD]", "[UNK]", "[CLS]", "a"])
    rows += [rng.choice(touchy, size=rng.randint(1, 12)).tolist()
             for _ in range(1500)]
    rows += tok.hf(["I don't know. Isn't it , here ' s the 'm ?! do not",
                    "naïve café 😀 日本語 ##ing"],
                   add_special_tokens=False)["input_ids"]
    rows += [[size + 5, 2023], [-1, 2023]]
    want = [tok.decode([i for i in r if 0 <= i < size]) for r in rows]
    got = decoder(tf.ragged.constant(rows, dtype=tf.int32)).numpy()
    assert [t.decode("utf-8") for t in got] == want


SPECIAL_TEXTS = ["a </s> b", "x<extra_id_0>y", "x <extra_id_1> y z", "</s>",
                 "<pad><unk> ok", "<extra_id_3></s>", "</s >", "<extra_id_9>"]


def test_sentencepiece_parity_on_every_rt_snippet_and_edge_case(
        t5_tokenizer):
    """A T5 tokenizer (SentencePiece Unigram): the graph runs its
    spiece.model; the ids equal the fast tokenizer's on all 12,752 RT
    snippets, the edge cases and special tokens written in the text."""
    from tfft.data import bundled

    texts = (list(bundled.rotten_tomatoes()["text"]) + EDGE_CASES
             + SPECIAL_TEXTS)
    tok = hf.load_tokenizer(t5_tokenizer)
    assert type(tok.in_graph()).__name__ == "SentencePiece"
    expected = tok.hf(texts, add_special_tokens=False)["input_ids"]
    got = graph_ids(tok.in_graph(), texts)
    mismatches = [(t, a, b) for t, a, b in zip(texts, got, expected)
                  if a != b]
    assert mismatches == []


@pytest.mark.parametrize("max_length", [8, 13])
def test_sentencepiece_packing_matches_transformers(t5_tokenizer,
                                                    max_length):
    """T5's template, no start token: a </s> (b </s>), types 0. (No word
    like "zzz" here: z+zz and zz+z score the same, and which one wins
    after a long text is float rounding, which SentencePiece's float32
    and tokenizers' float64 round differently.)"""
    tok = hf.load_tokenizer(t5_tokenizer)
    assert tok.start_id is None and tok.end_id == 1
    rng = random.Random(max_length)
    words = ["good", "film", "bad", "plot", "excellent", "the", "</s>"]
    texts, pairs = (_random_texts(40, rng, words) for _ in range(2))
    for num, args in ((1, (texts, None)), (2, (texts, pairs))):
        out = graph_tokenizer.for_tokenizer(tok, max_length, num)(
            *[tf.constant(a) for a in args if a is not None])
        expected = _hf_packed(tok.hf, *args, max_length)
        lengths = out["attention_mask"].numpy().sum(1)
        got = [r[:n] for r, n in zip(out["input_ids"].numpy().tolist(),
                                     lengths)]
        assert got == expected["input_ids"]
        # (T5's tokenizer gives no types: its template's are all 0)
        assert (out["token_type_ids"].numpy() == 0).all()


def test_sentencepiece_decoder_equals_transformers_decode(t5_tokenizer):
    """Random id rows over the whole vocabulary (\u2581 alone first,
    specials, extra ids, ids out of the vocabulary) and real sentences:
    `decode(ids, skip_special_tokens=True)`."""
    tok = hf.load_tokenizer(t5_tokenizer)
    decoder = tok.in_graph_decoder()
    assert type(decoder).__name__ == "SentencePieceDecoder"
    size = len(tok.hf)
    rows = _random_id_rows(size)
    space = tok.hf.convert_tokens_to_ids("\u2581")
    rows += [[space, 100, 200], [1, space, space], [0, 2, space, 300]]
    rows += tok.hf(["Don't stop -- it's fine, isn't it?", "naïve café 😀"],
                   add_special_tokens=False)["input_ids"]
    rows += [[size + 5, 50], [-1, 50]]
    _assert_decodes_as_transformers(decoder, tok.hf, rows)


def _random_id_rows(size, count=2000, longest=25):
    """`count` rows of random ids below `size`, 0 to `longest` - 1 each."""
    import numpy as np

    rng = np.random.RandomState(0)
    return [rng.randint(0, size, size=rng.randint(0, longest)).tolist()
            for _ in range(count)]


def _assert_decodes_as_transformers(decoder, fast, rows):
    """The graph decoder's texts are `fast.decode(ids,
    skip_special_tokens=True)` (ids outside the vocabulary dropped)."""
    size = len(fast)
    want = [fast.decode([i for i in r if 0 <= i < size],
                        skip_special_tokens=True) for r in rows]
    got = decoder(tf.ragged.constant(rows, dtype=tf.int32)).numpy()
    assert [t.decode("utf-8") for t in got] == want


def test_the_export_preflight_knows_sentencepiece(t5_tokenizer, tmp_path):
    import json
    import shutil

    assert assets.graph_tokenizer_problem(t5_tokenizer, decodes=True) is None
    # Without its SentencePiece model, or with a Metaspace that does not
    # prepend as SentencePiece does: refused, saying which.
    bare = tmp_path / "bare"
    shutil.copytree(t5_tokenizer, bare)
    os.remove(bare / assets.SENTENCEPIECE_MODEL)
    assert assets.SENTENCEPIECE_MODEL in assets.graph_tokenizer_problem(
        str(bare), decodes=True)
    with open(bare / "tokenizer.json") as f:
        spec = json.load(f)
    spec["pre_tokenizer"]["prepend_scheme"] = "first"
    kind, found = assets.graph_kind(spec)
    assert kind is None and "prepend_scheme" in found


BART_SPECIAL_TEXTS = ["a </s> b", "x<s>y", "</s>", "<pad><unk> ok",
                      "<mask> the", "</s >", "<s></s>"]
# Where keras-hub 0.32's own BPE pre-split is not GPT-2's: runs of
# whitespace before a word, a space before 's, its marker characters.
GPT2_SPLIT_TEXTS = ["a\n\nDirector", "end \n\n", "a   b", "x  \n y",
                    "q \n\tz", "it 's", "IT'S 'll", " \u00a0x\u3000 y",
                    "\u0936 \u096c keras", "\u0134A x \u0134B", "  lead",
                    "trail  ", "\t"]


@pytest.fixture(scope="module")
def rt_bart(tmp_path_factory):
    """A BART tokenizer (byte-level BPE, 2,000 tokens) trained on the RT
    snippets by tokenizers' own trainer: no BART tokenizer exists
    offline."""
    from tests.conftest import make_tiny_bart
    from tfft.data import bundled

    asset_or_skip(assets.corpus_path, "rotten_tomatoes")
    return make_tiny_bart(tmp_path_factory.mktemp("rt_bart") / "bart",
                          bundled.rotten_tomatoes()["text"][:6000],
                          vocab_size=2000)


def test_byte_level_bpe_parity_on_every_rt_snippet_and_edge_case(rt_bart):
    """keras-hub's BPE layer with the checkpoint's vocabulary and merges:
    the ids equal the fast tokenizer's on all 12,752 RT snippets (half of
    them unseen by the BPE trainer), the edge cases (NULs, control
    characters, emoji, scripts the BPE never saw) and special tokens
    written in the text, texts where keras-hub's own pre-split is not
    GPT-2's; BART's packing (<s> a </s>, truncated) too."""
    from tfft.data import bundled

    texts = (list(bundled.rotten_tomatoes()["text"]) + EDGE_CASES
             + BART_SPECIAL_TEXTS + GPT2_SPLIT_TEXTS)
    tok = hf.load_tokenizer(rt_bart)
    assert type(tok.in_graph()).__name__ == "ByteLevelBPE"
    expected = tok.hf(texts, add_special_tokens=False)["input_ids"]
    # (traced: keras-hub's layer runs Python when called eagerly)
    got = graph_ids(tf.function(tok.in_graph()), texts)
    mismatches = [(t, a, b) for t, a, b in zip(texts, got, expected)
                  if a != b]
    assert mismatches == []
    out = tf.function(graph_tokenizer.for_tokenizer(tok, 16, 1))(
        tf.constant(texts[:300]))
    lengths = out["attention_mask"].numpy().sum(1)
    packed = [r[:n] for r, n in zip(out["input_ids"].numpy().tolist(),
                                    lengths)]
    assert packed == tok.hf(texts[:300], truncation=True,
                            max_length=16)["input_ids"]


def test_byte_level_bpe_pairs_pack_as_transformers_does(rt_bart):
    """transformers' RoBERTa/BART pair template, <s> a </s></s> b </s>
    with every type 0, truncated longest-first around its four special
    tokens: the graph packs what training's `encode` gives, at each of
    four lengths (one trace of the BPE graph: each length's graph
    tokenizer packs the same segments)."""
    from tfft.data import bundled
    from tfft.models.pair_template import PairTemplate

    tok = hf.load_tokenizer(rt_bart)
    assert tok.pair_template == PairTemplate(between=(tok.end_id,),
                                             typed=False)
    snippets = list(bundled.rotten_tomatoes()["text"][:40]) + EDGE_CASES
    texts, pairs = snippets, list(reversed(snippets))
    graphs = {str(n): graph_tokenizer.for_tokenizer(tok, n, 2)
              for n in (8, 9, 16, 40)}
    segmenter = graphs["8"].segment_tokenizer

    @tf.function
    def pack_each(texts, pairs):
        segments = [segmenter(texts), segmenter(pairs)]
        return {n: graph.packer(segments) for n, graph in graphs.items()}

    outputs = pack_each(tf.constant(texts), tf.constant(pairs))
    for max_length, out in outputs.items():
        expected = tok.encode(texts, pairs, max_length=int(max_length))
        lengths = out["attention_mask"].numpy().sum(1)
        for key in ("input_ids", "token_type_ids"):
            got = [r[:n] for r, n in zip(out[key].numpy().tolist(), lengths)]
            assert got == expected[key], max_length
        assert max(lengths) == int(max_length)  # (truncation exercised)


def test_pair_templates_the_graph_does_not_pack_are_refused(tiny_bert):
    """A template with the second text first: refused for pairs (single
    texts still pack), rather than served differently from training."""
    from tokenizers import processors

    fast = transformers.AutoTokenizer.from_pretrained(tiny_bert)
    fast.backend_tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $B:1 [SEP]:1 $A [SEP]",
        special_tokens=[("[CLS]", fast.cls_token_id),
                        ("[SEP]", fast.sep_token_id)])
    tok = hf.Tokenizer(fast)
    assert tok.pair_template is None
    with pytest.raises(UserError, match="packs text pairs other than"):
        graph_tokenizer.for_tokenizer(tok, 16, 2)
    out = graph_tokenizer.for_tokenizer(tok, 16, 1)(tf.constant(["good"]))
    assert out["input_ids"].numpy()[0, :3].tolist() == \
        tok.encode(["good"], max_length=16)["input_ids"][0]


def test_byte_level_decoder_equals_transformers_decode(rt_bart):
    """Random id rows over the whole vocabulary (byte pieces that are no
    valid UTF-8 alone among them), specials, ids out of the vocabulary,
    and real sentences: `decode(ids, skip_special_tokens=True)`."""
    tok = hf.load_tokenizer(rt_bart)
    assert type(tok.in_graph_decoder()).__name__ == "ByteLevelDecoder"
    size = len(tok.hf)
    rows = _random_id_rows(size)
    rows += tok.hf(["Don't stop -- it's fine, isn't it?", "naïve café 😀",
                    "\x00nul\x01ctl\x7f", " two  spaces "],
                   add_special_tokens=False)["input_ids"]
    rows += [[0, 2, 1, 100], [size + 5, 50], [-1, 50]]
    for cleanup in (False, True):
        tok.hf.clean_up_tokenization_spaces = cleanup
        _assert_decodes_as_transformers(tok.in_graph_decoder(), tok.hf, rows)


def test_the_export_preflight_knows_byte_level_bpe(rt_bart):
    import json

    assert assets.graph_tokenizer_problem(rt_bart, decodes=True) is None
    with open(os.path.join(rt_bart, "tokenizer.json")) as f:
        spec = json.load(f)
    spec["pre_tokenizer"]["use_regex"] = False
    kind, found = assets.graph_kind(spec)
    assert kind is None and "use_regex" in found
