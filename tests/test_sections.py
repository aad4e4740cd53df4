"""Questions naming a numbered part of the report: 「第二部分讲了啥」."""

from __future__ import annotations

from typing import Any

import pytest

from rag.enumeration import document_units
from rag.parts import report_parts
from rag.question import Cue
from rag.sections import named_path, part_summary, part_timeline
from rag.types import Chunk
from tests.questions import packaged_lexicon, question_of

LEXICON = packaged_lexicon()

HEADINGS = ["引言", "一、政策支持不断加强", "二、产品体系基本成形", "三、取得新进展", "致谢"]


def _chunk(n: int, section: str | tuple[str, ...], text: str, kind: str = "paragraph") -> Chunk:
    path = (section,) if isinstance(section, str) else section
    return Chunk(f"c{n}", text, "r.txt", "报告", path, 3, 3, n, kind)


PARTS = report_parts([_chunk(n, h, "正文。") for n, h in enumerate(HEADINGS)], "r.txt", LEXICON)


def _named(question: str) -> str | None:
    path = named_path(question_of(question), PARTS)
    return path[0] if path else None


def test_a_part_is_named_by_its_number_in_either_script() -> None:
    assert _named("第二部分讲了啥？") == "二、产品体系基本成形"
    assert _named("报告第3章的结论是什么") == "三、取得新进展"
    assert _named("第 一 节里提到的文件") == "一、政策支持不断加强"
    # No such part, or no part named at all.
    assert _named("第五部分讲了啥") is None
    assert _named("第二批试点是哪年") is None


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _bigram_similarity(text: str, others: list[str]) -> list[float]:
    """A stand-in for e5: the Jaccard overlap of character pairs (a short title that
    shares a word reads more like the description than a long outline sharing it)."""
    return [len(_pairs(text) & _pairs(o)) / len(_pairs(text) | _pairs(o)) for o in others]


SECTIONED = report_parts(
    [
        _chunk(0, "一、政策支持不断加强", "正文。"),
        _chunk(1, ("二、产品体系基本成形", "（一）保障范围覆盖研发"), "正文。"),
        _chunk(2, ("二、产品体系基本成形", "（二）服务内容延伸到风控"), "正文。"),
        _chunk(3, "三、保费规模稳步增长", "正文。"),
    ],
    "r.txt",
    LEXICON,
)


def _described(question: str, parts: Any = SECTIONED) -> str | None:
    path = named_path(question_of(question), parts, _bigram_similarity)
    return path[-1] if path else None


def test_a_part_described_in_the_askers_words_is_the_one_that_reads_most_like_it() -> None:
    # No title ends the description: the outline (title and sections) that reads most
    # like it names the part.
    assert (
        _described("讲产品从保障范围到风控服务的那部分分了哪几个方面？") == "二、产品体系基本成形"
    )
    assert _described("讲保费怎么增长的那部分主要讲了啥？") == "三、保费规模稳步增长"
    # 「分了哪几个方面」 asks for a part with sections: not one of its sections.
    assert _described("讲风控服务那块的那部分分了哪几个方面？") == "二、产品体系基本成形"
    # Without a similarity, or when nothing asks what a part covers, no part is named:
    # 「…的那部分企业」 is a share of something.
    assert named_path(question_of("讲保费怎么增长的那部分主要讲了啥？"), SECTIONED) == ()
    assert _described("没买保费补贴的那部分企业有多少家？") is None


def test_a_part_is_named_by_its_title() -> None:
    assert _named("致谢里谢了哪些单位？") == "致谢"
    assert _named("引言部分讲了啥") == "引言"
    # Pointed at the body as well, the question is not about one part.
    assert _named("致谢里提到的中心，正文说它设在哪？") is None
    # The word alone, not as a place in the report, names nothing.
    assert _named("要致谢谁？") is None


def test_summary_questions_are_told_from_lookups() -> None:
    assert question_of("第二部分讲产品体系的，能帮我概括下核心意思吗？").has(Cue.SUMMARY)
    assert question_of("第三部分主要讲了啥").has(Cue.SUMMARY)
    assert not question_of("第三部分里首台套是哪年开始试点的？").has(Cue.SUMMARY)


def test_a_part_summary_is_its_opening_and_the_opening_of_each_item() -> None:
    chunks = [
        _chunk(1, "一、政策支持不断加强", "国家高度重视科技保险。早在2006年就出台了文件。"),
        _chunk(2, "二、产品体系基本成形", "我国已经形成两大类科技保险。尤其是研发保险初具规模。"),
        _chunk(3, "二、产品体系基本成形", "科技研发阶段\t成果转化阶段", kind="table_row"),
        _chunk(4, "二、产品体系基本成形", "一是形成全周期保障体系。比如研发费用损失保险。"),
        _chunk(5, "二、产品体系基本成形", "二是聚焦重点产业。涵盖电子信息领域。"),
        _chunk(6, "三、取得新进展", "一是首台套。"),
    ]
    parts = report_parts(chunks, "r.txt", LEXICON)
    summary = part_summary(document_units(chunks), parts, ("二、产品体系基本成形",), LEXICON)
    assert [u.text for u in summary] == [
        "我国已经形成两大类科技保险。",
        "尤其是研发保险初具规模。",
        "一是形成全周期保障体系。",
        "二是聚焦重点产业。",
    ]
    other = report_parts(chunks, "other.txt", LEXICON)
    assert part_summary(document_units(chunks), other, ("二、产品体系基本成形",), LEXICON) == []


def test_a_sub_heading_that_only_names_a_topic_is_read_with_its_first_sentence() -> None:
    part = "二、债务结构"
    chunks = [
        _chunk(1, part, "本部分分析债务的结构。"),
        _chunk(2, (part, "（一）负债主体"), "企业和地方政府负债较高。二者是薄弱环节。"),
        _chunk(3, (part, "（二）房地产信贷扩张迅速"), "房地产信贷规模扩张迅速。"),
    ]
    parts = report_parts(chunks, "r.txt", LEXICON)
    summary = [u.text for u in part_summary(document_units(chunks), parts, (part,), LEXICON)]
    # 「负债主体」 says nothing of its own: its first sentence follows it; a heading that
    # says something (「房地产信贷扩张迅速」) stands alone.
    assert summary == [
        "本部分分析债务的结构。",
        "（一）负债主体",
        "企业和地方政府负债较高。",
        "（二）房地产信贷扩张迅速",
    ]


def test_a_timeline_is_the_dated_prose_of_a_section_in_reading_order() -> None:
    part = "一、政策支持不断加强"
    chunks = [
        _chunk(1, part, "国家高度重视科技保险。早在2006年就出台了文件。2010年推向全国。"),
        _chunk(2, part, "金融监管总局\t2024 年 1 月\t通知", kind="table_row"),
        _chunk(3, part, "2023年10月，中央金融工作会议召开。此后政策密集出台。"),
        _chunk(4, "二、产品体系基本成形", "2025 年，头部公司保费达亿元级。"),
    ]
    steps = part_timeline(document_units(chunks), (part,), "r.txt", LEXICON)
    assert [u.text for u in steps] == [
        "早在2006年就出台了文件。",
        "2010年推向全国。",
        "2023年10月，中央金融工作会议召开。",
    ]
    # One dated sentence is not a timeline.
    assert part_timeline(document_units(chunks), ("二、产品体系基本成形",), "r.txt", LEXICON) == []
    assert question_of("政策支持是怎么一步步加码的？").has(Cue.TIMELINE) and question_of(
        "时间脉络是怎样的"
    ).has(Cue.TIMELINE)
    assert not question_of("2010年那份文件叫什么？").has(Cue.TIMELINE)


@pytest.mark.slow
def test_a_timeline_question_gets_the_dated_steps(real_answerer: Any) -> None:
    answer = real_answerer.answer("科技保险的政策支持大概经历了怎样的发展历程？")
    for year in ("2006", "2010", "2023"):
        assert year in answer.text
    assert all(c.verified for c in answer.citations)


@pytest.mark.slow
def test_a_part_summary_quotes_the_real_report(real_answerer: Any) -> None:
    answer = real_answerer.answer("报告第二部分主要讲了什么？")
    assert not answer.refused
    for words in ("科技活动风险保险", "科技活动主体保险", "一是", "四是"):
        assert words in answer.text, answer.text
    assert all(c.section_label.startswith("二") for c in answer.citations), answer.citations
    assert answer.citations and all(c.verified for c in answer.citations)


@pytest.mark.slow
def test_a_question_about_the_acknowledgements_is_answered_from_them(real_answerer: Any) -> None:
    # 致谢 is tagged a verb and 老师 is not the report's word (教授): the part's title
    # must still count in full and scope the answer.
    answer = real_answerer.answer("致谢里有哪位高校老师？")
    assert not answer.refused, answer.text
    assert "宋平凡" in answer.text
    assert all(c.section_label == "致谢" for c in answer.citations), answer.citations
