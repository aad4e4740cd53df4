"""「华东区一年保费收入是多少亿元？」「星河科技是哪年成立的？」: the cells where a row and a
column the question names cross, read off a table with the column names (`rag.table_answers`).

It answers when the question names a row of a table (by a cell of it) and the table
covers the question well, and at least as well as the best sentence does. The cells
are those of the columns the question names; every cell of the row when it asks more
than its named columns say, or names no column but asks what a row holds (「世界银行
支持了哪些项目」). A figure, date or name asked of a row under no column of the table
(「华东区的赔付率」, a year the table does not list) is refused with what the table
does list, unless a sentence about that row answers it.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from rag.context import Context
from rag.draft import Draft
from rag.evidence import question_coverage
from rag.question import Cue, Intent, Question
from rag.strategies.base import Passages, Strategy, prose_coverage, read_off
from rag.table_answers import (
    Reading,
    asks_more,
    best_reading,
    cell_answer,
    date_columns,
    missing_years,
    names_a_column,
    norm,
    other_readings,
    refusal,
)
from rag.tabular import cell_value

NAME = "table_cell"
# A table answers only when it covers at least this much of the question. Measured on the
# tuning reports' table questions: right answers covered 0.52-1, answers read off a table
# about something else (「HS88 的贸易竞争指数」 off the HS89 table) 0.21-0.32.
MIN_COVERAGE = 0.45
# Without a column named, the whole row answers a question asking what a row holds
# (「世界银行支持了哪些项目」), not one asking a figure, date or name no column gives.
_WHOLE_ROW_INTENTS = (Intent.LIST, Intent.OTHER)
# A question naming a rate (a % hint) that asks what it means or what it is made of
# wants no figure, so a table row without the figure's column does not refuse it.
_NO_FIGURE_INTENTS = (Intent.DEFINITION, Intent.LIST)
# A row named this strongly is named by a whole cell (two characters or more).
_WHOLE_CELL = 4
_log = logging.getLogger(__name__)


def accepts(question: Question, ctx: Context) -> bool:
    # A premise to check (「…是2018年科技部牵头的吧？」) is the sentences' to correct; a
    # why-question is answered by the report's reasons, which no cell gives.
    return not question.has(Cue.CONFIRMATION) and question.intent is not Intent.REASON


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    reading = best_reading(question, passages.tables, ctx.lexicon)
    if reading is None:
        return None
    if not reading.columns and question.intent is Intent.DATE:
        reading = replace(reading, columns=date_columns(reading, ctx.lexicon))
    if not reading.columns:
        if question.intent not in _WHOLE_ROW_INTENTS or question.unit_hint:
            return _refused(question, reading, passages, ctx)
    elif missing_years(question, reading.table)[0]:
        # 「2017年…是多少」 of a table of 2000–2015: its cells are other years' (issue 16,
        # "answer the question asked"); say which years it lists, unless a sentence that
        # names the asked year answers.
        return _other_years(question, reading, passages, ctx)
    elif asks_more(question, reading, ctx.lexicon):
        reading = replace(reading, columns=())  # it asks more: show the whole row
    sentences, chunks = cell_answer(reading)
    if reading.columns:
        for other in other_readings(question, reading, passages.tables, ctx.lexicon):
            more, used = cell_answer(other)
            offset = len(chunks)
            chunks += used
            sentences += [
                replace(s, citations=tuple(n + offset for n in s.citations)) for s in more
            ]
    said = " ".join([reading.table.caption, *(s.text for s in sentences)])
    covered = question_coverage(question, said, passages.weight)
    prose = passages.sentence_draft
    _log.debug(
        "table %s: %d rows (%d), columns %s, covers %.2f, sentences %.2f",
        reading.table.index,
        len(reading.rows),
        reading.row_strength,
        reading.columns,
        covered,
        prose.coverage,
    )
    rival = prose_coverage(passages)
    if _prose_gives_other_figures(question, reading, passages):
        # 「2015年中国…的国际市场占有率」: the sentence names every word of the question but
        # gives another country's share; the named cell is the figure asked for, however
        # the table's headers word it (「国际市场」).
        rival = 0.0
    # Named cells beat a sentence that covers the question as well; a whole row (no column
    # named) is only the row again, so the sentences keep a tie.
    if covered < MIN_COVERAGE or covered < rival or (not reading.columns and covered == rival):
        return None
    return read_off(NAME, sentences, chunks, passages.scoped)


def _prose_gives_other_figures(question: Question, reading: Reading, passages: Passages) -> bool:
    """A figure question whose named cells (a row and a column) hold figures that the
    sentence draft's prose never states: the sentences' figures are others'."""
    if question.intent is not Intent.FIGURE or not reading.columns:
        return False
    values = [
        row.cell(k).strip()
        for row in reading.rows
        for k in reading.columns
        if cell_value(row.cell(k)) is not None
    ]
    if not values:
        return False
    spoken = _spoken(passages)
    return not any(value in spoken for value in values)


def _refused(
    question: Question, reading: Reading, passages: Passages, ctx: Context
) -> Draft | None:
    """Something asked of a table's row under no column of the table: refused, when the
    row is named by a whole cell of its own and no sentence about that row answers."""
    own = any(
        k in row.own and cell_value(row.cell(k)) is None
        for row in reading.rows
        for k in reading.labels
    )
    if reading.row_strength < _WHOLE_CELL or not own:
        return None
    if not missing_years(question, reading.table)[0]:
        # A measure the table lacks is refused only for a figure asked of a row of figures
        # no other table has a column for; a name or date may sit in a text cell.
        # 「债务率是怎么定义的」 names a rate (a % hint) but asks what it means; 「算债务率
        # 用的综合财力由哪几块加总」 asks for the items it is made of.
        figures = question.intent is Intent.FIGURE or (
            bool(question.unit_hint) and question.intent not in _NO_FIGURE_INTENTS
        )
        if not figures or not _row_of_figures(reading) or names_a_column(question, passages.tables):
            return None
    prose = passages.sentence_draft
    labels = {norm(row.cell(k)) for row in reading.rows for k in reading.labels}
    if not prose.refused and any(label and label in _spoken(passages) for label in labels):
        return None
    return Draft(
        NAME,
        refused=True,
        passages=passages.scoped,
        refusal=refusal(question, reading, ctx.lexicon),
    )


def _other_years(
    question: Question, reading: Reading, passages: Passages, ctx: Context
) -> Draft | None:
    """A cell asked of a year the table does not list: the refusal saying which years it
    lists; None (the sentences answer) when a sentence of the draft names the year."""
    prose = passages.sentence_draft
    missing = missing_years(question, reading.table)[0]
    said = " ".join(s.text for s in prose.sentences)
    if not prose.refused and all(year in said for year in missing):
        return None
    return Draft(
        NAME,
        refused=True,
        passages=passages.scoped,
        refusal=refusal(question, reading, ctx.lexicon),
    )


def _row_of_figures(reading: Reading) -> bool:
    """Whether the named rows' cells outside their labels are mostly figures."""
    cells = [
        row.cell(k)
        for row in reading.rows
        for k in range(len(reading.table.columns))
        if k not in reading.labels and row.cell(k)
    ]
    return bool(cells) and 2 * sum(cell_value(c) is not None for c in cells) > len(cells)


def _spoken(passages: Passages) -> str:
    """What the sentence draft says outside table rows (normalised)."""
    prose = passages.sentence_draft
    return norm(
        " ".join(
            s.text
            for s in prose.sentences
            if any(
                n in prose.candidates and prose.candidates[n].chunk.kind != "table_row"
                for n in s.citations
            )
        )
    )


STRATEGY = Strategy(NAME, accepts, answer)
