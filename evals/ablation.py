"""`python -m evals.ablation`: what each answer strategy is worth, report by report.

Each tuning report of `evals/library.toml` (never a held-out one) is ingested alone into
a scratch home, as `reportqa eval --library` does, and its set is asked once with every
strategy and once with each strategy left out (`Context.skipped_strategies`: the
question then falls through to the next strategy of the registry, as it would if the
strategy did not exist). Only strategies that drafted at least one answer in the full
run are left out: leaving out one that answered nothing changes nothing. The table
gives the key-fact accuracy lost per report without the strategy (in items), so a
strategy that pays only on the seed report shows as such.

`--checks` does the same for the refusal checks (`CHECKS`): each family is switched off
in turn (its functions answer "no" wherever the answer path calls them), and the table
gives per report the unanswerable questions the check alone refuses and the answerable
ones it refuses (in brackets, those answered right without it). A check that refuses
only on the seed report, or refuses more answerable questions than unanswerable ones,
shows as such.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest.mock import patch

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
from evals.metrics import aggregate, key_facts_ok
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


# --- refusal checks ------------------------------------------------------------------

#: The refusal checks that can be switched off, by family: each names the functions
#: (module, attribute) that decide it. Switched off, each of them answers "no" wherever
#: the answer path calls it, so the question is answered as if the check did not exist.
CHECKS: dict[str, tuple[tuple[str, str], ...]] = {
    "figure of another case": (("rag.extractive", "_asked_of_another_case"),),
    "  another year": (("rag.figures", "dated_otherwise"),),
    "  another scope": (("rag.extractive", "_of_another_scope"),),
    "  the opposite flow": (("rag.extractive", "_of_the_opposite_flow"),),
    "no figure of the asked kind": (("rag.extractive", "lacks_figure"),),
    "asked slot unfilled": (("rag.slots", "slot_unfilled"),),
    "role unnamed": (("rag.slots", "role_unnamed"),),
    "counted, not named": (("rag.slots", "counted_not_named"),),
    "name withheld (某公司)": (("rag.slots", "name_withheld"),),
    "agent unnamed": (("rag.slots", "agent_unnamed"),),
    "place unnamed": (("rag.slots", "place_unnamed"),),
    "names a thing the report lacks": (("rag.extractive", "_names_the_unknown"),),
    "why, but no reason": (("rag.extractive", "gives_no_reason"),),
    "later ask drops the first's scope": (("rag.asks", "_drops_first_ask"),),
}


def _never(*_args: Any, **_kwargs: Any) -> bool:
    return False


@contextmanager
def check_off(targets: Sequence[tuple[str, str]]) -> Iterator[None]:
    """Every `module.attribute` of `targets` answers False, in every rag module that
    imported it by name, until the block ends."""
    originals = [getattr(importlib.import_module(m), name) for m, name in targets]
    with ExitStack() as stack:
        for (_, name), original in zip(targets, originals, strict=True):
            for module in [m for key, m in sys.modules.items() if key.split(".")[0] == "rag"]:
                if getattr(module, name, None) is original:
                    stack.enter_context(patch.object(module, name, _never))
        yield


#: One report's check ablation: check → (unanswerables it alone refuses, answerable
#: questions it refuses, of those the ones answered right without it, key facts it
#: costs or gains: held with it minus held without it).
CheckAblation = dict[str, tuple[int, int, int, int]]


def _held(item: Mapping[str, Any], result: Mapping[str, Any]) -> bool:
    ok, _ = key_facts_ok(str(result.get("answer", "")), item.get("must_include", []))
    return ok and not result.get("refused", True)


def compare_checks(
    items: Sequence[Mapping[str, Any]],
    full: Sequence[Mapping[str, Any]],
    without: Sequence[Mapping[str, Any]],
) -> tuple[int, int, int, int]:
    """What a check did: the unanswerables it refused that are answered without it, the
    answerable questions it refused, the right answers among those, and the key facts
    held with it minus without it."""
    refused_unanswerable = refused_answerable = right_without = key_facts = 0
    for item, with_check, no_check in zip(items, full, without, strict=True):
        made = bool(with_check.get("refused", True)) and not no_check.get("refused", True)
        undone = not with_check.get("refused", True) and bool(no_check.get("refused", True))
        if item.get("type") == "unanswerable":
            refused_unanswerable += made - undone
            continue
        refused_answerable += made - undone
        right_without += made and _held(item, no_check)
        key_facts += _held(item, with_check) - _held(item, no_check)
    return refused_unanswerable, refused_answerable, right_without, key_facts


def ablate_checks(answerer: Answerer, items: Sequence[dict[str, Any]]) -> CheckAblation:
    """Ask `items` with every refusal check, then with each family switched off."""
    full = evaluate(answerer, items)
    out: CheckAblation = {}
    for name, targets in CHECKS.items():
        with check_off(targets):
            out[name] = compare_checks(items, full, evaluate(answerer, items))
    return out


def format_checks(results: Mapping[str, CheckAblation]) -> str:
    """Markdown: one row per check, per report `unanswerables it refuses / answerable
    questions it refuses (right without it)`, and the totals."""
    reports = list(results)
    lines = [
        "| check | " + " | ".join(reports) + " | total |",
        "| --- | " + " | ".join("---:" for _ in reports) + " | ---: |",
    ]
    for name in CHECKS:
        cells = [results[r][name] for r in reports if name in results[r]]
        total = tuple(sum(c[i] for c in cells) for i in range(4))
        shown = [_check_cell(results[r].get(name)) for r in reports]
        lines.append(f"| {name} | " + " | ".join(shown) + f" | {_check_cell(total)} |")
    return "\n".join(lines)


def _check_cell(cell: tuple[int, ...] | None) -> str:
    if cell is None:
        return "–"
    refused, wrongly, right, _ = cell
    return f"{refused} / {wrongly}" + (f" ({right})" if right else "")


def seed_items(report: LibraryReport) -> list[dict[str, Any]]:
    """The seed's golden set (both splits: the ablation compares, it does not tune)."""
    return load_items(report.set_path)


def run(
    library_dir: str | None,
    ablate_one: Callable[[Answerer, list[dict[str, Any]]], Any] = ablate,
) -> dict[str, Any]:
    """Ablate every tuning report, each ingested alone into a scratch home (strategies,
    or with `ablate_checks` the refusal checks)."""
    data = read_library_toml(LIBRARY_TOML)
    library = load_library(LIBRARY_TOML, default_corpora_dir(data, REPO_DIR, library_dir))
    runner = ScratchRunner(eval_settings("extractive"), baselines=False)
    out: dict[str, Any] = {}
    for report in library.reports:
        if report.heldout:
            continue
        items = seed_items(report) if report.pages is None else load_report_items(report)
        with tempfile.TemporaryDirectory(prefix="reportqa-ablation-") as home:
            scratch = runner.scratch_settings(Path(home))
            runner.ingest(report.source, scratch)
            out[report.name] = ablate_one(build_answerer(scratch, check_stale=False), items)
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
    """Print the ablation table: per strategy, items answered / key facts lost without
    it; with `--checks`, per refusal check, what it refuses."""
    parser = argparse.ArgumentParser(prog="python -m evals.ablation", description=__doc__)
    parser.add_argument(
        "--checks",
        action="store_true",
        help="switch off each refusal check in turn instead of each strategy",
    )
    args = parser.parse_args(argv)
    try:
        results = run(os.environ.get(LIBRARY_ENV), ablate_checks if args.checks else ablate)
    except (EvalSetError, OSError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(format_checks(results) if args.checks else format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = [
    "CHECKS",
    "ablate",
    "ablate_checks",
    "check_off",
    "compare_checks",
    "format_checks",
    "format_table",
    "main",
    "run",
]
