import pytest

from tfft.config import default_config
from tfft.data import conll
from tfft.data import sources
from tfft.errors import UserError

CONLL = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC

Peter\tNNP\tB-NP\tB-PER
Blackburn  NNP   I-NP   I-PER


BRUSSELS NNP B-NP B-LOC
"""


def write(tmp_path, text, name="train.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_reads_sentences_skipping_docstart_and_blank_lines(tmp_path):
    rows = conll.read_file(write(tmp_path, CONLL))
    assert rows == [(["EU", "rejects", "German"], ["B-ORG", "O", "B-MISC"]),
                    (["Peter", "Blackburn"], ["B-PER", "I-PER"]),
                    (["BRUSSELS"], ["B-LOC"])]


def test_the_tag_column_can_be_chosen(tmp_path):
    rows = conll.read_file(write(tmp_path, CONLL), tag_column=1)
    assert rows[0][1] == ["NNP", "VBZ", "JJ"]
    with pytest.raises(UserError, match="token column"):
        conll.read_file(write(tmp_path, CONLL), tag_column=0)


def test_bad_lines_are_named_with_their_number(tmp_path):
    with pytest.raises(UserError, match=r"train.txt:3 has one column"):
        conll.read_file(write(tmp_path, "a O\nb O\nlonely\n"))
    with pytest.raises(UserError, match=r"train.txt:1 has 2 columns, no "
                                        r"column 5"):
        conll.read_file(write(tmp_path, "a O\n"), tag_column=5)


def test_sources_read_conll_files_only_for_token_tasks(tmp_path):
    config = default_config().data
    config.train_files = write(tmp_path, CONLL, "train.conll")
    splits = sources.load_splits(config, conll=True)
    assert splits["train"].column_names == ["tokens", "ner_tags"]
    assert len(splits["train"]) == 3
    with pytest.raises(UserError, match="must all be one of"):
        sources.load_splits(config, conll=False)
    empty = write(tmp_path, "-DOCSTART- O\n\n", "empty.txt")
    with pytest.raises(UserError, match="has no sentences"):
        sources.load_files([empty], "train", conll_config=config)
