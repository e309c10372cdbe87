"""Whether the corpus answers a question: boosted trees over several signals, not one cut.

Why: refusing on the closest sentence's similarity alone keeps answering when the article that
answers is missing but a neighbour on the same topic is close (an English question over
Russian news is refused only two times in three then). Other signals tell those apart: whether
the chosen sentence repeats the question's names and words (and how closely its tokens match
the question's, across languages too), how sure the sentence selector is of it against the
others, whether it holds the kind of fact asked for. The trees (rag/answering/trees.py says why
trees rather than one logistic) are trained on public QA by `bench/train_answerability.py` — a
question over its corpus is answerable when the answer cites its gold paragraph, and not when
that paragraph is removed — and stored in `data/answerability.json` beside this file, with the
probability cut chosen there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from rag.answering.sentence_features import FEATURES as SENTENCE_FEATURES
from rag.answering.trees import TreeEnsemble, load_trees

ANSWERABILITY_PATH = Path(__file__).with_name("data") / "answerability.json"

# Columns of the chosen sentence's selector features carried over as they are.
_CARRIED = (
    "word_overlap",
    "name_overlap",
    "context_overlap",
    "untyped_miss",
    "chunk_dense",
    "token_match",
    "token_match_gap",
)
ANSWERABILITY_FEATURES = (
    "closest",  # the best question-sentence similarity among the candidates
    "chosen_similarity",  # the chosen sentence's
    "selector_probability",  # the selector's softmax probability of the chosen sentence
    "selector_margin",  # its score minus the runner-up's
    *_CARRIED,
    "names_missing",  # the question names someone or something and the sentence does not
    "cross_language",  # the chosen sentence is in the other language
    "document_share",  # share of the candidates from the chosen sentence's article
    "document_margin",  # that article's best similarity minus any other article's
)
_COLUMN = {name: i for i, name in enumerate(SENTENCE_FEATURES)}
# The selector's logit gap is unbounded; past this it says nothing more.
MAX_MARGIN = 10.0
# Similarity gaps between articles past this say nothing more either (and one article alone
# among the candidates counts as this far ahead).
MAX_DOCUMENT_MARGIN = 0.1


def answerability_features(
    similarities: Sequence[float],
    scores: npt.NDArray[np.float64],
    sentence_features: npt.NDArray[np.float64],
    question_has_names: bool,
    cross_language: bool,
    documents: Sequence[str],
) -> npt.NDArray[np.float64]:
    """One row for the question; `scores`, `sentence_features` and `documents` (the article
    of each) are the candidates' in ranked order (the chosen one first). Over whole articles
    the answering one holds many of the close sentences; a neighbour on the topic holds few."""
    best = sentence_features[0]
    chosen = documents[0]
    own = max(s for s, d in zip(similarities, documents, strict=True) if d == chosen)
    other = [s for s, d in zip(similarities, documents, strict=True) if d != chosen]
    lead = own - max(other) if other else MAX_DOCUMENT_MARGIN
    p = np.exp(scores - scores.max())
    margin = float(scores[0] - scores[1]) if len(scores) > 1 else MAX_MARGIN
    row = [
        max(similarities),
        similarities[0],
        float(p[0] / p.sum()),
        min(margin, MAX_MARGIN),
        *(float(best[_COLUMN[name]]) for name in _CARRIED),
        float(question_has_names and best[_COLUMN["name_overlap"]] == 0.0),
        float(cross_language),
        sum(d == chosen for d in documents) / len(documents),
        max(-MAX_DOCUMENT_MARGIN, min(MAX_DOCUMENT_MARGIN, lead)),
    ]
    return np.array([row], dtype=np.float64)


def load_answerability(path: Path = ANSWERABILITY_PATH) -> TreeEnsemble:
    """The committed trees of `bench/train_answerability.py --write`."""
    return load_trees(path, ANSWERABILITY_FEATURES)


def probability(model: TreeEnsemble, features: npt.NDArray[np.float64]) -> float:
    """The model's probability that the corpus answers (a logistic over its score)."""
    return 1.0 / (1.0 + math.exp(-float(model.scores(features)[0])))
