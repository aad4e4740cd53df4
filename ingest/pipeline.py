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
from rag.types import Chunk


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

    parsed: list[tuple[Path, str, list[Chunk], int]] = []
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
        parsed.append((path.resolve(), sha, chunks, sections))

    index_settings = settings.index
    prefix = index_settings.collection_prefix
    with ingest_lock(settings.paths.index_dir / "ingest.lock", wait_s=lock_wait_s):
        current = read_generation(client, prefix)
        kept_chunks: list[Chunk] = []
        kept_reports: list[ReportEntry] = []
        new_sources = {chunks[0].source for _, _, chunks, _ in parsed}
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
        for path, sha, chunks, _ in parsed:
            source = chunks[0].source
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
                )
            )
            all_chunks.extend(chunks)
        reports = sorted(kept_reports + new_reports, key=lambda r: r.source)
        if not all_chunks and current is None:
            return IngestSummary(
                files=len(files),
                sections=0,
                chunks=0,
                seconds=time.perf_counter() - started,
                embedded=0,
                reused=0,
                changed=False,
                errors=tuple(errors),
            )
        indexed, terms = tokenize_chunks(all_chunks, settings.paths.home / "cache")
        embed_holder: list[Callable[[list[str]], list[list[float]]]] = []

        def embed(texts: list[str]) -> list[list[float]]:
            if not embed_holder:
                embed_holder.append(embed_factory())
            return embed_holder[0](texts)

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
        files=len(files),
        sections=sum(s for *_, s in parsed),
        chunks=len(all_chunks),
        seconds=time.perf_counter() - started,
        embedded=result.embedded,
        reused=result.reused,
        changed=result.changed,
        reports=tuple(reports),
        removed=result.removed_sources,
        errors=tuple(errors),
    )


def remove_report(settings: Settings, client: Any, source: str) -> bool:
    """Drop one report from the index (a new generation without it)."""
    prefix = settings.index.collection_prefix
    with ingest_lock(settings.paths.index_dir / "ingest.lock"):
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
        indexed, terms = tokenize_chunks(existing, settings.paths.home / "cache")

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
