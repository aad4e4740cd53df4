"""`python -m evals.cmrc`: reportqa on public reading-comprehension data, many reports at once.

The library holds seven reports, and each blind set has been read item by item once its
first run is in: fresh failures are scarce. CMRC 2018 (`../shared/datasets/cmrc2018/`,
CC BY-SA 4.0; span questions written by annotators over Chinese Wikipedia paragraphs)
gives thousands of questions nobody here wrote. It is read at run time and never copied
into the project.

Its paragraphs are bound into pseudo-reports: `--per-report` articles each, in the
dataset's order, every article a numbered section (「一、<title>」). Each paragraph keeps
only its first sentences (about `KEPT_SHARE` of its characters), which turns the dataset
into both kinds of question a report reader asks:

- a question whose answer span lies in the kept sentences is answerable, its key fact
  any of the annotators' answers;
- a question whose answer lies in the dropped sentences, and whose answers the bound
  report never contains, is an unanswerable near-miss: it is about an article the
  report holds (its entity, its topic), and asks a detail the report lacks.

Each pseudo-report is ingested alone into a scratch home and asked its questions, as
`reportqa eval --library` does. Printed: totals over all questions (key-fact accuracy,
false refusals, refusal of the near-misses, false absence claims) and one line per
pseudo-report; `cmrc.json` under `--reports-dir` keeps every failure for reading. The
first `--skip` pseudo-reports can be left out, so one slice can be studied and another
kept unread.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.common import REPO_DIR, EvalSetError, eval_settings, jsonable
from evals.library import TUNING, LibraryReport, ReportOutcome, score_report

DATASETS_ENV = "REPORTQA_DATASETS_DIR"
DEFAULT_DATASETS = REPO_DIR.parent / "shared" / "datasets"
CMRC_FILE = Path("cmrc2018") / "cmrc2018_dev.json"
DEFAULT_REPORTS_DIR = REPO_DIR / "evals" / "reports"
# The share of each paragraph's characters kept in the bound report (whole sentences).
KEPT_SHARE = 0.55
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]*")
_NUMERALS = "一二三四五六七八九"


@dataclass(frozen=True)
class PseudoReport:
    """Articles bound into one report, with the questions asked of it."""

    name: str
    text: str
    items: tuple[dict[str, Any], ...]


def section_numeral(number: int) -> str:
    """「十七」 for 17 (1–99), as a report numbers its parts."""
    tens, units = divmod(number, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{_NUMERALS[tens - 1]}十")
    return head + (_NUMERALS[units - 1] if units else "")


def kept_length(context: str, share: float = KEPT_SHARE) -> int:
    """How many leading characters of `context` are kept: whole sentences, at least one,
    until `share` of the paragraph is reached."""
    kept = 0
    for sentence in _SENTENCE.findall(context):
        if kept and kept + len(sentence) > share * len(context):
            break
        kept += len(sentence)
    return kept


def _answers(qa: Mapping[str, Any]) -> list[tuple[str, int]]:
    seen: dict[str, int] = {}
    for answer in qa.get("answers") or []:
        text = str(answer.get("text", "")).strip()
        if text and text not in seen:
            seen[text] = int(answer.get("answer_start", -1))
    return list(seen.items())


def _sentence_at(context: str, start: int) -> str:
    at = 0
    for sentence in _SENTENCE.findall(context):
        if at <= start < at + len(sentence):
            return sentence.strip()
        at += len(sentence)
    return ""


def pseudo_reports(
    data: Mapping[str, Any], per_report: int, count: int = 0, skip: int = 0
) -> list[PseudoReport]:
    """The dataset's articles bound `per_report` at a time (after the first `skip`
    reports, at most `count` of them; 0: all)."""
    articles = [a for a in data.get("data", []) if a.get("paragraphs")]
    reports: list[PseudoReport] = []
    starts = range(skip * per_report, len(articles), per_report)
    for number, start in enumerate(starts, start=skip + 1):
        if count and len(reports) >= count:
            break
        group = articles[start : start + per_report]
        name = f"cmrc_{number:03d}"
        parts = [f"CMRC 2018 资料汇编（第{number}册）", ""]
        asked: list[tuple[int, str, int, Mapping[str, Any]]] = []
        for section, article in enumerate(group, start=1):
            paragraph = article["paragraphs"][0]
            context = str(paragraph["context"])
            kept = kept_length(context)
            parts += [f"{section_numeral(section)}、{article.get('title', '')}", ""]
            parts += [context[:kept].strip(), ""]
            asked += [(section, context, kept, qa) for qa in paragraph.get("qas", [])]
        text = "\n".join(parts)
        items = [
            item
            for section, context, kept, qa in asked
            if (item := _item(section, context, kept, qa, text))
        ]
        reports.append(PseudoReport(name, text, tuple(items)))
    return reports


def _item(
    section: int, context: str, kept: int, qa: Mapping[str, Any], report: str
) -> dict[str, Any] | None:
    """The eval item of one question: answerable when an answer lies in the kept
    sentences, a near-miss when all lie beyond them and the report holds none of them,
    else None (an answer the report states elsewhere is neither)."""
    answers = _answers(qa)
    if not answers:
        return None
    base = {"id": str(qa["id"]), "question": str(qa["question"]), "section": str(section)}
    inside = [(t, s) for t, s in answers if s >= 0 and s + len(t) <= kept]
    if inside:
        evidence = _sentence_at(context, inside[0][1])
        return {
            **base,
            "type": "fact",
            "must_include": [[t for t, _ in answers]],
            "evidence": evidence,
            "split": "library",
        }
    if all(s >= kept for _, s in answers) and not any(t in report for t, _ in answers):
        return {**base, "type": "unanswerable", "must_include": [], "split": "library"}
    return None


def load_cmrc(datasets_dir: Path) -> dict[str, Any]:
    """The CMRC 2018 dev file; `EvalSetError` with a clear message when it is missing."""
    path = datasets_dir / CMRC_FILE
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise EvalSetError(
            f"未找到 CMRC 2018 数据：{path}（可用 {DATASETS_ENV} 指定目录）"
        ) from None
    except (OSError, ValueError) as exc:
        raise EvalSetError(f"无法读取 {path}：{exc}") from None


@dataclass(frozen=True)
class Totals:
    """Counts over every question asked (micro, not a mean of reports)."""

    answerable: int
    key_facts: int
    false_refusals: int
    unanswerable: int
    refused: int
    false_absence_claims: int

    def line(self) -> str:
        def share(n: int, d: int) -> str:
            return f"{n / d:.3f}" if d else "n/a"

        return (
            f"answerable {self.answerable}: key-fact {share(self.key_facts, self.answerable)}, "
            f"false refusal {share(self.false_refusals, self.answerable)}; "
            f"near-misses {self.unanswerable}: refused "
            f"{share(self.refused, self.unanswerable)}; "
            f"false absence claims {self.false_absence_claims}"
        )


def totals(outcomes: Sequence[ReportOutcome]) -> Totals:
    """Summed counts of the reports' metrics."""

    def count(key: str, of: str) -> int:
        total = 0
        for o in outcomes:
            value, n = o.metrics.get(key, math.nan), o.metrics.get(of, 0.0)
            total += 0 if math.isnan(value) else round(value * n)
        return total

    return Totals(
        answerable=int(sum(o.metrics.get("n_answerable", 0) for o in outcomes)),
        key_facts=count("key_fact_accuracy", "n_answerable"),
        false_refusals=count("false_refusal_rate", "n_answerable"),
        unanswerable=int(sum(o.metrics.get("n_unanswerable", 0) for o in outcomes)),
        refused=count("refusal_rate", "n_unanswerable"),
        false_absence_claims=int(sum(o.metrics.get("false_absence_claims", 0) for o in outcomes)),
    )


def run(
    reports: Sequence[PseudoReport], runner: Any, workdir: Path, progress: Any = None
) -> Iterator[ReportOutcome]:
    """Ingest each pseudo-report alone, ask its questions and score it."""
    for number, report in enumerate(reports, start=1):
        if progress:
            progress(f"[{number}/{len(reports)}] {report.name}（{len(report.items)} 题）…")
        text_path = workdir / f"{report.name}.txt"
        text_path.write_text(report.text, encoding="utf-8")
        set_path = workdir / f"{report.name}.jsonl"
        set_path.write_text(
            "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in report.items),
            encoding="utf-8",
        )
        entry = LibraryReport(report.name, TUNING, text_path, text_path, set_path)
        started = time.perf_counter()
        items = list(report.items)
        output = runner(entry, items)
        yield score_report(
            entry,
            items,
            output,
            text=report.text,
            pages=None,
            seconds=time.perf_counter() - started,
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evals.cmrc", description=__doc__)
    parser.add_argument("--per-report", type=int, default=20, help="每份报告的文章数")
    parser.add_argument("--reports", type=int, default=0, help="最多评测几份（0：全部）")
    parser.add_argument("--skip", type=int, default=0, help="跳过前几份")
    parser.add_argument("--reports-dir", default=str(DEFAULT_REPORTS_DIR))
    parser.add_argument("--mode", default="extractive", choices=("extractive", "generative"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CMRC eval; 0 = done, 2 = cannot run (the data is missing)."""
    from evals.scratch import ScratchRunner
    from rag.factory import set_offline_environment

    set_offline_environment()
    args = build_parser().parse_args(argv)
    datasets_dir = Path(os.environ.get(DATASETS_ENV) or DEFAULT_DATASETS)
    try:
        data = load_cmrc(datasets_dir)
        if args.per_report < 1 or args.per_report > 99:
            raise EvalSetError("--per-report 须在 1–99 之间")
        reports = pseudo_reports(data, args.per_report, max(0, args.reports), max(0, args.skip))
        if not reports:
            raise EvalSetError("没有可评测的报告（--skip 太大？）")
        runner = ScratchRunner(eval_settings(args.mode), baselines=False)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="reportqa-cmrc-") as workdir:
            outcomes = list(
                run(reports, runner, Path(workdir), lambda m: print(m, file=sys.stderr))
            )
    except EvalSetError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    summed = totals(outcomes)
    print(
        f"CMRC 2018 dev, {len(outcomes)} pseudo-reports of {args.per_report} articles "
        f"(from #{args.skip + 1}), {time.perf_counter() - started:.0f} s"
    )
    print(summed.line())
    for o in outcomes:
        m = o.metrics
        print(
            f"  {o.name}: key-fact {m['key_fact_accuracy']:.3f} "
            f"false refusal {m['false_refusal_rate']:.3f} refusal {m['refusal_rate']:.3f}"
        )
    out_dir = Path(args.reports_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = {
        "per_report": args.per_report,
        "skip": args.skip,
        "totals": summed.__dict__,
        "reports": {o.name: {"metrics": o.metrics, "failures": o.failures} for o in outcomes},
    }
    (out_dir / "cmrc.json").write_text(
        json.dumps(jsonable(doc), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
