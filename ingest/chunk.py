"""`ParsedReport` → `Chunk`s: sentence-aware for Chinese, table rows kept whole.

A chunk's `text` is always a contiguous piece of the report's own text (after
page-break joins, see `ingest.parse.joined_text`), so a quoted span can be checked
verbatim. What gets embedded (`embed_text`) may add the section path, and for
table rows the caption and header, because a bare row means little on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rag.sentence_split import sentence_spans
from rag.settings import ChunkSettings
from rag.table_cells import is_pipe_row
from rag.tabular import aligned_rows, column_names
from rag.types import Block, Chunk, ParsedReport, content_id, span_pages

_CLAUSE_END = "，、：,:"
_SEPARATOR = " › "


def _clause_spans(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence at ，、： boundaries, hard-cutting only a clause > limit."""
    pieces: list[tuple[int, int]] = []
    a = start
    for i in range(start, end):
        if text[i] in _CLAUSE_END:
            pieces.append((a, i + 1))
            a = i + 1
    if a < end:
        pieces.append((a, end))
    out: list[tuple[int, int]] = []
    for a, b in pieces:
        while b - a > limit:
            out.append((a, a + limit))
            a += limit
        if b > a:
            out.append((a, b))
    return out


def _units(text: str, limit: int) -> list[tuple[int, int]]:
    units: list[tuple[int, int]] = []
    for a, b in sentence_spans(text):
        if len(text[a:b].strip()) > limit:
            units.extend(_clause_spans(text, a, b, limit))
        else:
            units.append((a, b))
    return units


def _pack(text: str, limit: int, overlap: int) -> list[tuple[int, int]]:
    """Greedy packing of sentence units into spans of at most `limit` stripped chars."""
    units = _units(text, limit)
    spans: list[tuple[int, int]] = []
    i = 0
    prev_first = -1
    while i < len(units):
        first = i
        j = i
        while j + 1 < len(units) and len(text[units[first][0] : units[j + 1][1]].strip()) <= limit:
            j += 1
        spans.append((units[first][0], units[j][1]))
        if j + 1 >= len(units):
            break
        # Start the next chunk `overlap` units back, as long as that still fits and moves on.
        nxt = j + 1
        back = min(overlap, nxt - first - 1)
        while back > 0:
            cand = nxt - back
            fits = len(text[units[cand][0] : units[nxt][1]].strip()) <= limit
            if cand > first and cand > prev_first and fits:
                break
            back -= 1
        prev_first = first
        i = nxt - back
    return spans


@dataclass
class _Piece:
    text: str
    section_path: tuple[str, ...]
    page_start: int | None
    page_end: int | None
    kind: str
    embed_body: str
    table: _TableOf | None = None
    page_breaks: tuple[tuple[int, int | None], ...] = ()


@dataclass(frozen=True)
class _TableOf:
    """The table a row belongs to."""

    caption: str
    header: str
    index: int
    rows: int


def _page_bounds(spans: Sequence[tuple[int | None, int | None]]) -> tuple[int | None, int | None]:
    starts = [start for start, _ in spans if start is not None]
    ends = [end for _, end in spans if end is not None]
    return (min(starts) if starts else None, max(ends) if ends else None)


def _block_span_pages(block: Block, lo: int, hi: int) -> tuple[int | None, int | None]:
    """Pages of the characters [lo, hi) of `block`: a chunk cut from a paragraph that runs
    over a page break cites only the pages its own sentences sit on."""
    return span_pages(block.page_start, block.page_end, block.page_breaks, lo, hi)


def _table_embed(block: Block) -> str:
    row = block.text.split("\t")
    lines = [block.table_caption] if block.table_caption else []
    header = block.table_header.split("\t") if block.table_header else []
    if block.table_caption and len(header) == len(row):
        # A real table: name each cell by its column so the row reads on its own.
        lines.append(
            "；".join(f"{h.strip()}：{c.strip()}" for h, c in zip(header, row, strict=True))
        )
    else:
        if block.table_header:
            lines.append(" | ".join(c.strip() for c in header if c.strip()))
        lines.append(" | ".join(c.strip() for c in row if c.strip()))
    return "\n".join(lines)


def _pipe_embeds(report: ParsedReport) -> dict[int, str]:
    """What each row of a " | " table embeds (by block position): the caption, then each
    cell named by its column (a cell merged over several rows filled in), so that a row
    reads on its own: 「表2 …\n地区：华东区；保费收入/亿元：125；…」."""
    tables: dict[int, list[Block]] = {}
    for block in report.blocks:
        if block.kind == "table_row" and block.table_index and is_pipe_row(block.text):
            tables.setdefault(block.table_index, []).append(block)
    embeds: dict[int, str] = {}
    for members in tables.values():
        aligned = aligned_rows([b.text for b in members])
        width = len(aligned[0][0]) if aligned else 0
        header = [line for line in members[0].table_header.split("\n") if line.strip()]
        names = column_names(header, width)
        for block, (cells, _) in zip(members, aligned, strict=True):
            named = "；".join(
                f"{name}：{cell}" if name else cell
                for name, cell in zip(names, cells, strict=True)
                if cell
            )
            caption = block.table_caption.split("\n")[0]
            embeds[block.position] = f"{caption}\n{named}" if caption else named
    return embeds


def _table_counts(report: ParsedReport) -> dict[int, int]:
    """How many rows each table of the report has, by table number."""
    counts: dict[int, int] = {}
    for block in report.blocks:
        if block.kind == "table_row" and block.table_index:
            counts[block.table_index] = counts.get(block.table_index, 0) + 1
    return counts


def _group_pieces(group: Sequence[Block], settings: ChunkSettings) -> list[_Piece]:
    """Chunk one run of same-section paragraphs, joined as they are in the report."""
    text = "\n".join(b.text for b in group)
    # Offsets of each block inside `text`, to give each chunk its own page range.
    offsets: list[tuple[int, int, Block]] = []
    pos = 0
    for block in group:
        offsets.append((pos, pos + len(block.text), block))
        pos += len(block.text) + 1
    pieces = []
    first_block = 0  # chunks come in order, so the block scan only moves forward
    for a, z in _pack(text, settings.max_chars, settings.overlap_sentences):
        raw = text[a:z]
        lead = len(raw) - len(raw.lstrip())
        chunk_text = raw.strip()
        if not chunk_text:
            continue
        s, e = a + lead, a + lead + len(chunk_text)
        while first_block + 1 < len(offsets) and offsets[first_block][1] <= s:
            first_block += 1
        covered = []
        for lo, hi, blk in offsets[first_block:]:
            if lo >= e:
                break
            if hi > s:
                covered.append(_block_span_pages(blk, max(s, lo) - lo, min(e, hi) - lo))
        start, end = _page_bounds(covered)
        breaks = _chunk_breaks(offsets[first_block:], s, e, start)
        pieces.append(
            _Piece(chunk_text, group[0].section_path, start, end, group[0].kind, "", None, breaks)
        )
    return pieces


def _chunk_breaks(
    offsets: Sequence[tuple[int, int, Block]], s: int, e: int, first_page: int | None
) -> tuple[tuple[int, int | None], ...]:
    """Where a later page starts inside the chunk [s, e) of its group's text: at a block
    that starts on another page, or at a page break inside a block."""
    breaks: list[tuple[int, int | None]] = []
    page = first_page
    for lo, hi, blk in offsets:
        if lo >= e:
            break
        if hi <= s:
            continue
        points = [(lo, blk.page_start)] + [(lo + at, p) for at, p in blk.page_breaks]
        for at, new in points:
            if new is None or new == page or not s < at < e:
                if at <= s and new is not None:
                    page = new  # the chunk starts inside this block, on this page
                continue
            breaks.append((at - s, new))
            page = new
    return tuple(breaks)


def chunk_report(report: ParsedReport, settings: ChunkSettings) -> list[Chunk]:
    """Split a parsed report into chunks.

    Consecutive paragraphs of one section are packed sentence by sentence into
    chunks of at most `settings.max_chars` characters (only a table row may be
    longer); a sentence is cut (at ，、： then hard) only when it alone is too
    long. Each table row is one chunk. Ids are content hashes of source, section
    path and text; a repeated text gets its occurrence number hashed in too.
    """
    if settings.max_chars < 1:
        raise ValueError("max_chars must be positive")
    pieces: list[_Piece] = []
    group: list[Block] = []
    pipe_embeds = _pipe_embeds(report)
    table_counts = _table_counts(report)

    def flush() -> None:
        if group:
            pieces.extend(_group_pieces(group, settings))
            group.clear()

    for block in report.blocks:
        if block.kind == "heading" or not block.text.strip():
            continue
        if block.kind == "table_row":
            flush()
            table = _TableOf(
                block.table_caption,
                block.table_header,
                block.table_index,
                table_counts.get(block.table_index, 0),
            )
            pieces.append(
                _Piece(
                    block.text,
                    block.section_path,
                    block.page_start,
                    block.page_end,
                    "table_row",
                    pipe_embeds.get(block.position) or _table_embed(block),
                    table if block.table_index else None,
                )
            )
            continue
        if group and (
            block.kind != "paragraph"
            or group[-1].kind != "paragraph"
            or block.section_path != group[-1].section_path
        ):
            flush()
        group.append(block)
        if block.kind != "paragraph":
            flush()  # front-matter blocks are already grouped by the parser
    flush()

    meta = report.meta
    seen: dict[str, int] = {}
    chunks: list[Chunk] = []
    for position, piece in enumerate(pieces):
        path_label = _SEPARATOR.join(piece.section_path)
        base = content_id(meta.source, path_label, piece.text)
        count = seen.get(base, 0)
        seen[base] = count + 1
        chunk_id = (
            base if count == 0 else content_id(meta.source, path_label, piece.text, str(count))
        )
        body = piece.embed_body or piece.text
        if settings.embed_section_title:
            prefix = path_label or meta.title
            embed = f"{prefix}\n{body}" if prefix else body
        else:
            embed = piece.embed_body
        chunks.append(
            Chunk(
                id=chunk_id,
                text=piece.text,
                source=meta.source,
                title=meta.title,
                section_path=piece.section_path,
                page_start=piece.page_start,
                page_end=piece.page_end,
                position=position,
                kind=piece.kind,
                embed_text=embed,
                meta=meta,
                page_breaks=piece.page_breaks,
                **_table_fields(piece.table),
            )
        )
    return chunks


def _table_fields(table: _TableOf | None) -> dict[str, Any]:
    if table is None:
        return {}
    return {
        "table_caption": table.caption,
        "table_header": table.header,
        "table_index": table.index,
        "table_rows": table.rows,
    }
