"""Comparisons asked of two sides (「A和B，哪家成立得更早？」): each side is asked on its own
(`rag.question.compare_asks`) and what it finds is added (`rag.asks`). Logic only, with
scripted answers; `tests/test_compare_real.py` runs the real chain."""

from __future__ import annotations

from collections.abc import Sequence

from rag.asks import AnswerFn, answer_each_ask
from rag.question import compare_asks
from rag.types import Answer, Turn
from tests.questions import packaged_lexicon, question_of
from tests.test_asks import _refusing_unless

LEXICON = packaged_lexicon()


def _asks(question: str) -> list[tuple[str, str]] | None:
    sides = compare_asks(question, LEXICON)
    return None if sides is None else [(side.name, side.ask) for side in sides]


def test_a_comparison_is_asked_of_each_side_with_what_it_compares() -> None:
    assert _asks("星河智造和蓝海动力，哪家成立得更早？") == [
        ("星河智造", "星河智造成立是哪一年？"),
        ("蓝海动力", "蓝海动力成立是哪一年？"),
    ]
    # The clause before the sides stays in front; 「的产能」 goes with each side.
    assert _asks("按表1的数据，华东和华南的产能哪个更高？") == [
        ("华东", "按表1的数据，华东产能是多少？"),
        ("华南", "按表1的数据，华南产能是多少？"),
    ]
    # 比 before a comparative; a year that opens the first side is said of both.
    assert _asks("2021年的产能，华东比华南高出多少？") == [
        ("华东", "2021年的产能，华东是多少？"),
        ("华南", "2021年的产能，华南是多少？"),
    ]
    assert _asks("2020年华东和华南这俩，谁的产能更高？") == [
        ("华东", "2020年华东产能是多少？"),
        ("华南", "2020年华南产能是多少？"),
    ]
    # A Latin name meets what is compared with a space.
    assert _asks("Alpha Robotics和Beta Motion，谁先IPO的？") == [
        ("Alpha Robotics", "Alpha Robotics IPO是哪一年？"),
        ("Beta Motion", "Beta Motion IPO是哪一年？"),
    ]
    # The second side ends where a word like the first side ends (「中型银行和小型银行…」).
    assert _asks("中型银行和小型银行应付债券占比谁涨得更多？") == [
        ("中型银行", "中型银行应付债券占比涨是多少？"),
        ("小型银行", "小型银行应付债券占比涨是多少？"),
    ]


def test_questions_that_compare_nothing_are_left_alone() -> None:
    assert _asks("推动更高水平开放的措施有哪些？") is None
    assert _asks("星河智造是谁创办的？") is None
    assert _asks("科技保险和普通保险有什么不同？") is None
    # The clause before asks a question of its own: no pair to split.
    assert _asks("华东和华南的产能各是多少，哪个高？") is None
    # 比重 and 比例 compare nothing.
    assert _asks("华东产能的比重是多少？") is None


def _each(question: str, history: Sequence[Turn], answer: AnswerFn) -> Answer:
    """The whole question answered, then each side (as the chain does)."""
    return answer_each_ask(
        question_of(question), history, answer(question, history), answer, LEXICON
    )


def test_the_side_the_answer_lacks_is_added_even_from_the_same_table() -> None:
    answer = _refusing_unless(
        ("星河智造和", "星河智造 | 2016年 | 苏州", "table"),
        ("星河智造成立", "星河智造 | 2016年 | 苏州", "table"),
        ("蓝海动力成立", "蓝海动力 | 2009年 | 慕尼黑", "table"),
    )
    result = _each("星河智造和蓝海动力，哪家成立得更早？", [], answer)
    assert "2016年" in result.text and "2009年" in result.text
    assert [s.text for s in result.sentences].count("星河智造 | 2016年 | 苏州") == 1


def test_a_side_answer_that_does_not_name_its_side_is_not_added() -> None:
    answer = _refusing_unless(
        ("星河智造和", "星河智造 | 2016年 | 苏州", "table"),
        ("蓝海动力成立", "机器人租赁始于2012年", "other"),
    )
    result = _each("星河智造和蓝海动力，哪家成立得更早？", [], answer)
    assert "2012" not in result.text


def test_a_refused_comparison_is_answered_by_its_sides() -> None:
    answer = _refusing_unless(
        ("星河智造成立", "星河智造成立于2016年", "a"),
        ("蓝海动力成立", "蓝海动力成立于2009年", "b"),
    )
    result = _each("星河智造和蓝海动力，哪家成立得更早？", [], answer)
    assert not result.refused
    assert "2016年" in result.text and "2009年" in result.text
    assert {c.chunk_id for c in result.citations} == {"a", "b"}
