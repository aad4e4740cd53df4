"""Do standalone questions stay standalone in a conversation? (`python -m evals.standalone`)

Every item-set question without ``history`` is a standalone question by construction:
the seed sets (``evals/golden.jsonl``, ``evals/probe*.jsonl``) and each library report's
set (``evals/library.toml``). Each one is asked after one unrelated earlier turn, in two
settings:

* ``previous``: the previous standalone item of the same set, answered with its
  evidence (what the system's answer would quote);
* ``other``: an item of another report's set, answered the same way.

and the follow-up step (`rag.question.understand_turn`, the same path `build_question`
takes) decides it. A turn is *rewritten* when the step rewrote it (the UI would show
「理解为」), *treated as a follow-up* when it was not decided standalone (a kept
follow-up still searches with the earlier turn's words). Only jieba runs: no index, no
embedding model, no answer (a few seconds for about 900 questions).

Held-out reports (national_park_pilots_2018, anhui_food_security_2016) are printed only
in aggregate, never a question; ``--show`` lists the rewritten TUNING questions.
``--gate`` checks the shares against ``[standalone]`` in ``evals/thresholds.toml``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.common import (
    DEFAULT_THRESHOLDS,
    EVALS_DIR,
    REPO_DIR,
    EvalSetError,
    load_items,
    load_thresholds,
)
from evals.library import (
    LIBRARY_ENV,
    LIBRARY_TOML,
    default_corpora_dir,
    load_library,
    read_library_toml,
    read_lines,
    resolve_evidence,
)
from rag.question import Language, understand_turn
from rag.types import FollowUp, Turn

SEED_SETS = ("golden", "probe", "probe2", "probe3", "probe4", "probe5")
SETTINGS = ("previous", "other")
# What stands in for an earlier answer whose item has no evidence (an unanswerable).
NO_EVIDENCE = "报告中没有找到相关内容。"

Understand = Callable[[str, Sequence[Turn]], FollowUp]


@dataclass(frozen=True)
class QuestionSet:
    """One set of standalone questions over one report."""

    name: str
    report: str
    heldout: bool
    items: tuple[tuple[str, str], ...]  # (question, evidence text) in set order


@dataclass(frozen=True)
class Outcome:
    """How one standalone question was understood after one earlier turn."""

    set_name: str
    heldout: bool
    setting: str  # "previous" or "other"
    question: str
    resolved: str
    kind: str
    rewritten: bool


def standalone_items(items: Sequence[Mapping[str, Any]]) -> tuple[tuple[str, str], ...]:
    """The items without history, as (question, evidence text)."""
    out = []
    for item in items:
        if item.get("history"):
            continue
        evidence = item.get("evidence")
        text = evidence if isinstance(evidence, str) and evidence.strip() else NO_EVIDENCE
        out.append((str(item["question"]), text))
    return tuple(out)


def earlier_turn(question: str, answer: str) -> list[Turn]:
    """One earlier turn: the question and an answer quoting its evidence."""
    return [Turn("user", question), Turn("assistant", answer, quotes=(answer,))]


def measure_pairs(
    items: Sequence[tuple[str, str]], report: str, pools: Mapping[str, Sequence[tuple[str, str]]]
) -> Iterator[tuple[str, str, list[Turn]]]:
    """(setting, question, history) for each standalone question of a set: after the
    previous item of the set, and after an item of another report's pool."""
    others = [r for r in sorted(pools) if r != report and pools[r]]
    for n, (question, _) in enumerate(items):
        if n > 0:
            yield "previous", question, earlier_turn(*items[n - 1])
        if others:
            pool = pools[others[n % len(others)]]
            yield "other", question, earlier_turn(*pool[(7 * n) % len(pool)])


def measure(
    sets: Sequence[QuestionSet], understand_for: Callable[[str], Understand]
) -> list[Outcome]:
    """Every standalone question of every set, after the previous item of its set and
    after an item of another report's set. `understand_for(report)` decides turns with
    that report's dictionary."""
    outcomes: list[Outcome] = []
    pools: dict[str, list[tuple[str, str]]] = {}
    for qset in sets:
        pools.setdefault(qset.report, []).extend(qset.items)
    for qset in sets:
        understand = understand_for(qset.report)
        for setting, question, history in measure_pairs(qset.items, qset.report, pools):
            decided = understand(question, history)
            outcomes.append(
                Outcome(
                    qset.name,
                    qset.heldout,
                    setting,
                    question,
                    decided.resolved,
                    decided.kind,
                    decided.rewritten,
                )
            )
    return outcomes


def _share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def shares(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """The rewritten and treated-as-follow-up shares of these outcomes."""
    return {
        "asked": float(len(outcomes)),
        "rewritten": _share([o.rewritten for o in outcomes]),
        "followup": _share([o.kind != "standalone" for o in outcomes]),
        "rewritten_previous": _share([o.rewritten for o in outcomes if o.setting == "previous"]),
        "rewritten_other": _share([o.rewritten for o in outcomes if o.setting == "other"]),
    }


def summary(outcomes: Sequence[Outcome]) -> dict[str, dict[str, float]]:
    """Shares per tuning set, then the tuning, held-out and overall aggregates.

    A held-out set gets no row of its own: only its aggregate is reported."""
    rows: dict[str, dict[str, float]] = {}
    for name in dict.fromkeys(o.set_name for o in outcomes if not o.heldout):
        rows[name] = shares([o for o in outcomes if o.set_name == name])
    rows["tuning (all)"] = shares([o for o in outcomes if not o.heldout])
    heldout = [o for o in outcomes if o.heldout]
    if heldout:
        rows["held-out (all)"] = shares(heldout)
    rows["all"] = shares(outcomes)
    return rows


def table(rows: Mapping[str, Mapping[str, float]]) -> str:
    """A Markdown table of `summary`."""
    lines = [
        "| set | asked | rewritten | after previous | after other | treated as follow-up |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {name} | {int(row['asked'])} | {row['rewritten']:.3f} | "
            f"{row['rewritten_previous']:.3f} | {row['rewritten_other']:.3f} | "
            f"{row['followup']:.3f} |"
        )
    return "\n".join(lines)


def gate(rows: Mapping[str, Mapping[str, float]], thresholds: Mapping[str, Any]) -> list[str]:
    """The failed `[standalone]` ceilings, in Chinese; [] when all hold."""
    limits = thresholds.get("standalone") or {}
    failed = []
    for key, column in (("rewritten_max", "rewritten"), ("followup_max", "followup")):
        if key in limits and rows["all"][column] > float(limits[key]):
            failed.append(
                f"独立问题被当作追问的比例 {column} = {rows['all'][column]:.3f} > {limits[key]}"
            )
    return failed


# ------------------------------------------------------------------------- the data


def load_sets(corpora_dir: Path | None = None) -> tuple[list[QuestionSet], dict[str, str]]:
    """The seed sets and every library report's set, with each report's text by name."""
    library = load_library(LIBRARY_TOML, corpora_dir)
    texts: dict[str, str] = {}
    sets: list[QuestionSet] = []
    for report in library.reports:
        lines = read_lines(report.text)
        texts[report.name] = "\n".join(lines)
        if report.set_path.resolve() == (EVALS_DIR / "golden.jsonl").resolve():
            for name in SEED_SETS:
                items = standalone_items(load_items(EVALS_DIR / f"{name}.jsonl"))
                sets.append(QuestionSet(name, report.name, False, items))
            continue
        items = standalone_items(resolve_evidence(load_items(report.set_path), lines))
        sets.append(QuestionSet(report.name, report.name, report.heldout, items))
    return sets, texts


def report_language(text: str, cache_dir: Path | None, *, fitted: bool = True) -> Language:
    """How the answer path reads questions about a report with this text: its own
    dictionary and tagger, normalisation, short forms and (`fitted`) the follow-up veto."""
    from rag.aliases import expand_aliases
    from rag.chain import make_tagger
    from rag.followup_model import load_followup_model
    from rag.lexicon import load_lexicon
    from rag.textnorm import normalise_question
    from rag.tokenize import Tokenizer, derive_user_terms

    lexicon = load_lexicon()
    paragraphs = [p for p in text.split("\n") if p.strip()]
    tokenizer = Tokenizer(
        user_terms=derive_user_terms(paragraphs, lexicon), cache_dir=cache_dir, lexicon=lexicon
    )
    return Language(
        lexicon=lexicon,
        cut=tokenizer.cut,
        tag=make_tagger(tokenizer, lexicon.tokens.retagged),
        normalise=lambda q: normalise_question(q, lexicon),
        expand=lambda q: expand_aliases(q, text.__contains__, lexicon),
        known=tokenizer.knows,
        followup_model=load_followup_model() if fitted else None,
    )


def jieba_understanding(
    texts: Mapping[str, str], cache_dir: Path | None, *, fitted: bool = True
) -> Callable[[str], Understand]:
    """`understand_for(report)`: the follow-up step as the answer path runs it for that
    report (`report_language`)."""

    def understand_for(report: str) -> Understand:
        language = report_language(texts[report], cache_dir, fitted=fitted)
        return lambda question, history: understand_turn(question, history, language)

    return understand_for


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Print the rewritten share per set (held-out only in aggregate); exit 1 when
    `--gate` fails, 2 on a broken set."""
    import os

    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(prog="python -m evals.standalone", description=__doc__)
    parser.add_argument("--gate", action="store_true", help="check evals/thresholds.toml")
    parser.add_argument("--show", action="store_true", help="list rewritten TUNING questions")
    parser.add_argument(
        "--rules-only", action="store_true", help="without the fitted veto (rag/followup.toml)"
    )
    args = parser.parse_args(argv)
    try:
        corpora = default_corpora_dir(read_library_toml(), REPO_DIR, env.get(LIBRARY_ENV))
        sets, texts = load_sets(corpora)
    except EvalSetError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    home = env.get("REPORTQA_HOME")
    cache = Path(home) / "cache" if home else None
    understand_for = jieba_understanding(texts, cache, fitted=not args.rules_only)
    outcomes = measure(sets, understand_for)
    rows = summary(outcomes)
    print(table(rows))
    if args.show:
        for o in outcomes:
            if not o.heldout and o.kind != "standalone":
                mark = "REWRITTEN" if o.rewritten else "kept"
                print(f"{o.set_name}\t{o.setting}\t{o.kind}\t{mark}\t{o.question}\t=> {o.resolved}")
    if args.gate:
        failed = gate(rows, load_thresholds(DEFAULT_THRESHOLDS))
        for line in failed:
            print(f"未通过：{line}", file=sys.stderr)
        return 1 if failed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
