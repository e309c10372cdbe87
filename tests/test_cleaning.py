"""Cleaning: bundled scraped articles and one synthetic article per rule (RU and EN)."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from index.cleaning import boilerplate_category, clean_document, content_hash, is_site_notice
from index.documents import Document, RawDocument
from index.settings import REPO_ROOT
from index.sources import load_sources
from nlp.language import detect_language

CORPUS = REPO_ROOT / "data" / "corpus"

RU_BODY = (
    "Городские власти открыли новый парк на севере столицы. На его территории высадили более "
    "двух тысяч деревьев и построили детские площадки."
)
RU_BODY2 = "Работы по благоустройству продолжатся весной, сообщили в управе района."
EN_BODY = (
    "The city council opened a new park in the northern district on Monday. More than two "
    "thousand trees were planted and several playgrounds were built."
)
EN_BODY2 = "Landscaping work will continue in spring, officials said."


def corpus_doc(prefix: str) -> tuple[str, Document]:
    path = next(CORPUS.glob(f"{prefix}_*.txt"))
    raw_text = path.read_text(encoding="utf-8")
    doc = clean_document(RawDocument(doc_id=path.stem, text=raw_text, source=str(path)))
    assert doc is not None
    return raw_text, doc


def clean(text: str, **kwargs: object) -> Document:
    doc = clean_document(RawDocument(doc_id="t", text=text, source="test", **kwargs))  # type: ignore[arg-type]
    assert doc is not None
    return doc


def paragraphs(doc: Document) -> list[str]:
    return doc.text.split("\n\n")


# --- bundled articles ---------------------------------------------------------------------------


def test_000_repeated_paragraph_once_date_and_tags_gone() -> None:
    raw, doc = corpus_doc("000")
    repeated = "Возможности цифровой платформы кластера станут доступны партнерам"
    assert raw.count(repeated) == 2
    assert doc.text.count(repeated) == 1
    assert doc.date == "2020-09-21"
    assert doc.title.startswith("Московский инновационный кластер подписал соглашение")
    assert "#" not in doc.text and "21.09.2020" not in doc.text
    assert not doc.text.startswith(doc.title)  # the headline line is not repeated in the body
    assert "Документ подписали руководитель МИК Анатолий Валетов" in doc.text
    assert doc.text.rstrip().endswith("или в telegram-канале pressdpir.")
    assert "Источник" not in doc.text
    assert "\u00a0" not in doc.text
    assert doc.language == "ru"


def test_001_symbol_lines_gone_body_intact() -> None:
    raw, doc = corpus_doc("001")
    assert doc.date == "2020-09-18"
    assert doc.title == "Москва и Пекин заключили соглашение о сотрудничестве в сфере инноваций"
    assert "###" not in doc.text and "***" not in doc.text
    body_line = raw.splitlines()[4]
    assert paragraphs(doc) == [body_line.strip()]  # the one long paragraph, unchanged
    assert "более 17 тыс. предприятий" in doc.text


def test_002_tail_junk_gone_last_paragraph_kept() -> None:
    _, doc = corpus_doc("002")
    assert doc.date == "2020-09-18"
    assert doc.title == "Moscow to share unique innovation potential with Beijing"
    assert doc.language == "en"
    for junk in ("Economy and business", "06.11.2018", "Russian gold", "партн", "просмотров",
                 "Opening Asia for Russia"):  # fmt: skip
        assert junk not in doc.text, junk
    assert paragraphs(doc)[0] == (
        "Moscow and Beijing signed an agreement on cooperation in the field of innovation."
    )
    assert paragraphs(doc)[-1].endswith(
        "The Supervisory Board is the supreme collegiate management body of the fund."
    )


def test_003_no_date_title_from_headline() -> None:
    _, doc = corpus_doc("003")
    assert doc.date is None
    assert doc.title.endswith("договорились о совместных проектах — Сергунина")
    assert paragraphs(doc)[0].startswith("Москва и южнокорейская ассоциация Innobiz договорились")
    assert paragraphs(doc)[-1].endswith("заявил председатель ассоциации Innobiz Им Бьюн-Хун.")
    assert doc.language == "ru"  # despite the Latin "Innobiz"


def test_004_site_notice_comment_prompt_and_source_stub_gone() -> None:
    _, doc = corpus_doc("004")
    assert doc.date is None
    assert doc.title == "Ленинградская область и Китай будут вместе заниматься нанотехнологиями"
    for junk in ("сайт", "платформ", "N-N-N.ru", "рубрикатора", "по адресу", "Источник",
                 "Войдите", "комментари"):  # fmt: skip
        assert junk not in doc.text, junk
    assert paragraphs(doc)[0].startswith("На базе фронт-офиса Ленинградской области")
    assert paragraphs(doc)[-1].endswith(
        "аналогичная презентация планируется в декабре в Южной Корее."
    )


def test_bundled_paragraphs_are_verbatim_lines_of_the_source() -> None:
    for path in sorted(CORPUS.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        doc = clean_document(RawDocument(doc_id=path.stem, text=raw, source=str(path)))
        assert doc is not None
        squashed = " ".join(raw.replace("\u00a0", " ").split())
        for paragraph in paragraphs(doc):
            assert paragraph in squashed, (path.name, paragraph[:60])


# --- content hash: how an update tells a changed article from an unchanged one ---------------

HASHED = {
    "title": "Новый парк на севере столицы",
    "date": "2024-05-01",
    "text": f"{RU_BODY}\n\n{RU_BODY2}",
    "source": "https://example.org/news/park",
}


def hashed_doc(**changes: str | None) -> Document:
    fields = {**HASHED, **changes}
    raw = RawDocument(
        doc_id="park",
        text=fields["text"] or "",
        source=fields["source"] or "",
        title=fields["title"],
        date=fields["date"],
    )
    doc = clean_document(raw)
    assert doc is not None
    return doc


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Новый парк на юге столицы"),
        ("date", "2024-05-02"),
        ("date", None),
        ("text", f"{RU_BODY}\n\n{RU_BODY2.replace('весной', 'осенью')}"),
        ("text", RU_BODY),
        ("source", "https://example.org/news/park-2"),
    ],
)
def test_content_hash_changes_with_every_indexed_field(field: str, value: str | None) -> None:
    """An update re-indexes (and re-analyses for alerts) only documents whose hash changed."""
    base, changed = hashed_doc(), hashed_doc(**{field: value})
    assert getattr(changed, field) != getattr(base, field)  # the change survived cleaning
    assert changed.content_hash != base.content_hash


def test_content_hash_is_the_same_for_the_same_documents_loaded_twice() -> None:
    first = {d.doc_id: d.content_hash for d in load_sources([str(CORPUS)]).documents}
    again = {d.doc_id: d.content_hash for d in load_sources([str(CORPUS)]).documents}
    assert first == again and len(first) == 5
    assert len(set(first.values())) == 5
    assert hashed_doc().content_hash == hashed_doc().content_hash


def test_content_hash_is_the_same_in_another_process() -> None:
    """The hash is stored in the index and compared by the next run: nothing in it may depend
    on the process (Python's salted `hash()`, object ids, time)."""
    here = {d.doc_id: d.content_hash for d in load_sources([str(CORPUS)]).documents}
    code = (
        "import json, sys\n"
        "from index.sources import load_sources\n"
        "docs = load_sources([sys.argv[1]]).documents\n"
        "print(json.dumps({d.doc_id: d.content_hash for d in docs}))\n"
    )
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", code, str(CORPUS)],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        assert json.loads(done.stdout) == here, seed


@pytest.mark.parametrize(("left", "right"), list(itertools.combinations(range(4), 2)))
def test_content_hash_sees_a_shifted_field_boundary(left: int, right: int) -> None:
    """A character moved across two fields ("ab" + "c", "a" + "bc") makes another document."""
    one = ["Title", "2024-05-01", "Text.", "source"]
    two = list(one)
    one[left], one[right] = "ab", "c"
    two[left], two[right] = "a", "bc"
    assert content_hash(*one) != content_hash(*two)


# --- one rule at a time, synthetic -------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("Главная / Новости / Общество", "navigation"),
        ("Home > News > World", "navigation"),
        ("Economy | Politics | Sport", "navigation"),
        ("← Предыдущая статья", "navigation"),
        ("Next article →", "navigation"),
        ("Читать далее", "read_more"),
        ("Подробнее…", "read_more"),
        ("Read more »", "read_more"),
        ("Читайте также: Мэр открыл мост", "read_more"),
        ("See also: Mayor opens bridge", "read_more"),
        ("1 234 просмотра", "counter"),
        ("Views: 5678", "counter"),
        ("Просмотров: 12", "counter"),
        ("Войдите на сайт, чтобы оставить комментарий", "comment_prompt"),
        ("- Войдите или зарегистрируйтесь для отправки комментариев", "comment_prompt"),
        ("You must be logged in to post a comment.", "comment_prompt"),
        ("Log in to leave a comment", "comment_prompt"),
        ("Комментарии (0)", "comment_prompt"),
        ("Поделиться: VK Telegram", "share_subscribe"),
        ("Share on Facebook", "share_subscribe"),
        ("Подписывайтесь на наш канал в Telegram", "share_subscribe"),
        ("Subscribe to our newsletter", "share_subscribe"),
        ("Мы используем файлы cookie, чтобы сайт работал лучше", "cookie"),
        ("This website uses cookies. By continuing you accept our cookie policy.", "cookie"),
        ("Источник:", "source_stub"),
        ("- Источники:", "source_stub"),
        ("Source:", "source_stub"),
        ("Теги: экономика, инновации", "source_stub"),
        ("Новости партнёров", "partner"),
        ("Партнерские материалы", "partner"),
        ("Partner content", "partner"),
        ("Sponsored", "partner"),
        ("© 2020 Городская газета. Все права защищены.", "copyright"),
        ("#Экономика #Москва", "hashtags"),
        ("###", "symbols"),
        ("* * *", "symbols"),
        ("12.03.2021 #Экономика", "date_line"),
        ("March 12, 2021 | 340 views", "date_line"),
    ],
)
def test_boilerplate_categories(line: str, category: str) -> None:
    assert boilerplate_category(line) == category


@pytest.mark.parametrize(
    "line",
    [
        RU_BODY,
        EN_BODY,
        "Подробнее об этом рассказал глава департамента на пресс-конференции.",
        "More than 100 people attended the share-holders meeting.",
        "Источник в правительстве сообщил, что решение уже принято.",
        "Справочно:",
        "Москва, 18 сентября 2020",
    ],
)
def test_content_lines_are_not_boilerplate(line: str) -> None:
    assert boilerplate_category(line) is None


def test_boilerplate_lines_removed_from_article_ru_and_en() -> None:
    ru = clean(
        "Главная / Новости / Город\nНовый парк открылся на севере Москвы\n12.03.2021 #Город\n"
        f"{RU_BODY}\nЧитайте также: Мэр открыл мост\n{RU_BODY2}\n1 234 просмотра\n"
        "Поделиться: VK Telegram\nИсточник:\nВойдите на сайт, чтобы оставить комментарий"
    )
    assert paragraphs(ru) == [RU_BODY, RU_BODY2]
    assert ru.title == "Новый парк открылся на севере Москвы"
    assert ru.date == "2021-03-12"
    en = clean(
        "Home > News > City\nCity opens a new park in the north\nMarch 12, 2021 | 340 views\n\n"
        f"{EN_BODY}\n\nRead more »\n\n{EN_BODY2}\n\nShare on Facebook\n\n"
        "This website uses cookies. By continuing you accept our cookie policy.\n\nSource:\n\n"
        "You must be logged in to post a comment."
    )
    assert paragraphs(en) == [EN_BODY, EN_BODY2]
    assert en.title == "City opens a new park in the north"
    assert en.date == "2021-03-12"
    assert en.language == "en" and ru.language == "ru"


def test_site_notice_block_ru() -> None:
    doc = clean(
        "Новый парк открылся на севере Москвы\n"
        "Уважаемые читатели, наш сайт переехал на новый адрес.\n"
        "Старые материалы пока доступны здесь\n"
        "Ждём вас на example-news.ru\n"
        f"{RU_BODY}\n{RU_BODY2}"
    )
    assert paragraphs(doc) == [RU_BODY, RU_BODY2]


def test_site_notice_en_and_body_mentions_of_sites_kept() -> None:
    body_with_site = "The council published the plan on its official website on Monday."
    doc = clean(
        "City opens a new park\nDear readers, our website has moved to a new address.\n"
        f"{EN_BODY}\n{body_with_site}"
    )
    assert paragraphs(doc) == [EN_BODY, body_with_site]
    assert not is_site_notice("Москва договорилась о проектах, сообщает официальный сайт мэра.")
    assert not is_site_notice(
        "Получить информацию вы можете по электронному адресу press@example.ru."
    )
    assert is_site_notice("Спасибо, ждём вас на example-news.ru")


def test_repeated_section_names_dropped_everywhere() -> None:
    doc = clean(f"Экономика\n{RU_BODY}\nЭкономика\n{RU_BODY2}\nЭкономика\nЭкономика")
    assert "Экономика" not in doc.text
    assert paragraphs(doc) == [RU_BODY, RU_BODY2]
    en = clean(f"{EN_BODY}\n\nWorld news\n\n{EN_BODY2}\n\nWorld news")
    assert paragraphs(en) == [EN_BODY, EN_BODY2]


def test_repeated_paragraph_kept_once() -> None:
    doc = clean(f"{RU_BODY}\n{RU_BODY}\n{RU_BODY2}\n\n{RU_BODY}")
    assert paragraphs(doc) == [RU_BODY, RU_BODY2]
    en = clean(f"{EN_BODY}\n\n{EN_BODY2}\n\n{EN_BODY}")
    assert paragraphs(en) == [EN_BODY, EN_BODY2]


def test_tail_fragments_after_last_paragraph_dropped() -> None:
    doc = clean(f"{RU_BODY}\n{RU_BODY2}\n05.02.2019 17\nМэр открыл новый мост через реку\nСпорт")
    assert paragraphs(doc) == [RU_BODY, RU_BODY2]
    en = clean(f"{EN_BODY}\n\n{EN_BODY2}\n\n06.11.2018 44\n\nMayor opens a new bridge")
    assert paragraphs(en) == [EN_BODY, EN_BODY2]


def test_fragment_inside_body_is_kept() -> None:
    doc = clean(f"{RU_BODY}\nСправочно:\n{RU_BODY2}")
    assert paragraphs(doc) == [RU_BODY, "Справочно:", RU_BODY2]


def test_title_prefers_headline_over_rubric() -> None:
    doc = clean(f"Городская среда\n\nНовый парк открылся на севере Москвы\n\n{RU_BODY}")
    assert doc.title == "Новый парк открылся на севере Москвы"
    assert paragraphs(doc) == [RU_BODY]


def test_title_from_first_sentence_when_no_headline() -> None:
    long_first = "Очень " * 40 + "длинное первое предложение."
    doc = clean(f"{RU_BODY}\n{long_first}")
    assert doc.title == "Городские власти открыли новый парк на севере столицы."
    doc2 = clean(f"{long_first}\n{RU_BODY}")
    assert doc2.title.endswith("…") and len(doc2.title) <= 121
    assert doc2.text.startswith("Очень")  # body untouched


def test_given_title_and_date_win_and_title_line_not_repeated() -> None:
    doc = clean(
        f"Новый парк открылся\n01.01.2019\n{RU_BODY}",
        title="Новый парк открылся",
        date="2021-03-12T09:00:00Z",
    )
    assert doc.title == "Новый парк открылся"
    assert doc.date == "2021-03-12"
    assert paragraphs(doc) == [RU_BODY]


def test_unparsable_given_date_falls_back_to_header_then_none() -> None:
    assert clean(f"12.03.2021\n{RU_BODY}", date="вчера").date == "2021-03-12"
    assert clean(RU_BODY, date="yesterday").date is None


def test_whitespace_normalised_only() -> None:
    doc = clean("Заголовок новости о парке\n  Парк\u00a0открыт   для   всех жителей района.  \n")
    assert doc.text == "Парк открыт для всех жителей района."


def test_hard_wrapped_lines_joined() -> None:
    doc = clean(
        "The city council opened a new park in the\nnorthern district on Monday, officials "
        "said.\n\nMore work is planned for the spring season."
    )
    assert paragraphs(doc)[0] == (
        "The city council opened a new park in the northern district on Monday, officials said."
    )


def test_only_boilerplate_gives_none() -> None:
    raw = "Главная / Новости\n###\n123 просмотра\nНовости партнёров\nЧитать далее\nИсточник:"
    assert clean_document(RawDocument(doc_id="x", text=raw, source="s")) is None
    assert clean_document(RawDocument(doc_id="x", text="   \n\n", source="s")) is None


def test_html_main_text_without_scripts_styles_nav() -> None:
    html = (
        "<html><head><title>Paper | City opens a new park</title>"
        "<style>.x{color:red}</style><script>var tracking = 'SCRIPT_TEXT';</script>"
        '<meta property="article:published_time" content="2021-03-12T10:00:00+03:00"></head>'
        "<body><nav><a href='/'>Home</a> | <a href='/news'>News</a> | <a href='/c'>Contacts</a>"
        f"</nav><article><h1>City opens a new park</h1><p>{EN_BODY}</p><p>{EN_BODY2}</p>"
        "<p>Read more »</p></article><footer>© 2021 Paper. All rights reserved.</footer>"
        "</body></html>"
    )
    doc = clean(html, is_html=True)
    assert paragraphs(doc) == [EN_BODY, EN_BODY2]
    assert doc.title == "City opens a new park"
    assert doc.date == "2021-03-12"
    assert "SCRIPT_TEXT" not in doc.text and "color" not in doc.text


def test_html_fallback_for_tiny_page() -> None:
    html = (
        "<div><script>alert('x')</script><style>p{}</style><nav>Home | News | Sport</nav>"
        f"<h1>Новый парк</h1><p>{RU_BODY}</p></div>"
    )
    doc = clean(html, is_html=True)
    assert RU_BODY in doc.text
    assert "alert" not in doc.text and "Home" not in doc.text


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Компания ZGC Group и ассоциация Innobiz подписали соглашение в Москве.", "ru"),
        ("Moscow Mayor Sergey Sobyanin met partners from Beijing on Friday.", "en"),
        ("The word «спасибо» means thank you in Russian, the teacher explained.", "en"),
        ("", "en"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_corpus_files_exist() -> None:
    assert len(list(Path(CORPUS).glob("*.txt"))) == 5
