"""`python -m evals.fit`: fit the evidence-scoring weights on the tuning reports.

The extractive answer quotes the evidence unit (sentence, table row) that scores best
for the question. The score is `FeatureWeights · Features`, times the chunk's
retrieval-rank prior (and a peripheral factor): lexical coverage, context coverage,
bigram overlap, e5 similarity, asserted figures, type fit and a TOC-line penalty
(`rag/evidence.py`). The weights were set by hand on the seed report; here they are
fitted from data across reports.

Data: every answerable item of the tuning reports of `evals/library.toml` (never a
held-out one): the seed's golden dev split and its five probe sets, and each tuning
library report's blind set. Each report is ingested alone into a scratch home, as
`reportqa eval --library` does. Every evidence unit of a question's passages is one
row: its features times its prior, labelled 1 when it holds every key fact of the
item or its evidence text. A listwise model gives the weights: per question, a softmax
over its units' scores, fitted to put the probability on the units that answer, with
no intercept (so that the score keeps its form, and the answer path's score ratios
keep their meaning) and an L2 pull towards the hand weights (`--c`).

Validation is leave-one-report-out: for each tuning report, weights fitted on the
others pick each question's top unit on it; the table compares how often that unit
answers with the hand weights. `--write` stores the weights fitted on all tuning
reports in `rag/scoring.toml`, which the answerer loads.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from evals.common import REPO_DIR, EvalSetError, eval_settings, load_items
from evals.library import (
    LIBRARY_ENV,
    LIBRARY_TOML,
    LibraryReport,
    default_corpora_dir,
    load_library,
    load_report_items,
    read_library_toml,
)
from evals.metrics import normalise
from evals.scratch import ScratchRunner
from rag.chain import build_answerer
from rag.evidence import FeatureWeights, candidates, evidence_features, is_peripheral
from rag.question import Cue
from rag.scoring import SCORING_TOML, write_scoring
from rag.settings import Settings
from rag.types import Turn

#: The seed's tuning sets beside its golden set's dev split.
SEED_PROBES = ("probe", "probe2", "probe3", "probe4", "probe5")
FEATURES = tuple(f.name for f in fields(FeatureWeights))


@dataclass(frozen=True)
class Row:
    """One evidence unit of one question: its features times its prior, and its label."""

    report: str
    question: str
    x: tuple[float, ...]
    answers: bool


def holds_answer(unit: str, item: dict[str, Any]) -> bool:
    """Whether a unit answers an item: it holds every key fact, or the item's evidence."""
    text = normalise(unit)
    facts = item.get("must_include") or []
    if facts and all(any(normalise(alt) in text for alt in group) for group in facts):
        return True
    evidence = [item.get("evidence"), *(item.get("evidence_all") or [])]
    for piece in (normalise(e) for e in evidence if isinstance(e, str)):
        if len(piece) >= 6 and (piece in text or (len(text) >= 12 and text in piece)):
            return True
    return False


def seed_items(report: LibraryReport) -> list[dict[str, Any]]:
    """The seed's tuning items: its golden set's dev split and its probe sets."""
    golden = [it for it in load_items(report.set_path) if it.get("split") == "dev"]
    probes = [it for name in SEED_PROBES for it in load_items(REPO_DIR / "evals" / f"{name}.jsonl")]
    return golden + probes


def rows_of(answerer: Any, report: str, items: Sequence[dict[str, Any]]) -> Iterator[Row]:
    """The rows of every answerable item (see the module docstring)."""
    ctx = answerer.context
    settings = ctx.scoring
    for item in items:
        if item.get("type") == "unanswerable":
            continue
        history = [Turn(t["role"], t["content"]) for t in item.get("history") or []]
        passages = answerer.passages(item["question"], history)
        if passages is None or not passages.scoped:
            continue
        question = passages.question
        weigh = question.weigh(passages.weight)
        found = candidates(passages.scoped, ctx.scorers.similarity_to(question.text))
        best_sim = max((c[3] for c in found), default=0.0)
        for retrieved, _, unit, sim in found:
            features = evidence_features(
                question, unit, retrieved, weigh, ctx.lexicon, sim - best_sim
            )
            prior = 1.0 / (1.0 + settings.rank_decay * (retrieved.retrieval_rank - 1))
            if not question.has(Cue.PERIPHERAL) and is_peripheral(
                retrieved.chunk.section_path, ctx.lexicon
            ):
                prior *= settings.peripheral_factor
            x = tuple(prior * value for value in features.vector())
            yield Row(report, item["id"], x, holds_answer(unit, item))


def top_one(rows: Sequence[Row], weights: Sequence[float]) -> tuple[int, int, int]:
    """(questions whose best-scored unit answers, questions with an answering unit,
    questions)."""
    by_question: dict[str, list[Row]] = {}
    for row in rows:
        by_question.setdefault(row.question, []).append(row)
    hit = reachable = 0
    for units in by_question.values():
        best = max(units, key=lambda r: sum(w * v for w, v in zip(weights, r.x, strict=True)))
        hit += best.answers
        reachable += any(r.answers for r in units)
    return hit, reachable, len(by_question)


def fit(rows: Sequence[Row], c: float) -> tuple[float, ...]:
    """Listwise weights: per question, a softmax over its units' scores, fitted to put the
    probability on the units that answer; an L2 pull towards the hand weights (strength
    1/c) keeps what the data does not speak to where it was.

    The answer path keeps only the top unit, so the objective is a ranking one: a
    pointwise (per-unit) logistic regression fits which units answer anywhere, not which
    unit wins among a question's own (measured: it lost to the hand weights on 3 of 5
    reports, leave one report out).
    """
    import numpy as np  # fitting only, never at run time

    by_question: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        by_question.setdefault((row.report, row.question), []).append(row)
    # Questions with an answering unit and a wrong one: the others teach nothing.
    groups = [
        units
        for units in by_question.values()
        if any(r.answers for r in units) and not all(r.answers for r in units)
    ]
    width = max(len(units) for units in groups)
    x = np.zeros((len(groups), width, len(FEATURES)))
    present = np.zeros((len(groups), width), dtype=bool)
    target = np.zeros((len(groups), width))
    for g, units in enumerate(groups):
        x[g, : len(units)] = [r.x for r in units]
        present[g, : len(units)] = True
        target[g, : len(units)] = [r.answers for r in units]
    target /= target.sum(axis=1, keepdims=True)
    # Features scaled alike so that one step size suits every weight.
    scale = np.maximum(np.abs(x).max(axis=(0, 1)), 1e-9)
    x /= scale
    prior = np.array(FeatureWeights().vector()) * scale
    w = prior.copy()
    for _ in range(3000):
        z = np.where(present, x @ w, -np.inf)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        grad = np.einsum("guf,gu->f", x, p - target) / len(groups)
        w -= 0.5 * (grad + (w - prior) / (c * len(groups)))
    return tuple(float(v) for v in w / scale)


def leave_one_report_out(rows: Sequence[Row], c: float) -> list[tuple[str, int, int, int, int]]:
    """Per tuning report: hand-weight hits, fitted-elsewhere hits, reachable, questions."""
    hand = FeatureWeights().vector()
    out = []
    for report in dict.fromkeys(r.report for r in rows):
        held = [r for r in rows if r.report == report]
        weights = fit([r for r in rows if r.report != report], c)
        hand_hit, reachable, n = top_one(held, hand)
        fitted_hit, _, _ = top_one(held, weights)
        out.append((report, hand_hit, fitted_hit, reachable, n))
    return out


def collect(settings: Settings, library_dir: str | None) -> list[Row]:
    """The rows of every tuning report, each ingested alone into a scratch home."""
    data = read_library_toml(LIBRARY_TOML)
    library = load_library(LIBRARY_TOML, default_corpora_dir(data, REPO_DIR, library_dir))
    runner = ScratchRunner(settings, baselines=False)
    rows: list[Row] = []
    for report in library.reports:
        if report.heldout:
            continue  # never read, never fitted on
        items = seed_items(report) if report.pages is None else load_report_items(report)
        with tempfile.TemporaryDirectory(prefix="reportqa-fit-") as home:
            scratch = runner.scratch_settings(Path(home))
            runner.ingest(report.source, scratch)
            answerer = build_answerer(scratch, check_stale=False)
            started = time.perf_counter()
            rows.extend(rows_of(answerer, report.name, items))
            print(
                f"{report.name}: {len(items)} items, {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
    return rows


def format_table(results: Sequence[tuple[str, int, int, int, int]]) -> str:
    lines = [
        "| tuning report (left out) | questions | an answering unit retrieved | top unit answers, hand weights | top unit answers, fitted on the others |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for report, hand, fitted, reachable, n in results:
        lines.append(f"| {report} | {n} | {reachable} | {hand} | {fitted} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Fit, validate leave-one-report-out, and with --write store the weights."""
    parser = argparse.ArgumentParser(prog="python -m evals.fit", description=__doc__)
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--rows", help="read/write the collected rows here (JSON), to refit fast")
    parser.add_argument("--write", action="store_true", help=f"write the weights to {SCORING_TOML}")
    args = parser.parse_args(argv)
    try:
        cache = Path(args.rows) if args.rows else None
        if cache is not None and cache.exists():
            rows = [Row(r[0], r[1], tuple(r[2]), r[3]) for r in json.loads(cache.read_text())]
        else:
            rows = collect(eval_settings("extractive"), os.environ.get(LIBRARY_ENV))
            if cache is not None:
                cache.write_text(json.dumps([[r.report, r.question, r.x, r.answers] for r in rows]))
    except (EvalSetError, OSError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    results = leave_one_report_out(rows, args.c)
    print(format_table(results))
    weights = fit(rows, args.c)
    print("\nweights fitted on every tuning report:")
    for name, value in zip(FEATURES, weights, strict=True):
        print(f"  {name} = {value:.4f}")
    if args.write:
        reports = sorted({r.report for r in rows})
        write_scoring(
            SCORING_TOML,
            FeatureWeights(**dict(zip(FEATURES, weights, strict=True))),
            provenance={
                "fitted_on": reports,
                "rows": len(rows),
                "c": args.c,
                "validation": [
                    {"report": r, "hand": h, "fitted": f, "reachable": reach, "questions": n}
                    for r, h, f, reach, n in results
                ],
            },
        )
        print(f"\n已写入 {SCORING_TOML}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["Row", "fit", "holds_answer", "leave_one_report_out", "main", "top_one"]
