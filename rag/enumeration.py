"""Enumerations: 「一是…二是…三是…」 and 「第一，…第二，…」.

Chinese policy reports state their findings as numbered items spread over
several sentences or paragraphs. When a list or summary question lands on one
item, the answer is the whole enumeration: every item's opening sentence, in
order, each cited where it stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.lexicon import Lexicon
from rag.sentences import evidence_units
from rag.types import Chunk

# Items further apart than this many units are not one enumeration.
MAX_GAP_UNITS = 30


@dataclass(frozen=True)
class DocumentUnit:
    """One evidence unit of a report, in reading order."""

    chunk: Chunk
    index: int  # the unit's index within its chunk
    text: str


def document_units(chunks: Sequence[Chunk]) -> list[DocumentUnit]:
    """Every evidence unit of these chunks, in report reading order."""
    ordered = sorted(chunks, key=lambda c: (c.source, c.position))
    return [
        DocumentUnit(chunk, index, text)
        for chunk in ordered
        for index, text in enumerate(evidence_units(chunk))
    ]


def _markers(text: str, lexicon: Lexicon) -> list[tuple[str, int]]:
    out = []
    for match in lexicon.patterns.enumeration_marker.finditer(text):
        style = "shi" if match.group("shi") else "di"
        numeral = match.group("shi") or match.group("di")
        out.append((style, lexicon.numbers.numerals.value(numeral)))
    return out


def enumeration_items(
    units: Sequence[DocumentUnit], at: int, lexicon: Lexicon
) -> list[DocumentUnit]:
    """The units that open each item of the enumeration unit `at` belongs to ([] if none).

    Items must share a style (一是 or 第一，), count up from one without a gap,
    sit in one section of one report, and lie at most `MAX_GAP_UNITS` apart.
    """
    here = units[at]
    found = _markers(here.text, lexicon)
    if not found:
        return []
    place = (here.chunk.source, here.chunk.section_path[:1])
    for style, _ in found:
        items: dict[int, int] = {}
        for _, n in [(s, n) for s, n in found if s == style]:
            items.setdefault(n, at)
        # Backwards for the earlier items, forwards for the later ones.
        for step in (-1, 1):
            want = (min(items) - 1) if step < 0 else (max(items) + 1)
            last = at
            position = at + step
            while 0 <= position < len(units) and abs(position - last) <= MAX_GAP_UNITS:
                unit = units[position]
                if (unit.chunk.source, unit.chunk.section_path[:1]) != place:
                    break
                numbers = [n for s, n in _markers(unit.text, lexicon) if s == style]
                if want in numbers:
                    for n in numbers:
                        items.setdefault(n, position)
                    want = (min(items) - 1) if step < 0 else (max(items) + 1)
                    last = position
                    if want < 1:
                        break
                position += step
        if 1 in items and len(items) >= 2 and sorted(items) == list(range(1, len(items) + 1)):
            return [units[i] for i in dict.fromkeys(items[n] for n in sorted(items))]
    return []


def find_unit(units: Sequence[DocumentUnit], chunk_id: str, index: int) -> int | None:
    """The position in `units` of unit `index` of chunk `chunk_id`."""
    for position, unit in enumerate(units):
        if unit.chunk.id == chunk_id and unit.index == index:
            return position
    return None


__all__ = [
    "DocumentUnit",
    "document_units",
    "enumeration_items",
    "find_unit",
]
