"""The LLM output check: only sentences with existing citations and verbatim quotes survive."""

from index.documents import Chunk, Document
from rag.answering.generative import build_messages, verified_sentences
from rag.answering.question import analyse
from rag.retrieval.hits import Hit


def _hit(doc_id: str, text: str) -> Hit:
    doc = Document(doc_id=doc_id, title=f"T {doc_id}", text=text, source=f"{doc_id}.txt",
                   language="ru", date="2020-09-21")  # fmt: skip
    return Hit(Chunk(f"{doc_id}#0", doc_id, 0, text, 0, len(text)), doc, 1.0, 0.9)


HITS = [
    _hit("a", "Документ подписали руководитель МИК Анатолий Валетов и Чжао Чаншань."),
    _hit("b", "В кластере участвует более 17 тыс. предприятий."),
]


def test_keeps_sentences_with_a_verbatim_quote_and_drops_the_rest() -> None:
    reply = (
        "The agreement was signed by «руководитель МИК Анатолий Валетов» [1]. "
        "The cluster has «более 17 тыс. предприятий» [2]. "
        "В кластере участвует более 17 тыс. предприятий [2]. "
        "The agreement was signed by Anatoly Valetov [1]. "
        "It was the largest deal of the year [3]. "
        "Everyone was happy."
    )
    kept = verified_sentences(reply, HITS)
    assert [v.marks for v in kept] == [(1,), (2,), (2,)]
    assert kept[0].quotes == {1: "руководитель МИК Анатолий Валетов"}
    assert kept[2].quotes == {2: "В кластере участвует более 17 тыс. предприятий"}


def test_drops_a_sentence_whose_quote_is_not_in_the_cited_passage() -> None:
    reply = (
        "The cluster has «более 20 тыс. предприятий» [2]. "
        "Valetov signed it «Анатолий Валетов» [2]. "
        # each quote must lie inside one passage, not across the two cited
        "«Чжао Чаншань. В кластере» [1][2]."
    )
    assert verified_sentences(reply, HITS) == []


def test_prompt_numbers_every_passage_and_asks_for_the_question_language() -> None:
    messages = build_messages(analyse("Кто подписал соглашение?"), HITS)
    system, human = messages[0][1], messages[1][1]
    assert "Russian" in system and "[n]" not in system
    assert "[1] T a" in human and "[2] T b" in human


def test_unusable_llm_settings_leave_the_extractive_answerer_in_charge() -> None:
    from rag.answering.generative import make_chat_model
    from rag.settings import RagSettings

    assert make_chat_model(RagSettings(llm_provider=None, llm_model=None)) is None
    # No provider package (or `langchain` itself) is installed here: no crash, no model.
    assert make_chat_model(RagSettings(llm_provider="openai", llm_model="gpt-x")) is None


def test_every_cited_passage_must_hold_one_of_the_quotes() -> None:
    reply = "Valetov signed «Документ подписали руководитель МИК» [1][2]."
    assert verified_sentences(reply, HITS) == []
    both = "«руководитель МИК Анатолий Валетов» and «более 17 тыс. предприятий» [1][2]."
    (kept,) = verified_sentences(both, HITS)
    assert kept.quotes == {1: "руководитель МИК Анатолий Валетов", 2: "более 17 тыс. предприятий"}
