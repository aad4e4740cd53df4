"""`reportqa eval --conversations` (evals/conversation.py): the harness with fakes, the
importer, the set's pointers, and one real run of a small invented fixture."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from evals.common import EvalSetError
from evals.conversation import (
    CHECK_SET,
    DEFAULT_SET,
    SEED,
    import_dialogues,
    is_aggregate_only,
    load_dialogues,
    play,
    pointer_for,
    run,
    score,
)
from evals.library import (
    LIBRARY_TOML,
    default_corpora_dir,
    read_library_toml,
    read_lines,
    resolve_pointer,
)
from rag.types import Answer, FollowUp, Turn

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "data" / "conversations_fixture.jsonl"


class ScriptedAnswerer:
    """Answers from a table; a question asked with history gets the `in_conversation` text."""

    def __init__(self, alone: dict[str, str], in_conversation: dict[str, str]) -> None:
        self.alone, self.in_conversation = alone, in_conversation
        self.histories: list[list[Turn]] = []

    def answer(self, question: str, history: Sequence[Turn] = (), report: Any = None) -> Answer:
        self.histories.append(list(history))
        table = self.in_conversation if history else self.alone
        text = table.get(question, self.alone.get(question, "报告中没有提到甲乙的相关信息。"))
        rewritten = bool(history) and question.startswith("改")
        return Answer(
            question=question,
            resolved_question="改写" if rewritten else question,
            text=text,
            refused=False,
            mode="extractive",
            followup=FollowUp(kind="pronoun" if rewritten else "standalone", rewritten=rewritten),
        )


def _dialogue(turns: list[tuple[str, str, list[list[str]]]], followup: str = "pronoun") -> dict:
    return {
        "id": "d1",
        "report": SEED,
        "turns": [
            {
                "question": q,
                "kind": k,
                "must_include": m,
                **({"followup": followup} if k == "followup" else {}),
            }
            for q, k, m in turns
        ],
    }


def test_play_uses_the_systems_own_answers_as_history_and_asks_standalone_turns_alone() -> None:
    answerer = ScriptedAnswerer({"问一": "答一[1]。", "问二": "答二。"}, {})
    dialogue = _dialogue(
        [("问一", "standalone", []), ("问二", "followup", []), ("问三", "switch", [])]
    )
    rows = play(answerer, [dialogue])
    settings = [(r["turn"], r["setting"]) for r in rows]
    assert settings == [
        (1, "conversation"),
        (2, "conversation"),
        (3, "conversation"),
        (1, "alone"),
        (3, "alone"),
    ]
    third = answerer.histories[2]
    assert [t.content for t in third] == ["问一", "答一[1]。", "问二", "答二。"]
    assert answerer.histories[3] == [] and answerer.histories[4] == []


def test_score_reports_loss_rewrites_followups_and_false_absence() -> None:
    answerer = ScriptedAnswerer(
        {"问一": "甲[1]。", "改问": "乙[1]。", "问三": "己[1]。"},
        {"问三": "报告中没有提到丙丁的相关信息。", "改问": "乙[1]。"},
    )
    dialogue = _dialogue(
        [
            ("问一", "standalone", [["甲"]]),
            ("改问", "switch", [["乙"]]),
            ("问三", "switch", [["己"]]),
            ("问四", "followup", [["戊"]]),
        ],
        followup="temporal",
    )
    rows = play(answerer, [dialogue])
    metrics = score(rows, {SEED: "……丙丁……"})
    assert metrics["standalone_alone_key_fact"] == 1.0
    assert metrics["standalone_in_conversation_key_fact"] == pytest.approx(2 / 3)
    assert metrics["standalone_loss"] == pytest.approx(1 / 3)
    assert metrics["standalone_rewritten"] == pytest.approx(1 / 2)  # of the turns with history
    assert metrics["followup_key_fact"] == 0.0 and metrics["followup_key_fact.temporal"] == 0.0
    # 「丙丁」 is in the report: one false absence claim (the follow-up's names 甲乙, absent).
    assert metrics["false_absence_claims"] == 1.0


def test_run_gates_on_the_conversation_thresholds(tmp_path: Path) -> None:
    dialogues = load_dialogues(FIXTURE)
    answerer = ScriptedAnswerer({}, {})

    def player(report: str, group: list[dict]) -> tuple[list[dict], str]:
        return play(answerer, group), "报告正文"

    out, err = io.StringIO(), io.StringIO()
    gate = {"conversation": {"followup_key_fact": 0.85, "standalone_loss_max": 0.01}}
    code = run(dialogues, player, reports_dir=tmp_path, thresholds=gate, out=out, err=err)
    assert code == 1 and "followup_key_fact" in err.getvalue()
    assert "standalone loss" in out.getvalue()
    payload = json.loads((tmp_path / "conversations.json").read_text(encoding="utf-8"))
    assert payload["metrics"]["all"]["turns"] == 6


def test_another_set_keeps_its_reports_apart(tmp_path: Path) -> None:
    answerer = ScriptedAnswerer({}, {})

    def player(report: str, group: list[dict]) -> tuple[list[dict], str]:
        return play(answerer, group), "报告正文"

    out, err = io.StringIO(), io.StringIO()
    dialogues = load_dialogues(FIXTURE)
    run(dialogues, player, reports_dir=tmp_path, out=out, err=err, name="conversations_check")
    assert (tmp_path / "conversations_check.json").exists()
    assert not (tmp_path / "conversations.json").exists()
    assert "(conversations_check)" in out.getvalue()


def test_a_blind_set_prints_and_writes_its_figures_only(tmp_path: Path) -> None:
    answerer = ScriptedAnswerer({}, {})

    def player(report: str, group: list[dict]) -> tuple[list[dict], str]:
        return play(answerer, group), "报告正文"

    out, err = io.StringIO(), io.StringIO()
    dialogues = load_dialogues(FIXTURE)
    run(dialogues, player, reports_dir=tmp_path, out=out, err=err, aggregate_only=True)
    printed = out.getvalue()
    assert "standalone loss" in printed
    assert "failures in conversation" not in printed
    assert not any(d["turns"][0]["question"] in printed for d in dialogues)
    payload = json.loads((tmp_path / "conversations.json").read_text(encoding="utf-8"))
    assert set(payload) == {"metrics"}
    # The check set is listed as blind in evals/library.toml; the tuning set is not.
    toml = read_library_toml(LIBRARY_TOML)
    assert is_aggregate_only(CHECK_SET, toml)
    assert not is_aggregate_only(DEFAULT_SET, toml)


def test_a_malformed_set_is_refused_with_a_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "x", "turns": [{"question": "问", "kind": "followup"}]}\n', encoding="utf-8"
    )
    with pytest.raises(EvalSetError, match="followup"):
        load_dialogues(bad)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"id": "x", "turns": []}\n{not json\n', "对话评测集 .* 第 2 行不是合法的 JSON"),
        ('["a list"]\n', "第 1 行必须是一个 JSON 对象"),
        ('{"id": "x"}\n', "第 1 行必须是带 turns 列表的 JSON 对象"),
    ],
)
def test_a_broken_line_is_named(tmp_path: Path, text: str, message: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(EvalSetError, match=message):
        load_dialogues(bad)
    with pytest.raises(EvalSetError, match="找不到对话评测集文件"):
        load_dialogues(tmp_path / "missing.jsonl")


def test_import_turns_library_evidence_into_pointers(tmp_path: Path) -> None:
    long_line = "第三行是一段足足有二十多个字的编造文字用来测试截短"
    (tmp_path / "made_up.txt").write_text(
        f"标题\n第二行有一段编造的证据文字。\n{long_line}\n", encoding="utf-8"
    )
    raw = [
        {
            "id": "a",
            "report": "made_up",
            "turns": [
                {"question": "问", "kind": "standalone", "evidence": "编造的证据"},
                {"question": "问", "kind": "standalone", "evidence": "没有的文字"},
            ],
        },
        {
            "id": "b",
            "report": SEED,
            "turns": [{"question": "问", "kind": "standalone", "evidence": "种子原文"}],
        },
    ]
    raw[0]["turns"][0]["must_include"] = [[long_line, "编造"], ["短"]]
    dialogues, problems = import_dialogues(raw, tmp_path)
    # The project never holds 20+ characters of a library report: long facts are cut.
    assert dialogues[0]["turns"][0]["must_include"] == [[long_line[:19], "编造"], ["短"]]
    assert dialogues[0]["turns"][0]["evidence"] == {"line": 2, "start": 6, "end": 11}
    assert "evidence" not in dialogues[0]["turns"][1] and len(problems) == 1
    assert dialogues[1]["turns"][0]["evidence"] == "种子原文"
    lines = read_lines(tmp_path / "made_up.txt")
    assert resolve_pointer(lines, dialogues[0]["turns"][0]["evidence"]) == "编造的证据"
    assert pointer_for(lines, "") is None


@pytest.mark.parametrize("path", [DEFAULT_SET, CHECK_SET], ids=["tuning", "check"])
def test_every_pointer_of_the_conversation_set_lands_on_text(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} not placed yet")
    corpora = default_corpora_dir(
        read_library_toml(LIBRARY_TOML), REPO, os.environ.get("REPORTQA_LIBRARY_DIR")
    )
    if not corpora.is_dir():
        pytest.skip(f"library folder {corpora} absent")
    seed_text = (REPO / "corpus" / "nifd_2025_tech_insurance_report.txt").read_text(
        encoding="utf-8"
    )
    for dialogue in load_dialogues(path):
        for n, turn in enumerate(dialogue["turns"], start=1):
            evidence = turn.get("evidence")
            if dialogue["report"] == SEED:
                assert not isinstance(evidence, dict), f"{dialogue['id']} turn {n}"
                continue
            assert not isinstance(evidence, str), (
                f"{dialogue['id']} turn {n}: library text in the set"
            )
            if evidence is not None:
                lines = read_lines(corpora / f"{dialogue['report']}.txt")
                assert resolve_pointer(lines, evidence).strip(), f"{dialogue['id']} turn {n}"
    assert seed_text


@pytest.mark.slow
def test_the_fixture_through_the_real_answerer(real_answerer: Any) -> None:
    rows = play(real_answerer, load_dialogues(FIXTURE))
    text = (REPO / "corpus" / "nifd_2025_tech_insurance_report.txt").read_text(encoding="utf-8")
    metrics = score(rows, {SEED: text})
    assert metrics["standalone_rewritten"] == 0.0
    assert metrics["standalone_loss"] <= 0.0
    assert metrics["followup_key_fact"] == 1.0
    assert metrics["false_absence_claims"] == 0.0
