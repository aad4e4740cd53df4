"""Two reference systems the eval runner compares reportqa against.

* ``langchain-baseline``: the usual LangChain RAG recipe over the same report
  files and the same embedding model: ``RecursiveCharacterTextSplitter(1000,
  200)`` → ``Chroma.from_texts`` → similarity top-4. Its "answer" is the top
  chunk's text.
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
from rag.settings import Settings
from rag.store import load_indexed_chunks, open_active_collection, read_generation
from rag.tokenize import Tokenizer

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

LANGCHAIN = "langchain-baseline"
BM25 = "bm25-baseline"

#: The textbook LangChain settings; deliberately not tuned for this report.
LANGCHAIN_CHUNK_SIZE = 1000
LANGCHAIN_CHUNK_OVERLAP = 200
LANGCHAIN_K = 4
BM25_K = 5


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
    tokenizer = Tokenizer(user_terms=generation.user_terms, cache_dir=settings.paths.home / "cache")
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


def run_baselines(settings: Settings, items: Sequence[Mapping[str, Any]]) -> list[BaselineRun]:
    """Both baselines over `items`, with the embedding model reportqa is configured with."""
    set_offline_environment()
    client = make_chroma_client(settings.index, settings.paths)
    bm25 = bm25_baseline(items, settings, client)
    embeddings = make_embeddings(settings.embedding, settings.paths)
    langchain = langchain_baseline(items, embeddings, corpus_files(settings, client))
    return [langchain, bm25]
