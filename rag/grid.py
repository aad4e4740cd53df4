"""Grid tables whose rows are grouped under numbered labels (「五、服务内容」).

The product-system grid of a report lists its dimensions as label lines
(一、保障范围 … 五、服务内容) with the cells of each dimension below. The label is
kept in a row's embedded text, not in its cells, so 「服务内容包括哪几项？」 shares
no word with the row that answers it. When a question names a label whose rows
are plain lists (no column headers), the answer is those cells.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rag.types import Chunk

_LABEL_RE = re.compile(r"^[一二三四五六七八九十]+、(?P<label>[^\s|]{2,12})(?:\s|$)")
# A label answers only while its rows are a plain list, not a sub-table.
MAX_LABEL_ROWS = 3


def row_label(row: Chunk) -> str:
    """The label a grid row sits under (「服务内容」), or ""."""
    lines = (row.embed_text or "").split("\n")
    if len(lines) < 3:
        return ""
    match = _LABEL_RE.match(lines[1].strip())
    return match.group("label") if match else ""


def label_answer(
    question: str,
    rows: Sequence[Chunk],
    about: Callable[[str], float],
    min_coverage: float = 0.6,
) -> tuple[str, list[Chunk]] | None:
    """「服务内容：风险保障、风险评估、…」 and its rows, when the question names a row label.

    `about(text)` is how much of the question the text covers: the rest of the question
    must be about this table too (「保险公司的服务内容」 is not about the grid).
    """
    by_label: dict[str, list[Chunk]] = {}
    for row in rows:
        label = row_label(row)
        if label:
            by_label.setdefault(label, []).append(row)
    named = [label for label in by_label if label in question]
    if len(named) != 1:
        return None
    label = named[0]
    members = sorted(by_label[label], key=lambda r: (r.source, r.position))
    if len(members) > MAX_LABEL_ROWS:
        return None
    if about(" ".join(r.embed_text or r.text for r in members)) < min_coverage:
        return None
    cells = [c.strip() for row in members for c in row.text.split("\t") if c.strip()]
    if len(cells) < 2:
        return None
    return f"{label}：{'、'.join(dict.fromkeys(cells))}。", members


__all__ = ["label_answer", "row_label"]
