"""Markdown and HTML → `list[Line]`, then `parse_lines`.

HTML is walked with BeautifulSoup (lxml parser): h1–h6 become headings with their level,
<table> rows become table rows with cells joined by "\\t", and every other block element
(p, li, div text, blockquote, pre, …) becomes one paragraph line. <script>, <style>,
<nav>, <footer> and similar chrome are ignored. <title>, <meta name=author> and
<meta name=date> give the meta hint.

Markdown is rendered to HTML by markdown-it-py (CommonMark + pipe tables) and then walked
the same way, so both formats share one set of rules. Its first # heading is the title.

Neither format has pages: every page is None (parse_lines falls back to a TOC if any).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ingest.parse import Line, parse_lines
from ingest.readers import read_text
from rag.types import ParsedReport, ReportMeta

from .common import FormatError, join_wrapped

# Not report content.
_SKIP = frozenset(
    {"script", "style", "nav", "footer", "noscript", "template", "head", "iframe", "svg",
     "button", "form", "aside"}
)  # fmt: skip
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
# Elements that end the current paragraph (everything else is inline and runs on).
_BLOCKS = frozenset(
    {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "section",
     "article", "main", "figure", "figcaption", "caption", "br", "hr", "address",
     "details", "summary", "body", "html", *_HEADINGS}
)  # fmt: skip
_AUTHOR_META = ("author", "dc.creator", "citation_author")
_DATE_META = ("date", "dc.date", "citation_date", "citation_publication_date")


def _clean(raw: str) -> str:
    # Source line breaks inside a paragraph are not text: join them CJK-aware.
    parts = [re.sub(r"[ \t\r\f\v\u00a0]+", " ", p).strip() for p in raw.split("\n")]
    return join_wrapped(parts)


class _Walker:
    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.buffer: list[str] = []

    def flush(self) -> None:
        text = _clean("".join(self.buffer))
        self.buffer = []
        if text:
            self.lines.append(Line(text))

    def walk(self, node: Any) -> None:
        from bs4 import Comment, NavigableString, Tag  # loaded only when HTML is read

        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                self.buffer.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name in _SKIP:
                continue
            if name in _HEADINGS:
                self.flush()
                text = _clean(child.get_text())
                if text:
                    self.lines.append(Line(text, heading_level=_HEADINGS[name]))
            elif name == "table":
                self.flush()
                self.table(child)
            elif name in _BLOCKS:
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.walk(child)

    def table(self, table: Any) -> None:
        caption = table.find("caption")
        if caption is not None and caption.find_parent("table") is table:
            # a <caption> reads before the rows, like a 表 N line above a table
            text = _clean(caption.get_text())
            if text:
                self.lines.append(Line(text))
        for tr in table.find_all("tr"):
            if tr.find_parent("table") is not table:
                continue  # rows of a nested table belong to its own cell
            cells = [
                _clean(cell.get_text("\n"))
                for cell in tr.find_all(["td", "th"])
                if cell.find_parent("tr") is tr
            ]
            if any(cells):
                self.lines.append(Line("\t".join(cells), is_table_row=True))


def _meta_content(soup: Any, names: tuple[str, ...]) -> str:
    for name in names:
        tag = soup.find("meta", attrs={"name": re.compile(f"^{re.escape(name)}$", re.I)})
        if tag is not None and tag.get("content", "").strip():
            return str(tag["content"]).strip()
    return ""


def html_to_lines(html: str, source: str) -> tuple[list[Line], ReportMeta]:
    """Walk an HTML document into Lines; meta hint from <title> and <meta> tags."""
    from bs4 import BeautifulSoup  # loaded only when HTML or Markdown is read

    soup = BeautifulSoup(html, "lxml")
    title_tag = soup.find("title")
    title = _clean(title_tag.get_text()) if title_tag is not None else ""
    author = _meta_content(soup, _AUTHOR_META)
    authors = tuple(a.strip() for a in re.split(r"[;；,，、]", author) if a.strip())
    meta = ReportMeta(
        title=title, source=source, authors=authors, date=_meta_content(soup, _DATE_META)
    )
    walker = _Walker()
    walker.walk(soup.body if soup.body is not None else soup)
    walker.flush()
    return walker.lines, meta


def markdown_to_lines(text: str, source: str) -> tuple[list[Line], ReportMeta]:
    """Render Markdown (CommonMark + pipe tables) to HTML and walk it like HTML."""
    from markdown_it import MarkdownIt  # loaded only when Markdown is read

    html = MarkdownIt("commonmark").enable("table").render(text)
    lines, _ = html_to_lines(f"<html><body>{html}</body></html>", source)
    first_h1 = next((ln.text for ln in lines if ln.heading_level == 1), "")
    return lines, ReportMeta(title=first_h1, source=source)


def _read(path: Path) -> str:
    return read_text(path)


def _parse(lines: list[Line], meta: ReportMeta, path: Path, source: str | None) -> ParsedReport:
    if not lines:
        raise FormatError(path, "文件中没有可提取的文字", "no text found")
    return parse_lines(lines, source or path.name, meta)


def load_markdown(path: Path, source: str | None = None) -> ParsedReport:
    """Parse a Markdown report (pages None)."""
    lines, meta = markdown_to_lines(_read(path), source or path.name)
    return _parse(lines, meta, path, source)


def load_html(path: Path, source: str | None = None) -> ParsedReport:
    """Parse an HTML report (pages None)."""
    lines, meta = html_to_lines(_read(path), source or path.name)
    return _parse(lines, meta, path, source)
