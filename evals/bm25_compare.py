"""bm25s against reportqa's own BM25 (rag/bm25.py): `python -m evals.bm25_compare`.

Both run on the same jieba tokens (the product's `Tokenizer`, user dictionary derived
from the report, as `ingest.pipeline.tokenize_chunks` does) with k1 = 1.5, b = 0.75.

1. Agreement, on the seed report's chunks and every question of the golden and probe
   sets (normalised as the retriever sees them): for each bm25s scoring variant, how
   often the top-1 is the same document, the mean overlap of the top-10 lists, the
   mean Spearman correlation of the scores over the documents our index matches, and
   retrieval quality of each ranking on its own: hit@1, hit@5 and MRR@10 against the
   chunk(s) holding each item's `evidence` line.
2. Speed, on the synthetic libraries of `evals.scale` (1k and 100k chunks by default):
   build time (best of `--repeat`) and query p50/p95 over the golden questions
   (tokenised beforehand, top `RetrievalSettings.bm25_k`), through each library's
   public call: `BM25Index.search` and `bm25s.BM25.retrieve`. Index array sizes too.

Prints markdown tables; the decision they led to is recorded in docs/DEPENDENCIES.md
and docs/SCALING.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "corpus" / "nifd_2025_tech_insurance_report.txt"
EVAL_SETS = ("golden", "probe", "probe2", "probe3", "probe4", "probe5")
K1, B = 1.5, 0.75
TOP = 10

# bm25s's scoring variants (Kamphuis et al. 2020), written out for the docs table.
VARIANTS = {
    "robertson": "idf log((N−n+.5)/(n+.5)), negative idf → 0; tf part without (k1+1)",
    "lucene": "idf log(1+(N−n+.5)/(n+.5)) (never negative); tf part without (k1+1)",
    "atire": "idf log(N/n); tf part with (k1+1), as ours",
    "bm25l": "idf log((N+1)/(n+.5)); tf shifted by δ = 0.5",
    "bm25+": "idf log((N+1)/n); δ = 0.5 added to every matching term",
}
OURS = "ours (rag/bm25.py)"

Scores = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Item:
    question: str
    evidence: str
    set_name: str


def load_items() -> list[Item]:
    items = []
    for name in EVAL_SETS:
        for line in (REPO / "evals" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                raw = json.loads(line)
                items.append(Item(str(raw["question"]), str(raw.get("evidence") or ""), name))
    return items


def _squash(text: str) -> str:
    return "".join(text.split())


# --- the two libraries behind one small surface ---------------------------------------


def build_bm25s(tokens: Sequence[Sequence[str]], method: str, **kwargs: Any) -> Any:
    """A bm25s index over pre-tokenised documents (no progress bars)."""
    import bm25s

    model = bm25s.BM25(k1=K1, b=B, method=method, **kwargs)
    model.index([list(t) for t in tokens], show_progress=False)
    return model


def bm25s_scores(model: Any, query: Sequence[str]) -> Scores:
    ids = model.get_tokens_ids(list(query))
    if not ids:
        return np.zeros(model.scores["num_docs"], dtype=np.float64)
    return np.asarray(model.get_scores_from_ids(ids), dtype=np.float64)


def bm25s_search(model: Any, ids: Sequence[str], query: Sequence[str], k: int) -> list[str]:
    """Top-k ids through bm25s's public `retrieve`, dropping zero-score fillers."""
    k = min(k, len(ids))
    docs, scores = model.retrieve([list(query)], k=k, show_progress=False)
    return [ids[int(d)] for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


def top_docs(scores: Scores, k: int = TOP) -> list[int]:
    """Documents with a positive score, best first, ties by document order (as ours)."""
    cand = np.flatnonzero(scores > 0)
    order = np.lexsort((cand, -scores[cand]))
    return [int(cand[i]) for i in order[:k]]


def spearman(a: Scores, b: Scores) -> float | None:
    from scipy.stats import spearmanr

    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    return float(spearmanr(a, b).statistic)


# --- 1. agreement and retrieval quality ------------------------------------------------


def agreement(work: Path) -> list[str]:
    from ingest.chunk import chunk_report
    from ingest.formats import load_report
    from ingest.pipeline import tokenize_chunks
    from rag.bm25 import BM25Index, BM25Params
    from rag.settings import ChunkSettings
    from rag.textnorm import normalise_question
    from rag.tokenize import Tokenizer

    chunks = chunk_report(load_report(SEED), ChunkSettings())
    indexed, terms = tokenize_chunks(chunks, work / "cache")
    tokens = [list(ic.tokens) for ic in indexed]
    tokenizer = Tokenizer(user_terms=terms, cache_dir=work / "cache")
    items = load_items()
    queries = [tokenizer.cut(normalise_question(it.question).text) for it in items]
    texts = [_squash(c.text) for c in chunks]
    relevant = [
        {i for i, t in enumerate(texts) if it.evidence and _squash(it.evidence) in t}
        for it in items
    ]
    ours = BM25Index.build([c.id for c in chunks], tokens)
    score_fns: dict[str, Callable[[Sequence[str]], Scores]] = {OURS: ours.scores}
    for method in VARIANTS:
        model = build_bm25s(tokens, method, dtype="float64")
        score_fns[f"bm25s {method}"] = partial(bm25s_scores, model)

    rankings = {name: [fn(q) for q in queries] for name, fn in score_fns.items()}
    # Robertson is ours without the epsilon floor, scaled by 1 / (k1 + 1): check it.
    no_floor = BM25Index.build([c.id for c in chunks], tokens, BM25Params(K1, B, epsilon=0.0))
    gap = max(
        float(np.max(np.abs(no_floor.scores(q) - (K1 + 1) * r), initial=0.0))
        for q, r in zip(queries, rankings["bm25s robertson"], strict=True)
    )
    lines = [
        f"{len(chunks)} chunks of the seed report; {len(items)} questions "
        f"({', '.join(EVAL_SETS)}); evidence found in a chunk for "
        f"{sum(1 for r in relevant if r)} of them "
        f"({sum(1 for r, it in zip(relevant, items, strict=True) if r and it.set_name == 'golden')}"
        " golden).",
        "",
        "| ranking | top-1 same as ours | top-10 overlap | Spearman (docs we match) "
        "| golden hit@1 | hit@5 | MRR@10 | all sets hit@1 | hit@5 | MRR@10 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    base = rankings[OURS]
    for name, per_query in rankings.items():
        same_top, overlap, rhos = [], [], []
        for ref, got in zip(base, per_query, strict=True):
            ref_top, got_top = top_docs(ref), top_docs(got)
            if not ref_top:
                continue
            same_top.append(bool(got_top) and got_top[0] == ref_top[0])
            overlap.append(len(set(ref_top) & set(got_top)) / len(ref_top))
            matched = np.flatnonzero(ref > 0)
            rho = spearman(ref[matched], got[matched])
            if rho is not None:
                rhos.append(rho)
        quality = []
        for subset in ("golden", None):
            hits1, hits5, rr = [], [], []
            for it, rel, scores in zip(items, relevant, per_query, strict=True):
                if not rel or (subset and it.set_name != subset):
                    continue
                top = top_docs(scores)
                rank = next((r for r, d in enumerate(top, 1) if d in rel), None)
                hits1.append(rank == 1)
                hits5.append(rank is not None and rank <= 5)
                rr.append(1.0 / rank if rank else 0.0)
            quality += [np.mean(hits1), np.mean(hits5), np.mean(rr)]
        lines.append(
            f"| {name} | {np.mean(same_top):.3f} | {np.mean(overlap):.3f} | "
            f"{np.mean(rhos):.3f} | " + " | ".join(f"{v:.3f}" for v in quality) + " |"
        )
    lines += [
        "",
        f"bm25s robertson × (k1 + 1) equals ours built with epsilon = 0 on every question "
        f"(largest difference {gap:.1e}); the only difference is our floor for terms in more "
        "than half the documents.",
        "",
        "| bm25s method | scoring (ours: idf log((N−n+.5)/(n+.5)), negative → 0.25 × mean idf) |",
    ]
    lines += ["| --- | --- |"] + [f"| {m} | {d} |" for m, d in VARIANTS.items()]
    return lines


# --- 2. speed --------------------------------------------------------------------------


def _timed(fn: Callable[[int], Any], n: int) -> tuple[float, float]:
    from evals.scale import timed_queries

    return timed_queries(fn, n)


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - started)
    return best, out


def _ours_query(index: Any, questions: Sequence[Sequence[str]], k: int, i: int) -> Any:
    return index.search(questions[i % len(questions)], k)


def _bm25s_query(
    model: Any, ids: Sequence[str], questions: Sequence[Sequence[str]], k: int, i: int
) -> Any:
    return bm25s_search(model, ids, questions[i % len(questions)], k)


def top_k_agreement(
    ours: Any, query: Sequence[str], got: Sequence[str], position: dict[str, int], k: int
) -> float:
    """Share of our top-k that `got` matches, where any document tied with our k-th counts.

    The synthetic library is full of near-duplicate chunks with equal scores; which of
    the tied ones fill the last places is arbitrary in both libraries.
    """
    scores = ours.scores(query)
    ref = ours.search(query, k)
    if not ref:
        return 1.0 if not got else 0.0
    threshold = ref[-1][1] - 1e-9 * max(1.0, abs(ref[-1][1]))
    inside = sum(1 for doc_id in got if scores[position[doc_id]] >= threshold)
    return min(inside, len(ref)) / len(ref)


def _nbytes(*arrays: Any) -> int:
    return int(sum(np.asarray(a).nbytes for a in arrays))


def speed(work: Path, sizes: Sequence[int], repeat: int, log: Callable[[str], None]) -> list[str]:
    from evals.scale import load_questions, synthetic_chunks
    from ingest.chunk import chunk_report
    from ingest.formats import load_report
    from rag.bm25 import BM25Index
    from rag.settings import ChunkSettings, RetrievalSettings
    from rag.tokenize import Tokenizer, derive_user_terms

    k = RetrievalSettings().bm25_k
    base = chunk_report(load_report(SEED), ChunkSettings())
    library = synthetic_chunks(base, max(sizes), real=min(1_000, max(sizes)))
    tokenizer = Tokenizer(
        user_terms=derive_user_terms(c.text for c in base), cache_dir=work / "cache"
    )
    log(f"bm25_compare: tokenising {len(library):,} synthetic chunks …")
    all_tokens = [tokenizer.cut(f"{c.section_path[-1]} {c.text}") for c in library]
    questions = [tokenizer.cut(q) for q in load_questions()]
    n_q = len(questions)

    try:
        import numba  # noqa: F401

        backends: tuple[str, ...] = ("numpy", "numba")
    except ImportError:
        backends = ("numpy",)

    notes = []
    if "numba" in backends:
        started = time.perf_counter()
        first = build_bm25s(all_tokens[:100], "robertson", backend="numba")
        bm25s_search(first, [c.id for c in library[:100]], questions[0], k)
        notes.append(
            f" The numba backend compiles on first use: {time.perf_counter() - started:.1f} s "
            "(100-chunk index, first query), paid once per process."
        )
    lines = [
        f"{n_q} golden questions, tokenised beforehand; top {k}; build best of {repeat}."
        + "".join(notes),
        "",
        "| chunks | implementation | build s | query p50 ms | query p95 ms | index arrays MB "
        "| in our top 20 (ties count) |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size in sorted(sizes):
        ids = [c.id for c in library[:size]]
        toks = all_tokens[:size]
        log(f"bm25_compare {size:,}: ours …")
        build_s, ours = _best(partial(BM25Index.build, ids, toks), repeat)
        p50, p95 = _timed(partial(_ours_query, ours, questions, k), n_q)
        size_mb = (
            _nbytes(ours._indptr, ours._doc_idx, ours._tf, ours._doc_len, ours._weights) / 2**20
        )
        position = {doc_id: i for i, doc_id in enumerate(ids)}
        lines.append(
            f"| {size:,} | {OURS} | {build_s:.2f} | {p50:.2f} | {p95:.2f} | {size_mb:.1f} | – |"
        )
        for backend in backends:
            for method in ("robertson", "lucene"):
                label = f"bm25s {method}, {backend} backend"
                log(f"bm25_compare {size:,}: {label} …")
                build_s, model = _best(partial(build_bm25s, toks, method, backend=backend), repeat)
                p50, p95 = _timed(partial(_bm25s_query, model, ids, questions, k), n_q)
                s = model.scores
                size_mb = _nbytes(s["data"], s["indices"], s["indptr"]) / 2**20
                same = np.mean(
                    [
                        top_k_agreement(ours, q, bm25s_search(model, ids, q, k), position, k)
                        for q in questions
                    ]
                )
                lines.append(
                    f"| {size:,} | {label} | {build_s:.2f} | {p50:.2f} | {p95:.2f} | "
                    f"{size_mb:.1f} | {same:.2f} |"
                )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bm25_compare", description=__doc__)
    parser.add_argument("--sizes", default="1000,100000", help="synthetic library sizes")
    parser.add_argument("--repeat", type=int, default=3, help="builds per size (best is kept)")
    parser.add_argument("--skip-speed", action="store_true", help="agreement table only")
    args = parser.parse_args(argv)
    from evals.numerals_compare import import_cost_ms
    from evals.scale import parse_sizes
    from rag.factory import set_offline_environment

    set_offline_environment()
    try:
        import bm25s
    except ImportError:
        print(
            "错误：这项比较需要 bm25s（pip install bm25s==0.3.16），它不是产品依赖。",
            file=sys.stderr,
        )
        return 2

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="reportqa-bm25-") as tmp:
        work = Path(tmp)
        print(f"## bm25s {bm25s.__version__} vs rag/bm25.py\n")
        print("### Agreement and retrieval quality (k1 = 1.5, b = 0.75)\n")
        print("\n".join(agreement(work)))
        if not args.skip_speed:
            print("\n### Build and query time (synthetic library of evals.scale)\n")
            print("\n".join(speed(work, parse_sizes(args.sizes), args.repeat, log)))
        print(
            f"\n`import bm25s` in a fresh interpreter: {import_cost_ms('bm25s'):.0f} ms; "
            f"`import rag.bm25`: {import_cost_ms('rag.bm25'):.0f} ms (best of 3)."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
