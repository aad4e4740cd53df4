"""Questions that name a part of the report by its number: 「第二部分讲了啥」「第三章里…」.

Readers navigate a report by its numbered parts. A question that names one is
answered from that part only; a question asking what the part says gets the part's
opening sentence and the openings of its numbered items (一是…二是… / 第一，…第二，…),
each quoted where it stands.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.enumeration import DocumentUnit, enumeration_items
from rag.question import Question

_NUMERALS = "一二三四五六七八九十"
# Enough to read as a summary, short enough to stay an answer.
MAX_ITEMS = 6


def named_part(question: Question, headings: Sequence[str]) -> str | None:
    """The top-level heading (「二、有中国特色…」) the question names by number or title, or None."""
    scope = question.scope
    for heading in headings:
        # 「致谢里」「引言部分」: a part named by its title.
        title = re.sub(r"^[一二三四五六七八九十]+、", "", heading)
        if len(title) >= 2 and any(words.endswith(title) for words in scope.part_title_words):
            return heading
    number = scope.part_number
    if number is None or not 1 <= number <= len(_NUMERALS):
        return None
    prefix = f"{_NUMERALS[number - 1]}、"
    return next((h for h in headings if h.startswith(prefix)), None)


def part_summary(units: Sequence[DocumentUnit], heading: str, source: str) -> list[DocumentUnit]:
    """The part's opening sentence and the opening of each of its numbered items."""
    positions = [
        i
        for i, unit in enumerate(units)
        if unit.chunk.source == source
        and unit.chunk.section_path[:1] == (heading,)
        and unit.chunk.kind not in ("table_row", "front_matter")
    ]
    if not positions:
        return []
    opening = next(
        (units[i] for i in positions if len(units[i].text) >= 15 and "。" in units[i].text),
        units[positions[0]],
    )
    items: list[DocumentUnit] = []
    for i in positions:
        items = enumeration_items(units, i)
        if items:
            break
    return list(dict.fromkeys([opening, *items[:MAX_ITEMS]]))


_DATED_RE = re.compile(r"(?:19|20)\d{2}\s*年")
MAX_STEPS = 6


def is_dated(text: str) -> bool:
    """Whether the text names a year (「2023年10月」「2015 年」)."""
    return bool(_DATED_RE.search(text))


def part_timeline(
    units: Sequence[DocumentUnit], path: Sequence[str], source: str
) -> list[DocumentUnit]:
    """The dated sentences under a section path (a part, or one of its numbered items),
    in reading order; prose only, as a table's rows are not steps.

    Empty when the section tells fewer than two dated steps.
    """
    steps = [
        unit
        for unit in units
        if unit.chunk.source == source
        and unit.chunk.section_path[: len(path)] == tuple(path)
        and unit.chunk.kind not in ("table_row", "front_matter")
        and is_dated(unit.text)
    ]
    return steps[:MAX_STEPS] if len(steps) >= 2 else []


__all__ = [
    "is_dated",
    "named_part",
    "part_summary",
    "part_timeline",
]
