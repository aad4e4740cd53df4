"""The strategy registry and the verify stage, over a tiny fake report (no model, no index)."""

from __future__ import annotations

from rag.context import Context, Corpus, Scorers
from rag.draft import Draft
from rag.question import Question
from rag.strategies import registry
from rag.strategies.base import Passages
from rag.strategies.registry import STRATEGIES, draft_with_strategies
from rag.types import AnswerSentence, Chunk, Retrieved
from rag.verify import assemble_answer
from tests.questions import language, packaged_lexicon, question_of

LEXICON = packaged_lexicon()


def _chunk(n: int, text: str, path: tuple[str, ...], kind: str = "paragraph") -> Chunk:
    return Chunk(f"c{n}", text, "r.txt", "报告", path, 1, 1, n, kind)


TOC = _chunk(0, "一、政策支持不断加强\t1\n二、产品体系基本成形\t3", ("目录",))
POLICY = _chunk(1, "早在 2015 年，三部门 启动 了 补偿机制 试点 工作。", ("一、政策支持不断加强",))
PRODUCTS = _chunk(2, "产品体系 分为 两大类：风险保险 和 主体保险。", ("二、产品体系基本成形",))
CONTEXT = Context(language(), Scorers(weight=lambda t: 1.0), Corpus(chunks=(TOC, POLICY, PRODUCTS)))


def _passages(question: Question, *chunks: Chunk) -> Passages:
    routed = tuple(Retrieved(c, 1.0, i) for i, c in enumerate(chunks, start=1))
    return Passages(question, CONTEXT, routed, routed, "r.txt", None)


def test_the_registry_is_one_ordered_tuple_ending_with_the_refusal() -> None:
    names = [s.name for s in STRATEGIES]
    assert names == [
        "publication",
        "outline",
        "part_summary",
        "recommendations",
        "problems",
        "conclusion",
        "part_timeline",
        "timeline",
        "table",
        "table_extreme",
        "table_cell",
        "grid_label",
        "enumeration",
        "topic_part",
        "announced",
        "grid_column",
        "sentences",
        "refusal",
    ]
    assert len(set(names)) == len(names)
    anything = question_of("随便 问 一句")
    assert STRATEGIES[-1].accepts(anything, CONTEXT) and STRATEGIES[-2].accepts(anything, CONTEXT)


def test_the_first_strategy_that_answers_wins() -> None:
    outline = question_of("这份报告分成哪几部分？")
    draft = draft_with_strategies(outline, _passages(outline, POLICY), CONTEXT)
    assert draft.strategy == "outline" and draft.sources_first == (TOC,)
    # A date question: sentence extraction, led by the date.
    dated = question_of("补偿机制 试点 哪一年 启动")
    draft = draft_with_strategies(dated, _passages(dated, POLICY, PRODUCTS), CONTEXT)
    assert draft.strategy == "sentences" and draft.lead == "2015 年。"
    # Nothing covers the question: the refusal, with the passages it was given.
    unknown = question_of("火星 移民 计划")
    draft = draft_with_strategies(unknown, _passages(unknown, POLICY), CONTEXT)
    assert draft.strategy == "refusal" and draft.refused


def test_a_strategy_that_accepts_but_cannot_answer_lets_the_next_one_try() -> None:
    # 「第九部分讲了啥」 names a part the report does not have: no part summary.
    question = question_of("第九部分讲了啥 补偿机制 试点")
    part_summary = next(s for s in STRATEGIES if s.name == "part_summary")
    assert part_summary.accepts(question, CONTEXT)
    assert part_summary.answer(question, _passages(question, POLICY), CONTEXT) is None
    draft = draft_with_strategies(question, _passages(question, POLICY), CONTEXT)
    assert draft.strategy != "part_summary"
    assert registry.STRATEGIES is STRATEGIES


def test_the_verify_stage_turns_every_draft_into_the_answer() -> None:
    question = question_of("补偿机制 试点 哪一年 启动")
    draft = draft_with_strategies(question, _passages(question, POLICY, PRODUCTS), CONTEXT)
    answer = assemble_answer(draft, question, LEXICON)
    assert not answer.refused and answer.strategy == "sentences"
    assert answer.text.startswith("2015 年[1]。") and answer.citations[0].verified
    # A sentence its passage does not support is dropped; nothing left is a refusal.
    invented = Draft(
        "sentences",
        (AnswerSentence("早在 2018 年启动了试点。", (1,)),),
        {1: Retrieved(POLICY, 1.0, 1)},
        passages=tuple(Retrieved(c, 1.0, i) for i, c in enumerate((POLICY, PRODUCTS, TOC, TOC))),
    )
    refused = assemble_answer(invented, question, LEXICON)
    assert refused.refused and refused.text.startswith("报告中没有找到")
    assert refused.dropped and not refused.citations and len(refused.retrieved) == 3


def test_chunks_read_off_the_report_lead_the_sources_and_keep_their_length() -> None:
    passages = tuple(Retrieved(c, 0.5, i) for i, c in enumerate((POLICY, PRODUCTS), start=1))
    draft = Draft("outline", sources_first=(TOC,), passages=passages)
    assert [r.chunk.id for r in draft.sources()] == ["c0", "c1"]
    assert [r.rank for r in draft.sources()] == [1, 2]
    assert Draft("sentences", passages=passages).sources() == passages


# A section that announces its items, each item a sub-section of its own.
# (Not a recommendation section: `recommendations` reads those from the report's parts.)
ANNOUNCING = ("5 面临挑战",)
ANNOUNCE = _chunk(10, "产业 发展 面临 的 挑战 主要 表现 在 以下 方面。", ANNOUNCING)
ITEM_ONE = _chunk(11, "原始 创新 能力 仍 显 不足。", (*ANNOUNCING, "（1）原始创新不足"))
ITEM_TWO = _chunk(12, "临床 转化 链条 较 长。", (*ANNOUNCING, "（2）临床转化缓慢"))
AFTER = _chunk(13, "致谢 各位 专家。", ("致谢",))
ANNOUNCED = Context(
    language(),
    Scorers(weight=lambda t: 1.0),
    Corpus(chunks=(ANNOUNCE, ITEM_ONE, ITEM_TWO, AFTER)),
)


def test_announced_items_are_read_where_they_follow() -> None:
    question = question_of("产业 发展 面临 哪些 挑战 ？")
    routed = tuple(Retrieved(c, 1.0, i) for i, c in enumerate((ANNOUNCE, AFTER), start=1))
    passages = Passages(question, ANNOUNCED, routed, routed, "r.txt", None)
    draft = draft_with_strategies(question, passages, ANNOUNCED)
    assert draft.strategy == "announced"
    assert [s.text for s in draft.sentences] == [
        ANNOUNCE.text,
        "（1）原始创新不足",
        "（2）临床转化缓慢",
    ]
    answer = assemble_answer(draft, question, LEXICON)
    assert not answer.refused
    # Each item is cited where it stands: its heading, quoted from its own passage.
    assert [c.quote for c in answer.citations][1:] == ["（1）原始创新不足", "（2）临床转化缓慢"]
    assert [c.chunk_id for c in answer.citations] == ["c10", "c11", "c12"]


def test_a_sentence_that_announces_nothing_is_left_to_sentence_extraction() -> None:
    question = question_of("补偿机制 试点 有 哪些")
    routed = (Retrieved(POLICY, 1.0, 1),)
    passages = Passages(question, CONTEXT, routed, routed, "r.txt", None)
    assert draft_with_strategies(question, passages, CONTEXT).strategy != "announced"


def test_a_skipped_strategy_lets_the_next_one_answer_but_the_refusal_stays() -> None:
    from dataclasses import replace

    outline = question_of("这份报告分成哪几部分？")
    without = replace(CONTEXT, skipped_strategies=frozenset({"outline"}))
    draft = draft_with_strategies(outline, _passages(outline, POLICY), without)
    assert draft.strategy != "outline"
    # The refusal is the registry's floor: it answers even when asked to be skipped.
    unknown = question_of("火星 移民 计划")
    floor = replace(CONTEXT, skipped_strategies=frozenset({"refusal", "sentences"}))
    assert draft_with_strategies(unknown, _passages(unknown, POLICY), floor).strategy == "refusal"


def test_the_ablation_table_shows_items_answered_and_key_facts_lost() -> None:
    from evals.ablation import format_table

    table = format_table({"a": {"outline": (3, 10, 8)}, "b": {"sentences": (5, 7, 7)}})
    assert "| `outline` | 3 / +2 | – |" in table
    assert "| `sentences` | – | 5 / +0 |" in table


def test_every_ablated_check_names_a_function_of_the_answer_path() -> None:
    import importlib

    from evals.ablation import CHECKS

    for targets in CHECKS.values():
        for module, name in targets:
            assert callable(getattr(importlib.import_module(module), name)), (module, name)


def test_a_check_switched_off_answers_no_where_it_was_imported_by_name() -> None:
    import rag.extractive
    import rag.slots
    from evals.ablation import check_off

    original = rag.slots.slot_unfilled
    assert rag.extractive.slot_unfilled is original
    with check_off((("rag.slots", "slot_unfilled"),)):
        assert rag.slots.slot_unfilled(None, "", None) is False
        assert rag.extractive.slot_unfilled(None, "", None) is False
    assert rag.slots.slot_unfilled is original and rag.extractive.slot_unfilled is original


def test_the_check_ablation_counts_what_a_check_refused() -> None:
    from evals.ablation import compare_checks, format_checks

    items = [
        {"type": "unanswerable"},
        {"type": "fact", "must_include": [["12家"]]},
        {"type": "fact", "must_include": [["2019年"]]},
        {"type": "fact", "must_include": [["5亿元"]]},
        {"type": "unanswerable"},
    ]
    refused = {"answer": "报告中没有找到能直接回答这个问题的内容。", "refused": True}
    full = [refused, refused, refused, {"answer": "规模为5亿元[1]。", "refused": False}]
    # Switching one check off can make another refuse (the answer path takes another
    # unit): that refusal is counted against it.
    full.append({"answer": "有一些[1]。", "refused": False})
    without = [
        {"answer": "有一些。", "refused": False},  # a near-miss the check refused
        {"answer": "共12家[1]。", "refused": False},  # an answer it wrongly refused
        {"answer": "不知何年[1]。", "refused": False},  # refused, and wrong without it
        {"answer": "规模为5亿元[1]。", "refused": False},
        refused,
    ]
    assert compare_checks(items, full, without) == (0, 2, 1, -1)
    table = format_checks({"a": {"role unnamed": (1, 2, 1, -1)}, "b": {}})
    assert "| role unnamed | 1 / 2 (1) | – | 1 / 2 (1) |" in table
