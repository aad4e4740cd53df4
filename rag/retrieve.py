"""Hybrid retrieval: dense (Chroma via LangChain) + BM25, fused by reciprocal rank.

Dense retrieval finds paraphrases; BM25 finds rare exact names and numbers
(凯世通, 2015) that a small embedding model blurs. Reciprocal rank fusion
needs no score calibration between the two, which is why it is used here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Annotated, Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.vectorstores import VectorStore
from pydantic import PrivateAttr, SkipValidation

from rag.bm25 import BM25Index, BM25Params
from rag.records import chunk_from_record, chunk_to_metadata
from rag.settings import RetrievalSettings
from rag.tokenize import Tokenizer
from rag.types import Chunk, Retrieved

# Neighbour chunks get this fraction of the lowest fused hit's score, so they
# always rank after every fused hit.
NEIGHBOUR_SCORE_FACTOR = 0.5


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]],
    k: int = 60,
    weights: Sequence[float] | None = None,
) -> list[tuple[str, float]]:
    """Fuse ranked id lists: score(id) = Σ weight_i / (k + rank_i), ranks 1-based.

    An id repeated within one ranking counts at its best rank only. Ties keep
    the order in which ids were first seen, so the result is deterministic.
    """
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("reciprocal_rank_fusion: one weight per ranking")
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        seen: set[str] = set()
        for rank, doc_id in enumerate(ranking, start=1):
            if doc_id in seen:
                continue
            seen.add(doc_id)
            scores[doc_id] = scores.get(doc_id, 0.0) + weight / (k + rank)
    first_seen = {doc_id: i for i, doc_id in enumerate(scores)}
    return sorted(scores.items(), key=lambda item: (-item[1], first_seen[item[0]]))


def build_bm25_index(
    chunks: Iterable[Chunk],
    tokenizer: Tokenizer,
    params: BM25Params | None = None,
    use_embed_text: bool = True,
) -> BM25Index:
    """Tokenise chunks once and build the BM25 index.

    With `use_embed_text` the section-title prefix of `embed_text` is indexed
    too, so a question naming a section finds its chunks.
    """
    chunk_list = list(chunks)
    tokens = [
        tokenizer.cut((c.embed_text or c.text) if use_embed_text else c.text) for c in chunk_list
    ]
    return BM25Index.build([c.id for c in chunk_list], tokens, params)


def build_bm25_by_source(
    chunks: Iterable[Chunk],
    tokens: Iterable[Sequence[str]],
    params: BM25Params | None = None,
) -> dict[str, BM25Index]:
    """One BM25 index per report (chunk.source), from each chunk's stored tokens.

    Each index has its own vocabulary, idf and average length, so a report's
    BM25 scores do not depend on which other reports are indexed beside it.
    """
    ids: dict[str, list[str]] = defaultdict(list)
    toks: dict[str, list[Sequence[str]]] = defaultdict(list)
    for chunk, chunk_tokens in zip(chunks, tokens, strict=True):
        ids[chunk.source].append(chunk.id)
        toks[chunk.source].append(chunk_tokens)
    return {source: BM25Index.build(ids[source], toks[source], params) for source in ids}


def interleave_by_rank(per_report: Sequence[Sequence[Retrieved]]) -> list[Retrieved]:
    """Merge per-report result lists: every report's 1st hit, then every 2nd hit, ….

    Within one rank, higher fused score first; ties keep the order of the lists.
    Ranks are renumbered 1..n; scores and similarities are kept.
    """
    tagged = [
        (item.rank, -item.score, order, item)
        for order, results in enumerate(per_report)
        for item in results
    ]
    tagged.sort(key=lambda t: (t[0], t[1], t[2]))
    return [replace(t[3], rank=i) for i, t in enumerate(tagged, start=1)]


def load_chunks_from_chroma(collection: Any, page_size: int = 2000) -> dict[str, Chunk]:
    """Read every chunk of a raw chromadb collection, page by page.

    Paginated because a single `.get()` of a large collection materialises all
    documents and metadata at once (and hits SQLite variable limits).
    """
    chunks: dict[str, Chunk] = {}
    offset = 0
    while True:
        page = collection.get(include=["documents", "metadatas"], limit=page_size, offset=offset)
        ids = page.get("ids") or []
        documents = page.get("documents") or [None] * len(ids)
        metadatas = page.get("metadatas") or [None] * len(ids)
        for chunk_id, text, meta in zip(ids, documents, metadatas, strict=False):
            chunks[chunk_id] = chunk_from_record(chunk_id, text or "", meta or {})
        if len(ids) < page_size:
            break
        offset += page_size
    return chunks


def load_chunks_by_id(collection: Any, ids: Sequence[str]) -> dict[str, Chunk]:
    """The chunks with these ids from a raw chromadb collection."""
    page = collection.get(ids=list(ids), include=["documents", "metadatas"])
    found = page.get("ids") or []
    documents = page.get("documents") or [None] * len(found)
    metadatas = page.get("metadatas") or [None] * len(found)
    return {
        str(chunk_id): chunk_from_record(str(chunk_id), text or "", meta or {})
        for chunk_id, text, meta in zip(found, documents, metadatas, strict=False)
    }


def chunk_document(chunk: Chunk, score: float, rank: int) -> Document:
    """The LangChain Document for a retrieved chunk (metadata: records layout + score, rank)."""
    metadata: dict[str, Any] = dict(chunk_to_metadata(chunk))
    metadata["score"] = score
    metadata["rank"] = rank
    return Document(page_content=chunk.text, metadata=metadata, id=chunk.id)


class HybridRetriever(BaseRetriever):
    """Dense + BM25 retriever over one Chroma collection, fused with RRF.

    Use `retrieve()` for typed results (`Retrieved`); as a LangChain Runnable,
    `invoke(question)` returns Documents whose metadata is
    `rag.records.chunk_to_metadata` plus "score" and "rank". `report` scopes
    `invoke()` to one source; `retrieve(report=...)` overrides it per call.
    """

    vectorstore: VectorStore
    bm25: Annotated[BM25Index, SkipValidation]
    tokenizer: Annotated[Tokenizer, SkipValidation]
    # SkipValidation: pydantic would otherwise re-validate every Chunk dataclass.
    chunks: Annotated[dict[str, Chunk], SkipValidation]
    settings: Annotated[RetrievalSettings, SkipValidation] = RetrievalSettings()
    mode: Literal["dense", "bm25", "hybrid"] = "hybrid"
    report: str | None = None
    # One BM25 index per report (`build_bm25_by_source`). When given, each report is
    # searched on its own (its BM25 statistics, dense search filtered to it, its own
    # fusion) and the per-report lists are merged, so what a report contributes does
    # not depend on the other reports in the index. None: one index over all reports.
    bm25_by_source: Annotated[dict[str, BM25Index] | None, SkipValidation] = None
    # With more reports than this, only those the library-wide ranking points at are searched.
    max_reports: int = 8
    # The raw chromadb collection behind `vectorstore`, if known: dense search then asks it
    # for ids and distances only, about 3× faster than through the LangChain wrapper
    # (0.75 vs 2.2 ms a query on 126 chunks), which matters with one query per report.
    collection: Annotated[Any, SkipValidation] = None

    _by_source: dict[str, set[str]] | None = PrivateAttr(default=None)
    _neighbours: dict[str, tuple[str | None, str | None]] | None = PrivateAttr(default=None)
    _last_vector: tuple[str, list[float]] | None = PrivateAttr(default=None)

    def _by_source_map(self) -> dict[str, set[str]]:
        if self._by_source is None:
            by_source: dict[str, set[str]] = defaultdict(set)
            for chunk in self.chunks.values():
                by_source[chunk.source].add(chunk.id)
            self._by_source = dict(by_source)
        return self._by_source

    def _ids_of_source(self, source: str) -> set[str]:
        return self._by_source_map().get(source, set())

    def _neighbour_map(self) -> dict[str, tuple[str | None, str | None]]:
        if self._neighbours is None:
            groups: dict[tuple[str, tuple[str, ...]], list[Chunk]] = defaultdict(list)
            for chunk in self.chunks.values():
                groups[(chunk.source, chunk.section_path)].append(chunk)
            links: dict[str, tuple[str | None, str | None]] = {}
            for members in groups.values():
                members.sort(key=lambda c: c.position)
                for i, chunk in enumerate(members):
                    prev_id = members[i - 1].id if i > 0 else None
                    next_id = members[i + 1].id if i + 1 < len(members) else None
                    links[chunk.id] = (prev_id, next_id)
            self._neighbours = links
        return self._neighbours

    def _dense(
        self, query: str, report: str | None
    ) -> tuple[list[str], dict[str, Chunk], dict[str, float]]:
        flt = {"source": report} if report else None
        if self.collection is not None:
            return self._dense_in_collection(query, flt)
        # Chroma's by-vector search lets the answer step reuse this question's embedding.
        by_vector = getattr(
            self.vectorstore, "similarity_search_by_vector_with_relevance_scores", None
        )
        if by_vector is not None:
            hits = by_vector(self._query_vector(query), k=self.settings.dense_k, filter=flt)
        else:
            hits = self.vectorstore.similarity_search_with_score(
                query, k=self.settings.dense_k, filter=flt
            )
        ranking: list[str] = []
        extra: dict[str, Chunk] = {}
        similarity: dict[str, float] = {}
        for doc, distance in hits:
            chunk_id = str(doc.metadata.get("chunk_id") or doc.id or "")
            if not chunk_id:
                continue
            ranking.append(chunk_id)
            # Collections use cosine space, so distance = 1 - cosine similarity.
            similarity[chunk_id] = 1.0 - float(distance)
            if chunk_id not in self.chunks:
                # The collection has a chunk the in-memory map lacks (e.g.
                # loaded before a re-ingest): rebuild it from the hit itself.
                extra[chunk_id] = chunk_from_record(chunk_id, doc.page_content, doc.metadata)
        return ranking, extra, similarity

    def _dense_in_collection(
        self, query: str, flt: dict[str, str] | None
    ) -> tuple[list[str], dict[str, Chunk], dict[str, float]]:
        found = self.collection.query(
            query_embeddings=[self._query_vector(query)],
            n_results=self.settings.dense_k,
            where=flt,
            include=["distances"],
        )
        ids = [str(i) for i in (found.get("ids") or [[]])[0]]
        distances = (found.get("distances") or [[]])[0]
        # Collections use cosine space, so distance = 1 - cosine similarity.
        similarity = {i: 1.0 - float(d) for i, d in zip(ids, distances, strict=False)}
        missing = [i for i in ids if i not in self.chunks]
        extra: dict[str, Chunk] = {}
        if missing:
            # Chunks the in-memory map lacks (e.g. loaded before a re-ingest) are read back.
            extra = load_chunks_by_id(self.collection, missing)
        return [i for i in ids if i in self.chunks or i in extra], extra, similarity

    def _query_vector(self, query: str) -> list[float]:
        # Embedded once per question and reused by the answer step (see query_vector()).
        cached = self._last_vector
        if cached is not None and cached[0] == query:
            return cached[1]
        embeddings = self.vectorstore.embeddings
        if embeddings is None:
            raise ValueError("the vector store has no embedding function")
        vector = embeddings.embed_query(query)
        self._last_vector = (query, vector)
        return vector

    def query_vector(self, query: str) -> list[float]:
        """The e5 query embedding of `query` (cached for the most recent question)."""
        return self._query_vector(query)

    def _sparse(self, query: str, report: str | None) -> list[str]:
        tokens = self.tokenizer.cut(query)
        if report and self.bm25_by_source is not None:
            own = self.bm25_by_source.get(report)
            if own is None:
                return []
            return [doc_id for doc_id, _ in own.search(tokens, self.settings.bm25_k)]
        allowed = self._ids_of_source(report) if report else None
        if allowed is not None and not allowed:
            return []
        return [doc_id for doc_id, _ in self.bm25.search(tokens, self.settings.bm25_k, allowed)]

    def retrieve(
        self,
        query: str,
        report: str | None = None,
        k: int | None = None,
        also_match: Sequence[str] = (),
    ) -> list[Retrieved]:
        """Top-k chunks for a (normalised) question, ranks 1..n, no duplicates.

        `report` restricts results to one source (the `source` metadata);
        None uses the retriever's `report` field (None = all reports).
        With `bm25_by_source` and more than one report, a question over all
        reports gets every candidate report's own top-k (`retrieve_per_report`)
        merged by `interleave_by_rank`, so up to k × reports chunks come back.
        With `settings.neighbours`, the previous and next chunk of the same
        section are appended after the hits at a lower score. `also_match` are words
        added to the BM25 query only (the dense query stays the question).
        """
        report = report if report is not None else self.report
        if report or self.bm25_by_source is None or len(self.bm25_by_source) <= 1:
            results = self._fused(query, report, k, also_match)
            return self._with_neighbours(results) if self.settings.neighbours else results
        return interleave_by_rank(list(self.retrieve_per_report(query, k, also_match).values()))

    def retrieve_per_report(
        self, query: str, k: int | None = None, also_match: Sequence[str] = ()
    ) -> dict[str, list[Retrieved]]:
        """Each candidate report's own top-k, as `retrieve(query, report=source)` gives it.

        Every list depends only on its own report: BM25 over that report's index,
        dense search filtered to it, fused on their own. Reports in
        `report_candidates` order; those with no hit are left out.
        """
        if self.bm25_by_source is None or len(self.bm25_by_source) <= 1:
            results = self.retrieve(query, k=k, also_match=also_match)
            return {results[0].chunk.source: results} if results else {}
        out: dict[str, list[Retrieved]] = {}
        for source in self.report_candidates(query):
            results = self._fused(query, source, k, also_match)
            if results:
                out[source] = (
                    self._with_neighbours(results) if self.settings.neighbours else results
                )
        return out

    def report_candidates(self, query: str) -> list[str]:
        """The reports searched one by one for a question over the whole index.

        Every report when there are at most `max_reports`; else those with a
        chunk in the library-wide fused top `dense_k`, best first, at most
        `max_reports` of them (a report none of whose chunks ranks there is not
        what the question is about).
        """
        sources = sorted(self.bm25_by_source or self._by_source_map())
        if len(sources) <= self.max_reports:
            return sources
        seen: dict[str, None] = {}
        for item in self._fused(query, None, self.settings.dense_k):
            seen.setdefault(item.chunk.source, None)
        return list(seen)[: self.max_reports]

    def _fused(
        self, query: str, report: str | None, k: int | None, also_match: Sequence[str] = ()
    ) -> list[Retrieved]:
        """Dense and BM25 rankings (of one report, or of all) fused by RRF; ranks 1..k."""
        top_k = k if k is not None else self.settings.top_k
        if top_k <= 0 or not query.strip():
            return []
        rankings: list[list[str]] = []
        weights: list[float] = []
        known: dict[str, Chunk] = {}
        similarity: dict[str, float] = {}
        if self.mode in ("dense", "hybrid"):
            dense_ids, known, similarity = self._dense(query, report)
            rankings.append(dense_ids)
            weights.append(self.settings.dense_weight)
        if self.mode in ("bm25", "hybrid"):
            rankings.append(self._sparse(" ".join((query, *also_match)), report))
            weights.append(self.settings.bm25_weight)
        fused = reciprocal_rank_fusion(rankings, k=self.settings.rrf_k, weights=weights)

        def lookup(chunk_id: str) -> Chunk | None:
            return self.chunks.get(chunk_id) or known.get(chunk_id)

        results: list[Retrieved] = []
        for chunk_id, score in fused:
            chunk = lookup(chunk_id)
            if chunk is None or (report and chunk.source != report):
                continue
            results.append(
                Retrieved(
                    chunk=chunk,
                    score=score,
                    rank=len(results) + 1,
                    similarity=similarity.get(chunk_id, 0.0),
                )
            )
            if len(results) == top_k:
                break
        return results

    def _with_neighbours(self, results: list[Retrieved]) -> list[Retrieved]:
        if not results:
            return results
        links = self._neighbour_map()
        # Below the lowest hit, so neighbours never outrank a fused hit.
        neighbour_score = results[-1].score * NEIGHBOUR_SCORE_FACTOR
        seen = {r.chunk.id for r in results}
        out = list(results)
        for hit in results:
            for neighbour_id in links.get(hit.chunk.id, (None, None)):
                if neighbour_id is None or neighbour_id in seen:
                    continue
                seen.add(neighbour_id)
                chunk = self.chunks[neighbour_id]
                out.append(Retrieved(chunk=chunk, score=neighbour_score, rank=0))
        # Neighbours keep the order of the hits they belong to, after all hits.
        return [
            Retrieved(chunk=r.chunk, score=r.score, rank=i, similarity=r.similarity)
            for i, r in enumerate(out, start=1)
        ]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [chunk_document(r.chunk, r.score, r.rank) for r in self.retrieve(query)]


def chunks_by_id(chunks: Iterable[Chunk]) -> dict[str, Chunk]:
    """Index chunks by id, refusing duplicates (ids are content hashes)."""
    out: dict[str, Chunk] = {}
    for chunk in chunks:
        if chunk.id in out and out[chunk.id] != chunk:
            raise ValueError(f"duplicate chunk id with different content: {chunk.id}")
        out[chunk.id] = chunk
    return out


__all__ = [
    "NEIGHBOUR_SCORE_FACTOR",
    "HybridRetriever",
    "build_bm25_by_source",
    "build_bm25_index",
    "chunk_document",
    "chunks_by_id",
    "interleave_by_rank",
    "load_chunks_by_id",
    "load_chunks_from_chroma",
    "reciprocal_rank_fusion",
]
