"""Ingest: files → parsed reports → chunks → tokens → a new index generation.

`ingest_paths` is the library entry the CLI calls. Bad files are reported one
line each and the others are still ingested.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.chunk import chunk_report
from ingest.formats import load_report
from ingest.index import WriteResult, ingest_lock, write_generation
from ingest.readers import ReadError, iter_report_files
from rag.lexicon import load_lexicon
from rag.settings import Settings
from rag.store import (
    IndexedChunk,
    ReportEntry,
    file_sha256,
    load_indexed_chunks,
    open_active_collection,
    read_generation,
)
from rag.tokenize import Tokenizer, derive_user_terms
from rag.types import FRONT_MATTER_SECTIONS, Chunk

#: How many top-level section titles a report entry keeps (its example questions use them).
HEADINGS_KEPT = 6


@dataclass(frozen=True)
class FileError:
    path: str
    message: str


@dataclass(frozen=True)
class IngestSummary:
    files: int
    sections: int
    chunks: int
    seconds: float
    embedded: int
    reused: int
    changed: bool
    reports: tuple[ReportEntry, ...] = ()
    removed: tuple[str, ...] = ()
    errors: tuple[FileError, ...] = field(default=())


def tokenize_chunks(
    chunks: Sequence[Chunk], cache_dir: Path | None
) -> tuple[list[IndexedChunk], list[str]]:
    """BM25 tokens for every chunk, with a jieba user dictionary derived from these chunks."""
    lexicon = load_lexicon()
    terms = derive_user_terms((c.text for c in chunks), lexicon)
    tokenizer = Tokenizer(user_terms=terms, cache_dir=cache_dir, lexicon=lexicon)
    indexed = [IndexedChunk(c, tuple(tokenizer.cut(_bm25_text(c)))) for c in chunks]
    return indexed, list(terms)


def report_pages(chunks: Sequence[Chunk]) -> int:
    """The last printed page any passage of a report sits on; 0 when none has a page."""
    return max((c.page_end or c.page_start or 0 for c in chunks), default=0)


def report_headings(chunks: Sequence[Chunk], limit: int = HEADINGS_KEPT) -> tuple[str, ...]:
    """The report's first top-level section titles, in reading order (no front matter)."""
    titles: dict[str, None] = {}
    for chunk in sorted(chunks, key=lambda c: c.position):
        top = chunk.section_path[0] if chunk.section_path else ""
        if top not in FRONT_MATTER_SECTIONS and top != chunk.title:
            titles.setdefault(top, None)
        if len(titles) >= limit:
            break
    return tuple(titles)


def _bm25_text(chunk: Chunk) -> str:
    # The section title is searchable too: questions often name the section's topic.
    if chunk.embed_text:
        return chunk.embed_text
    return f"{' '.join(chunk.section_path[-1:])} {chunk.text}"


def ingest_paths(
    paths: Sequence[Path],
    settings: Settings,
    *,
    client: Any,
    embed_factory: Callable[[], Callable[[list[str]], list[list[float]]]],
    progress: Callable[[int, int], None] | None = None,
    lock_wait_s: float = 0.0,
) -> IngestSummary:
    """Sync the index with `paths` (files or folders) and return what happened.

    A folder is mirrored: new files are added, changed ones replaced and files
    that disappeared from it are removed. Files given one by one are added or
    replaced. Reports from elsewhere stay in the index.
    """
    started = time.perf_counter()
    files, walk_errors = iter_report_files(paths)
    # The CLI prints "✗ path: message", so drop the path ReadError appends to its message.
    errors = [FileError(str(p), str(m).removesuffix(f"：{p}")) for p, m in walk_errors]
    mirrored_dirs = [p.resolve() for p in paths if p.is_dir()]
    parsed, parse_errors = parse_files(files, settings)
    return write_parsed(
        parsed,
        settings,
        client=client,
        embed_factory=embed_factory,
        files=len(files),
        errors=[*errors, *parse_errors],
        mirrored_dirs=mirrored_dirs,
        progress=progress,
        lock_wait_s=lock_wait_s,
        started=started,
    )


@dataclass(frozen=True)
class ParsedFile:
    """One report file read and chunked, ready to be written into the index."""

    path: Path
    sha256: str
    chunks: tuple[Chunk, ...]
    sections: int

    @property
    def source(self) -> str:
        return self.chunks[0].source


def parse_files(
    files: Sequence[Path], settings: Settings
) -> tuple[list[ParsedFile], list[FileError]]:
    """Read and chunk each file; a file that cannot be read or has no text is an error."""
    parsed: list[ParsedFile] = []
    errors: list[FileError] = []
    seen_sources: dict[str, Path] = {}
    for path in files:
        try:
            sha = file_sha256(path)
            report = load_report(path)
        except ReadError as exc:
            errors.append(FileError(str(path), exc.reason))
            continue
        except OSError as exc:
            errors.append(FileError(str(path), f"无法读取文件：{exc.strerror or exc}"))
            continue
        except ValueError as exc:
            errors.append(FileError(str(path), str(exc)))
            continue
        source = report.meta.source
        if source in seen_sources and seen_sources[source] != path.resolve():
            errors.append(FileError(str(path), f"与 {seen_sources[source]} 同名，已跳过"))
            continue
        seen_sources[source] = path.resolve()
        chunks = chunk_report(report, settings.chunking)
        if not chunks:
            errors.append(FileError(str(path), "文件里没有可索引的文字"))
            continue
        sections = len({c.section_path[:1] for c in chunks})
        parsed.append(ParsedFile(path.resolve(), sha, tuple(chunks), sections))
    return parsed, errors


def write_parsed(
    parsed: Sequence[ParsedFile],
    settings: Settings,
    *,
    client: Any,
    embed_factory: Callable[[], Callable[[list[str]], list[list[float]]]],
    files: int,
    errors: Sequence[FileError] = (),
    mirrored_dirs: Sequence[Path] = (),
    progress: Callable[[int, int], None] | None = None,
    lock_wait_s: float = 0.0,
    started: float | None = None,
) -> IngestSummary:
    """Write parsed files into a new generation (under the ingest lock), keeping the
    other reports of the active one; a report from a `mirrored_dirs` folder whose file
    is gone is dropped."""
    started = time.perf_counter() if started is None else started
    errors = list(errors)
    index_settings = settings.index
    prefix = index_settings.collection_prefix
    with ingest_lock(settings.paths.index_dir / "ingest.lock", wait_s=lock_wait_s):
        current = read_generation(client, prefix)
        kept_chunks: list[Chunk] = []
        kept_reports: list[ReportEntry] = []
        new_sources = {p.source for p in parsed}
        if current is not None:
            try:
                collection, _ = open_active_collection(client, prefix)
                existing = load_indexed_chunks(collection)
            except Exception:
                existing = []
            for entry in current.reports:
                if entry.source in new_sources:
                    continue
                entry_path = Path(entry.path) if entry.path else None
                mirrored = entry_path is not None and any(
                    entry_path.is_relative_to(d) for d in mirrored_dirs
                )
                if mirrored and entry_path is not None and not entry_path.exists():
                    continue  # deleted from a mirrored folder
                kept_reports.append(entry)
                kept_chunks.extend(ic.chunk for ic in existing if ic.chunk.source == entry.source)

        previous = {r.source: r for r in current.reports} if current else {}
        now = time.time()
        new_reports = []
        all_chunks = list(kept_chunks)
        for item in parsed:
            chunks, sha, path = list(item.chunks), item.sha256, item.path
            source = item.source
            old = previous.get(source)
            ingested_at = old.ingested_at if old is not None and old.sha256 == sha else now
            new_reports.append(
                ReportEntry(
                    source=source,
                    title=chunks[0].title,
                    sha256=sha,
                    chunks=len(chunks),
                    ingested_at=ingested_at,
                    path=str(path),
                    authors=chunks[0].meta.authors if chunks[0].meta else (),
                    pages=report_pages(chunks),
                    headings=report_headings(chunks),
                )
            )
            all_chunks.extend(chunks)
        reports = sorted(kept_reports + new_reports, key=lambda r: r.source)
        if not all_chunks and current is None:
            return IngestSummary(
                files=files,
                sections=0,
                chunks=0,
                seconds=time.perf_counter() - started,
                embedded=0,
                reused=0,
                changed=False,
                errors=tuple(errors),
            )
        indexed, terms = tokenize_chunks(all_chunks, settings.paths.jieba_cache_dir)
        embed_holder: list[Callable[[list[str]], list[list[float]]]] = []

        def embed(texts: list[str]) -> list[list[float]]:
            if not embed_holder:
                embed_holder.append(embed_factory())
            return embed_holder[0](texts)

        if current is not None and current.model != settings.embedding.model:
            # Unit vectors are reused across generations by content (rag/sentences.py);
            # another model's must not be.
            for cached in settings.paths.index_dir.glob("units-*.npz"):
                cached.unlink(missing_ok=True)
        result: WriteResult = write_generation(
            client,
            prefix,
            model=settings.embedding.model,
            backend=settings.embedding.backend,
            desired=indexed,
            reports=reports,
            user_terms=terms,
            embed=embed,
            progress=progress,
        )
    return IngestSummary(
        files=files,
        sections=sum(p.sections for p in parsed),
        chunks=len(all_chunks),
        seconds=time.perf_counter() - started,
        embedded=result.embedded,
        reused=result.reused,
        changed=result.changed,
        reports=tuple(reports),
        removed=result.removed_sources,
        errors=tuple(errors),
    )


def remove_report(settings: Settings, client: Any, source: str, lock_wait_s: float = 0.0) -> bool:
    """Drop one report from the index (a new generation without it)."""
    prefix = settings.index.collection_prefix
    with ingest_lock(settings.paths.index_dir / "ingest.lock", wait_s=lock_wait_s):
        current = read_generation(client, prefix)
        if current is None:
            return False
        matches = [r for r in current.reports if source in (r.source, r.title, r.path)]
        if not matches:
            return False
        gone = {r.source for r in matches}
        collection, _ = open_active_collection(client, prefix)
        existing = [
            ic.chunk for ic in load_indexed_chunks(collection) if ic.chunk.source not in gone
        ]
        indexed, terms = tokenize_chunks(existing, settings.paths.jieba_cache_dir)

        def no_embedding(texts: list[str]) -> list[list[float]]:
            raise AssertionError("removing a report never embeds")

        write_generation(
            client,
            prefix,
            model=current.model,
            backend=current.backend or "torch",
            desired=indexed,
            reports=[r for r in current.reports if r.source not in gone],
            user_terms=terms,
            embed=no_embedding,
        )
    return True
