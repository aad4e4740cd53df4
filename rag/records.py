"""Convert between `Chunk` and the flat metadata a vector store keeps.

Chroma metadata values must be scalars, so tuples are joined and `None`
pages are stored as 0. This module is the only place that knows the layout.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rag.types import Chunk, ReportMeta

SECTION_SEPARATOR = " › "


def chunk_to_metadata(chunk: Chunk) -> dict[str, str | int | float | bool]:
    """Flatten a chunk into Chroma-compatible metadata."""
    meta = chunk.meta or ReportMeta(title=chunk.title, source=chunk.source)
    return {
        "chunk_id": chunk.id,
        "source": chunk.source,
        "title": chunk.title,
        "section_path": json.dumps(list(chunk.section_path), ensure_ascii=False),
        "section": SECTION_SEPARATOR.join(chunk.section_path),
        "top_section": chunk.section_path[0] if chunk.section_path else "",
        "page_start": chunk.page_start or 0,
        "page_end": chunk.page_end or 0,
        "position": chunk.position,
        "kind": chunk.kind,
        "series": meta.series,
        "publisher": meta.publisher,
        "authors": "、".join(meta.authors),
        "date": meta.date,
        "facts": json.dumps([list(pair) for pair in meta.facts], ensure_ascii=False),
        # What was embedded (section title, table caption and header + text): the answer
        # step reads a table row in the light of its header.
        "embed_text": chunk.embed_text if chunk.embed_text != chunk.text else "",
        # A table row's table: caption, header lines, its number in the report, its rows.
        "table_caption": chunk.table_caption,
        "table_header": chunk.table_header,
        "table_index": chunk.table_index,
        "table_rows": chunk.table_rows,
        # Where later pages start inside the text: a JSON list of [offset, page].
        "page_breaks": json.dumps([list(b) for b in chunk.page_breaks])
        if chunk.page_breaks
        else "",
    }


def _stored_pairs(raw: Any) -> list[list[Any]]:
    """A JSON list of pairs as stored; [] for an index without it or a broken value."""
    if not isinstance(raw, str) or not raw:
        return []
    try:
        pairs = json.loads(raw)
    except json.JSONDecodeError:
        return []
    return [p for p in pairs if isinstance(p, list) and len(p) == 2]


def _facts(raw: Any) -> tuple[tuple[str, str], ...]:
    """The front-matter facts as stored (a JSON list of pairs)."""
    return tuple((str(p[0]), str(p[1])) for p in _stored_pairs(raw))


def _page_breaks(raw: Any) -> tuple[tuple[int, int | None], ...]:
    """Where later pages start inside the text, as stored (a JSON list of pairs)."""
    return tuple((int(p[0]), int(p[1]) if p[1] is not None else None) for p in _stored_pairs(raw))


def chunk_from_record(
    chunk_id: str, text: str, metadata: Mapping[str, Any], embed_text: str = ""
) -> Chunk:
    """Rebuild a chunk from stored text and metadata."""
    authors = str(metadata.get("authors", "") or "")
    meta = ReportMeta(
        title=str(metadata.get("title", "")),
        source=str(metadata.get("source", "")),
        series=str(metadata.get("series", "") or ""),
        publisher=str(metadata.get("publisher", "") or ""),
        authors=tuple(a for a in authors.split("、") if a),
        date=str(metadata.get("date", "") or ""),
        facts=_facts(metadata.get("facts")),
    )
    raw_path = metadata.get("section_path") or "[]"
    section_path = tuple(json.loads(raw_path)) if isinstance(raw_path, str) else tuple(raw_path)
    page_start = int(metadata.get("page_start") or 0) or None
    page_end = int(metadata.get("page_end") or 0) or None
    return Chunk(
        id=chunk_id,
        text=text,
        source=meta.source,
        title=meta.title,
        section_path=section_path,
        page_start=page_start,
        page_end=page_end,
        position=int(metadata.get("position") or 0),
        kind=str(metadata.get("kind", "paragraph")),
        embed_text=embed_text or str(metadata.get("embed_text", "") or ""),
        meta=meta,
        table_caption=str(metadata.get("table_caption", "") or ""),
        table_header=str(metadata.get("table_header", "") or ""),
        table_index=int(metadata.get("table_index") or 0),
        table_rows=int(metadata.get("table_rows") or 0),
        page_breaks=_page_breaks(metadata.get("page_breaks")),
    )
