"""A report's parts in any numbering style, the part a question names, and a part's digest
(its lead and item heads), over invented documents."""

from __future__ import annotations

import pytest

from rag.digest import HEADING_UNIT, digest
from rag.parts import heading_chunk, heading_number, numeral_value, report_parts
from rag.sections import named_path
from rag.types import Chunk
from tests.paper import CONTEXT, PARTS
from tests.questions import packaged_lexicon, question_of

LEXICON = packaged_lexicon()


@pytest.mark.parametrize(
    ("heading", "number", "title"),
    [
        ("三、政策支持不断加强", (3,), "政策支持不断加强"),
        ("第三章 总论", (3,), "总论"),
        ("第12部分 附录", (12,), "附录"),
        ("（二）研究方法", (2,), "研究方法"),
        ("(4）监管空白", (4,), "监管空白"),
        ("第一，首台套保险逐渐发挥作用。", (1,), "首台套保险逐渐发挥作用。"),
        ("1以新技术为代表的快速革新", (1,), "以新技术为代表的快速革新"),
        ("5 我国发展建议", (5,), "我国发展建议"),
        ("3.2显示性比较优势指数", (3, 2), "显示性比较优势指数"),
        ("1.2.3 风险来源", (1, 2, 3), "风险来源"),
        ("②数据来源", (2,), "数据来源"),
        ("十一、其他", (11,), "其他"),
        ("引言", (), "引言"),
        ("2008年以来的变化", (), "2008年以来的变化"),
    ],
)
def test_a_heading_is_numbered_in_any_style(
    heading: str, number: tuple[int, ...], title: str
) -> None:
    assert heading_number(heading, LEXICON) == (number, title)


def test_chinese_numerals_read_up_to_ninety_nine() -> None:
    values = {n: numeral_value(n, LEXICON) for n in ("三", "十", "十二", "二十", "二十三", "3")}
    assert values == {"三": 3, "十": 10, "十二": 12, "二十": 20, "二十三": 23, "3": 3}
    assert numeral_value("百", LEXICON) is None and numeral_value("十二三", LEXICON) is None


def test_the_parts_of_a_report_come_from_its_section_paths_in_reading_order() -> None:
    headings = [p.heading for p in PARTS if p.depth == 1]
    assert headings == ["摘要", "引言", "1研究现状", "2评估方法与结果", "3结论与建议"]
    by_path = {p.path: p for p in PARTS}
    assert by_path[("3结论与建议", "3.2 完善管护机制")].number == (3, 2)
    assert by_path[("摘要",)].front and not by_path[("引言",)].front
    heading = heading_chunk(by_path[("2评估方法与结果", "2.2评估结果")])
    assert heading.text == "2.2评估结果" and heading.kind == "heading"
    assert heading.section_path == ("2评估方法与结果", "2.2评估结果") and heading.page_start == 3


@pytest.mark.parametrize(
    ("question", "path"),
    [
        ("第2部分 讲了 啥", ("2评估方法与结果",)),
        ("第三章 的 结论", ("3结论与建议",)),
        ("3.2节 讲了 什么", ("3结论与建议", "3.2 完善管护机制")),
        ("第3.1部分 有 哪几条", ("3结论与建议", "3.1 优化绿地布局")),
        ("研究现状那部分 梳理了 哪几方面", ("1研究现状",)),
        ("结论部分 总的来说 讲了 啥", ("3结论与建议",)),
        ("引言里 说了 什么", ("引言",)),
        ("第9部分 讲了 啥", ()),
        # After 「里」「中」 only a whole title names a part: 「方法中」 is not 「评估方法与结果」.
        ("这种 方法中 的 权重", ()),
        ("第二批 试点 是 哪年", ()),
    ],
)
def test_a_question_names_a_part_by_number_or_by_title(
    question: str, path: tuple[str, ...]
) -> None:
    assert named_path(question_of(question), PARTS) == path


def test_a_part_of_a_report_numbered_in_chinese_is_named_by_arabic_digits_too() -> None:
    chunks = [
        Chunk(f"c{n}", "正文。", "r.txt", "报告", path, 1, 1, n)
        for n, path in enumerate(
            [
                ("一、现状",),
                ("二、问题",),
                ("二、问题", "（一）资金不足"),
                ("二、问题", "（二）人才短缺"),
            ]
        )
    ]
    parts = report_parts(chunks, "r.txt", LEXICON)
    assert named_path(question_of("第2部分 讲了 啥"), parts) == ("二、问题",)
    assert named_path(question_of("2.2节 讲了 啥"), parts) == ("二、问题", "（二）人才短缺")


def _texts(units: list) -> list[str]:
    return [u.text for u in units]


def test_a_digest_is_the_lead_then_the_sub_headings_each_with_its_own_items() -> None:
    units = CONTEXT.corpus.units
    assert _texts(digest(units, PARTS, ("3结论与建议",), LEXICON)) == [
        "中心城区绿地的生态效益总体较高，但老城区明显偏低，新城区则普遍较好。",
        "提升的关键在于布局和管护。",
        "3.1 优化绿地布局",
        "（1）增建小微绿地。",
        "(2）提高绿地连通性。",
        "3.2 完善管护机制",
        "（1）建立绩效评价制度。",
        "(2）引导居民参与管护。",
    ]
    # A sub-heading is quoted from the first passage under it; items where they stand.
    heads = [u for u in digest(units, PARTS, ("3结论与建议",), LEXICON) if u.index == HEADING_UNIT]
    assert [(u.text, u.chunk.section_path[-1]) for u in heads] == [
        ("3.1 优化绿地布局", "3.1 优化绿地布局"),
        ("3.2 完善管护机制", "3.2 完善管护机制"),
    ]


def test_a_digest_reads_numbered_paragraphs_or_an_enumeration() -> None:
    units = CONTEXT.corpus.units
    assert _texts(digest(units, PARTS, ("1研究现状",), LEXICON)) == [
        "已有研究主要从以下三个方面展开，文献数量逐年增加。",
        "（1）对绿地生态效益的测算进行研究。",
        "(2）对不同城市的绿地进行比较。",
        "(3）探讨绿地效益的影响因素。",
    ]
    path = ("2评估方法与结果", "2.2评估结果")
    assert _texts(digest(units, PARTS, path, LEXICON, with_lead=False)) == [
        "一是生态效益总体较高。",
        "二是空间分布不均衡。",
    ]
    # A part with neither sub-headings nor items is its lead alone.
    assert _texts(digest(units, PARTS, ("引言",), LEXICON)) == [
        "改善城市人居环境是新型城镇化的重要任务。"
    ]
    assert digest(units, PARTS, ("引言",), LEXICON, with_lead=False) == []
