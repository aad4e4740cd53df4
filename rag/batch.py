"""Answer many questions, one JSON object per line: `reportqa ask --jsonl` and the evals.

`run_jsonl` is the one code path both use, so an eval measures exactly what a user
running a batch gets. A bad line becomes `{id, error}` and the run goes on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rag.errors import ReportQAError
from rag.types import Turn


def quotes_of(raw: Any) -> tuple[str, ...]:
    """An assistant turn's optional `citations` (the `ask --json` objects, or plain
    quotes): the quotes a follow-up may point into."""
    if not isinstance(raw, list):
        return ()
    quotes = (c.get("quote") if isinstance(c, dict) else c for c in raw)
    return tuple(q for q in quotes if isinstance(q, str) and q.strip())


def _parse_history(raw: Any) -> list[Turn]:
    """`[{role: "user"|"assistant", content, citations?}]` → turns; raises ValueError
    (Chinese) when malformed."""
    if not raw:
        return []
    if not isinstance(raw, list):
        raise ValueError("history 必须是 [{role, content}] 列表")
    turns = []
    for item in raw:
        if not isinstance(item, dict) or item.get("role") not in ("user", "assistant"):
            raise ValueError("history 的每一项都要有 role（user/assistant）和 content")
        turns.append(
            Turn(
                role=str(item["role"]),
                content=str(item.get("content", "")),
                quotes=quotes_of(item.get("citations")),
            )
        )
    return turns


def run_jsonl(
    answerer: Any, lines: Sequence[str], report: str | None = None
) -> list[dict[str, Any]]:
    """Answer `{id, question, history?, report?}` lines; a bad line gets `{id, error}`.

    Each result is `Answer.to_json()` plus `id` (the line number when the line has
    none). `report` is the default scope; a line's own `report` wins.
    """
    out: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item_id: Any = number
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("每行必须是一个 JSON 对象")
            item_id = item.get("id", number)
            question = item.get("question")
            if not isinstance(question, str) or not question.strip():
                raise ValueError("question 为空")
            history = _parse_history(item.get("history"))
            answer = answerer.answer(question, history, item.get("report") or report)
            out.append({"id": item_id, **answer.to_json()})
        except (ValueError, TypeError) as exc:
            out.append({"id": item_id, "error": str(exc)})
        except ReportQAError as exc:
            out.append({"id": item_id, "error": str(exc)})
    return out
