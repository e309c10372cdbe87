"""Sentence-aligned chunks with exact offsets into the cleaned text.

Hand-written rather than a LangChain text splitter for two reasons:

* quotes are checked against the source, so every chunk must satisfy
  `doc.text[c.start:c.end] == c.text` exactly; LangChain splitters strip/merge whitespace and
  only optionally (and approximately) report start offsets;
* razdel knows Russian abbreviations and initials ("17 тыс. предприятий", "А. Петров",
  "в 2020 г. в Москве"), where regex/character splitters cut sentences in the middle.

Chunks never cross a paragraph break ("\\n\\n"), so a citation never glues two paragraphs.
"""

from __future__ import annotations

from index.documents import Chunk, Document
from nlp.sentences import Span, paragraph_spans, split_sentences

LONG_SENTENCE_FACTOR = 3  # a sentence longer than this many max_chars is cut into pieces


def _cut_long(text: str, span: Span, max_chars: int) -> list[Span]:
    """Pieces of at most `max_chars` of one over-long sentence, cut at whitespace if possible."""
    start, end = span
    pieces: list[Span] = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + 1, start + max_chars + 1)
        if cut <= start:
            cut = start + max_chars
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        pieces.append((start, end))
    return pieces


def _pack(sentences: list[Span], max_chars: int, overlap: int) -> list[Span]:
    """Greedy packing of one paragraph's sentences; neighbours share `overlap` sentences."""
    chunks: list[Span] = []
    first, stop = 0, 0  # the previous chunk covers sentences[first:stop]
    while stop < len(sentences):
        if stop == 0:
            i = 0
        else:
            i = max(stop - overlap, first + 1)
            # Give up overlap rather than exceed max_chars with the first new sentence.
            while i < stop and sentences[stop][1] - sentences[i][0] > max_chars:
                i += 1
        j = stop + 1  # always take at least one new sentence
        while j < len(sentences) and sentences[j][1] - sentences[i][0] <= max_chars:
            j += 1
        chunks.append((sentences[i][0], sentences[j - 1][1]))
        first, stop = i, j
    return chunks


def chunk_document(doc: Document, max_chars: int = 700, overlap_sentences: int = 1) -> list[Chunk]:
    """Consecutive sentences packed up to `max_chars`; ids `doc_id#n`, deterministic."""
    if max_chars <= 0 or overlap_sentences < 0:
        raise ValueError("max_chars must be positive and overlap_sentences non-negative")
    text = doc.text
    by_paragraph: dict[int, list[Span]] = {}
    paragraphs = paragraph_spans(text)
    p = 0
    for span in split_sentences(text):
        while span[0] >= paragraphs[p][1] and p + 1 < len(paragraphs):
            p += 1
        pieces = (
            _cut_long(text, span, max_chars)
            if span[1] - span[0] > LONG_SENTENCE_FACTOR * max_chars
            else [span]
        )
        by_paragraph.setdefault(p, []).extend(pieces)
    chunks: list[Chunk] = []
    for p in sorted(by_paragraph):
        for start, end in _pack(by_paragraph[p], max_chars, overlap_sentences):
            n = len(chunks)
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.doc_id}#{n}",
                    doc_id=doc.doc_id,
                    n=n,
                    text=text[start:end],
                    start=start,
                    end=end,
                )
            )
    return chunks


def passage_text(title: str, chunk_text: str) -> str:
    """What the embedder and the lexical indexes read for a chunk: its document's title, then
    the chunk (the title often names what the chunk's sentences only refer to)."""
    title = title.strip()
    return f"{title}\n{chunk_text}" if title else chunk_text
