"""Diff two eval runs item by item: did any answer change?

``python -m evals.compare BEFORE.json AFTER.json`` reads two ``latest.json`` files
written by ``reportqa eval --reports-dir DIR`` (their ``results`` → ``reportqa`` list,
one ``Answer.to_json()`` plus ``id`` per item) and compares, for every item id, what a
user sees: the answer text, whether it refused, the rewritten question and each
citation (number, chunk, quote, page, section, verified), plus the error of an item
that could not be answered. Timings, latencies and retrieval scores are ignored: they
change from run to run without any change in behaviour.

It prints each changed item (id, question, what changed, before → after) and a
summary line ``N items, M changed``. Exit code: 0 when nothing changed, 1 when
something did, 2 when an input cannot be read (one Chinese line, ``错误：…``).
``--ignore FIELD`` (repeatable) leaves out a deliberate change: a field
(``answer``) or one citation field (``citations.page``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Top-level fields of a result that a user sees, in the order they are reported.
ITEM_FIELDS: tuple[str, ...] = ("answer", "refused", "resolved_question", "error", "citations")
#: Fields of each citation that are compared.
CITATION_FIELDS: tuple[str, ...] = ("n", "chunk_id", "quote", "page", "section", "verified")
#: Characters of a changed text shown on each side.
PREVIEW = 90


class CompareError(ValueError):
    """An input file is missing or is not an eval run; the message says which and why."""


@dataclass(frozen=True)
class Change:
    """One field of one item that differs between the runs."""

    field: str  # "answer", "citations", "citations[2].quote", "item", …
    before: str
    after: str


@dataclass(frozen=True)
class ItemDiff:
    """Everything that changed about one item."""

    item_id: str
    question: str
    changes: tuple[Change, ...]


# --------------------------------------------------------------------------- input


def load_results(path: Path) -> dict[str, dict[str, Any]]:
    """The per-item results of one eval run, keyed by item id, in the run's order.

    Accepts a ``latest.json`` (``{"results": {"reportqa": [...]}}``) or a bare list of
    result objects. Raises `CompareError` for anything else.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CompareError(f"找不到评测结果文件：{path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CompareError(f"无法读取评测结果文件 {path}：{exc}") from None
    except json.JSONDecodeError as exc:
        raise CompareError(
            f"评测结果文件 {path} 不是合法的 JSON：{exc.msg}（第 {exc.lineno} 行）"
        ) from None
    rows = data
    if isinstance(data, Mapping):
        results = data.get("results")
        rows = results.get("reportqa") if isinstance(results, Mapping) else None
    if not isinstance(rows, list):
        raise CompareError(
            f"评测结果文件 {path} 缺少 results.reportqa 列表（应为 reportqa eval 写的 latest.json）"
        )
    out: dict[str, dict[str, Any]] = {}
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping) or "id" not in row:
            raise CompareError(f"评测结果文件 {path} 的第 {number} 条结果不是带 id 的对象")
        item_id = str(row["id"])
        if item_id in out:
            raise CompareError(f"评测结果文件 {path} 中 id 重复：{item_id}")
        out[item_id] = dict(row)
    return out


# ------------------------------------------------------------------------- diffing


def _shorten(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW else text[:PREVIEW] + "…"


def _texts(before: str, after: str) -> tuple[str, str]:
    """Both texts from a little before their first difference, so the change is visible."""
    a = " ".join(before.split())
    b = " ".join(after.split())
    same = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        same += 1
    start = max(0, same - 20)
    lead = "…" if start else ""
    return _shorten(lead + a[start:]), _shorten(lead + b[start:])


def _value_change(name: str, before: Any, after: Any) -> Change:
    if isinstance(before, str) and isinstance(after, str):
        a, b = _texts(before, after)
        return Change(name, a, b)
    none = "—"
    return Change(
        name,
        none if before is None else _shorten(before),
        none if after is None else _shorten(after),
    )


def _citation_changes(
    before: Sequence[Any], after: Sequence[Any], ignore: frozenset[str]
) -> list[Change]:
    fields = [f for f in CITATION_FIELDS if f"citations.{f}" not in ignore]
    changes: list[Change] = []
    if len(before) != len(after):
        changes.append(Change("citations", f"{len(before)} 条", f"{len(after)} 条"))
    for index, (a, b) in enumerate(zip(before, after, strict=False), start=1):
        a = a if isinstance(a, Mapping) else {}
        b = b if isinstance(b, Mapping) else {}
        for f in fields:
            if a.get(f) != b.get(f):
                changes.append(_value_change(f"citations[{index}].{f}", a.get(f), b.get(f)))
    for index, extra in enumerate(after[len(before) :], start=len(before) + 1):
        changes.append(Change(f"citations[{index}]", "—", _citation_line(extra)))
    for index, gone in enumerate(before[len(after) :], start=len(after) + 1):
        changes.append(Change(f"citations[{index}]", _citation_line(gone), "—"))
    return changes


def _citation_line(citation: Any) -> str:
    if not isinstance(citation, Mapping):
        return _shorten(citation)
    return _shorten(
        f"[{citation.get('n')}] {citation.get('page', '')} {citation.get('section', '')} "
        f"「{citation.get('quote', '')}」"
    )


def diff_item(
    before: Mapping[str, Any], after: Mapping[str, Any], ignore: frozenset[str] = frozenset()
) -> list[Change]:
    """What a user would see differently for one item (ignored fields left out)."""
    changes: list[Change] = []
    for name in ITEM_FIELDS:
        if name in ignore:
            continue
        a, b = before.get(name), after.get(name)
        if name == "citations":
            changes += _citation_changes(a or [], b or [], ignore)
        elif a != b:
            changes.append(_value_change(name, a, b))
    return changes


def compare(
    before: Mapping[str, Mapping[str, Any]],
    after: Mapping[str, Mapping[str, Any]],
    ignore: frozenset[str] = frozenset(),
) -> list[ItemDiff]:
    """Changed items, in the order of `before` then items only `after` has."""
    diffs: list[ItemDiff] = []
    for item_id in [*before, *(i for i in after if i not in before)]:
        a, b = before.get(item_id), after.get(item_id)
        question = str((a or b or {}).get("question", ""))
        if a is None or b is None:
            change = Change("item", "—" if a is None else "有", "—" if b is None else "有")
            diffs.append(ItemDiff(item_id, question, (change,)))
            continue
        changes = diff_item(a, b, ignore)
        if changes:
            diffs.append(ItemDiff(item_id, question, tuple(changes)))
    return diffs


def format_diffs(diffs: Sequence[ItemDiff], n_items: int) -> str:
    """The printed report: each changed item, then ``N items, M changed``."""
    lines: list[str] = []
    for d in diffs:
        lines.append(f"[{d.item_id}] {_shorten(d.question)}")
        for c in d.changes:
            lines.append(f"  {c.field}:")
            lines.append(f"    - {c.before}")
            lines.append(f"    + {c.after}")
    lines.append(f"{n_items} items, {len(diffs)} changed")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- CLI


def build_parser() -> argparse.ArgumentParser:
    """Arguments of ``python -m evals.compare``."""
    known = ", ".join([*ITEM_FIELDS, *(f"citations.{f}" for f in CITATION_FIELDS)])
    p = argparse.ArgumentParser(
        prog="python -m evals.compare",
        description="逐题比较两次评测（latest.json）的回答、拒答、引用和改写后的问题",
    )
    p.add_argument("before", help="之前的 latest.json")
    p.add_argument("after", help="之后的 latest.json")
    p.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="FIELD",
        help=f"不比较这个字段（可重复）：{known}",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """0 = no item changed, 1 = some changed, 2 = an input is unusable."""
    args = build_parser().parse_args(argv)
    known = {*ITEM_FIELDS, *(f"citations.{f}" for f in CITATION_FIELDS)}
    unknown = [f for f in args.ignore if f not in known]
    if unknown:
        print(
            f"错误：未知字段 {'、'.join(unknown)}（可用：{'、'.join(sorted(known))}）",
            file=sys.stderr,
        )
        return 2
    try:
        before = load_results(Path(args.before))
        after = load_results(Path(args.after))
    except CompareError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    diffs = compare(before, after, frozenset(args.ignore))
    n_items = len(before.keys() | after.keys())
    print(format_diffs(diffs, n_items))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
