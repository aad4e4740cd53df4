"""DOCX → `list[Line]` (python-docx), then `parse_lines`.

Headings come from paragraph styles (Heading 1–9, 标题 1–9, or a style whose outline
level is set); numbered headings without a heading style (一、… in body text) are still
found by `parse_lines`' text patterns, and each paragraph carries its font size relative
to the body text and whether it is bold, so that a bold or larger line can be a heading
(and a small footnote cannot). Tables become rows with cells joined by "\\t".
Title / author / date come from the core properties.

Pages: a DOCX has no pages until Word lays it out, so pages are None (parse_lines then
uses the TOC's pages) unless the file records page breaks. When Word saved
`w:lastRenderedPageBreak` marks, those are the pages of its last layout and are used
alone (explicit breaks are among them); otherwise explicit breaks (`w:br w:type="page"`,
`w:pageBreakBefore`) are counted. Such pages are physical, counted from 1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from ingest.parse import Line, parse_lines
from rag.types import ParsedReport, ReportMeta

from .common import FormatError, join_wrapped

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
# Placeholders written by tools, not by authors.
_JUNK_AUTHORS = {"python-docx", "administrator", "user", "microsoft office user", "unknown"}


def _heading_level(paragraph: Any) -> int | None:
    style = paragraph.style
    while style is not None:
        m = _HEADING_STYLE.match((style.name or "").strip())
        if m:
            return int(m.group(1))
        style = style.base_style  # custom styles often inherit from Heading N
    p_pr = paragraph._p.pPr
    lvl = p_pr.find(f"{_W}outlineLvl") if p_pr is not None else None
    if lvl is not None:
        value = int(lvl.get(f"{_W}val", "9"))
        return value + 1 if value < 9 else None  # 9 means "body text"
    return None


def _is_title(paragraph: Any) -> bool:
    name = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
    return name in {"title", "标题"}


def _meta_hint(document: Any, source: str) -> ReportMeta:
    cp = document.core_properties
    title = (cp.title or "").strip()
    author = (cp.author or "").strip()
    authors: tuple[str, ...] = ()
    if author.lower() not in _JUNK_AUTHORS:
        authors = tuple(a.strip() for a in re.split(r"[;；,，、]", author) if a.strip())
    date = ""
    # python-docx's template carries a 2013 creation date: only trust a document
    # whose author or title was set by someone.
    if cp.created is not None and (title or authors):
        date = f"{cp.created.year}年{cp.created.month}月"
    return ReportMeta(title=title, source=source, authors=authors, date=date)


def _iter_block_items(document: Any) -> Iterator[Any]:
    """Paragraphs and tables of the body in document order."""
    # python-docx (with lxml) is loaded only when a DOCX file is read
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    body = document.element.body
    for child in body.iterchildren():
        if child.tag == f"{_W}p":
            yield Paragraph(child, document)
        elif child.tag == f"{_W}tbl":
            yield Table(child, document)


def _has_rendered_breaks(document: Any) -> bool:
    return bool(document.element.body.findall(f".//{_W}lastRenderedPageBreak"))


def _has_explicit_breaks(document: Any) -> bool:
    body = document.element.body
    return any(br.get(f"{_W}type") == "page" for br in body.iter(f"{_W}br")) or bool(
        body.findall(f".//{_W}pageBreakBefore")
    )


def _paragraph_pieces(p_elem: Any, rendered: bool) -> Iterator[str | None]:
    """The paragraph's text in order, with None wherever a page break falls."""
    if not rendered:
        p_pr = p_elem.find(f"{_W}pPr")
        pbb = p_pr.find(f"{_W}pageBreakBefore") if p_pr is not None else None
        if pbb is not None and pbb.get(f"{_W}val", "true") not in ("0", "false"):
            yield None
    for el in p_elem.iter():
        if el.tag == f"{_W}t":
            yield el.text or ""
        elif el.tag == f"{_W}tab":
            yield "\t"
        elif el.tag == f"{_W}br":
            kind = el.get(f"{_W}type")
            if kind == "page":
                if not rendered:
                    yield None
            elif kind in (None, "textWrapping"):
                yield "\n"
        elif el.tag == f"{_W}lastRenderedPageBreak" and rendered:
            yield None


def _style_value(style: Any, attr: str) -> Any:
    """A font attribute of a style, inherited through its base styles."""
    while style is not None:
        value = getattr(style.font, attr, None)
        if value is not None:
            return value
        style = style.base_style
    return None


def _paragraph_font(paragraph: Any) -> tuple[float, bool, int]:
    """(size in points or 0, bold, characters) of the paragraph's text, run by run."""
    style_size = _style_value(paragraph.style, "size")
    style_bold = _style_value(paragraph.style, "bold")
    sizes: dict[float, int] = {}
    bold_chars = total = 0
    for run in paragraph.runs:
        n = len(run.text.strip())
        if not n:
            continue
        total += n
        size = run.font.size or style_size
        bold = run.bold if run.bold is not None else style_bold
        if size is not None:
            sizes[size.pt] = sizes.get(size.pt, 0) + n
        if bold:
            bold_chars += n
    size_pt = max(sizes, key=lambda k: sizes[k]) if sizes else 0.0
    return size_pt, total > 0 and 2 * bold_chars > total, total


def _cell_text(cell: Any) -> str:
    return join_wrapped([p.text for p in cell.paragraphs])


def extract_lines(path: Path) -> tuple[list[Line], ReportMeta, bool]:
    """Read a DOCX into Lines; also return the meta hint and whether pages are known."""
    import docx  # python-docx (with lxml): loaded only when a DOCX file is read

    if path.stat().st_size == 0:
        raise FormatError(path, "DOCX 文件为空", "empty DOCX file")
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # zipfile / KeyError / lxml errors for broken packages
        raise FormatError(
            path, "无法打开 DOCX 文件，文件可能已损坏或不是 Word 文档", type(exc).__name__
        ) from exc

    from docx.table import Table  # as above

    meta = _meta_hint(document, path.name)
    rendered = _has_rendered_breaks(document)
    paged = rendered or _has_explicit_breaks(document)
    page = 1
    lines: list[Line] = []
    fonts: list[tuple[float, bool, int]] = []  # per Line: size, bold, characters
    title = ""
    for item in _iter_block_items(document):
        if isinstance(item, Table):
            for row in item.rows:
                cells: list[str] = []
                seen: set[int] = set()
                for cell in row.cells:
                    # a merged cell is returned once per grid column it spans
                    cells.append("" if id(cell._tc) in seen else _cell_text(cell))
                    seen.add(id(cell._tc))
                if any(cells):
                    lines.append(
                        Line("\t".join(cells), page=page if paged else None, is_table_row=True)
                    )
                    fonts.append((0.0, False, 0))
            continue
        level = _heading_level(item)
        font = _paragraph_font(item)
        if _is_title(item) and not title:
            title = item.text.strip()
        # split the paragraph at page breaks; parse_lines rejoins a paragraph cut by one
        fragments: list[tuple[int, list[str]]] = [(page, [])]
        for piece in _paragraph_pieces(item._p, rendered):
            if piece is None:
                page += 1
                fragments.append((page, []))
            else:
                fragments[-1][1].append(piece)
        for frag_page, parts in fragments:
            text = join_wrapped("".join(parts).split("\n")).strip()
            if text:
                lines.append(Line(text, page=frag_page if paged else None, heading_level=level))
                fonts.append(font)
    if not lines:
        raise FormatError(path, "DOCX 文件中没有文字", "no text in DOCX")
    lines = _with_typography(lines, fonts, _default_size(document))
    if not meta.title and title:
        meta = ReportMeta(title=title, source=meta.source, authors=meta.authors, date=meta.date)
    return lines, meta, paged


def _default_size(document: Any) -> float:
    """The document's default run size in points (w:docDefaults), 0 when unset."""
    defaults = document.styles.element.find(f"{_W}docDefaults")
    size = defaults.find(f"{_W}rPrDefault/{_W}rPr/{_W}sz") if defaults is not None else None
    try:
        return int(size.get(f"{_W}val")) / 2 if size is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


def _with_typography(
    lines: list[Line], fonts: list[tuple[float, bool, int]], default_size: float
) -> list[Line]:
    """Give each paragraph its size relative to the body text, and bold where the body
    is not (a document set all in bold marks nothing by it). A run without a size of its
    own or of its style has the document's default size; with no default either, sizes
    are not compared at all (only the headings may have been sized)."""
    weights: dict[float, int] = {}
    bold_chars = total = unsized = 0
    for line, (size, bold, chars) in zip(lines, fonts, strict=True):
        if line.is_table_row or line.heading_level is not None:
            continue
        total += chars
        bold_chars += chars if bold else 0
        size = size or default_size
        if size:
            weights[size] = weights.get(size, 0) + chars
        else:
            unsized += chars
    body = max(weights, key=lambda k: weights[k]) if weights else 0.0
    if unsized > weights.get(body, 0):
        body = 0.0
    body_bold = total > 0 and 2 * bold_chars > total
    out = []
    for line, (size, bold, _) in zip(lines, fonts, strict=True):
        if line.is_table_row or line.heading_level is not None:
            out.append(line)
            continue
        size = size or default_size
        relative = round(size / body, 3) if body and size else 0.0
        out.append(replace(line, size=relative, bold=bold and not body_bold))
    return out


def load_docx(path: Path, source: str | None = None) -> ParsedReport:
    """Parse a DOCX report; pages only when the file records page breaks (see module doc)."""
    lines, meta, paged = extract_lines(path)
    return parse_lines(lines, source or path.name, meta, page_kind="physical" if paged else None)
