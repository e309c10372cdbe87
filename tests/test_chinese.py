"""Chinese names in Palladius spelling come back as Pinyin; Russian names are left alone."""

from __future__ import annotations

import pytest

from nlp.chinese import pinyin_name
from nlp.entities import latin
from nlp.names import name_key


@pytest.mark.parametrize(
    ("palladius", "pinyin"),
    [
        ("Чжао Чаншань", "Zhao Changshan"),
        ("Си Цзиньпин", "Xi Jinping"),
        ("Ван Нин", "Wang Ning"),
        ("Чэнь Сюй", "Chen Xu"),
        ("Дэн Сяопин", "Deng Xiaoping"),
        ("Ли Кэцян", "Li Keqiang"),
        ("Лю Хэ", "Liu He"),
        ("Мао Цзэдун", "Mao Zedong"),
        ("Гуанчжоу", "Guangzhou"),
        ("Чжунгуаньцунь", "Zhongguancun"),
        ("Шэньчжэнь", "Shenzhen"),
    ],
)
def test_palladius_names_read_back_as_pinyin(palladius: str, pinyin: str) -> None:
    assert pinyin_name(palladius) == pinyin
    assert latin(palladius) == pinyin


@pytest.mark.parametrize(
    "name", ["Анна Ли", "Олег Ли", "Иван Петров", "Анатолий Валетов", "Наталья Сергунина", "Ян"]
)
def test_russian_names_are_not_read_as_chinese(name: str) -> None:
    assert pinyin_name(name) is None
    assert latin(name) != ""


def test_latin_keeps_the_wikipedia_scheme_for_russian_names() -> None:
    assert latin("Сергей Собянин") == "Sergey Sobyanin"
    assert latin("Anatoly Valetov") == "Anatoly Valetov"


@pytest.mark.parametrize(
    ("russian", "english"),
    [("Валетов", "Valetov"), ("Валетова", "Valetov"), ("Чаншань", "Changshan"),
     ("Цзиньпина", "Jinping"), ("Собяниным", "Sobyanin"), ("Иванов", "Ivanov")],
)  # fmt: skip
def test_name_keys_meet_across_scripts(russian: str, english: str) -> None:
    assert name_key(russian) == name_key(english) != ""
