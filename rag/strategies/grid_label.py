"""「服务内容包括哪几项？」: the cells of the grid rows under a numbered label the question names."""

from __future__ import annotations

from rag.context import Context
from rag.draft import Draft
from rag.evidence import question_coverage
from rag.grid import label_answer
from rag.question import Intent, Question
from rag.strategies.base import Passages, Strategy, read_off
from rag.types import AnswerSentence

NAME = "grid_label"


def accepts(question: Question, ctx: Context) -> bool:
    return question.intent in (Intent.LIST, Intent.OTHER, Intent.DEFINITION)


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    weight = passages.weight
    found = label_answer(
        question,
        passages.rows,
        lambda text: question_coverage(question, text, weight),
        ctx.lexicon,
    )
    if found is None:
        return None
    lead, members = found
    cited = tuple(range(1, len(members) + 1))
    return read_off(NAME, [AnswerSentence(lead, cited)], members, passages.scoped)


STRATEGY = Strategy(NAME, accepts, answer)
