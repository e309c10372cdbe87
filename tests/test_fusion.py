"""Language-gated score fusion of `rag.fusion` on hand-made candidate pools."""

from __future__ import annotations

import numpy as np

from rag.fusion import (
    DEFAULT,
    FusionParams,
    candidate_pool,
    fuse,
    fused_scores,
    text_language,
    zscore,
)
from rag.lexical import LexicalIndex, name_keys


def test_text_language() -> None:
    assert text_language("Who won the match?") == "en"
    assert text_language("Кто выиграл матч в NBA?") == "ru"
    assert text_language("2024") == "en"


def test_zscore_handles_flat_and_empty_pools() -> None:
    assert np.allclose(zscore(np.array([0.0, 0.0, 0.0])), 0.0)
    assert zscore(np.array([], dtype=np.float32)).size == 0
    z = zscore(np.array([1.0, 2.0, 3.0]))
    assert abs(float(z.mean())) < 1e-9 and z[2] > z[1] > z[0]


def test_cross_lingual_dense_winner_beats_same_language_lexical_match() -> None:
    # English question; row 0 is the Russian answer (dense favourite, no shared words),
    # row 1 an English text sharing the question's words but off-topic for dense.
    rows = np.array([10, 11, 12, 13], dtype=np.int64)
    dense = np.array([0.86, 0.80, 0.78, 0.77])
    lexical = np.array([0.0, 9.0, 0.0, 0.0])
    names = np.zeros(4)
    same = np.array([False, True, False, False])
    ranked = fuse(rows, dense, lexical, names, same, DEFAULT)
    assert ranked[0][0] == 10


def test_lexical_evidence_ignored_across_languages() -> None:
    rows = np.array([0, 1, 2], dtype=np.int64)
    dense = np.array([0.85, 0.84, 0.70])
    lexical = np.array([0.0, 12.0, 0.0])  # spurious stem overlap in another language
    same = np.zeros(3, dtype=bool)
    ranked = fuse(rows, dense, lexical, np.zeros(3), same, FusionParams(w_lexical=5, w_names=0))
    assert ranked[0][0] == 0


def test_same_language_lexical_evidence_breaks_a_close_dense_call() -> None:
    rows = np.array([0, 1, 2, 3], dtype=np.int64)
    dense = np.array([0.845, 0.840, 0.80, 0.79])
    lexical = np.array([1.0, 11.0, 0.5, 0.0])
    same = np.ones(4, dtype=bool)
    assert fuse(rows, dense, lexical, np.zeros(4), same, DEFAULT)[0][0] == 1
    no_lex = FusionParams(w_lexical=0.0, w_names=0.0)
    assert fuse(rows, dense, lexical, np.zeros(4), same, no_lex)[0][0] == 0


def test_shared_name_boost_works_across_scripts() -> None:
    passages = [
        "Защитник Кейван Шорт лидирует в команде по перехватам.",
        "Нападающий Джаред Аллен сделал 136 сэков за карьеру.",
        "Команда уступила всего 308 очков за сезон.",
    ]
    question = "How many career sacks did Jared Allen have?"
    names = LexicalIndex.build(passages, tokenizer=name_keys).scores(question)
    rows = np.arange(3, dtype=np.int64)
    dense = np.array([0.84, 0.835, 0.83])  # dense slightly prefers the wrong player
    same = np.zeros(3, dtype=bool)
    assert fuse(rows, dense, np.zeros(3), names, same, FusionParams(0.0, 0.0))[0][0] == 0
    assert fuse(rows, dense, np.zeros(3), names, same, DEFAULT)[0][0] == 1


def test_use_channel_is_optional_and_weighted() -> None:
    dense = np.array([0.80, 0.79, 0.70])
    use = np.array([0.2, 0.9, 0.1])
    zeros, same = np.zeros(3), np.ones(3, dtype=bool)
    base = fused_scores(dense, zeros, zeros, same, DEFAULT)
    assert np.allclose(fused_scores(dense, zeros, zeros, same, DEFAULT, use), base)
    with_use = fused_scores(dense, zeros, zeros, same, FusionParams(0.6, 0.3, w_use=1.0), use)
    assert with_use[1] > with_use[0]


def test_candidate_pool_is_an_ordered_union() -> None:
    pool = candidate_pool(np.array([3, 1]), np.array([1, 7]), np.array([], dtype=np.int64))
    assert pool.tolist() == [3, 1, 7]
