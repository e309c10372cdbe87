"""Near-duplicate grouping of re-posted stories."""

from __future__ import annotations

from index.cleaning import clean_document
from index.dedup import near_duplicate_groups
from index.documents import Document, RawDocument
from index.settings import REPO_ROOT

CORPUS = REPO_ROOT / "data" / "corpus"

STORY = (
    "The city council opened a new park in the northern district on Monday. More than two "
    "thousand trees were planted and several playgrounds were built for local children. "
    "The mayor said the park was part of a wider plan to add green space across the city, and "
    "that three more parks would open before the end of next year. Residents had asked for a "
    "park in the area for almost a decade, according to the district council. Landscaping "
    "work will continue in spring, when a pond and a cycling path are due to be finished."
)
OTHER = (
    "The central bank kept its key interest rate unchanged on Friday, citing slowing "
    "inflation and uncertain global demand. Analysts had expected the decision, although some "
    "had forecast a small cut. The governor said further moves would depend on incoming data "
    "about prices and wages, and that the bank stood ready to act if the currency weakened "
    "sharply. Markets reacted calmly, with the exchange rate barely moving after the news."
)


def doc(doc_id: str, text: str, title: str = "t") -> Document:
    return Document(doc_id=doc_id, title=title, text=text, source="s", language="en")


def test_repost_with_edits_and_extra_boilerplate_groups() -> None:
    edited = (
        STORY.replace("Monday", "Tuesday")
        .replace("two thousand", "2,000")
        .replace("almost a decade", "nearly ten years")
    )
    repost = (
        f"Subscribe to our channel for more city news.\n\n{edited}\n\nPhoto: city press office"
    )
    groups = near_duplicate_groups(
        [doc("b-repost", repost), doc("a-original", STORY), doc("c-other", OTHER)]
    )
    assert groups == {"a-original": "a-original", "b-repost": "a-original", "c-other": "c-other"}


def test_different_stories_stay_apart_and_order_does_not_matter() -> None:
    docs = [doc("x", STORY), doc("y", OTHER), doc("z", STORY[:300])]
    forward = near_duplicate_groups(docs)
    backward = near_duplicate_groups(list(reversed(docs)))
    assert forward == backward
    assert forward["y"] == "y"
    assert forward["z"] == "x"  # a truncated copy is contained in the full story


def test_transitive_groups_use_smallest_id() -> None:
    v2 = STORY.replace("Monday", "Tuesday")
    v3 = v2.replace("spring", "summer")
    groups = near_duplicate_groups([doc("m", v3), doc("k", v2), doc("q", STORY)])
    assert set(groups.values()) == {"k"}


def test_bundled_articles_are_distinct_texts() -> None:
    docs = []
    for path in sorted(CORPUS.glob("*.txt")):
        cleaned = clean_document(
            RawDocument(doc_id=path.stem, text=path.read_text(encoding="utf-8"), source="s")
        )
        assert cleaned is not None
        docs.append(cleaned)
    groups = near_duplicate_groups(docs)
    assert all(groups[d.doc_id] == d.doc_id for d in docs)
    # ... yet a re-post of one of them with a different header joins it
    repost = doc("zz-repost", "Новости партнёров\n\n" + docs[3].text, title="Другой заголовок")
    assert near_duplicate_groups([*docs, repost])["zz-repost"] == docs[3].doc_id


def test_short_texts_need_jaccard_not_containment() -> None:
    groups = near_duplicate_groups(
        [doc("a", "Mayor opens bridge"), doc("b", "Mayor opens bridge over the river at last")]
    )
    assert groups["b"] == "b"
