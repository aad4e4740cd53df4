"""Questions about the publication itself: 「这份报告是哪个机构出的」「作者们是哪个单位的」
「DOI号是多少」「这篇研究是哪个基金项目资助的」.

The facts come from the parser (`ReportMeta`: title, authors, publisher, date, series,
and `ReportMeta.facts`: affiliations, DOI, keywords, funding, journal); the answer
quotes the passage of the report's own front matter (or imprint) that states them, so
it is cited and checked like any other quote. Which field a question asks for, in
which order they are tried, and how the answer names a fact are lexicon data
(`[report.publication]`).

A question about the report's making answers only when it names the report (「这份报告
是谁写的」, `Cue.ABOUT_REPORT`); DOI, keywords, funding, journal and affiliations are
asked of the publication whatever the wording. When the report has none of a field
that reports mark with a word of their own (DOI, 关键词, 基金项目, a journal's name) and
no passage of it has the word, the answer says the report does not give it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.lexicon import Lexicon
from rag.question import Cue, Question
from rag.sentences import evidence_units
from rag.types import Chunk, ReportMeta

# The ReportMeta fact each question field reads (ingest/facts.py names them).
FACT_OF_FIELD = {
    "affiliations": "affiliation",
    "doi": "doi",
    "keywords": "keywords",
    "funding": "funding",
    "journal": "journal",
}
# A paper without a date line may give its year in its own citation line.
DATE_FACT = "year"
# Fields read from ReportMeta's own attributes, quoted by the passage that names them.
META_FIELDS = ("authors", "date", "series", "publisher")


@dataclass(frozen=True)
class Statement:
    """One sentence of the answer and the passage it quotes."""

    text: str
    chunk: Chunk


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


def front_chunks(chunks: Sequence[Chunk], source: str | None) -> list[Chunk]:
    """Every front-matter passage of the report (the 摘要 too: 关键词 and DOI sit there)."""
    return [
        c for c in chunks if (source is None or c.source == source) and c.kind == "front_matter"
    ]


def asked_fields(question: Question, lexicon: Lexicon) -> tuple[str, ...]:
    """The publication fields the question may be answered with, in the order tried: every
    asked field when it names the report, else only those asked of a publication alone."""
    if question.has(Cue.CONFIRMATION_TAG) or question.has(Cue.OUTLINE):
        # 「是李扬和阎建军合写的吧？」 states a premise to check: the ordinary answer path
        # quotes the evidence and corrects it. 「报告分几章？」 asks for its structure.
        return ()
    fields = question.wanted.publication_fields
    if question.has(Cue.ABOUT_REPORT) and question.scope.table_number is None:
        return fields
    intrinsic = lexicon.report.publication.intrinsic
    return tuple(f for f in fields if f in intrinsic)


def _report_meta(chunks: Sequence[Chunk]) -> ReportMeta | None:
    return next((c.meta for c in chunks if c.meta is not None), None)


def _meta_statement(
    field_name: str, meta: ReportMeta, candidates: Sequence[Chunk], lexicon: Lexicon
) -> Statement | None:
    """The shortest passage unit that states a metadata field: the cover first, then one
    that names the field (「执笔人：」), then the shortest."""
    marker = lexicon.report.publication.markers[field_name]
    value = _meta_value(meta, field_name)
    if not value:
        return None
    found = [
        (chunk.kind != "front_matter", not marker.search(unit), len(unit), unit, chunk)
        for chunk in candidates
        for unit in evidence_units(chunk)
        if value in unit
    ]
    if not found:
        return None
    *_, unit, chunk = min(found, key=lambda f: (f[0], f[1], f[2]))
    return Statement(unit, chunk)


def _meta_value(meta: ReportMeta, field_name: str) -> str:
    if field_name == "authors":
        return meta.authors[0] if meta.authors else ""
    if field_name == "series":
        # 「NIFD季报·保险业运行」: the column is the part after the series name.
        return meta.series.split("·")[-1].strip()
    return str(getattr(meta, field_name, "") or "")


def _values(field_name: str, meta: ReportMeta) -> tuple[str, ...]:
    if field_name == "date":
        return meta.fact(DATE_FACT)
    if field_name in FACT_OF_FIELD:
        return meta.fact(FACT_OF_FIELD[field_name])
    if field_name == "first_author":
        return meta.authors[:1]
    if field_name == "title":
        return (meta.title,) if meta.title else ()
    return ()


def _fact_statements(
    field_name: str, meta: ReportMeta, candidates: Sequence[Chunk], lexicon: Lexicon
) -> list[Statement]:
    """「作者单位：甲；乙」: the field's values, each cited where the front matter states it,
    one sentence per passage, the first one labelled."""
    by_chunk: dict[str, tuple[Chunk, list[str]]] = {}
    for value in _values(field_name, meta):
        chunk = next((c for c in candidates if value in c.text), None)
        if chunk is not None:
            by_chunk.setdefault(chunk.id, (chunk, []))[1].append(value)
    label = lexicon.report.publication.labels.get(field_name, "")
    statements: list[Statement] = []
    for chunk, values in by_chunk.values():
        prefix = label if not statements else ""
        statements.append(Statement(f"{prefix}{'；'.join(values)}。", chunk))
    return statements


def publication_statements(
    question: Question, chunks: Sequence[Chunk], source: str | None, lexicon: Lexicon
) -> list[Statement]:
    """The answer to a question about the publication: the first asked field the report
    states, quoted from its front matter; [] when it states none."""
    fields = asked_fields(question, lexicon)
    if not fields:
        return []
    imprint = publication_chunks(chunks, source, lexicon)
    front = front_chunks(chunks, source)
    meta = _report_meta(imprint or front)
    if meta is None:
        return []
    for field_name in fields:
        if field_name in META_FIELDS:
            statement = _meta_statement(field_name, meta, imprint, lexicon)
            if statement is not None:
                return [statement]
            if field_name != "date":
                continue
        statements = _fact_statements(field_name, meta, [*imprint, *front], lexicon)
        if statements:
            return statements
    return []


def states_nothing_of(
    question: Question, chunks: Sequence[Chunk], source: str | None, lexicon: Lexicon
) -> bool:
    """Whether the question asks for a field the report marks with a word of its own (DOI,
    关键词, 基金项目, a journal) that no passage of the report has: the report does not
    give it."""
    publication = lexicon.report.publication
    fields = [f for f in asked_fields(question, lexicon) if f in publication.refuse_absent]
    if not fields:
        return False
    own = [c for c in chunks if source is None or c.source == source]
    if not own:
        return False
    return all(
        not any(publication.markers[f].search(c.text) for c in own)
        for f in fields
        if f in publication.markers
    )


__all__ = [
    "Statement",
    "asked_fields",
    "front_chunks",
    "publication_chunks",
    "publication_statements",
    "states_nothing_of",
]
