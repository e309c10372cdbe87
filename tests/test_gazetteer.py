"""The gazetteer built from GeoNames / ISO 3166 / CLDR: constructed sentences, not corpus rows."""

from __future__ import annotations

import pytest

from nlp import gazetteer
from nlp.countries import find_countries
from nlp.places import ancestors, english_name, find_places, mentions_of, name_ru, topic_places
from nlp.resources import load_json


def _places(text: str) -> list[str]:
    return [m.place for m in gazetteer.find(text)]


@pytest.mark.parametrize(
    ("text", "place", "country"),
    [
        ("Делегация прилетела в Нижний Новгород.", "Nizhniy Novgorod", "Russia"),
        ("Форум прошёл в Нижнем Новгороде.", "Nizhniy Novgorod", "Russia"),
        ("Завод построят под Владивостоком.", "Vladivostok", "Russia"),
        ("Компании из Сямыня и Харбина подписали меморандум.", "Harbin", "China"),
        ("The plant opens in Chengdu next year.", "Chengdu", "China"),
        ("Выставка пройдёт в Санкт-Петербурге.", "Saint Petersburg", "Russia"),
        ("Talks were held in St. Petersburg.", "Saint Petersburg", "Russia"),
        ("Губернатор Ленинградской области открыл завод.", "Leningrad Oblast", "Russia"),
        ("Exports from Lviv Oblast grew.", "Lviv Oblast", "Ukraine"),
    ],
)
def test_cities_and_regions_in_any_inflection(text: str, place: str, country: str) -> None:
    assert place in _places(text)
    assert ancestors(place)[-1] == country


def test_a_stem_shared_by_two_names_is_read_by_the_word() -> None:
    """Snowball stems "Китая" and "Кито" alike; the dictionary form tells them apart."""
    assert _places("Делегация Китая прибыла.") == ["China"]
    assert _places("Делегация прибыла в Кито.") == ["Quito"]


def test_a_name_that_is_also_a_given_name_or_a_word() -> None:
    assert "Nancy" not in _places("Nancy Pelosi met the delegation.")
    assert _places("The summit was held in Nancy.") == ["Nancy"]
    assert _places("Reading the report took an hour.") == []


def test_surnames_and_common_words_are_not_towns() -> None:
    assert _places("Пушкин написал поэму, а Королёв построил ракету.") == []
    assert _places("Орёл парил над полем.") == []


def test_lower_case_words_are_not_names() -> None:
    assert _places("в казани") == []


def test_a_country_word_inside_another_place_is_not_that_country() -> None:
    assert find_countries("The lab is in New Mexico.") == []
    assert find_countries("Northern Mexico") == [("Mexico", "Mexico")]


def test_every_country_not_only_a_listed_few() -> None:
    found = [c for c, _ in find_countries("Послы Мали, Чада и Уругвая встретились в Монтевидео.")]
    assert {"Mali", "Chad", "Uruguay"} <= set(found)
    assert found.count("Uruguay") == 2  # the capital stands for its country


def test_topics_match_down_the_tree_only() -> None:
    assert topic_places("Ленинградская область") == (["Leningrad Oblast"], "")
    assert mentions_of("Leningrad Oblast", "Завод открыли в Москве.") == []
    assert [m.place for m in mentions_of("China", "Форум в Харбине.")] == ["Harbin"]
    assert mentions_of("Harbin", "Форум в Китае.") == []


def test_names_across_languages() -> None:
    assert english_name("Пекина") == "Beijing"
    assert english_name("Нижнего Новгорода") == "Nizhniy Novgorod"
    assert english_name("Пекинский университет") is None
    assert name_ru("Vladivostok") == "Владивосток"


def test_the_table_says_where_it_came_from() -> None:
    table = load_json("gazetteer")
    assert "GeoNames" in table["_licence"] and "CC BY 4.0" in table["_licence"]
    kinds = {p["kind"] for p in table["places"]}
    assert kinds == {"country", "region", "city"}


def test_overlapping_place_names_keep_the_longest() -> None:
    mentions = [(m.place, m.written) for m in find_places("Власти Московской области и Москвы")]
    assert ("Moscow Oblast", "Московской области") in mentions
    assert ("Moscow", "Москвы") in mentions
    assert all(not (p == "Moscow" and w.startswith("Московской")) for p, w in mentions)


@pytest.mark.parametrize(
    "text",
    [
        "Президент Хуан Мануэль Сантос выступил.",  # a given name before it: a surname
        "Роль сыграла Роуз Тайлер.",  # a town's name that is also a given name
        "В сериале снялась Конни Бриттон.",  # an unknown word stems like "Кония"
        "Это был Пером написанный текст.",  # "перо", not Peru
    ],
)
def test_people_and_words_are_not_places(text: str) -> None:
    assert _places(text) == []


def test_stress_marks_stay_inside_their_word() -> None:
    assert _places("Форум в Каза́ни.") == ["Kazan"]
    assert _places("Рома́н Лу́нкин") == []


def test_a_city_adjective_names_the_city_in_lower_case() -> None:
    assert _places("Поезда московского метро ходят чаще.") == ["Moscow"]
    assert _places("Власти Московской области") == ["Moscow Oblast"]


@pytest.mark.parametrize(
    "text",
    [
        "Экскурсия прошла по улице Кирова.",  # a surname's genitive, though a town bears it
        "Министр Ливанов выступил.",  # "Ливан" only in the plural
        "Награду вручили министру Мединскому.",  # a capitalised adjective heading nothing
    ],
)
def test_surnames_shaped_like_places(text: str) -> None:
    assert _places(text) == []


def test_places_in_the_cases_people_are_not_in() -> None:
    assert _places("Форум прошёл в Кирове и в Химках.") == ["Kirov", "Khimki"]
    assert _places("Делегация из Ливана прибыла.") == ["Lebanon"]
    assert _places("Казанский университет открыл кампус.") == ["Kazan"]
