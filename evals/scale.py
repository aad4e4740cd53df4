"""Scale benchmark: retrieval over a synthetic library of 1k / 10k / 100k chunks.

``python -m evals.scale [--sizes 1000,10000,100000] [--quick]`` (also run by
``evals.bench``). Prints markdown tables and writes ``evals/reports/scale.md``.

The library is made of the report's own chunks, recombined and varied:
sentences are swapped in from other chunks and shuffled, numbers and place names
are swapped for others from the report, and each synthetic chunk gets a section
label and belongs to one of many synthetic reports (500 chunks each).

Embedding 100k passages would take over an hour on 2 cores, so only the first
`real` synthetic chunks (a few thousand at most) are embedded with the real
model. Every further chunk is a variant (other numbers / places / label) of
one embedded chunk ``j`` and gets the vector

    v' = normalise(v_j + σ·n),   n ~ N(0, I/d)   (so ‖n‖ ≈ 1, n ⟂ v_j)

so cos(v', v_j) ≈ 1/√(1+σ²). σ is set so that this equals the *median
nearest-neighbour cosine among the real chunks*: a derived chunk is as close
to its base as real chunks are to their nearest real neighbour, so the HNSW
graph sees the same neighbourhood density as in a real library (a σ of 0 would
create exact duplicates, a large σ uniform noise that makes HNSW's job
unrealistically hard). The median nearest-neighbour cosine of a sample of the
synthetic set is reported beside the real one as a check.

Queries use real embeddings of the eval set's questions (query prompt).
Measured per size: Chroma embedded (PersistentClient) and Chroma server
(``chroma run`` + HttpClient) add time and query p50/p95 at reportqa's dense_k;
BM25 (rag.bm25.BM25Index, built once) build time and query p50/p95 including
tokenising the question; hybrid retrieval through the product's own
``rag.retrieve.HybridRetriever`` (LangChain Chroma + BM25 + RRF) with the
query vector precomputed (the query-embedding cost is reported separately).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import psutil

from ingest.chunk import chunk_report
from ingest.formats import load_report
from rag.bm25 import BM25Index
from rag.factory import make_embeddings, set_offline_environment
from rag.records import chunk_to_metadata
from rag.settings import ChunkSettings, EmbeddingSettings, Paths, RetrievalSettings
from rag.store import TOKENS_KEY
from rag.tokenize import Tokenizer, derive_user_terms
from rag.types import Chunk

REPO = Path(__file__).resolve().parent.parent
REPORT = REPO / "corpus" / "nifd_2025_tech_insurance_report.txt"
GOLDEN = REPO / "evals" / "golden.jsonl"
DEFAULT_SIZES = (1_000, 10_000, 100_000)
CHUNKS_PER_REPORT = 500
# Places that occur in the report; swapped among themselves so the text stays plausible.
PLACES = ("北京", "上海", "广东", "深圳", "广州", "江苏", "苏州", "南京", "浙江", "杭州", "合肥")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SENTENCE = re.compile(r"[^。！？；]*[。！？；]?")
_PLACE = re.compile("|".join(PLACES))

Vectors = npt.NDArray[np.float32]


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile; p95 ≥ p50 always holds."""
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else math.nan


def load_questions(limit: int | None = None) -> list[str]:
    out = []
    with open(GOLDEN, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                out.append(str(json.loads(line)["question"]))
    return out[:limit] if limit else out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- synthetic library ------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s.strip()]


def synthetic_chunks(base: Sequence[Any], size: int, real: int, seed: int = 7) -> list[Any]:
    """`size` synthetic Chunks; chunk i ≥ `real` is a light variant of chunk i % real."""
    rng = random.Random(seed)
    numbers = sorted({m.group(0) for c in base for m in _NUMBER.finditer(c.text)})
    pools = [_sentences(c.text) for c in base]
    out: list[Chunk] = []

    def vary(text: str) -> str:
        text = _NUMBER.sub(
            lambda m: rng.choice(numbers) if rng.random() < 0.5 else m.group(0), text
        )
        return _PLACE.sub(lambda m: rng.choice(PLACES), text)

    for i in range(size):
        if i < real:
            b = base[i % len(base)]
            sents = list(pools[i % len(base)]) or [b.text]
            # Recombine: swap in a sentence from another chunk and shuffle a pair.
            if len(sents) > 1 and rng.random() < 0.7:
                donor = pools[rng.randrange(len(pools))]
                if donor:
                    sents[rng.randrange(len(sents))] = rng.choice(donor)
            if len(sents) > 2:
                a, c = rng.sample(range(len(sents)), 2)
                sents[a], sents[c] = sents[c], sents[a]
            text = vary("".join(sents))
            section = b.section_path or ("正文",)
        else:
            parent = out[i % real]
            text = vary(parent.text)
            section = parent.section_path[:-1] or parent.section_path
        label = f"第{i // CHUNKS_PER_REPORT + 1}号报告 · 专题{i % 37 + 1}"
        section_path = (*section, label)
        report_no = i // CHUNKS_PER_REPORT
        b = base[i % len(base)]
        out.append(
            Chunk(
                id=f"syn{i:07d}",
                text=text,
                source=f"synthetic_{report_no:04d}.txt",
                title=f"{b.title}（合成{report_no}）",
                section_path=section_path,
                page_start=b.page_start,
                page_end=b.page_end,
                position=i % CHUNKS_PER_REPORT,
                kind=b.kind,
                embed_text=f"{' › '.join(section_path)}\n{text}",
                meta=None,
            )
        )
    return out


def median_nn_cosine(
    vectors: Vectors, sample: int = 300, seed: int = 0, groups: npt.NDArray[np.int64] | None = None
) -> float:
    """Median cosine of a sample of rows to their nearest other row (rows unit-norm).

    With `groups`, rows of the same group are not neighbours: variants of one
    report chunk would otherwise measure near-duplicates, not distinct passages.
    """
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(vectors), size=min(sample, len(vectors)), replace=False)
    sims = vectors[rows] @ vectors.T
    sims[np.arange(len(rows)), rows] = -np.inf
    if groups is not None:
        sims[groups[rows][:, None] == groups[None, :]] = -np.inf
    return float(np.median(sims.max(axis=1)))


def sigma_for(cosine: float) -> float:
    """σ such that cos(normalise(v + σ·n), v) ≈ `cosine` for ‖n‖ ≈ 1, n ⟂ v."""
    cosine = min(max(cosine, 0.05), 0.999)
    return math.sqrt(1.0 / cosine**2 - 1.0)


def derive_vectors(real: Vectors, size: int, sigma: float, seed: int = 11) -> Vectors:
    """Rows 0..len(real)-1 are the real vectors; row i beyond is perturbed from i % len(real)."""
    n_real, dim = real.shape
    out = np.empty((size, dim), dtype=np.float32)
    out[: min(size, n_real)] = real[: min(size, n_real)]
    rng = np.random.default_rng(seed)
    for start in range(n_real, size, 20_000):
        idx = np.arange(start, min(size, start + 20_000))
        noise = rng.standard_normal((len(idx), dim)).astype(np.float32) / math.sqrt(dim)
        v = real[idx % n_real] + sigma * noise
        out[idx] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


# --- measurements ------------------------------------------------------------------


@dataclass
class Row:
    size: int
    backend: str
    build_s: float
    p50_ms: float
    p95_ms: float
    note: str = ""

    @property
    def per_s(self) -> float:
        return self.size / self.build_s if self.build_s > 0 else math.nan


@dataclass
class ScaleResult:
    rows: list[Row] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


def timed_queries(fn: Callable[[int], Any], n: int, warmup: int = 3) -> tuple[float, float]:
    for i in range(min(warmup, n)):
        fn(i)
    times = []
    for i in range(n):
        started = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - started) * 1000.0)
    return percentile(times, 50), percentile(times, 95)


def chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings  # heavy (~0.7 s)

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def add_all(
    client: Any,
    name: str,
    chunks: Sequence[Any],
    vectors: Vectors,
    tokens: Sequence[Sequence[str]],
) -> tuple[Any, float]:
    """Create a cosine collection and add everything in batches of the client's maximum.

    Records look like reportqa's (ingest.index._add): chunk metadata plus the
    BM25 tokens, so the stored payload per chunk is realistic.
    """
    collection = client.create_collection(
        name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )
    batch = int(client.get_max_batch_size())
    started = time.perf_counter()
    for lo in range(0, len(chunks), batch):
        part = chunks[lo : lo + batch]
        metas = []
        for c, toks in zip(part, tokens[lo : lo + batch], strict=True):
            meta: dict[str, Any] = dict(chunk_to_metadata(c))
            meta[TOKENS_KEY] = " ".join(toks)
            metas.append(meta)
        collection.add(
            ids=[c.id for c in part],
            embeddings=vectors[lo : lo + batch],
            documents=[c.text for c in part],
            metadatas=metas,
        )
    return collection, time.perf_counter() - started


@contextmanager
def chroma_server(path: Path, log_path: Path) -> Iterator[tuple[Any, float, Any]]:
    """Start `chroma run` on a free loopback port; yield (HttpClient, start seconds, process)."""
    import chromadb  # heavy (~0.7 s): only for the Chroma-server measurement

    exe = Path(sys.executable).parent / "chroma"
    port = free_port()
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "CHROMA_TELEMETRY": "False"}
    started = time.perf_counter()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(exe), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        try:
            client = None
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise RuntimeError(f"chroma run exited with {proc.returncode}; see {log_path}")
                try:
                    client = chromadb.HttpClient(
                        host="127.0.0.1", port=port, settings=chroma_settings()
                    )
                    client.heartbeat()
                    break
                except Exception:
                    client = None
                    time.sleep(0.2)
            if client is None:
                raise RuntimeError(f"chroma server did not start within 90 s; see {log_path}")
            yield client, time.perf_counter() - started, psutil.Process(proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class _QueryVectors:
    """LangChain Embeddings that return precomputed query vectors (documents never embedded)."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table

    def embed_query(self, text: str) -> list[float]:
        return self.table[text]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise AssertionError("the scale benchmark adds precomputed vectors only")


def _bm25_query(bm25: Any, tokenizer: Any, questions: Sequence[str], k: int, i: int) -> Any:
    return bm25.search(tokenizer.cut(questions[i % len(questions)]), k)


def _hybrid_query(retriever: Any, questions: Sequence[str], i: int) -> Any:
    return retriever.retrieve(questions[i % len(questions)])


def run_scale(
    sizes: Sequence[int],
    *,
    encode_passages: Callable[[list[str]], Vectors],
    encode_queries: Callable[[list[str]], Vectors],
    work_dir: Path,
    questions: Sequence[str],
    real: int,
    server: bool = True,
    log: Callable[[str], None] = print,
) -> ScaleResult:
    """Measure every backend at every size; `encode_*` return unit-norm float32 rows."""
    # heavy: chromadb, LangChain and the retriever (~2 s together), only when measuring
    import chromadb
    from langchain_chroma import Chroma

    from rag.retrieve import HybridRetriever

    result = ScaleResult()
    retrieval = RetrievalSettings()
    biggest = max(sizes)
    real = min(real, biggest)
    base = chunk_report(load_report(REPORT), ChunkSettings())
    started = time.perf_counter()
    library = synthetic_chunks(base, biggest, real)
    result.facts["generate_s"] = time.perf_counter() - started
    result.facts["base_chunks"] = len(base)
    result.facts["real_embedded"] = real

    log(f"scale: embedding {real} real synthetic chunks …")
    started = time.perf_counter()
    real_vectors = encode_passages([c.embed_text for c in library[:real]])
    result.facts["real_embed_s"] = time.perf_counter() - started
    # Distinct passages only: each real synthetic chunk is grouped with its report chunk.
    nn_real = median_nn_cosine(
        real_vectors, sample=min(300, real), groups=np.arange(real, dtype=np.int64) % len(base)
    )
    sigma = sigma_for(nn_real)
    vectors = derive_vectors(real_vectors, biggest, sigma)
    result.facts["nn_cos_real"] = nn_real
    result.facts["sigma"] = sigma

    started = time.perf_counter()
    query_vectors = encode_queries(list(questions))
    result.facts["query_embed_ms"] = (time.perf_counter() - started) * 1000 / max(1, len(questions))
    table = {q: query_vectors[i].tolist() for i, q in enumerate(questions)}

    log(f"scale: tokenising {biggest} chunks for BM25 …")
    tokenizer = Tokenizer(
        user_terms=derive_user_terms(c.text for c in base), cache_dir=work_dir / "cache"
    )
    tokenizer.warm_up()
    started = time.perf_counter()
    tokens = [tokenizer.cut(f"{c.section_path[-1]} {c.text}") for c in library]
    result.facts["tokenize_per_s"] = biggest / (time.perf_counter() - started)

    embedded = chromadb.PersistentClient(
        path=str(work_dir / "embedded"), settings=chroma_settings()
    )
    server_cm = (
        chroma_server(work_dir / "server", work_dir / "chroma-server.log") if server else None
    )
    http = None
    server_proc = None
    try:
        if server_cm is not None:
            try:
                http, start_s, server_proc = server_cm.__enter__()
                result.facts["server_start_s"] = start_s
            except Exception as exc:  # a missing server still leaves the embedded numbers
                log(f"scale: chroma server unavailable: {exc}")
                server_cm = None
        n_q = len(questions)
        for size in sorted(sizes):
            chunks = library[:size]
            vecs = vectors[:size]
            toks = tokens[:size]
            facts = {"nn_cos_synthetic": median_nn_cosine(vecs, sample=200)}
            result.facts[f"nn_cos_synthetic_{size}"] = facts["nn_cos_synthetic"]
            log(f"scale {size}: embedded Chroma …")
            col, add_s = add_all(embedded, f"scale_{size}", chunks, vecs, toks)

            def query(collection: Any) -> Callable[[int], Any]:
                def run(i: int) -> Any:
                    return collection.query(
                        query_embeddings=[query_vectors[i % n_q]],
                        n_results=retrieval.dense_k,
                        include=["documents", "metadatas", "distances"],
                    )

                return run

            p50, p95 = timed_queries(query(col), n_q)
            result.rows.append(Row(size, "Chroma embedded", add_s, p50, p95))
            if http is not None:
                log(f"scale {size}: Chroma server …")
                scol, sadd = add_all(http, f"scale_{size}", chunks, vecs, toks)
                p50, p95 = timed_queries(query(scol), n_q)
                rss = server_proc.memory_info().rss / 2**20 if server_proc is not None else 0.0
                result.rows.append(
                    Row(size, "Chroma server (HTTP)", sadd, p50, p95, f"server RSS {rss:.0f} MB")
                )
                http.delete_collection(f"scale_{size}")
            log(f"scale {size}: BM25 …")
            started = time.perf_counter()
            bm25 = BM25Index.build([c.id for c in chunks], toks)
            build_s = time.perf_counter() - started
            # Tokenising the question is part of a BM25 query, as in HybridRetriever._sparse.
            p50, p95 = timed_queries(
                partial(_bm25_query, bm25, tokenizer, questions, retrieval.bm25_k), n_q
            )
            result.rows.append(Row(size, "BM25 (build once)", build_s, p50, p95))
            log(f"scale {size}: hybrid …")
            store = Chroma(
                client=embedded,
                collection_name=f"scale_{size}",
                embedding_function=_QueryVectors(table),  # type: ignore[arg-type]
                create_collection_if_not_exists=False,
            )
            retriever = HybridRetriever(
                vectorstore=store,
                bm25=bm25,
                tokenizer=tokenizer,
                chunks={c.id: c for c in chunks},
                settings=retrieval,
            )
            p50, p95 = timed_queries(partial(_hybrid_query, retriever, questions), n_q)
            result.rows.append(
                Row(size, "hybrid (HybridRetriever)", add_s + build_s, p50, p95, "dense+BM25+RRF")
            )
            embedded.delete_collection(f"scale_{size}")
    finally:
        if server_cm is not None:
            server_cm.__exit__(None, None, None)
    return result


def scale_markdown(result: ScaleResult) -> str:
    f = result.facts
    lines = [
        "| chunks | backend | add/build s | chunks/s | query p50 ms | query p95 ms | note |",
        "| ---: | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in result.rows:
        lines.append(
            f"| {r.size:,} | {r.backend} | {r.build_s:.2f} | {r.per_s:,.0f} | "
            f"{r.p50_ms:.1f} | {r.p95_ms:.1f} | {r.note} |"
        )
    synth = ", ".join(
        f"{k.removeprefix('nn_cos_synthetic_')}: {v:.3f}"
        for k, v in f.items()
        if k.startswith("nn_cos_synthetic_")
    )
    lines += [
        "",
        f"- Library: {f.get('base_chunks')} report chunks recombined; "
        f"{f.get('real_embedded')} synthetic chunks embedded for real "
        f"({f.get('real_embed_s', 0):.1f} s), the rest derived with σ = {f.get('sigma', 0):.3f}.",
        f"- Median nearest-neighbour cosine: real (distinct passages) {f.get('nn_cos_real', 0):.3f}; "
        f"synthetic (any neighbour) {synth}.",
        f"- Query embedding (not in the query columns): {f.get('query_embed_ms', 0):.1f} ms per "
        f"question; BM25 tokenising at ingest: {f.get('tokenize_per_s', 0):,.0f} chunks/s.",
    ]
    if "server_start_s" in f:
        lines.append(f"- Chroma server start to first heartbeat: {f['server_start_s']:.1f} s.")
    return "\n".join(lines)


def encoders(
    model: Any, batch_size: int = 32
) -> tuple[Callable[..., Vectors], Callable[..., Vectors]]:
    """Passage / query encoders over one SentenceTransformer with e5's prompts."""

    def passages(texts: list[str]) -> Vectors:
        return np.asarray(
            model.encode(
                texts, prompt="passage: ", batch_size=batch_size, normalize_embeddings=True
            ),
            dtype=np.float32,
        )

    def queries(texts: list[str]) -> Vectors:
        return np.asarray(
            model.encode(texts, prompt="query: ", batch_size=batch_size, normalize_embeddings=True),
            dtype=np.float32,
        )

    return passages, queries


def load_model(models_dir: Path | None, work_dir: Path) -> Any:
    """The converted e5 model as a SentenceTransformer (shared models dir when given)."""
    paths = Paths(home=work_dir / "home", models_override=models_dir)
    embeddings = make_embeddings(EmbeddingSettings(), paths)
    return embeddings._client  # type: ignore[attr-defined]


def parse_sizes(raw: str) -> list[int]:
    return [int(s.replace("_", "").replace("k", "000")) for s in raw.split(",") if s.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.scale", description=__doc__)
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES))
    parser.add_argument("--quick", action="store_true", help="1k chunks only, fewer real embeds")
    parser.add_argument("--real", type=int, default=0, help="synthetic chunks embedded for real")
    parser.add_argument("--no-server", action="store_true", help="skip the Chroma server")
    parser.add_argument("--out", default=str(REPO / "evals" / "reports" / "scale.md"))
    args = parser.parse_args(argv)
    set_offline_environment()
    sizes = [1_000] if args.quick else parse_sizes(args.sizes)
    real = args.real or (100 if args.quick else 1_000)
    models_env = os.environ.get("REPORTQA_MODELS_DIR", "").strip()
    with tempfile.TemporaryDirectory(prefix="reportqa-scale-") as tmp:
        work = Path(tmp)
        model = load_model(Path(models_env) if models_env else None, work)
        passages, queries = encoders(model)
        result = run_scale(
            sizes,
            encode_passages=passages,
            encode_queries=queries,
            work_dir=work,
            questions=load_questions(20 if args.quick else None),
            real=real,
            server=not args.no_server,
            log=lambda m: print(m, file=sys.stderr, flush=True),
        )
        shutil.rmtree(work / "embedded", ignore_errors=True)
    text = "## Scale\n\n" + scale_markdown(result) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")
    return 0


__all__ = ["Row", "ScaleResult", "main", "run_scale", "scale_markdown"]

if __name__ == "__main__":
    sys.exit(main())
