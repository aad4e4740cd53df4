"""「这份报告是哪个机构出的？」: publication facts, quoted from the front matter or imprint."""

from __future__ import annotations

from rag.context import Context
from rag.draft import Draft
from rag.question import Cue, Question
from rag.strategies.base import Passages, Strategy, read_off
from rag.structure import publication_answer
from rag.types import AnswerSentence

NAME = "publication"


def accepts(question: Question, ctx: Context) -> bool:
    return question.has(Cue.ABOUT_REPORT) and not question.has(Cue.CONFIRMATION_TAG)


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    found = publication_answer(question, ctx.corpus.chunks, passages.source, ctx.lexicon)
    if found is None:
        return None
    quote, imprint = found
    return read_off(NAME, [AnswerSentence(quote, (1,))], [imprint], passages.routed)


STRATEGY = Strategy(NAME, accepts, answer)
