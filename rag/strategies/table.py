"""「表1一共列了多少份」「表1里最晚的一份」: read off a numbered table as a whole."""

from __future__ import annotations

from rag.context import Context
from rag.draft import Draft
from rag.question import Question
from rag.strategies.base import Passages, Strategy, read_off
from rag.tables import asks_about_a_table, table_answer

NAME = "table"


def accepts(question: Question, ctx: Context) -> bool:
    return asks_about_a_table(question)


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    # The report the passages come from (routed or named): its own tables only.
    found = table_answer(question, passages.rows, ctx.lexicon)
    if found is None:
        return None
    sentences, members = found
    return read_off(NAME, sentences, members, passages.scoped)


STRATEGY = Strategy(NAME, accepts, answer)
