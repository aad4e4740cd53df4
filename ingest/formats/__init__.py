"""Report files of any supported format → `ParsedReport`.

`load_report(path)` dispatches on the suffix: .txt (readers.read_text + parse.parse_text),
.pdf, .docx, .md/.markdown, .html/.htm. Each format module turns its file into a list of
`ingest.parse.Line` (text, true page when the format knows it, heading level when the
markup says so, table rows with cells joined by "\\t") plus a `ReportMeta` hint, and the
shared `parse_lines` builds sections, TOC and blocks from them. Every failure to read a
file is an `ingest.readers.ReadError` (here: `FormatError`) with a Chinese message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from ingest.parse import Line
from ingest.readers import ReadError
from rag.types import ParsedReport

__all__ = [
    "SUFFIXES",
    "FormatError",
    "Line",
    "join_wrapped",
    "load_report",
    "spaces_around_latin",
]


class FormatError(ReadError):
    """A report file that exists but cannot be turned into text (corrupt, empty, …)."""


_WORD_END = re.compile(r"[A-Za-z0-9,.;:%)\]]$")
_WORD_START = re.compile(r"^[A-Za-z0-9(\[]")
_ASCII_END = re.compile(r"[A-Za-z0-9%]$")
_ASCII_START = re.compile(r"^[A-Za-z0-9]")
_HAN_END = re.compile(r"[\u4e00-\u9fff]$")
_HAN_START = re.compile(r"^[\u4e00-\u9fff]")
_SPACED = re.compile(r"[A-Za-z0-9%] [\u4e00-\u9fff]|[\u4e00-\u9fff] [A-Za-z0-9]")
_UNSPACED = re.compile(r"[A-Za-z0-9%][\u4e00-\u9fff]|[\u4e00-\u9fff][A-Za-z0-9]")


def spaces_around_latin(texts: Sequence[str]) -> bool:
    """Does this document write a space between Chinese and digits/Latin (「2015 年」)?

    A line break at such a space loses it; knowing the document's habit lets
    `join_wrapped` put it back, so wrapped and unwrapped text read the same.
    """
    spaced = sum(len(_SPACED.findall(t)) for t in texts)
    unspaced = sum(len(_UNSPACED.findall(t)) for t in texts)
    return spaced > unspaced


def join_wrapped(parts: Sequence[str], mixed_space: bool = False) -> str:
    """Join wrapped lines of one paragraph: no space between Chinese, one between words.

    Chinese has no inter-word spaces, so a line break inside Chinese text is deleted;
    a break between two Latin words or numbers was a space and becomes one again, and
    so is a break between Chinese and a digit/Latin word when `mixed_space` is set.
    """
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and (
            (_WORD_END.search(out) and _WORD_START.match(part))
            or (
                mixed_space
                and (
                    (_ASCII_END.search(out) and _HAN_START.match(part))
                    or (_HAN_END.search(out) and _ASCII_START.match(part))
                )
            )
        ):
            out += " "
        out += part
    return out


def _load_txt(path: Path) -> ParsedReport:
    from ingest.parse import load_sidecar, parse_text
    from ingest.readers import read_text

    return parse_text(read_text(path), path.name, load_sidecar(path))


def _load_pdf(path: Path) -> ParsedReport:
    from .pdf import load_pdf

    return load_pdf(path)


def _load_docx(path: Path) -> ParsedReport:
    from .docx import load_docx

    return load_docx(path)


def _load_markdown(path: Path) -> ParsedReport:
    from .markup import load_markdown

    return load_markdown(path)


def _load_html(path: Path) -> ParsedReport:
    from .markup import load_html

    return load_html(path)


_LOADERS: dict[str, Callable[[Path], ParsedReport]] = {
    ".txt": _load_txt,
    ".pdf": _load_pdf,
    ".docx": _load_docx,
    ".md": _load_markdown,
    ".markdown": _load_markdown,
    ".html": _load_html,
    ".htm": _load_html,
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
