"""Questions that name a part of the report: 「第二部分讲了啥」「第5部分」「3.2节里…」
「研究现状那部分」.

Readers navigate a report by its parts. A question that names one (by its number in
any numbering style, or by words of its title; `rag.parts`) is answered from that part
only; a question asking what the part says gets the part's digest: its lead paragraph
and the heads of its items (sub-headings, numbered paragraphs, 一是…二是…), each quoted
where it stands (`rag.digest`).
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.digest import digest
from rag.enumeration import DocumentUnit
from rag.lexicon import Lexicon
from rag.parts import Part, TextSimilarity, named_part, part_by_description
from rag.question import Cue, Question


def named_path(
    question: Question, parts: Sequence[Part], similarity: TextSimilarity | None = None
) -> tuple[str, ...]:
    """The section path of the part the question names, or () when it names none.

    With `similarity`, a question asking what a part covers may name it in its own words
    (「讲…怎么迭代升级的那部分分了哪几个方面」): the part whose outline reads most like them.
    Only such a question: 「没买保险的那部分企业」 names a share of something, not a part.
    """
    part = named_part(question, parts)
    if part is None and similarity is not None and _asks_what_a_part_covers(question):
        sectioned = question.has(Cue.ALL_ITEMS)
        part = part_by_description(parts, question.scope, similarity, sectioned=sectioned)
    return part.path if part is not None else ()


def _asks_what_a_part_covers(question: Question) -> bool:
    return question.has(Cue.SUMMARY) or question.has(Cue.ALL_ITEMS)


def part_summary(
    units: Sequence[DocumentUnit], parts: Sequence[Part], path: Sequence[str], lexicon: Lexicon
) -> list[DocumentUnit]:
    """The part's lead and the heads of its items ([] for front matter, which has no items
    of its own: 「摘要里…几条」 is an enumeration question)."""
    part = next((p for p in parts if p.path == tuple(path)), None)
    if part is None or part.front:
        return []
    return digest(units, parts, path, lexicon)


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
    "named_path",
    "part_summary",
    "part_timeline",
]
