"""Sentence splitting and chunking: exact offsets, paragraph bounds, stable ids."""

from __future__ import annotations

import itertools

from index.chunking import chunk_document
from index.cleaning import clean_document
from index.documents import Document, RawDocument
from index.settings import REPO_ROOT
from nlp.sentences import split_sentences

CORPUS = REPO_ROOT / "data" / "corpus"


def make_doc(text: str, doc_id: str = "d") -> Document:
    return Document(doc_id=doc_id, title="t", text=text, source="s", language="ru")


def corpus_docs() -> list[Document]:
    docs = []
    for path in sorted(CORPUS.glob("*.txt")):
        raw = RawDocument(doc_id=path.stem, text=path.read_text(encoding="utf-8"), source="s")
        doc = clean_document(raw)
        assert doc is not None
        docs.append(doc)
    return docs


def test_sentences_respect_russian_abbreviations() -> None:
    text = (
        "В кластере участвует уже более 17 тыс. предприятий. Документ подписал А. Валетов. "
        "Итоги подвели в 2020 г. в Москве."
    )
    sentences = [text[a:b] for a, b in split_sentences(text)]
    assert sentences == [
        "В кластере участвует уже более 17 тыс. предприятий.",
        "Документ подписал А. Валетов.",
        "Итоги подвели в 2020 г. в Москве.",
    ]


def test_sentences_never_cross_paragraph_break() -> None:
    text = "Первый абзац без точки\n\nВторой абзац. Ещё предложение."
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "Первый абзац без точки",
        "Второй абзац.",
        "Ещё предложение.",
    ]


def test_offsets_exact_and_no_chunk_crosses_paragraph() -> None:
    for doc in corpus_docs():
        for max_chars in (120, 300, 700):
            chunks = chunk_document(doc, max_chars=max_chars)
            assert chunks, doc.doc_id
            for c in chunks:
                assert doc.text[c.start : c.end] == c.text
                assert "\n\n" not in c.text
                assert c.text == c.text.strip()


def test_chunks_cover_every_sentence() -> None:
    for doc in corpus_docs():
        chunks = chunk_document(doc, max_chars=300)
        for a, b in split_sentences(doc.text):
            assert any(c.start <= a and b <= c.end for c in chunks), doc.text[a:b]


def test_ids_stable_and_sequential() -> None:
    doc = corpus_docs()[0]
    first = chunk_document(doc, max_chars=300)
    second = chunk_document(make_doc(doc.text, doc_id=doc.doc_id), max_chars=300)
    assert [c.chunk_id for c in first] == [f"{doc.doc_id}#{n}" for n in range(len(first))]
    assert [(c.chunk_id, c.start, c.end) for c in first] == [
        (c.chunk_id, c.start, c.end) for c in second
    ]
    assert all(c.n == n and c.doc_id == doc.doc_id for n, c in enumerate(first))


def test_packing_and_overlap() -> None:
    sentences = [f"Предложение номер {i} рассказывает о важном событии." for i in range(10)]
    text = " ".join(sentences)
    doc = make_doc(text)
    chunks = chunk_document(doc, max_chars=160, overlap_sentences=1)
    assert len(chunks) > 2
    for c in chunks:
        assert len(c.text) <= 160
    for prev, nxt in itertools.pairwise(chunks):
        prev_sents = [s for s in sentences if s in prev.text]
        assert nxt.text.startswith(prev_sents[-1])  # one shared sentence
        assert nxt.end > prev.end  # and progress
    no_overlap = chunk_document(doc, max_chars=160, overlap_sentences=0)
    for prev, nxt in itertools.pairwise(no_overlap):
        assert nxt.start > prev.end


def test_long_sentence_alone_and_huge_sentence_split() -> None:
    long_sentence = "Слово " * 60 + "конец."  # ~366 chars
    short = "Короткое предложение."
    doc = make_doc(f"{short} {long_sentence} {short}")
    chunks = chunk_document(doc, max_chars=200, overlap_sentences=0)
    assert [c.text for c in chunks] == [short, long_sentence, short]

    huge = "слово " * 200 + "конец."  # > 3 x 200 chars
    doc = make_doc(huge)
    pieces = chunk_document(doc, max_chars=200, overlap_sentences=0)
    assert len(pieces) >= 6
    assert all(len(c.text) <= 200 for c in pieces)
    assert all(doc.text[c.start : c.end] == c.text for c in pieces)


def test_empty_text_gives_no_chunks() -> None:
    assert chunk_document(make_doc("")) == []


def test_sentences_glued_by_a_missing_space_are_split() -> None:
    text = 'Это годы сотрудничества.По словам мэра, всё идёт хорошо. Он сказал: "Да".Потом ушёл.'
    got = [text[a:b] for a, b in split_sentences(text)]
    assert got == [
        "Это годы сотрудничества.",
        "По словам мэра, всё идёт хорошо.",
        'Он сказал: "Да".',
        "Потом ушёл.",
    ]


def test_abbreviations_and_domains_are_not_split() -> None:
    text = "Сайт i.moscow работает. В кластере более 17 тыс. предприятий. Версия 2.0 вышла."
    assert len(split_sentences(text)) == 3
