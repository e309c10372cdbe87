import pytest

from nlp.roles import role_before


@pytest.mark.parametrize(
    ("sentence", "name", "role"),
    [
        ("Соглашение подписали директор завода Пётр Ильин и мэр города Олег Сомов.",
         "Пётр", "директор завода"),
        ("Соглашение подписали директор завода Пётр Ильин и мэр города Олег Сомов.",
         "Олег", "мэр города"),
        ("Выступил генеральный директор компании Nordic Labs Анна Берг.",
         "Анна", "генеральный директор компании Nordic Labs"),
        ("Совещание прошло под руководством Ивана Петрова.", "Ивана", None),
        ("По словам губернатора области Ивана Петрова, всё готово.", "Ивана", None),
        ("Иван Петров открыл выставку.", "Иван", None),
    ],
)  # fmt: skip
def test_role_before_a_name(sentence: str, name: str, role: str | None) -> None:
    assert role_before(sentence, sentence.index(name)) == role
