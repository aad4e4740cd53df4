"""「这份报告分成哪几部分？」: the top-level headings, read off the table of contents, or off
the body's own headings when the report has none."""

from __future__ import annotations

from rag.context import Context
from rag.draft import Draft
from rag.question import Cue, Question
from rag.strategies.base import Passages, Strategy, read_off
from rag.structure import body_outline, outline_answer
from rag.types import AnswerSentence

NAME = "outline"


def accepts(question: Question, ctx: Context) -> bool:
    return question.has(Cue.OUTLINE)


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    found = outline_answer(question, ctx.toc_chunks, passages.source, ctx.lexicon)
    if found is not None:
        text, toc = found
        return read_off(NAME, [AnswerSentence(f"{text}。", (1,))], [toc], passages.routed)
    if passages.source is None:
        return None
    headings = body_outline(ctx.parts.get(passages.source, ()), ctx.lexicon)
    if headings is None:
        return None
    text, chunks = headings
    cited = tuple(range(1, len(chunks) + 1))
    return read_off(NAME, [AnswerSentence(f"{text}。", cited)], chunks, passages.routed)


STRATEGY = Strategy(NAME, accepts, answer)
