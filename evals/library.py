"""`reportqa eval --library`: every report of the development library, each asked alone.

The library (`evals/library.toml`) is the seed report with its golden set plus the
real reports in ``../shared/corpora/`` (third-party texts kept outside the project;
``REPORTQA_LIBRARY_DIR`` overrides the folder), each with a blind set in
``evals/sets/<name>.jsonl`` whose evidence is a pointer (line and character span
of ``<name>.txt``), resolved here at run time.

For each report the real pipeline runs in a scratch ``REPORTQA_HOME`` (a temporary
folder sharing the converted models): the report is ingested alone (library reports
from their PDF, so page citations can be checked against ``pages/<name>.pages.json``;
the seed from its TXT), the real answerer is built and asked the set through the
same path as ``reportqa eval`` (`evals.run.evaluate`), the baselines run beside it,
and the scratch home is deleted.

**Protocol.** Held-out reports are seen only in aggregate. For them this module keeps
nothing but metrics: `score_report` drops their items, answers and failures before
anything is printed or written, and their runs are silent (logging is off). Tuning
reports get the same failure list as ``reportqa eval``.

The core (`load_library`, `resolve_evidence`, `score_report`, `macro`, `render`,
`library_gate`) needs no models; `run_library` takes the per-report runner as an
argument so tests drive it with fakes. The real runner is `evals.scratch.ScratchRunner`.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import sys
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.common import (
    DEFAULT_REPORTS,
    REPO_DIR,
    EvalSetError,
    eval_settings,
    format_failures,
    jsonable,
    load_items,
    load_thresholds,
    resolve_path,
    settings_summary,
)
from evals.metrics import (
    absence_claims,
    aggregate,
    check_thresholds,
    false_absence_terms,
    list_failures,
)
from evals.noise import noisy
from evals.pages import PageMap, page_accuracy
from ingest.readers import ReadError
from rag.errors import ReportQAError

if TYPE_CHECKING:
    from rag.settings import Settings

LIBRARY_TOML = Path(__file__).resolve().parent / "library.toml"
LIBRARY_ENV = "REPORTQA_LIBRARY_DIR"
TUNING = "tuning"
HELDOUT = "heldout"
SPLIT_LABELS = {TUNING: "tuning", HELDOUT: "held-out"}

#: Baselines whose figures sit beside reportqa's (evals/baselines.py), with table labels.
BASELINE_LABELS: tuple[tuple[str, str], ...] = (
    ("langchain-baseline", "LangChain"),
    ("chatchat-baseline", "Chatchat"),
    ("bm25-baseline", "BM25"),
)
BASELINE_METRICS = ("key_fact_accuracy", "hit_at_1", "hit_at_5")
CHATCHAT = "chatchat-baseline"

#: Metrics summed, not averaged, across reports (counts).
COUNT_METRICS = frozenset(
    {
        "n_items",
        "absence_claims",
        "false_absence_claims",
        "false_absence_claims_chunks",
        "page_citations_right",
        "page_citations_wrong",
        "page_citations_unlocated",
    }
)

#: Rows of the per-report table: (label, metric key), in display order.
TABLE_ROWS: tuple[tuple[str, str], ...] = (
    ("items", "n_items"),
    ("reportqa key-fact", "key_fact_accuracy"),
    ("hit@1", "hit_at_1"),
    ("hit@5", "hit_at_5"),
    ("refusal (unanswerable)", "refusal_rate"),
    ("false refusal", "false_refusal_rate"),
    ("false-premise ok", "false_premise_ok"),
    ("section cited", "expected_section_cited"),
    ("citations verified", "citations_verified"),
    ("page accuracy", "page_accuracy"),
    ("false absence claims", "false_absence_claims"),
    ("false absence claims (chunk texts)", "false_absence_claims_chunks"),
    ("latency p50 (ms)", "latency_p50_ms"),
    *(
        (f"{label} {what}", f"{name}.{key}")
        for name, label in BASELINE_LABELS
        for what, key in (
            ("key-fact", "key_fact_accuracy"),
            ("hit@1", "hit_at_1"),
            ("hit@5", "hit_at_5"),
        )
    ),
    ("reportqa − Chatchat key-fact", "key_fact_minus_chatchat"),
)


# --------------------------------------------------------------------- the library


@dataclass(frozen=True)
class LibraryReport:
    """One report of the library and where its files are."""

    name: str
    split: str  # TUNING or HELDOUT
    source: Path  # the file ingested: the PDF for library reports, the TXT for the seed
    text: Path  # the plain text evidence pointers and absence checks read
    set_path: Path
    pages: Path | None = None  # <name>.pages.json; None when the report has no page map

    @property
    def heldout(self) -> bool:
        return self.split == HELDOUT


@dataclass(frozen=True)
class Library:
    """The reports to run; `available` is False when the corpora folder is missing."""

    reports: tuple[LibraryReport, ...]
    corpora_dir: Path
    available: bool
    skipped: tuple[str, ...] = ()  # library reports left out because the folder is missing


def heldout_by_rule(names: Sequence[str], seed: str, count: int) -> list[str]:
    """The reports the seeded rule holds out: the first `count` by sha256("<seed>:<name>")."""
    order = sorted(names, key=lambda n: hashlib.sha256(f"{seed}:{n}".encode()).hexdigest())
    return order[:count]


def read_library_toml(path: Path = LIBRARY_TOML) -> dict[str, Any]:
    """Parse library.toml; `EvalSetError` with a clear message when unusable."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise EvalSetError(f"找不到报告库清单：{path}") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise EvalSetError(f"报告库清单 {path} 无法解析：{exc}") from None


def default_corpora_dir(
    data: Mapping[str, Any], repo_dir: Path = REPO_DIR, override: str | None = None
) -> Path:
    """`override` (REPORTQA_LIBRARY_DIR) if given, else library.toml's `corpora_dir` from the repo."""
    if override and override.strip():
        return Path(override.strip()).expanduser()
    return (repo_dir / str(data.get("corpora_dir", "../shared/corpora"))).resolve()


def load_library(
    toml_path: Path = LIBRARY_TOML,
    corpora_dir: Path | None = None,
    repo_dir: Path = REPO_DIR,
) -> Library:
    """The reports of library.toml with their files.

    A report with a `file` key ships with the project (paths from `repo_dir`);
    the others live in `corpora_dir` as ``pdf/<name>.pdf``, ``<name>.txt`` and
    ``pages/<name>.pages.json``, with the set ``evals/sets/<name>.jsonl``. When
    `corpora_dir` does not exist, only the project's own reports are returned.
    """
    data = read_library_toml(toml_path)
    corpora = corpora_dir if corpora_dir is not None else default_corpora_dir(data, repo_dir)
    available = corpora.is_dir()
    reports: list[LibraryReport] = []
    skipped: list[str] = []
    for entry in data.get("report") or []:
        name = str(entry.get("name") or "")
        split = str(entry.get("split") or "")
        if not name or split not in (TUNING, HELDOUT):
            raise EvalSetError(f"报告库清单 {toml_path} 中的报告缺少 name 或 split 不对：{name!r}")
        set_path = repo_dir / str(entry.get("set") or f"evals/sets/{name}.jsonl")
        if entry.get("file"):
            text = repo_dir / str(entry["file"])
            reports.append(LibraryReport(name, split, text, text, set_path))
            continue
        if not available:
            skipped.append(name)
            continue
        report = LibraryReport(
            name,
            split,
            source=corpora / "pdf" / f"{name}.pdf",
            text=corpora / f"{name}.txt",
            set_path=set_path,
            pages=corpora / "pages" / f"{name}.pages.json",
        )
        missing = [p for p in (report.source, report.text, report.pages) if p and not p.is_file()]
        if missing:
            raise EvalSetError(f"报告库 {corpora} 缺少文件：{', '.join(str(p) for p in missing)}")
        reports.append(report)
    return Library(tuple(reports), corpora, available, tuple(skipped))


# ----------------------------------------------------------------------- evidence


def resolve_pointer(lines: Sequence[str], pointer: Mapping[str, Any]) -> str:
    """The text a pointer ``{"line": 1-based, "start": offset, "end": offset}`` names.

    Raises ValueError when it does not land on text within its line.
    """
    try:
        number, start, end = int(pointer["line"]), int(pointer["start"]), int(pointer["end"])
    except (KeyError, TypeError, ValueError):
        raise ValueError("证据指针必须有整数 line、start、end") from None
    if not 1 <= number <= len(lines):
        raise ValueError(f"证据指针的行号 {number} 超出范围（共 {len(lines)} 行）")
    line = lines[number - 1]
    if not 0 <= start < end <= len(line):
        raise ValueError(f"证据指针的范围 {start}–{end} 超出第 {number} 行（{len(line)} 字）")
    text = line[start:end]
    if not text.strip():
        raise ValueError(f"证据指针指向第 {number} 行的空白")
    return text


def resolve_evidence(items: Sequence[Mapping[str, Any]], lines: Sequence[str]) -> list[dict]:
    """Items with pointer evidence (`evidence`, `evidence_all`) replaced by the text they name.

    Items whose evidence is already text (the golden set) pass unchanged. A bad
    pointer raises `EvalSetError` naming only the item's id.
    """
    out: list[dict[str, Any]] = []
    for item in items:
        resolved = dict(item)
        try:
            if isinstance(item.get("evidence"), Mapping):
                resolved["evidence"] = resolve_pointer(lines, item["evidence"])
            if isinstance(item.get("evidence_all"), list):
                resolved["evidence_all"] = [
                    resolve_pointer(lines, p) if isinstance(p, Mapping) else p
                    for p in item["evidence_all"]
                ]
        except ValueError as exc:
            raise EvalSetError(f"题目 {item.get('id')} 的证据指针无效：{exc}") from None
        out.append(resolved)
    return out


def read_lines(path: Path) -> list[str]:
    """A report's lines as the pointers count them (split on newline characters only)."""
    return path.read_text(encoding="utf-8").split("\n")


def load_report_items(report: LibraryReport, limit: int = 0) -> list[dict[str, Any]]:
    """The report's set with its evidence resolved against the report's text."""
    items = load_items(report.set_path)
    if limit > 0:
        items = items[:limit]
    return resolve_evidence(items, read_lines(report.text))


# ------------------------------------------------------------------------ scoring


@dataclass
class RunOutput:
    """What running one report produced: reportqa's results, its chunks, the baselines'.

    `timings_s` says where the time went (ingest, answer, baselines), for the budget.
    """

    results: list[dict[str, Any]]
    chunk_texts: list[str]
    baselines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)


@dataclass
class ReportOutcome:
    """One report's figures. For a held-out report `failures` and `results` stay empty."""

    name: str
    split: str
    metrics: dict[str, float]
    seconds: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def heldout(self) -> bool:
        return self.split == HELDOUT


def absence_counts(
    results: Sequence[Mapping[str, Any]], text: str, chunk_texts: Sequence[str]
) -> dict[str, float]:
    """How many answers name a term as absent, and how many of those name one the report has.

    ``false_absence_claims`` checks the report's full text; ``…_chunks`` checks
    the indexed chunks one by one (what the answerer could have seen).
    """
    claims = false_full = false_chunks = 0
    for res in results:
        answer = str(res.get("answer") or "")
        if absence_claims(answer):
            claims += 1
        if false_absence_terms(answer, [text]):
            false_full += 1
        if false_absence_terms(answer, chunk_texts):
            false_chunks += 1
    return {
        "absence_claims": float(claims),
        "false_absence_claims": float(false_full),
        "false_absence_claims_chunks": float(false_chunks),
    }


def page_metrics(pages: PageMap | None, results: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Page accuracy of reportqa's citations; NaN (n/a) without a page map."""
    if pages is None:
        return {"page_accuracy": float("nan")}
    acc = page_accuracy(pages, (c for res in results for c in res.get("citations") or []))
    return {
        "page_accuracy": acc.share,
        "page_citations_right": float(acc.right),
        "page_citations_wrong": float(acc.wrong),
        "page_citations_unlocated": float(acc.unlocated),
    }


def score_report(
    report: LibraryReport,
    items: Sequence[Mapping[str, Any]],
    output: RunOutput,
    *,
    text: str,
    pages: PageMap | None,
    seconds: float = 0.0,
) -> ReportOutcome:
    """All figures of one report; a held-out report keeps nothing but them."""
    metrics = aggregate(items, output.results)
    metrics.update(page_metrics(pages, output.results))
    metrics.update(absence_counts(output.results, text, output.chunk_texts))
    for name, results in output.baselines.items():
        base = aggregate(items, results)
        for key in BASELINE_METRICS:
            metrics[f"{name}.{key}"] = base[key]
    chatchat = metrics.get(f"{CHATCHAT}.key_fact_accuracy", float("nan"))
    metrics["key_fact_minus_chatchat"] = metrics["key_fact_accuracy"] - chatchat
    timings = {k: round(v, 1) for k, v in output.timings_s.items()}
    if report.heldout:
        return ReportOutcome(report.name, report.split, metrics, seconds, timings_s=timings)
    return ReportOutcome(
        report.name,
        report.split,
        metrics,
        seconds,
        failures=list_failures(items, output.results),
        results=list(output.results),
        timings_s=timings,
    )


def macro(outcomes: Sequence[ReportOutcome]) -> dict[str, float]:
    """Macro averages over reports (NaN ignored); counts (`COUNT_METRICS`) are summed."""
    keys: list[str] = []
    for o in outcomes:
        keys += [k for k in o.metrics if k not in keys]
    out: dict[str, float] = {"n_reports": float(len(outcomes))}
    for key in keys:
        values = [o.metrics.get(key, float("nan")) for o in outcomes]
        finite = [v for v in values if not math.isnan(v)]
        if not finite:
            out[key] = float("nan")
        elif key in COUNT_METRICS:
            out[key] = float(sum(finite))
        else:
            out[key] = sum(finite) / len(finite)
    return out


# ---------------------------------------------------------------------- reporting


def _cell(key: str, value: float | None) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    if key in COUNT_METRICS:
        return str(round(value))
    if key.startswith("latency"):
        return f"{value:.1f}"
    if key == "key_fact_minus_chatchat":
        return f"{value:+.3f}"
    return f"{value:.3f}"


def table(outcomes: Sequence[ReportOutcome], macros: Mapping[str, Mapping[str, float]]) -> str:
    """Markdown table: one column per report, then one per macro average.

    Rows every column lacks (e.g. the baselines with ``--no-baselines``) are left out.
    """
    columns: list[tuple[str, Mapping[str, float]]] = [
        (f"{o.name} ({SPLIT_LABELS[o.split]})", o.metrics) for o in outcomes
    ]
    columns += [(label, m) for label, m in macros.items()]
    lines = [
        "| metric | " + " | ".join(label for label, _ in columns) + " |",
        "| --- | " + " | ".join("---:" for _ in columns) + " |",
    ]
    for label, key in TABLE_ROWS:
        values = [m.get(key, float("nan")) for _, m in columns]
        if all(math.isnan(v) for v in values):
            continue
        lines.append(f"| {label} | " + " | ".join(_cell(key, v) for v in values) + " |")
    return "\n".join(lines) + "\n"


def macro_columns(outcomes: Sequence[ReportOutcome]) -> dict[str, dict[str, float]]:
    """The macro columns: tuning reports and held-out reports, apart (each only if run)."""
    out: dict[str, dict[str, float]] = {}
    for split in (TUNING, HELDOUT):
        group = [o for o in outcomes if o.split == split]
        if group:
            out[f"macro {SPLIT_LABELS[split]} ({len(group)})"] = macro(group)
    return out


@dataclass
class LibraryReportDoc:
    """The rendered run: Markdown for people, a JSON payload for tools."""

    markdown: str
    payload: dict[str, Any]
    macros: dict[str, dict[str, float]]


def render(
    outcomes: Sequence[ReportOutcome],
    *,
    mode: str,
    settings_summary: Mapping[str, Any],
    library: Library,
    wall_s: float,
) -> LibraryReportDoc:
    """The per-report table, macro averages and (tuning reports only) failure lists."""
    macros = macro_columns(outcomes)
    timestamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    heldout = [o.name for o in outcomes if o.heldout]
    header = [
        f"# reportqa eval --library — {timestamp}",
        "",
        f"mode: {mode}; reports: {len(outcomes)}; wall time: {wall_s:.0f} s; "
        + "; ".join(f"{k}: {v}" for k, v in settings_summary.items()),
        "",
    ]
    if library.skipped:
        header += [f"library skipped (no {library.corpora_dir}): {', '.join(library.skipped)}", ""]
    notes = [
        "",
        "Page accuracy: share of reportqa's citations whose page range holds the quote "
        "(library PDFs; n/a for the seed, which has no page map). False absence claims: "
        "answers naming as absent a term the report's text (or one of its chunks) contains. "
        "Baselines read the report's plain text; hit@1 is over their top chunks "
        "(Chatchat: top 3). Macro: mean over reports; counts are summed.",
    ]
    if heldout:
        notes += [
            "",
            f"Held-out reports ({', '.join(heldout)}) are run in aggregate only: "
            "their items, answers and failures are neither printed nor written.",
        ]
    body = [table(outcomes, macros), *notes, ""]
    for o in outcomes:
        if o.heldout:
            continue
        body += [
            f"## reportqa failures: {o.name} ({len(o.failures)})",
            "",
            format_failures(o.failures),
        ]
    markdown = "\n".join([*header, *body])
    reports: dict[str, Any] = {}
    for o in outcomes:
        entry: dict[str, Any] = {
            "split": o.split,
            "seconds": round(o.seconds, 1),
            "timings_s": o.timings_s,
            "metrics": o.metrics,
        }
        if not o.heldout:
            entry["failures"] = o.failures
            entry["results"] = o.results
        reports[o.name] = entry
    payload = {
        "timestamp": timestamp,
        "mode": mode,
        "wall_s": round(wall_s, 1),
        "settings": dict(settings_summary),
        "library_dir": str(library.corpora_dir),
        "library_skipped": list(library.skipped),
        "reports": reports,
        "macro": {
            split: macro([o for o in outcomes if o.split == split])
            for split in (TUNING, HELDOUT)
            if any(o.split == split for o in outcomes)
        },
    }
    return LibraryReportDoc(markdown, payload, macros)


def write(doc: LibraryReportDoc, reports_dir: Path, stem: str = "library") -> None:
    """Write library.md and library.json (both git-ignored: tuning failures quote the
    reports); `stem` names another pair (library_noise)."""
    import json

    reports_dir.mkdir(parents=True, exist_ok=True)
    (reports_dir / f"{stem}.md").write_text(doc.markdown, encoding="utf-8")
    (reports_dir / f"{stem}.json").write_text(
        json.dumps(jsonable(doc.payload), ensure_ascii=False, indent=1, allow_nan=False) + "\n",
        encoding="utf-8",
    )


def library_gate(heldout_macro: Mapping[str, float], thresholds: Mapping[str, Any]) -> list[str]:
    """Failure messages of the held-out macro figures against thresholds.toml's ``[library]``."""
    table_ = thresholds.get("library")
    if not isinstance(table_, Mapping) or not table_:
        return ["thresholds.toml has no [library] table"]
    return check_thresholds(heldout_macro, table_)


# ------------------------------------------------------------------------ running

ReportRunner = Callable[[LibraryReport, list[dict[str, Any]]], RunOutput]


@contextlib.contextmanager
def quiet(enabled: bool) -> Iterator[None]:
    """Logging off while a held-out report runs: nothing about its items may be printed."""
    if not enabled:
        yield
        return
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(previous)


def run_reports(
    library: Library,
    runner: ReportRunner,
    *,
    names: Sequence[str] = (),
    limit: int = 0,
    progress: Callable[[str], None] | None = None,
    transform: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
) -> list[ReportOutcome]:
    """Run `runner` over the library's reports (tuning first) and score each; `transform`
    rewrites each report's items first (`evals.noise.noisy`)."""
    selected = [r for r in library.reports if not names or r.name in names]
    selected.sort(key=lambda r: r.heldout)
    outcomes: list[ReportOutcome] = []
    for number, report in enumerate(selected, start=1):
        if progress:
            progress(f"[{number}/{len(selected)}] {report.name}（{SPLIT_LABELS[report.split]}）…")
        started = time.perf_counter()
        items = load_report_items(report, limit)
        if transform is not None:
            items = transform(items)
        text = report.text.read_text(encoding="utf-8")
        pages = PageMap.load(report.text, report.pages) if report.pages else None
        try:
            with quiet(report.heldout):
                output = runner(report, items)
        except EvalSetError:
            raise
        except Exception as exc:
            if not report.heldout:
                raise
            # The exception's message could quote a held-out item: name its type only.
            raise EvalSetError(f"留出报告 {report.name} 运行失败（{type(exc).__name__}）") from None
        outcomes.append(
            score_report(
                report,
                items,
                output,
                text=text,
                pages=pages,
                seconds=time.perf_counter() - started,
            )
        )
    return outcomes


def run_library(
    *,
    library: Library,
    runner: ReportRunner,
    names: Sequence[str] = (),
    limit: int = 0,
    mode: str = "extractive",
    settings_summary: Mapping[str, Any] | None = None,
    reports_dir: Path | None = DEFAULT_REPORTS,
    thresholds: Mapping[str, Any] | None = None,
    out: Any = None,
    err: Any = None,
    noise: bool = False,
) -> int:
    """Run, print and write the library eval; 0 = done (gate passed), 1 = gate failed.

    `thresholds` (thresholds.toml) turns the gate on. With `noise` every question is
    asked with noise around it (`evals.noise`), written as library_noise.md/json.
    `EvalSetError` propagates (the caller prints it and exits 2).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    unknown = [
        n for n in names if n not in {r.name for r in library.reports} | set(library.skipped)
    ]
    if unknown:
        known = ", ".join(r.name for r in library.reports)
        raise EvalSetError(f"未知的库报告：{', '.join(unknown)}（可选：{known}）")
    heldout_names = sorted(r.name for r in library.reports if r.heldout)
    if thresholds is not None and library.available:
        chosen = [n for n in heldout_names if not names or n in names]
        if chosen != heldout_names or limit:
            raise EvalSetError(
                "--gate 需要完整运行全部留出报告（不能用 --reports 或 --limit 缩小范围）"
            )
    if not library.available:
        print(
            f"未找到报告库 {library.corpora_dir}（可用 {LIBRARY_ENV} 指定）："
            f"跳过库中的 {len(library.skipped)} 份报告，只评测种子报告。",
            file=err,
        )
    started = time.perf_counter()
    outcomes = run_reports(
        library,
        runner,
        names=names,
        limit=limit,
        progress=lambda m: print(m, file=err),
        transform=noisy if noise else None,
    )
    if not outcomes:
        raise EvalSetError("没有可评测的报告")
    doc = render(
        outcomes,
        mode=mode,
        settings_summary=settings_summary or {},
        library=library,
        wall_s=time.perf_counter() - started,
    )
    if reports_dir is not None:
        write(doc, reports_dir, stem="library_noise" if noise else "library")
    print(doc.markdown, file=out)
    if thresholds is None:
        return 0
    if not library.available:
        print("库门槛跳过：报告库不存在。", file=err)
        return 0
    heldout = [o for o in outcomes if o.heldout]
    failed = library_gate(macro(heldout), thresholds)
    if failed:
        print("库门槛未通过（留出报告宏平均）：", file=err)
        for message in failed:
            print(f"  ✗ {message}", file=err)
        return 1
    print("库门槛通过（留出报告宏平均）。", file=err)
    return 0


def main_from_args(
    args: Any,
    *,
    answerer_factory: Callable[[Settings], Any] | None = None,
    runner: ReportRunner | None = None,
    make_runner: Callable[[Settings], ReportRunner] | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """`reportqa eval --library …` (args from `evals.run.build_parser`); exit code 0/1/2.

    This is an entry point: it reads REPORTQA_LIBRARY_DIR and the reportqa settings
    from the environment.
    """
    env = os.environ if env is None else env
    names = [n.strip() for n in (args.reports or "").split(",") if n.strip()]
    try:
        data = read_library_toml(LIBRARY_TOML)
        library = load_library(
            LIBRARY_TOML, default_corpora_dir(data, REPO_DIR, env.get(LIBRARY_ENV)), REPO_DIR
        )
        thresholds = load_thresholds(resolve_path(args.thresholds)) if args.gate else None
        settings = eval_settings(args.mode)
        if runner is None:
            if make_runner is None:
                raise EvalSetError("没有可用的报告运行器")
            runner = make_runner(settings)
        return run_library(
            library=library,
            runner=runner,
            names=names,
            limit=max(0, args.limit or 0),
            mode=args.mode,
            settings_summary=settings_summary(settings, args.mode),
            reports_dir=Path(args.reports_dir) if args.reports_dir else DEFAULT_REPORTS,
            thresholds=thresholds,
            noise=bool(getattr(args, "noise", False)),
        )
    except (ReportQAError, EvalSetError, ReadError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
