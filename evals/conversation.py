"""`reportqa eval --conversations`: dialogues played turn by turn, and standalone turns alone.

The set (``evals/sets/conversations.jsonl``) holds dialogues::

    {"id": "cs01", "report": "seed" | "<library report>", "turns": [
        {"question": "…", "kind": "standalone" | "switch" | "followup",
         "followup": "na_ne" | "pronoun" | "temporal" | "ordinal" | "more"
                     | "bare_predicate" | "bare_figure",      (follow-ups only)
         "must_include": [["a", "a'"], …],
         "evidence": "<seed: exact text>" | {"line": L, "start": S, "end": E}}]}

Library evidence is a pointer into ``<corpora>/<report>.txt`` (the project never holds
library text); ``python -m evals.conversation --import FILE…`` turns blind-written
evidence substrings into pointers.

Each dialogue is played through `rag.batch.run_jsonl` (the ``ask --jsonl`` path) with
the system's OWN previous answers (and their citations) as history; every standalone
and switch turn is also asked alone. Per turn kind it reports key-fact accuracy, the
loss of standalone turns in conversation against the same questions alone, the share
of standalone turns rewritten (`Answer.followup.rewritten`), follow-up key-fact
accuracy per follow-up type, and answers naming as absent a term the report contains
(`evals.metrics.false_absence_terms`). The seed runs on the normal index; a library
report is ingested alone into a scratch home (`evals.scratch.ScratchRunner`), as
``reportqa eval --library`` does. Held-out library reports are never run here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from evals.common import (
    DEFAULT_REPORTS,
    EVALS_DIR,
    REPO_DIR,
    EvalSetError,
    eval_settings,
    jsonable,
    jsonl_objects,
    load_thresholds,
    resolve_path,
)
from evals.library import (
    LIBRARY_ENV,
    LIBRARY_TOML,
    Library,
    default_corpora_dir,
    load_library,
    read_library_toml,
    read_lines,
    resolve_pointer,
)
from evals.metrics import check_thresholds, false_absence_terms, key_facts_ok
from evals.scratch import ScratchRunner
from ingest.readers import ReadError
from rag.batch import run_jsonl
from rag.errors import ReportQAError

DEFAULT_SET = EVALS_DIR / "sets" / "conversations.jsonl"
# The blind check set (written later, by another writer, over other reports): a
# generalisation test for follow-up work, run with `--set`; never tuned on.
CHECK_SET = EVALS_DIR / "sets" / "conversations_check.jsonl"
SEED = "seed"
SEED_TEXT = REPO_DIR / "corpus" / "nifd_2025_tech_insurance_report.txt"
KINDS = ("standalone", "switch", "followup")
FOLLOWUP_TYPES = (
    "na_ne",
    "pronoun",
    "temporal",
    "ordinal",
    "more",
    "bare_predicate",
    "bare_figure",
)

Dialogue = dict[str, Any]


# ------------------------------------------------------------------------ the set


def _check_turn(turn: Any, where: str) -> None:
    if not isinstance(turn, dict):
        raise EvalSetError(f"{where}：每个 turn 必须是 JSON 对象")
    if not isinstance(turn.get("question"), str) or not turn["question"].strip():
        raise EvalSetError(f"{where}：缺少 question")
    if turn.get("kind") not in KINDS:
        raise EvalSetError(f"{where}：kind 必须是 {'/'.join(KINDS)}")
    if turn["kind"] == "followup" and turn.get("followup") not in FOLLOWUP_TYPES:
        raise EvalSetError(f"{where}：追问的 followup 必须是 {'/'.join(FOLLOWUP_TYPES)}")
    must = turn.get("must_include", [])
    if not isinstance(must, list) or not all(isinstance(g, list) for g in must):
        raise EvalSetError(f"{where}：must_include 必须是列表的列表")


def load_dialogues(path: Path) -> list[Dialogue]:
    """Read and check a conversation set; `EvalSetError` names the line on any problem."""
    dialogues: list[Dialogue] = []
    seen: set[str] = set()
    for number, where, item in jsonl_objects(path, "对话评测集"):
        if not isinstance(item.get("turns"), list):
            raise EvalSetError(f"{where}必须是带 turns 列表的 JSON 对象")
        item_id = str(item.get("id") or f"line{number}")
        if item_id in seen:
            raise EvalSetError(f"{where}的 id 重复：{item_id}")
        seen.add(item_id)
        for n, turn in enumerate(item["turns"], start=1):
            _check_turn(turn, f"{where} 第 {n} 轮")
        dialogues.append({**item, "id": item_id, "report": str(item.get("report") or SEED)})
    if not dialogues:
        raise EvalSetError(f"对话评测集为空：{path}")
    return dialogues


# ------------------------------------------------------------------------ playing

Ask = Callable[[Sequence[str]], list[dict[str, Any]]]


def _ask_one(answerer: Any, line: Mapping[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    rows = run_jsonl(answerer, [json.dumps(line, ensure_ascii=False)])
    row = rows[0] if rows else {"id": line.get("id"), "error": "no result"}
    row["latency_ms"] = round((time.perf_counter() - started) * 1000.0, 2)
    return row


def _history_turns(question: str, row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The turn as the next one's history sees it: the question, the system's own answer
    and its citations (as a chat client would keep them)."""
    answer = str(row.get("answer") or row.get("error") or "")
    citations = [{"quote": c.get("quote", "")} for c in row.get("citations") or []]
    return [
        {"role": "user", "content": question},
        {"role": "assistant", "content": answer, "citations": citations},
    ]


def play(answerer: Any, dialogues: Sequence[Dialogue]) -> list[dict[str, Any]]:
    """Every turn of every dialogue in conversation, then each standalone/switch turn alone.

    One result per asked turn: the `ask --json` object plus ``dialogue``, ``turn``,
    ``kind``, ``followup_type``, ``setting`` ("conversation" or "alone") and
    ``must_include``.
    """
    results: list[dict[str, Any]] = []
    for dialogue in dialogues:
        history: list[dict[str, Any]] = []
        for n, turn in enumerate(dialogue["turns"], start=1):
            line = {"id": f"{dialogue['id']}-t{n}", "question": turn["question"]}
            if history:
                line["history"] = list(history)
            row = _ask_one(answerer, line)
            results.append(_tagged(row, dialogue, n, turn, "conversation", bool(history)))
            history += _history_turns(turn["question"], row)
        for n, turn in enumerate(dialogue["turns"], start=1):
            if turn["kind"] != "followup":
                row = _ask_one(answerer, {"id": f"{dialogue['id']}-t{n}-alone", **turn})
                results.append(_tagged(row, dialogue, n, turn, "alone", False))
    return results


def _tagged(
    row: dict[str, Any],
    dialogue: Dialogue,
    n: int,
    turn: Mapping[str, Any],
    setting: str,
    with_history: bool,
) -> dict[str, Any]:
    return {
        **row,
        "dialogue": dialogue["id"],
        "report": dialogue["report"],
        "turn": n,
        "question": turn["question"],
        "kind": turn["kind"],
        "followup_type": turn.get("followup", ""),
        "setting": setting,
        "with_history": with_history,
        "must_include": turn.get("must_include", []),
    }


# ------------------------------------------------------------------------ scoring


def _ok(row: Mapping[str, Any]) -> bool:
    if row.get("error"):
        return False
    return key_facts_ok(str(row.get("answer") or ""), row.get("must_include") or [])[0]


def _share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else float("nan")


def score(rows: Sequence[Mapping[str, Any]], texts: Mapping[str, str]) -> dict[str, float]:
    """The figures of a played set (see the module docstring); `texts` by report name."""
    conv = [r for r in rows if r["setting"] == "conversation"]
    alone = [r for r in rows if r["setting"] == "alone"]
    standalone = [r for r in conv if r["kind"] != "followup"]
    followups = [r for r in conv if r["kind"] == "followup"]
    metrics: dict[str, float] = {
        "dialogues": float(len({r["dialogue"] for r in conv})),
        "turns": float(len(conv)),
        "standalone_turns": float(len(standalone)),
        "followup_turns": float(len(followups)),
        "standalone_alone_key_fact": _share([_ok(r) for r in alone]),
        "standalone_in_conversation_key_fact": _share([_ok(r) for r in standalone]),
    }
    metrics["standalone_loss"] = (
        metrics["standalone_alone_key_fact"] - metrics["standalone_in_conversation_key_fact"]
    )
    later = [r for r in standalone if r["with_history"]]
    rewritten = [bool((r.get("followup") or {}).get("rewritten")) for r in later]
    metrics["standalone_rewritten"] = _share(rewritten)
    metrics["standalone_rewritten_count"] = float(sum(rewritten))
    for kind in KINDS:
        metrics[f"key_fact.{kind}"] = _share([_ok(r) for r in conv if r["kind"] == kind])
    metrics["followup_key_fact"] = _share([_ok(r) for r in followups])
    for kind in FOLLOWUP_TYPES:
        of_kind = [_ok(r) for r in followups if r["followup_type"] == kind]
        if of_kind:
            metrics[f"followup_key_fact.{kind}"] = _share(of_kind)
            metrics[f"followup_turns.{kind}"] = float(len(of_kind))
    detected = [not (r.get("followup") or {}).get("standalone", True) for r in followups]
    metrics["followups_detected"] = _share(detected)
    false_absence = [
        r for r in rows if false_absence_terms(str(r.get("answer") or ""), [texts[r["report"]]])
    ]
    metrics["false_absence_claims"] = float(len(false_absence))
    return metrics


def failures(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Conversation turns that missed a key fact, with how the turn was understood."""
    out = []
    for r in rows:
        if _ok(r):
            continue
        followup = r.get("followup") or {}
        out.append(
            {
                "id": r.get("id"),
                "setting": r["setting"],
                "kind": r["kind"],
                "followup_type": r["followup_type"],
                "question": r["question"],
                "understood": followup.get("resolved_question", ""),
                "decided": followup.get("kind", ""),
                "rewritten": bool(followup.get("rewritten")),
                "answer": str(r.get("answer") or r.get("error") or "")[:160],
                "must_include": r["must_include"],
            }
        )
    return out


ROWS: tuple[tuple[str, str], ...] = (
    ("dialogues", "dialogues"),
    ("turns", "turns"),
    ("standalone + switch turns", "standalone_turns"),
    ("follow-up turns", "followup_turns"),
    ("standalone key-fact, asked alone", "standalone_alone_key_fact"),
    ("standalone key-fact, in conversation", "standalone_in_conversation_key_fact"),
    ("standalone loss (alone − conversation)", "standalone_loss"),
    ("standalone turns rewritten (share)", "standalone_rewritten"),
    ("key-fact: standalone", "key_fact.standalone"),
    ("key-fact: switch", "key_fact.switch"),
    ("key-fact: follow-up", "followup_key_fact"),
    *((f"follow-up key-fact: {k}", f"followup_key_fact.{k}") for k in FOLLOWUP_TYPES),
    ("follow-ups detected as follow-ups", "followups_detected"),
    ("false absence claims", "false_absence_claims"),
)


def _cell(value: float) -> str:
    if value != value:  # NaN
        return "n/a"
    return str(round(value)) if value == round(value) and abs(value) > 1 else f"{value:.3f}"


def table(columns: Mapping[str, Mapping[str, float]]) -> str:
    """Markdown: one column per report and one for the whole set."""
    names = list(columns)
    lines = [
        "| metric | " + " | ".join(names) + " |",
        "| --- | " + " | ".join("---:" for _ in names) + " |",
    ]
    for label, key in ROWS:
        values = [columns[n].get(key, float("nan")) for n in names]
        if all(v != v for v in values):
            continue
        lines.append(f"| {label} | " + " | ".join(_cell(v) for v in values) + " |")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------ running

# What a blind set's report says instead of its failures.
_BLIND_NOTE = "A blind set (evals/library.toml, aggregate_only_sets): its figures only."

PlayReport = Callable[[str, list[Dialogue]], tuple[list[dict[str, Any]], str]]


def run(
    dialogues: Sequence[Dialogue],
    play_report: PlayReport,
    *,
    reports_dir: Path | None = DEFAULT_REPORTS,
    thresholds: Mapping[str, Any] | None = None,
    out: Any = None,
    err: Any = None,
    name: str = DEFAULT_SET.stem,
    aggregate_only: bool = False,
) -> int:
    """Play every report's dialogues, print and write the figures; 0 ok, 1 gate failed.

    `play_report(report, dialogues)` returns the played rows and the report's text.
    The reports are `<reports_dir>/<name>.md` and `.json` (`name`: the set's file stem,
    so the tuning and the check set keep their reports apart). A blind set
    (`aggregate_only`) prints and writes its figures only: no turn, answer or failure.
    """
    out, err = out or sys.stdout, err or sys.stderr
    by_report: dict[str, list[Dialogue]] = defaultdict(list)
    for d in dialogues:
        by_report[d["report"]].append(d)
    rows: list[dict[str, Any]] = []
    texts: dict[str, str] = {}
    for number, (report, group) in enumerate(sorted(by_report.items()), start=1):
        print(f"[{number}/{len(by_report)}] {report}：{len(group)} 段对话 …", file=err)
        played, text = play_report(report, group)
        rows += played
        texts[report] = text
    columns = {r: score([x for x in rows if x["report"] == r], texts) for r in sorted(texts)}
    columns["all"] = score(rows, texts)
    failed = failures([r for r in rows if r["setting"] == "conversation"])
    if aggregate_only:
        failed, rows = [], []
    markdown = "\n".join(
        [
            f"# reportqa eval --conversations ({name}) — {time.strftime('%Y-%m-%dT%H:%M:%S%z')}",
            "",
            table(columns),
            _BLIND_NOTE if aggregate_only else f"## failures in conversation ({len(failed)})",
            "",
            *(
                f"- **{f['id']}** [{f['kind']}{'/' + f['followup_type'] if f['followup_type'] else ''}"
                f", decided {f['decided']}{', rewritten' if f['rewritten'] else ''}] "
                f"{f['question']} → {f['understood']}\n  - answer: {f['answer']}\n"
                f"  - missing of: {' ; '.join('/'.join(g) for g in f['must_include'])}"
                for f in failed
            ),
            "",
        ]
    )
    if reports_dir is not None:
        reports_dir.mkdir(parents=True, exist_ok=True)
        (reports_dir / f"{name}.md").write_text(markdown, encoding="utf-8")
        payload: dict[str, Any] = {"metrics": columns}
        if not aggregate_only:
            payload.update(failures=failed, results=rows)
        (reports_dir / f"{name}.json").write_text(
            json.dumps(jsonable(payload), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    print(markdown, file=out)
    if thresholds is None:
        return 0
    gate = thresholds.get("conversation")
    if not isinstance(gate, Mapping) or not gate:
        print("thresholds.toml 没有 [conversation] 表", file=err)
        return 1
    missed = check_thresholds(columns["all"], gate)
    if missed:
        print("对话门槛未通过：", file=err)
        for message in missed:
            print(f"  ✗ {message}", file=err)
        return 1
    print("对话门槛通过。", file=err)
    return 0


def resolve_library(library: Library, dialogues: Sequence[Dialogue]) -> dict[str, Any]:
    """The library reports the set names (tuning only), with pointers checked against text."""
    reports = {r.name: r for r in library.reports}
    wanted = sorted({d["report"] for d in dialogues} - {SEED})
    out: dict[str, Any] = {}
    for name in wanted:
        report = reports.get(name)
        if report is None:
            if name in library.skipped:
                continue
            raise EvalSetError(f"对话评测集中的报告不在报告库里：{name}")
        if report.heldout:
            raise EvalSetError(f"留出报告不能用于对话评测：{name}")
        lines = read_lines(report.text)
        for d in dialogues:
            for turn in d["turns"] if d["report"] == name else ():
                if isinstance(turn.get("evidence"), Mapping):
                    try:
                        resolve_pointer(lines, turn["evidence"])
                    except ValueError as exc:
                        raise EvalSetError(f"对话 {d['id']} 的证据指针无效：{exc}") from None
        out[name] = report
    return out


def real_player(settings: Any, library: Library, reports: Mapping[str, Any]) -> PlayReport:
    """The seed on the normal index; a library report ingested alone into a scratch home."""

    def play_report(report: str, group: list[Dialogue]) -> tuple[list[dict[str, Any]], str]:
        if report == SEED:
            from rag.chain import build_answerer  # heavy: the LangChain stack

            return play(build_answerer(settings), group), SEED_TEXT.read_text(encoding="utf-8")
        entry = reports[report]
        runner = ScratchRunner(settings, baselines=False, ask=play)
        output = runner(entry, group)
        return output.results, entry.text.read_text(encoding="utf-8")

    return play_report


def is_aggregate_only(path: Path, library_toml: Mapping[str, Any]) -> bool:
    """Whether the set is one of the blind sets `evals/library.toml` lists as
    `aggregate_only_sets`, whose turns nobody reads."""
    blind = library_toml.get("aggregate_only_sets") or []
    return path.resolve() in {(REPO_DIR / str(p)).resolve() for p in blind}


def main_from_args(args: Any, env: Mapping[str, str]) -> int:
    """`reportqa eval --conversations [--gate] [--set FILE]`; exit code 0/1/2."""
    try:
        path = resolve_path(args.set) if args.set else DEFAULT_SET
        dialogues = load_dialogues(path)
        data = read_library_toml(LIBRARY_TOML)
        library = load_library(
            LIBRARY_TOML, default_corpora_dir(data, REPO_DIR, env.get(LIBRARY_ENV)), REPO_DIR
        )
        reports = resolve_library(library, dialogues)
        skipped = sorted({d["report"] for d in dialogues} - {SEED} - set(reports))
        if skipped:
            print(f"报告库不存在，跳过：{', '.join(skipped)}", file=sys.stderr)
            dialogues = [d for d in dialogues if d["report"] not in skipped]
        if args.limit:
            dialogues = dialogues[: args.limit]
        thresholds = load_thresholds(resolve_path(args.thresholds)) if args.gate else None
        settings = eval_settings(args.mode)
        return run(
            dialogues,
            real_player(settings, library, reports),
            reports_dir=Path(args.reports_dir) if args.reports_dir else DEFAULT_REPORTS,
            thresholds=thresholds,
            name=path.stem,
            aggregate_only=is_aggregate_only(path, data),
        )
    except (ReportQAError, EvalSetError, ReadError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2


# ------------------------------------------------------------------------ import


def pointer_for(lines: Sequence[str], evidence: str) -> dict[str, int] | None:
    """The first ``{"line", "start", "end"}`` whose text is `evidence` (1-based line)."""
    needle = evidence.strip()
    if not needle:
        return None
    for number, line in enumerate(lines, start=1):
        at = line.find(needle)
        if at >= 0:
            return {"line": number, "start": at, "end": at + len(needle)}
    return None


# The project never holds a run of this many characters of a library report.
MAX_QUOTED_RUN = 20


def _short_fact(fact: str, text: str) -> str:
    """A key fact that quotes 20+ characters of the report, cut to its first 19 (still
    found in an answer that holds the whole fact); other facts as written."""
    window = MAX_QUOTED_RUN
    if any(fact[i : i + window] in text for i in range(len(fact) - window + 1)):
        return fact[: window - 1]
    return fact


def import_dialogues(
    raw: Sequence[Dialogue], corpora_dir: Path
) -> tuple[list[Dialogue], list[str]]:
    """Library evidence substrings → pointers; seed evidence stays text; a library key
    fact quoting 20+ characters of its report is cut short (`_short_fact`).

    Returns the dialogues and a message per evidence not found (its pointer is dropped:
    the evidence is not scored, only `must_include` is).
    """
    out: list[Dialogue] = []
    problems: list[str] = []
    cache: dict[str, list[str]] = {}
    for dialogue in raw:
        report = str(dialogue.get("report") or SEED)
        turns = []
        for n, turn in enumerate(dialogue.get("turns") or [], start=1):
            turn = dict(turn)
            evidence = turn.get("evidence")
            if report != SEED and report not in cache:
                cache[report] = read_lines(corpora_dir / f"{report}.txt")
            if report != SEED and turn.get("must_include"):
                whole = "\n".join(cache[report])
                turn["must_include"] = [
                    [_short_fact(str(fact), whole) for fact in group]
                    for group in turn["must_include"]
                ]
            if report != SEED and isinstance(evidence, str):
                pointer = pointer_for(cache[report], evidence)
                if pointer is None:
                    problems.append(f"{dialogue.get('id')} 第 {n} 轮：证据不在 {report}.txt 中")
                    turn.pop("evidence")
                else:
                    turn["evidence"] = pointer
            turns.append(turn)
        out.append({**dialogue, "turns": turns})
    return out, problems


def _import_main(files: Sequence[str], out_path: Path, corpora_dir: Path) -> int:
    raw: list[Dialogue] = []
    for name in files:
        for line in Path(name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                raw.append(json.loads(line))
    dialogues, problems = import_dialogues(raw, corpora_dir)
    for message in problems:
        print(message, file=sys.stderr)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(
        "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in dialogues), encoding="utf-8"
    )
    print(f"{len(dialogues)} 段对话 → {out_path}（{len(problems)} 条证据未找到）")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m evals.conversation --import FILE… [--out PATH]``."""
    parser = argparse.ArgumentParser(prog="python -m evals.conversation")
    parser.add_argument("--import", dest="files", nargs="+", required=True, metavar="FILE")
    parser.add_argument("--out", default=str(DEFAULT_SET))
    args = parser.parse_args(argv)
    data = read_library_toml(LIBRARY_TOML)
    corpora = default_corpora_dir(data, REPO_DIR, os.environ.get(LIBRARY_ENV))
    return _import_main(args.files, Path(args.out), corpora)


if __name__ == "__main__":
    sys.exit(main())
