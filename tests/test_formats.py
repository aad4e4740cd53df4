"""PDF / DOCX / Markdown / HTML loading: pages, sections, tables, chrome stripping, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.formats import FormatError, join_wrapped, load_report
from ingest.readers import ReadError
from rag.types import Block, ParsedReport
from tests import docgen


def _find(report: ParsedReport, needle: str, kind: str | None = None) -> Block:
    hits = [b for b in report.blocks if needle in b.text and (kind is None or b.kind == kind)]
    assert hits, f"no block contains {needle!r}"
    return hits[0]


def _all_text(report: ParsedReport) -> str:
    return "\n".join(b.text for b in report.blocks)


# --------------------------------------------------------------------------- simple PDF


@pytest.fixture(scope="module")
def simple_pdf(tmp_path_factory: pytest.TempPathFactory) -> ParsedReport:
    path = docgen.make_simple_pdf(tmp_path_factory.mktemp("pdf") / "simple.pdf")
    return load_report(path)


def test_pdf_pages_and_sections(simple_pdf: ParsedReport) -> None:
    assert simple_pdf.page_kind == "physical"
    b = _find(simple_pdf, "苏州高新区为三十五家科技企业")
    assert (b.page_start, b.section_path[0]) == (1, "一、总体情况")
    b = _find(simple_pdf, "首台（套）重大技术装备保险补偿机制")
    assert (b.page_start, b.section_path[0]) == (2, "二、主要进展")
    b = _find(simple_pdf, "第三页末段总结")
    assert (b.page_start, b.section_path[0]) == (3, "三、典型案例")
    assert simple_pdf.meta.title == "测试研究院年度报告"
    assert simple_pdf.meta.authors == ("张三",)


def test_pdf_running_header_and_page_numbers_stripped(simple_pdf: ParsedReport) -> None:
    text = _all_text(simple_pdf)
    assert "测试研究院" not in text
    assert "第 2 页" not in text
    assert not any(b.text.strip() in {"- 1 -", "3", "1", "2"} for b in simple_pdf.blocks)


def test_pdf_wrapped_lines_joined_without_spaces(simple_pdf: ParsedReport) -> None:
    b = _find(simple_pdf, "本报告第一页介绍总体情况")
    assert "发展科技保险既需要发挥市场机制的作用" in b.text  # crosses a line wrap
    assert b.text.endswith("积极推进政策性科技保险试点工作。")


def test_pdf_sentence_split_across_pages_joined(simple_pdf: ParsedReport) -> None:
    b = _find(simple_pdf, "这是一句故意跨越页面边界的句子")
    assert b.text == docgen.SIMPLE_SPLIT_SENTENCE
    assert (b.page_start, b.page_end) == (2, 3)


def test_pdf_table_rows_kept_as_rows(simple_pdf: ParsedReport) -> None:
    rows = [b for b in simple_pdf.blocks if b.kind == "table_row"]
    assert [r.text for r in rows] == ["\t".join(r) for r in docgen.SIMPLE_TABLE[1:]]
    assert rows[0].table_header == "\t".join(docgen.SIMPLE_TABLE[0])
    assert all(r.page_start == 3 for r in rows)
    # the table's text is not repeated as a paragraph
    assert not any("218 亿元" in b.text for b in simple_pdf.blocks if b.kind != "table_row")


def test_pdf_page_labels_used(tmp_path: Path) -> None:
    report = load_report(docgen.make_labeled_pdf(tmp_path / "labels.pdf"))
    assert report.page_kind == "label"
    assert _find(report, "摘要页位于罗马数字").page_start is None  # printed "ii"
    assert _find(report, "正文第一页的内容").page_start == 1  # physical page 3
    assert _find(report, "引用应当使用印刷页码").page_start == 2
    assert _find(report, "最后一页").page_start == 3


# --------------------------------------------------------------------------- report PDF


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory: pytest.TempPathFactory) -> ParsedReport:
    path = docgen.make_report_pdf(tmp_path_factory.mktemp("report") / "report.pdf")
    return load_report(path)


# The TXT version's pages per top-level section.
TXT_PAGES = {"一": (1, 2), "二": (3, 3), "三": (4, 6), "四": (7, 7)}


@pytest.mark.parametrize(
    ("needle", "section", "kind"),
    [
        ("早在 2015 年，财政部、工信部、原保监会启动了", "三", "paragraph"),
        ("苏州高新区经发委依托“科惠保”", "三", "paragraph"),
        ("关于加强科技型企业全生命周期金融服务的通知", "一", "table_row"),
        ("中共中央\t2024 年 7 月", "一", "table_row"),
        ("有力支持重点领域和关键“卡脖子”项目", "二", "paragraph"),
        ("商业性科技保险发展有望提速。在政策大力支持下", "四", "paragraph"),
        ("如何书写好“科技金融大文章”", "一", "paragraph"),
    ],
)
def test_report_pdf_section_and_page(
    report_pdf: ParsedReport, needle: str, section: str, kind: str
) -> None:
    b = _find(report_pdf, needle, kind)
    if section == "一" and b.section_path[:1] == ("引言",):
        pass  # the intro before 一、 sits on page 1 too; parse_lines names it 引言
    else:
        assert b.section_path[0].startswith(section + "、"), b.section_path
    lo, hi = TXT_PAGES[section]
    assert b.page_start is not None and lo <= b.page_start <= hi
    assert b.page_end is not None and lo <= b.page_end <= hi


def test_report_pdf_structure(report_pdf: ParsedReport) -> None:
    assert report_pdf.page_kind == "label"
    assert report_pdf.toc[0].heading == "一、对科技保险的政策支持不断加强"
    assert [e.page for e in report_pdf.toc] == [1, 3, 4, 7]
    headings = [b.text for b in report_pdf.blocks if b.kind == "heading"]
    # TOC lines with dot leaders are not headings
    assert not any("...." in h for h in headings)
    assert headings.count("三、政策性科技保险取得新进展") == 1
    # front matter (pages i–iv) has no page
    assert _find(report_pdf, "党的二十届四中全会通过").page_start is None
    text = _all_text(report_pdf)
    assert "NIFD季报 保险业运行\n" not in text and "- 3 -" not in text


def test_report_pdf_paragraphs_match_txt(report_pdf: ParsedReport) -> None:
    """Every body paragraph of the TXT comes back verbatim from the PDF."""
    _, _, intro, sections = docgen._report_parts()
    paras = list(intro) + [v for s in sections for k, v in s.items if k == "para"]
    texts = _all_text(report_pdf)
    missing = [p[:30] for p in paras if p not in texts]
    assert not missing
    # a paragraph cut by a page break is one block spanning both pages
    assert any(b.page_end != b.page_start for b in report_pdf.blocks if b.kind == "paragraph")


# --------------------------------------------------------------------------- DOCX / MD / HTML


def test_docx_headings_table_and_meta(tmp_path: Path) -> None:
    report = load_report(docgen.make_docx(tmp_path / "a.docx"))
    assert report.meta.title == "科技保险测试报告"
    assert report.meta.authors == ("阎建军", "邱剑")
    b = _find(report, "苏州高新区经发委")
    assert b.section_path == ("一、政策支持不断加强", "（一）地方试点")
    assert b.page_start is None
    rows = [b for b in report.blocks if b.kind == "table_row"]
    assert [r.text for r in rows] == ["\t".join(r) for r in docgen.SIMPLE_TABLE[1:]]
    assert rows[0].section_path == ("二、产品体系基本成形",)


def test_docx_explicit_page_breaks_give_pages(tmp_path: Path) -> None:
    report = load_report(docgen.make_docx(tmp_path / "b.docx", page_breaks=True))
    assert report.page_kind == "physical"
    assert _find(report, "苏州高新区经发委").page_start == 1
    assert _find(report, "北京\t26 家", "table_row").page_start == 2


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_markup_headings_table_and_script(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"doc{suffix}"
    path.write_text(docgen.MARKDOWN_DOC if suffix == ".md" else docgen.HTML_DOC, "utf-8")
    report = load_report(path)
    assert report.meta.title == "科技保险测试报告"
    text = _all_text(report)
    assert "不应出现" not in text  # <script>, <style>, <nav>, <footer>
    b = _find(report, "科技保险是科技金融的重要组成部分")
    assert b.section_path == ("一、政策支持不断加强",)
    # a source line break inside a Chinese paragraph is not a space
    assert "重要组成部分，发展科技保险" in b.text
    assert _find(report, "中试保险").section_path == ("一、政策支持不断加强",)
    rows = [b for b in report.blocks if b.kind == "table_row"]
    assert [r.text for r in rows] == ["\t".join(r) for r in docgen.SIMPLE_TABLE[1:]]
    assert all(r.section_path == ("二、产品体系基本成形",) for r in rows)
    assert all(b.page_start is None for b in report.blocks)
    if suffix == ".html":
        assert report.meta.authors == ("阎建军", "邱剑")
        assert report.meta.date == "2026-03-01"


# --------------------------------------------------------------------------- dispatch / errors


def test_txt_dispatch() -> None:
    report = load_report(docgen.REPORT_TXT)
    assert _find(report, "苏州高新区经发委").section_path[0] == "三、政策性科技保险取得新进展"


def test_unknown_suffix_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(ReadError, match="不支持的文件格式"):
        load_report(path)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.pdf", b""),
        ("corrupt.pdf", b"%PDF-1.4\nthis is not really a pdf\n%%EOF"),
        ("empty.docx", b""),
        ("corrupt.docx", b"PK\x03\x04 not a zip at all"),
    ],
)
def test_empty_or_corrupt_files_are_read_errors(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(FormatError) as info:
        load_report(path)
    assert isinstance(info.value, ReadError)
    assert info.value.message_zh  # a Chinese message, not a traceback
    assert "Traceback" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="文件不存在"):
        load_report(tmp_path / "nope.pdf")


def test_join_wrapped() -> None:
    assert join_wrapped(["科技保险是", "科技金融"]) == "科技保险是科技金融"
    assert join_wrapped(["National", "Institution"]) == "National Institution"
    assert join_wrapped(["早在 2015", "年，财政部"], mixed_space=True) == "早在 2015 年，财政部"
    assert join_wrapped(["早在2015", "年"]) == "早在2015年"
