"""`python -m evals.fit_followup`: fit the follow-up veto (`rag/followup.toml`).

The rules of `rag.followup` propose a follow-up kind; the veto, a logistic model over
`rag.followup.turn_features`, keeps a turn standalone when it is unlikely to lean on
the conversation. Data, all from the TUNING reports (never a held-out one):

* standalone (label 0): every item-set question without ``history`` (the seed's golden
  and probe sets, each tuning library report's set), after the previous item of its set
  and after an item of another report (as `evals.standalone` asks them), and the
  standalone and switch turns of the tuning conversation set;
* follow-up (label 1): the follow-up turns of the tuning conversation set
  (``evals/sets/conversations.jsonl``) and the item-set questions with ``history``.

Class-balanced, L2-regularised logistic regression (Newton's method; deterministic).
The threshold is the balanced model's boundary (0.5), lowered where needed so that it
vetoes at most `--max-lost` of the follow-ups the rules flag. Validation leaves one report out (its item sets and its
dialogues): fitted on the others, how many of its standalone questions the rules flag
and the veto keeps standalone, and how many of its real follow-ups the veto loses.
``--write`` stores the model fitted on all tuning reports.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evals.common import EVALS_DIR, EvalSetError, load_items
from evals.conversation import DEFAULT_SET, SEED, load_dialogues
from evals.library import load_library, read_lines, resolve_evidence
from evals.standalone import (
    SEED_SETS,
    earlier_turn,
    measure_pairs,
    report_language,
    standalone_items,
)
from rag.followup import followup_features
from rag.followup_model import FEATURES, FOLLOWUP_TOML, FollowupModel, write_followup_model
from rag.question import Language, question_terms
from rag.types import STANDALONE, Turn


@dataclass(frozen=True)
class Row:
    """One turn: its report, label (1: follow-up), the rules' kind and its features."""

    report: str
    label: int
    kind: str
    features: tuple[float, ...]

    @property
    def flagged(self) -> bool:
        return self.kind != STANDALONE


def _row(report: str, label: int, question: str, history: list[Turn], language: Language) -> Row:
    text = question
    if language.normalise is not None:
        text = language.normalise(text).text
    if language.expand is not None:
        text = language.expand(text)
    kind, features = followup_features(
        text, history, lambda q: question_terms(q, language), language.lexicon
    )
    return Row(report, label, kind, features)


def _history(turns: Sequence[dict]) -> list[Turn]:
    return [
        Turn(str(t.get("role")), str(t.get("content") or "")) for t in turns if isinstance(t, dict)
    ]


def collect(cache_dir: Path | None, conversations: Path = DEFAULT_SET) -> list[Row]:
    """Every training row of the tuning reports (see the module docstring)."""
    library = load_library()
    tuning = [r for r in library.reports if not r.heldout]
    texts = {r.name: "\n".join(read_lines(r.text)) for r in tuning}
    seed = next(r.name for r in tuning if r.set_path == EVALS_DIR / "golden.jsonl")
    sets: dict[str, list[list[dict]]] = {}
    for entry in tuning:
        if entry.name == seed:
            sets[seed] = [load_items(EVALS_DIR / f"{n}.jsonl") for n in SEED_SETS]
        else:
            lines = read_lines(entry.text)
            sets[entry.name] = [resolve_evidence(load_items(entry.set_path), lines)]
    dialogues = load_dialogues(conversations)
    pools = {r: [i for items in s for i in standalone_items(items)] for r, s in sets.items()}
    rows: list[Row] = []
    for report in sorted(texts):
        language = report_language(texts[report], cache_dir, fitted=False)
        for items in sets[report]:
            for _, question, history in measure_pairs(standalone_items(items), report, pools):
                rows.append(_row(report, 0, question, history, language))
            for item in items:
                if item.get("history"):
                    history = _history(item["history"])
                    rows.append(_row(report, 1, str(item["question"]), history, language))
        for dialogue in dialogues:
            if (seed if dialogue["report"] == SEED else dialogue["report"]) != report:
                continue
            history = []
            for turn in dialogue["turns"]:
                if history:
                    label = int(turn["kind"] == "followup")
                    rows.append(_row(report, label, turn["question"], list(history), language))
                history += earlier_turn(turn["question"], "")
    return rows


def fit(rows: Sequence[Row], c: float, max_lost: float, decision: float = 0.5) -> FollowupModel:
    """Class-balanced logistic regression with an L2 penalty `c` on the weights; the
    threshold is `decision`, lowered so that it vetoes at most `max_lost` of the flagged
    follow-ups."""
    x = np.array([r.features for r in rows], dtype=float)
    y = np.array([r.label for r in rows], dtype=float)
    positives = max(1.0, y.sum())
    negatives = max(1.0, len(y) - y.sum())
    sample = np.where(y == 1, len(y) / (2 * positives), len(y) / (2 * negatives))
    design = np.hstack([x, np.ones((len(y), 1))])
    penalty = np.eye(design.shape[1]) * c
    penalty[-1, -1] = 0.0  # the intercept is not pulled
    beta = np.zeros(design.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -40, 40)))
        gradient = design.T @ (sample * (p - y)) + penalty @ beta
        hessian = (design * (sample * p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    model = FollowupModel(tuple(float(b) for b in beta[:-1]), float(beta[-1]), 0.0)
    flagged = sorted(model.probability(r.features) for r in rows if r.label == 1 and r.flagged)
    if not flagged:
        return model
    lost = int(max_lost * len(flagged))
    # The balanced model's own boundary (`decision`), but never above halfway from the
    # lowest follow-up that must be kept down to the flagged turn just below it (a
    # standalone one, or a follow-up it may lose).
    keep = flagged[lost]
    alone = [model.probability(r.features) for r in rows if r.label == 0 and r.flagged]
    below = max([p for p in [*alone, *flagged[:lost]] if p < keep], default=0.0)
    return FollowupModel(model.weights, model.bias, min(decision, (keep + below) / 2))


@dataclass(frozen=True)
class Validation:
    """One report left out: its flagged standalone turns, those the veto kept standalone,
    its flagged follow-ups and those the veto lost."""

    report: str
    standalone: int
    flagged_standalone: int
    vetoed_standalone: int
    flagged_followups: int
    lost_followups: int


def evaluate(report: str, rows: Sequence[Row], model: FollowupModel) -> Validation:
    """How the veto does on these rows."""
    alone = [r for r in rows if r.label == 0]
    flagged_alone = [r for r in alone if r.flagged]
    flagged_follow = [r for r in rows if r.label == 1 and r.flagged]
    return Validation(
        report,
        len(alone),
        len(flagged_alone),
        sum(model.vetoes(r.features) for r in flagged_alone),
        len(flagged_follow),
        sum(model.vetoes(r.features) for r in flagged_follow),
    )


def leave_one_report_out(rows: Sequence[Row], c: float, max_lost: float) -> list[Validation]:
    """Each tuning report scored by a model fitted on the others."""
    out = []
    for report in sorted({r.report for r in rows}):
        model = fit([r for r in rows if r.report != report], c, max_lost)
        out.append(evaluate(report, [r for r in rows if r.report == report], model))
    return out


def format_table(results: Sequence[Validation]) -> str:
    """A Markdown table of the leave-one-report-out validation, with totals."""
    lines = [
        "| report left out | standalone turns | flagged by rules | kept standalone by veto "
        "| follow-ups flagged | follow-ups lost |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    total = [0, 0, 0, 0, 0]
    for v in results:
        cells = [
            v.standalone,
            v.flagged_standalone,
            v.vetoed_standalone,
            v.flagged_followups,
            v.lost_followups,
        ]
        total = [a + b for a, b in zip(total, cells, strict=True)]
        lines.append(f"| {v.report} | " + " | ".join(str(x) for x in cells) + " |")
    lines.append("| **all** | " + " | ".join(str(x) for x in total) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Fit, validate leave-one-report-out, print; `--write` stores the model."""
    import os

    parser = argparse.ArgumentParser(prog="python -m evals.fit_followup", description=__doc__)
    parser.add_argument("--c", type=float, default=0.3, help="L2 penalty on the weights")
    parser.add_argument(
        "--max-lost", type=float, default=0.0, help="share of flagged follow-ups the veto may lose"
    )
    parser.add_argument("--write", action="store_true", help=f"store the model in {FOLLOWUP_TOML}")
    args = parser.parse_args(argv)
    home = os.environ.get("REPORTQA_HOME")
    try:
        rows = collect(Path(home) / "cache" if home else None)
    except EvalSetError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    validation = leave_one_report_out(rows, args.c, args.max_lost)
    print(format_table(validation))
    model = fit(rows, args.c, args.max_lost)
    print(f"\nthreshold {model.threshold:.4f}, bias {model.bias:.3f}")
    for name, weight in zip(FEATURES, model.weights, strict=True):
        print(f"  {name:22s} {weight:+.3f}")
    if args.write:
        provenance = {
            "fitted_on": sorted({r.report for r in rows}),
            "rows": len(rows),
            "followups": sum(r.label for r in rows),
            "c": args.c,
            "max_lost": args.max_lost,
            "validation": [v.__dict__ for v in validation],
        }
        write_followup_model(FOLLOWUP_TOML, model, provenance)
        print(f"written: {FOLLOWUP_TOML}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
