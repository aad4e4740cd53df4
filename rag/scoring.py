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
from rag.evidence import FeatureWeights, ScoringSettings, Selection

SCORING_TOML = Path(__file__).resolve().parent / "scoring.toml"
SELECTION_TOML = Path(__file__).resolve().parent / "selection.toml"
#: The `Selection` fields `rag/selection.toml` may set, with their types.
SELECTION_FIELDS: Mapping[str, type] = {"keep_ratio": float}


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


def load_selection(path: Path = SELECTION_TOML) -> dict[str, float]:
    """The fitted answer-selection settings in `path` (none when it does not exist).

    Raises `ConfigError` naming the file when it exists but cannot be used.
    """
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle).get("selection", {})
        if not isinstance(table, Mapping):
            raise ValueError("[selection] 须是表")
        unknown = set(table) - set(SELECTION_FIELDS)
        if unknown:
            raise ValueError(f"[selection] 只能有 {', '.join(SELECTION_FIELDS)}")
        values = {name: float(value) for name, value in table.items()}
        if any(not 0.0 <= v <= 1.0 for v in values.values()):
            raise ValueError("[selection] 的值须在 0 到 1 之间")
        return values
    except (OSError, tomllib.TOMLDecodeError, TypeError, ValueError) as exc:
        raise ConfigError(f"答案选取参数文件 {path} 无法使用：{exc}") from None


def load_scoring(
    weights_path: Path = SCORING_TOML, selection_path: Path = SELECTION_TOML
) -> ScoringSettings:
    """`ScoringSettings` with the fitted weights and the fitted answer selection."""
    selection = load_selection(selection_path)
    return ScoringSettings(
        weights=load_weights(weights_path),
        selection=Selection(keep_ratio=selection.get("keep_ratio", Selection().keep_ratio)),
    )


def write_selection(path: Path, values: Mapping[str, float], provenance: Mapping[str, Any]) -> None:
    """Write the fitted selection `values` and, as comments, where they came from."""
    lines = [
        "# Answer-selection settings fitted by `python -m evals.fit_answer --write`",
        "# (rag/scoring.py: load_selection). Do not edit by hand: refit instead.",
    ]
    lines += [
        f"# {key}: {json.dumps(value, ensure_ascii=False)}" for key, value in provenance.items()
    ]
    lines += ["", "[selection]"]
    lines += [f"{name} = {float(value):.6f}" for name, value in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


__all__ = [
    "SCORING_TOML",
    "SELECTION_FIELDS",
    "SELECTION_TOML",
    "load_scoring",
    "load_selection",
    "load_weights",
    "write_scoring",
    "write_selection",
]
