"""The `newsbot` command line on a real index: bad files, JSON output, stdin, a corrupt index."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.texts import plain
from index.settings import DEFAULT_MODEL, REPO_ROOT

CORPUS = REPO_ROOT / "data" / "corpus"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    folder = root / "corpus"
    folder.mkdir()
    for name in ("000_d237f05f24a2a3fe.txt", "001_8b0f2923aeb87cc0.txt"):
        shutil.copy(CORPUS / name, folder / name)
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (folder / "latin1.txt").write_bytes("Caf\xe9 na\xefve r\xe9sum\xe9 \xff\xfe".encode("latin-1"))
    (folder / "feed.jsonl").write_text(
        '{"id": "n1", "title": "Парк открыл лабораторию", "date": "2027-03-01", '
        '"text": "Технопарк открыл лабораторию робототехники для 300 студентов."}\n'
        "{not json\n",
        encoding="utf-8",
    )
    return root


@pytest.fixture(autouse=True)
def _env(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(workspace / "data"))
    monkeypatch.setenv("NEWSBOT_EMBEDDING_MODEL", DEFAULT_MODEL)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(args)
    out, err = capsys.readouterr()
    return rc, out, err


def test_index_reports_bad_files_and_keeps_the_good_ones(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out, err = _run(["index", str(workspace / "corpus")], capsys)
    assert rc == 0
    assert "3 added" in out
    assert "image.txt" in err and "latin1.txt" in err and "feed.jsonl" in err
    rc, out, _ = _run(["index", "--status"], capsys)
    assert rc == 0
    status = json.loads(out)
    assert status["documents"] == 3 and status["chunks"] >= 3
    assert status["embedder"]["model"] == DEFAULT_MODEL
    # Nothing changed: nothing embedded, nothing lost.
    rc, out, _ = _run(["index", str(workspace / "corpus")], capsys)
    assert rc == 0 and "0 added" in out and "0 chunks embedded" in out and "3 documents" in out


def test_ask_json(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(
        ["ask", "--json", "Сколько предприятий участвует в Московском инновационном кластере?"],
        capsys,
    )
    assert rc == 0
    data = json.loads(out)
    assert data["answered"] is True and data["language"] == "ru"
    assert "17 тыс." in data["answer"]
    cite = data["citations"][0]
    assert {"n", "doc_id", "title", "date", "source", "quote"} <= set(cite)
    assert cite["source"].endswith(".txt")


def test_ask_reads_questions_from_stdin_as_json_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = "Для скольких студентов открыли лабораторию?\n\n" + "вопрос " * 20_000 + "\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    rc, out, _ = _run(["ask"], capsys)
    assert rc == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 2
    assert rows[0]["answered"] is True and "300" in rows[0]["answer"]
    assert rows[1]["answered"] is False and rows[1]["error_code"] == "question_too_long"
    assert "Слишком длинный вопрос (140000 символов" in rows[1]["error"]  # the question is Russian


def test_empty_question_gets_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _run(["ask", "  "], capsys)
    assert rc == 2 and plain("empty", "en") in err


def test_corrupt_index_names_the_fix_and_rebuild_repairs_it(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dir = workspace / "data" / "index"
    live = index_dir / (index_dir / "CURRENT").read_text().strip()
    faiss_file = live / "faiss.index"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    rc, _, err = _run(["ask", "Кто подписал соглашение?"], capsys)
    assert rc == 3 and "newsbot index --rebuild" in err
    rc, out, _ = _run(["index", "--rebuild", str(workspace / "corpus")], capsys)
    assert rc == 0 and "3 documents" in out
    rc, out, _ = _run(["ask", "--json", "Кто подписал соглашение с ZGC?"], capsys)
    assert rc == 0 and json.loads(out)["answered"] is True
