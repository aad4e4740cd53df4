"""`python -m evals.fit_answer`: fit how much of the scored evidence an answer keeps.

Sentence extraction quotes the best evidence unit and the runners-up that add a question
word the answer lacks. A runner-up that scores almost as well as the best one but adds
no new word was dropped, although it is often the one that holds the fact (the best
sentence names the items, the next one gives their figures: 「三类的占比分别为…」). `Selection.keep_ratio` keeps such a unit, room permitting, when it scores
at least that share of the best one; 0 keeps none (`rag.extractive.near_tied`).

The ratio is fitted end to end, through the real chain: each tuning report of
`evals/library.toml` (never a held-out one) is ingested alone into a scratch home, as
`reportqa eval --library` does, and its set is asked once per candidate ratio. Per
report: key-fact accuracy, false refusals, refusal of unanswerables and answer length.
Leave one report out: the ratio with the best mean key-fact accuracy over the other
reports (ties: the larger ratio, which keeps fewer sentences; a ratio that lowers their
refusal of unanswerables is never chosen) is scored on the report left out, against 0.
`--write` stores the ratio chosen on all tuning reports in `rag/selection.toml`.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from evals.common import REPO_DIR, EvalSetError, eval_settings, evaluate
from evals.library import (
    LIBRARY_ENV,
    LIBRARY_TOML,
    default_corpora_dir,
    load_library,
    load_report_items,
    read_library_toml,
)
from evals.metrics import aggregate
from evals.scratch import ScratchRunner, release_chroma, torch_threads
from rag.chain import build_answerer
from rag.scoring import SELECTION_TOML, load_scoring, write_selection

#: Candidate ratios; 0 is today's answer (no near-tied unit kept).
GRID = (0.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6)


@dataclass(frozen=True)
class Cell:
    """One report's figures at one candidate ratio."""

    key_fact: float
    false_refusal: float
    refusal: float
    chars: float


Table = Mapping[str, Mapping[float, Cell]]


def choose(table: Table, reports: Sequence[str]) -> float:
    """The ratio with the best mean key-fact accuracy over `reports`; ties go to the
    larger ratio (shorter answers). A ratio whose mean refusal of unanswerables falls
    below that of 0 is never chosen."""
    grid = sorted({r for report in reports for r in table[report]}, reverse=True)

    def mean(ratio: float, key: str) -> float:
        return sum(getattr(table[r][ratio], key) for r in reports) / len(reports)

    floor = mean(0.0, "refusal")
    allowed = [r for r in grid if r == 0.0 or mean(r, "refusal") >= floor - 1e-9]
    # Ties go to the larger ratio, and 0 (off) counts as the largest.
    return max(allowed, key=lambda r: (round(mean(r, "key_fact"), 9), r == 0.0, r))


def leave_one_report_out(table: Table) -> list[tuple[str, float, Cell, Cell]]:
    """Per report: the ratio chosen on the others, the report's figures at 0 and at it."""
    reports = list(table)
    out = []
    for held in reports:
        ratio = choose(table, [r for r in reports if r != held])
        out.append((held, ratio, table[held][0.0], table[held][ratio]))
    return out


def measure(grid: Sequence[float], library_dir: str | None) -> dict[str, dict[float, Cell]]:
    """Every tuning report's figures at every ratio of `grid`, through the real chain."""
    settings = eval_settings("extractive")
    data = read_library_toml(LIBRARY_TOML)
    library = load_library(LIBRARY_TOML, default_corpora_dir(data, REPO_DIR, library_dir))
    runner = ScratchRunner(settings, baselines=False)
    fitted = load_scoring()
    table: dict[str, dict[float, Cell]] = {}
    for report in library.reports:
        if report.heldout:
            continue  # never read, never fitted on
        items = load_report_items(report)
        home = Path(tempfile.mkdtemp(prefix="reportqa-fit-answer-"))
        try:
            scratch = runner.scratch_settings(home)
            runner.ingest(report.source, scratch)
            with torch_threads(settings.embedding.question_threads):
                for ratio in grid:
                    answerer = build_answerer(
                        scratch,
                        check_stale=False,
                        embeddings=runner.embeddings(),
                        scoring=replace(
                            fitted, selection=replace(fitted.selection, keep_ratio=ratio)
                        ),
                    )
                    m = aggregate(items, evaluate(answerer, items))
                    table.setdefault(report.name, {})[ratio] = Cell(
                        m["key_fact_accuracy"],
                        m["false_refusal_rate"],
                        m["refusal_rate"],
                        m["answer_chars_mean"],
                    )
                    del answerer
                    print(
                        f"{report.name} {ratio:.2f}: {table[report.name][ratio]}", file=sys.stderr
                    )
        finally:
            release_chroma(home)
            gc.collect()
            shutil.rmtree(home, ignore_errors=True)
    return table


def format_grid(table: Table) -> str:
    """Key-fact accuracy per report and ratio, with the macro mean."""
    grid = sorted({r for cells in table.values() for r in cells})
    lines = [
        "| keep_ratio | " + " | ".join(table) + " | macro | refusal (macro) | chars (macro) |",
        "| ---: |" + " ---: |" * (len(table) + 3),
    ]
    for ratio in grid:
        cells = [table[r][ratio] for r in table]
        row = [f"{c.key_fact:.3f}" for c in cells]
        mean = sum(c.key_fact for c in cells) / len(cells)
        refusal = sum(c.refusal for c in cells) / len(cells)
        chars = sum(c.chars for c in cells) / len(cells)
        lines.append(
            f"| {ratio:.2f} | " + " | ".join(row) + f" | {mean:.3f} | {refusal:.3f} | {chars:.0f} |"
        )
    return "\n".join(lines)


def format_validation(results: Sequence[tuple[str, float, Cell, Cell]]) -> str:
    lines = [
        "| left out | ratio chosen on the others | key-fact at 0 | key-fact at it | false refusal at 0 → at it | refusal at 0 → at it |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for report, ratio, off, on in results:
        lines.append(
            f"| {report} | {ratio:.2f} | {off.key_fact:.3f} | {on.key_fact:.3f} | "
            f"{off.false_refusal:.3f} → {on.false_refusal:.3f} | {off.refusal:.3f} → {on.refusal:.3f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure the grid, validate leave one report out, and with --write store the ratio."""
    parser = argparse.ArgumentParser(prog="python -m evals.fit_answer", description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"write the ratio to {SELECTION_TOML}")
    args = parser.parse_args(argv)
    try:
        table = measure(GRID, os.environ.get(LIBRARY_ENV))
    except (EvalSetError, OSError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if not table:
        print("错误：没有可用的调参报告", file=sys.stderr)
        return 2
    results = leave_one_report_out(table)
    print(format_grid(table))
    print()
    print(format_validation(results))
    ratio = choose(table, list(table))
    print(f"\nkeep_ratio chosen on every tuning report: {ratio:.2f}")
    if args.write:
        write_selection(
            SELECTION_TOML,
            {"keep_ratio": ratio},
            provenance={
                "fitted_on": sorted(table),
                "grid": list(GRID),
                "validation": [
                    {
                        "report": report,
                        "ratio": chosen,
                        "key_fact_off": round(off.key_fact, 3),
                        "key_fact_fitted": round(on.key_fact, 3),
                    }
                    for report, chosen, off, on in results
                ],
            },
        )
        print(f"\n已写入 {SELECTION_TOML}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["GRID", "Cell", "choose", "leave_one_report_out", "main", "measure"]
