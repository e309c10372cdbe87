"""Language-gated score fusion of `rag.retrieval.fusion` on hand-made candidate pools."""

from __future__ import annotations

import numpy as np

from evaluation.research import hub_scores, text_language
from nlp.names import name_keys
from rag.retrieval.fusion import (
    DEFAULT,
    FusionParams,
    candidate_pool,
    fuse,
    fused_scores,
    zscore,
)
from rag.retrieval.lexical import LexicalIndex


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
    ] + [f"Посторонний абзац номер {i} о погоде и экономике." for i in range(12)]
    question = "How many career sacks did Jared Allen have?"
    names = LexicalIndex.build(passages, tokenizer=name_keys).scores(question)
    assert int(np.argmax(names)) == 1
    rows = np.arange(len(passages), dtype=np.int64)
    # Dense slightly prefers the wrong player; the rest of the pool is clearly worse.
    dense = np.array([0.840, 0.836, 0.83] + [0.78 - 0.002 * i for i in range(12)])
    same = np.zeros(len(passages), dtype=bool)
    zeros = np.zeros(len(passages))
    assert fuse(rows, dense, zeros, names, same, FusionParams(0.0, 0.0))[0][0] == 0
    assert fuse(rows, dense, zeros, names, same, DEFAULT)[0][0] == 1


def test_hub_correction_demotes_a_passage_close_to_every_query() -> None:
    refs = np.array([[1.0, 0.0, 0.0], [0.9, 0.436, 0.0], [0.9, 0.0, 0.436]], dtype=np.float32)
    passages = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], dtype=np.float32)
    hub = hub_scores(passages, refs, k=2)
    assert hub[0] > hub[1]
    rows = np.arange(4, dtype=np.int64)
    dense = np.array([0.83, 0.82, 0.70, 0.69])
    hubs = np.array([hub[0], hub[1], hub[1], hub[1]])
    same, zeros = np.ones(4, dtype=bool), np.zeros(4)
    assert fuse(rows, dense, zeros, zeros, same, FusionParams(0.0, 0.0))[0][0] == 0
    ranked = fuse(rows, dense, zeros, zeros, same, FusionParams(0.0, 0.0, hub_beta=0.75), hub=hubs)
    assert ranked[0][0] == 1


def test_use_channel_is_optional_and_weighted() -> None:
    dense = np.array([0.80, 0.79, 0.70])
    use = np.array([0.2, 0.9, 0.1])
    zeros, same = np.zeros(3), np.ones(3, dtype=bool)
    base = fused_scores(dense, zeros, zeros, same, DEFAULT)
    assert np.allclose(fused_scores(dense, zeros, zeros, same, DEFAULT, use), base)
    with_use = fused_scores(dense, zeros, zeros, same, FusionParams(0.3, 0.1, w_use=1.0), use)
    assert np.allclose(with_use, base)  # same-language rows: w_use_same (0) applies
    cross = fused_scores(dense, zeros, zeros, ~same, FusionParams(0.3, 0.1, w_use=1.0), use)
    assert cross[1] > cross[0]


def test_candidate_pool_is_an_ordered_union() -> None:
    pool = candidate_pool(np.array([3, 1]), np.array([1, 7]), np.array([], dtype=np.int64))
    assert pool.tolist() == [3, 1, 7]
