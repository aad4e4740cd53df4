"""The report library as the web app manages it: upload, list, remove.

Plain functions over the index, returning the typed records of `rag.types`
(`LibraryReport`, `IngestedReport`); the UI reaches them only through the
functions `app/main.py` passes to `build_app`. Uploaded files live under
`REPORTQA_HOME/reports/` with sanitised names. A bad file raises `UploadError`
(a Chinese message) and leaves the index and that folder as they were.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ingest.index import lock_is_held
from ingest.pipeline import (
    IngestSummary,
    ParsedFile,
    parse_files,
    remove_report,
    write_parsed,
)
from ingest.readers import REPORT_SUFFIXES
from rag.errors import ReportQAError
from rag.examples import report_examples
from rag.lexicon import Lexicon
from rag.sentences import load_or_build_unit_vectors
from rag.settings import Settings
from rag.store import load_indexed_chunks, open_active_collection, read_generation
from rag.types import IngestedReport, LibraryReport

#: The upload limit when REPORTQA_MAX_UPLOAD_MB is not set.
DEFAULT_MAX_UPLOAD_MB = 50
#: How long an upload waits for another ingest's lock before giving up.
LOCK_WAIT_S = 600.0
MAX_NAME_CHARS = 120
UPLOAD_SUFFIXES = REPORT_SUFFIXES

Embed = Callable[[list[str]], list[list[float]]]
Progress = Callable[[float, str], None]

# Anything but letters (any script), digits, and - _ . ( ) and spaces becomes "_".
_UNSAFE = re.compile(r"[^\w\-.() ]+")
_RUNS = re.compile(r"[_ ]{2,}")


class UploadError(ReportQAError):
    """An uploaded file that cannot become a report; the message says why, in Chinese."""


def reports_dir(settings: Settings) -> Path:
    """Where uploaded reports are kept: REPORTQA_HOME/reports/."""
    return settings.paths.home / "reports"


def sanitise_filename(name: str) -> str:
    """A safe file name for an upload: its last path component only (no directories,
    no `..`), printable, no leading dot, at most MAX_NAME_CHARS, suffix in lower case.

    Chinese names stay readable: 「2025 年报告.pdf」 keeps its characters.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = re.split(r"[\\/]", text)[-1].strip()
    stem, dot, suffix = text.rpartition(".")
    if not dot:
        stem, suffix = text, ""
    stem = _RUNS.sub("_", _UNSAFE.sub("_", stem)).strip(" ._")
    suffix = _UNSAFE.sub("", suffix).lower()
    stem = stem or "report"
    limit = MAX_NAME_CHARS - len(suffix) - 1
    return f"{stem[:limit]}.{suffix}" if suffix else stem[:MAX_NAME_CHARS]


def check_upload(path: Path, name: str, max_bytes: int) -> str:
    """The sanitised name for an uploaded file; UploadError for a wrong type, an
    empty file or one over `max_bytes`."""
    safe = sanitise_filename(name)
    suffix = Path(safe).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        allowed = "、".join(sorted(s.lstrip(".").upper() for s in UPLOAD_SUFFIXES))
        shown = suffix or "（无扩展名）"
        raise UploadError(f"错误：不支持的文件类型 {shown}（{safe}）。支持：{allowed}。")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UploadError(f"错误：无法读取上传的文件 {safe}（{exc.strerror or exc}）。") from None
    if size == 0:
        raise UploadError(f"错误：{safe} 是空文件（0 字节）。")
    if size > max_bytes:
        raise UploadError(
            f"错误：{safe} 有 {size / 1048576:.1f} MB，超过上限 {max_bytes / 1048576:.0f} MB。"
        )
    return safe


def ingest_busy(settings: Settings) -> bool:
    """True while an ingest (this process or another) holds the index's ingest lock."""
    return lock_is_held(settings.paths.index_dir / "ingest.lock")


def ingest_upload(
    upload: Path,
    name: str,
    settings: Settings,
    *,
    client: Any,
    embed_factory: Callable[[], Embed],
    max_bytes: int,
    progress: Progress | None = None,
    lock_wait_s: float = LOCK_WAIT_S,
) -> IngestedReport:
    """Add one uploaded file to the index as `reports/<sanitised name>`.

    The file is parsed before anything is stored; a file that cannot be read
    (encrypted or image-only PDF, broken DOCX …) or has no text raises
    UploadError and changes nothing. A report of the same file name is replaced.
    Two uploads are serialised by the ingest lock: the second waits.
    """
    report = progress or (lambda fraction, text: None)
    started = time.perf_counter()
    safe = check_upload(upload, name, max_bytes)
    folder = reports_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    report(0.05, f"解析 {safe}…")
    with tempfile.TemporaryDirectory(dir=folder, prefix=".incoming-") as staging:
        staged = Path(staging) / safe
        shutil.copyfile(upload, staged)
        parsed, errors = parse_files([staged], settings)
        if errors or not parsed:
            reason = errors[0].message if errors else "文件里没有可索引的文字"
            raise UploadError(f"错误：{safe} 无法入库：{reason}。索引未改动。")
        target = folder / safe
        backup = _move_aside(target)
        shutil.move(staged, target)
        item = replace(parsed[0], path=target.resolve())
        try:
            summary = _write(item, settings, client, embed_factory, report, lock_wait_s)
        except BaseException:
            target.unlink(missing_ok=True)
            if backup is not None:
                backup.replace(target)
            raise
        if backup is not None:
            backup.unlink(missing_ok=True)
    report(0.9, "计算句向量…")
    precompute_unit_vectors(settings, client, embed_factory)
    entry = next(r for r in summary.reports if r.source == item.source)
    return IngestedReport(
        source=entry.source,
        title=entry.title,
        pages=entry.pages,
        chunks=entry.chunks,
        seconds=time.perf_counter() - started,
        replaced=backup is not None,
    )


def _move_aside(target: Path) -> Path | None:
    """Keep an existing file of the same name until the new one is in the index."""
    if not target.exists():
        return None
    backup = target.with_name(f".{target.name}.previous")
    target.replace(backup)
    return backup


def _write(
    item: ParsedFile,
    settings: Settings,
    client: Any,
    embed_factory: Callable[[], Embed],
    report: Progress,
    lock_wait_s: float,
) -> IngestSummary:
    if ingest_busy(settings):
        report(0.1, "另一个报告正在入库，排队等待…")

    def on_write(done: int, total: int) -> None:
        report(0.15 + 0.7 * done / max(total, 1), f"写入索引 {done}/{total} 块")

    summary = write_parsed(
        [item],
        settings,
        client=client,
        embed_factory=embed_factory,
        files=1,
        progress=on_write,
        lock_wait_s=lock_wait_s,
    )
    if not any(r.source == item.source for r in summary.reports):
        raise UploadError(f"错误：{item.source} 没有写入索引。")
    return summary


def precompute_unit_vectors(
    settings: Settings, client: Any, embed_factory: Callable[[], Embed]
) -> None:
    """Embed the evidence units of the active generation now (only the new ones: the rest
    come from the previous generation's cache), not at the first question."""
    collection, generation = open_active_collection(client, settings.index.collection_prefix)
    chunks = [ic.chunk for ic in load_indexed_chunks(collection)]
    load_or_build_unit_vectors(
        chunks, settings.paths.index_dir, generation.collection_name, embed_factory()
    )


def list_reports(settings: Settings, client: Any, lexicon: Lexicon) -> tuple[LibraryReport, ...]:
    """Every report of the active generation, in file-name order, with its examples."""
    generation = read_generation(client, settings.index.collection_prefix)
    if generation is None:
        return ()
    return tuple(
        LibraryReport(
            source=r.source,
            title=r.title,
            pages=r.pages,
            chunks=r.chunks,
            ingested_at=r.ingested_at,
            examples=report_examples(r.headings, lexicon) if r.headings else (),
        )
        for r in generation.reports
    )


def remove_library_report(
    name: str, settings: Settings, *, client: Any, lock_wait_s: float = LOCK_WAIT_S
) -> LibraryReport:
    """Remove the report named `name` (file name or title) from the index, and its
    uploaded file from REPORTQA_HOME/reports/ (files elsewhere are left alone).

    Raises UploadError when no such report is indexed.
    """
    generation = read_generation(client, settings.index.collection_prefix)
    entries = generation.reports if generation else ()
    entry = next((r for r in entries if name in (r.source, r.title)), None)
    if entry is None:
        raise UploadError(f"错误：索引里没有这份报告：{name}。")
    if not remove_report(settings, client, entry.source, lock_wait_s=lock_wait_s):
        raise UploadError(f"错误：索引里没有这份报告：{name}。")
    stored = Path(entry.path) if entry.path else None
    folder = reports_dir(settings).resolve()
    if stored is not None and stored.resolve().parent == folder:
        stored.unlink(missing_ok=True)
    return LibraryReport(
        source=entry.source,
        title=entry.title,
        pages=entry.pages,
        chunks=entry.chunks,
        ingested_at=entry.ingested_at,
    )
