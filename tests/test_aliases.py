"""Colloquial short forms and two-digit years are written the way the report writes them."""

from __future__ import annotations

import pytest

from rag.aliases import expand_aliases
from rag.textnorm import expand_short_years, normalise_question
from tests.questions import packaged_lexicon

LEXICON = packaged_lexicon()

REPORT = (
    "科技保险快速发展。网络安全保险、产品责任险和人才创业险都有。保险公司与央行合作。"
    "感谢合肥工业大学宋平凡教授。产业发展的瓶颈。作者提出四条建议。"
    "亚洲开发银行支持建设光伏电站。政府补偿个人购买设备费用的30%。"
)


@pytest.mark.parametrize(
    ("question", "expanded"),
    [
        ("科技险发展得怎么样？", "科技保险发展得怎么样？"),
        ("网安险有哪些案例？", "网络安全保险有哪些案例？"),
        ("人行发了什么文件？", "央行发了什么文件？"),
        ("头部险企做了什么？", "头部保险公司做了什么？"),
        # The report's own short forms stay as they are.
        ("产品责任险是什么？", "产品责任险是什么？"),
        ("人才创业险保什么？", "人才创业险保什么？"),
        # Everyday words for the report's formal ones.
        ("感谢了哪位高校老师？", "感谢了哪位大学教授？"),
        # Colloquial wording for what reports say formally.
        ("卡脖子的地方有哪几块？", "瓶颈的地方有哪几块？"),
        ("作者开了哪几味药？", "作者开了哪几建议？"),
        # A development bank's short form; 补贴 for a report that says 补偿.
        ("亚行支持了哪些项目？", "亚洲开发银行支持了哪些项目？"),
        ("政府补贴多少比例？", "政府补偿多少比例？"),
        # 风险 is not an abbreviation of anything.
        ("风险大吗？", "风险大吗？"),
    ],
)
def test_short_forms_the_report_never_uses_are_expanded(question: str, expanded: str) -> None:
    assert expand_aliases(question, REPORT.__contains__, LEXICON) == expanded


@pytest.mark.parametrize(
    ("question", "expanded"),
    [
        ("25年政策性科技险有哪些新进展", "2025年政策性科技险有哪些新进展"),
        ("国务院24年9月那份文件", "国务院2024年9月那份文件"),
        ("从15年开始试点的吗", "从2015年开始试点的吗"),
        # Durations, decades and ordinals are not years.
        ("过去25年发展很快", "过去25年发展很快"),
        ("中间隔了10年", "中间隔了10年"),
        ("90年代的情况", "90年代的情况"),
        ("第25年", "第25年"),
        ("未来10年计划建多少", "未来10年计划建多少"),
        ("今后5年怎么走", "今后5年怎么走"),
        ("前3年增速多少", "前3年增速多少"),
        ("16年以后谁上任", "2016年以后谁上任"),
        # A term's length: the 10-year bond is no bond of 2010.
        ("跟10年期国债收益率比", "跟10年期国债收益率比"),
        ("贷款30年期限", "贷款30年期限"),
        ("2025年", "2025年"),
    ],
)
def test_two_digit_years_are_written_in_full(question: str, expanded: str) -> None:
    assert expand_short_years(question, LEXICON) == expanded


def test_normalised_questions_carry_full_years() -> None:
    assert normalise_question("２５年的保费规模", LEXICON).text == "2025年的保费规模"


def test_a_word_of_a_heading_only_is_the_reports_own() -> None:
    from rag.aliases import report_wording
    from rag.types import Chunk

    chunk = Chunk("c1", "核心技术不足。", "r.txt", "t", ("4 产业发展的瓶颈",), 3, 3, 0, "paragraph")
    wording = report_wording([chunk])
    assert expand_aliases("卡脖子的地方在哪？", wording.__contains__, LEXICON) == "瓶颈的地方在哪？"
    assert expand_aliases("卡脖子的地方在哪？", chunk.text.__contains__, LEXICON).startswith(
        "卡脖子"
    )


def test_colloquial_words_are_read_as_the_written_words_the_report_uses() -> None:
    report = "该国南与邻国接壤，年均晴朗天气达300天；政府加大投资力度。"
    has = report.__contains__
    assert expand_aliases("该国南边挨着哪个国家？", has, LEXICON) == "该国南边接壤哪个国家？"
    assert expand_aliases("一年有多少个晴天？", has, LEXICON) == "一年有多少个晴朗？"
    # 「砸钱」 is read whole, before any shorter word it holds.
    assert expand_aliases("政府砸钱了吗？", has, LEXICON) == "政府投资了吗？"
    # A word the report uses itself stays as it is.
    assert (
        expand_aliases("挨着哪个国家？", "甲国挨着乙国。".__contains__, LEXICON) == "挨着哪个国家？"
    )


def test_a_tables_source_is_asked_in_either_word_or_in_english() -> None:
    note = "表1 各类能源潜力。注：资料来源于国际太阳能研究所。".__contains__
    assert expand_aliases("表1的data source是啥？", note, LEXICON) == "表1的资料来源是啥？"
    assert expand_aliases("表1的数据来源是哪？", note, LEXICON) == "表1的资料来源是哪？"
    other = "数据来源：海关统计年鉴。".__contains__
    assert expand_aliases("那张表的资料来源是啥？", other, LEXICON) == "那张表的数据来源是啥？"
