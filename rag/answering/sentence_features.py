"""What the learned sentence selector sees of each candidate sentence: a few numbers, no words.

The features are general signals (how close the sentence and its chunk are to the question,
how many of the question's words and names it repeats, whether it holds the kind of fact asked
for), so that the weights learned on public QA sets carry to news the project has never read.
Pure functions: the answerer and the training command (`bench/train_reader.py`) share them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nlp.morph import analyser, lemma
from nlp.names import capitalised_runs, name_keys
from nlp.places import find_places
from nlp.quantities import find_quantities
from nlp.when import TIME_EXPRESSION
from rag.answering.question import QType, Question

FEATURES = (
    "similarity",  # question vs sentence cosine, language offset added
    "similarity_gap",  # the same, minus the best candidate's
    "chunk_dense",  # question vs the sentence's chunk
    "chunk_rank",  # 1 / (1 + rank of the chunk among the retrieved ones)
    "word_overlap",  # share of the question's content words the sentence repeats
    "name_overlap",  # share of the question's name keys (any script) the sentence repeats
    "context_overlap",  # share of the question's words in the sentence's chunk
    "type_how_many",  # a "how many" question, and the sentence holds a number
    "counts_asked_noun",  # ... a number of the very thing asked about ("сколько предприятий")
    "type_when",  # a "when" question, and the sentence holds a date or a year
    "type_who",  # a "who" question, and the sentence names someone the question does not
    "names_person",  # ... and one of those names is a person's ("Анна Петрова", "J. Smith")
    "type_where",  # a "where" question, and the sentence names a place the question does not
    "untyped_miss",  # a typed question, and the sentence holds no fact of that type
    "cross_similarity_gap",  # similarity_gap, for a sentence in the other language only
    "log_length",  # log of the sentence length in characters
    "first_in_chunk",  # the chunk's first sentence (a lead, or a paragraph's topic sentence)
    "token_match",  # the question's token maxsim on the sentence (sentence_tokens.py)
    "token_match_gap",  # the same, minus the best candidate's
)

_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
_YEAR = re.compile(r"(?<!\d)(?:1[0-9]|20)\d\d(?!\d)")
_NAME = re.compile(r"(?<=[\s(«\"“])[A-ZА-ЯЁ][\w'’-]+", re.UNICODE)
_TYPE_FEATURE = {
    QType.HOW_MANY: "type_how_many",
    QType.WHEN: "type_when",
    QType.WHO: "type_who",
    QType.WHERE: "type_where",
}


@dataclass(frozen=True)
class SentenceView:
    """One candidate as the features need it."""

    text: str
    chunk_text: str
    similarity: float
    chunk_dense: float
    chunk_rank: int
    cross_language: bool
    first_in_chunk: bool
    token_match: float = 0.0


def content_stems(text: str) -> set[str]:
    """Words of 3+ letters cut to 5: a cheap stem that works alike for Russian and English."""
    return {w.lower()[:5] for w in _WORD.findall(text)}


def _share(asked: set[str], found: set[str]) -> float:
    return len(asked & found) / len(asked) if asked else 0.0


def _new_names(question_stems: set[str], sentence: str) -> bool:
    """A capitalised word past the sentence start that the question does not name."""
    return any(m.group().lower()[:5] not in question_stems for m in _NAME.finditer(" " + sentence))


_PERSON_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})


def names_new_person(question_stems: set[str], sentence: str) -> bool:
    """A person's name the question does not give: a Russian capitalised word that pymorphy3
    reads as a first name, surname or patronymic, or two English capitalised words alone that
    name no place ("John Smith", "J. Smith"; not "Moscow Innovation Cluster", "New York")."""
    for m in _NAME.finditer(" " + sentence):
        word = m.group()
        if word.lower()[:5] in question_stems or not re.fullmatch(r"[А-ЯЁ][а-яё-]+", word):
            continue
        parses = analyser().parse(word)
        if parses and _PERSON_GRAMMEMES & set(parses[0].tag.grammemes):
            return True
    for start, end in capitalised_runs(sentence, joined=False):
        words = sentence[start:end].split()
        if start == 0 or len(words) != 2 or find_places(sentence[start:end]):
            continue  # a sentence's first word, an organisation's longer name, "New York"
        if not {w.lower()[:5] for w in words} & question_stems:
            return True
    return False


def counts_asked_noun(question_lemmas: set[str], sentence: str) -> bool:
    """A quantity of what the question names ("17 тыс. предприятий" for "сколько предприятий")."""
    return any(q.noun and lemma(q.noun) in question_lemmas for q in find_quantities(sentence))


def holds_asked_type(question: Question, question_stems: set[str], sentence: str) -> bool:
    """Whether the sentence holds the kind of fact a typed question asks for (cheap: no NER)."""
    qtype = question.qtype
    if qtype is QType.HOW_MANY:
        return bool(find_quantities(sentence))
    if qtype is QType.WHEN:
        return bool(TIME_EXPRESSION.search(sentence) or _YEAR.search(sentence))
    if qtype in (QType.WHO, QType.WHERE):
        return _new_names(question_stems, sentence)
    return False


def feature_matrix(question: Question, views: Sequence[SentenceView]) -> npt.NDArray[np.float64]:
    """One row per candidate, columns in the order of FEATURES."""
    column = {name: i for i, name in enumerate(FEATURES)}
    out = np.zeros((len(views), len(FEATURES)), dtype=np.float64)
    if not views:
        return out
    asked = content_stems(question.text)
    asked_names = set(name_keys(question.text))
    asked_lemmas = {lemma(w) for w in _WORD.findall(question.text)}
    best = max(v.similarity for v in views)
    best_match = max(v.token_match for v in views)
    typed = _TYPE_FEATURE.get(question.qtype)
    for i, v in enumerate(views):
        row = out[i]
        row[column["similarity"]] = v.similarity
        row[column["similarity_gap"]] = v.similarity - best
        row[column["chunk_dense"]] = v.chunk_dense
        row[column["chunk_rank"]] = 1.0 / (1 + v.chunk_rank)
        row[column["word_overlap"]] = _share(asked, content_stems(v.text))
        row[column["name_overlap"]] = _share(asked_names, set(name_keys(v.text)))
        row[column["context_overlap"]] = _share(asked, content_stems(v.chunk_text))
        if typed is not None:
            if holds_asked_type(question, asked, v.text):
                row[column[typed]] = 1.0
            else:
                row[column["untyped_miss"]] = 1.0
        if question.qtype is QType.WHO and names_new_person(asked, v.text):
            row[column["names_person"]] = 1.0
        if question.qtype is QType.HOW_MANY and counts_asked_noun(asked_lemmas, v.text):
            row[column["counts_asked_noun"]] = 1.0
        if v.cross_language:
            row[column["cross_similarity_gap"]] = v.similarity - best
        row[column["log_length"]] = math.log(max(len(v.text), 1))
        row[column["first_in_chunk"]] = float(v.first_in_chunk)
        row[column["token_match"]] = v.token_match
        row[column["token_match_gap"]] = v.token_match - best_match
    return out
