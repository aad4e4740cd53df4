"""`Context`: what the answer path knows, built once by the factory and then only read.

It holds the language tools (tokens, tags, normalisation, short forms), the
indexed reports (chunks, table rows, TOC chunks, evidence units in reading order,
headings, part titles, report names), the term statistics, the unit similarity
and the scoring settings. Everything derived from the chunks is computed on first
use and kept: a Context never changes after it is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from rag.enumeration import DocumentUnit, document_units
from rag.evidence import ScoringSettings
from rag.lexicon import Lexicon
from rag.parts import Part, report_parts
from rag.question import Language
from rag.rerank import RerankSettings
from rag.types import Chunk, Retrieved


class TermStatistics(Protocol):
    """One report's term weights and mention check (see rag/route.py)."""

    @property
    def weight(self) -> Callable[[str], float]: ...

    @property
    def corpus_has(self) -> Callable[[str], bool]: ...


@dataclass(frozen=True)
class Corpus:
    """The indexed reports, as the answer path reads them."""

    chunks: tuple[Chunk, ...] = ()  # every chunk of every report
    report_names: Mapping[str, str] = field(default_factory=dict)  # file name or title → source
    titles: tuple[str, ...] = ()  # the reports' titles, for the UI

    @cached_property
    def table_rows(self) -> tuple[Chunk, ...]:
        return tuple(c for c in self.chunks if c.kind == "table_row")

    @cached_property
    def units(self) -> tuple[DocumentUnit, ...]:
        """Every evidence unit of the reports, in reading order."""
        return tuple(document_units(self.chunks))

    @cached_property
    def unit_positions(self) -> Mapping[tuple[str, int], int]:
        """(chunk id, unit index in the chunk) → the unit's position in `units`."""
        return {(unit.chunk.id, unit.index): at for at, unit in enumerate(self.units)}

    @cached_property
    def _by_position(self) -> Mapping[tuple[str, int], Chunk]:
        return {(c.source, c.position): c for c in self.chunks}

    def next_chunk(self, chunk: Chunk) -> Chunk | None:
        """The chunk right after `chunk` in its report (None at the report's end)."""
        return self._by_position.get((chunk.source, chunk.position + 1))

    def previous_chunk(self, chunk: Chunk) -> Chunk | None:
        """The chunk right before `chunk` in its report (None at the report's start)."""
        return self._by_position.get((chunk.source, chunk.position - 1))

    @cached_property
    def _headings(self) -> Mapping[str, tuple[str, ...]]:
        by_source: dict[str, list[Chunk]] = {}
        for chunk in self.chunks:
            if chunk.section_path:
                by_source.setdefault(chunk.source, []).append(chunk)
        return {
            source: tuple(
                dict.fromkeys(c.section_path[0] for c in sorted(chunks, key=lambda c: c.position))
            )
            for source, chunks in by_source.items()
        }

    def headings(self, source: str) -> tuple[str, ...]:
        """A report's top-level headings in reading order."""
        return self._headings.get(source, ())

    def rows_of(self, source: str | None) -> tuple[Chunk, ...]:
        """The table rows of one report (all reports' when `source` is None)."""
        return tuple(r for r in self.table_rows if source is None or r.source == source)


@dataclass(frozen=True)
class Scorers:
    """Term weights, 「does the report say X」 and the e5 similarity of evidence units."""

    weight: Callable[[str], float]
    corpus_has: Callable[[str], bool] | None = None
    # One report's statistics, by its source (a library answers from one report).
    statistics_for: Callable[[str], TermStatistics] | None = None
    unit_similarity: Callable[[str, Retrieved], list[float]] | None = None
    # The e5 similarity of a question's text to each of some texts (a part's outline).
    text_similarity: Callable[[str, Sequence[str]], list[float]] | None = None

    def for_passages(
        self, passages: Sequence[Retrieved]
    ) -> tuple[Callable[[str], float], Callable[[str], bool] | None]:
        """Term weights and mention check of the report the passages come from."""
        if self.statistics_for is not None and passages:
            statistics = self.statistics_for(passages[0].chunk.source)
            return statistics.weight, statistics.corpus_has
        return self.weight, self.corpus_has

    def similarity_to(self, question: str) -> Callable[[Retrieved], list[float]] | None:
        """The similarity of each unit of a passage to `question` (None without vectors)."""
        if self.unit_similarity is None:
            return None
        unit_similarity = self.unit_similarity

        def similarity(item: Retrieved) -> list[float]:
            return unit_similarity(question, item)

        return similarity


@dataclass(frozen=True)
class Context:
    """Everything the answer path reads (see the module docstring)."""

    language: Language
    scorers: Scorers
    corpus: Corpus = field(default_factory=Corpus)
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    rerank: RerankSettings = field(default_factory=RerankSettings)
    # Strategies left out of the registry (`evals/ablation.py` measures what each is worth).
    skipped_strategies: frozenset[str] = frozenset()

    @property
    def lexicon(self) -> Lexicon:
        return self.language.lexicon

    @cached_property
    def part_titles(self) -> frozenset[str]:
        """The titles of the reports' top-level parts, without their numbers (致谢, 引言 …)."""
        prefix = self.lexicon.patterns.heading_prefix
        return frozenset(
            prefix.sub("", c.section_path[0]) for c in self.corpus.chunks if c.section_path
        )

    @cached_property
    def parts(self) -> Mapping[str, tuple[Part, ...]]:
        """Every report's headings at every level, numbered and titled (`rag.parts`), by source."""
        sources = dict.fromkeys(c.source for c in self.corpus.chunks)
        return {
            source: report_parts(self.corpus.chunks, source, self.lexicon) for source in sources
        }

    @cached_property
    def toc_chunks(self) -> tuple[Chunk, ...]:
        """The reports' tables of contents."""
        toc = (self.lexicon.report.parts.toc,)
        return tuple(c for c in self.corpus.chunks if c.section_path[:1] == toc)


__all__ = ["Context", "Corpus", "Scorers", "TermStatistics"]
