"""`reportqa eval`: run the golden set through reportqa and two baselines, print metrics.

reportqa is asked through `rag.batch.run_jsonl`, the same code path as
``reportqa ask --jsonl``, one line at a time so each item gets its own
``latency_ms``. Metrics come from `evals.metrics`; the comparison table and
the list of reportqa's failures are printed and written to
``<reports-dir>/latest.md`` and ``latest.json``. ``--gate`` checks the reportqa
column of the requested split against ``evals/thresholds.toml``.

The core (`load_items`, `evaluate`, `build_columns`, `report`, `gate`) needs no
models, so tests drive it with a fake answerer through `main`'s factories.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.baselines import BaselineRun, run_baselines
from evals.common import (
    DEFAULT_REPORTS,
    DEFAULT_SET,
    DEFAULT_THRESHOLDS,
    EvalSetError,
    eval_settings,
    evaluate,
    format_failures,
    jsonable,
    load_items,
    load_thresholds,
    resolve_path,
    select,
    settings_summary,
)
from evals.conversation import main_from_args as conversations_main
from evals.library import main_from_args
from evals.metrics import (
    aggregate,
    by_strategy,
    check_thresholds,
    format_strategy_table,
    format_table,
    list_failures,
)
from evals.scratch import ScratchRunner
from ingest.readers import ReadError
from rag.errors import ReportQAError
from rag.factory import set_offline_environment
from rag.settings import Settings

SYSTEM = "reportqa"
SPLITS = ("dev", "heldout")

#: Display label for each metric key of `evals.metrics.aggregate`, in table order.
#: Per-type key-fact rows are inserted after "key-fact accuracy".
METRIC_LABELS: tuple[tuple[str, str], ...] = (
    ("n_items", "items"),
    ("hit_at_1", "hit@1"),
    ("hit_at_3", "hit@3"),
    ("hit_at_5", "hit@5"),
    ("mrr", "MRR"),
    ("key_fact_accuracy", "key-fact accuracy"),
    ("answer_chars_mean", "mean answer length (chars)"),
    ("citations_verified", "citations verified"),
    ("expected_section_cited", "expected section cited"),
    ("cited_share", "≥1 citation"),
    ("refusal_rate", "refusal rate (unanswerable)"),
    ("false_refusal_rate", "false-refusal rate"),
    ("false_premise_ok", "false-premise ok"),
    ("latency_p50_ms", "latency p50 (ms)"),
    ("latency_p95_ms", "latency p95 (ms)"),
)


AnswererFactory = Callable[[Settings], Any]
BaselinesFactory = Callable[[Settings, Sequence[Mapping[str, Any]]], Sequence[BaselineRun]]


# --------------------------------------------------------------------------- items


# ------------------------------------------------------------------------ running


def _column(system: str, split: str) -> str:
    return f"{system} ({split})"


def build_columns(
    items: Sequence[Mapping[str, Any]],
    reportqa: Sequence[Mapping[str, Any]],
    baselines: Mapping[str, Sequence[Mapping[str, Any]]],
    split: str,
) -> dict[str, dict[str, float]]:
    """Metrics per table column.

    reportqa gets one column per split (dev, heldout and all when `split` is
    "all"); each baseline one column over the same items.
    """
    columns: dict[str, dict[str, float]] = {}
    splits = [*SPLITS, "all"] if split == "all" else [split]
    for s in splits:
        pairs = [
            (it, res)
            for it, res in zip(items, reportqa, strict=True)
            if s == "all" or it.get("split") == s
        ]
        if not pairs:
            continue
        columns[_column(SYSTEM, s)] = aggregate([p[0] for p in pairs], [p[1] for p in pairs])
    for name, results in baselines.items():
        columns[_column(name, split)] = aggregate(items, results)
    return columns


def _display_rows(columns: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Rename metric keys to the table's labels, in a fixed order, per-type rows included."""
    types = sorted(
        {
            k[len("key_fact_accuracy[") : -1]
            for m in columns.values()
            for k in m
            if k.startswith("key_fact_accuracy[")
        }
    )
    rows: dict[str, dict[str, float]] = {}
    for col, metrics in columns.items():
        out: dict[str, float] = {}
        for key, label in METRIC_LABELS:
            out[label] = metrics.get(key, float("nan"))
            if key == "key_fact_accuracy":
                for t in types:
                    out[f"key-fact accuracy: {t}"] = metrics.get(
                        f"key_fact_accuracy[{t}]", float("nan")
                    )
        rows[col] = out
    return rows


@dataclass
class Report:
    """Everything one eval run produced, as printed and as written to disk."""

    markdown: str
    payload: dict[str, Any]
    columns: dict[str, dict[str, float]]
    failures: list[dict[str, Any]] = field(default_factory=list)


def report(
    items: Sequence[Mapping[str, Any]],
    reportqa: Sequence[Mapping[str, Any]],
    baselines: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    split: str,
    mode: str,
    settings_summary: Mapping[str, Any],
    reports_dir: Path | None,
    baseline_info: Mapping[str, Any] | None = None,
    set_path: str = "",
) -> Report:
    """Build the table and failure list; write latest.md/latest.json when `reports_dir` is given."""
    columns = build_columns(items, reportqa, baselines, split)
    table = format_table(_display_rows(columns), systems=list(columns))
    strategies = by_strategy(items, reportqa)
    failures = list_failures(items, list(reportqa))
    timestamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    header = (
        f"# reportqa eval — {timestamp}\n\n"
        f"mode: {mode}; split: {split}; items: {len(items)}; set: {set_path or '—'}\n\n"
        + "; ".join(f"{k}: {v}" for k, v in settings_summary.items())
        + "\n\n"
    )
    markdown = (
        header
        + table
        + "\n## reportqa answers by strategy\n\n"
        + format_strategy_table(strategies)
        + f"\n## reportqa failures ({len(failures)})\n\n"
        + format_failures(failures)
    )
    systems: dict[str, dict[str, Any]] = {SYSTEM: {}}
    for col, metrics in columns.items():
        name, _, rest = col.partition(" (")
        systems.setdefault(name, {})[rest.rstrip(")")] = metrics
    payload: dict[str, Any] = {
        "timestamp": timestamp,
        "mode": mode,
        "split": split,
        "set": set_path,
        "n_items": len(items),
        "settings": dict(settings_summary),
        "systems": systems,
        "columns": columns,
        "strategies": strategies,
        "baselines": dict(baseline_info or {}),
        "failures": failures,
        "results": {SYSTEM: list(reportqa)},
    }
    if reports_dir is not None:
        reports_dir.mkdir(parents=True, exist_ok=True)
        (reports_dir / ".gitkeep").touch(exist_ok=True)
        (reports_dir / "latest.md").write_text(markdown, encoding="utf-8")
        (reports_dir / "latest.json").write_text(
            json.dumps(jsonable(payload), ensure_ascii=False, indent=1, allow_nan=False) + "\n",
            encoding="utf-8",
        )
    return Report(markdown=markdown, payload=payload, columns=columns, failures=failures)


def gate(metrics: Mapping[str, float], thresholds: Mapping[str, Any]) -> list[str]:
    """Failure messages of `metrics` against the top-level thresholds (nested tables ignored)."""
    return check_thresholds(metrics, thresholds)


# ---------------------------------------------------------------------------- CLI


def build_parser() -> argparse.ArgumentParser:
    """Arguments of `reportqa eval` (also `python -m evals.run`)."""
    p = argparse.ArgumentParser(prog="reportqa eval", description="运行评测集并打印指标")
    p.add_argument("--set", default="", help="评测集 JSONL（默认 evals/golden.jsonl）")
    p.add_argument("--mode", choices=["extractive", "llm"], default="extractive")
    p.add_argument("--split", choices=["dev", "heldout", "all"], default="all")
    p.add_argument("--gate", action="store_true", help="低于阈值时以 1 退出")
    p.add_argument("--no-baselines", action="store_true", help="不运行两个基线")
    p.add_argument("--reports-dir", default=str(DEFAULT_REPORTS), help="写 latest.md/latest.json")
    p.add_argument("--thresholds", default=str(DEFAULT_THRESHOLDS), help="阈值 TOML")
    p.add_argument("--limit", type=int, default=0, help="只跑前 N 条（快速检查）")
    p.add_argument(
        "--library",
        action="store_true",
        help="评测报告库（evals/library.toml）：每份报告单独入库、提问，写 library.md/library.json",
    )
    p.add_argument(
        "--conversations",
        action="store_true",
        help="对话评测（evals/sets/conversations.jsonl）：逐轮以系统自己的回答为历史提问，"
        "独立问题另行单独提问；写 conversations.md/json",
    )
    p.add_argument("--reports", default="", help="与 --library 同用：只跑这些报告（逗号分隔）")
    p.add_argument(
        "--noise",
        action="store_true",
        help="与 --library 同用：每题加上用户常见的噪声（表情、客套话、英文、Markdown）再问；"
        "写 library_noise.md/json",
    )
    return p


def _default_answerer_factory(settings: Settings) -> Any:
    from rag.chain import build_answerer  # heavy: the LangChain stack (~0.7 s), real runs only

    return build_answerer(settings)


def _default_baselines_factory(
    settings: Settings, items: Sequence[Mapping[str, Any]]
) -> Sequence[BaselineRun]:
    return run_baselines(settings, items)


def main(
    argv: Sequence[str] | None = None,
    *,
    answerer_factory: AnswererFactory | None = None,
    baselines_factory: BaselinesFactory | None = None,
) -> int:
    """Run the eval; 0 = done (and gate passed), 1 = gate failed, 2 = cannot run.

    The factories default to the real chain and baselines; tests inject fakes.
    """
    set_offline_environment()
    args = build_parser().parse_args(argv)
    if args.conversations:
        return conversations_main(args, os.environ)
    if args.library:

        def make_runner(settings: Settings) -> ScratchRunner:
            return ScratchRunner(
                settings, baselines=not args.no_baselines, answerer_factory=answerer_factory
            )

        return main_from_args(args, answerer_factory=answerer_factory, make_runner=make_runner)
    try:
        set_path = resolve_path(args.set or DEFAULT_SET)
        items = select(load_items(set_path), args.split)
        if args.limit and args.limit > 0:
            items = items[: args.limit]
        if not items:
            raise EvalSetError(f"评测集 {set_path} 中没有 split={args.split} 的题目")
        thresholds = load_thresholds(resolve_path(args.thresholds)) if args.gate else {}
        settings = eval_settings(args.mode)
        answerer = (answerer_factory or _default_answerer_factory)(settings)
        print(f"评测 {len(items)} 题（{args.mode}，split={args.split}）…", file=sys.stderr)
        results = evaluate(answerer, items)
        runs: Sequence[BaselineRun] = ()
        if not args.no_baselines:
            print("运行基线 …", file=sys.stderr)
            runs = (baselines_factory or _default_baselines_factory)(settings, items)
        rep = report(
            items,
            results,
            {r.name: r.results for r in runs},
            split=args.split,
            mode=args.mode,
            settings_summary=settings_summary(settings, args.mode),
            reports_dir=Path(args.reports_dir),
            baseline_info={r.name: r.info for r in runs},
            set_path=str(set_path),
        )
    except (ReportQAError, EvalSetError, ReadError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(rep.markdown)
    if not args.gate:
        return 0
    column = _column(SYSTEM, args.split)
    failed = gate(rep.columns.get(column, {}), thresholds)
    if failed:
        print(f"门槛未通过（{column}）：", file=sys.stderr)
        for message in failed:
            print(f"  ✗ {message}", file=sys.stderr)
        return 1
    print(f"门槛通过（{column}）。", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
