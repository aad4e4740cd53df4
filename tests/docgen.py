"""Test-document generators: PDFs (reportlab, STSong-Light), DOCX, Markdown and HTML.

Every generator writes into a caller-chosen path (a pytest `tmp_path`), so tests never
depend on binary fixtures in the repository. `make_report_pdf` is also used by the
end-to-end citation test: it lays the real report out on pages that follow its table of
contents (一 p1–2, 二 p3, 三 p4–6, 四 p7) with front matter on pages labelled i–iv.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
REPORT_TXT = REPO / "corpus" / "nifd_2025_tech_insurance_report.txt"
FONT = "STSong-Light"

# Known content of the simple multi-page PDF, shared with the tests.
SIMPLE_HEADER = "测试研究院 · 2025 年度报告"
SIMPLE_SECTIONS = ("一、总体情况", "二、主要进展", "三、典型案例")
SIMPLE_SPLIT_SENTENCE = (
    "这是一句故意跨越页面边界的句子，它的前半部分位于第二页的底部，"
    "后半部分位于第三页的顶部，解析后应当合并为完整的一句话。"
)
SIMPLE_TABLE = (
    ("地区", "企业数量", "保障金额"),
    ("北京", "26 家", "218 亿元"),
    ("苏州", "35 家", "1050 万元"),
)


def register_font() -> None:
    """Register the built-in Adobe CID font reportlab uses for Chinese text."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _wrap(text: str, width: int) -> list[str]:
    """Hard-wrap Chinese text every `width` characters, as a PDF line breaker would."""
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def _draw_lines(canvas: Any, lines: Sequence[str], x: float, y: float, leading: float) -> float:
    for line in lines:
        canvas.drawString(x, y, line)
        y -= leading
    return y


def make_simple_pdf(out_path: Path) -> Path:
    """A 3-page PDF with running header/footer, a heading per page, a split sentence and a table.

    Page 1: 一、总体情况 + two paragraphs (one wrapped over several lines).
    Page 2: 二、主要进展 + a paragraph, then the first half of SIMPLE_SPLIT_SENTENCE.
    Page 3: the second half, then 三、典型案例, a ruled table and a closing paragraph.
    Footers alternate styles: 「- 1 -」, 「第 2 页」, 「3」.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Table

    register_font()
    width, height = A4
    c = Canvas(str(out_path), pagesize=A4)
    c.setTitle("测试研究院年度报告")
    c.setAuthor("张三")
    left, top, size, leading, per_line = 60.0, height - 90, 12, 18, 38
    footers = ("- 1 -", "第 2 页", "3")

    def chrome(page: int) -> None:
        c.setFont(FONT, 9)
        c.drawString(left, height - 50, SIMPLE_HEADER)
        c.drawCentredString(width / 2, 40, footers[page - 1])
        c.setFont(FONT, size)

    # page 1
    chrome(1)
    y = _draw_lines(c, [SIMPLE_SECTIONS[0]], left, top, leading * 1.6)
    p1 = (
        "本报告第一页介绍总体情况。科技保险是科技金融的重要组成部分，发展科技保险既需要"
        "发挥市场机制的作用，也需要政策支持，各级政府积极推进政策性科技保险试点工作。"
    )
    y = _draw_lines(c, _wrap(p1, per_line), left, y, leading) - leading * 0.6
    p2 = "第一页的第二段说明，苏州高新区为三十五家科技企业提供了网络安全保险保障。"
    _draw_lines(c, _wrap(p2, per_line), left, y, leading)
    c.showPage()
    # page 2
    chrome(2)
    y = _draw_lines(c, [SIMPLE_SECTIONS[1]], left, top, leading * 1.6)
    p3 = "第二页的段落说明主要进展，首台（套）重大技术装备保险补偿机制逐渐发挥重要作用。"
    y = _draw_lines(c, _wrap(p3, per_line), left, y, leading) - leading * 0.6
    # fill the page so the split sentence sits at the bottom
    filler = "中试保险分担科技成果中试验证失败的风险，普惠型科技保险服务中小企业科技创新。"
    for _ in range(6):
        y = _draw_lines(c, _wrap(filler, per_line), left, y, leading) - leading * 0.6
    half = per_line  # a full first line that ends mid-clause, with no closing punctuation
    first, second = SIMPLE_SPLIT_SENTENCE[:half], SIMPLE_SPLIT_SENTENCE[half:]
    _draw_lines(c, [first], left, 120, leading)
    c.showPage()
    # page 3
    chrome(3)
    y = _draw_lines(c, _wrap(second, per_line), left, top, leading) - leading * 0.6
    y = _draw_lines(c, [SIMPLE_SECTIONS[2]], left, y, leading * 1.6)
    y = _draw_lines(c, ["表 1 典型地区科技保险情况"], left, y, leading)
    table = Table(
        [list(r) for r in SIMPLE_TABLE],
        colWidths=[100, 100, 120],
        style=[
            ("FONT", (0, 0), (-1, -1), FONT, 11),
            ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ],
    )
    _, th = table.wrapOn(c, width, height)
    table.drawOn(c, left, y - th + leading * 0.5)
    y = y - th - leading
    p4 = "第三页末段总结典型案例的经验。"
    _draw_lines(c, [p4], left, y, leading)
    c.showPage()
    c.save()
    return out_path


def make_labeled_pdf(out_path: Path) -> Path:
    """A 5-page PDF whose printed page labels are i, ii, 1, 2, 3 (roman front matter)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import PageLabelStyle
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    register_font()
    tmp = out_path.with_suffix(".raw.pdf")
    c = Canvas(str(tmp), pagesize=A4)
    _, height = A4
    pages = [
        ("封面", "标注页码测试报告。"),
        ("摘要", "摘要页位于罗马数字编号的前置部分。"),
        ("一、第一部分", "正文第一页的内容讲述页码标签的作用。"),
        ("二、第二部分", "正文第二页的内容讲述引用应当使用印刷页码。"),
        ("三、第三部分", "正文第三页的内容是最后一页。"),
    ]
    for heading, body in pages:
        c.setFont(FONT, 12)
        c.drawString(60, height - 90, heading)
        c.drawString(60, height - 120, body)
        c.showPage()
    c.save()
    writer = PdfWriter(clone_from=PdfReader(str(tmp)))
    writer.set_page_label(0, 1, style=PageLabelStyle.LOWERCASE_ROMAN)
    writer.set_page_label(2, 4, style=PageLabelStyle.DECIMAL, start=1)
    with out_path.open("wb") as fh:
        writer.write(fh)
    tmp.unlink()
    return out_path


# --------------------------------------------------------------------------- the report


@dataclass
class _Section:
    heading: str
    pages: int
    items: list[tuple[str, Any]]  # ("para", text) | ("caption", text) | ("table", rows)


_PARA_END = tuple("。！？：；”」）)")


def _join_txt_page_breaks(lines: Sequence[str], headings: Sequence[str]) -> list[str]:
    """The TXT splits paragraphs at its own page breaks (「……在」/「推动……」); undo that."""
    out: list[str] = []
    for ln in lines:
        prev = out[-1] if out else ""
        if (
            prev
            and "\t" not in prev
            and "\t" not in ln
            and prev not in headings
            and ln not in headings
            and len(prev) > 40
            and not prev.endswith(_PARA_END)
        ):
            out[-1] = prev + ln
        else:
            out.append(ln)
    return out


def _report_parts() -> tuple[list[str], list[tuple[str, int]], list[str], list[_Section]]:
    """Split the TXT report into front matter, TOC, intro paragraphs and the 4 sections."""
    text = REPORT_TXT.read_text(encoding="utf-8")
    lines = [ln for ln in text.split("\n") if ln.strip()]
    toc_at = lines.index("目录")
    front = lines[:toc_at]
    toc: list[tuple[str, int]] = []
    i = toc_at + 1
    while "\t" in lines[i]:
        head, page = lines[i].rsplit("\t", 1)
        toc.append((head, int(page)))
        i += 1
    headings = [h for h, _ in toc]
    intro: list[str] = []
    while lines[i] not in headings:
        intro.append(lines[i])
        i += 1
    pages_of = {}
    for k, (h, p) in enumerate(toc):
        nxt = toc[k + 1][1] if k + 1 < len(toc) else 8
        pages_of[h] = nxt - p
    sections: list[_Section] = []
    for ln in _join_txt_page_breaks(lines[i:], headings):
        if ln in headings:
            sections.append(_Section(ln, pages_of[ln], []))
            continue
        items = sections[-1].items
        if "\t" in ln:
            row = ln.split("\t")
            if items and items[-1][0] == "table":
                items[-1][1].append(row)
            else:
                items.append(("table", [row]))
        elif re.match(r"^表\s*\d+", ln):
            items.append(("caption", ln))
        else:
            items.append(("para", ln))
    return front, toc, intro, sections


def _styles(size: float) -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle(
        "body",
        fontName=FONT,
        fontSize=size,
        leading=size * 1.55,
        wordWrap="CJK",
        firstLineIndent=size * 2,
        spaceAfter=size * 0.5,
    )
    return {
        "body": body,
        "h1": ParagraphStyle(
            "h1",
            parent=body,
            fontSize=size + 3,
            leading=(size + 3) * 1.6,
            firstLineIndent=0,
            spaceBefore=size * 0.6,
            spaceAfter=size * 0.8,
        ),
        "caption": ParagraphStyle(
            "caption", parent=body, firstLineIndent=0, alignment=1, fontSize=size
        ),
        "cell": ParagraphStyle(
            "cell",
            fontName=FONT,
            fontSize=size * 0.75,
            leading=size * 0.75 * 1.35,
            wordWrap="CJK",
        ),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section_flowables(sec: _Section, intro: Sequence[str], size: float) -> list[Any]:
    from reportlab.platypus import Paragraph, Table

    st = _styles(size)
    out: list[Any] = [Paragraph(_esc(p), st["body"]) for p in intro]
    out.append(Paragraph(_esc(sec.heading), st["h1"]))
    for kind, value in sec.items:
        if kind == "para":
            out.append(Paragraph(_esc(value), st["body"]))
        elif kind == "caption":
            out.append(Paragraph(_esc(value), st["caption"]))
        else:
            ncols = max(len(r) for r in value)
            rows = [
                [Paragraph(_esc(c), st["cell"]) for c in r + [""] * (ncols - len(r))] for r in value
            ]
            total = 460.0
            # 表1's long 主要内容 column gets the room; other tables split evenly
            widths = [95.0, 60.0, 115.0, total - 270.0] if ncols == 4 else [total / ncols] * ncols
            out.append(
                Table(
                    rows,
                    colWidths=widths,
                    repeatRows=0,
                    style=[
                        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ],
                )
            )
            out.append(Paragraph("", st["body"]))
    return out


def _build(path: Path, story: list[Any], header: bool = True, body_from: int = 1) -> int:
    """Build `story` into `path` with running header/footer; return the page count."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    width, height = A4
    pages = {"n": 0}

    def on_page(canvas: Any, doc: Any) -> None:
        pages["n"] = doc.page
        printed = doc.page - body_from + 1
        if header and printed >= 1:
            canvas.saveState()
            canvas.setFont(FONT, 8)
            canvas.drawString(60, height - 40, "NIFD季报 · 保险业运行")
            canvas.drawCentredString(width / 2, 30, f"- {printed} -")
            canvas.restoreState()

    doc = SimpleDocTemplate(
        str(path), pagesize=A4, leftMargin=60, rightMargin=60, topMargin=60, bottomMargin=55
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return pages["n"]


def _fit_size(sec: _Section, intro: Sequence[str], tmp: Path) -> float:
    """The largest body font size at which the section fills exactly its TOC page count."""
    size = 14.0
    while size >= 7.0:
        n = _build(tmp, _section_flowables(sec, intro, size), header=False)
        if n == sec.pages:
            return size
        size -= 0.25
    raise RuntimeError(f"cannot fit {sec.heading} on {sec.pages} pages")


def make_report_pdf(out_path: Path) -> Path:
    """The NIFD report as a PDF paginated like its TOC, with labels i–iv then 1–7.

    Front matter (cover, 《NIFD季报》 blurb, 摘要, 执笔人, the series list, 目录 with dot
    leaders) fills physical pages 1–4, labelled i–iv. Each section then starts on a new page
    at its TOC page; the body font size of each section is chosen so the section fills
    exactly its page count, so paragraphs break across pages where the layout falls.
    Running header 「NIFD季报 · 保险业运行」 and footer 「- n -」 on body pages.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import PageLabelStyle
    from reportlab.platypus import PageBreak, Paragraph

    register_font()
    front, toc, intro, sections = _report_parts()
    raw = out_path.with_suffix(".raw.pdf")
    sizes = [_fit_size(sec, intro if k == 0 else (), raw) for k, sec in enumerate(sections)]

    st = _styles(11)
    plain = _styles(11)["caption"]
    story: list[Any] = []
    abstract = front.index("摘要")
    writers = front.index("本报告负责人：阎建军")
    series = front.index("【NIFD 季报】")
    for ln in front[:abstract]:  # cover + blurb + report title
        story.append(Paragraph(_esc(ln), st["body"] if len(ln) > 40 else plain))
    story.append(PageBreak())
    for ln in front[abstract:writers]:
        story.append(Paragraph(_esc(ln), st["body"] if len(ln) > 40 else st["h1"]))
    story.append(PageBreak())
    for ln in front[writers:series]:
        story.append(Paragraph(_esc(ln), plain))
    story.append(Paragraph("", plain))
    for ln in front[series:]:
        story.append(Paragraph(_esc(ln), plain))
    story.append(PageBreak())
    story.append(Paragraph("目录", st["h1"]))
    from reportlab.lib.styles import ParagraphStyle

    toc_style = ParagraphStyle("toc", fontName=FONT, fontSize=11, leading=20)
    for head, page in toc:
        dots = "." * max(8, 70 - 2 * len(head))
        story.append(Paragraph(f"{_esc(head)} {dots} {page}", toc_style))
    front_pages = 4
    for k, (sec, size) in enumerate(zip(sections, sizes, strict=True)):
        story.append(PageBreak())
        story.extend(_section_flowables(sec, intro if k == 0 else (), size))
    n = _build(raw, story, header=True, body_from=front_pages + 1)
    expected = front_pages + sum(s.pages for s in sections)
    if n != expected:
        raise RuntimeError(f"report PDF has {n} pages, expected {expected}")
    writer = PdfWriter(clone_from=PdfReader(str(raw)))
    writer.set_page_label(0, front_pages - 1, style=PageLabelStyle.LOWERCASE_ROMAN)
    writer.set_page_label(front_pages, n - 1, style=PageLabelStyle.DECIMAL, start=1)
    writer.add_metadata({"/Title": "2025 科技保险发展分析报告", "/Author": "阎建军; 邱剑"})
    with out_path.open("wb") as fh:
        writer.write(fh)
    raw.unlink()
    return out_path


# --------------------------------------------------------------------------- DOCX / MD / HTML

DOC_PARAS = (
    "科技保险是科技金融的重要组成部分，发展科技保险既需要发挥市场机制的作用，也需要政策支持。",
    "苏州高新区经发委依托“科惠保”为 35 家科技企业提供普惠型网络安全保险保障。",
)


def make_docx(out_path: Path, page_breaks: bool = False) -> Path:
    """A DOCX with core properties, Heading 1/2 paragraphs, body paragraphs and a table.

    With `page_breaks`, an explicit page break (w:br type=page) precedes section 二,
    so 一 is on page 1 and 二 on page 2.
    """
    import datetime as dt

    import docx
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    d.core_properties.title = "科技保险测试报告"
    d.core_properties.author = "阎建军; 邱剑"
    d.core_properties.created = dt.datetime(2026, 3, 1)
    d.add_paragraph("科技保险测试报告", style="Title")
    d.add_heading("一、政策支持不断加强", level=1)
    d.add_paragraph(DOC_PARAS[0])
    d.add_heading("（一）地方试点", level=2)
    d.add_paragraph(DOC_PARAS[1])
    if page_breaks:
        d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    d.add_heading("二、产品体系基本成形", level=1)
    d.add_paragraph("表 1 典型地区科技保险情况")
    table = d.add_table(rows=0, cols=3)
    for row in SIMPLE_TABLE:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    d.add_paragraph("表后的段落说明产品体系的特点。")
    d.save(str(out_path))
    return out_path


MARKDOWN_DOC = """\
# 科技保险测试报告

## 一、政策支持不断加强

科技保险是科技金融的重要组成部分，
发展科技保险既需要发挥市场机制的作用，也需要政策支持。

- 首台（套）重大技术装备保险
- 中试保险

## 二、产品体系基本成形

表 1 典型地区科技保险情况

| 地区 | 企业数量 | 保障金额 |
| --- | --- | --- |
| 北京 | 26 家 | 218 亿元 |
| 苏州 | 35 家 | 1050 万元 |

<script>alert("不应出现的脚本文字")</script>

苏州高新区经发委依托“科惠保”为 35 家科技企业提供普惠型网络安全保险保障。
"""

HTML_DOC = """\
<!doctype html>
<html><head>
<meta charset="utf-8">
<title>科技保险测试报告</title>
<meta name="author" content="阎建军; 邱剑">
<meta name="date" content="2026-03-01">
<style>body { color: red; } .x::before { content: "不应出现的样式文字"; }</style>
<script>var s = "不应出现的脚本文字";</script>
</head><body>
<nav>首页 | 不应出现的导航文字</nav>
<h1>科技保险测试报告</h1>
<h2>一、政策支持不断加强</h2>
<p>科技保险是科技金融的重要组成部分，
发展科技保险既需要发挥市场机制的作用，也需要政策支持。</p>
<ul><li>首台（套）重大技术装备保险</li><li>中试保险</li></ul>
<h2>二、产品体系基本成形</h2>
<p>表 1 典型地区科技保险情况</p>
<table>
<thead><tr><th>地区</th><th>企业数量</th><th>保障金额</th></tr></thead>
<tbody>
<tr><td>北京</td><td>26 家</td><td>218 亿元</td></tr>
<tr><td>苏州</td><td>35 家</td><td>1050 万元</td></tr>
</tbody></table>
<div><p>苏州高新区经发委依托“科惠保”为 35 家科技企业提供普惠型网络安全保险保障。</p></div>
<footer>版权所有 不应出现的页脚文字</footer>
</body></html>
"""


# --------------------------------------------------------------------------- heading styles
#
# Invented papers and reports for the structure parser (issue 15): every common Chinese
# heading style, the lines that only look like headings (a footnote that starts with a
# digit, a year starting a line, a 3.1 that turns up before 3, a table cell), a paper's
# front matter, and a paragraph that runs over a page break.

# (kind, text); kinds: title, authors, affil, para, heading, plain (an unnumbered heading:
# larger in a PDF, bold in a DOCX), note (small print), row (a table row, cells by "\t"),
# page (a page break).
PaperItem = tuple[str, str]

PAPER_TITLE = "城市绿地生态效益评估与提升路径"
PAPER_AUTHORS = ("张明远", "李思齐", "王晓")
PAPER_SECTIONS = ("1研究区域与数据", "2评估方法与结果", "3 提升路径")
PAPER_HEADINGS = (
    "1研究区域与数据",
    "1.1 研究区域概况",
    "1.2数据来源",
    "2评估方法与结果",
    "2.1 指标体系",
    "（1）生态指标",
    "（2）社会指标",
    "2.2评估结果",
    "3 提升路径",
    "3.1 优化绿地布局",
    "3.2 完善管护机制",
)
PAPER_SPLIT = (
    "城市绿地是城市生态系统的重要组成部分，承担着调节气候、净化空气、涵养水源和提供休憩"
    "空间等多种功能。近年来，各地持续推进公园城市建设，绿地面积稳步增长，但绿地分布不均、"
    "生态功能偏弱等问题依然突出。本文以某市中心城区为例，构建生态效益评估指标体系，分析"
    "绿地生态效益的空间格局，并提出相应的提升路径，为城市更新中的绿地规划提供参考。"
    "研究的数据覆盖中心城区全部街道，评估单元为一公里网格，共计一百零六个网格。"
    "各网格的评估结果按生态效益、社会效益和综合效益三类分别汇总，便于与城市规划衔接。"
    "对评估结果的讨论集中在空间差异及其成因两个方面，并在最后一节提出具体的提升路径。"
)
# Unnumbered headings that only their type marks: larger in a PDF, bold in a DOCX.
PLAIN_HEADINGS = ("研究背景", "主要发现")
PLAIN: tuple[PaperItem, ...] = (
    ("title", "社区养老服务调查报告"),
    ("para", "本报告记录了对十个社区养老服务站的实地调查，调查时间为两个月。"),
    ("plain", "研究背景"),
    ("para", "老龄化程度持续加深，社区养老服务的需求快速增长，供给结构有待优化。"),
    ("para", "数据说明"),
    ("para", "调查采用问卷与访谈相结合的方法，共回收有效问卷八百余份。"),
    ("plain", "主要发现"),
    ("para", "助餐和日间照料是需求最集中的服务，专业护理人员普遍短缺。"),
)
PAPER: tuple[PaperItem, ...] = (
    ("title", PAPER_TITLE + "*"),
    ("authors", "张明远1 李思齐1,2 王 晓2"),
    ("affil", "1某某大学环境学院北京100000 2某某城市规划研究院上海200000"),
    (
        "para",
        "摘要 城市绿地的生态效益关系到居民福祉。文章构建评估指标体系，分析中心城区绿地的生态效益，提出优化布局与完善管护两条路径。",
    ),
    ("para", "关键词 城市绿地；生态效益；评估；提升路径"),
    ("para", "DOI 10.0000/example.2024.01.001"),
    ("para", "改善城市人居环境是新型城镇化的重要任务，绿地的生态效益评估是其中的基础工作。"),
    ("heading", "1研究区域与数据"),
    ("para", PAPER_SPLIT),
    ("heading", "1.1 研究区域概况"),
    (
        "para",
        "研究区域位于城市中心，面积约 86 平方千米，常住人口约 120 万人，建成区绿地率为 38.5%。",
    ),
    (
        "para",
        "2019年以来，研究区域新建口袋公园 42 处，改造提升老旧公园 15 处，绿道总长度达到 63 千米。",
    ),
    ("heading", "1.2数据来源"),
    ("para", "本文使用的数据包括遥感影像、绿地普查资料和居民问卷调查，时间跨度为 2015—2023 年。"),
    ("row", "年份\t绿地面积（平方千米）\t绿地率"),
    ("row", "2.1\t30.2\t35.1%"),
    ("row", "2023年\t33.1\t38.5%"),
    ("note", "3数据来源：某市绿地普查资料"),
    ("heading", "2评估方法与结果"),
    ("para", "评估采用层次分析法确定指标权重，综合生态与社会两方面的效益。"),
    ("heading", "2.1 指标体系"),
    ("heading", "（1）生态指标"),
    ("para", "生态指标包括固碳释氧、降温增湿和雨水截留三项，均按单位面积计算。"),
    ("note", "3.1 绿地斑块按面积分为三类"),
    ("heading", "（2）社会指标"),
    ("para", "社会指标包括可达性、服务人口和使用频率三项，数据来自居民问卷调查。"),
    ("heading", "2.2评估结果"),
    ("para", "一是生态效益总体较高。综合得分为 0.72，高于同类城市平均水平。"),
    ("para", "二是空间分布不均衡。老城区绿地破碎，生态效益明显低于新城区。"),
    ("para", "评估结果表明，提升绿地生态效益的关键在于优化布局和加强管护。"),
    ("note", "3 根据问卷调查结果整理"),
    ("heading", "3 提升路径"),
    ("heading", "3.1 优化绿地布局"),
    ("para", "结合城市更新，利用边角地和闲置地增建小微绿地，提高绿地的连通性和可达性。"),
    ("heading", "3.2 完善管护机制"),
    ("para", "建立绿地养护的绩效评价制度，引导社区居民参与绿地管护，形成共建共治的格局。"),
)


@dataclass(frozen=True)
class PageLayout:
    """What a generated document put on each page, as a pages.json would record it.

    `lines` are the document's text lines (one per paragraph, a paragraph cut by a page
    break as two), `pages` the `evals.pages.PageMap.build` page entries.
    """

    lines: tuple[str, ...]
    pages: tuple[dict[str, Any], ...]


_SIZES = {"title": 18.0, "heading": 13.0, "plain": 13.0, "note": 8.0, "affil": 9.0}


def make_paper_pdf(
    out_path: Path, items: Sequence[PaperItem] = PAPER, *, split_at: int = 8
) -> PageLayout:
    """Lay `items` out as a PDF paper (title larger and centred, headings larger, notes
    small, body 11 pt with first-line indents), footers 「- N -」, and a ruled table for
    the rows. Page 1 ends inside item `split_at` (a paragraph): its first two lines stay
    on page 1, the rest goes to page 2. Lines wrap by width, as a typesetter wraps them.
    Returns the page layout.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Table

    register_font()
    width, height = A4
    left, top, bottom, measure = 60.0, height - 80, 80.0, 440.0
    c = Canvas(str(out_path), pagesize=A4)
    page_no = 1
    y = top
    lines: list[str] = []
    pages: list[dict[str, Any]] = [{"page": 1, "line_start": 1}]

    def new_page() -> None:
        nonlocal page_no, y
        c.setFont(FONT, 9)
        c.drawCentredString(width / 2, 40, f"- {page_no} -")
        c.showPage()
        pages[-1]["line_end"] = len(lines)
        page_no += 1
        pages.append({"page": page_no, "line_start": len(lines) + 1})
        y = top

    def draw(text: str, size: float, x: float) -> None:
        nonlocal y
        c.setFont(FONT, size)
        c.drawString(x, y, text)
        y -= size * 1.6

    k = 0
    while k < len(items):
        kind, text = items[k]
        if kind == "page":
            new_page()
        elif kind == "row":
            rows = []
            while k < len(items) and items[k][0] == "row":
                rows.append(items[k][1].split("\t"))
                lines.append(items[k][1])
                k += 1
            table = Table(
                rows,
                style=[
                    ("FONT", (0, 0), (-1, -1), FONT, 10),
                    ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                ],
            )
            _, th = table.wrapOn(c, width, height)
            table.drawOn(c, left, y - th + 8)
            y -= th + 10
            continue
        elif kind == "title":
            c.setFont(FONT, _SIZES["title"])
            c.drawCentredString(width / 2, y, text)
            y -= 30
            lines.append(text)
        elif kind in ("heading", "plain", "note", "affil", "authors"):
            y -= 6 if kind in ("heading", "plain") else 0
            draw(text, _SIZES.get(kind, 11.0), left)
            lines.append(text)
        else:
            wrapped = _wrap_width(text, 11.0, measure, indent=22.0)
            cut = 2 if k == split_at else len(wrapped)
            for n, part in enumerate(wrapped):
                if n == cut:
                    lines.append("".join(wrapped[:cut]))
                    new_page()
                draw(part, 11.0, left + 22 if n == 0 else left)
            lines.append("".join(wrapped[cut:]) if cut < len(wrapped) else text)
        if y < bottom:
            new_page()
        k += 1
    pages[-1]["line_end"] = len(lines)
    c.setFont(FONT, 9)
    c.drawCentredString(width / 2, 40, f"- {page_no} -")
    c.showPage()
    c.save()
    return PageLayout(tuple(lines), tuple(pages))


def _wrap_width(text: str, size: float, measure: float, indent: float = 0.0) -> list[str]:
    """Break `text` into lines no wider than `measure` points (the first one indented)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    current = ""
    for ch in text:
        room = measure - (indent if not lines else 0.0)
        if current and stringWidth(current + ch, FONT, size) > room:
            lines.append(current)
            current = ""
        current += ch
    if current:
        lines.append(current)
    return lines


def make_paper_docx(out_path: Path, items: Sequence[PaperItem] = PAPER) -> Path:
    """`items` as a DOCX without heading styles: the title 18 pt bold, headings and
    unnumbered headings bold 14 pt, notes 8 pt, body 10.5 pt, rows as a Word table."""
    import docx
    from docx.shared import Pt

    d = docx.Document()
    d.styles["Normal"].font.size = Pt(10.5)
    table = None
    for kind, text in items:
        if kind == "row":
            cells = text.split("\t")
            if table is None:
                table = d.add_table(rows=0, cols=len(cells))
            for cell, value in zip(table.add_row().cells, cells, strict=True):
                cell.text = value
            continue
        table = None
        if kind == "page":
            continue
        run = d.add_paragraph().add_run(text)
        if kind == "title":
            run.bold, run.font.size = True, Pt(18)
        elif kind in ("heading", "plain"):
            run.bold, run.font.size = True, Pt(14)
        elif kind in ("note", "affil"):
            run.font.size = Pt(8)
    d.save(str(out_path))
    return out_path


def paper_text(items: Sequence[PaperItem] = PAPER) -> str:
    """`items` as a plain-text report: one line per paragraph, rows with tabs."""
    return "\n".join(text for kind, text in items if kind != "page") + "\n"


# ------------------------------------------------------------------ " | " tables

# An invented report whose tables are typed as text lines with cells joined by " | "
# (not ruled): a caption with an English line under it, a row too long for one line, a
# row that ends right at the margin, a note and a page break inside the first table, a
# cell merged over two rows, a total row, and a table with a two-level header.
PIPE_TITLE = "城市公共交通发展观察"
PIPE_LONG_CITY = (
    "丙城（含所辖东部新区、西部新区、南部滨海开发区和北部高新技术产业开发区在内的全部建成区范围）"
)
PIPE_ITEMS: tuple[tuple[str, str], ...] = (
    ("title", PIPE_TITLE),
    ("heading", "1各市公交概况"),
    ("para", "五个城市的公交网络规模差别较大，新能源车辆的推广进度也不一致，详见表1。"),
    ("caption", "表1五个城市的公交运营情况"),
    ("caption", "Tab.1 Bus operation in five cities"),
    ("row", "城市 | 线路数量/条 | 年客运量/亿人次 | 新能源车辆占比"),
    ("row", "甲城 | 420 | 12.6 | 85%"),
    ("margin", "乙城 | 310 | 8.4 | 92%"),
    ("row", f"{PIPE_LONG_CITY} | 275 | 6.9 | 78%"),
    ("row", "丁城 | 198 | 4.2 | 66%"),
    ("note", "注：数据来源于各市交通运输局。"),
    ("page", ""),
    ("row", "戊城 | 156 | 3.1 | 71%"),
    ("row", "共计 | 1359 | 35.2 | 80%"),
    ("para", "从客运量看，甲城的公交客运量最高，戊城的公交网络规模最小，仍有较大的发展空间。"),
    ("heading", "2轨道交通与投资"),
    ("caption", "表2 2020—2022年各市地铁线路与客流"),
    ("row", "城市 | 2020年 | 2022年"),
    ("row", "线路/条 | 客流/万人次 | 线路/条 | 客流/万人次"),
    ("row", "甲城 | 8 | 310 | 11 | 402"),
    ("row", "乙城 | 5 | 180 | 7 | 265"),
    ("row", "丁城 | 2 | 46 | 3 | 71"),
    ("para", "各市的轨道交通投资主要来自省市两级的国有企业，重点项目见表3。"),
    ("caption", "表3重点交通项目的投资方"),
    ("row", "投资方 | 项目 | 金额/亿元"),
    ("row", "省交通集团 | 东环快速路 | 45"),
    ("row", "北延工程 | 30"),
    ("row", "市城投公司 | 南站枢纽 | 22"),
    ("para", "上述项目预计在未来三年内陆续建成，建成后将明显改善城市东部和北部的通勤条件。"),
)


def _filling(row: str, size: float, measure: float) -> str:
    """`row` with its first cell padded (「乙城」 → 「乙城区区……」) until the line ends
    within one character of the right margin, without wrapping."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    first, rest = row.split(" | ", 1)
    pad = ""
    while stringWidth(f"{first}{pad}区 | {rest}", FONT, size) <= measure:
        pad += "区"
    return f"{first}{pad} | {rest}"


def make_pipe_table_pdf(out_path: Path) -> tuple[str, ...]:
    """`PIPE_ITEMS` laid out as a two-page PDF: body 11 pt, tables 9.5 pt as text lines
    wrapped at the margin, captions centred, notes 8 pt. Returns the text of each row as
    drawn (the row ending at the margin padded to end there)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    register_font()
    width, height = A4
    left, top, measure = 60.0, height - 80, 440.0
    c = Canvas(str(out_path), pagesize=A4)
    c.setTitle(PIPE_TITLE)
    y = top
    rows: list[str] = []

    def draw(text: str, size: float, x: float, gap: float = 1.5) -> None:
        nonlocal y
        c.setFont(FONT, size)
        c.drawString(x, y, text)
        y -= size * gap

    for kind, text in PIPE_ITEMS:
        if kind == "page":
            c.showPage()
            y = top
        elif kind == "title":
            c.setFont(FONT, 18)
            c.drawCentredString(width / 2, y, text)
            y -= 36
        elif kind == "heading":
            y -= 6
            draw(text, 13.0, left, 1.8)
        elif kind == "caption":
            c.setFont(FONT, 9.5)
            c.drawCentredString(width / 2, y, text)
            y -= 9.5 * 1.6
        elif kind == "note":
            draw(text, 8.0, left)
        elif kind in ("row", "margin"):
            row = _filling(text, 9.5, measure) if kind == "margin" else text
            rows.append(row)
            for part in _wrap_width(row, 9.5, measure):
                draw(part, 9.5, left)
        else:
            for n, part in enumerate(_wrap_width(text, 11.0, measure, indent=22.0)):
                draw(part, 11.0, left + 22 if n == 0 else left, 1.6)
    c.showPage()
    c.save()
    return tuple(rows)


def pipe_table_text() -> str:
    """`PIPE_ITEMS` as a plain-text report (one line per item, a form feed for the page)."""
    return "\n".join("\f" if kind == "page" else text for kind, text in PIPE_ITEMS) + "\n"


# --------------------------------------------------------------------------- bad PDFs


def make_encrypted_pdf(out_path: Path, password: str = "secret") -> Path:
    """A one-page PDF with text, encrypted with a user password (unreadable without it)."""
    from pypdf import PdfReader, PdfWriter

    plain = out_path.with_suffix(".plain.pdf")
    make_paper_pdf(plain, PLAIN, split_at=-1)
    writer = PdfWriter(clone_from=PdfReader(str(plain)))
    writer.encrypt(user_password=password, owner_password=password)
    with out_path.open("wb") as fh:
        writer.write(fh)
    plain.unlink()
    return out_path


def make_image_only_pdf(out_path: Path) -> Path:
    """A PDF whose page holds only drawn shapes: no text layer, like a scan."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    c = Canvas(str(out_path), pagesize=A4)
    for k in range(8):
        c.rect(60 + 10 * k, 600 - 40 * k, 300, 20, fill=1)
    c.showPage()
    c.save()
    return out_path
