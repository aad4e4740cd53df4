"""A report's tables read as tables: columns named from the header, cells under them.

A table row reaches the answer path as a chunk of the report's own text
(「华东区 | 310 | 125 | 86」) that carries its table's caption, header line(s),
number and size (`Chunk.table_*`). This module reads the rows of one table back into
a `Table`:

* **Columns** are named from the header. A two-level header flattened into two lines
  (「排名 | 2000年 | 2003年」 over 「HS编码 | RCA | HS编码 | RCA」) is spread out: the
  cells of the first line that head groups of columns give each of their columns a
  name of two parts (「2000年 HS编码」「2000年 RCA」), see `column_names`.
* **Cells** are aligned to the columns. A cell merged over several rows is printed
  once, in its first row; the rows below it have fewer cells (or an empty first
  cell), so their missing leading cells are filled down from the row above. Which
  cells are a row's own text is kept: only those are quoted.
* **Values**: a cell read as a number (「95 655」「37.9%」「2015年」「5400~5580」), for
  comparing rows in a column.

Pure functions over chunks; ingest uses `column_names` and `aligned_rows` too, to
embed each row with its column names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from rag.table_cells import row_cells
from rag.types import Chunk

# A header line with years (「2000年」「2015」) heads groups of columns, or sits under them.
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# A cell that says when: a year, with or without 年.
_YEAR_CELL = re.compile(r"^(?:19|20)\d{2}\s*年?$")
# A cell that is a number: digits with spaces or commas inside, a decimal part, a sign, a
# percent or per-mille sign, a year's 年; or a range of two (「5400~5580」).
_NUMBER = r"[-+−–]?\d[\d ,]*(?:\.\d+)?"
_VALUE = re.compile(rf"^(?P<a>{_NUMBER})\s*(?:[~～至\-–—]\s*(?P<b>{_NUMBER}))?\s*(?:%|‰|年)?$")
# The unit after a column name (「保费收入/亿元」「保额/万元」), dropped when matching.
_UNIT = re.compile(r"\s*[/（(][^/（(]*$")


@dataclass(frozen=True)
class Row:
    """One row of a table: its chunk, its cells aligned to the table's columns (cells
    merged from the rows above filled in) and which of them are the row's own text."""

    chunk: Chunk
    cells: tuple[str, ...]
    own: frozenset[int]

    def cell(self, column: int) -> str:
        return self.cells[column] if column < len(self.cells) else ""


@dataclass(frozen=True)
class Table:
    """A table of a report, read back from its rows (see the module docstring)."""

    source: str
    index: int
    caption: str  # the caption line(s): 「表1 …」 and an English 「Tab.1 …」
    header: tuple[str, ...]  # the header line(s) as the report prints them
    parts: tuple[tuple[str, ...], ...]  # each column's name, a part per header line
    rows: tuple[Row, ...]
    size: int  # how many rows the table has (the ingest count)

    @cached_property
    def columns(self) -> tuple[str, ...]:
        """Each column's name (its parts joined by a space: 「2000年 RCA」)."""
        return tuple(" ".join(p for p in parts if p) for parts in self.parts)

    @property
    def title(self) -> str:
        """The caption's first line, or the header when the table has no caption."""
        return self.caption.split("\n")[0].strip() or " | ".join(self.columns)

    @cached_property
    def complete(self) -> bool:
        """Whether every row of the table is here (a claim about a column needs them all)."""
        return len({r.chunk.id for r in self.rows}) == self.size > 0

    def values(self, column: int) -> list[tuple[Row, float]]:
        """The rows whose cell in `column` is a number, with that number."""
        out = []
        for row in self.rows:
            value = cell_value(row.cell(column))
            if value is not None:
                out.append((row, value))
        return out


def cell_value(cell: str) -> float | None:
    """A cell read as a number (a range by its middle), or None when it is not one."""
    match = _VALUE.match(cell.strip())
    if match is None:
        return None
    low = _number(match.group("a"))
    high = _number(match.group("b")) if match.group("b") else low
    return (low + high) / 2


def _number(text: str) -> float:
    return float(re.sub(r"[ ,]", "", text).replace("−", "-").replace("–", "-"))


def column_core(name: str) -> str:
    """A column name without its unit (「装机容量/MW」 → 「装机容量」)."""
    return _UNIT.sub("", name).strip() or name.strip()


# ------------------------------------------------------------------------ columns


def column_names(header: Sequence[str], width: int) -> tuple[str, ...]:
    """Names of a table's `width` columns: their `column_parts` joined by a space."""
    return tuple(" ".join(p for p in parts if p) for parts in column_parts(header, width))


def column_parts(header: Sequence[str], width: int) -> tuple[tuple[str, ...], ...]:
    """Each of a table's `width` columns named by its header line(s): one part per line.

    One line names the columns in order. With a second line, the cells of the first
    that head groups span the second line's cells: with n1 cells above, n2 below and
    `width` columns, s = n2 - (width - n1) cells of the first line span n2 / s columns
    each (「2000年」 over 「HS编码」 and 「RCA」 → (2000年, HS编码), (2000年, RCA)). Which
    run of s cells spans is read from the years: a line of years (「2000年 2015年」) sits
    under measures, a line of measures sits under years; ties go to the run further
    right (row labels come first), short of the last cell (a summary column).
    """
    lines = [row_cells(line) for line in header if line.strip()]
    if not lines:
        return tuple(() for _ in range(width))
    top = lines[0]
    if len(lines) == 1 or width <= 0:
        return _padded([(cell,) for cell in top], width)
    below = lines[1]
    spanning = len(below) - (width - len(top))
    if spanning <= 0 or len(below) % spanning or spanning > len(top):
        return _padded([(a, b) for a, b in zip(top, below, strict=False)], width)
    span = len(below) // spanning
    start = _spanning_start(top, below, spanning)
    parts: list[tuple[str, ...]] = []
    for k, cell in enumerate(top):
        if start <= k < start + spanning:
            group = below[(k - start) * span : (k - start + 1) * span]
            parts.extend((cell, sub) for sub in group)
        else:
            parts.append((cell,))
    return _padded(parts, width)


def _spanning_start(top: Sequence[str], below: Sequence[str], spanning: int) -> int:
    years_below = sum(1 for c in below if _YEAR.search(c)) * 2 >= len(below)

    def years(start: int) -> int:
        return sum(1 for c in top[start : start + spanning] if _YEAR.search(c))

    last = len(top) - spanning
    starts = range(last + 1)
    # Under measures: as few years as possible above; under years: as many. Ties go to the
    # run further right (labels come first) but not to the last cell, which after a
    # measure split by years is mostly a summary of it (a change, a growth rate).
    return max(
        starts,
        key=lambda s: ((-years(s) if years_below else years(s)), s < last or last == 0, s),
    )


def _padded(parts: Sequence[tuple[str, ...]], width: int) -> tuple[tuple[str, ...], ...]:
    out = list(parts[:width]) if width > 0 else list(parts)
    return tuple(out + [()] * (width - len(out)))


# --------------------------------------------------------------------------- rows


def aligned_rows(
    texts: Sequence[str], width: int | None = None
) -> list[tuple[tuple[str, ...], frozenset[int]]]:
    """Each row's cells aligned to the table's columns, with the indices of its own cells.

    A row with fewer cells than the table (or with empty leading cells) sits under cells
    merged over several rows: its missing leading cells are taken from the row above.
    """
    split = [row_cells(text) for text in texts]
    width = width or max((len(cells) for cells in split), default=0)
    out: list[tuple[tuple[str, ...], frozenset[int]]] = []
    above: list[str] = [""] * width
    for cells in split:
        missing = max(0, width - len(cells))
        own_cells = [""] * missing + cells[:width]
        filled = list(own_cells)
        lead = 0
        while lead < width and not filled[lead]:
            lead += 1
        if lead < width:  # not an empty row
            for k in range(lead):
                filled[k] = above[k]
        own = frozenset(k for k, cell in enumerate(own_cells) if cell)
        out.append((tuple(filled), own))
        above = filled
    return out


def own_cells(chunk: Chunk) -> list[tuple[str, str]]:
    """A row's own (non-empty) cells with the names of their columns, from the row alone:
    a row short of cells sits under merged cells, so its cells are the last columns."""
    header = header_lines(chunk)
    cells = row_cells(chunk.text)
    width = len(cells)
    if len(header) == 1:
        width = max(width, len(row_cells(header[0])))
    names = column_names(header, width)
    offset = width - len(cells)
    return [(names[offset + k], cell) for k, cell in enumerate(cells) if cell]


def row_figures(chunk: Chunk) -> list[tuple[str, str, float]]:
    """The figures a row compares along itself: its own number cells with their columns'
    names, but not the cells that say when (a year) — 「2015 | 2.40 | 8.80」 compares 2.40
    and 8.80 under their columns, not 2015."""
    out = []
    for name, cell in own_cells(chunk):
        value = cell_value(cell)
        if value is not None and not _YEAR_CELL.match(cell.strip()) and name:
            out.append((name, cell, value))
    return out


def is_total_row(row: Row, totals: Sequence[str]) -> bool:
    """A row summing up the others (a label such as 「共计」): never a column's extreme."""
    words = {re.sub(r"\s+", "", t) for t in totals}
    return any(re.sub(r"\s+", "", row.cell(k)) in words for k in row.own)


def header_lines(chunk: Chunk) -> tuple[str, ...]:
    """The header line(s) a table row was stored with."""
    return tuple(line for line in chunk.table_header.split("\n") if line.strip())


def tables_of(rows: Sequence[Chunk]) -> tuple[Table, ...]:
    """The tables these rows belong to, each with its rows in reading order.

    Only tables whose rows share one header are read (a grid whose groups have headers
    of their own is read by `rag.grid`); rows of an index built before tables were
    numbered carry no table number and are left out.
    """
    groups: dict[tuple[str, int], list[Chunk]] = {}
    for row in rows:
        if row.kind == "table_row" and row.table_index > 0:
            groups.setdefault((row.source, row.table_index), []).append(row)
    tables = []
    for (source, index), members in groups.items():
        members.sort(key=lambda c: c.position)
        if len({m.table_header for m in members}) != 1:
            continue
        header = header_lines(members[0])
        aligned = aligned_rows([m.text for m in members])
        width = len(aligned[0][0]) if aligned else 0
        tables.append(
            Table(
                source=source,
                index=index,
                caption=members[0].table_caption,
                header=header,
                parts=column_parts(header, width),
                rows=tuple(
                    Row(chunk, cells, own)
                    for chunk, (cells, own) in zip(members, aligned, strict=True)
                ),
                size=members[0].table_rows,
            )
        )
    return tuple(sorted(tables, key=lambda t: (t.source, t.index)))


__all__ = [
    "Row",
    "Table",
    "aligned_rows",
    "cell_value",
    "column_core",
    "column_names",
    "column_parts",
    "header_lines",
    "is_total_row",
    "own_cells",
    "row_figures",
    "tables_of",
]
