"""A report's parts as the answer path sees them: every heading at every level, its number
in whichever style the report numbers it, and the part a question names.

Reports number their parts in many ways (「三、」「第三章」「（二）」「3」「3.2」「3.2.1」
「①」) and readers name them by number (「第5部分」「第三章」「3.2节」) or by a few words
of their title (「研究现状那部分」「结论部分」「致谢里」). The parts are read off the
chunks' section paths, so nothing new is stored at ingest. A heading is report text
too: `heading_chunk` makes it a passage of its own, so an answer that lists headings
quotes and cites each one where it stands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.lexicon import Lexicon
from rag.question import Question, Scope
from rag.types import FRONT_MATTER_SECTIONS, Chunk, content_id

HEADING = "heading"  # the kind of a heading's own passage


@dataclass(frozen=True)
class Part:
    """One heading of a report: its section path, its number and title, its first chunk."""

    path: tuple[str, ...]
    number: tuple[int, ...]  # () when unnumbered; 「3.2 …」 → (3, 2), 「（二）…」 → (2,)
    title: str  # the heading without its number
    first: Chunk  # the first chunk under it, in reading order

    @property
    def heading(self) -> str:
        return self.path[-1]

    @property
    def depth(self) -> int:
        return len(self.path)

    @property
    def front(self) -> bool:
        """A section of the front matter (摘要, 作者, 目录 …), not of the body."""
        return self.path[0] in FRONT_MATTER_SECTIONS or self.first.kind == "front_matter"


def numeral_value(numeral: str, lexicon: Lexicon) -> int | None:
    """「3」 → 3, 「三」 → 3, 「十二」 → 12, 「二十」 → 20; None for anything else."""
    if numeral.isdigit():
        return int(numeral)
    counting = lexicon.numbers.numerals.counting
    ten = counting[-1]
    values = [counting.index(ch) + 1 if ch in counting else None for ch in numeral]
    if None in values or not values:
        return None
    if len(numeral) == 1:
        return values[0]
    tens, _, units = numeral.partition(ten)
    if len(numeral) > 3 or ten not in numeral or len(tens) > 1 or len(units) > 1:
        return None
    high = counting.index(tens) + 1 if tens else 1
    low = counting.index(units) + 1 if units else 0
    return high * 10 + low


def heading_number(heading: str, lexicon: Lexicon) -> tuple[tuple[int, ...], str]:
    """A heading's number and its title without it: 「3.2显示性…」 → ((3, 2), 「显示性…」),
    「三、政策…」 → ((3,), 「政策…」), 「引言」 → ((), 「引言」)."""
    match = lexicon.patterns.heading_number.match(heading)
    if match is None:
        return (), heading.strip()
    title = match.group("rest").strip() or heading.strip()
    if match.group("decimal"):
        return tuple(int(n) for n in _decimal_parts(match.group("decimal"))), title
    if match.group("circled"):
        return (ord(match.group("circled")) - 0x2460 + 1,), title
    numeral = match.group("ordinal") or match.group("bracketed") or match.group("marked") or ""
    value = numeral_value(numeral, lexicon)
    return ((value,) if value else ()), title


def _decimal_parts(text: str) -> list[str]:
    return [p for p in "".join(text.split()).replace("．", ".").split(".") if p]


def report_parts(chunks: Sequence[Chunk], source: str, lexicon: Lexicon) -> tuple[Part, ...]:
    """Every heading of one report (each distinct section path prefix), in reading order."""
    seen: dict[tuple[str, ...], Chunk] = {}
    for chunk in sorted((c for c in chunks if c.source == source), key=lambda c: c.position):
        for depth in range(1, len(chunk.section_path) + 1):
            seen.setdefault(chunk.section_path[:depth], chunk)
    parts = []
    for path, first in seen.items():
        number, title = heading_number(path[-1], lexicon)
        parts.append(Part(path, number, title, first))
    return tuple(parts)


def children(parts: Sequence[Part], path: Sequence[str]) -> list[Part]:
    """The headings directly under `path`, in reading order."""
    depth = len(path)
    return [p for p in parts if p.depth == depth + 1 and p.path[:depth] == tuple(path)]


def body_parts(parts: Sequence[Part]) -> list[Part]:
    """The top-level headings of the body: no front matter."""
    return [p for p in parts if p.depth == 1 and not p.front]


def heading_chunk(part: Part) -> Chunk:
    """The heading as a passage of its own, to quote and cite: its text is the heading, its
    page the page its first chunk starts on."""
    first = part.first
    return Chunk(
        id=content_id(first.source, HEADING, *part.path),
        text=part.heading,
        source=first.source,
        title=first.title,
        section_path=part.path,
        page_start=first.page_start,
        page_end=first.page_start,
        position=first.position,
        kind=HEADING,
        meta=first.meta,
    )


# -------------------------------------------------------------- the part a question names


def part_by_number(parts: Sequence[Part], scope: Scope) -> Part | None:
    """「第5部分」「第三章」 → the top-level part numbered so; 「3.2节」 → its section 3.2."""
    if scope.part_number is None:
        return None
    top = next((p for p in body_parts(parts) if p.number[:1] == (scope.part_number,)), None)
    if top is None or len(scope.section_number) < 2:
        return top
    found = top
    for number in scope.section_number[1:]:
        under = [p for p in parts if p.path[: found.depth] == found.path and p.depth > found.depth]
        found = next((p for p in under if p.number and p.number[-1] == number), None)  # type: ignore[assignment]
        if found is None:
            return top
    return found


def _shared_suffix(words: str, title: str) -> int:
    """The length of the longest end of `words` (two characters or more) found in `title`."""
    for size in range(min(len(words), len(title)), 1, -1):
        if words[-size:] in title:
            return size
    return 0


# A part named by a few words of its title lies this near the top of the report.
MAX_TITLE_DEPTH = 2


def part_by_title(parts: Sequence[Part], scope: Scope) -> Part | None:
    """The part whose title the question names before 「里」「部分」…: the whole title
    (「致谢里」), or after 「那部分」「这一节」… a few words of it (「研究现状那部分」).

    The longest match wins; on a tie the part nearer the top, then the earlier one.
    """
    best: tuple[int, int, int] | None = None
    found = None
    for order, part in enumerate(parts):
        if part.depth > MAX_TITLE_DEPTH or len(part.title) < 2:
            continue
        whole = any(words.endswith(part.title) for words in scope.part_title_words)
        score = 100 + len(part.title) if whole else 0
        for words in scope.part_title_strong:
            score = max(score, _shared_suffix(words, part.title))
        if score >= 2:
            key = (score, -part.depth, -order)
            if best is None or key > best:
                best, found = key, part
    return found


def named_part(question: Question, parts: Sequence[Part]) -> Part | None:
    """The part the question names by number or by title, or None."""
    return part_by_number(parts, question.scope) or part_by_title(parts, question.scope)


#: The e5 similarity of a text to each of some others (`Scorers.text_similarity`).
TextSimilarity = Callable[[str, Sequence[str]], list[float]]


def outline(part: Part, parts: Sequence[Part]) -> str:
    """A part's title and its sub-parts' titles: what the part covers, in the report's words."""
    under = [
        p.title for p in parts if p.depth == part.depth + 1 and p.path[: part.depth] == part.path
    ]
    return "；".join([part.title, *under])


def part_by_description(
    parts: Sequence[Part], scope: Scope, similarity: TextSimilarity, *, sectioned: bool = False
) -> Part | None:
    """The part a question describes in its own words before 「那部分」「这一节」…
        (「讲政府规划和扶持政策的那部分」 for a part titled 「发展目标与激励措施」): the body
        part, or one of its sections, whose outline reads most like the description. With
        `sectioned` (「…分了哪几个方面」), only a part with sections of its
    own. None when the question describes no part."""
    if not scope.part_title_strong:
        return None
    candidates = [
        p for p in parts if not p.front and p.depth <= MAX_TITLE_DEPTH and len(p.title) >= 2
    ]
    if sectioned:
        candidates = [c for c in candidates if outline(c, parts) != c.title] or candidates
    if not candidates:
        return None
    # The shortest of the texts before 「那部分」 is the description without 「那」.
    description = min(scope.part_title_strong, key=len)
    scores = similarity(description, [outline(p, parts) for p in candidates])
    return candidates[max(range(len(candidates)), key=scores.__getitem__)]


__all__ = [
    "HEADING",
    "Part",
    "TextSimilarity",
    "body_parts",
    "children",
    "heading_chunk",
    "heading_number",
    "named_part",
    "numeral_value",
    "outline",
    "part_by_description",
    "part_by_number",
    "part_by_title",
    "report_parts",
]
