"""Structure parsing: lines of a report → `ParsedReport` (meta, TOC, blocks).

The core, `parse_lines`, works on `Line`s (`ingest.lines`) so that every format can
reuse it: plain text gives one `Line` per text line, PDF parsers add the true page and
font size, DOCX / HTML / Markdown parsers mark headings and table rows from their markup.

What it recognises, in reading order:

* front matter (`ingest.front`): the cover, title, authors, affiliations, 摘要,
  关键词 and journal lines; pages where the format has them, else None;
* the table of contents (heading + tab / dot leaders + page number);
* the introduction between the front matter (or TOC) and the first section, path
  ("引言",);
* numbered sections of every common style (第一章 / 一、/ （一）/ 1. / （1）/ ① /
  1 / 1.1 / 1.1.1), nested by level, kept only when their numbering is consistent
  (`ingest.outline`); lines set larger or bold where the format says so;
* points (第一，… / 一是…), whose path element is the point's lead clause;
* tables: a caption (表 1 …) then tab-separated rows, the first being the
  header; and caption-less grids whose category lines ("一、保障范围\\t\\t")
  head groups of rows;
* trailing matter (致谢, 版权公告, 参考文献…) as its own path.

The body starts after the 目录, else at the first heading, or after the 摘要 /
关键词 block when the report has one (an unheaded introduction then is the 引言).

Text extracted from PDFs breaks paragraphs at page ends ("…在\\n\\n推动…");
`join_page_breaks` glues such fragments back together before anything else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

from ingest.cues import norm, opens_abstract
from ingest.facts import front_facts
from ingest.front import (
    Front,
    front_blocks,
    front_meta,
    keywords_block_end,
    names_from_sidecar,
)
from ingest.headings import (
    LEVEL_CHAPTER,
    LEVEL_TOP,
    Heading,
    decimal_level,
    is_toc_marker,
    match_back_matter,
    match_caption,
    match_english_caption,
    match_heading,
    match_intro_marker,
    match_point,
    match_toc_entry,
)
from ingest.lines import (
    Line,
    LogicalLine,
    PageBreaks,
    join_page_breaks,
    joined_text,
    text_to_lines,
)
from ingest.outline import Outline, plan_outline
from ingest.readers import ReadError
from rag.table_cells import is_pipe_row, row_cells
from rag.types import Block, ParsedReport, ReportMeta, TocEntry

__all__ = [
    "Line",
    "LogicalLine",
    "join_page_breaks",
    "joined_text",
    "load_sidecar",
    "meta_from_sidecar",
    "parse_lines",
    "parse_text",
    "text_to_lines",
]

INTRO_TITLE = "引言"
TOC_TITLE = "目录"
_RUNNING = re.compile(r"[，。；]")
# An unnumbered heading (set larger or bold) opening the body ranks beside a decimal 1.
_PLAIN_TOP = decimal_level(1)


# ------------------------------------------------------------------------ sidecar


def load_sidecar(report_path: Path) -> dict[str, Any] | None:
    """Read `<report>.meta.json` beside the report (optional; None when absent).

    Keys used: title, series, publisher, authors (list or "A、B"), date.
    Raises `ReadError` when the file exists but is not a JSON object.
    """
    report_path = Path(report_path)
    sidecar = report_path.with_name(report_path.name + ".meta.json")
    if not sidecar.is_file():
        return None
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReadError(sidecar, f"元数据文件无法解析：{exc}", "invalid sidecar JSON") from None
    if not isinstance(data, dict):
        raise ReadError(sidecar, "元数据文件应为 JSON 对象", "sidecar must be a JSON object")
    return data


def meta_from_sidecar(sidecar: Mapping[str, Any], source: str) -> ReportMeta:
    """A `ReportMeta` hint from sidecar keys; missing keys stay empty."""
    authors_raw = sidecar.get("authors", ())
    if isinstance(authors_raw, str):
        authors = names_from_sidecar(authors_raw)
    else:
        authors = tuple(str(a).strip() for a in authors_raw if str(a).strip())
    return ReportMeta(
        title=str(sidecar.get("title", "") or "").strip(),
        source=source,
        series=str(sidecar.get("series", "") or "").strip(),
        publisher=str(sidecar.get("publisher", "") or "").strip(),
        authors=authors,
        date=str(sidecar.get("date", "") or "").strip(),
    )


# --------------------------------------------------------------------------- TOC


def _find_toc(lines: Sequence[LogicalLine]) -> tuple[int, int, list[TocEntry]]:
    """(start, end, entries) of the table of contents; (-1, -1, []) when there is none.

    Without a 目录 line, two or more consecutive entries whose headings are
    numbered headings count as a TOC (a table's numeric last column does not).
    """
    n = len(lines)
    for i, line in enumerate(lines):
        if is_toc_marker(line.text):
            j, entries = i + 1, []
            while j < n and (entry := match_toc_entry(lines[j].text)) is not None:
                entries.append(entry)
                j += 1
            if entries:
                return i, j, entries
    i = 0
    while i < n:
        j, entries = i, []
        while j < n and (entry := match_toc_entry(lines[j].text)) is not None:
            if match_heading(entry.heading) is None:
                break
            entries.append(entry)
            j += 1
        if len(entries) >= 2 and all(a.page <= b.page for a, b in pairwise(entries)):
            return i, j, entries
        i = max(j, i + 1)
    return -1, -1, []


def _toc_index(text: str, toc: Sequence[TocEntry], start: int) -> int | None:
    """Index of the TOC entry this heading line is, searching forward from `start`."""
    key = norm(text)
    for k in range(start, len(toc)):
        entry = norm(toc[k].heading)
        if key == entry or (min(len(key), len(entry)) >= 6 and entry.startswith(key)):
            return k
        if min(len(key), len(entry)) >= 6 and key.startswith(entry.rstrip("…")):
            return k
    return None


def _toc_range(toc: Sequence[TocEntry], k: int) -> tuple[int, int]:
    # A section runs from its TOC page to the page before the next section starts.
    start = toc[k].page
    if k + 1 < len(toc):
        return start, max(start, toc[k + 1].page - 1)
    return start, start


# -------------------------------------------------------------------------- body


@dataclass
class _Table:
    caption: str = ""
    header: str | None = None
    category: str | None = None
    group_header: str = ""
    group_first: bool = False
    index: int = 0  # which table of the report (1-based)
    columns: int = 0  # " | " tables: the most cells a row has had
    data_seen: bool = False  # " | " tables: a data row came (no more header lines)
    header_lines: int = 0


@dataclass
class _Body:
    """Mutable state of the body pass."""

    toc: Sequence[TocEntry]
    markup: bool
    outline: Outline = field(default_factory=Outline)
    stack: list[tuple[int, str]] = field(default_factory=list)
    plain_level: int | None = None  # level of the unnumbered heading in the stack, if any
    point: str | None = None
    sticky_point: bool = False
    counters: dict[int, int] = field(default_factory=dict)
    toc_next: int = 0
    toc_levels: set[int] = field(default_factory=set)
    page_range: tuple[int | None, int | None] = (None, None)
    mode: str = "intro"  # intro → body → back
    intro_title: str = INTRO_TITLE
    back_title: str = ""
    table: _Table | None = None
    pending_caption: LogicalLine | None = None
    blocks: list[Block] = field(default_factory=list)
    tables: int = 0  # tables so far
    # The last " | " table, while only short notes follow it: its next rows (after a page
    # break and a footnote) continue it.
    last_table: _Table | None = None
    since_table: int = 0

    def path(self) -> tuple[str, ...]:
        if self.mode == "intro":
            return (self.intro_title,)
        if self.mode == "back":
            return (self.back_title,)
        base = tuple(title for _, title in self.stack)
        return (*base, self.point) if self.point else base

    def emit(
        self,
        line: LogicalLine,
        kind: str,
        table_header: str = "",
        table_caption: str = "",
        table_index: int = 0,
    ) -> None:
        """A block of this line, with the line's own pages when it has them."""
        pages: tuple[int | None, int | None] = self.page_range
        breaks: PageBreaks = ()
        if line.page_start is not None:
            pages, breaks = (line.page_start, line.page_end), line.page_breaks
        self.blocks.append(
            Block(
                line.text,
                self.path(),
                pages[0],
                pages[1],
                kind=kind,
                table_header=table_header,
                table_caption=table_caption,
                table_index=table_index,
                page_breaks=breaks,
            )
        )


def _accept_heading(state: _Body, line: LogicalLine, index: int) -> tuple[int, int | None] | None:
    """(level, toc index) when this line (the `index`-th of the body) opens a section."""
    text = line.text
    if state.markup:
        if line.heading_level is None:
            return None
        return line.heading_level, _toc_index(text, state.toc, state.toc_next)
    if line.is_table_row:
        return None
    if index in state.outline.plain:
        return _plain_level(state), None
    heading: Heading | None = match_heading(text)
    if heading is None or index in state.outline.vetoed:
        return None
    k = _toc_index(text, state.toc, state.toc_next) if state.toc else None
    if heading.kind == "decimal":
        # The outline was decided from the whole document (ingest.outline).
        if index not in state.outline.decimal:
            return None
        if k is None and heading.level in state.toc_levels:
            return None
        return heading.level, k
    if k is not None:
        return heading.level, k
    # A level the TOC lists must come from the TOC: "一、保障范围" inside a section
    # is a grid cell or list item, not a new top-level section.
    if heading.level in state.toc_levels:
        return None
    # Otherwise numbering must run on (一 then 二 …) under the current parent.
    expected = state.counters.get(heading.level, 0) + 1
    if heading.number is not None and heading.number != expected:
        return None
    if heading.level > LEVEL_TOP and not state.stack:
        return None  # sub-headings before any section are list items of the intro
    return heading.level, None


def _plain_level(state: _Body) -> int:
    """An unnumbered heading replaces the previous one, else nests under the current."""
    if state.plain_level is not None:
        return state.plain_level
    return state.stack[-1][0] + 1 if state.stack else _PLAIN_TOP


def _open_section(
    state: _Body, line: LogicalLine, level: int, k: int | None, plain: bool = False
) -> None:
    state.mode = "body"
    state.table = None
    state.last_table = None
    state.point = None
    while state.stack and state.stack[-1][0] >= level:
        state.stack.pop()
    state.stack.append((level, line.text))
    if plain:
        state.plain_level = level
    elif state.plain_level is not None and all(lv != state.plain_level for lv, _ in state.stack):
        state.plain_level = None
    heading = match_heading(line.text)
    if heading is not None and heading.number is not None:
        state.counters[level] = heading.number
    for deeper in [lv for lv in state.counters if lv > level]:
        del state.counters[deeper]
    if k is not None:
        state.toc_next = k + 1
        state.page_range = _toc_range(state.toc, k)
    state.emit(line, "heading")


def _table_row(state: _Body, line: LogicalLine) -> None:
    if is_pipe_row(line.text):
        _pipe_row(state, line)
        return
    if state.table is None:
        caption = state.pending_caption.text if state.pending_caption is not None else ""
        state.tables += 1
        state.table = _Table(caption=caption, index=state.tables)
        state.pending_caption = None
    table = state.table
    text = line.text
    cells = [c.strip() for c in text.split("\t")]
    filled = [c for c in cells if c]
    if not filled:
        return
    if len(filled) == 1 and match_heading(filled[0]) is not None:
        # A grid category line ("一、保障范围\t\t\t\t") heads the rows below it.
        table.category = filled[0]
        table.group_header = filled[0]
        table.group_first = True
        return
    if table.category is None and table.header is None:
        table.header = text
        return
    header = table.group_header if table.category is not None else (table.header or "")
    state.emit(line, "table_row", header, table.caption, table.index)
    if table.category is not None and table.group_first:
        table.group_header = f"{table.category} {text}"
        table.group_first = False


# A " | " table's header may have a second line (a two-level header flattened): cells
# under the first line's, none of them a figure, before any data row.
_MAX_HEADER_LINES = 2
_FIGURE_CELL = re.compile(r"^[-+−–]?\d[\d\s,]*(?:\.\d+)?\s*[%‰]?$")
# Notes between the two parts of a table split by a page break are short.
_MAX_NOTE_CHARS = 60
_MAX_NOTES_BETWEEN = 2


def _pipe_row(state: _Body, line: LogicalLine) -> None:
    """A " | " row: the first of a table is its header (a second header line may follow),
    the rest are its rows; a table cut by a page break goes on under the same header."""
    cells = row_cells(line.text)
    if not any(cells):
        return
    if state.table is None:
        state.table = _continued_table(state, cells) or _new_table(state)
    table = state.table
    if table.header is None:
        table.header, table.columns, table.header_lines = line.text, len(cells), 1
        return
    if not table.data_seen and _sub_header(table, cells):
        table.header = f"{table.header}\n{line.text}"
        table.header_lines += 1
        table.columns = max(table.columns, len(cells))
        return
    if line.text == table.header.split("\n")[0]:
        return  # the header repeated at the top of the next page
    table.data_seen = True
    table.columns = max(table.columns, len(cells))
    state.emit(line, "table_row", table.header, table.caption, table.index)
    state.last_table, state.since_table = table, 0


def _new_table(state: _Body) -> _Table:
    caption = state.pending_caption.text if state.pending_caption is not None else ""
    state.pending_caption = None
    state.tables += 1
    return _Table(caption=caption, index=state.tables)


def _continued_table(state: _Body, cells: Sequence[str]) -> _Table | None:
    """The table these caption-less rows continue: the last one, when only short notes
    came between (a footnote, the foot of a page) and the row fits its columns."""
    last = state.last_table
    if last is None or state.pending_caption is not None:
        return None
    if state.since_table > _MAX_NOTES_BETWEEN or len(cells) > last.columns:
        return None
    return last


def _sub_header(table: _Table, cells: Sequence[str]) -> bool:
    """A second header line: a different number of cells, and no cell is a figure."""
    first = table.header.split("\n")[0] if table.header else ""
    return (
        table.header_lines < _MAX_HEADER_LINES
        and len(cells) != len(row_cells(first))
        and not any(_FIGURE_CELL.match(c) for c in cells)
    )


def _after_table(state: _Body, line: LogicalLine) -> None:
    """A line that is not a row: a short note keeps the last table open for a continuation,
    anything else closes it."""
    if state.last_table is None:
        return
    if len(line.text) <= _MAX_NOTE_CHARS and match_heading(line.text) is None:
        state.since_table += 1
    else:
        state.last_table = None


def _flush_caption(state: _Body) -> None:
    if state.pending_caption is not None:
        # A caption with no rows after it is just text (on its own page).
        state.emit(state.pending_caption, "paragraph")
        state.pending_caption = None


def _body_blocks(lines: Sequence[LogicalLine], state: _Body, last_page: int | None) -> None:
    for i, line in enumerate(lines):
        text = line.text
        if i == 0 and (name := match_intro_marker(text)):
            state.intro_title = name
            state.emit(line, "heading")
            continue
        if line.is_table_row:
            state.point = state.point if state.sticky_point else None
            _table_row(state, line)
            continue
        if match_english_caption(text):
            # 「Tab.1 …」 under the caption joins it; alone it stands for a lost caption.
            state.table = None
            if state.pending_caption is not None:
                pending = state.pending_caption
                state.pending_caption = replace(pending, text=f"{pending.text}\n{text}")
            else:
                state.pending_caption = line
            continue
        state.table = None
        _after_table(state, line)
        _flush_caption(state)
        accepted = _accept_heading(state, line, i)
        if accepted is not None:
            _open_section(state, line, *accepted, plain=i in state.outline.plain)
            continue
        back = match_back_matter(text) if state.mode != "intro" else None
        if back is not None:
            state.mode, state.back_title, state.point = "back", back, None
            if line.page_start is None:
                state.page_range = (last_page, last_page)
            bare = norm(text).rstrip(":：") == back
            state.emit(line, "heading" if bare else "paragraph")
            continue
        caption = match_caption(text)
        if caption is not None and caption.kind == "table":
            state.pending_caption = line
            continue
        if state.mode == "body":
            point = match_point(text)
            if point is not None:
                state.point = point.text
                state.sticky_point = point.label.startswith("第")
            elif not state.sticky_point:
                state.point = None
        state.emit(line, "paragraph")
        if state.point is not None and not state.sticky_point:
            state.point = None  # 一是… points cover their own paragraph only


# ---------------------------------------------------------------------- entry points


def _first_body_heading(
    lines: Sequence[LogicalLine], markup: bool, title: str, outline: Outline
) -> int:
    """Index of the line that opens the body when there is no 目录."""
    first_decimal = min(outline.decimal, default=len(lines))
    largest = 0.0  # the largest type so far: the title's, on a cover
    for i, line in enumerate(lines):
        text = line.text
        if i >= first_decimal:
            return first_decimal
        if opens_abstract(text):
            continue
        if markup:
            if line.heading_level is not None and norm(text) != norm(title) and i > 0:
                return i
        elif not line.is_table_row:
            heading = match_heading(text)
            if (
                heading is not None
                and heading.level in (LEVEL_CHAPTER, LEVEL_TOP)
                and heading.number in (None, 1)
            ) or (i > 0 and match_intro_marker(text)):
                return i
            if i in outline.plain and line.size < largest and _opens_text(lines, i):
                return i  # an unnumbered heading under a larger title, then prose
        largest = max(largest, line.size)
    return len(lines)


def _opens_text(lines: Sequence[LogicalLine], i: int) -> bool:
    """Is line i followed by a paragraph of running text (so it heads a section)?"""
    if i + 1 >= len(lines):
        return False
    after = lines[i + 1]
    return not after.prominent and len(after.text) >= 15 and _RUNNING.search(after.text) is not None


def _merge_meta(parsed: ReportMeta, hint: ReportMeta | None) -> ReportMeta:
    if hint is None:
        return parsed
    return ReportMeta(
        title=hint.title or parsed.title,
        source=parsed.source,
        series=hint.series or parsed.series,
        publisher=hint.publisher or parsed.publisher,
        authors=hint.authors or parsed.authors,
        date=hint.date or parsed.date,
    )


def _toc_lookup(toc: Sequence[TocEntry]) -> Callable[[str], bool] | None:
    if not toc:
        return None
    return lambda text: _toc_index(text, toc, 0) is not None


def parse_lines(
    lines: Sequence[Line],
    source: str,
    meta_hint: ReportMeta | None = None,
    *,
    page_kind: str | None = None,
    paragraphs: bool = False,
) -> ParsedReport:
    """Parse a report given as lines (any format) into meta, TOC and blocks.

    `meta_hint` fields that are non-empty override what is parsed from the text.
    When lines carry pages (PDF, TXT with form feeds) every block takes the pages its
    text sits on and `page_kind` (default "physical") is recorded; otherwise pages come
    from the table of contents. `paragraphs` says the reader already joined wrapped
    lines from the layout (PDF): the text heuristic then only joins a paragraph cut at
    the foot of a page that the layout did not join.
    """
    logical = join_page_breaks(lines, across_pages_only=paragraphs)
    markup = any(line.heading_level is not None for line in logical)
    has_pages = any(line.page_start is not None for line in logical)

    toc_start, toc_end, toc = _find_toc(logical)
    if toc_start >= 0:
        front_lines, toc_lines, body_lines = (
            logical[:toc_start],
            logical[toc_start:toc_end],
            logical[toc_end:],
        )
    else:
        hint_title = meta_hint.title if meta_hint else ""
        outline = Outline() if markup else plan_outline(logical)
        stop = _first_body_heading(logical, markup, hint_title, outline)
        keywords_end = keywords_block_end(logical, stop) if not markup else None
        k = keywords_end if keywords_end is not None else stop
        front_lines, toc_lines, body_lines = logical[:k], [], logical[k:]

    front = Front()
    blocks = front_blocks(front_lines, front)
    meta = _merge_meta(front_meta(front, logical, source), meta_hint)
    facts = front_facts([ln.text for ln in front_lines], front.author_lines)
    meta = replace(meta, facts=facts)

    if toc_lines:
        toc_text = "\n".join(line.text for line in toc_lines)
        first, last = toc_lines[0].page_start, toc_lines[-1].page_end
        blocks.append(Block(toc_text, (TOC_TITLE,), first, last, kind="front_matter"))

    state = _Body(toc=toc, markup=markup)
    state.toc_levels = {h.level for e in toc if (h := match_heading(e.heading)) is not None}
    if toc and not has_pages:
        state.page_range = (toc[0].page, toc[0].page)
    last_page = max((e.page for e in toc), default=None)
    if markup:
        # Markup docs: the report title heading is front matter, not a section.
        body_lines = [
            ln
            for ln in body_lines
            if not (ln.heading_level is not None and norm(ln.text) == norm(meta.title))
        ]
    else:
        state.outline = plan_outline(body_lines, _toc_lookup(toc))
    _body_blocks(body_lines, state, last_page)
    blocks.extend(state.blocks)

    positioned = tuple(replace(b, position=i) for i, b in enumerate(blocks))
    kind = page_kind or ("physical" if has_pages else "toc")
    return ParsedReport(meta=meta, toc=tuple(toc), blocks=positioned, page_kind=kind)


def parse_text(text: str, source: str, sidecar: Mapping[str, Any] | None = None) -> ParsedReport:
    """Parse a plain-text report; `sidecar` (see `load_sidecar`) overrides parsed meta."""
    hint = meta_from_sidecar(sidecar, source) if sidecar else None
    return parse_lines(text_to_lines(text), source, hint)
