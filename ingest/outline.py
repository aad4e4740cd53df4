"""Which numbered lines of a report open sections: decided from the whole document.

A line that looks like a heading is not always one: a footnote under a table reads
「3数据来源：…」, a chart leaves 「12.0-…」 behind, a formula starts with 「1外贸乘数…」.
Numbering decides: decimal headings (1 / 1.1 / 1.1.1) must form an outline, each number
continuing the one before it (3.1 after 3 or after 2.x's last, 4 after 3.x, 3.2 after
3.1). Of all the chains of candidate lines that do, the longest (weighted by the
evidence below) wins, so a stray line that happens to fit the numbering cannot push the
real heading out. Other styles (一、/（一）/1./（1）/①) are checked in reading order by
the body parser, each number following the previous one under the same parent.

Where the format gives font sizes or bold (PDF, DOCX), typography is evidence too:

* when most candidates of one numbering style are set larger or bold, the plain ones of
  that style are body text (a footnote in small type, a formula at body size);
* a short line set larger or bold, without numbering or sentence punctuation, is a
  heading in its own right (`plain`).

When a 目录 lists the headings, a heading it lists is preferred over one it does not.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ingest.headings import (
    is_toc_line,
    is_toc_marker,
    match_abstract_marker,
    match_back_matter,
    match_caption,
    match_heading,
    match_point,
)
from ingest.lines import LogicalLine

# A plain (unnumbered) heading is short and has no sentence or clause punctuation.
_PLAIN_MAX_CHARS = 40
_PLAIN_MIN_SIZE = 1.08
_PLAIN_PUNCT = re.compile(r"[。！？；，、：:;!?,]")
_HAS_WORD = re.compile(r"[\u3400-\u9fffA-Za-z]")
# Scores of a decimal candidate in the chain search.
_BASE = 1.0
_PROMINENT_BONUS = 0.5
_TOC_BONUS = 1.0
_SKIPPED_NUMBER = 0.6  # 3.3 right after 3.1: one heading may have been lost
_MISSING_PARENT = 0.5  # 2.1 right after 1.x: the 2 heading is missing (or is a chapter)
# Beyond this many candidates, a chain step looks back only this far (keeps it linear).
_WINDOW = 200


@dataclass(frozen=True)
class Outline:
    """Indices (into the lines given to `plan_outline`) of the decisions made here."""

    decimal: frozenset[int] = frozenset()  # decimal headings that open sections
    vetoed: frozenset[int] = frozenset()  # numbered lines the typography shows to be text
    plain: frozenset[int] = frozenset()  # unnumbered lines set as headings (larger/bold)


def _typed(lines: Sequence[LogicalLine]) -> bool:
    return any(ln.size > 0 or ln.bold for ln in lines)


def _is_plain_heading(line: LogicalLine) -> bool:
    text = line.text.strip()
    if not (line.size >= _PLAIN_MIN_SIZE or line.bold) or line.is_table_row:
        return False
    return (
        2 <= len(text) <= _PLAIN_MAX_CHARS
        and _PLAIN_PUNCT.search(text) is None
        and _HAS_WORD.search(text) is not None
        and match_heading(text) is None
        and match_caption(text) is None
        and match_point(text) is None
        and match_back_matter(text) is None
        and not match_abstract_marker(text)
        and not is_toc_line(text)
        and not is_toc_marker(text)
    )


def _start_penalty(numbers: tuple[int, ...]) -> float | None:
    if numbers in ((1,), (0,)):
        return 0.0
    if numbers == (1, 1):
        return _MISSING_PARENT
    return None


def _step_penalty(prev: tuple[int, ...], cur: tuple[int, ...]) -> float | None:
    """Penalty of `cur` following `prev` in an outline; None when it cannot."""
    if len(cur) == len(prev) + 1 and cur[:-1] == prev and cur[-1] == 1:
        return 0.0  # first child
    depth = len(cur)
    if depth <= len(prev) and cur[:-1] == prev[: depth - 1]:
        gap = cur[-1] - prev[depth - 1]
        if gap == 1:
            return 0.0  # next sibling (of prev or of one of its ancestors)
        if gap == 2:
            return _SKIPPED_NUMBER
        return None
    if (
        depth >= 2
        and cur[-1] == 1
        and len(prev) >= depth - 1
        and cur[:-2] == prev[: depth - 2]
        and cur[-2] == prev[depth - 2] + 1
    ):
        return _MISSING_PARENT
    return None


def best_chain(candidates: Sequence[tuple[tuple[int, ...], float]]) -> list[int]:
    """Positions of the highest-scoring chain of candidates that forms an outline.

    `candidates` are (numbers, score) in reading order. A chain starts at 1 (or 0, or
    1.1) and each member continues the one before it (see `_step_penalty`). Fewer than
    two members is no outline: [] is returned.
    """
    n = len(candidates)
    best: list[float | None] = [None] * n
    back = [-1] * n
    for i, (numbers, score) in enumerate(candidates):
        start = _start_penalty(numbers)
        if start is not None:
            best[i] = score - start
        for j in range(max(0, i - _WINDOW), i):
            prior = best[j]
            if prior is None:
                continue
            penalty = _step_penalty(candidates[j][0], numbers)
            if penalty is None:
                continue
            value = prior + score - penalty
            current = best[i]
            # On a tie the later predecessor wins: a heading's parent is the last
            # candidate before it (a footnote 「3 …」 before the real 「3 …」 loses).
            if current is None or value >= current:
                best[i] = value
                back[i] = j
    ends = [i for i in range(n) if best[i] is not None]
    if not ends:
        return []
    # the best total; on a tie, the chain that reaches further into the document
    end = max(ends, key=lambda i: (best[i], i))
    chain = []
    while end >= 0:
        chain.append(end)
        end = back[end]
    chain.reverse()
    return chain if len(chain) >= 2 else []


def plan_outline(
    lines: Sequence[LogicalLine], in_toc: Callable[[str], bool] | None = None
) -> Outline:
    """Decide which numbered lines open sections (see the module docstring).

    `in_toc` tells whether the report's 目录 lists a line; None without a 目录.
    """
    typed = _typed(lines)
    by_kind: dict[str, list[int]] = defaultdict(list)
    numbers: dict[int, tuple[int, ...]] = {}
    for i, line in enumerate(lines):
        if line.is_table_row or line.heading_level is not None:
            continue
        heading = match_heading(line.text)
        if heading is None:
            continue
        by_kind[heading.kind].append(i)
        if heading.kind == "decimal":
            numbers[i] = heading.numbers

    vetoed: set[int] = set()
    if typed:
        for indices in by_kind.values():
            prominent = [i for i in indices if lines[i].prominent]
            if len(prominent) >= 2 and 2 * len(prominent) >= len(indices):
                vetoed |= {i for i in indices if not lines[i].prominent}

    decimal = [i for i in by_kind.get("decimal", []) if i not in vetoed]
    scored = []
    for i in decimal:
        score = _BASE
        if typed and lines[i].prominent:
            score += _PROMINENT_BONUS
        if in_toc is not None and in_toc(lines[i].text):
            score += _TOC_BONUS
        scored.append((numbers[i], score))
    chosen = frozenset(decimal[k] for k in best_chain(scored))

    plain = frozenset(i for i, ln in enumerate(lines) if typed and _is_plain_heading(ln))
    return Outline(decimal=chosen, vetoed=frozenset(vetoed), plain=plain)
