"""Questions about a numbered table as a whole: its row count, its earliest and latest rows."""

from __future__ import annotations

from rag.tables import table_answer, table_rows
from rag.types import AnswerSentence, Chunk, Retrieved
from rag.verify import verify_answer
from tests.questions import packaged_lexicon, question_of

LEXICON = packaged_lexicon()

CAPTION = "表 1 近年来对科技保险的重大支持政策"
ROWS = [
    ("金融监管总局\t2024 年 1 月\t关于加强科技型企业全生命周期金融服务的通知\t支持研发保险"),
    ("金融监管总局\t2024 年 1 月\t关于印发科技保险业务统计制度的通知\t重视统计工作"),
    ("中共中央\t2024 年 7 月\t关于进一步全面深化改革推进中国式现代化的决定\t建立政策体系"),
    ("科技部、金融监管总局\t2026 年 2 月\t关于加快推动科技保险高质量发展的若干意见\t全链条"),
]


def _row(text: str, n: int, caption: str = CAPTION) -> Chunk:
    return Chunk(
        id=f"r{n}",
        text=text,
        source="r.txt",
        title="报告",
        section_path=("一、对科技保险的政策支持不断加强",),
        page_start=1,
        page_end=2,
        position=n,
        kind="table_row",
        embed_text=f"一、对科技保险的政策支持不断加强\n{caption}\n{text}",
    )


def _table() -> list[Chunk]:
    other = _row("科技研发阶段\t科技成果转化阶段", 9, caption="表 2 产品体系")
    return [*(_row(t, n) for n, t in enumerate(ROWS, start=1)), other]


def _verified(sentences: list[AnswerSentence], rows: list[Chunk]) -> list[str]:
    candidates = {i: Retrieved(r, 1.0, i) for i, r in enumerate(rows, start=1)}
    return [s.text for s in verify_answer(sentences, candidates, LEXICON).sentences]


def test_a_table_is_found_by_its_number() -> None:
    assert [r.id for r in table_rows(_table(), "1", LEXICON)] == ["r1", "r2", "r3", "r4"]
    assert [r.id for r in table_rows(_table(), "2", LEXICON)] == ["r9"]
    assert table_rows(_table(), "12", LEXICON) == []


def test_an_english_caption_stands_for_a_lost_chinese_one() -> None:
    from rag.tables import table_label

    # The PDF extraction lost 「表3 …」 and kept the English caption set under it.
    rows = [
        _row("蓝港运维 | 2016年 | 宁波", 20, caption="Tab.3 Overview of maintenance firms"),
        _row("海燕科技 | 2018年 | 厦门", 21, caption="TABLE 3 Overview of maintenance firms"),
        *_table(),
    ]
    assert [r.id for r in table_rows(rows, "3", LEXICON)] == ["r20", "r21"]
    assert table_label(rows[0], LEXICON) == "表3" and table_label(rows[2], LEXICON) == "表1"
    # A word that merely starts like a label labels nothing.
    assert table_label(_row("甲 | 1", 30, caption="Tablet 3 sales"), LEXICON) == ""


def test_a_count_is_stated_with_every_row_cited_and_checked_by_counting() -> None:
    answer = table_answer(question_of("表1一共列了多少份政策文件？"), _table(), LEXICON)
    assert answer is not None
    sentences, rows = answer
    assert sentences[0].text == "「近年来对科技保险的重大支持政策」一表共列出 4 份。"
    assert sentences[0].citations == (1, 2, 3, 4) and len(rows) == 4
    assert _verified(sentences, rows) == [sentences[0].text]
    # A wrong count, or a count citing fewer rows than it states, fails the check.
    wrong = AnswerSentence("该表共列出 5 份。", (1, 2, 3, 4), counts=True)
    short = AnswerSentence("该表共列出 4 份。", (1, 2, 3), counts=True)
    assert _verified([wrong], rows) == [] and _verified([short], rows) == []


def test_the_earliest_and_latest_rows_are_quoted_whole_ties_included() -> None:
    latest = table_answer(question_of("表1里时间最晚的那份是谁发的？"), _table(), LEXICON)
    assert latest is not None
    assert latest[1] == [table_rows(_table(), "1", LEXICON)[3]]
    assert latest[0][0].text.startswith("「近年来对科技保险的重大支持政策」中时间最晚的是：科技部")
    both = table_answer(question_of("表1最早和最新的政策分别是啥时候出的？"), _table(), LEXICON)
    assert both is not None
    assert [r.id for r in both[1]] == ["r1", "r2", "r4"]  # two rows share 2024 年 1 月
    assert len(_verified(*both)) == 3


def test_the_table_may_go_unnumbered_when_only_one_is_dated() -> None:
    latest = table_answer(question_of("政策表里最新的那份是哪几个部门发的？"), _table(), LEXICON)
    assert latest is not None and latest[1] == [table_rows(_table(), "1", LEXICON)[3]]
    # A count needs the table's number: 「表里一共几种」 could be any table.
    assert table_answer(question_of("表里一共有几份？"), _table(), LEXICON) is None


def test_questions_that_do_not_name_a_table_or_an_aggregate_are_left_alone() -> None:
    assert (
        table_answer(question_of("一共有多少份政策文件？"), _table(), LEXICON) is None
    )  # no table named
    assert table_answer(question_of("表1里中共中央那份讲了什么？"), _table(), LEXICON) is None
    assert table_answer(question_of("表3一共几份？"), _table(), LEXICON) is None


def test_a_year_the_question_names_narrows_the_count_to_that_years_rows() -> None:
    answer = table_answer(question_of("表1里2024年发布了几份政策文件？"), _table(), LEXICON)
    assert answer is not None
    sentences, rows = answer
    assert sentences[0].text == "「近年来对科技保险的重大支持政策」一表中2024 年的共 3 份。"
    assert [r.id for r in rows] == ["r1", "r2", "r3"]
    assert _verified(sentences, rows) == [sentences[0].text]
    # The year must be every cited row's: citing the 2026 row instead fails the check.
    mixed = [rows[0], rows[1], _table()[3]]
    assert _verified(sentences, mixed) == []
    # A year the table has no row of is not answered with the whole table's count.
    assert table_answer(question_of("表1里2019年发布了几份政策文件？"), _table(), LEXICON) is None
