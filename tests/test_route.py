"""A report's answers do not depend on the other reports in the index (issue 8).

Per-report BM25 indexes, per-report retrieval, routing a question to one report
and that report's term weights, over a real ephemeral Chroma with the
deterministic bigram embedder: no model, no randomness.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from rag.bm25 import BM25Index
from rag.chain import Answerer
from rag.context import Context, Corpus, Scorers
from rag.evidence import idf_weight
from rag.question import Language, Question, analyse
from rag.records import chunk_to_metadata
from rag.retrieve import (
    HybridRetriever,
    build_bm25_by_source,
    build_bm25_index,
    interleave_by_rank,
)
from rag.route import ReportRouter, ReportStatistics, statistics_by_source
from rag.tokenize import Tokenizer, derive_user_terms
from rag.types import Chunk, Retrieved
from tests.fakes import BigramEmbeddings
from tests.questions import packaged_lexicon
from tests.test_retrieve import REPORT, SOURCE_A, paragraph_chunks

SOURCE_B = "housing_finance.txt"
SOURCE_C = "bond_market.txt"

# Unrelated reports that share words with the tech-insurance report (贷款, 利率, 保险,
# 试点, 补偿), so library-wide statistics and a merged ranking would both move.
HOUSING = """2025 年房地产金融运行分析

个人住房贷款平均利率降至 3.05%，二套房贷款平均利率为 3.35%。

住房公积金贷款利率下调 0.25 个百分点，首套房贷款首付比例降至 15%。

保交房专项借款继续发放，城市房地产融资协调机制试点扩大到全部地级城市。

房地产开发贷款余额同比增长 2.1%，保险资金投资保障性租赁住房项目 12 个。
"""

BONDS = """2025 年债券市场运行分析

科技创新债券发行规模超过 5000 亿元，发行主体涵盖商业银行、证券公司和科技企业。

国债收益率曲线整体下移，十年期国债收益率年末为 1.68%。

信用债违约规模下降，风险补偿机制试点在部分地区推开。
"""

QUESTIONS_ABOUT_A = (
    "首台（套）保险补偿机制是哪一年开始试点的？",
    "凯世通公司的低能离子注入机入选了什么项目？",
    "银保科技e贷的贷款平均利率是多少？",
    "中试综合保险由哪家保险公司推出？",
    "科技保险分为哪两大类？",
    "报告里提到的风险补偿基金规模是多少？",
)


class Library:
    """An index of some reports, wired like `build_answerer` does (minus the model)."""

    def __init__(self, chroma_client: Any, chunks: Sequence[Chunk], jieba_dir: Path) -> None:
        self.chunks = list(chunks)
        lexicon = packaged_lexicon()
        terms = derive_user_terms((c.text for c in chunks), lexicon)
        self.tokenizer = Tokenizer(terms, cache_dir=jieba_dir, lexicon=lexicon)
        tokens = [self.tokenizer.cut(c.embed_text or c.text) for c in self.chunks]
        from langchain_chroma import Chroma

        self.store = Chroma(
            collection_name=f"route-{uuid.uuid4().hex[:8]}",
            embedding_function=BigramEmbeddings(),
            client=chroma_client,
            collection_metadata={"hnsw:space": "cosine"},
        )
        self.store.add_texts(
            [c.text for c in self.chunks],
            metadatas=[chunk_to_metadata(c) for c in self.chunks],
            ids=[c.id for c in self.chunks],
        )
        self.retriever = HybridRetriever(
            vectorstore=self.store,
            bm25=BM25Index.build([c.id for c in self.chunks], tokens),
            tokenizer=self.tokenizer,
            chunks={c.id: c for c in self.chunks},
            bm25_by_source=build_bm25_by_source(self.chunks, tokens),
            collection=self.store._collection,
        )
        pairs = list(zip(self.chunks, tokens, strict=True))
        self.library = ReportStatistics.of(pairs)
        self.reports = statistics_by_source(pairs)
        self.router = ReportRouter(
            self.retriever, reports=self.reports, library=self.library, lexicon=lexicon
        )
        context = Context(
            Language(lexicon, cut=self.tokenizer.cut),
            Scorers(
                weight=self.library.weight,
                corpus_has=self.library.corpus_has,
                statistics_for=lambda source: self.reports.get(source, self.library),
            ),
            Corpus(report_names={s: s for s in self.reports}),
        )
        self.answerer = Answerer(context, self.router.retrieve)

    def analyse(self, question: str) -> Question:
        return analyse(question, Language(packaged_lexicon(), self.tokenizer.cut))


def _chunk(chunk_id: str, text: str, source: str) -> Chunk:
    return Chunk(chunk_id, text, source, source, ("一、",), 1, 1, 0)


def _ids(results: Sequence[Retrieved]) -> list[tuple[str, int, float]]:
    return [(r.chunk.id, r.rank, round(r.score, 12)) for r in results]


@pytest.fixture(scope="module")
def chroma_client() -> Any:
    import chromadb
    from chromadb.config import Settings

    return chromadb.EphemeralClient(Settings(anonymized_telemetry=False, allow_reset=True))


@pytest.fixture(scope="module")
def tech_chunks() -> list[Chunk]:
    return paragraph_chunks(
        REPORT.read_text(encoding="utf-8"), SOURCE_A, "2025 科技保险发展分析报告"
    )


@pytest.fixture(scope="module")
def other_chunks() -> list[Chunk]:
    return paragraph_chunks(HOUSING, SOURCE_B, "2025 年房地产金融运行分析") + paragraph_chunks(
        BONDS, SOURCE_C, "2025 年债券市场运行分析"
    )


@pytest.fixture(scope="module")
def alone(chroma_client: Any, tech_chunks: list[Chunk], tmp_path_factory: Any) -> Library:
    return Library(chroma_client, tech_chunks, tmp_path_factory.mktemp("jieba-alone"))


@pytest.fixture(scope="module")
def beside(
    chroma_client: Any, tech_chunks: list[Chunk], other_chunks: list[Chunk], tmp_path_factory: Any
) -> Library:
    return Library(chroma_client, tech_chunks + other_chunks, tmp_path_factory.mktemp("jieba-lib"))


# --- building blocks ----------------------------------------------------------


def test_interleave_by_rank_takes_every_reports_first_hits_first() -> None:
    def hits(source: str, scores: Sequence[float]) -> list[Retrieved]:
        return [
            Retrieved(_chunk(f"{source}{i}", "x", source), s, i)
            for i, s in enumerate(scores, start=1)
        ]

    merged = interleave_by_rank([hits("a", [0.5, 0.4, 0.3]), hits("b", [0.9]), hits("c", [0.5])])
    assert [r.chunk.id for r in merged] == ["b1", "a1", "c1", "a2", "a3"]
    assert [r.rank for r in merged] == [1, 2, 3, 4, 5]
    assert [r.score for r in merged] == [0.9, 0.5, 0.5, 0.4, 0.3]
    assert interleave_by_rank([]) == []


def test_bm25_per_report_equals_the_report_indexed_alone(
    tech_chunks: list[Chunk], other_chunks: list[Chunk], tmp_path: Path
) -> None:
    tokenizer = Tokenizer(cache_dir=tmp_path, lexicon=packaged_lexicon())
    everything = tech_chunks + other_chunks
    tokens = [tokenizer.cut(c.embed_text or c.text) for c in everything]
    per_report = build_bm25_by_source(everything, tokens)
    assert set(per_report) == {SOURCE_A, SOURCE_B, SOURCE_C}
    own = build_bm25_index(tech_chunks, tokenizer)
    shared = BM25Index.build([c.id for c in everything], tokens)
    query = tokenizer.cut("贷款平均利率是多少")
    assert per_report[SOURCE_A].search(query, 10) == own.search(query, 10)
    # The library-wide index ranks the same report's chunks with other statistics.
    allowed = {c.id for c in tech_chunks}
    assert shared.search(query, 10, allowed) != own.search(query, 10)
    with pytest.raises(ValueError):
        build_bm25_by_source(everything, tokens[:-1])


def test_report_mentions_latin_terms_only_as_whole_tokens() -> None:
    chunk = _chunk("x", "Huayue Institute of Finance：银保科技 e 贷", "s")
    stats = ReportStatistics.of([(chunk, ("huayue", "institute", "finance", "银保", "科技"))])
    assert not stats.mentions("e")
    assert stats.mentions("Finance") and stats.mentions("银保科技")
    assert ReportStatistics.of([(chunk, ("e", "贷"))]).mentions("e")
    assert stats.corpus_has("金融") is False and stats.corpus_has("finance")


# --- retrieval ----------------------------------------------------------------


@pytest.mark.parametrize("question", QUESTIONS_ABOUT_A)
def test_a_reports_hits_do_not_depend_on_the_reports_beside_it(
    alone: Library, beside: Library, question: str
) -> None:
    reference = alone.retriever.retrieve(question)
    assert reference
    assert _ids(beside.retriever.retrieve(question, report=SOURCE_A)) == _ids(reference)
    assert _ids(beside.retriever.retrieve_per_report(question)[SOURCE_A]) == _ids(reference)
    sims = [r.similarity for r in beside.retriever.retrieve(question, report=SOURCE_A)]
    assert sims == pytest.approx([r.similarity for r in reference])


def test_all_reports_query_returns_each_reports_own_top_k(beside: Library) -> None:
    question = "贷款平均利率是多少？"
    per_report = beside.retriever.retrieve_per_report(question, k=3)
    assert set(per_report) == {SOURCE_A, SOURCE_B, SOURCE_C}
    merged = beside.retriever.retrieve(question, k=3)
    assert sorted(r.chunk.id for r in merged) == sorted(
        r.chunk.id for hits in per_report.values() for r in hits
    )
    assert [r.rank for r in merged] == list(range(1, len(merged) + 1))
    # Every report's best hit comes before any report's second.
    first = {hits[0].chunk.id for hits in per_report.values()}
    assert {r.chunk.id for r in merged[: len(first)]} == first


def test_many_reports_search_only_those_the_library_ranking_points_at(beside: Library) -> None:
    few = beside.retriever.model_copy(update={"max_reports": 2})
    candidates = few.report_candidates("凯世通公司的低能离子注入机")
    assert candidates[0] == SOURCE_A and len(candidates) <= 2
    assert beside.retriever.report_candidates("x") == sorted([SOURCE_A, SOURCE_B, SOURCE_C])


def test_one_report_index_keeps_the_single_index_path(alone: Library) -> None:
    question = "中试综合保险由哪家保险公司推出？"
    plain = alone.retriever.model_copy(update={"bm25_by_source": None})
    assert _ids(alone.retriever.retrieve(question)) == _ids(plain.retrieve(question))


# --- routing and per-report statistics ----------------------------------------


@pytest.mark.parametrize(
    ("question", "source"),
    [
        ("凯世通公司的低能离子注入机入选了什么项目？", SOURCE_A),
        ("银保科技e贷的贷款平均利率是多少？", SOURCE_A),
        ("二套房贷款平均利率是多少？", SOURCE_B),
        ("十年期国债收益率年末是多少？", SOURCE_C),
    ],
)
def test_questions_go_to_the_report_that_names_what_they_ask(
    beside: Library, question: str, source: str
) -> None:
    hits = beside.router.retrieve(beside.analyse(question))
    assert hits and {r.chunk.source for r in hits} == {source}
    assert _ids(hits) == _ids(beside.retriever.retrieve(question, report=source))


def test_coverage_counts_rare_terms_more(beside: Library) -> None:
    analysis = beside.analyse("凯世通 贷款")
    assert set(analysis.term_texts) == {"凯世通", "贷款", "凯世", "世通"}
    coverage = beside.router.coverage(analysis, [SOURCE_A, SOURCE_B])
    weight = beside.library.weight
    assert coverage[SOURCE_A] == pytest.approx(1.0)
    share = weight("贷款") / sum(weight(t) for t in analysis.term_texts)
    assert coverage[SOURCE_B] == pytest.approx(share) and share < 0.25


def test_each_report_has_its_own_weights_and_text(
    alone: Library, beside: Library, tech_chunks: list[Chunk]
) -> None:
    tokens = [alone.tokenizer.cut(c.embed_text or c.text) for c in tech_chunks]
    own: Callable[[str], float] = idf_weight(
        {t: sum(t in set(ts) for ts in tokens) for t in {t for ts in tokens for t in ts}},
        len(tech_chunks),
    )
    tech = beside.reports[SOURCE_A]
    for term in ("保险", "贷款", "利率", "凯世通", "国债"):
        assert tech.weight(term) == pytest.approx(own(term))
        assert tech.weight(term) == pytest.approx(alone.reports[SOURCE_A].weight(term))
    assert not tech.corpus_has("国债收益率")  # only the bond report says it
    assert beside.reports[SOURCE_C].corpus_has("国债收益率")
    assert beside.library.weight("保险") != pytest.approx(tech.weight("保险"))


@pytest.mark.parametrize("question", QUESTIONS_ABOUT_A)
def test_answers_about_a_report_are_the_same_beside_other_reports(
    alone: Library, beside: Library, question: str
) -> None:
    reference = alone.answerer.answer(question)
    answer = beside.answerer.answer(question)
    assert answer.text == reference.text
    assert answer.refused == reference.refused
    assert [r.chunk.id for r in answer.retrieved] == [r.chunk.id for r in reference.retrieved]
    assert [c.chunk_id for c in answer.citations] == [c.chunk_id for c in reference.citations]
