"""Report files of any supported format → `ParsedReport`.

`load_report(path)` dispatches on the suffix: .txt (readers.read_text + parse.parse_text),
.pdf, .docx, .md/.markdown, .html/.htm. Each format module turns its file into a list of
`ingest.parse.Line` (text, true page when the format knows it, heading level when the
markup says so, table rows with cells joined by "\\t") plus a `ReportMeta` hint, and the
shared `parse_lines` builds sections, TOC and blocks from them. Every failure to read a
file is an `ingest.readers.ReadError` (here: `FormatError`) with a Chinese message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.parse import Line, load_sidecar, parse_text
from ingest.readers import read_text
from rag.types import ParsedReport

from .common import FormatError, join_wrapped, spaces_around_latin
from .docx import load_docx
from .markup import load_html, load_markdown
from .pdf import load_pdf

__all__ = [
    "SUFFIXES",
    "FormatError",
    "Line",
    "join_wrapped",
    "load_report",
    "spaces_around_latin",
]


def _load_txt(path: Path) -> ParsedReport:
    return parse_text(read_text(path), path.name, load_sidecar(path))


# Each format module imports its parsing library (pdfplumber, python-docx, bs4, …) only
# when a file of that format is read, so importing this package stays cheap.
_LOADERS: dict[str, Callable[[Path], ParsedReport]] = {
    ".txt": _load_txt,
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
}
SUFFIXES = frozenset(_LOADERS)


def load_report(path: Path) -> ParsedReport:
    """Parse one report file of any supported format into a ParsedReport.

    Raises FormatError (a ReadError) for an unsupported suffix, a missing file, or a
    file that cannot be read; the message is Chinese with an English gloss.
    """
    path = Path(path)
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        supported = "、".join(sorted(SUFFIXES))
        raise FormatError(
            path,
            f"不支持的文件格式“{path.suffix or '（无扩展名）'}”，支持：{supported}",
            "unsupported file format",
        )
    if not path.is_file():
        raise FormatError(path, "文件不存在", "file not found")
    return loader(path)
