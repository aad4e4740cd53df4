"""cn2an against the verifier's former hand-written numeral parser: `python -m evals.numerals_compare`.

`rag.verify._parse_cn_numeral` reads a run of Chinese numeral characters (二十七,
一百零五, 二〇一五) that the verifier has already decided denotes a quantity. It
used to be a hand-written positional parser; it now calls cn2an. This script keeps
the hand-written parser (`handwritten_parse`, verbatim) as the reference and prints
markdown tables of

- agreement over every well-formed numeral 0–9,999 (both 二 and 两 before 百/千),
  every digit-by-digit year 1900–2099 (〇 and 零), and the abbreviated spoken forms
  such as 一百二 (where the two readings differ, with examples);
- the `normalise_numbers` output of every report sentence (the seed report, plus
  the library reports when `../shared/corpora/` or `REPORTQA_LIBRARY_DIR` exists)
  and of every question, history turn and evidence line of the eval sets: how many
  differ between the two parsers;
- speed: `normalise_numbers` over all those sentences, several passes, best of 5,
  each parser; and one parse call.

The result and the decision are recorded in docs/DEPENDENCIES.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "corpus" / "nifd_2025_tech_insurance_report.txt"
EVAL_SETS = ("golden", "probe", "probe2", "probe3", "probe4", "probe5")

Parser = Callable[[str], int | None]


def handwritten_parse(run: str) -> int | None:
    """The verifier's parser before cn2an (kept verbatim as the reference)."""
    from rag.verify import _CN_DIGITS, _CN_SMALL_UNITS

    if all(ch in _CN_DIGITS for ch in run):
        if len(run) == 1:
            return _CN_DIGITS[run]
        if "两" in run:
            return None
        return int("".join(str(_CN_DIGITS[ch]) for ch in run))
    total = 0
    digit: int | None = None
    last_unit = 10_000
    for ch in run:
        if ch in _CN_DIGITS:
            if digit is not None and _CN_DIGITS[ch] != 0:
                return None
            digit = _CN_DIGITS[ch] if _CN_DIGITS[ch] != 0 else None
        else:
            unit = _CN_SMALL_UNITS[ch]
            if unit >= last_unit:
                return None
            total += (1 if digit is None else digit) * unit
            digit = None
            last_unit = unit
    if digit is not None:
        total += digit
    return total


_DIGITS = "〇一二三四五六七八九"


def written_numeral(n: int, two: str = "二") -> str:
    """The standard written form of 0 ≤ n < 10,000 (105 → 一百零五, 12 → 十二).

    `two` is the word for a 2 before 千 or 百 (二 or 两).
    """
    if n == 0:
        return "零"
    parts: list[str] = []
    zero = False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit_value % 10
        if d == 0:
            zero = bool(parts)
            continue
        if zero:
            parts.append("零")
            zero = False
        word = two if d == 2 and unit in ("千", "百") else _DIGITS[d]
        parts.append(word + unit)
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


def numeral_cases() -> dict[str, list[tuple[str, int]]]:
    """Numeral runs with their true values, by kind (written out here, by neither parser)."""
    standard = [(written_numeral(n), n) for n in range(10_000)]
    liang = [(written_numeral(n, "两"), n) for n in range(10_000)]
    liang = [(run, n) for run, n in liang if "两" in run]
    years = [
        ("".join(_DIGITS[int(c)] for c in str(y)).replace("〇", zero), y)
        for y in range(1900, 2100)
        for zero in "〇零"
    ]
    # 一百二 is 120 and 三千五 is 3,500: the unit after the last digit is left unsaid.
    spoken = [
        (_DIGITS[a] + unit + _DIGITS[b], a * value + b * value // 10)
        for a in range(1, 10)
        for unit, value in (("百", 100), ("千", 1000))
        for b in range(1, 10)
    ]
    return {
        "written 0–9,999": standard,
        "with 两 (两百, 两千)": liang,
        "digit-by-digit years": years,
        "spoken abbreviations (一百二)": spoken,
    }


@contextmanager
def parser_in_verifier(parse: Parser) -> Iterator[None]:
    """Run `rag.verify` with another numeral parser (restored afterwards)."""
    import rag.verify as verify

    saved = verify._parse_cn_numeral
    verify._parse_cn_numeral = parse  # type: ignore[assignment]
    try:
        yield
    finally:
        verify._parse_cn_numeral = saved


def report_sentences(library_dir: Path | None) -> tuple[list[str], int]:
    """Sentences of the seed report and (when present) the library reports."""
    from ingest.chunk import split_sentences

    files = [SEED]
    if library_dir is not None and library_dir.is_dir():
        files += sorted(library_dir.glob("*.txt"))
    out: list[str] = []
    for path in files:
        out += [s for s in split_sentences(path.read_text(encoding="utf-8")) if s.strip()]
    return out, len(files)


def eval_texts() -> list[str]:
    out: list[str] = []
    for name in EVAL_SETS:
        for line in (REPO / "evals" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            out.append(str(item["question"]))
            out.append(str(item.get("evidence") or ""))
            out += [str(turn.get("content", "")) for turn in item.get("history") or []]
    return [t for t in out if t]


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def import_cost_ms(module: str, repeat: int = 3) -> float:
    """Best-of time to import `module` in a fresh interpreter (what a cold start pays)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                check=True,
                cwd=REPO,
            ).stdout
        )
        for _ in range(repeat)
    ]
    return min(runs) * 1000


def agreement_table(cases: dict[str, list[tuple[str, int]]], new: Parser) -> list[str]:
    lines = [
        "| numeral runs | count | hand-written right | cn2an right | examples where they differ |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for kind, pairs in cases.items():
        old_right = sum(1 for run, value in pairs if handwritten_parse(run) == value)
        new_right = sum(1 for run, value in pairs if new(run) == value)
        differ = [(r, handwritten_parse(r), new(r)) for r, _ in pairs]
        shown = ", ".join([f"{r} {a}→{b}" for r, a, b in differ if a != b][:4])
        lines.append(f"| {kind} | {len(pairs):,} | {old_right:,} | {new_right:,} | {shown} |")
    return lines


def normalisation_rows(texts: Sequence[str], label: str, new: Parser) -> tuple[str, list[str]]:
    from rag.verify import normalise_numbers

    with parser_in_verifier(handwritten_parse):
        before = [normalise_numbers(t) for t in texts]
    with parser_in_verifier(new):
        after = [normalise_numbers(t) for t in texts]
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    # Show only the few characters around the first difference, never whole sentences.
    snippets = []
    for a, b in changed[:3]:
        i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), 0)
        snippets.append(f"`{a[max(0, i - 1) : i + 4]}` → `{b[max(0, i - 1) : i + 4]}`")
    row = f"| {label} | {len(texts):,} | {len(changed)} | {'; '.join(snippets)} |"
    return row, snippets


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.numerals_compare", description=__doc__)
    parser.add_argument(
        "--passes", type=int, default=3, help="passes over the sentences per timing"
    )
    args = parser.parse_args(argv)
    from rag.verify import _parse_cn_numeral, normalise_numbers

    library_env = os.environ.get("REPORTQA_LIBRARY_DIR", "").strip()
    library_dir = Path(library_env) if library_env else REPO.parent / "shared" / "corpora"

    import_ms = import_cost_ms("cn2an")
    sentences, n_files = report_sentences(library_dir)
    questions = eval_texts()

    print("## cn2an vs the hand-written numeral parser\n")
    print("### Agreement on numeral runs\n")
    print("\n".join(agreement_table(numeral_cases(), _parse_cn_numeral)))
    print("\n### `normalise_numbers` output, hand-written vs cn2an\n")
    print("| texts | count | differ | where (normalised) |")
    print("| --- | ---: | ---: | --- |")
    print(
        normalisation_rows(sentences, f"report sentences ({n_files} reports)", _parse_cn_numeral)[0]
    )
    print(normalisation_rows(questions, "eval questions, history, evidence", _parse_cn_numeral)[0])

    texts = list(sentences) * args.passes
    runs = ["二十七", "一百零五", "二〇一五", "三", "十一", "百"]
    timings: list[tuple[str, float, float]] = []
    for name, parse in (("hand-written", handwritten_parse), ("cn2an", _parse_cn_numeral)):
        with parser_in_verifier(parse):
            whole = best_of(lambda: [normalise_numbers(t) for t in texts])
        per_call = best_of(lambda p=parse: [p(r) for r in runs * 1000]) / (len(runs) * 1000)  # type: ignore[misc]
        timings.append((name, whole, per_call))
    print(f"\n### Speed ({len(texts):,} sentence normalisations, best of 5)\n")
    print("| parser | normalise all ms | µs per sentence | µs per parse call |")
    print("| --- | ---: | ---: | ---: |")
    for name, whole, per_call in timings:
        print(
            f"| {name} | {whole * 1000:.1f} | {whole / len(texts) * 1e6:.1f} | "
            f"{per_call * 1e6:.2f} |"
        )
    print(f"\n`import cn2an` (with proces) in a fresh interpreter: {import_ms:.0f} ms (best of 3).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
