"""Tokenizer, name keys and BM25 ranking of `rag.retrieval.lexical` on tiny hand-written texts."""

from __future__ import annotations

import time

from nlp.language import script
from nlp.names import name_key, name_keys
from rag.retrieval.lexical import LexicalIndex, tokens


def test_tokens_stem_russian_and_english_per_word() -> None:
    toks = tokens("Президенты встретились в Москве; the presidents were meeting")
    assert "президент" in toks
    assert "москв" in toks
    assert "presid" in toks
    assert "meet" in toks


def test_tokens_fold_yo_drop_stop_words_keep_numbers() -> None:
    toks = tokens("Ёлка и the 2024 год")
    assert toks == [tokens("елка")[0], "2024", tokens("год")[0]]


def test_inflected_forms_share_a_stem() -> None:
    assert tokens("нефтяной")[0] == tokens("нефтяных")[0]
    assert tokens("companies") == tokens("company")


def test_script() -> None:
    assert script("Москва") == "ru"
    assert script("Moscow") == "en"
    assert script("2024") == ""


def test_name_key_matches_across_scripts_and_cases() -> None:
    assert name_key("Jared") == name_key("Джаред")
    assert name_key("Allen") == name_key("Аллена")
    assert name_key("Sobyanin") == name_key("Собяниным")
    assert name_key("Panthers") == name_key("Пэнтерс")
    assert name_key("2015") == "2015"
    assert name_key("Obama") != name_key("Путин")


def test_name_keys_skip_sentence_initial_and_plain_words() -> None:
    keys = name_keys("How many sacks did Jared Allen have in 2015? Later the NFL said no.")
    assert keys == [name_key("Jared"), name_key("Allen"), "2015", name_key("NFL")]


def test_bm25_ranks_the_right_text_first() -> None:
    corpus = [
        "Центральный банк повысил ключевую ставку до 16 процентов.",
        "Футбольный клуб «Спартак» выиграл матч в Москве.",
        "The central bank of Turkey cut its interest rate.",
    ]
    ix = LexicalIndex.build(corpus)
    assert ix.search("Какую ключевую ставку установил банк?", 3)[0][0] == 0
    assert ix.search("Спартаку удалось выиграть?", 3)[0][0] == 1
    assert ix.search("Did Turkey cut interest rates?", 3)[0][0] == 2


def test_search_returns_only_matching_rows_sorted() -> None:
    ix = LexicalIndex.build(["кошка пьёт молоко", "собака грызёт кость", "кошка спит"])
    hits = ix.search("кошка молоко", 10)
    assert [r for r, _ in hits] == [0, 2]
    assert hits[0][1] > hits[1][1] > 0
    assert ix.search("жираф", 10) == []
    assert LexicalIndex.build([]).search("кошка", 5) == []


def test_name_index_finds_russian_passage_for_english_names() -> None:
    corpus = [
        "Нападающий Джаред Аллен сделал 136 сэков за карьеру.",
        "Защитник Кейван Шорт лидирует в команде.",
    ]
    ix = LexicalIndex.build(corpus, tokenizer=name_keys)
    assert ix.search("How many sacks did Jared Allen make?", 2)[0][0] == 0


def test_build_and_search_are_fast() -> None:
    words = ["рынок", "нефть", "ставка", "банк", "выборы", "матч", "погода", "курс", "рубль"]
    corpus = [" ".join(words[(i + j) % 9] for j in range(40)) + f" id{i}" for i in range(5000)]
    t0 = time.perf_counter()
    ix = LexicalIndex.build(corpus)
    assert time.perf_counter() - t0 < 5
    assert ix.search("id1234 нефть", 1)[0][0] == 1234
