"""Near-duplicate grouping of re-posted stories."""

from __future__ import annotations

from dataclasses import replace

from index.cleaning import clean_document
from index.dedup import (
    MAX_POSTINGS,
    DocShingles,
    IndexedStories,
    document_shingles,
    near_duplicate_groups,
    story_groups,
)
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


THIRD = (
    "Heavy snow closed two mountain passes overnight, and road crews worked until dawn to clear "
    "the main highway. Police asked drivers to stay at home unless their journey was urgent. "
    "Several villages were cut off for hours, and a bus with forty passengers was stuck near the "
    "summit before a snowplough reached it. Forecasters expect more snow on Sunday."
)


def _variants() -> list[Document]:
    """Stories, re-posts of them and a document bridging two groups, in arrival order."""
    return [
        doc("n-story", STORY),
        doc("m-other", OTHER),
        doc("k-repost", "Breaking.\n\n" + STORY.replace("Monday", "Tuesday")),
        doc("z-third", THIRD),
        doc("q-both", STORY + "\n\n" + OTHER),  # holds both stories: joins their groups
        doc("b-third-again", THIRD.replace("Sunday", "Saturday") + " Photo: agency."),
    ]


def test_an_appending_update_groups_as_grouping_everything_does() -> None:
    docs = _variants()
    for cut in range(len(docs) + 1):
        before = docs[:cut]
        stories, shingles = story_groups(before, None)
        old = IndexedStories(before, stories, shingles)
        groups, after = story_groups(docs, old)
        assert groups == near_duplicate_groups(docs), cut
        assert [after.of(i) for i in range(len(docs))] == [document_shingles(d) for d in docs]
    assert near_duplicate_groups(docs) == {
        "n-story": "k-repost",
        "m-other": "k-repost",
        "k-repost": "k-repost",
        "q-both": "k-repost",
        "z-third": "b-third-again",
        "b-third-again": "b-third-again",
    }


def test_an_edited_or_removed_document_regroups_the_rest() -> None:
    docs = _variants()
    stories, shingles = story_groups(docs, None)
    old = IndexedStories(docs, stories, shingles)
    edited = [d if d.doc_id != "q-both" else doc("q-both", THIRD) for d in docs]
    regrouped = story_groups(edited, old)[0]
    assert regrouped == near_duplicate_groups(edited)
    assert (regrouped["m-other"], regrouped["q-both"]) == ("m-other", "b-third-again")
    removed = [d for d in docs if d.doc_id != "q-both"]
    assert story_groups(removed, old)[0] == near_duplicate_groups(removed)
    assert story_groups(removed, old)[0]["m-other"] == "m-other"


def test_stored_shingles_are_reused_only_for_unchanged_text() -> None:
    docs = _variants()
    _, shingles = story_groups(docs, None)
    assert shingles.problem(len(docs)) is None
    assert [shingles.of(i) for i in range(len(docs))] == [document_shingles(d) for d in docs]
    # Stored shingles that disagree with the texts show which path read them.
    swapped = DocShingles.of_sets([document_shingles(doc("x", OTHER))] * len(docs))
    old = IndexedStories(docs, near_duplicate_groups(docs), swapped)
    retitled = [replace(docs[0], title="Other title"), *docs[1:]]
    _, out = story_groups(retitled, old)
    assert out.of(0) == document_shingles(retitled[0])
    assert out.of(1) == swapped.of(1)


def test_boilerplate_shared_by_many_documents_proposes_no_pairs_when_appending() -> None:
    footer = (
        " Read more news from the district on our website every day, and follow us on social "
        "networks for photos and video."
    )
    n = MAX_POSTINGS + 10
    many = [doc(f"d{i:04d}", f"Note {i}: the item number {i} is here." + footer) for i in range(n)]
    late = doc("e-late", STORY + footer)
    copy = doc("f-copy", STORY + footer)
    docs = [*many, late, copy]
    stories, shingles = story_groups(docs[:n], None)
    appended = story_groups(docs, IndexedStories(docs[:n], stories, shingles))[0]
    assert appended == near_duplicate_groups(docs)
    assert appended["f-copy"] == appended["e-late"] == "e-late"  # the footer proposed nothing
    # Notes sharing the footer group while its posting is short, and not after.
    first, last = many[0].doc_id, many[MAX_POSTINGS].doc_id
    assert appended[last] == first and appended[many[MAX_POSTINGS + 1].doc_id] != first
