"""Grid rows grouped under numbered labels answer questions naming the label."""

from __future__ import annotations

from rag.grid import label_answer, row_label
from rag.types import Chunk

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
    assert [row_label(r) for r in ROWS] == ["保障主体", "保障主体", "服务内容"]


def test_a_named_label_is_answered_with_its_cells() -> None:
    found = label_answer("产品体系里服务内容包括哪几项？", ROWS, _about_the_grid)
    assert found is not None
    lead, rows = found
    assert lead == "服务内容：风险保障、风险评估、产业协同。"
    assert [r.id for r in rows] == ["r3"]


def test_no_label_or_another_topic_is_not_answered_from_the_grid() -> None:
    assert label_answer("共保体怎么运作？", ROWS, _about_the_grid) is None
    assert label_answer("服务内容有哪些？", ROWS, lambda text: 0.0) is None
