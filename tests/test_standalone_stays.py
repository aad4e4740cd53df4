"""Standalone questions stay standalone: the measure (`evals.standalone`), the fitted
veto (`rag.followup_model`, `evals.fit_followup`) and its place in `decide_followup`.

Fakes only (a whitespace tokenizer, invented questions): no index, no model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.fit_followup import Row, evaluate, fit
from evals.standalone import QuestionSet, gate, measure, standalone_items, summary
from rag.errors import ConfigError
from rag.followup import decide_followup, turn_features
from rag.followup_model import (
    FEATURES,
    FOLLOWUP_TOML,
    FollowupModel,
    load_followup_model,
    write_followup_model,
)
from rag.types import STANDALONE, FollowUp, Turn
from tests.questions import packaged_lexicon
from tests.test_conversation_followup import SUZHOU, _tagged

pytestmark = pytest.mark.timeout(60)

FOLLOW = "它 是 哪年 推出 的？"


def _model(bias: float) -> FollowupModel:
    return FollowupModel(tuple(0.0 for _ in FEATURES), bias, 0.5)


def test_the_veto_keeps_a_proposed_follow_up_standalone_and_never_makes_one() -> None:
    lexicon = packaged_lexicon()
    rules = decide_followup(FOLLOW, SUZHOU, _tagged, lexicon)
    assert not rules.standalone and rules.rewritten
    kept = decide_followup(FOLLOW, SUZHOU, _tagged, lexicon, _model(-5.0))  # p ≈ 0.007
    assert kept.standalone and kept.resolved == FOLLOW and not kept.rewritten
    trusted = decide_followup(FOLLOW, SUZHOU, _tagged, lexicon, _model(5.0))
    assert trusted == rules
    alone = "首台套 保险 是 哪年 开始 试点 的？"
    assert decide_followup(alone, SUZHOU, _tagged, lexicon, _model(40.0)).standalone


def test_a_pointer_with_a_document_measure_word_asks_about_the_report() -> None:
    question = "这篇 讲 科技 保险 的 文章 是 谁 写 的？"
    decided = decide_followup(question, SUZHOU, _tagged, packaged_lexicon())
    assert decided.standalone and decided.resolved == question


def test_turn_features_read_pointers_and_the_report() -> None:
    lexicon = packaged_lexicon()
    named = dict(zip(FEATURES, turn_features(FOLLOW, _tagged(FOLLOW), (), lexicon), strict=True))
    assert named["pointer_start"] == 1.0 and named["strong_pointer"] == 1.0
    assert named["about_report"] == 0.0
    about = "报告 的 作者 是 谁？"
    named = dict(zip(FEATURES, turn_features(about, _tagged(about), (), lexicon), strict=True))
    assert named["pointer_start"] == 0.0 and named["about_report"] == 1.0


def test_the_model_file_round_trips_and_a_broken_one_is_named(tmp_path: Path) -> None:
    model = FollowupModel(tuple(float(n) / 10 for n in range(len(FEATURES))), -1.5, 0.4)
    path = tmp_path / "followup.toml"
    write_followup_model(path, model, {"rows": 3})
    loaded = load_followup_model(path)
    assert loaded is not None and loaded.threshold == pytest.approx(0.4)
    assert loaded.weights == pytest.approx(model.weights)
    assert load_followup_model(tmp_path / "missing.toml") is None
    path.write_text("bias = 1\nthreshold = 0.5\n[weights]\nchars = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="追问判断模型"):
        load_followup_model(path)


def test_the_shipped_model_loads() -> None:
    model = load_followup_model(FOLLOWUP_TOML)
    assert model is not None and 0.0 < model.threshold <= 0.5


def _row(label: int, pointer: float, chars: float, kind: str = "pronoun") -> Row:
    features = [0.0] * len(FEATURES)
    features[FEATURES.index("pointer_start")] = pointer
    features[FEATURES.index("chars")] = chars
    return Row("r", label, kind, tuple(features))


def test_the_fit_vetoes_long_pointerless_turns_and_keeps_every_flagged_follow_up() -> None:
    rows = [_row(1, 1.0, 0.4 + n / 100) for n in range(20)]
    rows += [_row(0, 0.0, 1.5 + n / 100, STANDALONE) for n in range(60)]
    rows += [_row(0, 0.0, 1.6)]  # a long standalone question the rules took for a follow-up
    model = fit(rows, c=0.3, max_lost=0.0)
    result = evaluate("r", rows, model)
    assert result.flagged_standalone == 1 and result.vetoed_standalone == 1
    assert result.flagged_followups == 20 and result.lost_followups == 0


def test_the_threshold_never_loses_a_training_follow_up() -> None:
    # A follow-up that looks standalone: the threshold drops below it rather than lose it.
    rows = [_row(1, 1.0, 0.4) for _ in range(10)] + [_row(1, 0.0, 1.6)]
    rows += [_row(0, 0.0, 1.6, STANDALONE) for _ in range(40)]
    model = fit(rows, c=0.3, max_lost=0.0)
    assert evaluate("r", rows, model).lost_followups == 0
    assert model.threshold < 0.5


def _understand(question: str, history: list[Turn]) -> FollowUp:
    if question.startswith("它"):
        return FollowUp("pronoun", "苏州" + question[1:], True)
    return FollowUp(resolved=question)


def test_the_measure_counts_rewrites_and_names_no_held_out_set() -> None:
    tuning = QuestionSet("t", "a", False, (("甲 是 什么？", "甲 是 一"), ("它 呢？", "二")))
    held = QuestionSet("h", "b", True, (("丙 是 什么？", "三"), ("它 多大？", "四")))
    outcomes = measure([tuning, held], lambda report: _understand)  # type: ignore[arg-type,return-value]
    rows = summary(outcomes)
    assert "h" not in rows and "t" in rows and "held-out (all)" in rows
    # t: 「它 呢？」 after the previous item and after one of b's; 「甲…」 after one of b's.
    assert rows["t"]["asked"] == 3 and rows["t"]["rewritten"] == pytest.approx(2 / 3)
    assert rows["all"]["rewritten"] == pytest.approx(4 / 6)
    assert gate(rows, {"standalone": {"rewritten_max": 0.5}})
    assert not gate(rows, {"standalone": {"rewritten_max": 0.7}})


def test_items_with_history_are_not_standalone_questions() -> None:
    items = [
        {"question": "甲？", "evidence": "甲是一"},
        {"question": "那乙呢？", "history": [{"role": "user", "content": "甲？"}]},
        {"question": "丙？"},
    ]
    assert [q for q, _ in standalone_items(items)] == ["甲？", "丙？"]


def test_the_command_runs_on_the_seed_sets_without_the_library(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from evals.standalone import main

    env = {"REPORTQA_LIBRARY_DIR": str(tmp_path / "absent"), "REPORTQA_HOME": str(tmp_path)}
    assert main(["--gate"], env) == 0
    out = capsys.readouterr().out
    assert "| golden |" in out and "| probe5 |" in out and "held-out" not in out
    assert "gene_editing" not in out
