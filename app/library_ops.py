"""What the 报告库 panel may do to the library: `LibraryOps`, a record of functions.

`app/main.py` builds it over `ingest.library`; tests build it over fakes. Kept
apart from the panel so building it does not import gradio.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rag.types import IngestedReport, LibraryReport

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class LibraryOps:
    """What the panel may do to the library; each raises ReportQAError with a Chinese
    message for a bad request (an unreadable file, an unknown report)."""

    list_reports: Callable[[], Sequence[LibraryReport]]
    ingest: Callable[[Path, str, Progress], IngestedReport]  # (upload, original name, progress)
    remove: Callable[[str], LibraryReport]  # by file name or title
    busy: Callable[[], bool]  # another ingest holds the lock
    max_bytes: int
    require_login: bool = False  # REPORTQA_AUTH is set: refuse callers without a login
