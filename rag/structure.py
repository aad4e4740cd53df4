"""Questions about the report's own structure: 「这份报告分成哪几部分？」

Such a question shares no content words with any passage, so retrieval and
evidence scoring cannot find the answer; the report's table of contents holds
it. The answer lists the top-level headings, verbatim from the TOC, with their
printed pages, and cites the TOC.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.lexicon import Lexicon
from rag.question import Cue, Question
from rag.sentences import evidence_units
from rag.types import Chunk, ReportMeta


def publication_chunks(
    chunks: Sequence[Chunk], source: str | None, lexicon: Lexicon
) -> list[Chunk]:
    """The passages that describe the publication: cover, authors, imprint (not 摘要 or 目录)."""
    publication = lexicon.report.publication

    def part(chunk: Chunk) -> str | None:
        return chunk.section_path[0] if chunk.section_path else None

    return [
        c
        for c in chunks
        if (source is None or c.source == source)
        and (c.kind == "front_matter" or part(c) in publication.imprint)
        and part(c) not in publication.not_imprint
    ]


def toc_entries(toc: Chunk, lexicon: Lexicon) -> list[tuple[str, str]]:
    """The top-level (一、二、…) entries of a TOC chunk: heading and printed page ("" if none)."""
    entries = []
    for line in toc.text.split("\n"):
        match = lexicon.patterns.toc_entry.match(line)
        if match:
            entries.append((match.group(1).strip(), match.group(2) or ""))
    return entries


def outline_answer(
    question: Question, tocs: Sequence[Chunk], source: str | None, lexicon: Lexicon
) -> tuple[str, Chunk] | None:
    """The report's parts as one sentence of verbatim TOC headings, and the TOC it quotes.

    `source` picks the report (the one the question is scoped to, or the one the
    best retrieved passage comes from). None when the question does not ask for
    the outline or the report has no usable table of contents.
    """
    if not question.has(Cue.OUTLINE):
        return None
    for toc in tocs:
        if source is not None and toc.source != source:
            continue
        entries = toc_entries(toc, lexicon)
        if len(entries) < 2:
            continue
        parts = "；".join(
            f"{heading}（第 {page} 页）" if page else heading for heading, page in entries
        )
        # A count the answerer states itself: in words, never mistaken for a quoted figure.
        count = lexicon.numbers.numerals.count(len(entries))
        return f"报告正文分为{count}部分：{parts}", toc
    return None


__all__ = [
    "outline_answer",
    "publication_answer",
    "publication_chunks",
    "toc_entries",
]


def publication_answer(
    question: Question, chunks: Sequence[Chunk], source: str | None, lexicon: Lexicon
) -> tuple[str, Chunk] | None:
    """「这份报告是哪个机构出的？」: the parsed publication facts, quoted where the report states them.

    The field (publisher, authors, date, series) comes from the report's metadata; the
    answer is the shortest passage of the report's own front matter or imprint that
    states it, so it can be cited and checked like any other quote.
    """
    if not question.has(Cue.ABOUT_REPORT) or question.has(Cue.CONFIRMATION_TAG):
        # 「是李扬和阎建军合写的吧？」 states a premise to check: the ordinary answer path
        # quotes the evidence and corrects it.
        return None
    candidates = publication_chunks(chunks, source, lexicon)
    meta = next((c.meta for c in candidates if c.meta is not None), None)
    if meta is None:
        return None
    for field_name in question.wanted.publication_fields:
        marker = lexicon.report.publication.markers[field_name]
        value = _field_value(meta, field_name)
        if not value:
            continue
        found = [
            # The cover first, then a passage that names the field, then the shortest.
            (chunk.kind != "front_matter", not marker.search(unit), len(unit), unit, chunk)
            for chunk in candidates
            for unit in evidence_units(chunk)
            if value in unit
        ]
        if found:
            *_, unit, chunk = min(found, key=lambda f: (f[0], f[1], f[2]))
            return unit, chunk
    return None


def _field_value(meta: ReportMeta, field_name: str) -> str:
    if field_name == "authors":
        return meta.authors[0] if meta.authors else ""
    if field_name == "series":
        # 「NIFD季报·保险业运行」: the column is the part after the series name.
        return meta.series.split("·")[-1].strip()
    return str(getattr(meta, field_name, "") or "")
