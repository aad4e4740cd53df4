"""The golden eval set is well-formed and grounded in the report it is about."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from evals.metrics import normalise
from evals.split_golden import GOLDEN, SEED, assign_splits, load

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "nifd_2025_tech_insurance_report.txt"

TYPES = {
    "fact",
    "number",
    "list",
    "table",
    "summary",
    "multi-hop",
    "follow-up",
    "unanswerable",
    "false-premise",
}
SECTIONS = {"前置", "引言", "一", "二", "三", "四", "致谢"}
TABLES = {"表1", "产品体系"}
REQUIRED = {"id", "question", "must_include", "section", "type", "evidence", "split"}
OPTIONAL = {"history", "sections", "evidence_all", "table"}
# A question may name a document or an institution, but must not copy a whole
# clause of the report: no contiguous normalised overlap this long.
MAX_COPIED_CHARS = 18


@pytest.fixture(scope="module")
def items() -> list[dict[str, Any]]:
    return load(GOLDEN)


@pytest.fixture(scope="module")
def corpus() -> str:
    return CORPUS.read_text(encoding="utf-8")


def _region(corpus: str, start: str, end: str) -> str:
    i = corpus.index(start)
    return corpus[i : corpus.index(end, i)]


def _evidences(it: dict[str, Any]) -> list[str]:
    return [e for e in [it["evidence"], *it.get("evidence_all", [])] if e]


def test_file_is_utf8_jsonl_not_ascii_escaped() -> None:
    raw = GOLDEN.read_text(encoding="utf-8")
    assert "\\u" not in raw
    lines = [ln for ln in raw.splitlines() if ln.strip()]
    assert all(isinstance(json.loads(ln), dict) for ln in lines)


def test_ids_unique_and_well_formed(items: list[dict[str, Any]]) -> None:
    ids = [it["id"] for it in items]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"q\d{3}", i) for i in ids)


def test_questions_unique(items: list[dict[str, Any]]) -> None:
    keys = [(it["question"], json.dumps(it.get("history", []))) for it in items]
    assert len(keys) == len(set(keys))


def test_schema(items: list[dict[str, Any]]) -> None:
    for it in items:
        keys = set(it)
        assert keys >= REQUIRED, it["id"]
        assert keys <= REQUIRED | OPTIONAL, (it["id"], keys - REQUIRED - OPTIONAL)
        assert isinstance(it["question"], str) and it["question"].strip(), it["id"]
        assert it["type"] in TYPES, it["id"]
        assert it["section"] in SECTIONS, it["id"]
        assert it["split"] in {"dev", "heldout"}, it["id"]
        assert isinstance(it["evidence"], str), it["id"]
        mi = it["must_include"]
        assert isinstance(mi, list), it["id"]
        for group in mi:
            assert isinstance(group, list) and group, it["id"]
            assert all(isinstance(a, str) and normalise(a) for a in group), it["id"]
        if it["type"] == "unanswerable":
            assert mi == [] and it["evidence"] == "", it["id"]
        else:
            assert mi and it["evidence"], it["id"]
        if "sections" in it:
            assert set(it["sections"]) <= SECTIONS and it["section"] in it["sections"], it["id"]
        if "evidence_all" in it:
            assert isinstance(it["evidence_all"], list) and it["evidence_all"], it["id"]
        if "table" in it:
            assert it["table"] in TABLES, it["id"]
        if "history" in it:
            hist = it["history"]
            assert isinstance(hist, list) and hist and len(hist) % 2 == 0, it["id"]
            for k, turn in enumerate(hist):
                assert set(turn) == {"role", "content"}, it["id"]
                assert turn["role"] == ("user" if k % 2 == 0 else "assistant"), it["id"]
                assert turn["content"].strip(), it["id"]
        if it["type"] == "follow-up":
            assert it.get("history"), it["id"]


def test_evidence_is_verbatim(items: list[dict[str, Any]], corpus: str) -> None:
    bad = [(it["id"], e) for it in items for e in _evidences(it) if e not in corpus]
    assert not bad


def test_must_include_facts_exist_in_report(items: list[dict[str, Any]], corpus: str) -> None:
    norm = normalise(corpus)
    broken = [
        (it["id"], group)
        for it in items
        if it["type"] != "unanswerable"
        for group in it["must_include"]
        if not any(normalise(a) in norm for a in group)
    ]
    assert not broken


def test_counts(items: list[dict[str, Any]]) -> None:
    types = Counter(it["type"] for it in items)
    assert len(items) >= 90
    assert types["unanswerable"] >= 12
    assert types["false-premise"] >= 8
    assert types["follow-up"] >= 4
    assert set(types) == TYPES


def test_every_section_covered(items: list[dict[str, Any]]) -> None:
    answerable = [it for it in items if it["type"] != "unanswerable"]
    assert {it["section"] for it in answerable} == SECTIONS


def test_both_tables_covered(items: list[dict[str, Any]], corpus: str) -> None:
    regions = {
        "表1": _region(corpus, "表 1 近年来", "在北京、上海、广州"),
        "产品体系": _region(corpus, "一、保障范围", "一是围绕科技创新"),
    }
    for name, region in regions.items():
        tabled = [it for it in items if it.get("table") == name]
        assert len(tabled) >= 8, name
        assert all(any(e in region for e in _evidences(it)) for it in tabled), name
    grid = [it for it in items if it.get("table") == "产品体系"]
    dims = {"保障范围", "生命周期", "产业领域", "保障主体", "服务内容"}
    alts = {normalise(a) for it in grid for g in it["must_include"] for a in g}
    assert dims <= alts | {normalise(e) for it in grid for e in _evidences(it)}


def test_named_cases_covered(items: list[dict[str, Any]]) -> None:
    text = normalise(" ".join(json.dumps(it, ensure_ascii=False) for it in items))
    for name in [
        "芯源微",
        "凯世通",
        "南大光电",
        "华特气体",
        "太保",
        "国科新材",
        "人保",
        "方生和",
        "海淀",
        "苏州",
        "深圳",
        "杭州",
        "广东",
        "1250万",
        "1050万",
        "35家",
        "218亿",
        "1.4亿",
        "20亿",
        "26家",
        "500万",
        "2006",
        "2010",
        "2015",
        "2023",
        "2024年11月",
        "2025年9月",
        "2025年10月",
        "70%",
        "100%",
        "2.5%",
        "10%",
    ]:
        assert normalise(name) in text, name


def test_questions_are_paraphrased(items: list[dict[str, Any]], corpus: str) -> None:
    norm = normalise(corpus)
    for it in items:
        q = normalise(it["question"])
        for i in range(len(q) - MAX_COPIED_CHARS + 1):
            assert q[i : i + MAX_COPIED_CHARS] not in norm, it["id"]


def test_split_is_the_seeded_one(items: list[dict[str, Any]]) -> None:
    assert SEED == 20260301
    expected = assign_splits(items)
    assert {it["id"]: it["split"] for it in items} == expected
    heldout = sum(s == "heldout" for s in expected.values())
    assert 0.25 <= heldout / len(items) <= 0.35
    for t in ("unanswerable", "false-premise", "follow-up"):
        splits = {it["split"] for it in items if it["type"] == t}
        assert splits == {"dev", "heldout"}, t


def test_split_is_deterministic_and_order_independent(items: list[dict[str, Any]]) -> None:
    assert assign_splits(items) == assign_splits(list(reversed(items)))


@pytest.mark.parametrize(
    ("name", "prefix"),
    [("probe", "p"), ("probe2", "b"), ("probe3", "c"), ("probe4", "d"), ("probe5", "e")],
)
def test_probe_sets_are_well_formed(corpus: str, name: str, prefix: str) -> None:
    """The blind-written tuning sets (evals/probe*.jsonl), used like dev."""
    probe = load(GOLDEN.with_name(f"{name}.jsonl"))
    assert len(probe) >= 60
    assert len({it["id"] for it in probe}) == len(probe)
    assert all(re.fullmatch(rf"{prefix}\d{{3}}", it["id"]) and it["split"] == name for it in probe)
    assert all(it["type"] in TYPES for it in probe)
    assert not [it["id"] for it in probe if it["evidence"] and it["evidence"] not in corpus]
    golden_questions = {it["question"] for it in load(GOLDEN)}
    assert not golden_questions & {it["question"] for it in probe}
