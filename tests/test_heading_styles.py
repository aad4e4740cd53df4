"""Headings of every common Chinese report style, front matter and true pages (issue 15).

All documents are invented here or in `tests/docgen.py`: TXT for the numbering styles,
PDF (reportlab) and DOCX (python-docx) for typography and pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.pages import PageMap
from ingest.chunk import chunk_report
from ingest.formats import load_report
from ingest.headings import LEVEL_CIRCLED, LEVEL_PAREN, decimal_level, match_heading
from ingest.outline import best_chain
from ingest.parse import parse_text
from rag.settings import ChunkSettings
from rag.types import ParsedReport
from tests import docgen


def _headings(report: ParsedReport) -> list[str]:
    return [b.text for b in report.blocks if b.kind == "heading"]


def _block(report: ParsedReport, needle: str):
    found = [b for b in report.blocks if needle in b.text and b.kind != "heading"]
    assert len(found) == 1, (needle, found)
    return found[0]


# ------------------------------------------------------------------ recognisers


@pytest.mark.parametrize(
    ("text", "level", "numbers"),
    [
        ("1研究区域与数据", decimal_level(1), (1,)),
        ("3 提升路径", decimal_level(1), (3,)),
        ("1.2数据来源", decimal_level(2), (1, 2)),
        ("2.1 指标体系", decimal_level(2), (2, 1)),
        ("4.3.1进一步完善管护制度", decimal_level(3), (4, 3, 1)),
        ("2.3“双碳”目标下的路径", decimal_level(2), (2, 3)),
    ],
)
def test_decimal_headings(text: str, level: int, numbers: tuple[int, ...]) -> None:
    heading = match_heading(text)
    assert heading is not None and heading.kind == "decimal"
    assert (heading.level, heading.numbers) == (level, numbers)


def test_paren_and_circled_headings() -> None:
    paren = match_heading("（2）社会指标")
    assert paren is not None and (paren.level, paren.number) == (LEVEL_PAREN, 2)
    assert match_heading("(3）半角括号") is not None
    circled = match_heading("③服务站的分布")
    assert circled is not None and (circled.level, circled.number) == (LEVEL_CIRCLED, 3)
    # levels nest: 1 > 1.1 > （1） > ①
    assert decimal_level(1) < decimal_level(2) < LEVEL_PAREN < LEVEL_CIRCLED


@pytest.mark.parametrize(
    "text",
    [
        "3数据来源：某市绿地普查资料",  # a footnote: label and value
        "4 资料来源：作者整理",
        "2.5 亿元",  # a quantity
        "12月召开了推进会",  # a date
        "20世纪末的城市规划",
        "2019年以来，研究区域新建口袋公园 42 处。",  # a year starting a sentence
        "1某某大学环境学院北京100000",  # an affiliation with its postcode
        "10.0000/example.2024",  # a DOI
        "12.0-绿地面积",  # chart residue
        "5 MW 光伏电站",  # a Latin unit
    ],
)
def test_lines_that_only_look_like_decimal_headings(text: str) -> None:
    assert match_heading(text) is None


def test_best_chain_keeps_the_outline_and_drops_strays() -> None:
    cands = [
        ((1,), 1.0),
        ((1, 1), 1.0),
        ((3, 1), 1.0),  # 3.1 before 3: a stray
        ((1, 2), 1.0),
        ((2,), 1.0),
        ((3,), 1.0),  # a footnote 「3 …」 before the real 3
        ((3,), 1.0),
        ((3, 1), 1.0),
        ((1,), 1.0),  # a formula line 「1 …」
        ((4,), 1.0),
    ]
    assert best_chain(cands) == [0, 1, 3, 4, 6, 7, 9]
    assert best_chain([((1,), 1.0)]) == []  # one line is no outline
    assert best_chain([((2,), 1.0), ((3,), 1.0)]) == []  # an outline starts at 1


# ------------------------------------------------------------ numbering styles (TXT)

CHINESE_STYLES = """\
社区治理年度观察

一、总体情况

今年社区治理总体平稳。

（一）组织建设

1. 党建引领

基层组织进一步健全。

（1）网格划分

全区划分网格三百个。

①专职网格员

每个网格配备一名专职网格员。

②兼职网格员

兼职网格员由志愿者担任。

（2）制度保障

出台了网格管理办法。

2. 队伍建设

社工队伍持续壮大。

（二）服务供给

服务项目更加丰富。

二、存在问题

一是资金来源单一。二是专业人才不足。

问题的根源在于投入机制。
"""


def test_chinese_numbering_nests() -> None:
    report = parse_text(CHINESE_STYLES, "styles.txt")
    assert report.meta.title == "社区治理年度观察"
    path = {b.text: b.section_path for b in report.blocks if b.kind != "heading"}
    assert path["全区划分网格三百个。"] == (
        "一、总体情况",
        "（一）组织建设",
        "1. 党建引领",
        "（1）网格划分",
    )
    assert path["每个网格配备一名专职网格员。"][-2:] == ("（1）网格划分", "①专职网格员")
    assert path["兼职网格员由志愿者担任。"][-1] == "②兼职网格员"
    assert path["出台了网格管理办法。"][-2:] == ("1. 党建引领", "（2）制度保障")
    assert path["社工队伍持续壮大。"] == ("一、总体情况", "（一）组织建设", "2. 队伍建设")
    assert path["服务项目更加丰富。"] == ("一、总体情况", "（二）服务供给")
    # 一是… is an item of its paragraph, not a section: the next paragraph is back
    assert path["一是资金来源单一。二是专业人才不足。"] == ("二、存在问题", "一是资金来源单一。")
    assert path["问题的根源在于投入机制。"] == ("二、存在问题",)


CHAPTERS = """\
区域协调发展研究

第一章 总论

第一节 研究背景

区域差距仍然较大。

一、东中西部差距

东部地区人均产出较高。

第二节 研究方法

采用面板数据模型。

第二章 对策

加大转移支付力度。
"""


def test_chapters_and_sections_nest() -> None:
    report = parse_text(CHAPTERS, "chapters.txt")
    path = {b.text: b.section_path for b in report.blocks if b.kind != "heading"}
    assert path["区域差距仍然较大。"] == ("第一章 总论", "第一节 研究背景")
    assert path["东部地区人均产出较高。"] == ("第一章 总论", "第一节 研究背景", "一、东中西部差距")
    assert path["采用面板数据模型。"] == ("第一章 总论", "第二节 研究方法")
    assert path["加大转移支付力度。"] == ("第二章 对策",)


def test_decimal_paper_as_text() -> None:
    report = parse_text(docgen.paper_text(), "paper.txt")
    assert report.meta.title == docgen.PAPER_TITLE  # the footnote mark * is stripped
    assert report.meta.authors == docgen.PAPER_AUTHORS
    assert _headings(report) == list(docgen.PAPER_HEADINGS)
    path = {b.text: b.section_path for b in report.blocks}
    # lines that only look like headings stay text of the section they sit in
    assert path["3数据来源：某市绿地普查资料"] == ("1研究区域与数据", "1.2数据来源")
    assert path["3.1 绿地斑块按面积分为三类"][:2] == ("2评估方法与结果", "2.1 指标体系")
    assert path["3 根据问卷调查结果整理"] == ("2评估方法与结果", "2.2评估结果")
    assert path["2.1\t30.2\t35.1%"] == ("1研究区域与数据", "1.2数据来源")  # a table cell
    assert _block(report, "2019年以来").section_path == ("1研究区域与数据", "1.1 研究区域概况")
    # front matter: title block, 摘要 (with 关键词 and DOI); the unheaded introduction
    assert _block(report, "摘要 城市绿地").section_path == ("摘要",)
    assert _block(report, "DOI 10.0000").section_path == ("摘要",)
    assert _block(report, "改善城市人居环境").section_path == ("引言",)


def test_form_feeds_page_a_text() -> None:
    text = "分页文本报告\n\n一、第一部分\n\n第一页的段落。\n\f二、第二部分\n\n第二页的段落。\n\f第三页的段落。\n"
    report = parse_text(text, "paged.txt")
    assert report.page_kind == "physical"
    pages = {b.text: (b.page_start, b.page_end) for b in report.blocks}
    assert pages["第一页的段落。"] == (1, 1)
    assert pages["二、第二部分"] == (2, 2)
    assert pages["第三页的段落。"] == (3, 3)
    assert pages["分页文本报告"] == (1, 1)  # front matter has its page too


def test_form_feed_inside_a_paragraph_gives_each_chunk_its_pages() -> None:
    first = "这一段在第一页开始，" + "内容较长的叙述，" * 12 + "直到页面底部仍未结束，"
    second = "在第二页继续写完。" + "后面还有一句完整的话。" * 3
    text = f"分页文本报告\n\n一、第一部分\n\n{first}\n\f{second}\n"
    report = parse_text(text, "paged.txt")
    block = _block(report, "这一段在第一页开始")
    assert block.text == first + second
    assert (block.page_start, block.page_end) == (1, 2)
    assert block.page_breaks == ((len(first), 2),)
    for size in (60, 200):
        chunks = chunk_report(report, ChunkSettings(max_chars=size))
        own = [c for c in chunks if c.section_path == ("一、第一部分",)]
        assert len(own) >= (2 if size == 60 else 1)
        for c in own:
            expected = (1, 1) if c.text in first else (2, 2) if c.text in second else (1, 2)
            assert (c.page_start, c.page_end) == expected, (size, c.text)


# -------------------------------------------------------------------- PDF and DOCX


@pytest.fixture(scope="module")
def paper_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[ParsedReport, docgen.PageLayout]:
    path = tmp_path_factory.mktemp("paper") / "paper.pdf"
    layout = docgen.make_paper_pdf(path)
    return load_report(path), layout


def test_pdf_paper_title_authors_and_headings(
    paper_pdf: tuple[ParsedReport, docgen.PageLayout],
) -> None:
    report, _ = paper_pdf
    assert report.meta.title == docgen.PAPER_TITLE
    assert report.meta.authors == docgen.PAPER_AUTHORS
    assert _headings(report) == list(docgen.PAPER_HEADINGS)
    # the small-print footnotes and the stray 3.1 are text, not sections
    for note in ("3数据来源", "3.1 绿地斑块", "3 根据问卷"):
        assert _block(report, note).kind == "paragraph"


def test_pdf_paper_front_matter_has_pages(
    paper_pdf: tuple[ParsedReport, docgen.PageLayout],
) -> None:
    report, _ = paper_pdf
    abstract = _block(report, "摘要")
    assert abstract.section_path == ("摘要",) and abstract.page_start == 1
    assert all(b.page_start is not None for b in report.blocks)
    chunks = chunk_report(report, ChunkSettings())
    front = [c for c in chunks if not c.section_path or c.section_path[0] == "摘要"]
    assert len(front) / len(chunks) <= 0.2
    assert all(c.page_label.startswith("第") for c in chunks)


def test_pdf_paper_every_chunk_cites_its_own_pages(
    paper_pdf: tuple[ParsedReport, docgen.PageLayout],
) -> None:
    report, layout = paper_pdf
    page_map = PageMap.build(layout.lines, layout.pages)
    chunks = chunk_report(report, ChunkSettings())
    verdicts = [page_map.citation_ok(c.text, c.page_start, c.page_end) for c in chunks]
    assert None not in verdicts  # every chunk is found in the text
    assert all(verdicts)
    # the paragraph cut by the page break is one block over pages 1–2, and its chunks
    # cite the page of their own sentences
    split = _block(report, docgen.PAPER_SPLIT[:20])
    assert (split.page_start, split.page_end) == (1, 2)
    own = [c for c in chunks if c.section_path == ("1研究区域与数据",)]
    assert len(own) >= 2
    assert (own[0].page_start, own[0].page_end) == (1, 2)
    assert (own[-1].page_start, own[-1].page_end) == (2, 2)  # not 1–2 like its paragraph


def test_docx_paper_headings_by_numbering_and_type(tmp_path: Path) -> None:
    report = load_report(docgen.make_paper_docx(tmp_path / "paper.docx"))
    assert report.meta.title == docgen.PAPER_TITLE
    assert _headings(report) == list(docgen.PAPER_HEADINGS)
    assert _block(report, "3 根据问卷").section_path == ("2评估方法与结果", "2.2评估结果")


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_unnumbered_headings_from_type(tmp_path: Path, fmt: str) -> None:
    if fmt == "pdf":
        path = tmp_path / "plain.pdf"
        docgen.make_paper_pdf(path, docgen.PLAIN, split_at=-1)
    else:
        path = docgen.make_paper_docx(tmp_path / "plain.docx", docgen.PLAIN)
    report = load_report(path)
    assert report.meta.title == "社区养老服务调查报告"
    assert _headings(report) == list(docgen.PLAIN_HEADINGS)
    path_of = {b.text: b.section_path for b in report.blocks if b.kind != "heading"}
    assert path_of["数据说明"] == ("研究背景",)  # body size, not bold: text
    assert path_of["助餐和日间照料是需求最集中的服务，专业护理人员普遍短缺。"] == ("主要发现",)


def test_a_chunk_over_a_page_break_cites_each_quote_on_its_own_page() -> None:
    from rag.records import chunk_from_record, chunk_to_metadata
    from rag.types import AnswerSentence, Retrieved
    from rag.verify import verify_answer
    from tests.questions import packaged_lexicon

    first = "这一段在第一页开始，说到甲方案的保费为120万元。"
    second = "第二页的段落说乙方案的保费为80万元。"
    text = f"分页文本报告\n\n一、第一部分\n\n{first}\n\f{second}\n"
    report = parse_text(text, "paged.txt")
    [chunk] = [c for c in chunk_report(report, ChunkSettings()) if c.section_path]
    assert (chunk.page_start, chunk.page_end) == (1, 2)
    at = chunk.text.index(second)
    assert chunk.page_breaks == ((at, 2),)
    assert chunk.pages_of(at, len(chunk.text)) == (2, 2)
    assert chunk.pages_of(0, len(first)) == (1, 1)
    stored = chunk_from_record(chunk.id, chunk.text, chunk_to_metadata(chunk))
    assert stored.page_breaks == chunk.page_breaks
    verified = verify_answer(
        [AnswerSentence("乙方案的保费为80万元。", (1,))],
        {1: Retrieved(stored, 1.0, 1)},
        packaged_lexicon(),
    )
    [citation] = verified.citations
    assert (citation.page_start, citation.page_end) == (2, 2)
    # A quote of the section's heading cites the page the chunk starts on.
    heading = verify_answer(
        [AnswerSentence("一、第一部分", (1,))], {1: Retrieved(stored, 1.0, 1)}, packaged_lexicon()
    )
    assert [(c.quote, c.page_start, c.page_end) for c in heading.citations] == [
        ("一、第一部分", 1, 1)
    ]
