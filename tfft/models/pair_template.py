"""How a tokenizer packs a text pair: [start] a end, then the `between`
tokens, b, end, the second part typed 1 (`typed`) or 0. BERT: nothing
between, typed ([CLS] a [SEP] b [SEP]); RoBERTa and BART: a second </s>
between, untyped (<s> a </s></s> b </s>); T5: no start token, untyped.
The graph's packer (`tfft.export.graph_tokenizer.Packer`) builds these.
TensorFlow-free: the commands' checks before any work use it."""

from typing import NamedTuple
from typing import Optional


class PairTemplate(NamedTuple):
    between: tuple = ()
    typed: bool = True


def read(ids, sequence_ids, type_ids, start_id,
         end_id) -> Optional[PairTemplate]:
    """The template of one packed pair of texts (`sequence_ids` as
    transformers gives them: 0 or 1 for each text's tokens, None for
    special ones), or None when it is not [start] a end (between) b end
    with the first part typed 0 and the second all 0 or all 1."""
    first = [i for i, s in enumerate(sequence_ids) if s == 0]
    second = [i for i, s in enumerate(sequence_ids) if s == 1]
    if (not first or not second
            or first != list(range(first[0], first[-1] + 1))
            or second != list(range(second[0], second[-1] + 1))):
        return None
    prefix = list(ids[:first[0]])
    middle = list(ids[first[-1] + 1:second[0]])
    suffix = list(ids[second[-1] + 1:])
    if (prefix != ([] if start_id is None else [start_id])
            or middle[:1] != [end_id] or suffix != [end_id]):
        return None
    split = first[-1] + 2  # after the first text's end
    head, tail = set(type_ids[:split]), set(type_ids[split:])
    if head != {0} or tail not in ({0}, {1}):
        return None
    return PairTemplate(between=tuple(middle[1:]), typed=tail == {1})


# Why the graph refuses a pair template that `read` rejects, and the fix.
NOT_PACKED = ("packs text pairs other than [start] a end (more specials) b "
              "end, the templates the graph packs; export a single-text "
              "model, or train with --config.model.family=keras_hub")


def special_ids(hf_tokenizer):
    """(start_id, end_id) of a transformers tokenizer as tfft packs with
    them: [CLS] (None without one: T5) and [SEP], else </s> (T5's
    tokenizers have no [SEP]: their texts end with </s>)."""
    end = (hf_tokenizer.sep_token_id if hf_tokenizer.sep_token_id is not None
           else hf_tokenizer.eos_token_id)
    return hf_tokenizer.cls_token_id, end


def of_hf_tokenizer(hf_tokenizer) -> Optional[PairTemplate]:
    """How a transformers tokenizer packs a pair, or None for a template
    the graph does not pack (or a slow tokenizer, which cannot say)."""
    packed = hf_tokenizer("a", "b")
    try:
        sequence_ids = packed.sequence_ids()
    except ValueError:  # not a fast tokenizer
        return None
    ids = packed["input_ids"]
    types = packed.get("token_type_ids") or [0] * len(ids)
    return read(ids, sequence_ids, types, *special_ids(hf_tokenizer))


def hf_problem(path: str) -> Optional[str]:
    """Why a SavedModel cannot pack text pairs as the transformers
    tokenizer in `path` does, or None (also when no tokenizer loads here:
    the export judges it then)."""
    import transformers

    from tfft import assets

    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(
            assets.resolve_model_path(path))
    except Exception:  # (a hub name offline, a broken folder: not ours)
        return None
    if of_hf_tokenizer(tokenizer) is not None:
        return None
    return f"the tokenizer of {path} {NOT_PACKED}"
