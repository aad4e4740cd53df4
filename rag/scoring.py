"""The fitted evidence-scoring weights: `rag/scoring.toml`, written by `python -m evals.fit`.

The weights of `FeatureWeights` are fitted on the tuning reports of the development
library (a listwise softmax over each question's evidence units; see evals/fit.py
and README, "Learned scoring"). The file records them with where they came from and
how they validated, leave one report out. The answerer reads it when it is built;
without it, the hand-set defaults of `FeatureWeights` apply.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from rag.errors import ConfigError
from rag.evidence import FeatureWeights

SCORING_TOML = Path(__file__).resolve().parent / "scoring.toml"


def load_weights(path: Path = SCORING_TOML) -> FeatureWeights:
    """The weights stored in `path`; the defaults when it does not exist.

    Raises `ConfigError` naming the file when it exists but cannot be used.
    """
    if not path.exists():
        return FeatureWeights()
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle).get("weights", {})
        names = {f.name for f in fields(FeatureWeights)}
        if not isinstance(table, Mapping) or set(table) != names:
            raise ValueError(f"[weights] 须恰有 {', '.join(sorted(names))}")
        return FeatureWeights(**{name: float(table[name]) for name in names})
    except (OSError, tomllib.TOMLDecodeError, TypeError, ValueError) as exc:
        raise ConfigError(f"评分权重文件 {path} 无法使用：{exc}") from None


def write_scoring(path: Path, weights: FeatureWeights, provenance: Mapping[str, Any]) -> None:
    """Write `weights` and, as comments, where they came from (`provenance`)."""
    lines = [
        "# Evidence-scoring weights fitted by `python -m evals.fit --write` (rag/scoring.py).",
        "# Do not edit by hand: refit instead.",
    ]
    lines += [
        f"# {key}: {json.dumps(value, ensure_ascii=False)}" for key, value in provenance.items()
    ]
    lines += ["", "[weights]"]
    lines += [f"{name} = {value:.6f}" for name, value in asdict(weights).items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


__all__ = ["SCORING_TOML", "load_weights", "write_scoring"]
