"""Grid tables whose rows are grouped under numbered labels (「五、服务内容」).

The product-system grid of a report lists its dimensions as label lines
(一、保障范围 … 五、服务内容) with the cells of each dimension below. The label is
kept in a row's embedded text, not in its cells, so 「服务内容包括哪几项？」 shares
no word with the row that answers it. When a question names a label whose rows
are plain lists (no column headers), the answer is those cells.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from rag.evidence import coverage
from rag.lexicon import Lexicon
from rag.question import Cue, Intent, Question
from rag.textnorm import longest_common_run
from rag.types import Chunk

# A label answers only while its rows are a plain list, not a sub-table.
MAX_LABEL_ROWS = 3


def row_label(row: Chunk, lexicon: Lexicon) -> str:
    """The label a grid row sits under (「服务内容」), or ""."""
    lines = (row.embed_text or "").split("\n")
    if len(lines) < 3:
        return ""
    match = lexicon.patterns.grid_label.match(lines[1].strip())
    return match.group("label") if match else ""


def label_answer(
    question: Question,
    rows: Sequence[Chunk],
    about: Callable[[str], float],
    lexicon: Lexicon,
    min_coverage: float = 0.6,
) -> tuple[str, list[Chunk]] | None:
    """「服务内容：风险保障、风险评估、…」 and its rows, when the question names a row label.

    `about(text)` is how much of the question the text covers: the rest of the question
    must be about this table too (「保险公司的服务内容」 is not about the grid).
    """
    by_label: dict[str, list[Chunk]] = {}
    for row in rows:
        label = row_label(row, lexicon)
        if label:
            by_label.setdefault(label, []).append(row)
    named = [label for label in by_label if label in question.text]
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


def _grouped(rows: Sequence[Chunk], lexicon: Lexicon) -> dict[tuple[str, str], list[Chunk]]:
    """Grid rows by (report, label), in the order they come."""
    groups: dict[tuple[str, str], list[Chunk]] = {}
    for row in rows:
        label = row_label(row, lexicon)
        if label:
            groups.setdefault((row.source, label), []).append(row)
    return groups


def _cells(row: Chunk) -> list[str]:
    return [c.strip() for c in row.text.split("\t")]


def _heading_rows(rows: Sequence[Chunk]) -> set[str]:
    """Ids of the rows that head columns rather than fill them.

    A grid's body cells share a kind (most end alike: 「…保险」「…险」), its heading
    cells do not (科技企业, 创业与科研人员): a row none of whose cells ends like the body
    heads the cells below it. Without a dominant ending nothing is told apart.
    """
    endings = Counter(c[-1] for row in rows for c in _cells(row) if c)
    if not endings:
        return set()
    ending, count = endings.most_common(1)[0]
    if count < 0.5 * sum(endings.values()):
        return set()
    return {row.id for row in rows if not any(c.endswith(ending) for c in _cells(row) if c)}


def _names_cell(question: str, terms: Sequence[str], cell: str) -> int:
    """How strongly the question names a heading cell (0: not at all)."""
    if len(cell) < 2:
        return 0
    if cell in question:
        return len(cell)
    run = longest_common_run(question, cell)
    if run >= 4 or (run >= 3 and run >= 0.6 * len(cell)):
        return run
    # 高校 for 高等院校: a short form whose characters the cell has in order.
    for term in terms:
        if 2 <= len(term) < len(cell) and 2 * len(term) >= len(cell) and _in_order(term, cell):
            return len(term)
    return 0


def _in_order(short: str, full: str) -> bool:
    at = 0
    for ch in short:
        at = full.find(ch, at)
        if at == -1:
            return False
        at += 1
    return full[0] == short[0]


def heading_cell_answer(
    question: Question,
    rows: Sequence[Chunk],
    about: Callable[[str], float],
    lexicon: Lexicon,
    min_coverage: float = 0.35,
) -> tuple[str, list[Chunk], float] | None:
    """「中小微企业：科惠保、普惠型综合科技保险。」 when the question names a grid heading.

    A heading (a column head or a sub-heading row further down, like 创业与科研人员)
    governs the cells below it in its column, down to the next heading in that column.
    Returns the lead sentence (verbatim cells), the rows it draws on and how well the
    grid covers the question (`about`), or None.
    """
    text, terms = question.text, question.term_texts
    groups = _grouped(rows, lexicon)
    found: list[tuple[int, str, list[Chunk], list[str]]] = []
    for members in groups.values():
        members = sorted(members, key=lambda r: r.position)
        heads = _heading_rows(members)
        for i, row in enumerate(members):
            if row.id not in heads:
                continue
            for column, cell in enumerate(_cells(row)):
                strength = _names_cell(text, terms, cell)
                if not strength:
                    continue
                used: list[Chunk] = []
                values: list[str] = []
                for below in members[i + 1 :]:
                    cells = _cells(below)
                    value = cells[column] if column < len(cells) else ""
                    if below.id in heads and value:
                        break
                    if value and below.id not in heads:
                        used.append(below)
                        values.append(value)
                if values:
                    # The cells first: they are the answer; the heading row only names it.
                    found.append((strength, cell, [*used, row], values))
    if not found:
        return None
    strongest = max(f[0] for f in found)
    chosen = [f for f in found if f[0] == strongest]
    used_rows = list(dict.fromkeys(r for f in chosen for r in f[2]))
    coverage = about(" ".join(r.embed_text or r.text for r in used_rows))
    if coverage < min_coverage:
        return None
    lead = "；".join(f"{cell}：{'、'.join(dict.fromkeys(values))}" for _, cell, _, values in chosen)
    return f"{lead}。", used_rows, coverage


def cell_heading_answer(
    question: Question,
    rows: Sequence[Chunk],
    about: Callable[[str], float],
    lexicon: Lexicon,
    min_coverage: float = 0.35,
) -> tuple[str, list[Chunk], float] | None:
    """「科技成果转化阶段：中试综合保险。」 when the question names a grid cell and asks
    which heading it sits under. Same shape as `heading_cell_answer`."""
    if not question.has(Cue.ASKS_WHICH):
        return None
    text = question.text
    groups = _grouped(rows, lexicon)
    found: list[tuple[str, str, list[Chunk]]] = []
    for members in groups.values():
        members = sorted(members, key=lambda r: r.position)
        heads = _heading_rows(members)
        if any(_names_cell(text, (), c) for r in members if r.id in heads for c in _cells(r)):
            return None  # a heading is named: that is the other direction
        for i, row in enumerate(members):
            if row.id in heads:
                continue
            for column, cell in enumerate(_cells(row)):
                if len(cell) < 3 or cell not in text:
                    continue
                head = next(
                    (
                        above
                        for above in reversed(members[:i])
                        if above.id in heads
                        and column < len(_cells(above))
                        and _cells(above)[column]
                    ),
                    None,
                )
                if head is not None:
                    found.append((_cells(head)[column], cell, [row, head]))
    if len(found) != 1:
        return None
    heading, cell, used = found[0]
    coverage = about(" ".join(r.embed_text or r.text for r in used))
    if coverage < min_coverage:
        return None
    return f"{heading}：{cell}。", used, coverage


def _header_cells(row: Chunk) -> list[str]:
    """The column headers a table row was stored with (from its embedded text), if any."""
    lines = (row.embed_text or "").split("\n")
    if len(lines) < 3 or " | " not in lines[-2]:
        return []
    cells = lines[-2].split(" | ")
    # The first header cell carries the table's label (「二、生命周期 科技研发阶段」).
    cells[0] = cells[0].rsplit(" ", 1)[-1]
    return [c.strip() for c in cells]


def _named_column(question: str, rows: Sequence[Chunk]) -> tuple[str, int] | None:
    """The column header the question names most fully, and its index."""
    best: tuple[int, str, int] | None = None
    for row in rows:
        for index, header in enumerate(_header_cells(row)):
            run = longest_common_run(question, header)
            named = len(header) >= 4 and run >= max(4, int(0.6 * len(header)))
            if named and (best is None or run > best[0]):
                best = (run, header, index)
    return None if best is None else (best[1], best[2])


def table_column_answer(
    question: Question,
    rows: Sequence[Chunk],
    weight: Callable[[str], float],
    min_coverage: float = 0.6,
) -> tuple[str, list[Chunk], float] | None:
    """Answer 「X 阶段有哪些产品」 from a grid: the cells under the column the question names.

    Returns the lead sentence (the column header and its cells, all verbatim report
    words), the rows it draws on and how well the table covers the question, or None
    when no column is named.
    """
    if question.intent not in (Intent.LIST, Intent.OTHER):
        return None
    named = _named_column(question.text, rows)
    if named is None:
        return None
    header, index = named
    picked: list[tuple[Chunk, str]] = []
    for row in rows:
        cells = _header_cells(row)
        if index < len(cells) and cells[index] == header:
            values = row.text.split("\t")
            if index < len(values) and values[index].strip():
                picked.append((row, values[index].strip()))
    if len(picked) < 2:
        return None
    # Naming a column header is not enough: the rest of the question must be about
    # this table too (「成果转化阶段的风险」 is not about the product grid).
    context = " ".join(row.embed_text or row.text for row, _ in picked)
    covered = coverage(question.term_texts, context, question.weigh(weight))
    if covered < min_coverage:
        return None
    items = "、".join(dict.fromkeys(cell for _, cell in picked))
    return f"{header}：{items}。", [row for row, _ in picked], covered


__all__ = [
    "cell_heading_answer",
    "heading_cell_answer",
    "label_answer",
    "row_label",
    "table_column_answer",
]
