"""Claim vs evidence comparisons (pure: no model; entities are given as NER would give them)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from nlp.countries import countries
from nlp.entities import Entity, english_entities
from nlp.quantities import find_quantities
from rag.factcheck.compare import compare, quantity_relation
from rag.factcheck.facts import (
    Comparison,
    Context,
    Facts,
    Mismatch,
    context_of,
    extract_facts,
    keys_match,
    keys_of,
)


def _q(text: str) -> object:
    (q,) = find_quantities(text)
    return q


@pytest.mark.parametrize(
    ("a", "b"),
    list(itertools.combinations(["4.5 thousand", "4 500", "4,5 тыс.", "4,500", "4500"], 2)),
)
def test_number_formats_are_the_same_value(a: str, b: str) -> None:
    assert quantity_relation(_q(a), _q(b)) == "same"  # type: ignore[arg-type]
    assert quantity_relation(_q(b), _q(a)) == "same"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("claim", "source", "relation"),
    [
        # "more than X" is any value above X: it neither confirms nor excludes a larger one
        ("10,000 applications", "более 4,5 тыс. заявок", "unknown"),
        ("more than 20 thousand", "более 17 тыс.", "unknown"),
        ("more than 4,500 applications", "более 4,5 тыс. заявок", "same"),
        ("4,500 applications", "более 4,5 тыс. заявок", "same"),  # the qualifier dropped
        ("more than 17 thousand", "более 17 тыс.", "same"),
        ("over 90%", "свыше 90%", "same"),
        ("more than 60%", "свыше 90%", "unknown"),  # true, but another number: not confirmed
        ("3,000 applications", "более 4,5 тыс. заявок", "other"),
        ("more than 5%", "менее 5%", "other"),
        ("at most 5%", "не более 5%", "same"),
        ("no more than 5%", "не более 5%", "same"),
        ("6%", "не более 5%", "other"),
        ("about 1,400 firms", "1,5 тыс. предприятий", "same"),
        ("1,400 firms", "около 1,5 тыс. предприятий", "same"),
        ("1,000 firms", "около 1,5 тыс. предприятий", "other"),
        ("2.3 billion", "2,3 млрд", "same"),
        ("2.3 million", "2,3 млрд", "other"),
    ],
)
def test_qualifiers_read_as_the_words_mean(claim: str, source: str, relation: str) -> None:
    assert quantity_relation(_q(claim), _q(source)) == relation  # type: ignore[arg-type]


def test_a_preposition_is_no_qualifier() -> None:
    (q,) = find_quantities("работа над 3 проектами")
    assert q.qualifier is None and q.value == 3
    (q,) = find_quantities("участвует уже более 17 тыс. предприятий")
    assert q.qualifier == "more than" and q.value == 17_000


def _en(text: str) -> Facts:
    return extract_facts(text, "en", english_entities(text))


def _ru(text: str, *names: tuple[str, str]) -> Facts:
    """Russian facts with the given (kind, surface) entities, as natasha would tag them."""
    entities = []
    for kind, surface in names:
        start = text.index(surface)
        entities.append(Entity(kind, surface, surface, start, start + len(surface)))
    return extract_facts(text, "ru", entities)


NO_CONTEXT = Context(frozenset(), frozenset(), None)


def _kinds(c: Comparison) -> list[str]:
    return [m.kind for m in c.mismatches]


def test_english_number_against_russian_evidence() -> None:
    evidence = _ru("Программа «Московский акселератор» привлекла более 4,5 тыс. заявок.")
    claim = _en("The Moscow Accelerator attracted 3,000 applications")
    c = compare(claim, evidence, context_of(evidence.text, None))
    assert c.mismatches == [Mismatch("number", "3,000 applications", "более 4,5 тыс. заявок")]
    # "more than 4.5 thousand" does not exclude 10,000: unverified, never a contradiction
    claim = _en("The Moscow Accelerator attracted 10,000 applications")
    c = compare(claim, evidence, context_of(evidence.text, None))
    assert not c.mismatches and c.unverified >= 1


def test_same_number_in_another_language_supports() -> None:
    claim = _en("The Moscow Accelerator attracted more than 4.5 thousand applications")
    evidence = _ru("Программа «Московский акселератор» привлекла более 4,5 тыс. заявок.")
    c = compare(claim, evidence, context_of(evidence.text, None))
    assert c.supports and c.matched >= 1


def test_years_and_year_ranges() -> None:
    evidence = _ru("Финал пройдет параллельно в Китае и России до конца 2021 года.")
    context = context_of(evidence.text, None)
    wrong = compare(_ru("Финал конкурса пройдет до конца 2022 года"), evidence, context)
    assert wrong.mismatches == [Mismatch("date", "2022", "2021")]
    assert compare(_en("The final will be held by the end of 2021"), evidence, context).supports
    years = _en("the Years of Cooperation in 2020-21").years
    assert years == {2020, 2021}


def test_a_sentence_without_a_year_falls_back_on_the_publication_date() -> None:
    evidence = _en("Moscow and Beijing signed an agreement on cooperation.")
    context = Context(frozenset(), frozenset({"Russia", "China"}), date(2020, 9, 18))
    old = compare(_en("Moscow and Beijing signed an agreement in 2018"), evidence, context)
    assert _kinds(old) == ["date"] and "2020-09-18" in old.mismatches[0].source_value
    assert compare(_en("Moscow and Beijing signed it in 2020"), evidence, context).supports


def test_nationalities_compare_across_languages() -> None:
    assert countries("Chinese") == countries("Китай") == countries("китайский")
    assert countries("Пекин") == countries("Beijing") == {"China"}
    assert countries("южнокорейская ассоциация") == countries("a South Korean firm")
    evidence = _ru("Москва и южнокорейская ассоциация Innobiz договорились о проектах.")
    context = context_of(evidence.text, None)
    claim = _en("Moscow and a Japanese association Innobiz agreed on joint projects")
    c = compare(claim, evidence, context)
    assert Mismatch("nationality", "Japanese", "южнокорейская") in c.mismatches


def test_a_country_the_article_names_elsewhere_is_no_contradiction() -> None:
    evidence = _ru("Москва и ассоциация Innobiz договорились о совместных проектах.")
    context = Context(frozenset(), frozenset({"Russia", "South Korea"}), None)
    c = compare(_en("Moscow and a South Korean association agreed"), evidence, context)
    assert c.mismatches == []


def test_names_match_across_scripts() -> None:
    assert keys_match(next(iter(keys_of("Valetov"))), next(iter(keys_of("Валетова"))))
    assert keys_match(next(iter(keys_of("Sobyanin"))), next(iter(keys_of("Собяниным"))))
    assert not keys_match(next(iter(keys_of("Sobyanin"))), next(iter(keys_of("Валетов"))))


SIGNED = "Документ подписали руководитель МИК Анатолий Валетов и председатель совета Чжао Чаншань."
SIGNERS = (("PER", "Анатолий Валетов"), ("PER", "Чжао Чаншань"))


def test_who_signed_the_person_of_the_same_action_differs() -> None:
    evidence = _ru(SIGNED, *SIGNERS)
    context = context_of(SIGNED + " Заседание прошло под руководством Сергея Собянина.", None)
    claim = _ru("Соглашение подписал Собянин", ("PER", "Собянин"))
    c = compare(claim, evidence, context)
    assert Mismatch("person", "Собянин", "Анатолий Валетов, Чжао Чаншань") in c.mismatches
    english = compare(_en("The agreement was signed by Anatoly Valetov"), evidence, context)
    assert english.mismatches == [] and english.matched == 1


def test_a_longer_surname_is_another_person() -> None:
    text = "Соглашение подписал глава компании Игорь Петровский."
    evidence = _ru(text, ("PER", "Игорь Петровский"))
    claim = _ru("Соглашение подписал Петров", ("PER", "Петров"))
    c = compare(claim, evidence, context_of(text, None))
    assert c.matched == 0 and [m.kind for m in c.mismatches] == ["person"]


def test_chairing_while_others_sign_is_a_role_mismatch() -> None:
    text = (
        "Соглашение подписали Анатолий Валетов и Чжао Чаншань, а заседание прошло под "
        "председательством мэра Москвы Сергея Собянина."
    )
    evidence = _ru(
        text, ("PER", "Сергея Собянина"), ("PER", "Анатолий Валетов"), ("PER", "Чжао Чаншань")
    )
    c = compare(_en("Sergey Sobyanin signed the agreement"), evidence, context_of(text, None))
    assert _kinds(c) == ["role"]
    assert "signed" in c.mismatches[0].claim_value
    assert "председательством" in c.mismatches[0].source_value
    chaired = compare(_en("Sergey Sobyanin chaired the meeting"), evidence, NO_CONTEXT)
    assert chaired.mismatches == [] and chaired.matched >= 1


def test_chairing_alone_does_not_say_who_signed() -> None:
    """A chair may sign too: a sentence naming nobody else signing neither confirms nor
    refutes that the chair signed."""
    text = "Заседание прошло под председательством мэра Москвы Сергея Собянина."
    evidence = _ru(text, ("PER", "Сергея Собянина"))
    c = compare(_en("Sergey Sobyanin signed the agreement"), evidence, context_of(text, None))
    assert c.mismatches == [] and not c.supports


def test_a_title_the_source_does_not_give() -> None:
    evidence = _ru(SIGNED, *SIGNERS)
    claim = _ru("Мэр Москвы Анатолий Валетов подписал соглашение", ("PER", "Анатолий Валетов"))
    c = compare(claim, evidence, context_of(SIGNED, None))
    assert [(m.kind, m.claim_value) for m in c.mismatches] == [("role", "Мэр Москвы")]
    assert "руководитель МИК" in c.mismatches[0].source_value


def test_negation() -> None:
    text = "Москва и Пекин заключили соглашение о сотрудничестве."
    evidence = _ru(text, ("LOC", "Москва"), ("LOC", "Пекин"))
    claim = _ru("Москва и Пекин не заключили соглашение", ("LOC", "Москва"), ("LOC", "Пекин"))
    assert _kinds(compare(claim, evidence, context_of(text, None))) == ["negation"]
    assert not _ru("участвуют не менее 17 тыс. предприятий").negated


@pytest.mark.parametrize(
    "claim",
    ["Дефицит не должен превышать 3% бюджета", "Дефицит не может быть больше 3% бюджета"],
)
def test_a_bound_said_with_a_verb_is_the_same_bound(claim: str) -> None:
    text = "По закону дефицит составит не более 3% бюджета."
    c = compare(_ru(claim), _ru(text), context_of(text, None))
    assert c.mismatches == [] and c.matched == 1
    looser = compare(_ru(claim.replace("3%", "5%")), _ru(text), context_of(text, None))
    assert looser.matched == 0  # a wider limit is not the limit the source states
    above = compare(_ru("Дефицит превысит 5% бюджета"), _ru(text), context_of(text, None))
    assert _kinds(above) == ["number"]


def test_an_absent_name_is_unverified_not_contradicted() -> None:
    text = "Программа привлекла более 4,5 тыс. заявок."
    c = compare(_en("Tesla will open a factory in Kazan"), _ru(text), context_of(text, None))
    assert c.mismatches == [] and c.unverified >= 1 and c.off_topic


ARTICLE = (
    "Мэрия и университет подписали соглашение о сотрудничестве. "
    "Стороны будут вместе готовить инженеров для городских предприятий. "
    "Первые студенты начнут обучение в сентябре."
)


def test_an_invented_fact_on_the_articles_topic_is_not_confirmed() -> None:
    """The sentence shares the claim's parties and its topic, but not what the claim says was
    agreed: a word the article never uses is something it does not say."""
    evidence = _ru("Мэрия и университет подписали соглашение о сотрудничестве.")
    context = context_of(ARTICLE, None)
    invented = _ru("Мэрия и университет подписали соглашение о строительстве стадиона и бассейна.")
    c = compare(invented, evidence, context)
    assert not c.mismatches and not c.supports
    assert c.content_absent >= 2


def test_the_same_fact_in_other_words_is_confirmed() -> None:
    evidence = _ru("Мэрия и университет подписали соглашение о сотрудничестве.")
    context = context_of(ARTICLE, None)
    assert compare(_ru("Университет и мэрия подписали соглашение."), evidence, context).supports
    # one word said differently ("заключили" for "подписали") is room for paraphrase
    paraphrase = _ru("Мэрия и университет заключили соглашение о сотрудничестве.")
    assert compare(paraphrase, evidence, context).supports


def test_content_words_do_not_cross_languages() -> None:
    """Stems of two languages never meet: across languages similarity alone decides."""
    evidence = _ru("Мэрия и университет подписали соглашение о сотрудничестве.")
    claim = _en("The city hall and the university signed a cooperation agreement")
    c = compare(claim, evidence, context_of(ARTICLE, None))
    assert c.content_words == 0 and c.about_the_same


def test_a_not_elsewhere_in_the_sentence_does_not_contradict() -> None:
    """A "not" contradicts only the word it negates said without it, not the whole claim."""
    text = "Хозяйка дома не смогла самостоятельно покинуть горящую квартиру."
    c = compare(
        _ru("Хозяйка дома погибла при пожаре в квартире"), _ru(text), context_of(text, None)
    )
    assert "negation" not in _kinds(c)
    text = "Министр не подписал указ о повышении тарифов."
    c = compare(
        _ru("Министр подписал указ о повышении тарифов"), _ru(text), context_of(text, None)
    )
    assert _kinds(c) == ["negation"] and c.mismatches[0].claim_value == "affirmed"


def test_a_not_across_languages_leaves_the_claim_unconfirmed() -> None:
    """Translation moves a "not" ("ignore" ~ "не учитывать"): neither refuted nor confirmed."""
    text = "Москва и Пекин не заключили соглашение о сотрудничестве."
    evidence = _ru(text, ("LOC", "Москва"), ("LOC", "Пекин"))
    c = compare(_en("Moscow and Beijing signed a cooperation agreement"), evidence, NO_CONTEXT)
    assert "negation" not in _kinds(c) and not c.supports


def test_a_capitalised_word_ner_missed_must_be_in_the_article() -> None:
    text = "Гийом Фарель был учеником Лефевра и возглавил движение в Женеве."
    evidence = _ru(text, ("PER", "Гийом Фарель"), ("LOC", "Женеве"))
    claim = _ru(text.replace("Лефевра", "Коула"), ("PER", "Гийом Фарель"), ("LOC", "Женеве"))
    assert "Коула" in claim.loose_names
    assert not compare(claim, evidence, context_of(text, None)).supports
    same = _ru(text, ("PER", "Гийом Фарель"), ("LOC", "Женеве"))
    assert compare(same, evidence, context_of(text, None)).supports


def test_a_city_replaced_by_another_place_is_not_confirmed() -> None:
    """The claim's city stands for its country; a sentence that puts the event in another
    place does not confirm it, though the article names that country elsewhere."""
    article = (
        "В Лондоне открылся музей. Между 1701 и 1750 годом в Константинополе было 37 эпидемий."
    )
    text = "Между 1701 и 1750 годом в Константинополе было 37 эпидемий."
    evidence = _ru(text, ("LOC", "Константинополе"))
    claim = _ru("Между 1701 и 1750 годом в Лондоне было 37 эпидемий.", ("LOC", "Лондоне"))
    assert not compare(claim, evidence, context_of(article, None)).supports


def test_one_name_swapped_in_a_restated_sentence_contradicts() -> None:
    """Word for word the sentence, but for one name the article never writes: that value
    said differently, even when NER tags neither name."""
    text = "Компания «Ромашка» и завод «Сокол» подписали договор о поставках зерна."
    claim = _ru(text.replace("Сокол", "Восход"))
    c = compare(claim, _ru(text), context_of(text, None))
    assert [(m.claim_value, m.source_value) for m in c.mismatches] == [("Восход", "Сокол")]
    assert c.linked


def test_an_abbreviated_first_name_is_no_swap() -> None:
    text = "Директор завода В. Петров подписал договор о поставках зерна."
    claim = _ru("Директор завода Виктор Петров подписал договор о поставках зерна.",
                ("PER", "Виктор Петров"))  # fmt: skip
    c = compare(claim, _ru(text, ("PER", "В. Петров")), context_of(text, None))
    assert c.mismatches == [] and c.supports


def test_words_of_one_family_are_the_same_content() -> None:
    """Stems part "продажи" from "продают" and "незаконной" from "незаконно"; their first
    letters do not, so the paraphrase is about the same thing."""
    text = "Инспекторы искали места, где незаконно продают спиртное."
    claim = _ru("Инспекторы искали места незаконной продажи спиртного.")
    assert compare(claim, _ru(text), context_of(text, None)).supports


def test_a_number_of_another_thing_is_no_contradiction() -> None:
    evidence = _ru("Мэрия открыла новую трамвайную линию длиной 12 километров.")
    c = compare(_ru("На новой трамвайной линии 18 остановок."), evidence, NO_CONTEXT)
    assert not c.mismatches
    c = compare(_ru("Мэрия открыла новую трамвайную линию длиной 15 км."), evidence, NO_CONTEXT)
    assert c.mismatches == [Mismatch("number", "15 км", "12 километров")]
    c = compare(_en("The new tram line has 18 stops."), evidence, NO_CONTEXT)
    assert not c.mismatches  # a unit in one language, a plain noun in the other
    c = compare(_en("The city opened a new tram line 15 kilometres long."), evidence, NO_CONTEXT)
    assert _kinds(c) == ["number"]  # the same unit across languages


def test_sums_in_other_currencies_are_no_contradiction() -> None:
    evidence = _en("The sale brought in about 1.1 billion dollars for the fund.")
    c = compare(_en("The sale brought in 9.4 billion roubles for the fund."), evidence, NO_CONTEXT)
    assert not c.mismatches
    c = compare(_en("The sale brought in 3 billion dollars for the fund."), evidence, NO_CONTEXT)
    assert _kinds(c) == ["number"]


def test_a_weekday_is_not_a_name() -> None:
    assert [e.text for e in english_entities("The fund said on Thursday it sold the stake.")] == []
    text = "The fund said on Thursday that Nicolai Tangen approved it."
    assert [e.text for e in english_entities(text)] == ["Nicolai Tangen"]


def test_counted_nouns_compare_with_yo_folded() -> None:
    evidence = _ru("В составе туристической группы был 1 ребёнок.")
    c = compare(_ru("В составе туристической группы был 3 ребенок."), evidence, NO_CONTEXT)
    assert _kinds(c) == ["number"]


def test_a_count_in_words_compares_with_one_in_digits() -> None:
    evidence = _ru("На новой трамвайной линии восемнадцать остановок.")
    c = compare(_ru("На новой трамвайной линии 18 остановок."), evidence, NO_CONTEXT)
    assert c.supports and not c.mismatches
    c = compare(_ru("На новой трамвайной линии 20 остановок."), evidence, NO_CONTEXT)
    assert c.mismatches == [Mismatch("number", "20 остановок", "восемнадцать остановок")]
    evidence = _en("Five people were injured in the crash.")
    c = compare(_en("Seven people were injured in the crash."), evidence, NO_CONTEXT)
    assert _kinds(c) == ["number"]


def test_a_function_word_after_a_number_says_nothing_of_what_it_counts() -> None:
    """ "five million in population": "in" is no counted noun, so the Russian "пяти миллионов
    человек" is the same number (and "1345 that" the same year as "1345 году")."""
    evidence = _ru("В регионе два ареала с населением свыше пяти миллионов человек.")
    c = compare(_en("The region has two areas that exceed five million in population."), evidence,
                NO_CONTEXT)  # fmt: skip
    assert not c.mismatches
    evidence = _ru("Доклад обвинял соединение трех планет в 1345 году.")
    c = compare(_en("The report blamed a conjunction of three planets in 1345 that year."),
                evidence, NO_CONTEXT)  # fmt: skip
    assert not c.mismatches


def test_units_of_one_dimension_convert() -> None:
    evidence = _ru("Мэрия открыла новую трамвайную линию длиной 1500 метров.")
    same = compare(
        _ru("Мэрия открыла новую трамвайную линию длиной 1,5 км."), evidence, NO_CONTEXT
    )
    assert not same.mismatches and same.matched
    other = compare(_ru("Мэрия открыла новую трамвайную линию длиной 3 км."), evidence, NO_CONTEXT)
    assert _kinds(other) == ["number"]
    # The claim's rounding: "1,5 км" allows 1450-1550 m; "1,50 км" does not allow 1450 m.
    rounded = _ru("Мэрия открыла новую трамвайную линию длиной 1450 метров.")
    assert not compare(
        _ru("Мэрия открыла трамвайную линию длиной 1,5 км."), rounded, NO_CONTEXT
    ).mismatches
    precise = compare(_ru("Мэрия открыла трамвайную линию длиной 1,50 км."), rounded, NO_CONTEXT)
    assert _kinds(precise) == ["number"]
    # Across languages, and never across dimensions or into months.
    english = _en("The city opened a new tram line 1.5 kilometres long.")
    assert not compare(english, evidence, NO_CONTEXT).mismatches
    weight = compare(
        _ru("Мэрия открыла новую трамвайную линию длиной 1,5 т."), evidence, NO_CONTEXT
    )
    assert not weight.mismatches
    weeks = _ru("Строительство линии заняло 8 недель.")
    assert _kinds(compare(_ru("Строительство линии заняло 90 дней."), weeks, NO_CONTEXT)) == [
        "number"
    ]
    assert not compare(_ru("Строительство линии заняло 56 дней."), weeks, NO_CONTEXT).mismatches
    months = compare(
        _ru("Строительство линии заняло 60 дней."),
        _ru("Строительство линии заняло 2 месяца."),
        NO_CONTEXT,
    )
    assert not months.mismatches
