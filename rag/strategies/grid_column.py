"""A grid column, heading or cell the question names: 「转化阶段有哪些产品」「创业和科研人员
能买哪些险」「首版次软件综合保险放在哪个阶段」, when the grid covers the question at least
as well as the best sentence (or the question points at the table)."""

from __future__ import annotations

from dataclasses import replace

from rag.context import Context
from rag.draft import Draft
from rag.evidence import question_coverage
from rag.grid import cell_heading_answer, heading_cell_answer, table_column_answer
from rag.question import Cue, Intent, Question
from rag.strategies.base import Passages, Strategy
from rag.types import AnswerSentence, Retrieved

NAME = "grid_column"
_INTENTS = (Intent.LIST, Intent.OTHER, Intent.NAME, Intent.DEFINITION)


def accepts(question: Question, ctx: Context) -> bool:
    return question.intent in _INTENTS


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    weight, rows = passages.weight, passages.rows

    def about(text: str) -> float:
        return question_coverage(question, text, weight)

    heading = heading_cell_answer(question, rows, about, ctx.lexicon) or cell_heading_answer(
        question, rows, about, ctx.lexicon
    )
    column = heading or table_column_answer(question, rows, weight)
    if column is None:
        return None
    sentence_draft = passages.sentence_draft
    pointed = heading is not None and question.has(Cue.MENTIONS_TABLE)
    if column[2] < sentence_draft.coverage and not pointed:
        return None
    lead, used, _ = column
    candidates = {i + 1: Retrieved(chunk, 1.0, i + 1) for i, chunk in enumerate(used)}
    sentences = [AnswerSentence(lead, tuple(candidates))]
    if question.has(Cue.SECOND_ASK) and not sentence_draft.refused:
        # 「归在哪类下面？哪个地方落地过？」: the grid answers the first ask only.
        offset = len(candidates)
        for n, retrieved in sentence_draft.candidates.items():
            candidates[n + offset] = retrieved
        sentences += [
            replace(s, citations=tuple(n + offset for n in s.citations))
            for s in sentence_draft.sentences
        ]
    return Draft(
        NAME,
        tuple(sentences),
        candidates,
        sources_first=tuple(used),
        passages=passages.scoped,
    )


STRATEGY = Strategy(NAME, accepts, answer)
