"""Questions that name a part of the report by its number: 「第二部分讲了啥」「第三章里…」.

Readers navigate a report by its numbered parts. A question that names one is
answered from that part only; a question asking what the part says gets the part's
opening sentence and the openings of its numbered items (一是…二是… / 第一，…第二，…),
each quoted where it stands.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.enumeration import DocumentUnit, enumeration_items
from rag.lexicon import Lexicon
from rag.question import Question

# Enough to read as a summary, short enough to stay an answer.
MAX_ITEMS = 6


def named_part(question: Question, headings: Sequence[str], lexicon: Lexicon) -> str | None:
    """The top-level heading (「二、有中国特色…」) the question names by number or title, or None."""
    scope = question.scope
    for heading in headings:
        # 「致谢里」「引言部分」: a part named by its title.
        title = lexicon.patterns.heading_prefix.sub("", heading)
        if len(title) >= 2 and any(words.endswith(title) for words in scope.part_title_words):
            return heading
    numerals = lexicon.numbers.numerals
    number = scope.part_number
    if number is None or not 1 <= number <= len(numerals.counting):
        return None
    prefix = f"{numerals.count(number)}{numerals.heading_mark}"
    return next((h for h in headings if h.startswith(prefix)), None)


def part_summary(
    units: Sequence[DocumentUnit], heading: str, source: str, lexicon: Lexicon
) -> list[DocumentUnit]:
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
        items = enumeration_items(units, i, lexicon)
        if items:
            break
    return list(dict.fromkeys([opening, *items[:MAX_ITEMS]]))


MAX_STEPS = 6


def is_dated(text: str, lexicon: Lexicon) -> bool:
    """Whether the text names a year (「2023年10月」「2015 年」)."""
    return bool(lexicon.patterns.year.search(text))


def part_timeline(
    units: Sequence[DocumentUnit], path: Sequence[str], source: str, lexicon: Lexicon
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
        and is_dated(unit.text, lexicon)
    ]
    return steps[:MAX_STEPS] if len(steps) >= 2 else []


__all__ = [
    "is_dated",
    "named_part",
    "part_summary",
    "part_timeline",
]
