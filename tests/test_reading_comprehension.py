"""The refusal checks on plain reading-comprehension questions (`python -m evals.cmrc`
found each of these refused though its sentence answers it). The sentences are invented."""

from __future__ import annotations

import pytest

from rag.extractive import _names_the_unknown, lacks_figure
from rag.figures import has_figure
from rag.question import Intent, Question
from rag.slots import role_unnamed
from tests.questions import packaged_lexicon, question_of

LEXICON = packaged_lexicon()


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        # A year before 1900 is a year.
        ("东湖书院 建于 哪一年", "东湖书院建于1786年，是当地最早的书院。"),
        ("西岭 炮台 是 哪年 修 的", "西岭炮台修于清朝嘉庆五年（1800年）。"),
        # 「什么时候」 is also told without a year.
        ("这种 工艺 什么时候 传入 日本 的", "这种工艺在江户时代传入日本。"),
        ("蒸汽 织机 在 什么时候 普及", "蒸汽织机于19世纪40年代普及。"),
        ("桂花糕 一般 什么时候 卖", "桂花糕一般只在中秋时期售卖。"),
    ],
)
def test_a_time_the_sentence_tells_answers_a_when_question(question: str, sentence: str) -> None:
    asked = question_of(question)
    assert asked.intent is Intent.DATE
    assert not lacks_figure(asked, sentence, LEXICON)


def test_a_year_question_still_wants_the_year() -> None:
    asked = question_of("这种 工艺 是 哪一年 传入 日本 的")
    assert lacks_figure(asked, "这种工艺在江户时代传入日本。", LEXICON)
    # Nor does a duration tell when (「三百年的历史」 has no year).
    assert lacks_figure(asked, "这种工艺在日本已有三百年的历史。", LEXICON)


@pytest.mark.parametrize(
    ("sentence", "counted"),
    [("本站共两层，设有两个出口。", True), ("主赛事共设五场。", True), ("全程约需十分钟。", True)],
)
def test_a_count_in_a_chinese_numeral_and_a_measure_word_is_a_figure(
    sentence: str, counted: bool
) -> None:
    assert has_figure(sentence, "", LEXICON) is counted
    assert not has_figure("本站设计新颖，层次分明。", "", LEXICON)


def test_a_verb_with_wei_asks_a_name_not_a_reason() -> None:
    assert question_of("3号线 后来 改名为什么").intent is not Intent.REASON
    assert question_of("这座 桥 被 称为什么").intent is not Intent.REASON
    assert question_of("这座 桥 为什么 改名").intent is Intent.REASON


@pytest.mark.parametrize(
    ("question", "report"),
    [
        ("东湖 大桥 的 长度 是 多少", "东湖大桥全长4.5公里，于2001年通车。"),
        ("那次 地震 死亡 人数 是 多少", "那次地震造成约3万人死亡。"),
        ("周明远 的 籍贯 在 哪", "周明远，浙江宁波人，早年经商。"),
    ],
)
def test_the_measure_or_kind_asked_need_not_be_the_reports_word(question: str, report: str) -> None:
    asked = question_of(question)
    assert not _names_the_unknown(asked, lambda term: term in report, LEXICON)


def _jieba_question(text: str) -> Question:
    import jieba
    import jieba.posseg

    def tag(words: str) -> list[tuple[str, str]]:
        return [(w.word, w.flag) for w in jieba.posseg.cut(words)]

    return question_of(text, lambda words: jieba.lcut(words), tag)


def test_a_role_is_also_said_by_its_verb() -> None:
    asked = _jieba_question("红楼新梦的作者是谁")
    assert not role_unnamed(asked, "《红楼新梦》是李明远所著的长篇小说。", LEXICON)
    # A famous novel names no author.
    assert role_unnamed(asked, "《红楼新梦》是一部著名的长篇小说。", LEXICON)
    mother = _jieba_question("朱小王的生母是谁")
    assert not role_unnamed(mother, "朱小王，母为李贤妃，早年封王。", LEXICON)


def test_a_name_cut_into_single_characters_is_still_what_is_asked_about() -> None:
    # jieba does not know the name and cuts it into characters; single characters are no
    # terms, so the question had nothing to search for and was refused.
    asked = question_of("潘 淑 是 哪里 人")
    assert [t.text for t in asked.terms] == ["潘淑"]
    # A question with a word of its own keeps to its words.
    own = question_of("东湖 大桥 在 哪 个 城市")
    assert [t.text for t in own.terms] == ["东湖", "大桥", "城市"]
    # Nothing to run together: still nothing to search for.
    assert question_of("这 是 什么").terms == ()
