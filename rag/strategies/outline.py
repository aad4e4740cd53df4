"""「这份报告分成哪几部分？」: the top-level headings, read off the table of contents."""

from __future__ import annotations

from rag.context import Context
from rag.draft import Draft
from rag.question import Cue, Question
from rag.strategies.base import Passages, Strategy, read_off
from rag.structure import outline_answer
from rag.types import AnswerSentence

NAME = "outline"


def accepts(question: Question, ctx: Context) -> bool:
    return question.has(Cue.OUTLINE)


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    found = outline_answer(question, ctx.toc_chunks, passages.source, ctx.lexicon)
    if found is None:
        return None
    text, toc = found
    return read_off(NAME, [AnswerSentence(f"{text}。", (1,))], [toc], passages.routed)


STRATEGY = Strategy(NAME, accepts, answer)
