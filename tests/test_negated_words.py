"""Which word a negation negates, past auxiliaries and modals, in both languages."""

from __future__ import annotations

import pytest

from nlp.negation import negated_words


@pytest.mark.parametrize(
    ("sentence", "language", "negated"),
    [
        ("Медики не смогли спасти ему жизнь.", "ru", ["спасти"]),
        ("Никто не подписал соглашение.", "ru", ["подписал"]),
        ("Пострадавших не было.", "ru", ["было"]),
        ("The agreement has not been signed yet.", "en", ["signed"]),
        ("They refused to sign the deal.", "en", ["sign"]),
        ("He didn't sign it.", "en", ["sign"]),
        ("Участвуют не менее 17 тыс. предприятий.", "ru", []),
        ("The deficit must be no more than 3%.", "en", []),
    ],
)
def test_the_negated_word(sentence: str, language: str, negated: list[str]) -> None:
    assert sorted(set(negated_words(sentence, language))) == negated
