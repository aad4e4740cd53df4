"""`python -m evals.ablation`: what each answer strategy is worth, report by report.

Each tuning report of `evals/library.toml` (never a held-out one) is ingested alone into
a scratch home, as `reportqa eval --library` does, and its set is asked once with every
strategy and once with each strategy left out (`Context.skipped_strategies`: the
question then falls through to the next strategy of the registry, as it would if the
strategy did not exist). Only strategies that drafted at least one answer in the full
run are left out: leaving out one that answered nothing changes nothing. The table
gives the key-fact accuracy lost per report without the strategy (in items), so a
strategy that pays only on the seed report shows as such.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from evals.common import REPO_DIR, EvalSetError, eval_settings, evaluate, load_items
from evals.library import (
    LIBRARY_ENV,
    LIBRARY_TOML,
    LibraryReport,
    default_corpora_dir,
    load_library,
    load_report_items,
    read_library_toml,
)
from evals.metrics import aggregate
from evals.scratch import ScratchRunner
from rag.chain import Answerer, build_answerer

#: Result of one report: strategy → (items it answered in the full run, key facts held
#: with every strategy, key facts held without this one).
ReportAblation = dict[str, tuple[int, int, int]]


def _key_facts_held(items: Sequence[dict[str, Any]], results: list[dict[str, Any]]) -> int:
    metrics = aggregate(items, results)
    answerable = sum(1 for it in items if it.get("type") != "unanswerable")
    return round(metrics["key_fact_accuracy"] * answerable)


def ablate(answerer: Answerer, items: Sequence[dict[str, Any]]) -> ReportAblation:
    """Ask `items` with every strategy, then without each one that answered something."""
    full = evaluate(answerer, items)
    held = _key_facts_held(items, full)
    answered: dict[str, int] = {}
    for result in full:
        name = str(result.get("strategy") or "")
        answered[name] = answered.get(name, 0) + 1
    out: ReportAblation = {}
    for name, count in answered.items():
        if name in ("", "refusal"):
            continue  # the refusal is the registry's floor: it cannot be left out
        context = replace(answerer.context, skipped_strategies=frozenset({name}))
        without = evaluate(answerer.with_context(context), items)
        out[name] = (count, held, _key_facts_held(items, without))
    return out


def seed_items(report: LibraryReport) -> list[dict[str, Any]]:
    """The seed's golden set (both splits: the ablation compares, it does not tune)."""
    return load_items(report.set_path)


def run(library_dir: str | None) -> dict[str, ReportAblation]:
    """Ablate every tuning report, each ingested alone into a scratch home."""
    data = read_library_toml(LIBRARY_TOML)
    library = load_library(LIBRARY_TOML, default_corpora_dir(data, REPO_DIR, library_dir))
    runner = ScratchRunner(eval_settings("extractive"), baselines=False)
    out: dict[str, ReportAblation] = {}
    for report in library.reports:
        if report.heldout:
            continue
        items = seed_items(report) if report.pages is None else load_report_items(report)
        with tempfile.TemporaryDirectory(prefix="reportqa-ablation-") as home:
            scratch = runner.scratch_settings(Path(home))
            runner.ingest(report.source, scratch)
            out[report.name] = ablate(build_answerer(scratch, check_stale=False), items)
        print(f"{report.name}: {len(items)} items", file=sys.stderr)
    return out


def format_table(results: dict[str, ReportAblation]) -> str:
    """Markdown: one row per strategy, per report `answered / key facts lost without it`."""
    reports = list(results)
    names = list(dict.fromkeys(n for r in reports for n in results[r]))
    lines = [
        "| strategy | " + " | ".join(reports) + " |",
        "| --- | " + " | ".join("---:" for _ in reports) + " |",
    ]
    for name in names:
        cells = []
        for report in reports:
            if name not in results[report]:
                cells.append("–")
                continue
            count, held, without = results[report][name]
            cells.append(f"{count} / {held - without:+d}")
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the ablation table (items answered / key facts lost without the strategy)."""
    parser = argparse.ArgumentParser(prog="python -m evals.ablation", description=__doc__)
    parser.parse_args(argv)
    try:
        results = run(os.environ.get(LIBRARY_ENV))
    except (EvalSetError, OSError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["ablate", "format_table", "main", "run"]
