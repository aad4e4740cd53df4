"""Fitted evidence-scoring weights: the file the answerer loads, and the fit that writes it."""

from __future__ import annotations

from dataclasses import astuple
from pathlib import Path

import pytest

from evals.fit import Row, fit, holds_answer, top_one
from rag.errors import ConfigError
from rag.evidence import FeatureWeights
from rag.scoring import SCORING_TOML, load_weights, write_scoring


def test_missing_file_means_the_hand_weights(tmp_path: Path) -> None:
    assert load_weights(tmp_path / "none.toml") == FeatureWeights()


def test_written_weights_load_back_with_their_provenance(tmp_path: Path) -> None:
    path = tmp_path / "scoring.toml"
    weights = FeatureWeights(lexical=1.5, semantic=20.0, toc=-0.3)
    write_scoring(path, weights, {"fitted_on": ["a", "b"], "rows": 12})
    assert load_weights(path) == weights
    assert '# fitted_on: ["a", "b"]' in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text", ["[weights]\nlexical = 1.0\n", "[weights\n", "[weights]\nlexical = 'x'\n"]
)
def test_a_broken_file_is_a_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "scoring.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="评分权重文件"):
        load_weights(path)


def test_the_shipped_weights_load_and_keep_the_penalty_a_penalty() -> None:
    weights = load_weights(SCORING_TOML)
    assert weights.toc <= 0 < weights.semantic
    assert len(astuple(weights)) == len(astuple(FeatureWeights()))


def _rows(question: str, good: tuple[float, ...], bad: tuple[float, ...]) -> list[Row]:
    return [Row("r", question, good, True), Row("r", question, bad, False)]


def test_the_fit_moves_weight_to_the_feature_that_picks_the_answer() -> None:
    # Seven features; in every question the answering unit wins on feature 3 (semantic)
    # and loses on feature 0 (lexical): the fit must rank it first where the hand
    # weights (lexical 0.55, semantic 4.0) do not.
    rows: list[Row] = []
    for n in range(30):
        good = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        bad = (1.0, 0.0, 0.0, -0.1, 0.0, 0.0, 0.0)
        rows += _rows(f"q{n}", good, bad)
    hand_hits, reachable, questions = top_one(rows, FeatureWeights().vector())
    assert (hand_hits, reachable, questions) == (0, 30, 30)
    fitted = fit(rows, c=10.0)
    assert top_one(rows, fitted)[0] == 30


def test_a_unit_answers_when_it_holds_every_key_fact_or_the_evidence() -> None:
    item = {"must_include": [["2015年", "2015 年"], ["三部门"]], "evidence": "三部门启动了试点"}
    assert holds_answer("早在 2015 年，三部门 启动 了 补偿机制 试点 工作。", item)
    assert not holds_answer("2015 年，试点 工作 启动。", item)
    assert holds_answer(
        "据悉，三部门启动了试点。", {"must_include": [["x"]], "evidence": "三部门启动了试点"}
    )
