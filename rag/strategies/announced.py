"""「有哪几条建议」「体现在哪几方面」: the items a sentence announces, read where they follow it.

A report often answers a list question in two steps: one sentence announces the items
(「提出以下发展建议。」「主要表现在3方面。」「本文提出以下政策建议：」), and the items
follow, each as a sub-section of its own (「（1）鼓励原始创新…」) or as a numbered
paragraph (「（1）…」「一是…」). Sentence extraction finds the announcement, which says
nothing by itself; this strategy quotes it with the items' heads, each cited where it
stands. A sub-section's head is its heading, the report's own words.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.context import Context
from rag.draft import Draft
from rag.enumeration import DocumentUnit
from rag.lexicon import Lexicon
from rag.question import Cue, Intent, Question
from rag.strategies.base import Passages, Strategy, quoted_units

NAME = "announced"
# Enough to list a report's items, short enough to stay an answer.
MAX_ITEMS = 8
# How far after the announcement its items may start (units).
MAX_REACH = 40


def accepts(question: Question, ctx: Context) -> bool:
    return (
        question.intent is Intent.LIST or question.has(Cue.ALL_ITEMS) or question.has(Cue.SUMMARY)
    )


def announced_items(
    units: Sequence[DocumentUnit], at: int, lexicon: Lexicon, count: int | None = None
) -> list[DocumentUnit]:
    """The items the unit at `at` announces: the sub-sections of its section that follow
    it (each given by its heading), else the numbered units that follow it in its own
    section. Empty when fewer than two follow. `count` stops at that many items."""
    here = units[at]
    path, source = here.chunk.section_path, here.chunk.source
    marker = lexicon.patterns.item_marker
    items: list[DocumentUnit] = []
    headings: set[str] = set()
    for unit in units[at + 1 : at + 1 + MAX_REACH]:
        chunk = unit.chunk
        if chunk.source != source or chunk.section_path[: len(path)] != path:
            break  # past the announcement's section
        if len(chunk.section_path) > len(path):
            heading = chunk.section_path[len(path)]
            if heading not in headings:
                headings.add(heading)
                items.append(DocumentUnit(chunk, unit.index, heading))
        elif not headings and marker.match(unit.text):
            items.append(unit)
        if len(items) >= (count or MAX_ITEMS):
            break
    return items if len(items) >= 2 else []


def _count(text: str, lexicon: Lexicon) -> int | None:
    """The number of items an announcement states (「3方面」「两点」), if it states one."""
    found = lexicon.patterns.announcement.search(text)
    raw = found.group("count") if found else None
    if not raw:
        return None
    numerals = lexicon.numbers.numerals
    if raw.isdigit():
        return int(raw)
    return 2 if raw == numerals.two else numerals.value(raw)


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    draft = passages.sentence_draft
    if draft.refused or not draft.evidence:
        return None
    position = ctx.corpus.unit_positions.get(draft.evidence[0])
    if position is None:
        return None
    units = ctx.corpus.units
    announcement = units[position]
    if not ctx.lexicon.patterns.announcement.search(announcement.text):
        return None
    items = announced_items(units, position, ctx.lexicon, _count(announcement.text, ctx.lexicon))
    if not items:
        return None
    return quoted_units(NAME, [announcement, *items], passages.scoped)


STRATEGY = Strategy(NAME, accepts, answer)
