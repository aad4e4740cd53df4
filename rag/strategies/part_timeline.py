"""「第一部分的时间脉络」: the dated steps of the named part, in reading order."""

from __future__ import annotations

from rag.context import Context
from rag.draft import Draft
from rag.question import Cue, Question
from rag.sections import part_timeline
from rag.strategies.base import Passages, Strategy, quoted_units
from rag.strategies.part_summary import names_a_part

NAME = "part_timeline"


def accepts(question: Question, ctx: Context) -> bool:
    return question.has(Cue.TIMELINE) and names_a_part(question)


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    if not passages.part_path or passages.source is None:
        return None
    steps = part_timeline(ctx.corpus.units, passages.part_path, passages.source, ctx.lexicon)
    return quoted_units(NAME, steps, passages.routed) if steps else None


STRATEGY = Strategy(NAME, accepts, answer)
