"""The Chroma index, writing side: generations behind an atomic pointer.

Queries only ever see a complete generation. An ingest writes a new collection
(`<prefix>_g<time>`), copying the vectors of unchanged chunks and embedding only
new ones, then flips the pointer (the metadata of `<prefix>__active`, a single
SQLite/HTTP update) and drops older generations. A killed ingest leaves the
pointer on the previous generation; its half-written collection is swept by the
next ingest. The generation just replaced is kept until the next ingest, so a question
already running on it in another process (the web app) can finish. Reading the index (the pointer, the active collection, its chunks)
is `rag.store`, shared with the query side.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import IndexBusyError
from rag.records import chunk_to_metadata
from rag.store import (
    TOKENS_KEY,
    IndexedChunk,
    ReportEntry,
    iter_records,
    pointer_name,
    read_generation,
)


@dataclass(frozen=True)
class WriteResult:
    changed: bool
    embedded: int = 0
    reused: int = 0
    removed_sources: tuple[str, ...] = ()
    collection_name: str = ""
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())


def _collection_names(client: Any) -> list[str]:
    return [c.name if hasattr(c, "name") else str(c) for c in client.list_collections()]


@contextlib.contextmanager
def ingest_lock(lock_path: Path, wait_s: float = 0.0) -> Iterator[None]:
    """Hold an exclusive lock so two ingests never interleave; refuse (or wait) if busy."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        "另一个 ingest 正在写索引，请稍后再试（或等它结束）。"
                    ) from None
                time.sleep(0.2)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def lock_is_held(lock_path: Path) -> bool:
    """True while another ingest (in any process) holds the lock at `lock_path`."""
    if not lock_path.exists():
        return False
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False


def _sweep_orphans(client: Any, prefix: str, keep: set[str]) -> None:
    """Drop generations no pointer refers to (e.g. left by a killed ingest)."""
    for name in _collection_names(client):
        if name.startswith(f"{prefix}_g") and name not in keep:
            with contextlib.suppress(Exception):
                client.delete_collection(name)


def write_generation(
    client: Any,
    prefix: str,
    *,
    model: str,
    backend: str = "torch",
    desired: Sequence[IndexedChunk],
    reports: Sequence[ReportEntry],
    user_terms: Sequence[str],
    embed: Callable[[list[str]], list[list[float]]],
    progress: Callable[[int, int], None] | None = None,
) -> WriteResult:
    """Make `desired` the visible index, reusing stored vectors of unchanged chunks.

    Writes nothing when the desired chunks, tokens, reports and model equal the
    active generation's.
    """
    started = time.perf_counter()
    current = read_generation(client, prefix)
    current_collection = None
    if current is not None:
        try:
            current_collection = client.get_collection(
                current.collection_name, embedding_function=None
            )
        except Exception:
            current = None
    # The generation before the active one stays too: a running app may still be answering
    # a question on it (it switches between questions, docs/ARCHITECTURE.md).
    _sweep_orphans(
        client, prefix, keep={current.collection_name, current.previous} if current else set()
    )

    old_vectors: dict[str, Any] = {}
    old_tokens: dict[str, tuple[str, ...]] = {}
    old_meta: dict[str, dict[str, Any]] = {}
    # Vectors are reused only from the same model run by the same backend: an index holds
    # vectors of one backend, the one its pointer records.
    same_model = (
        current is not None and current.model == model and (current.backend or "torch") == backend
    )
    if current_collection is not None and same_model:
        for record_id, _, metadata, embedding in iter_records(
            current_collection, include=("metadatas", "embeddings")
        ):
            old_vectors[record_id] = embedding
            old_tokens[record_id] = tuple(str(metadata.get(TOKENS_KEY, "")).split())
            old_meta[record_id] = {k: v for k, v in metadata.items() if k != TOKENS_KEY}

    desired_ids = [ic.chunk.id for ic in desired]
    unchanged = (
        same_model
        and current is not None
        and set(desired_ids) == set(old_vectors)
        and all(old_tokens.get(ic.chunk.id) == ic.tokens for ic in desired)
        # What the parser records about a chunk may grow (a table row's header): a new
        # generation then carries it, with the same vectors.
        and all(old_meta.get(ic.chunk.id) == chunk_to_metadata(ic.chunk) for ic in desired)
        and [_entry_key(r) for r in current.reports] == [_entry_key(r) for r in reports]
    )
    if unchanged:
        return WriteResult(
            changed=False,
            reused=len(desired_ids),
            collection_name=current.collection_name if current else "",
            seconds=time.perf_counter() - started,
        )

    name = f"{prefix}_g{time.time_ns()}"
    collection = client.create_collection(
        name,
        embedding_function=None,
        configuration={"hnsw": {"space": "cosine"}},
        metadata={"model": model},
    )
    dimension = current.dimension if (current is not None and same_model) else 0
    batch_size = max(1, min(int(client.get_max_batch_size()), 512))
    to_embed = [ic for ic in desired if ic.chunk.id not in old_vectors]
    total = len(desired)
    done = 0
    # Reused vectors first (cheap), then the new ones in embedding-sized batches.
    reused = [ic for ic in desired if ic.chunk.id in old_vectors]
    for start in range(0, len(reused), batch_size):
        part = reused[start : start + batch_size]
        _add(collection, part, [old_vectors[ic.chunk.id] for ic in part])
        done += len(part)
        if progress:
            progress(done, total)
    for start in range(0, len(to_embed), batch_size):
        part = to_embed[start : start + batch_size]
        vectors = embed([ic.chunk.embed_text or ic.chunk.text for ic in part])
        dimension = len(vectors[0]) if len(vectors) else dimension
        _add(collection, part, vectors)
        done += len(part)
        if progress:
            progress(done, total)

    pointer = client.get_or_create_collection(pointer_name(prefix), embedding_function=None)
    pointer.modify(
        metadata={
            "generation": name,
            "model": model,
            "backend": backend,
            "dimension": dimension,
            "reports": json.dumps([r.to_json() for r in reports], ensure_ascii=False),
            "user_terms": json.dumps(list(user_terms), ensure_ascii=False),
            "created_at": time.time(),
            "previous": current.collection_name if current else "",
        }
    )
    _sweep_orphans(client, prefix, keep={name, current.collection_name if current else ""})
    previous_sources = {r.source for r in current.reports} if current else set()
    removed = tuple(sorted(previous_sources - {r.source for r in reports}))
    return WriteResult(
        changed=True,
        embedded=len(to_embed),
        reused=len(reused),
        removed_sources=removed,
        collection_name=name,
        seconds=time.perf_counter() - started,
    )


def _entry_key(entry: ReportEntry) -> tuple[Any, ...]:
    # Pages and headings count: an index written before they were recorded gets them
    # on its next ingest (vectors are reused, so that costs no embedding).
    return (entry.source, entry.sha256, entry.title, entry.authors, entry.pages, entry.headings)


def _add(collection: Any, part: Sequence[IndexedChunk], vectors: Sequence[Any]) -> None:
    metadatas = []
    for ic in part:
        meta: dict[str, Any] = dict(chunk_to_metadata(ic.chunk))
        meta[TOKENS_KEY] = " ".join(ic.tokens)
        metadatas.append(meta)
    collection.add(
        ids=[ic.chunk.id for ic in part],
        embeddings=[list(map(float, v)) for v in vectors],
        documents=[ic.chunk.text for ic in part],
        metadatas=metadatas,
    )
