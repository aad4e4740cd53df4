"""「哪个地区的保费收入最低？」「保额最大的是哪个项目？」: the row holding the
highest or lowest value of a table column (`rag.table_answers`), citing every row so that
the verifier can check the claim against the whole column (`AnswerSentence.extreme`).

It answers when the question asks an extreme (`Wanted.extreme`, or 「排第一」 of a table
without a rank column), names a numeric column of a table, and the answer covers the
question at least as well as the best sentence does.
"""

from __future__ import annotations

import logging

from rag.context import Context
from rag.draft import Draft
from rag.evidence import question_coverage
from rag.question import Cue, Question
from rag.strategies.base import Passages, Strategy, prose_coverage, read_off
from rag.strategies.table_cell import MIN_COVERAGE
from rag.table_answers import (
    best_reading,
    caption_strength,
    extreme_answer,
    extreme_column,
    rank_column_of,
    row_extreme_answer,
)

NAME = "table_extreme"
_log = logging.getLogger(__name__)


def accepts(question: Question, ctx: Context) -> bool:
    wanted = question.wanted.column
    return (bool(wanted.extreme) or wanted.rank == 1) and not question.has(Cue.CONFIRMATION)


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    tables = passages.tables
    if not question.wanted.column.extreme and any(
        rank_column_of(t, ctx.lexicon) is not None for t in tables
    ):
        return None  # 「排第一」 where a table ranks its rows names a row: table_cell reads it
    best = None
    for table in tables:
        found = extreme_column(question, table, ctx.lexicon)
        if found is None:
            continue
        score = (found[1], caption_strength(question, table))
        if best is None or score > best[0]:
            best = (score, table, found[0])
    if best is not None:
        _, table, column = best
        result = extreme_answer(question, table, column, ctx.lexicon)
    else:
        # No column named: the extreme along the one row the question names.
        reading = best_reading(question, passages.tables, ctx.lexicon)
        if reading is None:
            return None
        table = reading.table
        result = row_extreme_answer(question, reading, ctx.lexicon)
    if result is None:
        return None
    sentences, chunks = result
    # The superlative and the change it asks about are what the answer gives.
    asked = ctx.lexicon.patterns.column_ask_words.findall(question.text)
    said = " ".join([table.caption, *asked, *(s.text for s in sentences)])
    prose = passages.sentence_draft
    covered = question_coverage(question, said, passages.weight)
    _log.debug("table %s covers %.2f, sentences %.2f", table.index, covered, prose.coverage)
    if covered < MIN_COVERAGE or covered < prose_coverage(passages):
        return None
    return read_off(NAME, sentences, chunks, passages.scoped)


STRATEGY = Strategy(NAME, accepts, answer)
