"""Assign the dev / heldout split of `evals/golden.jsonl`, deterministically.

Rule (reproducible from the ids and types alone):

* seed: ``random.Random(20260301)`` -- one generator for the whole file;
* items are grouped by `type`; groups are visited in sorted type order;
* within a group the ids are sorted, shuffled with that generator, and the
  first ``round(0.3 * len(group))`` become "heldout", the rest "dev".

Stratifying by type keeps unanswerable, false-premise and follow-up items in
both splits. Run ``python -m evals.split_golden`` to rewrite the `split`
fields in place, or ``--check`` to exit 1 when the file disagrees with the rule.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

SEED = 20260301
HELDOUT_SHARE = 0.3
GOLDEN = Path(__file__).with_name("golden.jsonl")


def assign_splits(items: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Map each item id to "dev" or "heldout" by the seeded, type-stratified rule."""
    rng = random.Random(SEED)
    by_type: dict[str, list[str]] = {}
    for it in items:
        by_type.setdefault(str(it["type"]), []).append(str(it["id"]))
    splits: dict[str, str] = {}
    for t in sorted(by_type):
        ids = sorted(by_type[t])
        rng.shuffle(ids)
        n_heldout = round(HELDOUT_SHARE * len(ids))
        for i, item_id in enumerate(ids):
            splits[item_id] = "heldout" if i < n_heldout else "dev"
    return splits


def load(path: Path = GOLDEN) -> list[dict[str, Any]]:
    """Read the golden items, one JSON object per non-empty line."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def dump(items: Iterable[Mapping[str, Any]], path: Path = GOLDEN) -> None:
    """Write the items back, one object per line, UTF-8, not ASCII-escaped."""
    text = "".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only verify, do not rewrite")
    ap.add_argument("path", nargs="?", type=Path, default=GOLDEN)
    args = ap.parse_args(argv)
    items = load(args.path)
    splits = assign_splits(items)
    wrong = [it["id"] for it in items if it.get("split") != splits[it["id"]]]
    if args.check:
        if wrong:
            print(f"{len(wrong)} items disagree with the seeded split: {wrong[:10]}")
            return 1
        return 0
    for it in items:
        it["split"] = splits[it["id"]]
    dump(items, args.path)
    n_held = sum(s == "heldout" for s in splits.values())
    print(f"{len(items)} items: {len(items) - n_held} dev, {n_held} heldout")
    return 0


if __name__ == "__main__":
    sys.exit(main())
