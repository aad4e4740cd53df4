"""A thing described and then asked about (「率先…的那位科学家，参与创办了哪家公司？」): found
first by its description, then asked about by the name its answer gives
(`rag.question.described_asks`, `rag.asks`). Logic only, with scripted answers and tags;
`tests/test_bridge_real.py` runs the real chain."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from rag.asks import AnswerFn, answer_each_ask
from rag.question import described_asks
from rag.types import Answer, Turn
from tests.questions import packaged_lexicon, question_of
from tests.test_asks import _refusing_unless

LEXICON = packaged_lexicon()


def test_a_described_thing_is_asked_for_first() -> None:
    person = described_asks("率先造出协作机械臂的那位科学家，后来参与创办了哪家公司？", LEXICON)
    assert person is not None
    assert person.first == "率先造出协作机械臂的是哪位科学家？"
    assert (person.kind, person.rest) == ("person", "后来参与创办了哪家公司？")
    company = described_asks("与北辰大学合作的那家公司是哪年成立的？", LEXICON)
    assert company is not None
    assert company.first == "与北辰大学合作的是哪家公司？"
    assert (company.kind, company.rest, company.noun) == ("thing", "是哪年成立的？", "公司")
    place = described_asks("日照最长的那个地区，建了多大的电站？", LEXICON)
    assert place is not None and place.kind == "place"


def test_questions_without_a_described_thing_are_left_alone() -> None:
    assert described_asks("那家公司是哪年成立的？", LEXICON) is None  # a follow-up's pointer
    assert described_asks("与北辰大学合作的公司是哪年成立的？", LEXICON) is None
    assert described_asks("与北辰大学合作的那家公司很有名。", LEXICON) is None  # asks nothing


def _tags(text: str) -> list[tuple[str, str]]:
    """Tags as jieba gives them for the scripted answers below."""
    # Longer names first: 北辰大学 is one word, 北辰 alone a place.
    names = {"张卫东": "nr", "云杉重工": "nt", "北辰大学": "nt", "北辰": "ns", "云杉": "ns"}
    words: list[tuple[str, str]] = []
    rest = text
    while rest:
        name = next((n for n in names if rest.startswith(n)), None)
        words.append((name, names[name]) if name else (rest[0], "x"))
        rest = rest[len(name) if name else 1 :]
    return words


def _each(question: str, answer: AnswerFn) -> Answer:
    history: Sequence[Turn] = []
    whole = answer(question, history)
    return answer_each_ask(question_of(question), history, whole, answer, LEXICON, _tags)


def test_the_rest_is_asked_of_the_name_the_first_answer_gives() -> None:
    answer = _refusing_unless(
        ("率先造出协作机械臂的是", "2016年，张卫东团队率先造出协作机械臂", "found"),
        ("张卫东，", "张卫东参与创办了云杉重工", "company"),
    )
    result = _each("率先造出协作机械臂的那位科学家，后来参与创办了哪家公司？", answer)
    assert not result.refused
    assert "张卫东" in result.text and "云杉重工" in result.text
    assert {c.chunk_id for c in result.citations} == {"found", "company"}


@pytest.mark.parametrize(
    "second",
    [
        # A second hop that stays in the first passage …
        ("张卫东，", "张卫东团队率先造出协作机械臂", "found"),
        # … or answers about something else is not taken.
        ("张卫东，", "北辰大学成立了机器人公司", "other"),
    ],
)
def test_a_second_answer_that_adds_nothing_about_the_name_is_not_taken(
    second: tuple[str, str, str],
) -> None:
    answer = _refusing_unless(
        ("率先造出协作机械臂的是", "2016年，张卫东团队率先造出协作机械臂", "found"), second
    )
    result = _each("率先造出协作机械臂的那位科学家，后来参与创办了哪家公司？", answer)
    assert result.refused


def test_the_other_name_is_tried_when_the_nearer_one_finds_nothing() -> None:
    answer = _refusing_unless(
        ("日照最长的是", "北辰和云杉两地日照最长", "found"),
        ("北辰，", "北辰建了一座100MW的光伏电站", "plant"),
    )
    result = _each("日照最长的那个地区，建了多大的电站？", answer)
    assert not result.refused
    assert "100MW" in result.text
