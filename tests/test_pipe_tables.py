"""Tables typed as " | " lines (issue 16): ingest, the table model, the cell and extreme
strategies, and the verifier's checks — over invented tables (tests/docgen.py), never a
library report's text."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ingest.chunk import chunk_report
from ingest.formats import load_report
from ingest.parse import parse_text
from rag.context import Context, Corpus, Scorers
from rag.settings import ChunkSettings
from rag.strategies.base import Passages
from rag.strategies.registry import draft_with_strategies
from rag.table_cells import is_pipe_row, join_row_parts, row_cells
from rag.tabular import aligned_rows, cell_value, column_names, tables_of
from rag.types import AnswerSentence, Block, Chunk, Extreme, ParsedReport, Retrieved
from rag.verify import assemble_answer, verify_answer
from tests import docgen
from tests.questions import language, packaged_lexicon, question_of

LEXICON = packaged_lexicon()
T1_HEADER = "城市 | 线路数量/条 | 年客运量/亿人次 | 新能源车辆占比"


def _rows(report: ParsedReport) -> list[Block]:
    return [b for b in report.blocks if b.kind == "table_row"]


@pytest.fixture(scope="module")
def txt_report() -> ParsedReport:
    return parse_text(docgen.pipe_table_text(), "pipe.txt")


@pytest.fixture(scope="module")
def pdf_report(tmp_path_factory: pytest.TempPathFactory) -> ParsedReport:
    path = tmp_path_factory.mktemp("pipe") / "pipe.pdf"
    docgen.make_pipe_table_pdf(path)
    return load_report(path)


@pytest.fixture(scope="module")
def chunks(txt_report: ParsedReport) -> list[Chunk]:
    return chunk_report(txt_report, ChunkSettings())


# ------------------------------------------------------------------------------ cells


def test_a_row_is_split_at_its_bars_and_keeps_empty_cells() -> None:
    assert is_pipe_row("甲 | 1 | 2") and is_pipe_row("| 乙 | 3") and is_pipe_row("丙 | 4 |")
    assert not is_pipe_row("a|b 不是表格") and not is_pipe_row("甲\t1")
    assert row_cells("| 乙 | 3") == ["", "乙", "3"]
    assert row_cells("丙 | 4 |") == ["丙", "4", ""]
    assert row_cells("甲 | 乙等| 融资") == ["甲", "乙等", "融资"]  # a bar that lost a space
    assert row_cells("甲\t1\t") == ["甲", "1", ""]
    assert join_row_parts(["丙 | 0.2 |", "0.3"]) == "丙 | 0.2 | 0.3"
    assert join_row_parts(["丙城（含东部", "新区） | 275"]) == "丙城（含东部新区） | 275"


def test_cell_values_read_numbers_ranges_and_years() -> None:
    assert cell_value("95 655") == 95655
    assert cell_value("37.9%") == 37.9
    assert cell_value("5400~5580") == 5490
    assert cell_value("2015年") == 2015
    assert cell_value("-0.153") == -0.153
    assert cell_value("甲城") is None and cell_value("一") is None


# ------------------------------------------------------------------------------ ingest


@pytest.mark.parametrize("fixture", ["txt_report", "pdf_report"])
def test_pipe_rows_are_table_rows_with_caption_and_header(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    report: ParsedReport = request.getfixturevalue(fixture)
    rows = _rows(report)
    assert [b.table_index for b in rows] == [1] * 6 + [2] * 3 + [3] * 3
    first = rows[0]
    assert first.text == "甲城 | 420 | 12.6 | 85%"
    assert first.table_header == T1_HEADER
    # The English caption line joins the Chinese one; neither is a paragraph of its own.
    assert first.table_caption == "表1五个城市的公交运营情况\nTab.1 Bus operation in five cities"
    assert not any(b.text.startswith(("表1", "Tab.1")) for b in report.blocks)
    # A two-level header is kept as its two lines.
    assert rows[6].table_header == (
        "城市 | 2020年 | 2022年\n线路/条 | 客流/万人次 | 线路/条 | 客流/万人次"
    )
    # A row under a merged cell keeps its own text.
    assert rows[10].text == "北延工程 | 30"


@pytest.mark.parametrize("fixture", ["txt_report", "pdf_report"])
def test_a_table_split_by_a_note_and_a_page_break_goes_on(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    report: ParsedReport = request.getfixturevalue(fixture)
    rows = _rows(report)
    note = next(b for b in report.blocks if b.text.startswith("注："))
    assert note.kind == "paragraph"
    after = [b for b in rows if b.position > note.position and b.table_index == 1]
    assert [b.text for b in after] == ["戊城 | 156 | 3.1 | 71%", "共计 | 1359 | 35.2 | 80%"]
    assert all(b.table_header == T1_HEADER and b.table_caption.startswith("表1") for b in after)
    assert [b.page_start for b in after] == [2, 2]
    assert rows[0].page_start == 1


def test_pdf_rows_wrapped_at_the_margin_are_joined_and_never_swallow_the_next(
    pdf_report: ParsedReport,
) -> None:
    texts = [b.text for b in _rows(pdf_report)]
    long_row = f"{docgen.PIPE_LONG_CITY} | 275 | 6.9 | 78%"
    assert long_row in texts  # drawn over two lines
    margin = next(t for t in texts if t.startswith("乙城区"))
    assert margin.endswith("| 310 | 8.4 | 92%")  # ends at the margin, stands alone
    assert texts[texts.index(margin) + 1] == long_row
    assert not any(b.text.startswith("|") for b in _rows(pdf_report))


def test_the_seed_style_tab_rows_are_untouched() -> None:
    text = "一、概况\n正文一句。\n表 1 支持政策\n单位\t时间\n甲部门\t2024 年 1 月\n乙部门\t2025 年 3 月\n"
    rows = _rows(parse_text(text, "seed-like.txt"))
    assert [r.text for r in rows] == ["甲部门\t2024 年 1 月", "乙部门\t2025 年 3 月"]
    assert {(r.table_header, r.table_caption, r.table_index) for r in rows} == {
        ("单位\t时间", "表 1 支持政策", 1)
    }


def test_rows_are_chunks_that_know_their_table(chunks: list[Chunk]) -> None:
    rows = [c for c in chunks if c.kind == "table_row"]
    assert [c.table_rows for c in rows] == [6] * 6 + [3] * 3 + [3] * 3
    first = rows[0]
    assert first.text == "甲城 | 420 | 12.6 | 85%"
    assert first.table_header == T1_HEADER and first.table_index == 1
    # Embedded with its caption and each cell named by its column …
    assert "表1五个城市的公交运营情况" in first.embed_text
    assert "年客运量/亿人次：12.6" in first.embed_text
    # … a two-level header spread over its columns …
    assert "2022年 客流/万人次：402" in rows[6].embed_text
    # … and a merged cell filled in.
    assert "投资方：省交通集团" in rows[10].embed_text and rows[10].text == "北延工程 | 30"


# ------------------------------------------------------------------------------ model


def test_two_level_headers_spread_over_their_columns() -> None:
    years_above = ["排名 | 2000年 | 2015年", "编码 | 份额 | 编码 | 份额"]
    assert column_names(years_above, 5) == (
        "排名",
        "2000年 编码",
        "2000年 份额",
        "2015年 编码",
        "2015年 份额",
    )
    years_below = ["序号 | 名称 | 指数 | 变化", "2000年 | 2015年"]
    assert column_names(years_below, 5) == ("序号", "名称", "指数 2000年", "指数 2015年", "变化")


def test_cells_merged_over_rows_are_filled_down() -> None:
    aligned = aligned_rows(["甲 | 东 | 1", "西 | 2", "| 南 | 3", "乙 | 北 | 4"])
    assert [cells for cells, _ in aligned] == [
        ("甲", "东", "1"),
        ("甲", "西", "2"),
        ("甲", "南", "3"),
        ("乙", "北", "4"),
    ]
    assert [sorted(own) for _, own in aligned][1:3] == [[1, 2], [1, 2]]


def test_tables_are_read_back_complete(chunks: list[Chunk]) -> None:
    tables = tables_of([c for c in chunks if c.kind == "table_row"])
    assert [(t.index, len(t.rows), t.complete) for t in tables] == [
        (1, 6, True),
        (2, 3, True),
        (3, 3, True),
    ]
    assert tables[0].title == "表1五个城市的公交运营情况"


# ------------------------------------------------------------------------- strategies


def _context(chunks: list[Chunk]) -> Context:
    return Context(language(), Scorers(weight=lambda t: 1.0), Corpus(chunks=tuple(chunks)))


def _answer(text: str, chunks: list[Chunk]) -> tuple[str, str, bool]:
    ctx = _context(chunks)
    question = question_of(text)
    prose = [c for c in chunks if c.kind != "table_row"]
    routed = tuple(Retrieved(c, 1.0, i) for i, c in enumerate(prose, start=1))
    passages = Passages(question, ctx, routed, routed, "pipe.txt", None)
    draft = draft_with_strategies(question, passages, ctx)
    answer = assemble_answer(draft, question, LEXICON)
    return answer.strategy, answer.text, answer.refused


def test_a_named_row_and_column_give_the_cell(chunks: list[Chunk]) -> None:
    strategy, text, refused = _answer("乙城 的 年客运量 是 多少？", chunks)
    assert (strategy, refused) == ("table_cell", False)
    assert "年客运量/亿人次 8.4" in text and "12.6" not in text


def test_a_year_picks_its_columns_and_a_merged_cell_names_its_rows(chunks: list[Chunk]) -> None:
    strategy, text, _ = _answer("2022年 甲城 地铁 客流 有 多少？", chunks)
    assert strategy == "table_cell" and "402" in text and "310" not in text
    strategy, text, _ = _answer("省交通集团 投资 了 哪些 项目？", chunks)
    assert strategy == "table_cell"
    assert "东环快速路" in text and "北延工程" in text and "南站枢纽" not in text


def test_a_short_span_of_years_names_every_year_in_it(chunks: list[Chunk]) -> None:
    # 「2020到2022年」 asks the 2020 column too, not only the year written with 年.
    strategy, text, _ = _answer("2020到2022年 甲城 地铁 客流 分别 是 多少？", chunks)
    assert strategy == "table_cell" and "310" in text and "402" in text


def test_a_latin_unit_the_question_asks_in_names_the_column_in_that_unit() -> None:
    from rag.table_answers import column_strength, norm

    asked = norm("首座风电厂装机多少MW？")
    # 「装机」 alone is too short a run of 「装机容量」 to name it; its unit names it.
    assert column_strength(asked, (), ("装机容量/MW",)) > 0
    assert column_strength(asked, (), ("装机容量/GW",)) == 0
    assert column_strength(norm("风电厂装机多少mwh？"), (), ("装机容量/MW",)) == 0
    # A figure's unit describes the row: 「那座200MW电站」 asks nothing in MW.
    assert column_strength(norm("那座200MW电站投资多少？"), (), ("装机容量/MW",)) == 0


def test_the_highest_and_lowest_of_a_column_leave_the_total_out(chunks: list[Chunk]) -> None:
    strategy, text, _ = _answer("哪个 城市 的 年客运量 最高？", chunks)
    assert strategy == "table_extreme"
    assert "甲城" in text and "12.6" in text and "共计" not in text
    strategy, text, _ = _answer("新能源车辆占比 最低 的 是 哪个 城市？", chunks)
    assert strategy == "table_extreme" and "丁城" in text and "66%" in text


def test_the_highest_along_a_row(chunks: list[Chunk]) -> None:
    strategy, text, _ = _answer("省交通集团 东环快速路 哪个 金额 最高？", chunks)
    assert strategy in ("table_extreme", "table_cell")
    assert "45" in text


def test_a_year_the_table_does_not_list_is_refused_with_what_it_lists(
    chunks: list[Chunk],
) -> None:
    strategy, text, refused = _answer("2021年 甲城 地铁 客流 有 多少？", chunks)
    assert (strategy, refused) == ("table_cell", True)
    assert "2020年、2022年" in text and "2021年" in text
    assert "没有提到" not in text


def test_a_figure_the_table_has_no_column_for_is_refused(chunks: list[Chunk]) -> None:
    strategy, text, refused = _answer("甲城 的 出租车 数量 是 多少？", chunks)
    assert (strategy, refused) == ("table_cell", True)
    assert "甲城" in text and "线路数量/条" in text


def test_a_definition_asked_of_a_row_is_not_refused_for_a_missing_column(
    chunks: list[Chunk],
) -> None:
    # 「达标率」 is a rate no column gives, but 「怎么定义的」 asks no figure: the table
    # does not refuse it for lacking a column.
    strategy, _, refused = _answer("丁城 的 达标率 多少？", chunks)
    assert (strategy, refused) == ("table_cell", True)
    strategy, _, _ = _answer("丁城 的 达标率 是 怎么 定义 的？", chunks)
    assert strategy != "table_cell"
    # Nor does a question asking what the rate is made of: it wants items, not a figure.
    strategy, _, _ = _answer("丁城 的 达标率 由 哪几项 组成？", chunks)
    assert strategy != "table_cell"


# ----------------------------------------------------------------------------- verify


def _candidates(rows: list[Chunk]) -> dict[int, Retrieved]:
    return {n: Retrieved(c, 1.0, n) for n, c in enumerate(rows, start=1)}


def _table1(chunks: list[Chunk]) -> list[Chunk]:
    return [c for c in chunks if c.kind == "table_row" and c.table_index == 1]


def test_an_extreme_holds_only_over_the_whole_column(chunks: list[Chunk]) -> None:
    rows = _table1(chunks)
    every = tuple(range(1, len(rows) + 1))
    column = "年客运量/亿人次"
    right = AnswerSentence(
        "年客运量/亿人次一栏数值最高的是：甲城（12.6）。", every, extreme=Extreme(column, True)
    )
    checked = verify_answer([right], _candidates(rows), LEXICON)
    assert checked.sentences and not checked.dropped
    assert checked.citations[0].quote == rows[0].text  # quoted as the row
    wrong_row = replace(right, text="年客运量/亿人次一栏数值最高的是：乙城（8.4）。")
    lowest = replace(right, extreme=Extreme(column, False))
    missing = replace(right, citations=every[:-2])  # 戊城 not cited
    for sentence in (wrong_row, lowest, missing):
        assert verify_answer([sentence], _candidates(rows), LEXICON).dropped


def test_an_extreme_along_a_row(chunks: list[Chunk]) -> None:
    row = next(c for c in chunks if c.kind == "table_row" and c.table_index == 2)
    holds = AnswerSentence(
        "「甲城」一行中数值最高的是：2022年 客流/万人次 402。",
        (1,),
        extreme=Extreme("甲城", True, along_row=True),
    )
    assert verify_answer([holds], _candidates([row]), LEXICON).sentences
    fails = replace(holds, text="「甲城」一行中数值最高的是：2020年 客流/万人次 310。")
    assert verify_answer([fails], _candidates([row]), LEXICON).dropped


def test_a_cell_holds_under_the_column_it_is_named_with(chunks: list[Chunk]) -> None:
    rows = _table1(chunks)[1:2]  # 乙城
    right = AnswerSentence("城市 乙城：年客运量/亿人次 8.4。", (1,), reads_table=True)
    assert verify_answer([right], _candidates(rows), LEXICON).sentences
    swapped = replace(right, text="城市 乙城：线路数量/条 8.4。")
    invented = replace(right, text="城市 乙城：年客运量/亿人次 9.9。")
    for sentence in (swapped, invented):
        assert verify_answer([sentence], _candidates(rows), LEXICON).dropped


# A table whose years are the cells of a column (「年份」), not its column names, after the
# pipe-table report's own tables.
YEAR_ROWS = (
    "3历年地铁客流",
    "两城地铁客流近年先升后降，详见表4。",
    "表4甲城与乙城历年地铁客流",
    "指标 | 年份 | 甲城 | 乙城",
    "地铁客流/万人次 | 2017 | 300 | 170",
    "地铁客流/万人次 | 2018 | 320 | 182",
    "地铁客流/万人次 | 2019 | 260 | 150",
    "受多种因素影响，两城客流此后均有回落。",
)


def test_a_year_no_row_of_the_table_holds_is_refused_with_the_years_it_lists() -> None:
    # 「2021年…是多少」 of a table of 2018–2020 must not be answered by the other years'
    # cells (issue 16, "answer the question asked").
    strategy, said, refused = _answer("2021年 甲城 地铁客流 是 多少？", _with_rows(YEAR_ROWS))
    assert (strategy, refused) == ("table_cell", True)
    assert "2017年、2018年、2019年" in said and "2021年" in said
    assert "320" not in said and "没有提到" not in said


def _with_rows(lines: tuple[str, ...]) -> list[Chunk]:
    """The pipe-table report's chunks with these lines after its own tables."""
    text = docgen.pipe_table_text() + "\n".join(lines) + "\n"
    return chunk_report(parse_text(text, "pipe.txt"), ChunkSettings())


SHARE_ROWS = (
    "2015年，与其他国家相比，丙国船舶产业的国际市场占有率仅次于甲国（27.40%），排名第二。",
    "表5三国船舶产业国际竞争力比较",
    "指标 | 年份 | 甲国 | 乙国 | 丙国",
    "国际市场 | 2012 | 24.83 | 14.59 | 25.48",
    "2015 | 27.40 | 8.80 | 21.30",
    "竞争指数 | 2012 | 0.911 | 0.952 | 0.855",
    "2015 | 0.885 | 0.912 | 0.933",
    "综上可知，丙国船舶产业竞争力较强。",
)


def test_a_named_cell_beats_a_sentence_that_gives_another_rows_figure() -> None:
    share_chunks = _with_rows(SHARE_ROWS)
    # The sentence holds every word of the question (the table's label is cut short to
    # 「国际市场」) but only 甲国's share.
    strategy, said, refused = _answer("2015年 丙国 船舶 的 国际市场占有率 是 多少？", share_chunks)
    assert (strategy, refused) == ("table_cell", False)
    assert "21.30" in said and "27.40" not in said
