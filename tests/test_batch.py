"""rag/batch.py: `reportqa ask --jsonl` and the evals answer lines through `run_jsonl`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rag.batch import run_jsonl
from rag.errors import IndexMissingError
from rag.types import Answer, Turn


class _Answerer:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Turn, ...], str | None]] = []

    def answer(self, question: str, history: Sequence[Turn], report: str | None) -> Answer:
        self.calls.append((question, tuple(history), report))
        if "索引" in question:
            raise IndexMissingError("还没有建立索引")
        return Answer(question, question, f"答：{question}", refused=False, mode="extractive")


def test_each_line_is_answered_with_its_id_history_and_report() -> None:
    answerer = _Answerer()
    lines = [
        json.dumps({"id": "q1", "question": "甲？"}, ensure_ascii=False),
        "",
        json.dumps(
            {
                "question": "乙？",
                "history": [{"role": "user", "content": "甲？"}],
                "report": "r.txt",
            },
            ensure_ascii=False,
        ),
    ]
    rows = run_jsonl(answerer, lines, report="default.txt")
    assert [r["id"] for r in rows] == ["q1", 3]
    assert rows[0]["answer"] == "答：甲？" and rows[0]["refused"] is False
    assert answerer.calls == [
        ("甲？", (), "default.txt"),
        ("乙？", (Turn("user", "甲？"),), "r.txt"),
    ]


def test_bad_lines_get_an_error_and_the_run_goes_on() -> None:
    lines: list[Any] = [
        "{not json",
        "[1, 2]",
        json.dumps({"id": "e", "question": "  "}),
        json.dumps({"id": "h", "question": "丙？", "history": [{"role": "bot"}]}),
        json.dumps({"id": "i", "question": "索引呢？"}, ensure_ascii=False),
        json.dumps({"id": "ok", "question": "丁？"}, ensure_ascii=False),
    ]
    rows = run_jsonl(_Answerer(), lines)
    assert [r["id"] for r in rows] == [1, 2, "e", "h", "i", "ok"]
    assert all("error" in r for r in rows[:5])
    assert rows[1]["error"] == "每行必须是一个 JSON 对象"
    assert rows[2]["error"] == "question 为空"
    assert "role" in rows[3]["error"]
    assert "索引" in rows[4]["error"]
    assert rows[5]["answer"] == "答：丁？"
