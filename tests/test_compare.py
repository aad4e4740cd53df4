"""evals/compare.py: item-by-item diff of two eval runs, on small synthetic runs."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from evals import compare


def _citation(number: int, **over: Any) -> dict[str, Any]:
    n = number
    citation = {
        "n": n,
        "title": "测试报告",
        "section": "一、总论",
        "section_path": ["一、总论"],
        "page": "第2页",
        "page_start": 2,
        "page_end": 2,
        "quote": f"第{n}条引文。",
        "chunk_id": f"c{n}",
        "source": "r.txt",
        "verified": True,
    }
    citation.update(over)
    return citation


def _row(item_id: str, **over: Any) -> dict[str, Any]:
    row = {
        "id": item_id,
        "question": f"问题{item_id}？",
        "resolved_question": f"问题{item_id}？",
        "answer": f"回答{item_id}[1]。",
        "refused": False,
        "mode": "extractive",
        "model": "",
        "notice": "",
        "citations": [_citation(1)],
        "retrieved": [{"chunk_id": "c1", "text": "…", "score": 0.5}],
        "dropped": [],
        "timings_ms": {"total": 12.0},
        "latency_ms": 13.0,
    }
    row.update(over)
    return row


def _run(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"timestamp": "t", "results": {"reportqa": rows}, "columns": {}}


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _main(tmp_path: Path, before: Any, after: Any, *extra: str) -> int:
    a = _write(tmp_path / "before.json", before)
    b = _write(tmp_path / "after.json", after)
    return compare.main([str(a), str(b), *extra])


def test_identical_runs_exit_0_and_say_so(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rows = [_row("a"), _row("b")]
    assert _main(tmp_path, _run(rows), _run(copy.deepcopy(rows))) == 0
    assert capsys.readouterr().out.strip() == "2 items, 0 changed"


def test_timings_latency_and_retrieval_scores_are_ignored(tmp_path: Path) -> None:
    after = _row("a", timings_ms={"total": 99.0}, latency_ms=100.0)
    after["retrieved"] = [{"chunk_id": "c9", "text": "x", "score": 0.1}]
    assert _main(tmp_path, _run([_row("a")]), _run([after])) == 0


def test_changed_answer_is_listed_with_before_and_after(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    before = _run([_row("a"), _row("b")])
    after = _run([_row("a"), _row("b", answer="完全不同的回答[1]。")])
    assert _main(tmp_path, before, after) == 1
    out = capsys.readouterr().out
    assert "[b] 问题b？" in out
    assert "answer:" in out
    assert "- 回答b[1]。" in out
    assert "+ 完全不同的回答[1]。" in out
    assert "[a]" not in out
    assert out.strip().endswith("2 items, 1 changed")


def test_refusal_resolved_question_and_error_changes() -> None:
    before = {"a": _row("a"), "b": _row("b"), "c": _row("c")}
    after = {
        "a": _row("a", refused=True),
        "b": _row("b", resolved_question="改写后的问题？"),
        "c": {"id": "c", "error": "question 为空"},
    }
    diffs = {d.item_id: d for d in compare.compare(before, after)}
    assert [c.field for c in diffs["a"].changes] == ["refused"]
    assert (diffs["a"].changes[0].before, diffs["a"].changes[0].after) == ("false", "true")
    assert [c.field for c in diffs["b"].changes] == ["resolved_question"]
    assert "error" in [c.field for c in diffs["c"].changes]


@pytest.mark.parametrize("field", compare.CITATION_FIELDS)
def test_each_citation_field_counts(field: str) -> None:
    changed = {
        "n": 2,
        "chunk_id": "c7",
        "quote": "另一条引文。",
        "page": "第3页",
        "section": "二、分论",
        "verified": False,
    }[field]
    after = _row("a", citations=[_citation(1, **{field: changed})])
    diffs = compare.compare({"a": _row("a")}, {"a": after})
    assert [c.field for c in diffs[0].changes] == [f"citations[1].{field}"]


def test_citation_title_and_page_numbers_alone_do_not_count() -> None:
    # Only the listed citation fields are compared (page_start/end follow `page`).
    after = _row("a", citations=[_citation(1, title="别的标题", page_start=9)])
    assert compare.compare({"a": _row("a")}, {"a": after}) == []


def test_added_and_removed_citations() -> None:
    two = _row("a", citations=[_citation(1), _citation(2)])
    added = compare.compare({"a": _row("a")}, {"a": two})[0].changes
    assert [c.field for c in added] == ["citations", "citations[2]"]
    assert (added[0].before, added[0].after) == ("1 条", "2 条")
    removed = compare.compare({"a": two}, {"a": _row("a")})[0].changes
    assert removed[-1].after == "—"


def test_items_missing_on_one_side_are_changes() -> None:
    diffs = compare.compare({"a": _row("a"), "b": _row("b")}, {"a": _row("a"), "c": _row("c")})
    assert [(d.item_id, d.changes[0].field) for d in diffs] == [("b", "item"), ("c", "item")]


def test_ignore_field_and_citation_field(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    before = _run([_row("a")])
    after = _run([_row("a", answer="新回答[1]。", citations=[_citation(1, page="第9页")])])
    assert _main(tmp_path, before, after, "--ignore", "answer") == 1
    assert "citations[1].page" in capsys.readouterr().out
    args = ("--ignore", "answer", "--ignore", "citations.page")
    assert _main(tmp_path, before, after, *args) == 0


def test_long_texts_are_shown_around_their_first_difference() -> None:
    prefix = "相同的开头" * 40
    change = compare.diff_item(_row("a", answer=prefix + "甲。"), _row("a", answer=prefix + "乙。"))
    assert change[0].before.startswith("…") and "甲" in change[0].before
    assert "乙" in change[0].after
    assert len(change[0].before) <= compare.PREVIEW + 1


def test_bare_list_of_results_is_accepted(tmp_path: Path) -> None:
    assert _main(tmp_path, [_row("a")], _run([_row("a")])) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "找不到评测结果文件"),
        ("{not json", "不是合法的 JSON"),
        (json.dumps({"results": {}}), "缺少 results.reportqa"),
        (json.dumps(_run([{"answer": "x"}])), "不是带 id 的对象"),
        (json.dumps(_run([_row("a"), _row("a")])), "id 重复"),
    ],
)
def test_bad_input_exits_2_with_a_chinese_message(
    tmp_path: Path, capsys: pytest.CaptureFixture, content: str | None, message: str
) -> None:
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    good = _write(tmp_path / "good.json", _run([_row("a")]))
    assert compare.main([str(good), str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and message in err
    assert "Traceback" not in err


def test_unknown_ignore_field_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert _main(tmp_path, _run([_row("a")]), _run([_row("a")]), "--ignore", "answr") == 2
    assert "未知字段" in capsys.readouterr().err
