"""The cells of a table row as a report writes it: tab-separated or joined by " | ".

Ingest and the answer path share this: the parser recognises a row and the table
strategies read its cells, so both split a row the same way. A row is the report's own
text (its chunk quotes it verbatim); only reading it into cells happens here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

# A cell boundary of a row typed or extracted as 「a | b | c」: the bar may have lost a
# space on one side where a wrapped row was joined (「…等| 融资…」).
_PIPE_SPLIT = re.compile(r"\s*\|\s*")
# What makes a line a " | " row: a bar with a space on both sides, or a bar at either end
# of the line with a space on its inner side (a row whose first or last cell is empty).
_PIPE_ROW = re.compile(r"\s\|\s|^\|\s|\s\|$")


def is_pipe_row(text: str) -> bool:
    """Whether a line is a table row whose cells are joined by " | "."""
    stripped = text.strip()
    return "\t" not in stripped and _PIPE_ROW.search(stripped) is not None


def row_cells(text: str) -> list[str]:
    """The cells of a row, stripped, empty cells kept (a tab or a " | " row; else one cell)."""
    if "\t" in text:
        return [cell.strip() for cell in text.split("\t")]
    if "|" in text and is_pipe_row(text):
        return [cell.strip() for cell in _PIPE_SPLIT.split(text.strip())]
    return [text.strip()]


def merged_cell_count(row: str, continuation: str) -> int:
    """How many cells a row has once a wrapped line is joined to it: the last cell of the
    row and the first of the continuation are one cell cut by the wrap."""
    return len(row_cells(row)) + len(row_cells(continuation)) - 1


def join_row_parts(parts: Sequence[str], join: Callable[[str, str], str] | None = None) -> str:
    """A row wrapped over several lines, put back on one: a bar at a line's edge keeps its
    space (「…0.206 |」 + 「0.131」 → 「…0.206 | 0.131」); other breaks are joined by
    `join` (a CJK-aware joiner of two strings), or without a space."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if not out:
            out = part
        elif out.endswith("|") or part.startswith("|"):
            out = f"{out} {part}"
        elif join is not None:
            out = join(out, part)
        else:
            out += part
    return out


__all__ = ["is_pipe_row", "join_row_parts", "merged_cell_count", "row_cells"]
