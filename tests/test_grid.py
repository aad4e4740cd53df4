"""Grid rows grouped under numbered labels answer questions naming the label."""

from __future__ import annotations

from dataclasses import replace

from rag.grid import label_answer, row_label
from rag.question import Cue, Question, Term
from rag.types import Chunk
from tests.questions import packaged_lexicon, question_of

LEXICON = packaged_lexicon()


def _asked(text: str, terms: tuple[str, ...] = ()) -> Question:
    """The question, with exactly these content terms."""
    return replace(question_of(text), terms=tuple(Term(t, "n") for t in terms))


TITLE = "二、产品体系基本成形"


def _row(n: int, embed: str, text: str) -> Chunk:
    return Chunk(
        f"r{n}", text, "r.txt", "报告", (TITLE,), 3, 3, n, "table_row", f"{TITLE}\n{embed}"
    )


ROWS = [
    _row(1, "四、保障主体\n科技企业 | 中小微企业", "科技企业\t中小微企业"),
    _row(
        2,
        "四、保障主体 科技企业 | 中小微企业\n科惠保 | 普惠型综合科技保险",
        "科惠保\t普惠型综合科技保险",
    ),
    _row(3, "五、服务内容\n风险保障 | 风险评估 | 产业协同", "风险保障\t风险评估\t产业协同"),
]


def _about_the_grid(text: str) -> float:
    return 1.0 if "产品体系" in text else 0.0


def test_rows_know_their_label() -> None:
    assert [row_label(r, LEXICON) for r in ROWS] == ["保障主体", "保障主体", "服务内容"]


def test_a_named_label_is_answered_with_its_cells() -> None:
    found = label_answer(
        question_of("产品体系里服务内容包括哪几项？"), ROWS, _about_the_grid, LEXICON
    )
    assert found is not None
    lead, rows = found
    assert lead == "服务内容：风险保障、风险评估、产业协同。"
    assert [r.id for r in rows] == ["r3"]


def test_no_label_or_another_topic_is_not_answered_from_the_grid() -> None:
    assert label_answer(question_of("共保体怎么运作？"), ROWS, _about_the_grid, LEXICON) is None
    assert label_answer(question_of("服务内容有哪些？"), ROWS, lambda text: 0.0, LEXICON) is None


SUBJECT = "四、保障主体 科技企业 | 中小微企业 | 科研机构"
SUBJECT_ROWS = [
    _row(10, "四、保障主体\n科技企业 | 中小微企业 | 科研机构", "科技企业\t中小微企业\t科研机构"),
    _row(
        11,
        f"{SUBJECT}\nA险 | B保险 | C保险",
        "专精特新企业综合保险\t科惠保\t实验室与科研仪器综合保险",
    ),
    _row(12, f"{SUBJECT}\nD险 | E保险", "科技综合责任保险\t普惠型综合科技保险"),
    # A sub-heading row further down: it heads its own cells, not the first header's.
    _row(13, f"{SUBJECT}\n创业与科研人员 | 高等院校", "创业与科研人员\t\t高等院校"),
    _row(14, f"{SUBJECT}\n人才创业险 | 先用后转", "人才创业险\t\t“先用后转”履约保证保险"),
    _row(15, f"{SUBJECT}\n团体意外险", "科技创业人才团体意外险"),
]


def _answer(question: str, terms: tuple[str, ...] = ()) -> str | None:
    from rag.grid import heading_cell_answer

    found = heading_cell_answer(_asked(question, terms), SUBJECT_ROWS, _about_the_grid, LEXICON)
    return found[0] if found else None


def test_a_column_head_governs_cells_down_to_the_next_heading() -> None:
    assert (
        _answer("产品体系里科技企业有哪些产品？")
        == "科技企业：专精特新企业综合保险、科技综合责任保险。"
    )
    assert _answer("产品体系里科研机构有哪些产品？") == "科研机构：实验室与科研仪器综合保险。"


def test_a_sub_heading_row_heads_the_cells_below_it() -> None:
    assert (
        _answer("产品体系里给创业者、科研人员个人的有哪些？")
        == "创业与科研人员：人才创业险、科技创业人才团体意外险。"
    )
    # 高校 is how people write 高等院校.
    assert (
        _answer("产品体系里针对高校的是哪个？", ("高校",)) == "高等院校：“先用后转”履约保证保险。"
    )


def test_cells_come_before_the_heading_row_in_the_sources() -> None:
    from rag.grid import heading_cell_answer

    found = heading_cell_answer(
        _asked("产品体系里中小微企业有哪些？"), SUBJECT_ROWS, _about_the_grid, LEXICON
    )
    assert found is not None
    assert [r.id for r in found[1]] == ["r11", "r12", "r10"]


def test_no_heading_named_or_not_about_the_grid_gives_nothing() -> None:
    from rag.grid import heading_cell_answer

    assert _answer("产品体系里共保体怎么运作？") is None
    assert (
        heading_cell_answer(_asked("科技企业有哪些产品？"), SUBJECT_ROWS, lambda t: 0.0, LEXICON)
        is None
    )


def test_mentions_table() -> None:
    assert question_of("框架图里给中小微企业配的是哪几个产品？").has(Cue.MENTIONS_TABLE)
    assert question_of("表1里一共多少份文件？").has(Cue.MENTIONS_TABLE)
    assert not question_of("这代表什么？").has(Cue.MENTIONS_TABLE)


def test_a_named_cell_is_answered_with_the_heading_above_it() -> None:
    from rag.grid import cell_heading_answer

    found = cell_heading_answer(
        _asked("产品体系里科惠保是给哪类主体的？"), SUBJECT_ROWS, _about_the_grid, LEXICON
    )
    assert found is not None and found[0] == "中小微企业：科惠保。"
    assert [r.id for r in found[1]] == ["r11", "r10"]
    # Under a sub-heading halfway down, not under the first header.
    found = cell_heading_answer(
        _asked("产品体系里人才创业险属于哪一类？"), SUBJECT_ROWS, _about_the_grid, LEXICON
    )
    assert found is not None and found[0] == "创业与科研人员：人才创业险。"


def test_a_cell_question_that_asks_no_which_gets_no_heading() -> None:
    from rag.grid import cell_heading_answer

    assert (
        cell_heading_answer(
            _asked("产品体系里科惠保是什么？"), SUBJECT_ROWS, _about_the_grid, LEXICON
        )
        is None
    )
    assert (
        cell_heading_answer(
            _asked("产品体系里科惠保是哪类的？"), SUBJECT_ROWS, lambda t: 0.0, LEXICON
        )
        is None
    )
