"""「第二部分讲了啥」: the named part's opening and the opening of each of its items."""

from __future__ import annotations

from rag.context import Context
from rag.draft import Draft
from rag.question import Cue, Question
from rag.sections import part_summary
from rag.strategies.base import Passages, Strategy, quoted_units

NAME = "part_summary"


def names_a_part(question: Question) -> bool:
    """Whether the question may name a part (by number, or by a title before 「里」…)."""
    return question.scope.part_number is not None or bool(question.scope.part_title_words)


def accepts(question: Question, ctx: Context) -> bool:
    return question.has(Cue.SUMMARY) and names_a_part(question)


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    if passages.part is None or passages.source is None:
        return None
    summary = part_summary(ctx.corpus.units, passages.part, passages.source, ctx.lexicon)
    return quoted_units(NAME, summary, passages.routed) if summary else None


STRATEGY = Strategy(NAME, accepts, answer)
