"""The fitted follow-up veto: `rag/followup.toml`, written by `python -m evals.fit_followup`.

The rule cascade of `rag.followup` proposes a follow-up kind; a small logistic model
over the turn's features (`rag.followup.turn_features`: a pointer word at its start, its
own subject, names, question word, length, overlap with the earlier turn …) then says
how likely the turn leans on the conversation at all. Below `threshold`, the turn is
answered as asked. The model only ever keeps a question standalone; it never makes a
standalone turn a follow-up. Fitted on the tuning reports' item-set questions (all
standalone by construction) and the tuning conversation set's follow-up turns, and
validated leaving one report out (README, "Conversations"). Without the file no veto
applies.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import ConfigError

FOLLOWUP_TOML = Path(__file__).resolve().parent / "followup.toml"

# The features, in order (`rag.followup.turn_features` computes them).
FEATURES = (
    "pointer_start",
    "strong_pointer",
    "more",
    "temporal",
    "ordinal",
    "pointer_after_clause",
    "chars",
    "terms",
    "nouns",
    "specific",
    "own_name",
    "subject",
    "question_word",
    "about_report",
    "overlap",
    "ends_ne",
    "clauses",
    "year",
    "short",
)


@dataclass(frozen=True)
class FollowupModel:
    """Logistic weights over `FEATURES`, an intercept and the veto threshold."""

    weights: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, features: Sequence[float]) -> float:
        """How likely a turn with these features is a follow-up."""
        z = self.bias + sum(w * x for w, x in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    def vetoes(self, features: Sequence[float]) -> bool:
        """True when the turn stands alone after all."""
        return self.probability(features) < self.threshold


def load_followup_model(path: Path = FOLLOWUP_TOML) -> FollowupModel | None:
    """The model stored in `path`; None when there is none.

    Raises `ConfigError` naming the file when it exists but cannot be used.
    """
    if not path.exists():
        return None
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        table = data.get("weights", {})
        if not isinstance(table, Mapping) or set(table) != set(FEATURES):
            raise ValueError(f"[weights] 须恰有 {', '.join(FEATURES)}")
        return FollowupModel(
            weights=tuple(float(table[name]) for name in FEATURES),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"追问判断模型文件 {path} 无法使用：{exc}") from None


def write_followup_model(path: Path, model: FollowupModel, provenance: Mapping[str, Any]) -> None:
    """Write `model` and, as comments, where it came from (`provenance`)."""
    lines = [
        "# The follow-up veto fitted by `python -m evals.fit_followup --write` (rag/followup_model.py).",
        "# Do not edit by hand: refit instead.",
    ]
    lines += [
        f"# {key}: {json.dumps(value, ensure_ascii=False)}" for key, value in provenance.items()
    ]
    lines += ["", f"bias = {model.bias:.6f}", f"threshold = {model.threshold:.6f}", "", "[weights]"]
    lines += [f"{name} = {w:.6f}" for name, w in zip(FEATURES, model.weights, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


__all__ = [
    "FEATURES",
    "FOLLOWUP_TOML",
    "FollowupModel",
    "load_followup_model",
    "write_followup_model",
]
