import pytest

from tfft.data import words

CASES = [
    ("EU rejects German call.", ["EU", "rejects", "German", "call", "."]),
    ("  two   spaces\tand\ttabs\n", ["two", "spaces", "and", "tabs"]),
    ("Café Müller à São Paulo", ["Café", "Müller", "à", "São", "Paulo"]),
    ("e\u0301te\u0301 naïve", ["e\u0301te\u0301", "naïve"]),
    ("I ❤️ Berlin 🇩🇪!", ["I", "❤️", "Berlin", "🇩🇪", "!"]),
    ("東京は日本", ["東", "京", "は", "日", "本"]),
    ("U.S.-based", ["U", ".", "S", ".", "-", "based"]),
    ("ctrl\x00char\x07s\u200bhere", ["ctrl", "char", "s", "here"]),
    ("", []),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_words_and_offsets_point_into_the_raw_text(text, expected):
    spans = words.split_words(text)
    assert [text[a:b] for a, b in spans] == expected
    assert all(0 <= a < b <= len(text) for a, b in spans)
    assert spans == sorted(spans)


def test_a_very_long_input():
    text = "Angela Merkel visited Paris . " * 2000
    spans = words.split_words(text)
    assert len(spans) == 10000
    assert text[spans[-2][0]:spans[-2][1]] == "Paris"
