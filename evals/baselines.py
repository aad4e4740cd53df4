"""Three reference systems the eval runner compares reportqa against.

* ``langchain-baseline``: the usual LangChain RAG recipe over the same report
  files and the same embedding model: ``RecursiveCharacterTextSplitter(1000,
  200)`` → ``Chroma.from_texts`` → similarity top-4. Its "answer" is the top
  chunk's text.
* ``chatchat-baseline``: the retriever of a Langchain-Chatchat knowledge base
  over the same files and the same embedding model: Chatchat's Chinese
  recursive splitter (paragraph, line, sentence-end and clause separators, kept
  at the end of their piece; 750 characters, 150 overlap), BM25 over jieba's
  search-mode tokens (``rank_bm25``, as LangChain's ``BM25Retriever``) and the
  dense retriever, each top-3, fused by reciprocal rank fusion with equal
  weights (``EnsembleRetriever``: c = 60), top 3. The answer is the top chunk.
* ``bm25-baseline``: BM25 only, over reportqa's own indexed chunks and
  tokenizer, top-5; the answer is again the top chunk's text.

Neither refuses nor cites, so their citation metrics are 0 or undefined; they
exist to show what reportqa's chunking, hybrid retrieval and answering add.
Each returns result dicts in the `rag.types.Answer.to_json` shape (plus
``latency_ms``) so `evals.metrics.aggregate` applies unchanged.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.readers import read_text
from rag.bm25 import BM25Index
from rag.factory import make_chroma_client, make_embeddings, set_offline_environment
from rag.lexicon import load_lexicon
from rag.settings import Settings
from rag.store import load_indexed_chunks, open_active_collection, read_generation
from rag.tokenize import Tokenizer

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

LANGCHAIN = "langchain-baseline"
CHATCHAT = "chatchat-baseline"
BM25 = "bm25-baseline"

#: The textbook LangChain settings; deliberately not tuned for this report.
LANGCHAIN_CHUNK_SIZE = 1000
LANGCHAIN_CHUNK_OVERLAP = 200
LANGCHAIN_K = 4
BM25_K = 5

#: Langchain-Chatchat's defaults (kb_settings CHUNK_SIZE / OVERLAP_SIZE / VECTOR_SEARCH_TOP_K)
#: and its ChineseRecursiveTextSplitter's separators (regular expressions).
CHATCHAT_CHUNK_SIZE = 750
CHATCHAT_CHUNK_OVERLAP = 150
CHATCHAT_K = 3
CHATCHAT_RRF_C = 60
CHATCHAT_SEPARATORS: tuple[str, ...] = (
    r"\n\n",
    r"\n",
    r"。|！|？",
    r"\.\s|\!\s|\?\s",
    r"；|;\s",
    r"，|,\s",
)


@dataclass
class BaselineRun:
    """Results of one baseline over the eval items, plus how it was built."""

    name: str
    results: list[dict[str, Any]]
    info: dict[str, Any] = field(default_factory=dict)


def _result(
    question: str, hits: Sequence[tuple[str, str, float]], started: float
) -> dict[str, Any]:
    """An `Answer.to_json`-shaped dict: the top hit is the answer; never refused, no citations.

    `hits` are ``(text, source, score)`` in rank order.
    """
    return {
        "question": question,
        "resolved_question": question,
        "answer": hits[0][0] if hits else "",
        # An empty retrieval still counts as an answer: the baselines have no refusal logic.
        "refused": False,
        "mode": "baseline",
        "citations": [],
        "retrieved": [
            {"chunk_id": "", "text": text, "source": source, "score": round(float(score), 6)}
            for text, source, score in hits
        ],
        "latency_ms": (time.perf_counter() - started) * 1000.0,
    }


def corpus_files(settings: Settings, client: Any = None) -> list[Path]:
    """The indexed reports' .txt files (from the active generation), else ``corpus/*.txt``.

    The baseline reads plain text the way a LangChain tutorial would; PDFs and
    other formats that reportqa parses itself are skipped.
    """
    if client is None:
        client = make_chroma_client(settings.index, settings.paths)
    generation = read_generation(client, settings.index.collection_prefix)
    paths: list[Path] = []
    if generation is not None:
        paths = [Path(r.path) for r in generation.reports if r.path]
    files = [p for p in paths if p.suffix.lower() == ".txt" and p.is_file()]
    if not files:
        files = sorted(Path("corpus").glob("*.txt"))
    return files


def langchain_baseline(
    items: Sequence[Mapping[str, Any]],
    embeddings: Embeddings,
    files: Sequence[Path],
    *,
    chunk_size: int = LANGCHAIN_CHUNK_SIZE,
    chunk_overlap: int = LANGCHAIN_CHUNK_OVERLAP,
    k: int = LANGCHAIN_K,
) -> BaselineRun:
    """Run the textbook LangChain RAG over `files` with `embeddings`; see the module doc."""
    # heavy (~1.5 s together): only when the baselines run
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    started = time.perf_counter()
    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    texts: list[str] = []
    metadatas: list[dict[str, Any]] = []
    for path in files:
        for piece in splitter.split_text(read_text(path)):
            texts.append(piece)
            metadatas.append({"source": path.name})
    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    # Ephemeral clients share one in-memory system per process: a unique name keeps
    # repeated runs (tests, notebooks) from reading each other's collections.
    name = f"langchain-baseline-{uuid.uuid4().hex[:12]}"
    store = Chroma.from_texts(
        texts, embedding=embeddings, metadatas=metadatas, client=client, collection_name=name
    )
    ingest_s = time.perf_counter() - started
    try:
        results = []
        for item in items:
            question = str(item["question"])
            t0 = time.perf_counter()
            found = store.similarity_search_with_score(question, k=k) if texts else []
            hits = [(d.page_content, str(d.metadata.get("source", "")), s) for d, s in found]
            results.append(_result(question, hits, t0))
    finally:
        store.delete_collection()
    info = {
        "ingest_s": round(ingest_s, 3),
        "chunks": len(texts),
        "files": [p.name for p in files],
        "chunk_size": chunk_size,
        "chunk_overlap": chunk_overlap,
        "k": k,
    }
    return BaselineRun(LANGCHAIN, results, info)


def chinese_splitter(
    chunk_size: int = CHATCHAT_CHUNK_SIZE, chunk_overlap: int = CHATCHAT_CHUNK_OVERLAP
) -> Any:
    """Chatchat's ChineseRecursiveTextSplitter rebuilt on LangChain's recursive splitter."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        separators=list(CHATCHAT_SEPARATORS),
        is_separator_regex=True,
        keep_separator="end",
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
    )


def rrf_fuse(
    rankings: Sequence[Sequence[int]],
    weights: Sequence[float] | None = None,
    c: int = CHATCHAT_RRF_C,
) -> list[int]:
    """Weighted reciprocal rank fusion of ranked document indices, best first.

    Each document scores ``sum(weight / (c + rank))`` over the rankings it is in
    (rank 1-based). Ties keep the order in which documents first appear across
    the rankings, as LangChain's ``EnsembleRetriever`` does.
    """
    weights = list(weights) if weights is not None else [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + weight / (c + rank)
    order = list(scores)  # first-appearance order; sorted() is stable
    return sorted(order, key=lambda d: -scores[d])


def chatchat_baseline(
    items: Sequence[Mapping[str, Any]],
    embeddings: Embeddings,
    files: Sequence[Path],
    *,
    cache_dir: Path | None = None,
    chunk_size: int = CHATCHAT_CHUNK_SIZE,
    chunk_overlap: int = CHATCHAT_CHUNK_OVERLAP,
    k: int = CHATCHAT_K,
) -> BaselineRun:
    """Run the Chatchat-style hybrid retriever over `files`; see the module doc."""
    import jieba
    import numpy as np
    from rank_bm25 import BM25Okapi

    from ingest.readers import read_text

    started = time.perf_counter()
    splitter = chinese_splitter(chunk_size, chunk_overlap)
    texts: list[str] = []
    sources: list[str] = []
    for path in files:
        for piece in splitter.split_text(read_text(path)):
            if piece.strip():
                texts.append(piece)
                sources.append(path.name)
    # A private jieba keeps its dictionary cache out of the shared temp dir.
    tokenizer = jieba.Tokenizer()
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tokenizer.tmp_dir = str(cache_dir)

    def cut(text: str) -> list[str]:
        return [t for t in tokenizer.lcut_for_search(text) if t.strip()]

    bm25 = BM25Okapi([cut(t) or [""] for t in texts]) if texts else None
    vectors = np.asarray(embeddings.embed_documents(texts), dtype=np.float32) if texts else None
    ingest_s = time.perf_counter() - started
    results = []
    for item in items:
        question = str(item["question"])
        t0 = time.perf_counter()
        hits: list[tuple[str, str, float]] = []
        if bm25 is not None and vectors is not None:
            lexical = bm25.get_scores(cut(question))
            query = np.asarray(embeddings.embed_query(question), dtype=np.float32)
            dense = vectors @ query
            # Stable sorts: equal scores keep document order, as rank_bm25's top-n does.
            by_bm25 = [int(i) for i in np.argsort(-lexical, kind="stable")[:k]]
            by_dense = [int(i) for i in np.argsort(-dense, kind="stable")[:k]]
            fused = rrf_fuse([by_bm25, by_dense])[:k]
            hits = [(texts[i], sources[i], float(dense[i])) for i in fused]
        results.append(_result(question, hits, t0))
    info = {
        "ingest_s": round(ingest_s, 3),
        "chunks": len(texts),
        "files": [p.name for p in files],
        "chunk_size": chunk_size,
        "chunk_overlap": chunk_overlap,
        "k": k,
        "rrf_c": CHATCHAT_RRF_C,
    }
    return BaselineRun(CHATCHAT, results, info)


def bm25_baseline(
    items: Sequence[Mapping[str, Any]],
    settings: Settings,
    client: Any = None,
    *,
    k: int = BM25_K,
) -> BaselineRun:
    """BM25-only retrieval over reportqa's indexed chunks (same tokens, same tokenizer)."""
    if client is None:
        client = make_chroma_client(settings.index, settings.paths)
    started = time.perf_counter()
    collection, generation = open_active_collection(client, settings.index.collection_prefix)
    indexed = load_indexed_chunks(collection)
    tokenizer = Tokenizer(
        user_terms=generation.user_terms,
        cache_dir=settings.paths.jieba_cache_dir,
        lexicon=load_lexicon(),
    )
    bm25 = BM25Index.build([ic.chunk.id for ic in indexed], [list(ic.tokens) for ic in indexed])
    chunks = {ic.chunk.id: ic.chunk for ic in indexed}
    tokenizer.warm_up()
    build_s = time.perf_counter() - started
    results = []
    for item in items:
        question = str(item["question"])
        t0 = time.perf_counter()
        found = bm25.search(tokenizer.cut(question), k)
        hits = [(chunks[cid].text, chunks[cid].source, score) for cid, score in found]
        results.append(_result(question, hits, t0))
    return BaselineRun(
        BM25, results, {"build_s": round(build_s, 3), "chunks": len(indexed), "k": k}
    )


def run_baselines(
    settings: Settings,
    items: Sequence[Mapping[str, Any]],
    *,
    files: Sequence[Path] | None = None,
    embeddings: Embeddings | None = None,
) -> list[BaselineRun]:
    """The three baselines over `items`, with the embedding model reportqa is configured with.

    `files` are the plain-text reports the LangChain and Chatchat baselines read
    (default: the indexed reports' .txt files, `corpus_files`); BM25 always
    searches reportqa's own index. Pass `embeddings` to reuse a loaded model.
    """
    set_offline_environment()
    client = make_chroma_client(settings.index, settings.paths)
    bm25 = bm25_baseline(items, settings, client)
    if embeddings is None:
        embeddings = make_embeddings(settings.embedding, settings.paths)
    texts = list(files) if files is not None else corpus_files(settings, client)
    langchain = langchain_baseline(items, embeddings, texts)
    chatchat = chatchat_baseline(items, embeddings, texts, cache_dir=settings.paths.jieba_cache_dir)
    return [langchain, chatchat, bm25]
