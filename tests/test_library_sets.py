"""The library's question sets (evals/sets/) and the held-out rule of evals/library.toml.

The sets of held-out reports are read here as data only: every failure message names
item ids, never a question, an answer or the evidence. The pointer test needs the
reports themselves (`../shared/corpora/`, or REPORTQA_LIBRARY_DIR) and skips without
them.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from evals.library import (
    HELDOUT,
    LIBRARY_TOML,
    TUNING,
    default_corpora_dir,
    heldout_by_rule,
    read_library_toml,
    read_lines,
    resolve_pointer,
)

REPO = Path(__file__).resolve().parents[1]
SETS = REPO / "evals" / "sets"
SECTIONS_NAMED = {"前置", "摘要", "引言"}
REQUIRED = {"id", "question", "type", "must_include", "section", "split"}
TYPES = {
    "fact",
    "number",
    "list",
    "table",
    "multi-hop",
    "summary",
    "follow-up",
    "unanswerable",
    "false-premise",
}

DATA = read_library_toml(LIBRARY_TOML)
LIBRARY = [e for e in DATA["report"] if not e.get("file")]
NAMES = [str(e["name"]) for e in LIBRARY]


def _items(name: str) -> list[dict[str, Any]]:
    path = SETS / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _pointers(item: dict[str, Any]) -> list[Any]:
    out = [item["evidence"]] if "evidence" in item else []
    return out + list(item.get("evidence_all") or [])


def _corpora() -> Path:
    return default_corpora_dir(DATA, REPO, os.environ.get("REPORTQA_LIBRARY_DIR"))


def test_heldout_reports_follow_the_seeded_rule() -> None:
    chosen = heldout_by_rule(NAMES, str(DATA["seed"]), int(DATA["heldout_count"]))
    assert int(DATA["heldout_count"]) >= 2
    assert sorted(chosen) == sorted(e["name"] for e in LIBRARY if e["split"] == HELDOUT)
    assert all(e["split"] in (TUNING, HELDOUT) for e in DATA["report"])


@pytest.mark.parametrize("name", NAMES)
def test_set_schema_and_composition(name: str) -> None:
    items = _items(name)
    ids = [str(it.get("id")) for it in items]
    assert len(items) >= 40, f"{name}: {len(items)} items"
    assert not [i for i, n in Counter(ids).items() if n > 1], "duplicate ids"
    bad = [
        str(it.get("id"))
        for it in items
        if not set(it) >= REQUIRED
        or it["type"] not in TYPES
        or it["split"] != "library"
        or not (it["section"] in SECTIONS_NAMED or str(it["section"]).isdigit())
        or (it["type"] != "unanswerable" and not it["must_include"])
        or not all(isinstance(p, dict) for p in _pointers(it))
    ]
    assert not bad, f"{name}: malformed items {bad}"
    types = Counter(it["type"] for it in items)
    assert types["unanswerable"] >= 6 and types["false-premise"] >= 3, f"{name}: {dict(types)}"


@pytest.mark.parametrize("name", NAMES)
def test_every_evidence_pointer_lands_on_text(name: str) -> None:
    corpora = _corpora()
    text = corpora / f"{name}.txt"
    if not text.is_file():
        pytest.skip(f"报告库不存在（{corpora}；可用 REPORTQA_LIBRARY_DIR 指定），跳过指针检查")
    lines = read_lines(text)
    bad: list[str] = []
    checked = 0
    for item in _items(name):
        for pointer in _pointers(item):
            checked += 1
            try:
                resolve_pointer(lines, pointer)
            except ValueError:
                bad.append(str(item["id"]))  # the id only: held-out items stay unread
    assert checked >= 30, f"{name}: only {checked} pointers"
    assert not bad, f"{name}: pointers off the text: {sorted(set(bad))}"
