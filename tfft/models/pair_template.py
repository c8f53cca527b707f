"""How a tokenizer packs a text pair: [start] a end, then the `between`
tokens, b, end, the second part typed 1 (`typed`) or 0. BERT: nothing
between, typed ([CLS] a [SEP] b [SEP]); RoBERTa and BART: a second </s>
between, untyped (<s> a </s></s> b </s>); T5: no start token, untyped.
The graph's packer (`tfft.export.graph_tokenizer.Packer`) builds these."""

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
