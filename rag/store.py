"""The index's reading side: the active generation and its chunks.

An ingest (`ingest.index`) writes each generation of the Chroma index as a new
collection `<prefix>_g<time>` and flips a pointer, the metadata of the
collection `<prefix>__active`. This module reads what it wrote: the pointer
(`read_generation`), the active collection (`open_active_collection`) and its
chunks with their BM25 tokens (`load_indexed_chunks`). The query side needs
only this module, so `rag` never imports `ingest`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from rag.errors import IndexCorruptError, IndexMissingError, ModelMismatchError
from rag.records import chunk_from_record
from rag.types import Chunk

#: The pointer collection is `<prefix>__active`.
POINTER_SUFFIX = "__active"
#: Metadata key under which each chunk's BM25 tokens are stored (space-separated).
TOKENS_KEY = "bm25_tokens"


@dataclass(frozen=True)
class ReportEntry:
    """What the index remembers about one ingested file."""

    source: str
    title: str
    sha256: str
    chunks: int
    ingested_at: float
    path: str = ""
    authors: tuple[str, ...] = ()  # as parsed (or given by a sidecar); older indexes: ()
    pages: int = 0  # the last printed page a passage cites; 0 = no pages known (or older index)
    headings: tuple[str, ...] = ()  # the first top-level section titles; older indexes: ()

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "title": self.title,
            "sha256": self.sha256,
            "chunks": self.chunks,
            "ingested_at": self.ingested_at,
            "path": self.path,
            "authors": list(self.authors),
            "pages": self.pages,
            "headings": list(self.headings),
        }


# Keys a later version may add to an entry are ignored, so an index stays readable.
_ENTRY_FIELDS = frozenset(f.name for f in fields(ReportEntry))


@dataclass(frozen=True)
class Generation:
    """The active index generation as recorded in Chroma."""

    collection_name: str
    model: str
    dimension: int
    reports: tuple[ReportEntry, ...]
    user_terms: tuple[str, ...] = ()
    created_at: float = 0.0
    backend: str = ""  # the embedding backend that embedded it ("" = before it was recorded: torch)
    previous: str = ""  # the generation this one replaced, kept for questions still on it


@dataclass(frozen=True)
class IndexedChunk:
    """A chunk with the BM25 tokens computed for it at ingest."""

    chunk: Chunk
    tokens: tuple[str, ...]


def pointer_name(prefix: str) -> str:
    """The name of the pointer collection for index collections named `<prefix>_g…`."""
    return f"{prefix}{POINTER_SUFFIX}"


def read_generation(client: Any, prefix: str) -> Generation | None:
    """The active generation, or None when nothing was ever ingested."""
    try:
        pointer = client.get_collection(pointer_name(prefix), embedding_function=None)
    except Exception:
        return None
    meta = pointer.metadata or {}
    name = str(meta.get("generation", ""))
    if not name:
        return None
    try:
        reports = tuple(
            ReportEntry(
                **{
                    **{k: v for k, v in r.items() if k in _ENTRY_FIELDS},
                    "authors": tuple(r.get("authors") or ()),
                    "headings": tuple(r.get("headings") or ()),
                }
            )
            for r in json.loads(str(meta.get("reports", "[]")))
        )
        terms = tuple(json.loads(str(meta.get("user_terms", "[]"))))
    except (ValueError, TypeError) as exc:
        raise IndexCorruptError("索引元数据已损坏，请运行 `reportqa ingest` 重建索引。") from exc
    return Generation(
        collection_name=name,
        model=str(meta.get("model", "")),
        dimension=int(meta.get("dimension", 0) or 0),
        reports=reports,
        user_terms=terms,
        created_at=float(meta.get("created_at", 0.0) or 0.0),
        backend=str(meta.get("backend", "")),
        previous=str(meta.get("previous", "") or ""),
    )


def active_generation_name(client: Any, prefix: str) -> str:
    """The active generation's collection name, "" when nothing was ingested: a cheap
    read of the pointer, polled by the web app to follow ingests of other processes."""
    try:
        generation = read_generation(client, prefix)
    except IndexCorruptError:
        return ""
    return generation.collection_name if generation else ""


def open_active_collection(
    client: Any, prefix: str, model: str | None = None
) -> tuple[Any, Generation]:
    """The active collection; refuses a missing index or one built with another model."""
    generation = read_generation(client, prefix)
    if generation is None:
        raise IndexMissingError("还没有建立索引：请先运行 `reportqa ingest corpus/`。")
    if model is not None and generation.model != model:
        raise ModelMismatchError(
            f"索引是用嵌入模型 {generation.model} 建立的，当前配置的是 {model}；"
            "请用当前模型重新运行 `reportqa ingest`，或改回 REPORTQA_EMBED_MODEL。"
        )
    try:
        collection = client.get_collection(generation.collection_name, embedding_function=None)
    except Exception as exc:
        raise IndexCorruptError(
            f"索引集合 {generation.collection_name} 无法读取，请运行 `reportqa ingest` 重建索引。"
        ) from exc
    return collection, generation


def iter_records(
    collection: Any, include: Sequence[str] = ("documents", "metadatas"), page: int = 2000
) -> Iterator[tuple[str, str, Mapping[str, Any], Any]]:
    """Every record of a collection, paginated: (id, document, metadata, embedding|None)."""
    total = collection.count()
    for offset in range(0, total, page):
        batch = collection.get(include=list(include), limit=page, offset=offset)
        ids = batch["ids"]
        documents = batch.get("documents")
        metadatas = batch.get("metadatas")
        embeddings = batch.get("embeddings")
        for i, record_id in enumerate(ids):
            yield (
                record_id,
                documents[i] if documents is not None else "",
                metadatas[i] if metadatas is not None else {},
                embeddings[i] if embeddings is not None else None,
            )


def load_indexed_chunks(collection: Any) -> list[IndexedChunk]:
    """All chunks of a generation with their stored BM25 tokens, in report order."""
    out = []
    for record_id, document, metadata, _ in iter_records(collection):
        tokens = tuple(str(metadata.get(TOKENS_KEY, "")).split())
        out.append(IndexedChunk(chunk_from_record(record_id, document, metadata), tokens))
    out.sort(key=lambda ic: (ic.chunk.source, ic.chunk.position))
    return out


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes: what `ReportEntry.sha256` records at ingest."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
