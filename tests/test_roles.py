import pytest

from nlp.roles import role_before, role_of


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


@pytest.mark.parametrize(
    ("sentence", "name", "role"),
    [
        ("Заседание прошло под председательством мэра Москвы Сергея Собянина.", "Сергея Собянина",
         "мэр Москвы"),  # an oblique case read in the nominative
        ("Moscow Mayor Sergey Sobyanin held a meeting.", "Sergey Sobyanin", "Moscow Mayor"),
        ("Anna Lee, the director of the institute, said so.", "Anna Lee",
         "the director of the institute"),
        ("Иван Петров открыл выставку.", "Иван Петров", None),
        ("The board met with John Smith present.", "John Smith", None),
    ],
)  # fmt: skip
def test_role_of_reads_titles_before_and_appositions_after(
    sentence: str, name: str, role: str | None
) -> None:
    start = sentence.index(name)
    assert role_of(sentence, start, start + len(name)) == role
