"""Structure parsing: lines of a report → `ParsedReport` (meta, TOC, blocks).

The core, `parse_lines`, works on `Line`s so that every format can reuse it:
plain text gives one `Line` per text line, PDF parsers add the true page, DOCX /
HTML / Markdown parsers mark headings and table rows from their markup.

What it recognises, in reading order:

* front matter before the table of contents (cover, series blurb, title, 摘要,
  负责人/执笔人, the series list), page None;
* the table of contents (heading + tab / dot leaders + page number);
* the introduction between the TOC and the first section, path ("引言",);
* numbered sections and their points (第一，… / 一是…), whose path element is
  the point's lead clause;
* tables: a caption (表 1 …) then tab-separated rows, the first being the
  header; and caption-less grids whose category lines ("一、保障范围\\t\\t")
  head groups of rows;
* trailing matter (致谢, 版权公告, 参考文献…) as its own path.

Text extracted from PDFs breaks paragraphs at page ends ("…在\\n\\n推动…");
`join_page_breaks` glues such fragments back together before anything else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from ingest.headings import (
    LEVEL_CHAPTER,
    LEVEL_TOP,
    Heading,
    ends_sentence,
    is_toc_marker,
    match_abstract_marker,
    match_back_matter,
    match_caption,
    match_heading,
    match_intro_marker,
    match_point,
    match_toc_entry,
)
from ingest.readers import ReadError
from rag.types import Block, ParsedReport, ReportMeta, TocEntry

INTRO_TITLE = "引言"
ABSTRACT_TITLE = "摘要"
AUTHORS_TITLE = "作者"
TOC_TITLE = "目录"

# A page-break fragment is a line of running prose: long enough to have filled
# the last printed line of a page, and containing clause punctuation.
_MIN_FRAGMENT_CHARS = 20
_PROSE_PUNCT = re.compile(r"[，、；：。,;:]")
_ANY_PUNCT = re.compile(r"[，、；：。！？,.;:!?]")
_TITLE_LIKE_MAX = 50
_CJK = re.compile(r"[\u3400-\u9fff]")
_DATE_LINE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?$")
_DATE_ANY = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
_ISO_DATE = re.compile(r"^\d{4}[-./]\d{1,2}(?:[-./]\d{1,2})?$")
_SERIES = re.compile(r"(季报|月报|年报|周报|半年报|双月报|简报|快报|专报|蓝皮书|白皮书|系列报告)$")
_ORG = re.compile(
    r"(实验室|研究院|研究所|研究中心|科学院|大学|学院|协会|学会|委员会|银行|公司|集团|"
    r"基金会|智库|研究会|办公室|监督管理局|管理局|总局)$"
)
_TITLE_WORDS = re.compile(r"(报告|研究|分析|白皮书|蓝皮书|展望|综述|评估|调查|观察)")
_AUTHOR_MARKER = re.compile(r"^(?:本报告)?(执笔人?|作者|撰稿人?|课题组成员|课题组)\s*[:：]\s*(.*)$")
_LEAD_MARKER = re.compile(r"^(?:本报告)?(负责人|主持人|课题负责人)\s*[:：]\s*(.*)$")
_SERIES_LIST = re.compile(r"^【\s*(.+?)\s*】$")
_BULLET = re.compile(r"^[●•·▪■◆○◇*\-–]\s*(.+)$")
_CN_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z.'\- ]{1,40}$")
_COPYRIGHT = re.compile(r"(?:为|归)([^，。：；【】\s]{2,30}?)(?:版权)?所有")
_NAME_SPLIT = re.compile(r"[、，,；;/\s]+")


@dataclass(frozen=True)
class Line:
    """One line of a document as a format parser hands it over."""

    text: str
    page: int | None = None  # true page when the format knows it (PDF); None for TXT
    heading_level: int | None = None  # set when markup says it is a heading (DOCX/HTML/MD)
    is_table_row: bool = False  # cells joined by "\t"


@dataclass(frozen=True)
class LogicalLine:
    """A line after page-break joins: one paragraph, heading or table row."""

    text: str
    page_start: int | None = None
    page_end: int | None = None
    heading_level: int | None = None
    is_table_row: bool = False


# --------------------------------------------------------------------------- lines


def text_to_lines(text: str) -> list[Line]:
    """Split plain text into `Line`s: blank lines dropped, a tab marks a table row.

    Trailing whitespace (including the empty trailing cells of grid rows) and
    leading spaces are trimmed; leading tabs are kept because they are empty cells.
    """
    lines: list[Line] = []
    for raw in text.split("\n"):
        body = raw.rstrip().lstrip(" \u3000\ufeff")
        if body:
            lines.append(Line(text=body, is_table_row="\t" in raw))
    return lines


def _is_structural(line: LogicalLine | Line, text: str) -> bool:
    """Headings, captions, TOC lines and table rows: never part of a running paragraph.

    Points (第一，/ 一是) are not included: they open a paragraph, which may itself
    be cut by a page break, so they are checked only as the start of the next line.
    """
    return (
        line.is_table_row
        or line.heading_level is not None
        or is_toc_marker(text)
        or match_toc_entry(text) is not None
        or match_heading(text) is not None
        or match_caption(text) is not None
        or match_back_matter(text) is not None
        or match_abstract_marker(text)
    )


def _is_fragment(text: str) -> bool:
    """A paragraph cut off by a page break: prose that does not end a sentence."""
    return (
        len(text) >= _MIN_FRAGMENT_CHARS
        and not ends_sentence(text)
        and _PROSE_PUNCT.search(text) is not None
    )


def _is_title_like(text: str) -> bool:
    return len(text) <= _TITLE_LIKE_MAX and _ANY_PUNCT.search(text) is None


def _separator(left: str, right: str) -> str:
    # Chinese runs on without spaces; only two Latin words need one between them.
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return " "
    return ""


def join_page_breaks(lines: Sequence[Line]) -> list[LogicalLine]:
    """Join paragraphs that a page break cut mid-sentence.

    A paragraph is continued by the next one when it is running prose that does
    not end with sentence-final punctuation (。！？；：”」…) and neither it nor
    the next line is structural (heading, point, caption, TOC, table row) or a
    short title-like line.
    """
    out: list[LogicalLine] = []
    # The paragraph being built is kept as parts and joined once: re-concatenating a
    # growing string per continuation line would be quadratic on long documents.
    parts: list[str] = []
    has_punct = False
    open_fragment = False

    def close() -> None:
        if len(parts) > 1:
            last = out[-1]
            pieces = [parts[0]]
            for left, right in pairwise(parts):
                pieces += (_separator(left, right), right)
            text = "".join(pieces)
            out[-1] = LogicalLine(text, last.page_start, last.page_end, None, False)
        parts.clear()

    for line in lines:
        text = line.text
        structural = _is_structural(line, text)
        if (
            out
            and open_fragment
            and not structural
            and match_point(text) is None
            and not (_is_title_like(text) and not ends_sentence(text))
        ):
            prev = out[-1]
            end = line.page if line.page is not None else prev.page_end
            out[-1] = LogicalLine(prev.text, prev.page_start, end, None, False)
            parts.append(text)
            has_punct = has_punct or _PROSE_PUNCT.search(text) is not None
            open_fragment = not ends_sentence(text) and has_punct
            continue
        close()
        out.append(LogicalLine(text, line.page, line.page, line.heading_level, line.is_table_row))
        parts.append(text)
        has_punct = _PROSE_PUNCT.search(text) is not None
        open_fragment = not structural and _is_fragment(text)
    close()
    return out


def joined_text(text: str) -> str:
    """The report text as chunks quote it: page breaks joined, one line per paragraph.

    Every chunk's `text` is a substring of this, which is what citation checks rely on.
    """
    return "\n".join(line.text for line in join_page_breaks(text_to_lines(text)))


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
        authors = tuple(a for a in _NAME_SPLIT.split(authors_raw) if a)
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


# -------------------------------------------------------------------- front matter


@dataclass
class _Front:
    """Front-matter lines sorted into the areas a Chinese report's cover pages have."""

    cover: list[str] = field(default_factory=list)
    abstract_seen: bool = False
    author_lines: list[str] = field(default_factory=list)
    series_name: str = ""
    series_list: list[str] = field(default_factory=list)
    markup_titles: list[str] = field(default_factory=list)


def _front_state(text: str, state: str) -> str:
    if match_abstract_marker(text):
        return "abstract"
    if _AUTHOR_MARKER.match(text) or _LEAD_MARKER.match(text):
        return "authors"
    if _SERIES_LIST.match(text):
        return "series"
    return state


def _front_blocks(lines: Sequence[LogicalLine], front: _Front) -> list[Block]:
    """Blocks for the front matter; consecutive short lines of one area form one block."""
    paths = {"cover": (), "abstract": (ABSTRACT_TITLE,), "authors": (AUTHORS_TITLE,), "series": ()}
    blocks: list[Block] = []
    group: list[str] = []
    group_state = "cover"

    def flush() -> None:
        if group:
            blocks.append(
                Block("\n".join(group), paths[group_state], None, None, kind="front_matter")
            )
            group.clear()

    state = "cover"
    for line in lines:
        text = line.text
        new_state = _front_state(text, state)
        if new_state != state:
            flush()
            state = new_state
        group_state = state
        if state == "cover":
            if line.heading_level is not None:
                front.markup_titles.append(text)
            front.cover.append(text)
        elif state == "abstract":
            front.abstract_seen = True
        elif state == "authors":
            front.author_lines.append(text)
        elif state == "series":
            m = _SERIES_LIST.match(text)
            if m:
                front.series_name = m.group(1)
            else:
                front.series_list.append(text)
        if state == "abstract" and _is_title_like(text) and match_abstract_marker(text):
            # The bare 摘要 line is a heading, not content.
            flush()
            blocks.append(Block(text, paths[state], None, None, kind="heading"))
            continue
        if state in ("authors", "series") or (
            len(text) <= _TITLE_LIKE_MAX and not ends_sentence(text)
        ):
            group.append(text)
        else:
            flush()
            blocks.append(Block(text, paths[state], None, None, kind="front_matter"))
    flush()
    return blocks


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _is_name(text: str) -> bool:
    return bool(_CN_NAME.match(text) or _LATIN_NAME.match(text)) and not _ORG.search(text)


def _names_from(text: str) -> list[str]:
    return [n for n in _NAME_SPLIT.split(text.strip()) if n and _is_name(n)]


def _front_meta(front: _Front, all_lines: Sequence[LogicalLine], source: str) -> ReportMeta:
    cover = front.cover
    has_cjk = any(_CJK.search(t) for t in cover)

    def candidate(text: str) -> bool:
        return (
            4 <= len(text) <= _TITLE_LIKE_MAX
            and _is_title_like(text)
            and (_CJK.search(text) is not None or not has_cjk)
            and not _DATE_LINE.match(text)
            and not _SERIES.search(text)
            and not _ORG.search(text)
            and not _is_name(text)
            and ":" not in text
            and "：" not in text
        )

    # Title: the title-like line just before 摘要, else one that reads like a title.
    title = ""
    if front.markup_titles:
        title = front.markup_titles[0]
    elif front.abstract_seen and cover and candidate(cover[-1]):
        title = cover[-1]
    if not title:
        titled = [t for t in cover if candidate(t) and _TITLE_WORDS.search(t)]
        title = titled[0] if titled else ""
    if not title:
        title = Path(source).stem

    date = ""
    for text in cover:
        m = _DATE_LINE.match(text)
        if m or _ISO_DATE.match(text):
            date = _norm(text)
            break
    if not date:
        for text in cover:
            m = _DATE_ANY.search(text)
            if m and len(text) <= _TITLE_LIKE_MAX:
                date = _norm(m.group(0))
                break

    series = next((t for t in cover if _SERIES.search(t) and len(t) <= 30 and t != title), "")
    if not series and front.series_name:
        series = front.series_name
    listed = {_norm(t) for t in front.series_list}
    sub = next((t for t in cover if _norm(t) in listed and t != title), "")
    if series and sub:
        series = f"{series}·{sub}"
    elif sub:
        series = sub

    publisher = next(
        (t for t in cover if _ORG.search(t) and len(t) <= 30 and _CJK.search(t) and t != title),
        "",
    )
    if not publisher:
        for line in all_lines:
            m = _COPYRIGHT.search(line.text)
            if m:
                publisher = m.group(1)
                break

    authors = _authors(front.author_lines)
    if not authors:
        sub_or_series = {series, sub, title, publisher}
        authors = [t for t in cover if _CN_NAME.match(t) and t not in sub_or_series]
    return ReportMeta(
        title=title,
        source=source,
        series=series,
        publisher=publisher,
        authors=tuple(dict.fromkeys(authors)),
        date=date,
    )


def _authors(lines: Sequence[str]) -> list[str]:
    """Writers from the 执笔人 block (inline or bulleted), else the 负责人."""
    writers: list[str] = []
    leads: list[str] = []
    in_writers = False
    for text in lines:
        m = _AUTHOR_MARKER.match(text)
        if m:
            in_writers = True
            writers.extend(_names_from(m.group(2)))
            continue
        m = _LEAD_MARKER.match(text)
        if m:
            in_writers = False
            leads.extend(_names_from(m.group(2)))
            continue
        if in_writers:
            bullet = _BULLET.match(text)
            name = (bullet.group(1) if bullet else text).strip()
            if _is_name(name):
                writers.append(name)
    return writers or leads


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
    norm = _norm(text)
    for k in range(start, len(toc)):
        entry = _norm(toc[k].heading)
        if norm == entry or (min(len(norm), len(entry)) >= 6 and entry.startswith(norm)):
            return k
        if min(len(norm), len(entry)) >= 6 and norm.startswith(entry.rstrip("…")):
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


@dataclass
class _Body:
    """Mutable state of the body pass."""

    toc: Sequence[TocEntry]
    markup: bool
    stack: list[tuple[int, str]] = field(default_factory=list)
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
    pending_caption: str = ""
    blocks: list[Block] = field(default_factory=list)

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
        text: str | None = None,
        table_header: str = "",
        table_caption: str = "",
    ) -> None:
        pages = (line.page_start, line.page_end) if line.page_start is not None else self.page_range
        self.blocks.append(
            Block(
                text or line.text,
                self.path(),
                pages[0],
                pages[1],
                kind=kind,
                table_header=table_header,
                table_caption=table_caption,
            )
        )


def _accept_heading(state: _Body, line: LogicalLine) -> tuple[int, int | None] | None:
    """(level, toc index) when this line opens a section, else None."""
    text = line.text
    if state.markup:
        if line.heading_level is None:
            return None
        return line.heading_level, _toc_index(text, state.toc, state.toc_next)
    if line.is_table_row:
        return None
    heading: Heading | None = match_heading(text)
    if heading is None:
        return None
    k = _toc_index(text, state.toc, state.toc_next) if state.toc else None
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


def _open_section(state: _Body, line: LogicalLine, level: int, k: int | None) -> None:
    state.mode = "body"
    state.table = None
    state.point = None
    while state.stack and state.stack[-1][0] >= level:
        state.stack.pop()
    state.stack.append((level, line.text))
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
    if state.table is None:
        state.table = _Table(caption=state.pending_caption)
        state.pending_caption = ""
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
    state.emit(line, "table_row", table_header=header, table_caption=table.caption)
    if table.category is not None and table.group_first:
        table.group_header = f"{table.category} {text}"
        table.group_first = False


def _flush_caption(state: _Body, line: LogicalLine) -> None:
    if state.pending_caption:
        # A caption with no rows after it is just text.
        state.emit(line, "paragraph", text=state.pending_caption)
        state.pending_caption = ""


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
        state.table = None
        _flush_caption(state, line)
        accepted = _accept_heading(state, line)
        if accepted is not None:
            _open_section(state, line, *accepted)
            continue
        back = match_back_matter(text) if state.mode != "intro" else None
        if back is not None:
            state.mode, state.back_title, state.point = "back", back, None
            if line.page_start is None:
                state.page_range = (last_page, last_page)
            bare = _norm(text).rstrip(":：") == back
            state.emit(line, "heading" if bare else "paragraph")
            continue
        caption = match_caption(text)
        if caption is not None and caption.kind == "table":
            state.pending_caption = text
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


def _first_body_heading(lines: Sequence[LogicalLine], markup: bool, title: str) -> int:
    for i, line in enumerate(lines):
        text = line.text
        if match_abstract_marker(text):
            continue
        if markup:
            if line.heading_level is not None and _norm(text) != _norm(title) and i > 0:
                return i
        elif not line.is_table_row:
            heading = match_heading(text)
            if (
                heading is not None
                and heading.level in (LEVEL_CHAPTER, LEVEL_TOP)
                and heading.number in (None, 1)
            ):
                return i
    return len(lines)


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


def parse_lines(
    lines: Sequence[Line],
    source: str,
    meta_hint: ReportMeta | None = None,
    *,
    page_kind: str | None = None,
) -> ParsedReport:
    """Parse a report given as lines (any format) into meta, TOC and blocks.

    `meta_hint` fields that are non-empty override what is parsed from the text.
    When lines carry pages (PDF) blocks take those pages and `page_kind` (default
    "physical") is recorded; otherwise pages come from the table of contents.
    """
    logical = join_page_breaks(lines)
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
        k = _first_body_heading(logical, markup, hint_title)
        front_lines, toc_lines, body_lines = logical[:k], [], logical[k:]

    front = _Front()
    blocks = _front_blocks(front_lines, front)
    meta = _merge_meta(_front_meta(front, logical, source), meta_hint)

    if toc_lines:
        toc_text = "\n".join(line.text for line in toc_lines)
        blocks.append(Block(toc_text, (TOC_TITLE,), None, None, kind="front_matter"))

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
            if not (ln.heading_level is not None and _norm(ln.text) == _norm(meta.title))
        ]
    _body_blocks(body_lines, state, last_page)
    blocks.extend(state.blocks)

    positioned = tuple(
        Block(
            b.text,
            b.section_path,
            b.page_start,
            b.page_end,
            kind=b.kind,
            position=i,
            table_header=b.table_header,
            table_caption=b.table_caption,
        )
        for i, b in enumerate(blocks)
    )
    kind = page_kind or ("physical" if has_pages else "toc")
    return ParsedReport(meta=meta, toc=tuple(toc), blocks=positioned, page_kind=kind)


def parse_text(text: str, source: str, sidecar: Mapping[str, Any] | None = None) -> ParsedReport:
    """Parse a plain-text report; `sidecar` (see `load_sidecar`) overrides parsed meta."""
    hint = meta_from_sidecar(sidecar, source) if sidecar else None
    return parse_lines(text_to_lines(text), source, hint)
