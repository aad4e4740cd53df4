"""How well reportqa parses the library reports: `python -m evals.parse_quality`.

For each report of the development library (`../shared/corpora/`, REPORTQA_LIBRARY_DIR
overrides) the report is loaded as a user would ingest it (by default the PDF, `--format
txt` for the plain text), chunked with the default settings, and measured against the
library's own files, never against values written into this module:

* **title ok**: the parsed title has the same Han characters as the first line of the
  `.txt` (the fair comparison: one title line carries OCR damage in its quotes, a stray
  digit and Latin letters, see SOURCES.md; Han characters are what a reader checks);
* **front share**: the share of chunks filed as front matter (no section, or 封面/摘要/
  作者/目录), i.e. cited as 「封面及摘要」 by a TXT;
* **body deep**: of the chunks whose text lies after the front matter of the `.txt`
  (after its first line and the 摘要/关键词/DOI/文章编号/中图分类号 lines that open it),
  the share with a section path that is not front matter;
* **pages**: page accuracy (`evals.pages.PageMap.citation_ok`, each chunk's text taken as
  the quote and its page range as the citation) over the chunks found in the `.txt`;
  `found` says how many chunks could be located at all;
* **top-level sections**: the numbers of the top-level numbered sections the parse found,
  against those of the `.txt` lines the page map marks as headings;
* **headings**: of those numbered heading lines at any depth (3, 3.1, 3.1.2, （1）…),
  how many the parse opened as sections, and how many sections it opened that are not
  among them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.pages import PageMap
from ingest.chunk import chunk_report
from ingest.formats import load_report
from rag.settings import ChunkSettings
from rag.types import FRONT_MATTER_SECTIONS, Chunk

REPO = Path(__file__).resolve().parents[1]
DEFAULT_LIBRARY = REPO.parent / "shared" / "corpora"

_HAN = re.compile(r"[\u3400-\u9fff]")
_TOP_NUMBER = re.compile(r"^\s*(\d{1,2})(?![\d.．])")
_NUMBERED = re.compile(r"^\s*(\d{1,2}(?:[.．]\d{1,2})*|[（(]\s*\d{1,2}\s*[）)])")
# Lines that open a paper: they belong to its front matter (SOURCES.md "front:" outlines).
_FRONT_OPENERS = re.compile(r"^\s*(摘\s*要|关键词|关\s*键\s*词|DOI|文章编号|中图分类号)")
_FRONT_SCAN_LINES = 12


@dataclass(frozen=True)
class Quality:
    """The parse measurements of one report (see the module docstring)."""

    name: str
    title: str
    title_ok: bool
    chunks: int
    front_share: float
    body_chunks: int
    body_deep_share: float
    found: int
    page_ok: int
    sections_found: tuple[int, ...]
    sections_expected: tuple[int, ...]
    headings_expected: int = 0
    headings_found: int = 0  # expected numbered headings the parse opened as sections
    headings_extra: int = 0  # numbered sections the parse opened that are not headings
    paged: bool = True  # some chunk has a page (a TXT without a 目录 or form feeds has none)

    @property
    def page_accuracy(self) -> float:
        return self.page_ok / self.found if self.found else 0.0

    @property
    def sections_ok(self) -> bool:
        return self.sections_found == self.sections_expected


def library_dir(explicit: str | None = None) -> Path:
    """The library folder: `explicit`, else REPORTQA_LIBRARY_DIR, else ../shared/corpora."""
    if explicit:
        return Path(explicit)
    configured = os.environ.get("REPORTQA_LIBRARY_DIR", "").strip()
    return Path(configured) if configured else DEFAULT_LIBRARY


def report_names(library: Path) -> list[str]:
    """Names of the library reports that have a text, a PDF and a page map."""
    return sorted(
        p.stem
        for p in library.glob("*.txt")
        if (library / "pdf" / f"{p.stem}.pdf").is_file()
        and (library / "pages" / f"{p.stem}.pages.json").is_file()
    )


def han(text: str) -> str:
    """The Han characters of `text`, NFKC-normalised: the fair title comparison."""
    return "".join(_HAN.findall(unicodedata.normalize("NFKC", text)))


def is_front_chunk(chunk: Chunk) -> bool:
    """Filed as front matter: no section, or a cover/摘要/作者/目录 section."""
    return not chunk.section_path or chunk.section_path[0] in FRONT_MATTER_SECTIONS


def _squash(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())


def _front_end_line(lines: Sequence[str]) -> int:
    """1-based number of the last front-matter line of a paper's text."""
    last = 1
    for number, line in enumerate(lines[:_FRONT_SCAN_LINES], start=1):
        if _FRONT_OPENERS.match(line):
            last = number
    return last


def _line_of_chars(lines: Sequence[str]) -> tuple[str, list[int]]:
    chars: list[str] = []
    owners: list[int] = []
    for number, line in enumerate(lines, start=1):
        squashed = _squash(line)
        chars.append(squashed)
        owners.extend([number] * len(squashed))
    return "".join(chars), owners


def expected_top_sections(text_lines: Sequence[str], pages_json: dict) -> tuple[int, ...]:
    """Numbers of the top-level numbered headings among the page map's heading lines."""
    numbers = []
    for line_no in (pages_json.get("line_kinds") or {}).get("heading", []):
        m = _TOP_NUMBER.match(text_lines[int(line_no) - 1])
        if m:
            numbers.append(int(m.group(1)))
    return tuple(numbers)


def _numbered(text: str) -> str | None:
    m = _NUMBERED.match(text)
    return re.sub(r"[\s（()）]", "", m.group(1)).replace("．", ".") if m else None


def heading_match(
    text_lines: Sequence[str], pages_json: dict, opened: Sequence[str]
) -> tuple[int, int, int]:
    """(expected, found, extra) numbered headings: page-map heading lines vs sections opened.

    Headings are compared by their text without whitespace (a heading is one line).
    """
    kinds = (pages_json.get("line_kinds") or {}).get("heading", [])
    expected = {_squash(text_lines[int(n) - 1]) for n in kinds if _numbered(text_lines[int(n) - 1])}
    opened_numbered = {_squash(t) for t in opened if _numbered(t)}
    return len(expected), len(expected & opened_numbered), len(opened_numbered - expected)


def found_top_sections(top_titles: Sequence[str]) -> tuple[int, ...]:
    """Numbers of the numbered top-level section titles, in order of first appearance."""
    numbers: list[int] = []
    for title in top_titles:
        m = _TOP_NUMBER.match(title)
        if m and int(m.group(1)) not in numbers:
            numbers.append(int(m.group(1)))
    return tuple(numbers)


def measure_chunks(
    name: str,
    title: str,
    chunks: Sequence[Chunk],
    library: Path,
    top_titles: Sequence[str] | None = None,
    opened: Sequence[str] = (),
) -> Quality:
    """Measure one report's chunks against its `.txt` and page map in `library`.

    `top_titles` are the top-level section titles in reading order (default: those of the
    chunks; a parse also has sections whose text all sits in their sub-sections).
    `opened` are the texts of the heading lines that opened sections.
    """
    text_path = library / f"{name}.txt"
    pages_path = library / "pages" / f"{name}.pages.json"
    lines = text_path.read_text(encoding="utf-8").split("\n")
    pages_json = json.loads(pages_path.read_text(encoding="utf-8"))
    page_map = PageMap.load(text_path, pages_path)
    squashed, owners = _line_of_chars(lines)
    front_end = _front_end_line([ln for ln in lines if ln.strip()])
    # _front_end_line counts non-blank lines; map it back to a line number of the file.
    non_blank = [i for i, ln in enumerate(lines, start=1) if ln.strip()]
    front_end_line = non_blank[front_end - 1] if non_blank else 0

    found = page_ok = body = deep = 0
    for chunk in chunks:
        verdict = page_map.citation_ok(chunk.text, chunk.page_start, chunk.page_end)
        if verdict is not None:
            found += 1
            page_ok += int(verdict)
        at = squashed.find(_squash(chunk.text))
        if at >= 0 and owners[at] > front_end_line:
            body += 1
            deep += int(not is_front_chunk(chunk))
    front = sum(1 for c in chunks if is_front_chunk(c))
    if top_titles is None:
        top_titles = [c.section_path[0] for c in chunks if c.section_path]
    expected_h, found_h, extra_h = heading_match(lines, pages_json, opened)
    return Quality(
        name=name,
        title=title,
        title_ok=bool(han(title)) and han(title) == han(lines[0]),
        chunks=len(chunks),
        front_share=front / len(chunks) if chunks else 1.0,
        body_chunks=body,
        body_deep_share=deep / body if body else 0.0,
        found=found,
        page_ok=page_ok,
        sections_found=found_top_sections(top_titles),
        sections_expected=expected_top_sections(lines, pages_json),
        headings_expected=expected_h,
        headings_found=found_h,
        headings_extra=extra_h,
        paged=any(c.page_start is not None for c in chunks),
    )


def measure_report(name: str, library: Path, fmt: str = "pdf") -> Quality:
    """Load `<name>.pdf` (or `.txt`) from the library as `reportqa ingest` would, then measure."""
    path = library / "pdf" / f"{name}.pdf" if fmt == "pdf" else library / f"{name}.txt"
    report = load_report(path)
    chunks = chunk_report(report, ChunkSettings())
    top_titles = [b.section_path[0] for b in report.blocks if b.section_path]
    opened = [b.text for b in report.blocks if b.kind == "heading"]
    return measure_chunks(name, report.meta.title, chunks, library, top_titles, opened)


def format_table(rows: Sequence[Quality]) -> str:
    """A Markdown table of the measurements, one row per report."""
    head = (
        "| report | title ok | chunks | front share | body deep | pages (found) "
        "| top-level sections found / expected | numbered headings found / expected (extra) |\n"
        "| --- | :---: | ---: | ---: | ---: | ---: | --- | --- |\n"
    )
    body = []
    for q in rows:
        found = ",".join(map(str, q.sections_found)) or "—"
        expected = ",".join(map(str, q.sections_expected)) or "—"
        mark = "" if q.sections_ok else " ✗"
        pages = f"{q.page_accuracy:.3f} ({q.found}/{q.chunks})" if q.paged else "— (no pages)"
        body.append(
            f"| {q.name} | {'✓' if q.title_ok else '✗'} | {q.chunks} | {q.front_share:.2f} "
            f"| {q.body_deep_share:.2f} | {pages} "
            f"| {found} / {expected}{mark} "
            f"| {q.headings_found} / {q.headings_expected} ({q.headings_extra}) |"
        )
    return head + "\n".join(body) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the per-report table; exit 2 with a Chinese message when the library is absent."""
    parser = argparse.ArgumentParser(prog="python -m evals.parse_quality")
    parser.add_argument("--library", default="", help="报告库目录（默认 ../shared/corpora）")
    parser.add_argument("--format", choices=["pdf", "txt"], default="pdf")
    args = parser.parse_args(argv)
    library = library_dir(args.library)
    names = report_names(library) if library.is_dir() else []
    if not names:
        print(f"错误：报告库 {library} 不存在或没有报告", file=sys.stderr)
        return 2
    rows = [measure_report(name, library, args.format) for name in names]
    print(format_table(rows), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
