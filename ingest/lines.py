"""Lines of a document as format parsers hand them over, and their page-break joins.

Every format turns its file into `Line`s: plain text gives one per text line, the PDF
reader one per paragraph with its true pages and font size, DOCX / HTML / Markdown
readers mark headings and table rows from their markup. `join_page_breaks` glues a
paragraph that a page break cut mid-sentence back together and remembers where in its
text each new page starts, so that a passage can be cited with the pages it really
sits on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from ingest.cues import is_affiliation, is_meta_line, opens_abstract
from ingest.headings import (
    ends_sentence,
    is_table_note,
    is_toc_marker,
    match_abstract_marker,
    match_back_matter,
    match_caption,
    match_english_caption,
    match_heading,
    match_point,
    match_toc_entry,
)
from rag.table_cells import is_pipe_row

# (offset into the text, page) for each page that starts inside a line's text.
PageBreaks = tuple[tuple[int, int | None], ...]

# A page-break fragment is a line of running prose: long enough to have filled
# the last printed line of a page, and containing clause punctuation.
_MIN_FRAGMENT_CHARS = 20
_PROSE_PUNCT = re.compile(r"[，、；：。,;:]")
_ANY_PUNCT = re.compile(r"[，、；：。！？,.;:!?]")
_CLAUSE_PUNCT = re.compile(r"[，；：。,;:]")
_TITLE_LIKE_MAX = 50


@dataclass(frozen=True)
class Line:
    """One line of a document as a format parser hands it over."""

    text: str
    page: int | None = None  # true page of the line's first character (PDF, TXT with \f)
    heading_level: int | None = None  # set when markup says it is a heading (DOCX/HTML/MD)
    is_table_row: bool = False  # cells joined by "\t" or " | " (rag.table_cells)
    page_breaks: PageBreaks = ()  # pages that start inside `text` (a paragraph over a break)
    size: float = 0.0  # font size relative to the body text of its page; 0 = unknown
    bold: bool = False  # the format says the whole line is bold (and body text is not)

    @property
    def last_page(self) -> int | None:
        """The page of the line's last character."""
        return self.page_breaks[-1][1] if self.page_breaks else self.page


@dataclass(frozen=True)
class LogicalLine:
    """A line after page-break joins: one paragraph, heading or table row."""

    text: str
    page_start: int | None = None
    page_end: int | None = None
    heading_level: int | None = None
    is_table_row: bool = False
    page_breaks: PageBreaks = ()
    size: float = 0.0
    bold: bool = False

    @property
    def prominent(self) -> bool:
        """Set in a larger size or in bold, where the format says so."""
        return self.size >= PROMINENT_SIZE or self.bold


# Headings in Chinese reports are set at least this much larger than the body text.
PROMINENT_SIZE = 1.05


def as_logical(line: Line) -> LogicalLine:
    """The line as a paragraph of its own (its reader already joined what belongs to it)."""
    return LogicalLine(
        line.text,
        line.page,
        line.last_page,
        line.heading_level,
        line.is_table_row,
        line.page_breaks,
        line.size,
        line.bold,
    )


def text_to_lines(text: str) -> list[Line]:
    """Split plain text into `Line`s: blank lines dropped, a tab or " | " marks a table row.

    Trailing whitespace (including the empty trailing cells of grid rows) and
    leading spaces are trimmed; leading tabs are kept because they are empty cells.
    A text with form feeds (\\f) is paged by them: page 1 until the first one.
    """
    paged = "\f" in text
    page = 1
    lines: list[Line] = []
    for raw in text.split("\n"):
        for k, segment in enumerate(raw.split("\f") if paged else (raw,)):
            if k:
                page += 1
            body = segment.rstrip().lstrip(" \u3000\ufeff")
            if body:
                lines.append(
                    Line(
                        text=body,
                        page=page if paged else None,
                        is_table_row="\t" in segment or is_pipe_row(body),
                    )
                )
    return lines


def is_structural(line: LogicalLine | Line, text: str) -> bool:
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
        or match_english_caption(text)
        or match_back_matter(text) is not None
        or match_abstract_marker(text)
        # front-matter lines of a paper stand on their own
        or opens_abstract(text)
        or is_meta_line(text)
        or is_affiliation(text)
    )


def _is_fragment(text: str) -> bool:
    """A paragraph cut off by a page break: prose that does not end a sentence."""
    return (
        len(text) >= _MIN_FRAGMENT_CHARS
        and not ends_sentence(text)
        and _PROSE_PUNCT.search(text) is not None
    )


def is_title_like(text: str) -> bool:
    """Short and without punctuation: a title, a name, a heading or a label."""
    return len(text) <= _TITLE_LIKE_MAX and _ANY_PUNCT.search(text) is None


def _separator(left: str, right: str) -> str:
    # Chinese runs on without spaces; only two Latin words need one between them.
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return " "
    return ""


def join_page_breaks(
    lines: Sequence[Line], *, across_pages_only: bool = False
) -> list[LogicalLine]:
    """Join paragraphs that a page break cut mid-sentence.

    A paragraph is continued by the next one when it is running prose that does
    not end with sentence-final punctuation (。！？；：”」…) and neither it nor
    the next line is structural (heading, point, caption, TOC, table row) or a
    short title-like line. The joined line records where each later page starts.
    With `across_pages_only` (lines that are already paragraphs, as a PDF reader
    gives them) only a paragraph at the foot of a page may be continued.

    A table or a figure that a PDF places inside a sentence (「…2019年8月22日…共和国总」,
    the table with its captions and notes, 「统颁布4422号令…」) is a float: the sentence
    is joined across it, on any page, and the float follows the joined paragraph; the
    joined line records where a later page starts, so a quote cites its own page.
    """
    out: list[LogicalLine] = []
    # The paragraph being built is kept as parts and joined once: re-concatenating a
    # growing string per continuation line would be quadratic on long documents.
    parts: list[str] = []
    breaks: list[tuple[int, int | None]] = []
    length = 0
    has_punct = False
    open_fragment = False

    def close() -> None:
        if len(parts) > 1:
            last = out[-1]
            pieces = [parts[0]]
            for left, right in pairwise(parts):
                pieces += (_separator(left, right), right)
            text = "".join(pieces)
            out[-1] = LogicalLine(
                text,
                last.page_start,
                last.page_end,
                None,
                False,
                tuple(breaks),
                last.size,
                last.bold,
            )
        parts.clear()
        breaks.clear()

    # Floats met while a paragraph is open, held until it is known whether prose
    # continues it after them.
    floats: list[LogicalLine] = []

    def release_floats() -> None:
        close()
        out.extend(floats)
        floats.clear()

    for line in lines:
        text = line.text
        structural = is_structural(line, text)
        if out and open_fragment and _is_float(line, text):
            floats.append(as_logical(line))
            continue
        if (
            out
            and open_fragment
            and not (
                across_pages_only
                and not floats
                and (line.page is None or line.page == out[-1].page_end)
            )
            and (not floats or _cut_tail(parts[-1]))
            and not structural
            and match_point(text) is None
            and not (is_title_like(text) and not ends_sentence(text))
        ):
            prev = out[-1]
            offset = length + len(_separator(parts[-1], text))
            if line.page is not None and line.page != prev.page_end:
                breaks.append((offset, line.page))
            breaks.extend((offset + at, page) for at, page in line.page_breaks)
            last = line.last_page
            end = last if last is not None else prev.page_end
            out[-1] = LogicalLine(
                prev.text, prev.page_start, end, None, False, (), prev.size, prev.bold
            )
            parts.append(text)
            length = offset + len(text)
            has_punct = has_punct or _PROSE_PUNCT.search(text) is not None
            open_fragment = not ends_sentence(text) and has_punct
            if not open_fragment:
                release_floats()
            continue
        release_floats()
        out.append(as_logical(line))
        parts.append(text)
        breaks.extend(line.page_breaks)
        length = len(text)
        has_punct = _PROSE_PUNCT.search(text) is not None
        # A first line without clause punctuation is a title (「…的进展、问题与对策建议」),
        # not the top of a cut paragraph.
        title = len(out) == 1 and _CLAUSE_PUNCT.search(text) is None
        # A table's note (「资料来源：…整理」) is no cut sentence; nor is a chart's residue
        # after the last full stop (「…成果（表3）。）日艹两」).
        open_fragment = (
            not title and not structural and not _is_float(line, text) and _is_fragment(text)
        )
    release_floats()
    return out


# What a sentence cut before a float keeps after its last full stop: a clause at least.
_CUT_TAIL_MIN_CHARS = 6
_FULL_STOPS = re.compile(r"[。！？；!?;]")
# A reference marker (「[12]」「[3-5]」) with at most a stray character after it.
_CITED_END = re.compile(r"\[\d{1,3}(?:[-–,，]\d{1,3})*\]\S{0,2}$")


def _cut_tail(text: str) -> bool:
    """Whether a paragraph ends in a real clause cut short (「…2019年8月22日…共和国总」),
    not in a chart's residue after its last full stop (「…成果（表3）。）日艹两」)."""
    tail = _FULL_STOPS.split(text.rstrip())[-1]
    if _CITED_END.search(tail):
        return False  # 「…占总发电量的5%[12]号」: a reference closes its sentence
    return len(re.findall(r"[\u4e00-\u9fffA-Za-z0-9]", tail)) >= _CUT_TAIL_MIN_CHARS


def _is_float(line: Line, text: str) -> bool:
    """A table row, a table's or a figure's caption or a table's note: what a PDF may
    set down in the middle of a sentence."""
    return (
        line.is_table_row
        or match_caption(text) is not None
        or match_english_caption(text)
        or match_english_caption(text, figure=True)
        or is_table_note(text)
    )


def joined_text(text: str) -> str:
    """The report text as chunks quote it: page breaks joined, one line per paragraph.

    Every chunk's `text` is a substring of this, which is what citation checks rely on.
    """
    return "\n".join(line.text for line in join_page_breaks(text_to_lines(text)))
