"""PDF → `list[Line]` with true page numbers, then `parse_lines`.

Library: pdfplumber (pdfminer.six underneath), chosen by `python -m evals.pdf_libs`
(see docs/FORMATS.md): it is as accurate as pypdf on running CJK text and it is the
only one of the three that gives character positions *and* ruled-table detection,
which the table rows and header/footer stripping below need. pypdf is used only for
the printed page labels (`/PageLabels`), which pdfplumber does not expose.

Steps:
1. per page: ruled tables (`find_tables`) become table rows; the characters inside a
   table's box are removed from the text so the table is not repeated as paragraphs;
2. text lines outside tables, with their geometry (x0, x1, top, font size, bold font);
3. running headers/footers (lines at the top/bottom of most pages that are equal once
   digits are normalised) and lone page numbers (「- 3 -」「3」「第 3 页」) are dropped;
4. wrapped lines are joined into paragraphs without spaces between CJK characters, and
   a paragraph cut by a page break is continued on the next page: it becomes one `Line`
   that records where the next page starts in its text, so every sentence keeps its page;
5. each paragraph's font size is given relative to the body text of its page (a page set
   smaller as a whole keeps its headings larger than its text), and bold where the body
   is not: the parser reads titles and headings from that.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest import headings as h
from ingest.cues import author_names
from ingest.parse import Line, parse_lines
from rag.table_cells import is_pipe_row, join_row_parts, merged_cell_count, row_cells
from rag.types import ParsedReport, ReportMeta

from .common import FormatError, join_wrapped, spaces_around_latin

# Lines that are only a page number, in the forms Chinese reports print them.
_PAGE_NUMBER = re.compile(
    r"^(?:[-–—－\s]*\d{1,4}[-–—－\s]*"
    r"|第\s*\d{1,4}\s*页(?:\s*[/，,]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|[-–—\s]*[ivxlcIVXLC]{1,6}[-–—\s]*"
    r"|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$",
    re.IGNORECASE,
)
# A paragraph ends after these (the brief's 。！？：; plus their ASCII forms).
_PARA_FINAL = "。！？：；!?:;…"
# Header/footer candidates live in this fraction of the page height at top and bottom.
_EDGE_ZONE = 0.12
# How many lines at each edge may be running headers/footers.
_EDGE_LINES = 2


@dataclass
class _TextLine:
    text: str
    page: int  # physical index, 0-based
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    is_table_row: bool = False
    cells: tuple[str, ...] = ()
    bold: bool = False


@dataclass
class _Page:
    index: int
    width: float
    height: float
    items: list[_TextLine] = field(default_factory=list)


def page_numbers(path: Path, n_pages: int) -> tuple[list[int | None], str]:
    """Printed page number of each physical page, and the page kind ("label"/"physical").

    With `/PageLabels`, arabic labels become ints and other labels (i, ii, 封面) None:
    roman front matter is the convention for unnumbered front matter. Without labels,
    or when no label is a number, pages are numbered physically from 1.
    """
    from pypdf import PdfReader  # loaded only when a PDF is read

    try:
        reader = PdfReader(str(path))
        root: Any = reader.trailer["/Root"]
        has_labels = "/PageLabels" in root
        labels = list(reader.page_labels) if has_labels else []
    except Exception:  # labels are an optional refinement; text extraction decides errors
        labels = []
    if len(labels) == n_pages:
        nums: list[int | None] = [int(lb) if lb.strip().isdigit() else None for lb in labels]
        if any(n is not None for n in nums):
            return nums, "label"
    return list(range(1, n_pages + 1)), "physical"


def _meta_hint(pdf: Any, source: str) -> ReportMeta:
    info = pdf.metadata or {}
    stem = Path(source).stem

    def text(key: str) -> str:
        value = info.get(key, "")
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        value = str(value).strip()
        # producers' placeholders and file names are not bibliographic facts
        if value.lower() in {"untitled", "anonymous", "unknown", "unspecified", "administrator"}:
            return ""
        if re.fullmatch(r"(?i)(document|slide|presentation|无标题|未命名)\s*\d*", value):
            return ""
        if re.match(r"(?i)^microsoft (word|powerpoint) - ", value) or re.search(
            r"(?i)\.(docx?|pdf|txt|wps|pptx?)$", value
        ):
            return ""
        # a file name or an identifier (「report_2022」) is not a title
        if value == stem or (not _HAN.search(value) and re.fullmatch(r"[\w.\-]+", value)):
            return ""
        return value

    authors = tuple(a.strip() for a in re.split(r"[;；,，、]", text("Author")) if a.strip())
    # CreationDate is when the file was written, not the report's date: not used.
    return ReportMeta(title=text("Title"), source=source, authors=authors)


def _inside(obj: dict[str, Any], boxes: Sequence[tuple[float, float, float, float]]) -> bool:
    cx = (obj["x0"] + obj["x1"]) / 2
    cy = (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _clean_cell(cell: str | None) -> str:
    if not cell:
        return ""
    return join_wrapped([part.strip() for part in cell.split("\n")])


def _read_page(page: Any, index: int) -> _Page:
    out = _Page(index=index, width=float(page.width), height=float(page.height))
    boxes: list[tuple[float, float, float, float]] = []
    for table in page.find_tables():
        rows = table.extract()
        ncols = max((len(r) for r in rows), default=0)
        if len(rows) < 1 or ncols < 2:
            continue  # a single boxed cell is a text frame, not a table
        boxes.append(tuple(table.bbox))
        row_tops = [r.bbox[1] for r in table.rows]
        for k, row in enumerate(rows):
            cells = tuple(_clean_cell(c) for c in row)
            if not any(cells):
                continue
            top = row_tops[k] if k < len(row_tops) else table.bbox[1]
            out.items.append(
                _TextLine(
                    text="\t".join(cells),
                    page=index,
                    x0=table.bbox[0],
                    x1=table.bbox[2],
                    top=top,
                    bottom=top,
                    size=0.0,
                    is_table_row=True,
                    cells=cells,
                )
            )
    text_page = page.filter(lambda o: not (boxes and _inside(o, boxes))) if boxes else page
    for ln in text_page.extract_text_lines(return_chars=True, strip=True):
        text = _despace(ln["text"])
        if not text:
            continue
        chars = ln.get("chars", [])
        sizes = [c.get("size", 0.0) for c in chars] or [0.0]
        bold = sum(1 for c in chars if _BOLD_FONT.search(str(c.get("fontname", ""))))
        out.items.append(
            _TextLine(
                text=text,
                page=index,
                x0=float(ln["x0"]),
                x1=float(ln["x1"]),
                top=float(ln["top"]),
                bottom=float(ln["bottom"]),
                size=float(Counter(round(s, 1) for s in sizes).most_common(1)[0][0]),
                bold=bool(chars) and 2 * bold > len(chars),
            )
        )
    out.items.sort(key=lambda it: (round(it.top, 1), it.x0))
    return out


_CJK = "\u3400-\u9fff\u3000-\u303f\uff00-\uffef“”‘’《》"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])[ \u3000]+(?=[{_CJK}])")
_HAN = re.compile(r"[\u3400-\u9fff]")
# Font names of bold faces, and of the black (黑体) faces Chinese headings are set in.
_BOLD_FONT = re.compile(r"(?i)bold|black|heavy|semibold|demi|hei(?:ti)?\b|simhei|黑")
# Body text is prose: a line of it has a comma or a full stop.
_PROSE = re.compile(r"[，。；、,.]")


def _despace(text: str) -> str:
    # Gap-based space insertion can put spaces between CJK characters (justified or
    # letter-spaced lines); Chinese never has them, while "2024 年" keeps its spaces.
    # An author line keeps the spaces between its names (「许丽 王玥 姚驰远」).
    stripped = text.strip()
    if author_names(stripped) is not None:
        return re.sub(r"[ \u3000]+", " ", stripped)
    return _CJK_GAP.sub("", stripped)


def _norm(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _strip_running(pages: list[_Page]) -> None:
    """Drop running headers/footers and lone page numbers from the page edges."""

    def edges(p: _Page) -> list[tuple[str, _TextLine]]:
        text_items = [it for it in p.items if not it.is_table_row]
        top = [("top", it) for it in text_items[:_EDGE_LINES] if it.top < p.height * _EDGE_ZONE]
        bottom = [
            ("bottom", it)
            for it in text_items[-_EDGE_LINES:]
            if it.bottom > p.height * (1 - _EDGE_ZONE)
        ]
        return top + bottom

    counts: Counter[tuple[str, str]] = Counter()
    for p in pages:
        counts.update({(where, _norm(it.text)) for where, it in edges(p)})
    # Repeating on at least half of the pages (and on 2+) is a running header/footer.
    threshold = max(2, (len(pages) + 1) // 2)
    for p in pages:
        drop = {
            id(it)
            for where, it in edges(p)
            if _PAGE_NUMBER.match(it.text.strip()) or counts[(where, _norm(it.text))] >= threshold
        }
        p.items = [it for it in p.items if id(it) not in drop]


def _is_structural(text: str, opening: bool = True) -> bool:
    """A heading/caption/TOC line; with `opening`, also lines that open a paragraph
    (第一，… / 一是… points, 致谢/版权公告 back matter, 摘要) but need not end one."""
    return bool(
        h.match_heading(text)
        or h.match_caption(text)
        or h.match_english_caption(text)
        or h.is_toc_line(text)
        or h.is_toc_marker(text)
        or (
            opening
            and (h.match_point(text) or h.match_back_matter(text) or h.match_abstract_marker(text))
        )
    )


@dataclass
class _Para:
    lines: list[_TextLine]
    row: bool = False  # a " | " table row (wrapped lines joined)

    def text(self, mixed_space: bool) -> str:
        return join_wrapped([ln.text for ln in self.lines], mixed_space)


@dataclass(frozen=True)
class _Geometry:
    left: float  # body text left edge
    right: float  # body text right edge (a full line reaches it)
    pitch: float  # typical baseline-to-baseline distance
    indents: bool  # paragraphs open with a first-line indent


def _layout(pages: list[_Page]) -> _Geometry:
    """Body text left/right edge, typical line pitch and indent habit of the document."""
    body = [it for p in pages for it in p.items if not it.is_table_row]
    if not body:
        return _Geometry(0.0, 0.0, 0.0, False)
    left = float(Counter(round(it.x0) for it in body).most_common(1)[0][0])
    rights = sorted(it.x1 for it in body)
    right = rights[int(len(rights) * 0.9)]
    pitches = Counter(
        round(b.top - a.top)
        for p in pages
        for a, b in itertools.pairwise(p.items)
        if not a.is_table_row and not b.is_table_row and b.top > a.top
    )
    pitch = float(pitches.most_common(1)[0][0]) if pitches else 0.0
    indented = sum(
        1 for it in body if left + 1.5 * it.size <= it.x0 <= left + 2.6 * it.size and it.size
    )
    return _Geometry(left, right, pitch, indented >= max(3, len(body) // 20))


def _continues(a: _TextLine, b: _TextLine, g: _Geometry) -> bool:
    """Does line `b` continue the paragraph that line `a` ends so far?"""
    if a.is_table_row or b.is_table_row:
        return False
    size = max(a.size, b.size, 1.0)
    if _is_structural(b.text):
        return False
    if _is_structural(a.text, opening=False):
        # A heading (or a line that starts like one) running to the right margin wraps
        # onto the next line of its size: 「1.3.4.1 …期限错配风」「险增加」.
        return (
            h.match_heading(a.text) is not None
            and a.page == b.page
            and abs(a.size - b.size) <= 0.3
            and a.x1 >= g.right - 2 * size
            and b.x0 <= g.left + 1.5 * size
            and not (g.pitch and (b.top - a.top) > g.pitch * 1.45)
        )
    if abs(a.size - b.size) > 0.6:  # a heading or a caption in another size
        return False
    if a.x1 < g.right - 2 * size:  # a short line ends its paragraph
        return False
    if b.x0 > g.left + 1.5 * size:  # first-line indent opens a new paragraph
        return False
    if a.page == b.page and g.pitch and (b.top - a.top) > g.pitch * 1.45:  # blank-ish gap
        return False
    if a.text[-1] in _PARA_FINAL:
        # A full line ending in 。 followed by an unindented line is a sentence that
        # happened to end at the margin, when the document marks paragraphs by indent.
        return g.indents
    return True


def extract_lines(path: Path) -> tuple[list[Line], ReportMeta, str]:
    """Read a PDF into paragraph/table-row Lines with printed page numbers.

    Returns the lines, a ReportMeta hint (title/authors from the document info) and the
    page kind ("label" or "physical"). Raises FormatError (a ReadError) for empty,
    corrupt, encrypted or text-less (scanned) PDFs.
    """
    import pdfplumber  # pdfminer.six underneath (~0.1 s): loaded only when a PDF is read

    if path.stat().st_size == 0:
        raise FormatError(path, "PDF 文件为空", "empty PDF file")
    pages: list[_Page] = []
    try:
        with pdfplumber.open(str(path)) as pdf:
            meta = _meta_hint(pdf, path.name)
            for i, page in enumerate(pdf.pages):
                pages.append(_read_page(page, i))
    except FormatError:
        raise
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        name = type(exc).__name__
        # pdfplumber wraps pdfminer's PDFPasswordIncorrect in a PdfminerException.
        causes = f"{exc!r} {exc.__cause__!r} {exc.__context__!r}".lower()
        if "password" in causes or "encrypt" in causes:
            raise FormatError(path, "PDF 文件已加密，无法读取", "encrypted PDF") from exc
        raise FormatError(
            path, "无法解析 PDF 文件，文件可能已损坏", f"cannot parse PDF: {name}"
        ) from exc
    if not any(p.items for p in pages):
        raise FormatError(
            path, "PDF 中没有可提取的文字（可能是扫描件，需要先做 OCR）", "no text layer"
        )
    numbers, kind = page_numbers(path, len(pages))
    _strip_running(pages)
    geometry = _layout(pages)

    paras = _paragraphs([it for p in pages for it in p.items], geometry)

    mixed_space = spaces_around_latin([it.text for p in pages for it in p.items])
    body_sizes = _body_sizes(pages)
    body_bold = _mostly_bold(pages)
    lines: list[Line] = []
    for para in paras:
        first = para.lines[0]
        if first.is_table_row:
            lines.append(Line(first.text, page=numbers[first.page], is_table_row=True))
            continue
        text, breaks = _paragraph_text(para.lines, numbers, mixed_space, row=para.row)
        body = body_sizes[first.page]
        lines.append(
            Line(
                text,
                page=numbers[first.page],
                is_table_row=para.row,
                page_breaks=breaks,
                size=round(first.size / body, 3) if body and first.size else 0.0,
                bold=first.bold and not body_bold,
            )
        )
    return lines, meta, kind


def _paragraphs(items: Sequence[_TextLine], g: _Geometry) -> list[_Para]:
    """The document's lines grouped into paragraphs, ruled-table rows and " | " rows."""
    paras: list[_Para] = []
    prev: _TextLine | None = None
    i = 0
    while i < len(items):
        it = items[i]
        if not it.is_table_row and is_pipe_row(it.text):
            end = _pipe_run_end(items, i, g)
            paras.extend(_pipe_rows(items[i:end], g))
            prev, i = None, end
            continue
        if prev is not None and paras and _continues(prev, it, g):
            paras[-1].lines.append(it)
        else:
            paras.append(_Para([it]))
        prev, i = it, i + 1
    return paras


def _wraps(line: _TextLine, g: _Geometry) -> bool:
    """Does the line run to the right margin (so its text may go on in the next line)?"""
    return line.x1 >= g.right - 2 * max(line.size, 1.0)


def _near(a: _TextLine, b: _TextLine, g: _Geometry) -> bool:
    """Line b sits right under line a in the same type (or opens the next page)."""
    if abs(a.size - b.size) > 0.6:
        return False
    return a.page != b.page or not g.pitch or (b.top - a.top) <= g.pitch * 1.45


def _pipe_run_end(items: Sequence[_TextLine], start: int, g: _Geometry) -> int:
    """The end of the run of " | " rows (and their wrapped lines) starting at `start`.

    A line without bars belongs to the run only as the rest of a row wrapped at the
    right margin: not a heading or caption, not a note (「资料来源：…」), not indented.
    """
    j = start + 1
    while j < len(items):
        a, b = items[j - 1], items[j]
        if b.is_table_row or not _near(a, b, g):
            break
        if is_pipe_row(b.text):
            j += 1
            continue
        wrapped_rest = (
            _wraps(a, g)
            and b.x0 <= g.left + 1.5 * max(b.size, 1.0)
            and not _is_structural(b.text)
            and not h.is_table_note(b.text)
        )
        if not wrapped_rest:
            break
        j += 1
    return j


def _pipe_rows(run: Sequence[_TextLine], g: _Geometry) -> list[_Para]:
    """A run of " | " lines as rows: a line that ran to the margin is continued by the next
    one, unless that would give the row more cells than the table's unwrapped rows have,
    or the row is already whole and the next line opens a whole row of its own (its first
    cell wrapped before any bar) — so a row never swallows the next one."""
    whole = [len(row_cells(ln.text)) for ln in run if is_pipe_row(ln.text) and not _wraps(ln, g)]
    columns = max(whole or [len(row_cells(ln.text)) for ln in run])
    rows: list[_Para] = []
    for i, ln in enumerate(run):
        if rows and _wraps(rows[-1].lines[-1], g):
            so_far = join_row_parts([part.text for part in rows[-1].lines])
            complete = len(row_cells(so_far)) == columns and row_cells(so_far)[-1] != ""
            opens_row = complete and _wraps(ln, g) and _row_from(run, i, g, columns) == columns
            if merged_cell_count(so_far, ln.text) <= columns and not opens_row:
                rows[-1].lines.append(ln)
                continue
        rows.append(_Para([ln], row=True))
    return rows


def _row_from(run: Sequence[_TextLine], start: int, g: _Geometry, columns: int) -> int:
    """How many cells the row opening at `start` has once its wrapped lines are joined."""
    text = run[start].text
    k = start
    while k + 1 < len(run) and _wraps(run[k], g):
        if merged_cell_count(text, run[k + 1].text) > columns:
            break
        text = join_row_parts([text, run[k + 1].text])
        k += 1
    return len(row_cells(text))


def _paragraph_text(
    lines: Sequence[_TextLine],
    numbers: Sequence[int | None],
    mixed_space: bool,
    row: bool = False,
) -> tuple[str, tuple[tuple[int, int | None], ...]]:
    """The paragraph's text (a " | " row's with its bars spaced) and, for each later page
    it runs onto, where that page starts."""

    def join(left: str, right: str) -> str:
        return join_wrapped([left, right], mixed_space)

    text = ""
    breaks: list[tuple[int, int | None]] = []
    page = lines[0].page
    for ln in lines:
        part = ln.text.strip()
        if not part:
            continue
        text = (join_row_parts([text, part], join) if row else join(text, part)) if text else part
        if ln.page != page:
            breaks.append((len(text) - len(part), numbers[ln.page]))
            page = ln.page
    return text, tuple(breaks)


def _body_sizes(pages: Sequence[_Page]) -> list[float]:
    """The font size of each page's body text: the size most prose characters have.

    Pages are sometimes set smaller as a whole, and tables and notes are smaller than
    the text, so sizes are compared with the page's own prose, not the document's.
    """

    def prose_mode(items: Sequence[_TextLine]) -> float:
        weights: Counter[float] = Counter()
        for it in items:
            if not it.is_table_row and it.size and len(it.text) >= 15 and _PROSE.search(it.text):
                weights[it.size] += len(it.text)
        return weights.most_common(1)[0][0] if weights else 0.0

    overall = prose_mode([it for p in pages for it in p.items])
    if not overall:
        sizes = Counter(it.size for p in pages for it in p.items if it.size)
        overall = sizes.most_common(1)[0][0] if sizes else 0.0
    return [prose_mode(p.items) or overall for p in pages]


def _mostly_bold(pages: Sequence[_Page]) -> bool:
    """Is the body text itself bold? Then bold marks nothing."""
    bold = sum(len(it.text) for p in pages for it in p.items if it.bold and not it.is_table_row)
    total = sum(len(it.text) for p in pages for it in p.items if not it.is_table_row)
    return total > 0 and 2 * bold > total


def load_pdf(path: Path, source: str | None = None) -> ParsedReport:
    """Parse a PDF report into a ParsedReport with page_kind "label" or "physical"."""
    lines, meta, kind = extract_lines(path)
    return parse_lines(lines, source or path.name, meta, page_kind=kind, paragraphs=True)
