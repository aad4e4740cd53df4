"""Append 👍/👎 votes from the chat UI to a JSONL file.

One vote is one line. Lines are written with a single `os.write` on a file
opened with O_APPEND, so concurrent writers (several Gradio worker threads or
processes) never interleave partial lines and no lock is needed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def feedback_record(
    *,
    question: str,
    answer: str,
    citations: Sequence[Mapping[str, Any]],
    vote: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Build the JSON object stored for one vote: {time, question, answer, citations, vote}."""
    moment = now or datetime.now(UTC)
    return {
        "time": moment.isoformat(timespec="seconds"),
        "question": question,
        "answer": answer,
        "citations": [dict(c) for c in citations],
        "vote": vote,
    }


def append_feedback(path: Path, record: Mapping[str, Any]) -> None:
    """Append `record` as one JSON line to `path`, creating parent folders.

    The whole line goes out in one write call on an O_APPEND descriptor, which
    is what keeps lines whole without a lock.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        written = os.write(fd, line)
        # A short write only happens on a full disk or a signal; finish the line
        # rather than leave a torn record behind.
        while written < len(line):
            written += os.write(fd, line[written:])
    finally:
        os.close(fd)
