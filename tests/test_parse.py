"""Structure parsing: headings recognisers, the real report, and synthetic reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.headings import (
    LEVEL_CHAPTER,
    LEVEL_ITEM,
    LEVEL_POINT,
    LEVEL_SECTION,
    LEVEL_SUB,
    LEVEL_TOP,
    cn_number,
    is_toc_line,
    lead_clause,
    match_back_matter,
    match_caption,
    match_heading,
    match_point,
    match_toc_entry,
)
from ingest.parse import (
    Line,
    join_page_breaks,
    joined_text,
    load_sidecar,
    parse_lines,
    parse_text,
    text_to_lines,
)
from ingest.readers import ReadError, read_text
from rag.types import ParsedReport, ReportMeta, TocEntry

REPORT = Path(__file__).resolve().parents[1] / "corpus" / "nifd_2025_tech_insurance_report.txt"
SOURCE = REPORT.name
S1 = "一、对科技保险的政策支持不断加强"
S2 = "二、有中国特色科技保险产品体系基本成形"
S3 = "三、政策性科技保险取得新进展"
S4 = "四、总结和展望"


@pytest.fixture(scope="module")
def raw() -> str:
    return read_text(REPORT)


@pytest.fixture(scope="module")
def report(raw: str) -> ParsedReport:
    return parse_text(raw, SOURCE)


def block_with(report: ParsedReport, needle: str):
    found = [b for b in report.blocks if needle in b.text and b.kind != "heading"]
    assert len(found) == 1, (needle, found)
    return found[0]


# ------------------------------------------------------------------ headings


@pytest.mark.parametrize(
    ("text", "level", "label", "number"),
    [
        ("一、对科技保险的政策支持不断加强", LEVEL_TOP, "一、", 1),
        ("十二、附表说明", LEVEL_TOP, "十二、", 12),
        ("（三）中试保险", LEVEL_SUB, "（三）", 3),
        ("(二) 半角括号", LEVEL_SUB, "（二）", 2),
        ("1. 研发阶段", LEVEL_ITEM, "1.", 1),
        ("2、成果转化", LEVEL_ITEM, "2.", 2),
        ("第三章 科技保险的发展", LEVEL_CHAPTER, "第三章", 3),
        ("第二节 政策演进", LEVEL_SECTION, "第二节", 2),
        ("第十一章", LEVEL_CHAPTER, "第十一章", 11),
    ],
)
def test_match_heading_levels(text: str, level: int, label: str, number: int) -> None:
    heading = match_heading(text)
    assert heading is not None
    assert (heading.level, heading.label, heading.number, heading.text) == (
        level,
        label,
        number,
        text,
    )


@pytest.mark.parametrize(
    "text",
    [
        "一、对科技保险的政策支持不断加强\t1",  # TOC with a tab
        "一、对科技保险的政策支持不断加强……………1",  # TOC with dot leaders
        "（二）中试保险 .......... 12",
        "第一章 总论 ·········· 3",
        "一、保障范围\t\t\t\t",  # a grid cell row, not a section
        "1.4 亿元的融资余额已经实现，户均额度超过 500 万元。",  # a decimal, not "1."
        "2025 年，政策性科技保险取得新进展。",  # a year, not "20."
        "一、二级市场联动明显，保险资金持续入市，投资收益率回升，带动保险业利润增长。",  # sentence
        "第一，首台（套）重大技术装备保险补偿机制逐渐发挥重要作用。",  # a point, not a heading
        "表 1 近年来对科技保险的重大支持政策",  # a caption
        "",
    ],
)
def test_match_heading_rejects(text: str) -> None:
    assert match_heading(text) is None


def test_toc_entries() -> None:
    assert match_toc_entry("一、对科技保险的政策支持不断加强\t1") == TocEntry(
        "一、对科技保险的政策支持不断加强", 1
    )
    assert match_toc_entry("三、政策性科技保险取得新进展……………4") == TocEntry(
        "三、政策性科技保险取得新进展", 4
    )
    assert match_toc_entry("（一）首台（套）保险 ........ 12") == TocEntry(
        "（一）首台（套）保险", 12
    )
    assert match_toc_entry("第二章 政策演进 5") == TocEntry("第二章 政策演进", 5)
    assert match_toc_entry("引言\t1") == TocEntry("引言", 1)
    # A space before a number is a TOC entry only for numbered headings.
    assert match_toc_entry("保费收入增长 5") is None
    assert match_toc_entry("贷款平均利率不超过 2.5") is None
    assert is_toc_line("四、总结和展望\t7")
    assert not is_toc_line("四、总结和展望")


def test_points_and_lead_clause() -> None:
    point = match_point("第二，大力发展中试保险，支持科技成果加速产业化转化。中试是实验室……")
    assert point is not None
    assert (point.level, point.label, point.number) == (LEVEL_POINT, "第二，", 2)
    assert point.text == "第二，大力发展中试保险，支持科技成果加速产业化转化。"
    shi = match_point("三是服务各类科研主体，提供差异化产品。面向高新技术企业……")
    assert shi is not None
    assert (shi.label, shi.number, shi.text) == (
        "三是",
        3,
        "三是服务各类科研主体，提供差异化产品。",
    )
    assert match_point("第一章 总论") is None
    assert match_point("一、总论") is None
    long = "第一，" + "很长的一句话" * 5 + "，其后还有更长的说明" * 3 + "。"
    label = lead_clause(long)
    assert len(label) <= 41 and label.endswith("…") and label.startswith("第一，")


def test_captions_and_back_matter() -> None:
    table = match_caption("表 1 近年来对科技保险的重大支持政策")
    assert table is not None and (table.kind, table.label, table.number) == ("table", "表 1", 1)
    figure = match_caption("图2-3 科技保险保费规模")
    assert figure is not None and (figure.kind, figure.label) == ("figure", "图 2-3")
    assert match_caption("表1显示，保费规模持续增长。") is None
    assert match_caption("表示支持") is None
    assert match_back_matter("致谢:") == "致谢"
    assert match_back_matter("致 谢") == "致谢"
    assert match_back_matter("版权公告：【NIFD 季报】为……所有") == "版权公告"
    assert match_back_matter("参考文献") == "参考文献"
    assert match_back_matter("感谢各单位的支持。") is None


def test_cn_number() -> None:
    assert [cn_number(s) for s in ("一", "十", "十一", "二十", "二十三", "九十九", "百", "7")] == [
        1,
        10,
        11,
        20,
        23,
        99,
        100,
        7,
    ]
    assert cn_number("甲") is None


# --------------------------------------------------------------- real report


def test_metadata(report: ParsedReport) -> None:
    meta = report.meta
    assert meta.title == "2025 科技保险发展分析报告"
    assert meta.series == "NIFD季报·保险业运行"
    assert meta.publisher == "国家金融与发展实验室"
    assert meta.authors == ("阎建军", "邱剑")
    assert meta.date == "2026年3月"
    assert meta.source == SOURCE


def test_sidecar_overrides(raw: str, tmp_path: Path) -> None:
    report_path = tmp_path / "r.txt"
    report_path.write_text(raw, encoding="utf-8")
    sidecar_path = tmp_path / "r.txt.meta.json"
    assert load_sidecar(report_path) is None
    sidecar_path.write_text(
        json.dumps({"title": "覆盖标题", "authors": "甲某、乙某", "date": "2026-03"}),
        encoding="utf-8",
    )
    sidecar = load_sidecar(report_path)
    assert sidecar is not None
    meta = parse_text(raw, "r.txt", sidecar).meta
    assert (meta.title, meta.authors, meta.date) == ("覆盖标题", ("甲某", "乙某"), "2026-03")
    assert meta.publisher == "国家金融与发展实验室"  # not in the sidecar: parsed
    sidecar_path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReadError):
        load_sidecar(report_path)


def test_toc_pages(report: ParsedReport) -> None:
    assert [(e.heading, e.page) for e in report.toc] == [(S1, 1), (S2, 3), (S3, 4), (S4, 7)]
    assert report.page_kind == "toc"


def test_section_tree_and_pages(report: ParsedReport) -> None:
    headings = [b for b in report.blocks if b.kind == "heading" and len(b.section_path) == 1]
    top = [(b.text, b.page_start, b.page_end) for b in headings if b.text[0] in "一二三四"]
    assert top == [(S1, 1, 2), (S2, 3, 3), (S3, 4, 6), (S4, 7, 7)]
    firsts = [b.section_path[0] if b.section_path else "" for b in report.blocks]
    order = list(dict.fromkeys(firsts))
    assert order == ["", "摘要", "作者", "目录", "引言", S1, S2, S3, S4, "致谢", "版权公告"]
    # Front matter: no page; the cover/blurb have the empty path.
    front = [b for b in report.blocks if b.kind == "front_matter"]
    assert front and all(b.page_start is None and b.page_end is None for b in front)
    assert block_with(report, "旨在定期、系统、全面跟踪").section_path == ()
    intro = block_with(report, "如何书写好“科技金融大文章”")
    assert (intro.section_path, intro.page_start, intro.page_end) == (("引言",), 1, 1)
    thanks = block_with(report, "宋平凡教授")
    assert (thanks.section_path, thanks.page_start, thanks.page_end) == (("致谢",), 7, 7)
    copyright_ = block_with(report, "未经版权所有人许可")
    assert copyright_.section_path == ("版权公告",) and copyright_.page_start == 7
    # positions are reading order
    assert [b.position for b in report.blocks] == list(range(len(report.blocks)))


def test_front_matter_blocks(report: ParsedReport) -> None:
    abstract = [b for b in report.blocks if b.section_path == ("摘要",) and b.kind != "heading"]
    assert len(abstract) == 4
    assert abstract[0].text.startswith("党的二十届四中全会通过的")
    authors = block_with(report, "本报告执笔人")
    assert authors.section_path == ("作者",)
    assert "本报告负责人：阎建军" in authors.text and "● 邱剑" in authors.text
    toc_block = [b for b in report.blocks if b.section_path == ("目录",)]
    assert len(toc_block) == 1 and "四、总结和展望\t7" in toc_block[0].text


def test_known_sentences(report: ParsedReport) -> None:
    s2015 = block_with(report, "早在 2015 年")
    assert s2015.section_path == (S3, "第一，首台（套）重大技术装备保险补偿机制逐渐发挥重要作用。")
    assert (s2015.page_start, s2015.page_end) == (4, 6)
    suzhou = block_with(report, "苏州高新区")
    assert suzhou.section_path == (S3, "第三，积极发展普惠型科技保险，助力服务中小企业科技创新。")
    pilot = block_with(report, "中试项目费用损失保险")
    assert pilot.section_path == (S3, "第二，大力发展中试保险，支持科技成果加速产业化转化。")
    bank = block_with(report, "银保科技 e 贷")
    assert bank.section_path == (S3, "第四，探索科技金融协同机制，完善科技保险发展业态。")
    outlook = block_with(report, "商业性科技保险发展有望提速。在政策大力支持下")
    assert (outlook.section_path, outlook.page_start) == ((S4,), 7)
    # 一是 points cover their own paragraph; the closing paragraph is back at section level.
    one = block_with(report, "一是围绕科技创新的主要阶段")
    assert one.section_path == (S2, "一是围绕科技创新的主要阶段形成全周期保障体系。")
    closing = block_with(report, "一揽子综合风险管理方案")
    assert closing.section_path == (S2,)
    # no section path element is a grid category
    assert not any("保障范围" in part for b in report.blocks for part in b.section_path)


def test_page_break_joins(report: ParsedReport, raw: str) -> None:
    for joined in (
        "加快科技创新成果的市场推广，在推动高水平科技自立自强中发挥重要作用。",
        "我国政策性科技保险调动了市场、政府、社会各方资源",
        "主要提供专利执行保险、专利被侵权损失保险、知识产权质押保证保险等产品",
    ):
        block = block_with(report, joined)
        assert block.kind == "paragraph"
    # the fragments are not left behind as blocks of their own
    assert not any(
        b.text.startswith(("推动高水平", "动了市场", "专利被侵权损失保险、知识"))
        for b in report.blocks
    )
    text = joined_text(raw)
    assert "在推动高水平" in text and "调动了市场" in text and "专利执行保险、专利被侵权" in text


def test_table1_rows(report: ParsedReport) -> None:
    rows = [b for b in report.blocks if b.table_caption.startswith("表 1")]
    assert len(rows) == 12
    for row in rows:
        assert row.kind == "table_row"
        assert row.table_caption == "表 1 近年来对科技保险的重大支持政策"
        assert row.table_header == "发文单位\t发文时间\t文件名称\t主要内容"
        assert row.section_path == (S1,)
        assert (row.page_start, row.page_end) == (1, 2)
        assert len(row.text.split("\t")) == 4
    assert rows[0].text.startswith("金融监管总局\t2024 年 1 月\t关于加强科技型企业全生命周期")
    assert rows[-1].text.startswith(
        "科技部、金融监管总局、工业和信息化部、国家知识产权局\t2026 年 2 月"
    )


def test_product_grid(report: ParsedReport) -> None:
    grid = [b for b in report.blocks if b.kind == "table_row" and not b.table_caption]
    assert len(grid) == 16
    assert all(b.section_path == (S2,) and b.page_start == 3 for b in grid)
    protection = [b for b in grid if "知识产权执行保险" in b.text]
    assert len(protection) == 1
    assert protection[0].table_header.startswith("二、生命周期 科技研发阶段")
    assert "科技成果保护阶段" in protection[0].table_header
    services = [b for b in grid if b.text.startswith("风险保障")]
    assert services[0].table_header == "五、服务内容"
    # category lines are headers, not rows
    assert not any(b.text.startswith(("一、保障范围", "二、生命周期")) for b in grid)


# ----------------------------------------------------------- synthetic reports

SYNTHETIC = """\
某某研究院
金融观察月报

张三
李四

2024年12月

绿色保险发展研究报告

摘要

本报告分析绿色保险的发展。

执笔人：张三、李四

目 录

一、发展现状 ........ 2
二、政策建议 ........ 5

这是引言部分，说明研究背景。

一、发展现状

（一）市场规模

绿色保险保费持续增长，覆盖面不断扩大，产品

日益丰富。

表 2 绿色保险主要产品
产品\t保障内容
环境污染责任险\t第三者环境损害
1. 巨灾保险\t自然灾害损失

（二）存在问题

一是产品同质化。二是定价能力不足。

二、政策建议

第一，完善激励政策。加大财政支持。

第二，强化数据共享。

参考文献

[1] 某某. 绿色金融研究[J]. 2023.
"""


def test_synthetic_report_structure() -> None:
    report = parse_text(SYNTHETIC, "green.txt")
    meta = report.meta
    assert meta.title == "绿色保险发展研究报告"
    assert meta.series == "金融观察月报"
    assert meta.publisher == "某某研究院"
    assert meta.authors == ("张三", "李四")
    assert meta.date == "2024年12月"
    assert [(e.heading, e.page) for e in report.toc] == [("一、发展现状", 2), ("二、政策建议", 5)]
    by_text = {b.text: b for b in report.blocks}
    assert by_text["这是引言部分，说明研究背景。"].section_path == ("引言",)
    joined = by_text["绿色保险保费持续增长，覆盖面不断扩大，产品日益丰富。"]
    assert joined.section_path == ("一、发展现状", "（一）市场规模")
    assert (joined.page_start, joined.page_end) == (2, 4)
    row = by_text["1. 巨灾保险\t自然灾害损失"]  # "1." inside a table is a cell
    assert row.kind == "table_row" and row.table_header == "产品\t保障内容"
    assert row.table_caption == "表 2 绿色保险主要产品"
    problem = by_text["一是产品同质化。二是定价能力不足。"]
    assert problem.section_path == ("一、发展现状", "（二）存在问题", "一是产品同质化。")
    second = by_text["第二，强化数据共享。"]
    assert second.section_path == ("二、政策建议", "第二，强化数据共享。")
    assert (second.page_start, second.page_end) == (5, 5)
    ref = by_text["[1] 某某. 绿色金融研究[J]. 2023."]
    assert ref.section_path == ("参考文献",) and ref.page_start == 5


def test_no_toc_sequential_numbering() -> None:
    text = "报告标题\n\n一、第一部分\n\n正文一。\n\n一、不是新节\n\n二、第二部分\n\n正文二。\n"
    report = parse_text(text, "plain.txt")
    assert report.toc == ()
    paths = {b.text: b.section_path for b in report.blocks}
    assert paths["正文一。"] == ("一、第一部分",)
    assert paths["一、不是新节"] == ("一、第一部分",)  # out of sequence: a paragraph
    assert paths["正文二。"] == ("二、第二部分",)


def test_parse_lines_with_pdf_pages_and_markup() -> None:
    lines = [
        Line("测试报告", page=None, heading_level=1),
        Line("一、背景", page=1, heading_level=2),
        Line("第一段落的内容很长，并且在页面底部被截断，因而没有句号，需要与下一页", page=1),
        Line("的内容合并成一个段落。", page=2),
        Line("二、结论", page=3, heading_level=2),
        Line("结论段落。", page=3),
        Line("列1\t列2", page=3, is_table_row=True),
        Line("值1\t值2", page=3, is_table_row=True),
    ]
    report = parse_lines(lines, "x.pdf", ReportMeta(title="测试报告", source="x.pdf"))
    assert report.page_kind == "physical"
    assert report.meta.title == "测试报告"
    merged = [b for b in report.blocks if b.text.startswith("第一段落")]
    assert len(merged) == 1
    assert merged[0].text.endswith("需要与下一页的内容合并成一个段落。")
    assert (merged[0].section_path, merged[0].page_start, merged[0].page_end) == (
        ("一、背景",),
        1,
        2,
    )
    row = [b for b in report.blocks if b.kind == "table_row"]
    assert [(r.text, r.table_header, r.page_start) for r in row] == [("值1\t值2", "列1\t列2", 3)]
    assert all("测试报告" not in b.section_path for b in report.blocks)


def test_join_rules_are_general() -> None:
    lines = text_to_lines(
        "很长的英文 line that is cut at the page end, and continues with\n\nmore words here.\n\n"
        "短标题\n\n下一段。\n\n第一段没有句号，但下一行是要点标题，因而不应合并在一起\n\n第一，要点。\n"
    )
    texts = [ln.text for ln in join_page_breaks(lines)]
    assert (
        "很长的英文 line that is cut at the page end, and continues with more words here." in texts
    )
    assert "短标题" in texts and "下一段。" in texts
    assert "第一，要点。" in texts


def _joined_texts(lines: list[Line]) -> list[str]:
    return [ln.text for ln in join_page_breaks(lines, across_pages_only=True)]


def test_a_sentence_a_pdf_cuts_with_a_table_is_joined_across_it() -> None:
    lines = [
        Line("近年来，该国积极推动新能源利用。2021年3月5日该国共和国总", page=2),
        Line("表2该国能源构成", page=2),
        Line("Tab.2 Energy mix", page=2),
        Line("类型\t产能", page=2, is_table_row=True),
        Line("风能\t12.5", page=2, is_table_row=True),
        Line("注：资料来源于该国能源部。", page=2),
        Line("图2该国发电情况", page=2),
        Line("Fig.2 Power generation", page=2),
        Line("统签发108号令，计划到2030年新能源占比达到30%。", page=2),
        Line("下一段的内容。", page=3),
    ]
    texts = _joined_texts(lines)
    assert texts[0] == (
        "近年来，该国积极推动新能源利用。2021年3月5日该国共和国总统签发108号令，计划到2030年"
        "新能源占比达到30%。"
    )
    # The table, its captions and its note follow the sentence, in their order.
    assert texts[1:8] == [line.text for line in lines[1:8]]
    assert texts[8] == "下一段的内容。"


def test_a_sentence_joined_across_a_table_and_a_page_break_records_the_page() -> None:
    # The joined paragraph records where page 7 starts, so a quote of its second half
    # cites page 7 alone.
    paged = [
        Line("近年来，该国积极推动新能源利用，计划在多个州建设大型光伏", page=6),
        Line("表6项目清单", page=7),
        Line("电站，总规模达到五吉瓦。", page=7),
    ]
    [joined, caption] = join_page_breaks(paged, across_pages_only=True)
    assert joined.text.endswith("大型光伏电站，总规模达到五吉瓦。")
    assert (joined.page_start, joined.page_end) == (6, 7)
    assert joined.page_breaks == ((len(paged[0].text), 7),)
    assert caption.text == "表6项目清单"


def test_a_table_note_or_a_charts_residue_is_not_joined_across_a_table() -> None:
    residue = [
        Line("两家公司联手推出重磅成果（表3）。）日艹两", page=4),
        Line("表3合作情况", page=4),
        Line("公司\t伙伴", page=4, is_table_row=True),
        Line("国内相关企业有几十家，多处于产业链中游。", page=4),
    ]
    assert "国内相关企业有几十家，多处于产业链中游。" in _joined_texts(residue)
    note = [
        Line("资料来源：根据统计网站数据计算整理", page=5),
        Line("表4指数", page=5),
        Line("此外，部分产业的竞争力上升。", page=5),
    ]
    assert "此外，部分产业的竞争力上升。" in _joined_texts(note)
