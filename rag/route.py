"""A library of reports: answer each question from one report, with that report's statistics.

With several reports in one index, a question about the first report used to be
answered against statistics of all of them: BM25 idf and lengths, the
answerer's term weights and its 「does the report mention X?」 check all moved
when an unrelated report was ingested, and a similar sentence in another report
could win. Here every report is searched on its own (`HybridRetriever` with one
BM25 index per report) and the question is answered from the one report it is
about, using that report's term weights and text only, so a report's answers do
not depend on which other reports sit beside it.

Which report (`ReportRouter.route`):

1. Each candidate report's weighted coverage of the question's terms: the share
   of the terms (weighted by library-wide rarity and part of speech) the report
   mentions anywhere. Han terms count when the report's text contains them,
   terms with Latin letters or digits only as a whole token of the report
   (「e」 is not mentioned by 「Finance」). The reports with the highest coverage
   stay.
2. Among those, the second-stage reranker (`rag.rerank`, best sentence per
   chunk) orders all their first-stage hits; the report of the best one wins.

The answer step scores with the statistics of the report its passages come from
(`Answerer(statistics_for=...)`, keyed by the first passage's source): the router
returns one report's passages, so that is the report the question was routed to.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rag.evidence import ScoringSettings, idf_weight
from rag.lexicon import Lexicon
from rag.question import Intent, Question
from rag.rerank import RerankSettings, rerank
from rag.retrieve import HybridRetriever, interleave_by_rank
from rag.types import Chunk, Retrieved

_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9]")


def text_mentions(text: str) -> Callable[[str], bool]:
    """`corpus_has` over `text`: a term occurs, or as an abbreviation (金监 ~ 金融监管)."""
    lowered = text.lower()

    def has(term: str) -> bool:
        term = term.lower()
        if term in lowered:
            return True
        pattern = ".{0,2}".join(re.escape(ch) for ch in term)
        return len(term) >= 2 and re.search(pattern, lowered) is not None

    return has


@dataclass(frozen=True)
class ReportStatistics:
    """What the answer step knows about one report (or the whole library)."""

    weight: Callable[[str], float]
    corpus_has: Callable[[str], bool]
    # For routing: the report's BM25 tokens and its text (NFKC, lower case).
    tokens: frozenset[str]
    text: str

    @classmethod
    def of(cls, chunks: Sequence[tuple[Chunk, Sequence[str]]]) -> ReportStatistics:
        """Statistics of chunks with their BM25 tokens (one report's, or all)."""
        doc_freq: Counter[str] = Counter()
        vocabulary: set[str] = set()
        for _, tokens in chunks:
            unique = set(tokens)
            doc_freq.update(unique)
            vocabulary |= unique
        # Embedded text: a table's caption and column headers (发文单位) are the report's words.
        text = "\n".join(chunk.embed_text or chunk.text for chunk, _ in chunks)
        return cls(
            weight=idf_weight(doc_freq, len(chunks)),
            corpus_has=text_mentions(text),
            tokens=frozenset(vocabulary),
            text=unicodedata.normalize("NFKC", text).lower(),
        )

    def mentions(self, term: str) -> bool:
        """Whether the report names `term` (for routing; see the module docstring)."""
        term = unicodedata.normalize("NFKC", term).lower()
        if _LATIN_OR_DIGIT.search(term):
            return term in self.tokens
        return term in self.text


def statistics_by_source(
    chunks: Iterable[tuple[Chunk, Sequence[str]]],
) -> dict[str, ReportStatistics]:
    """`ReportStatistics` of every report (by `chunk.source`)."""
    grouped: dict[str, list[tuple[Chunk, Sequence[str]]]] = {}
    for chunk, tokens in chunks:
        grouped.setdefault(chunk.source, []).append((chunk, tokens))
    return {source: ReportStatistics.of(group) for source, group in grouped.items()}


def also_match(question: Question, lexicon: Lexicon) -> tuple[str, ...]:
    """Words a question's keyword search also looks for: for a definition question, the
    words that mark a definition (「是指」「指的是」). The defining sentence of a term
    rarely shares more words with 「TCI是啥意思」 than the table rows under a heading that
    names the term; the marker words are what set it apart. The dense query stays the
    question's own text."""
    if question.intent is Intent.DEFINITION:
        return lexicon.evidence.markers[Intent.DEFINITION.value].words
    return ()


class ReportRouter:
    """Retrieval for the chain: one report per question, chosen as the module docstring says."""

    def __init__(
        self,
        retriever: HybridRetriever,
        reports: Mapping[str, ReportStatistics],
        library: ReportStatistics,
        lexicon: Lexicon,
        unit_similarity: Callable[[str, Retrieved], list[float]] | None = None,
        rerank_settings: RerankSettings | None = None,
        scoring: ScoringSettings | None = None,
    ) -> None:
        self._retriever = retriever
        self._lexicon = lexicon
        self._reports = dict(reports)
        self._library = library
        self._unit_similarity = unit_similarity
        self._rerank = rerank_settings or RerankSettings()
        self._scoring = scoring or ScoringSettings()

    def retrieve(self, question: Question, report: str | None = None) -> list[Retrieved]:
        """The chunks to answer `question` from: one report's, named or routed."""
        also = also_match(question, self._lexicon)
        if report:
            return self._retriever.retrieve(question.text, report=report, also_match=also)
        per_report = self._retriever.retrieve_per_report(question.text, also_match=also)
        source = self.route(question, per_report)
        if source is None:
            return []
        return list(per_report[source])

    def coverage(self, question: Question, sources: Iterable[str]) -> dict[str, float]:
        """Each report's weighted share of the question's terms that it mentions."""
        weigh = question.weigh(self._library.weight)
        terms = question.term_texts
        total = sum(weigh(t) for t in terms)
        out: dict[str, float] = {}
        for source in sources:
            stats = self._reports.get(source)
            got = sum(weigh(t) for t in terms if stats and stats.mentions(t))
            out[source] = got / total if total > 0 else 0.0
        return out

    def route(
        self, question: Question, per_report: Mapping[str, Sequence[Retrieved]]
    ) -> str | None:
        """The report to answer from, among those with hits; None when none has any."""
        sources = [source for source, hits in per_report.items() if hits]
        if len(sources) <= 1:
            return sources[0] if sources else None
        if question.terms:
            coverage = self.coverage(question, sources)
            best = max(coverage.values())
            sources = [source for source in sources if coverage[source] >= best - 1e-9]
            if len(sources) == 1:
                return sources[0]
        merged = interleave_by_rank([per_report[source] for source in sources])
        similarity = self._unit_similarity

        def unit_similarity(item: Retrieved) -> list[float]:
            assert similarity is not None
            return similarity(question.text, item)

        ranked = rerank(
            question,
            merged,
            self._library.weight,
            self._rerank,
            self._scoring,
            self._lexicon,
            unit_similarity if similarity is not None else None,
        )
        return ranked[0].chunk.source


__all__ = [
    "ReportRouter",
    "ReportStatistics",
    "also_match",
    "statistics_by_source",
    "text_mentions",
]
