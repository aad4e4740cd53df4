"""「报告中没有提到…」: when no other strategy can answer, with the closest passages."""

from __future__ import annotations

from rag.context import Context
from rag.draft import Draft
from rag.question import Question
from rag.strategies.base import Passages, Strategy

NAME = "refusal"


def accepts(question: Question, ctx: Context) -> bool:
    return True


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    return Draft(NAME, refused=True, passages=passages.scoped)


STRATEGY = Strategy(NAME, accepts, answer)
