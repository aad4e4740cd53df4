"""HybridRetriever over a real (ephemeral) Chroma with a fake embedder."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document

from rag.bm25 import BM25Index
from rag.records import chunk_to_metadata
from rag.retrieve import (
    HybridRetriever,
    build_bm25_index,
    chunks_by_id,
    load_chunks_from_chroma,
    reciprocal_rank_fusion,
)
from rag.settings import RetrievalSettings
from rag.tokenize import Tokenizer, derive_user_terms
from rag.types import Chunk, ReportMeta, content_id
from tests.fakes import BigramEmbeddings, HashEmbeddings
from tests.questions import packaged_lexicon

REPORT = Path(__file__).resolve().parents[1] / "corpus" / "nifd_2025_tech_insurance_report.txt"
SOURCE_A = "nifd_2025_tech_insurance_report.txt"
SOURCE_B = "other_report.txt"


# --- reciprocal rank fusion -------------------------------------------------


def test_rrf_hand_made_example() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a", "d"]], k=60)
    ids = [doc_id for doc_id, _ in fused]
    # a: 1/61 + 1/62, c: 1/63 + 1/61, b: 1/62, d: 1/63
    assert ids == ["a", "c", "b", "d"]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[3][1] == pytest.approx(1 / 63)


def test_rrf_weights_and_duplicates() -> None:
    fused = dict(reciprocal_rank_fusion([["a", "a", "b"], ["b"]], k=1, weights=[1.0, 3.0]))
    assert fused["a"] == pytest.approx(1 / 2)  # the repeat of "a" is ignored
    assert fused["b"] == pytest.approx(1 / 4 + 3 / 2)
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"]], weights=[1.0, 2.0])


def test_rrf_ties_keep_first_seen_order() -> None:
    assert [d for d, _ in reciprocal_rank_fusion([["x"], ["y"]])] == ["x", "y"]
    assert reciprocal_rank_fusion([]) == []


# --- fixtures: chunks from the report's paragraphs ---------------------------


def paragraph_chunks(text: str, source: str, title: str) -> list[Chunk]:
    """Simple chunks: blank-line paragraphs, grouped into made-up sections of 5."""
    meta = ReportMeta(title=title, source=source)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) >= 15]
    chunks = []
    for position, paragraph in enumerate(paragraphs):
        section = (f"第{position // 5 + 1}节",)
        chunks.append(
            Chunk(
                id=content_id(source, paragraph),
                text=paragraph,
                source=source,
                title=title,
                section_path=section,
                page_start=position // 5 + 1,
                page_end=position // 5 + 1,
                position=position,
                meta=meta,
            )
        )
    return list(chunks_by_id(chunks).values())


OTHER_REPORT = """数字人民币试点进展

数字人民币试点城市不断扩大，交易规模持续增长。

跨境支付方面，多边央行数字货币桥项目取得进展。

中试综合保险在本报告中只作为对照出现，用于检验按报告过滤。
"""


@pytest.fixture(scope="module")
def chunks() -> list[Chunk]:
    report = REPORT.read_text(encoding="utf-8")
    return paragraph_chunks(report, SOURCE_A, "2025 科技保险发展分析报告") + paragraph_chunks(
        OTHER_REPORT, SOURCE_B, "数字人民币报告"
    )


@pytest.fixture(scope="module")
def tokenizer(chunks: list[Chunk], tmp_path_factory: pytest.TempPathFactory) -> Tokenizer:
    terms = derive_user_terms((c.text for c in chunks), packaged_lexicon())
    return Tokenizer(terms, cache_dir=tmp_path_factory.mktemp("jieba"), lexicon=packaged_lexicon())


@pytest.fixture(scope="module")
def bm25(chunks: list[Chunk], tokenizer: Tokenizer) -> BM25Index:
    return build_bm25_index(chunks, tokenizer)


@pytest.fixture(scope="module")
def chroma_client() -> Any:
    import chromadb
    from chromadb.config import Settings

    return chromadb.EphemeralClient(Settings(anonymized_telemetry=False, allow_reset=True))


@pytest.fixture(scope="module")
def vectorstore(chroma_client: Any, chunks: list[Chunk]) -> Any:
    from langchain_chroma import Chroma

    store = Chroma(
        collection_name=f"test-{uuid.uuid4().hex[:8]}",
        embedding_function=BigramEmbeddings(),
        client=chroma_client,
        collection_metadata={"hnsw:space": "cosine"},
    )
    store.add_texts(
        [c.text for c in chunks],
        metadatas=[chunk_to_metadata(c) for c in chunks],
        ids=[c.id for c in chunks],
    )
    return store


def make_retriever(
    vectorstore: Any,
    bm25: BM25Index,
    tokenizer: Tokenizer,
    chunks: list[Chunk],
    **kwargs: Any,
) -> HybridRetriever:
    return HybridRetriever(
        vectorstore=vectorstore,
        bm25=bm25,
        tokenizer=tokenizer,
        chunks={c.id: c for c in chunks},
        **kwargs,
    )


@pytest.fixture(scope="module")
def retriever(
    vectorstore: Any, bm25: BM25Index, tokenizer: Tokenizer, chunks: list[Chunk]
) -> HybridRetriever:
    return make_retriever(vectorstore, bm25, tokenizer, chunks)


# --- retrieval --------------------------------------------------------------


def test_bm25_side_finds_rare_name(
    vectorstore: Any, bm25: BM25Index, tokenizer: Tokenizer, chunks: list[Chunk]
) -> None:
    r = make_retriever(vectorstore, bm25, tokenizer, chunks, mode="bm25")
    results = r.retrieve("凯世通的低能离子注入机")
    assert results
    assert "凯世通" in results[0].chunk.text


def test_hybrid_finds_rare_name_and_ranks_are_clean(retriever: HybridRetriever) -> None:
    results = retriever.retrieve("凯世通公司的低能离子注入机入选了什么项目？", k=5)
    assert any("凯世通" in r.chunk.text for r in results[:3])
    assert [r.rank for r in results] == list(range(1, len(results) + 1))
    assert len(results) == 5
    assert len({r.chunk.id for r in results}) == len(results)
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)


def test_default_k_from_settings(retriever: HybridRetriever) -> None:
    assert len(retriever.retrieve("科技保险")) == RetrievalSettings().top_k


def test_dense_mode_uses_vectorstore(
    vectorstore: Any, bm25: BM25Index, tokenizer: Tokenizer, chunks: list[Chunk]
) -> None:
    r = make_retriever(vectorstore, bm25, tokenizer, chunks, mode="dense")
    target = next(c for c in chunks if "凯世通" in c.text)
    # With the bigram embedder the exact text is its own nearest neighbour.
    results = r.retrieve(target.text, k=3)
    assert results[0].chunk.id == target.id


def test_report_filter_with_two_sources(retriever: HybridRetriever) -> None:
    both = retriever.retrieve("中试综合保险", k=20)
    assert {r.chunk.source for r in both} == {SOURCE_A, SOURCE_B}
    only_b = retriever.retrieve("中试综合保险", report=SOURCE_B, k=20)
    assert only_b
    assert {r.chunk.source for r in only_b} == {SOURCE_B}
    assert [r.rank for r in only_b] == list(range(1, len(only_b) + 1))
    only_a = retriever.retrieve("中试综合保险", report=SOURCE_A, k=6)
    assert {r.chunk.source for r in only_a} == {SOURCE_A}
    assert retriever.retrieve("中试综合保险", report="no-such-report.txt") == []


def test_empty_query_returns_nothing(retriever: HybridRetriever) -> None:
    assert retriever.retrieve("   ") == []
    assert retriever.retrieve("科技保险", k=0) == []


def test_invoke_returns_documents(retriever: HybridRetriever) -> None:
    docs = retriever.invoke("凯世通公司的低能离子注入机")
    assert docs
    assert all(isinstance(d, Document) for d in docs)
    first = docs[0]
    assert first.metadata["rank"] == 1
    assert first.metadata["score"] > 0
    assert first.metadata["chunk_id"] == first.id
    assert first.metadata["source"] in {SOURCE_A, SOURCE_B}
    assert first.id is not None
    assert first.page_content == retriever.chunks[first.id].text
    assert [d.metadata["rank"] for d in docs] == list(range(1, len(docs) + 1))


def test_invoke_scoped_to_report_field(retriever: HybridRetriever) -> None:
    scoped = retriever.model_copy(update={"report": SOURCE_B})
    docs = scoped.invoke("中试综合保险")
    assert docs
    assert {d.metadata["source"] for d in docs} == {SOURCE_B}


def test_batch_runs(retriever: HybridRetriever) -> None:
    out = retriever.batch(["科技保险", "数字人民币"])
    assert len(out) == 2
    assert all(out)


def test_neighbours_appended_after_hits(
    vectorstore: Any, bm25: BM25Index, tokenizer: Tokenizer, chunks: list[Chunk]
) -> None:
    settings = RetrievalSettings(neighbours=True)
    r = make_retriever(vectorstore, bm25, tokenizer, chunks, settings=settings, mode="bm25")
    results = r.retrieve("凯世通的低能离子注入机", k=1)
    hit = results[0].chunk
    assert [x.rank for x in results] == list(range(1, len(results) + 1))
    assert len({x.chunk.id for x in results}) == len(results)
    section = sorted(
        (c for c in chunks if c.source == hit.source and c.section_path == hit.section_path),
        key=lambda c: c.position,
    )
    i = section.index(hit)
    expected = {c.id for c in section[max(i - 1, 0) : i + 2]} - {hit.id}
    assert {x.chunk.id for x in results[1:]} == expected
    assert all(x.score < results[0].score for x in results[1:])


def test_missing_chunk_rebuilt_from_vectorstore_hit(
    vectorstore: Any, bm25: BM25Index, tokenizer: Tokenizer, chunks: list[Chunk]
) -> None:
    target = next(c for c in chunks if "凯世通" in c.text)
    partial = [c for c in chunks if c.id != target.id]
    r = make_retriever(vectorstore, bm25, tokenizer, partial, mode="dense")
    results = r.retrieve(target.text, k=3)
    assert results[0].chunk.id == target.id
    assert results[0].chunk.text == target.text
    assert results[0].chunk.section_path == target.section_path


def test_load_chunks_from_chroma_paginates(vectorstore: Any, chunks: list[Chunk]) -> None:
    loaded = load_chunks_from_chroma(vectorstore._collection, page_size=7)
    assert set(loaded) == {c.id for c in chunks}
    for c in chunks:
        got = loaded[c.id]
        assert (got.text, got.source, got.section_path, got.position) == (
            c.text,
            c.source,
            c.section_path,
            c.position,
        )
        assert (got.page_start, got.page_end) == (c.page_start, c.page_end)


def test_persistent_client_and_hash_embedder(tmp_path: Path, chunks: list[Chunk]) -> None:
    import chromadb
    from chromadb.config import Settings
    from langchain_chroma import Chroma

    client = chromadb.PersistentClient(
        path=str(tmp_path / "chroma"), settings=Settings(anonymized_telemetry=False)
    )
    embeddings = HashEmbeddings(query_prompt="query: ", passage_prompt="passage: ")
    few = chunks[:10]
    store = Chroma(collection_name="persist", embedding_function=embeddings, client=client)
    store.add_texts(
        [c.text for c in few],
        metadatas=[chunk_to_metadata(c) for c in few],
        ids=[c.id for c in few],
    )
    assert all(t.startswith("passage: ") for t in embeddings.calls)
    loaded = load_chunks_from_chroma(store._collection)
    assert set(loaded) == {c.id for c in few}
    assert HashEmbeddings().embed_query("同一文本") == HashEmbeddings().embed_query("同一文本")


def test_dense_side_filters_in_chroma(
    vectorstore: Any, bm25: BM25Index, tokenizer: Tokenizer, chunks: list[Chunk]
) -> None:
    r = make_retriever(vectorstore, bm25, tokenizer, chunks, mode="dense")
    ranking, _, similarity = r._dense("中试综合保险", SOURCE_B)
    by_id = {c.id: c for c in chunks}
    assert ranking
    assert {by_id[i].source for i in ranking} == {SOURCE_B}
    # Cosine similarities, best first, carried to Retrieved for the answer step.
    sims = [similarity[i] for i in ranking]
    assert sims == sorted(sims, reverse=True) and all(-1.0 <= s <= 1.0 for s in sims)


@pytest.mark.parametrize("report", [None, SOURCE_A, SOURCE_B])
def test_dense_search_in_the_raw_collection_matches_the_langchain_store(
    vectorstore: Any, bm25: BM25Index, tokenizer: Tokenizer, chunks: list[Chunk], report: Any
) -> None:
    via_store = make_retriever(vectorstore, bm25, tokenizer, chunks)
    raw = make_retriever(vectorstore, bm25, tokenizer, chunks, collection=vectorstore._collection)
    for question in ("中试综合保险", "凯世通公司的低能离子注入机", "数字人民币试点城市"):
        expected = via_store.retrieve(question, report=report, k=8)
        got = raw.retrieve(question, report=report, k=8)
        assert [(r.chunk.id, r.rank) for r in got] == [(r.chunk.id, r.rank) for r in expected]
        assert [r.score for r in got] == pytest.approx([r.score for r in expected])
        assert [r.similarity for r in got] == pytest.approx([r.similarity for r in expected])


def test_raw_collection_hit_missing_from_memory_is_read_back(
    vectorstore: Any, bm25: BM25Index, tokenizer: Tokenizer, chunks: list[Chunk]
) -> None:
    target = next(c for c in chunks if "凯世通" in c.text)
    partial = [c for c in chunks if c.id != target.id]
    r = make_retriever(
        vectorstore, bm25, tokenizer, partial, mode="dense", collection=vectorstore._collection
    )
    results = r.retrieve(target.text, k=3)
    assert results[0].chunk.id == target.id
    assert (results[0].chunk.text, results[0].chunk.section_path) == (
        target.text,
        target.section_path,
    )


def test_also_match_words_reach_the_keyword_search_only(
    vectorstore: Any, bm25: BM25Index, tokenizer: Tokenizer, chunks: list[Chunk]
) -> None:
    keyword = make_retriever(vectorstore, bm25, tokenizer, chunks, mode="bm25")
    plain = keyword.retrieve("离子注入机", k=3)
    assert plain and "凯世通" in plain[0].chunk.text
    # The extra words move the keyword ranking …
    widened = keyword.retrieve("离子注入机", k=3, also_match=("中试综合保险",))
    assert [r.chunk.id for r in widened] != [r.chunk.id for r in plain]
    assert any("中试综合保险" in r.chunk.text for r in widened)
    # … and never the dense one.
    dense = make_retriever(vectorstore, bm25, tokenizer, chunks, mode="dense")
    assert [r.chunk.id for r in dense.retrieve("离子注入机", k=3)] == [
        r.chunk.id for r in dense.retrieve("离子注入机", k=3, also_match=("中试综合保险",))
    ]
