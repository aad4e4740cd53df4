"""What a part of a report says, in a few quoted lines: its lead and the heads of its items.

A report lays a part out as a lead paragraph and then items: sub-headings (5.1 / 5.2,
（1）/（2）, 第一，/ 第二，), numbered paragraphs (「（1）…」「(2）…」) or an enumeration
inside the text (一是…二是…). The digest quotes the lead and each item's head where it
stands; an item with items of its own lists them after its head while the digest stays
short. A sub-heading is quoted from the first passage under it, whose citation may quote
its headings (`rag.verify.citable_text`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from rag.enumeration import DocumentUnit, enumeration_items
from rag.lexicon import Lexicon
from rag.parts import Part, children

# Item heads and their own items together, at most: a digest stays an answer. The longest
# digest on the tuning reports (two sub-headings with four and three numbered paragraphs)
# has nine.
MAX_ITEMS = 10
# Sentences of the lead paragraph, at most.
MAX_LEAD = 4
# A lead shorter than this (「本文探讨了…态势。」) reads on into the next paragraph.
SHORT_LEAD = 40
# A sentence of the lead has at least this many characters and its own end punctuation.
MIN_LEAD_SENTENCE = 8
_SENTENCE_END = "。！？!?；;"
# The index of a unit that quotes its passage's heading rather than its text.
HEADING_UNIT = -1
_PROSE_KINDS = frozenset({"paragraph"})


def positions_under(
    units: Sequence[DocumentUnit], path: Sequence[str], source: str, *, own: bool = False
) -> list[int]:
    """Positions of the prose units under `path` (only those directly in it with `own`).

    `units` are in reading order, report by report (`Corpus.units`), so only the
    report's own stretch is read.
    """
    path = tuple(path)
    depth = len(path)
    start = bisect_left(units, source, key=lambda u: u.chunk.source)
    end = bisect_right(units, source, key=lambda u: u.chunk.source)
    return [
        i
        for i in range(start, end)
        if units[i].chunk.kind in _PROSE_KINDS
        and units[i].chunk.section_path[:depth] == path
        and (not own or len(units[i].chunk.section_path) == depth)
    ]


def ends_paragraph(unit: DocumentUnit) -> bool:
    """Whether a paragraph break (or the end of its passage) follows the unit."""
    text = unit.chunk.text
    at = text.find(unit.text)
    if at < 0:
        return True
    rest = text[at + len(unit.text) :]
    return not rest.strip() or rest.lstrip(" \t").startswith("\n")


def lead(units: Sequence[DocumentUnit], positions: Sequence[int]) -> list[DocumentUnit]:
    """The part's lead paragraph (read on past a one-line lead), at most `MAX_LEAD` sentences."""
    out: list[DocumentUnit] = []
    chars = 0
    for i in positions:
        unit = units[i]
        text = unit.text.strip()
        if len(text) < MIN_LEAD_SENTENCE or text[-1] not in _SENTENCE_END:
            if out:
                break
            continue
        out.append(unit)
        chars += len(text)
        if len(out) >= MAX_LEAD or (ends_paragraph(unit) and chars >= SHORT_LEAD):
            break
    return out


def _item_number(text: str, lexicon: Lexicon) -> int | None:
    match = lexicon.patterns.paragraph_item.match(text)
    if match is None:
        return None
    if match.group("circled"):
        return ord(match.group("circled")) - 0x2460 + 1
    return int(match.group("n") or match.group("m"))


def numbered_paragraphs(
    units: Sequence[DocumentUnit], positions: Sequence[int], lexicon: Lexicon
) -> list[int]:
    """The first run of units opening 「（1）」「(2）」…, counting up from one, two or more."""
    run: list[int] = []
    for i in positions:
        number = _item_number(units[i].text, lexicon)
        if number is None:
            continue
        if number == len(run) + 1:
            run.append(i)
        elif number == 1:
            if len(run) >= 2:
                break
            run = [i]
    return run if len(run) >= 2 else []


def text_items(
    units: Sequence[DocumentUnit], positions: Sequence[int], lexicon: Lexicon
) -> list[DocumentUnit]:
    """The items in a part's text: numbered paragraphs, else its first 一是…二是… list."""
    numbered = numbered_paragraphs(units, positions, lexicon)
    if numbered:
        return [units[i] for i in numbered]
    inside = {(units[i].chunk.id, units[i].index) for i in positions}
    for i in positions:
        items = [u for u in enumeration_items(units, i, lexicon) if (u.chunk.id, u.index) in inside]
        if len(items) >= 2:
            return items
    return []


def head(units: Sequence[DocumentUnit], part: Part) -> DocumentUnit:
    """A sub-heading as a quotable unit: the unit that states it in the text when there is
    one (a point 「第一，…。」 opens its own paragraph), else the heading itself, quoted
    from the first passage under it (a citation may quote its passage's headings)."""
    own = positions_under(units, part.path, part.first.source, own=True)
    if own and _same(units[own[0]].text, part.heading):
        return units[own[0]]
    return DocumentUnit(part.first, HEADING_UNIT, part.heading)


def _same(text: str, heading: str) -> bool:
    squash = "".join(text.split()).rstrip(_SENTENCE_END)
    return squash == "".join(heading.split()).rstrip(_SENTENCE_END)


def item_heads(
    units: Sequence[DocumentUnit], parts: Sequence[Part], path: Sequence[str], lexicon: Lexicon
) -> list[DocumentUnit]:
    """The heads of a part's items: its sub-headings when it has two or more, else the
    items in its text."""
    kids = children(parts, path)
    if len(kids) >= 2:
        return [head(units, kid) for kid in kids]
    source = parts[0].first.source if parts else ""
    return text_items(units, positions_under(units, path, source), lexicon)


# A sub-heading this short (「1.2.1负债主体」「3.1 太阳能」) names a topic and says nothing of
# it: the digest reads its first sentence too.
LABEL_CHARS = 6


def _said_under(
    units: Sequence[DocumentUnit], parts: Sequence[Part], kid: Part, lexicon: Lexicon
) -> list[DocumentUnit]:
    """A sub-part's own items, or, under a bare label of a heading, its first sentence."""
    items = item_heads(units, parts, kid.path, lexicon)
    if items or len("".join(kid.title.split())) > LABEL_CHARS:
        return items
    return lead(units, positions_under(units, kid.path, kid.first.source, own=True))[:1]


def _items(
    units: Sequence[DocumentUnit], parts: Sequence[Part], path: Sequence[str], lexicon: Lexicon
) -> list[DocumentUnit]:
    """The item heads, each sub-heading followed by its own items when they all fit."""
    kids = children(parts, path)
    if len(kids) < 2:
        return item_heads(units, parts, path, lexicon)
    nested = [(head(units, kid), _said_under(units, parts, kid, lexicon)) for kid in kids]
    fits = sum(1 + len(sub) for _, sub in nested) <= MAX_ITEMS
    return [unit for kid_head, sub in nested for unit in (kid_head, *(sub if fits else ()))]


def digest(
    units: Sequence[DocumentUnit],
    parts: Sequence[Part],
    path: Sequence[str],
    lexicon: Lexicon,
    *,
    with_lead: bool = True,
) -> list[DocumentUnit]:
    """The part's lead paragraph (before its first item) and its item heads, each
    sub-heading followed by its own items while the digest stays within `MAX_ITEMS`."""
    items = _items(units, parts, path, lexicon)[:MAX_ITEMS]
    if not with_lead or not parts:
        return items
    first_item = {(u.chunk.id, u.index) for u in items[:1]}
    before = []
    for i in positions_under(units, path, parts[0].first.source, own=True):
        if (units[i].chunk.id, units[i].index) in first_item:
            break
        before.append(i)
    return list(dict.fromkeys([*lead(units, before), *items]))


__all__ = [
    "MAX_ITEMS",
    "digest",
    "ends_paragraph",
    "item_heads",
    "lead",
    "numbered_paragraphs",
    "positions_under",
    "text_items",
]
