"""Does an article match a subscription topic, across languages and word forms?

Two stages, because neither alone is good enough:

1. Lexical, precise and explainable: places through the RU/EN place tree of `nlp.places`
   ("China" <- "Пекин", "китайскими"; "Beijing" never <- "Шэньчжэнь"), topic words by pymorphy3
   lemma or Snowball stem in their own script ("искусственный интеллект" <- "искусственного
   интеллекта"), by cross-script name key in the other ("Ivanov" <- "Иванов", "drones" <-
   "дронов"), or by a phrase of the title or lead that translates them, by e5
   (`term_translations`: "robotics" <- "робототехники"), shown as the reason.
2. Semantic, for paraphrases: e5 cosine between "query: <topic>" and the
   article's sentences (max over sentences), minus the topic's mean cosine to a fixed set of
   unrelated news sentences in the article's language. e5 scores crowd into 0.75-0.9 and each
   topic (and each language pair) has its own floor; the margin over that floor separates
   related from unrelated better than the raw cosine (ROC AUC 0.80 vs 0.73 on the labelled
   pairs). The margin threshold is calibrated on `tests/data/topics.jsonl` (`evaluation.topics`).

A topic that is only a place ("Южная Корея", "Beijing") is decided lexically: an article either
names the place or it does not, and e5 finds Seoul "close" to Tokyo. A topic with a place and a
subject ("Китай нанотехнологии") needs the place named, then the subject either way.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import iuliia
import numpy as np
import numpy.typing as npt
import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_RUSSIAN

from index.documents import Document
from index.embedder import Embedder

# Margin over the topic's background cosine (see the module docstring). Calibrated on the dev half
from nlp.language import script, strip_stress
from nlp.morph import analyser
from nlp.names import name_form, same_name
from nlp.places import (
    Mention,
    ancestors,
    find_places,
    is_city_or_region,
    topic_places,
)
from nlp.sentences import split_sentences
from nlp.words import fold
from rag.alerts.term_translations import MAX_WORDS, TERM_COSINE, TermTranslations, phrases

# Margin over the topic's background cosine (see the module docstring). Calibrated on the dev half
# of tests/data/topics.jsonl (max F0.5 of the combined matcher) by
# `.venv/bin/python -m evaluation.topics tests/data/topics.jsonl` (README "Subscription topics").
DEFAULT_THRESHOLD = 0.09
# Title plus this many leading sentences are embedded when the caller has no sentence vectors:
# news put the subject up front, and every extra sentence is another chance of a chance match.
LEAD_SENTENCES = 6

_WORD = re.compile(r"[^\W_]+")
_SENTENCE_BREAK = re.compile(r"[.!?;\n]")
_STOP = frozenset(STOPWORDS_EN) | frozenset(w.replace("ё", "е") for w in STOPWORDS_RUSSIAN)
_RU = Stemmer.Stemmer("russian")
_EN = Stemmer.Stemmer("english")

# The background sentences (everyday news: a topic's mean cosine to them is its floor) are
# data: data/topic_lexicon.json.
LEXICON = "topic_lexicon.json"


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, Any]:
    raw = resources.files("rag.alerts").joinpath("data", LEXICON).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(raw)
    return loaded


@dataclass(frozen=True)
class MatchReason:
    """One reason an article matched, as values; the front end words it.

    kind "mention": the article's words `written`, naming `place` (canonical English name) when
    they are a place; kind "meaning": the e5 cosine between topic and article.
    """

    kind: str
    written: str = ""
    place: str | None = None
    cosine: float = 0.0


@dataclass(frozen=True)
class TopicMatch:
    """Why an article matched a topic."""

    topic: str
    score: float  # 1.0 for a lexical match, else the e5 margin over the topic's floor
    reasons: tuple[MatchReason, ...]
    stage: str  # "lexical" | "semantic"


# ---------------------------------------------------------------- words


@dataclass(frozen=True)
class _Word:
    text: str  # lower case, ё -> е
    script: str
    stem: str
    lemma: str
    keys: frozenset[str]  # cross-script name spellings, `nlp.names.name_form` (may be empty)
    start: int
    end: int


@lru_cache(maxsize=100_000)
def _analyse_word(word: str) -> tuple[str, str, str, str]:
    """(script, stem, lemma, space-joined name spellings) of a lower-cased word; cached (news reuse
    their words)."""
    s = script(word)
    if s == "ru":
        stem = _RU.stemWord(word)
        parses = analyser().parse(word)
        lemma = parses[0].normal_form.replace("ё", "е") if parses else word
    elif s == "en":
        stem = _EN.stemWord(word)
        lemma = stem
    else:
        stem = lemma = word
    if len(word) < 3:
        return s, stem, lemma, ""
    keys = {name_form(word)}
    if s == "ru":  # also the whole word: name_form cuts endings that may belong to the stem
        keys.add(name_form(iuliia.WIKIPEDIA.translate(word).lower()))
    return s, stem, lemma, " ".join(sorted(k for k in keys if k))


def _words(text: str, *, keep_stop: bool = False) -> list[_Word]:
    text = strip_stress(text)
    out: list[_Word] = []
    for m in _WORD.finditer(text):
        w = fold(m.group())
        if not keep_stop and w in _STOP:
            continue
        s, stem, lemma, keys = _analyse_word(w)
        out.append(_Word(w, s, stem, lemma, frozenset(keys.split()), m.start(), m.end()))
    return out


def _same(t: _Word, a: _Word) -> bool:
    """Whether article word `a` is a form of topic word `t`.

    Same script: lemma or stem, or the topic stem (5+ letters) starting the article's, so that
    "нанотехнологии" finds "нанотехнологический". Across scripts only the name key counts
    ("Ivanov" / "Иванова", "startups" / "стартапы", not "Sobyanin" / "Сабина"), and only for
    words of 4+ letters.
    """
    if t.script == a.script or not t.script or not a.script:
        if t.text == a.text or t.lemma == a.lemma or t.stem == a.stem:
            return True
        return len(t.stem) >= 5 and a.stem.startswith(t.stem)
    return len(t.text) >= 4 and any(same_name(x, y) for x in t.keys for y in a.keys)


def _find_phrase(
    terms: Sequence[_Word], words: Sequence[_Word], text: str
) -> list[tuple[int, int]]:
    """Character spans where all `terms` occur close together in one sentence, any order."""
    if not terms:
        return []
    positions = [[i for i, w in enumerate(words) if _same(t, w)] for t in terms]
    if any(not p for p in positions):
        return []
    window = len(terms) + 1
    spans: list[tuple[int, int]] = []
    for i in positions[0]:
        chosen = [i]
        for p in positions[1:]:
            chosen.append(min(p, key=lambda j: abs(j - i)))
        if max(chosen) - min(chosen) <= window and len(set(chosen)) == len(chosen):
            start, end = words[min(chosen)].start, words[max(chosen)].end
            if not _SENTENCE_BREAK.search(text, start, end):
                spans.append((start, end))
    return spans


def _names_a_thing(phrase: str) -> bool:
    """A Russian phrase ending in a noun: a topic names a thing, and e5 puts a lone adjective
    ("научным") close to any technical term. English phrases are not tagged."""
    last = _WORD.findall(phrase)[-1].lower()
    if script(last) != "ru":
        return True
    parses = analyser().parse(last)
    return bool(parses) and parses[0].tag.POS == "NOUN"


def _prominent(starts: Sequence[int], lead_end: int) -> bool:
    """Whether a mention counts: in the title or lead, or repeated.

    A place or term named once in the last paragraph of a long article ("a presentation is
    planned in South Korea in December") is not what the article is about; alerting on it would
    cost trust. Short news leads are all lead, so this only bites on long articles.
    """
    return any(s < lead_end for s in starts) or len(starts) >= 2


# ---------------------------------------------------------------- the matcher


@dataclass(frozen=True)
class TopicEvidence:
    """Both stages' raw verdicts on one topic-article pair (`TopicMatcher.evidence`)."""

    lexical: TopicMatch | None
    semantic_allowed: bool  # False for place-only topics and for articles lacking the place
    similarity: float | None  # max e5 cosine over sentences, where computed
    margin: float | None  # `similarity` minus the topic's floor: what the threshold applies to
    place_hits: list[Mention]


def _quote(text: str, start: int, end: int, limit: int = 60) -> str:
    return " ".join(text[start:end].split())[:limit]


class TopicMatcher:
    """Matches subscription topics against articles; topic and article vectors are cached.

    Thread-safe enough for the bot's watcher: caches are plain dicts guarded by a lock, and the
    embedder is called outside the lock.
    """

    def __init__(
        self,
        embedder: Embedder,
        threshold: float = DEFAULT_THRESHOLD,
        term_cosine: float | None = TERM_COSINE,
    ) -> None:
        """`term_cosine=None`: topic words cross scripts only as names, never by translation."""
        self._embedder = embedder
        self.threshold = threshold
        self._terms = TermTranslations(embedder, term_cosine) if term_cosine else None
        self._lock = threading.Lock()
        self._topic_vectors: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._doc_vectors: OrderedDict[tuple[str, int], npt.NDArray[np.float32]] = OrderedDict()
        self._background_vectors: dict[str, npt.NDArray[np.float32]] = {}

    # -- public API

    def match(
        self,
        topic: str,
        document: Document,
        sentence_vectors: npt.NDArray[np.float32] | None = None,
    ) -> TopicMatch | None:
        """A match with its reason, or None; lexical evidence first, e5 similarity second."""
        return self.match_many([topic], document, sentence_vectors).get(topic)

    def match_many(
        self,
        topics: Sequence[str],
        document: Document,
        sentence_vectors: npt.NDArray[np.float32] | None = None,
    ) -> dict[str, TopicMatch]:
        """The matching topics among `topics`; the article is analysed and embedded once."""
        evidence = self.evidence(topics, document, sentence_vectors)
        out: dict[str, TopicMatch] = {}
        for topic, ev in evidence.items():
            if ev.lexical is not None:
                out[topic] = ev.lexical
            elif ev.margin is not None and ev.margin >= self.threshold:
                out[topic] = self._semantic_match(topic, ev, ev.place_hits)
        return out

    def evidence(
        self,
        topics: Sequence[str],
        document: Document,
        sentence_vectors: npt.NDArray[np.float32] | None = None,
        *,
        always_embed: bool = False,
    ) -> dict[str, TopicEvidence]:
        """What each stage says about each topic, before the threshold is applied.

        The similarity is computed only where the semantic stage may decide (and, unless
        `always_embed`, only where the lexical stage did not already match): calibration needs
        it for every pair, the watcher only when it changes the answer.
        """
        text = f"{document.title}\n{document.text}"
        words = _words(text)
        mentions = find_places(text)
        sentences = split_sentences(text)
        lead_end = sentences[min(len(sentences), LEAD_SENTENCES + 1) - 1][1] if sentences else 0
        found: dict[str, tuple[TopicMatch | None, list[Mention] | None]] = {}
        for topic in dict.fromkeys(topics):
            if topic.strip():
                found[topic] = self._lexical(topic.strip(), text, words, mentions, lead_end)
        wanted = [
            t for t, (lex, gate) in found.items() if gate is not None and (always_embed or not lex)
        ]
        scores = dict(
            zip(wanted, self.similarities(wanted, document, sentence_vectors), strict=True)
        )
        return {
            t: TopicEvidence(
                lex,
                gate is not None,
                scores[t][0] if t in scores else None,
                scores[t][1] if t in scores else None,
                gate or [],
            )
            for t, (lex, gate) in found.items()
        }

    def similarities(
        self,
        topics: Sequence[str],
        document: Document,
        sentence_vectors: npt.NDArray[np.float32] | None = None,
    ) -> list[tuple[float, float]]:
        """(max e5 cosine over the article's sentences, its margin over the topic's floor)."""
        if not topics:
            return []
        sentences = (
            np.asarray(sentence_vectors, dtype=np.float32)
            if sentence_vectors is not None and len(sentence_vectors)
            else self._lead_vectors(document)
        )
        if not len(sentences):
            return [(0.0, -1.0)] * len(topics)
        queries = np.stack([self._topic_vector(t.strip()) for t in topics])
        cosines = (queries @ sentences.T).max(axis=1)
        floors = (queries @ self._background(document.language).T).mean(axis=1)
        return [(float(c), float(c - f)) for c, f in zip(cosines, floors, strict=True)]

    # -- stages

    def _lexical(
        self,
        topic: str,
        text: str,
        words: Sequence[_Word],
        mentions: Sequence[Mention],
        lead_end: int,
    ) -> tuple[TopicMatch | None, list[Mention] | None]:
        """(a lexical match or None, the place mentions if the semantic stage may decide).

        The semantic stage may decide when the topic has a subject besides places and every
        place it names is named in the article.
        """
        places, rest = topic_places(topic)
        place_hits: list[Mention] = []
        for place in places:
            hits = [m for m in mentions if place in ancestors(m.place)]
            if not _prominent(sorted({m.start for m in hits}), lead_end):
                return None, None  # every place of the topic must be named
            # Name the place as the article does: "Пекин" reads as Beijing (not as "China"),
            # but a direct mention of the topic's own place comes first.
            by_start: dict[int, Mention] = {}
            for m in hits:
                if m.start not in by_start or is_city_or_region(m.place):
                    by_start[m.start] = m
            best = min(by_start.values(), key=lambda m: (m.place != place, m.start))
            place_hits.append(best)
        terms = _words(rest)
        if not terms:
            if not place_hits:
                return None, None  # nothing but stop words
            return self._lexical_match(topic, place_hits, None, text), None
        spans = _find_phrase(terms, words, text)
        if spans and _prominent([start for start, _ in spans], lead_end):
            return self._lexical_match(topic, place_hits, spans[0], text), place_hits
        translated = self._translated(rest, terms, words, text, lead_end)
        if translated is not None:
            return self._lexical_match(topic, place_hits, translated, text), place_hits
        return None, place_hits

    def _translated(
        self, rest: str, terms: Sequence[_Word], words: Sequence[_Word], text: str, lead_end: int
    ) -> tuple[int, int] | None:
        """The span of a title or lead phrase in the other script that translates the topic's
        words (at most MAX_WORDS of them: longer topics are paraphrased, not translated)."""
        scripts = {t.script for t in terms}
        if self._terms is None or len(terms) > MAX_WORDS or len(scripts) != 1:
            return None
        other = [
            (w.text, w.start, w.end)
            for w in words
            if w.start < lead_end and w.script and w.script not in scripts
        ]
        candidates = [p for p in phrases(other, text) if _names_a_thing(p.text)]
        found = self._terms.find(rest, candidates)
        return (found.start, found.end) if found else None

    def _lexical_match(
        self,
        topic: str,
        place_hits: Sequence[Mention],
        span: tuple[int, int] | None,
        text: str,
    ) -> TopicMatch:
        reasons = [MatchReason("mention", m.written, m.place) for m in place_hits]
        if span is not None:
            reasons.append(MatchReason("mention", _quote(text, *span)))
        return TopicMatch(topic, 1.0, tuple(reasons), "lexical")

    def _semantic_match(
        self, topic: str, ev: TopicEvidence, place_hits: Sequence[Mention]
    ) -> TopicMatch:
        cosine, margin = ev.similarity or 0.0, ev.margin or 0.0
        reasons = [MatchReason("mention", m.written, m.place) for m in place_hits]
        reasons.append(MatchReason("meaning", cosine=cosine))
        return TopicMatch(topic, margin, tuple(reasons), "semantic")

    # -- vectors

    def _topic_vector(self, topic: str) -> npt.NDArray[np.float32]:
        with self._lock:
            cached = self._topic_vectors.get(topic)
            if cached is not None:
                self._topic_vectors.move_to_end(topic)
                return cached
        vector = self._embedder.embed_queries([topic]).reshape(-1)
        with self._lock:
            self._topic_vectors[topic] = vector
            while len(self._topic_vectors) > 20_000:
                self._topic_vectors.popitem(last=False)
        return vector

    def _background(self, language: str) -> npt.NDArray[np.float32]:
        table: dict[str, list[str]] = _lexicon()["background"]
        lang = language if language in table else "en"
        with self._lock:
            cached = self._background_vectors.get(lang)
        if cached is None:
            cached = self._embedder.embed_passages(table[lang])
            with self._lock:
                self._background_vectors[lang] = cached
        return cached

    def _lead_vectors(self, document: Document) -> npt.NDArray[np.float32]:
        key = (document.doc_id, hash((document.content_hash, document.title, document.text)))
        with self._lock:
            cached = self._doc_vectors.get(key)
            if cached is not None:
                return cached
        vectors = self._embedder.embed_passages(lead_passages(document))
        with self._lock:
            self._doc_vectors[key] = vectors
            while len(self._doc_vectors) > 256:
                self._doc_vectors.popitem(last=False)
        return vectors


def lead_passages(document: Document, n: int = LEAD_SENTENCES) -> list[str]:
    """The title and the first `n` sentences (the title once, if the text repeats it)."""
    passages = [document.title.strip()] if document.title.strip() else []
    for start, end in split_sentences(document.text):
        sentence = document.text[start:end].strip()
        if sentence and sentence not in passages:
            passages.append(sentence)
        if len(passages) > n:
            break
    return passages
