"""「…是怎么一步步发展的」 with no part named: the dated steps of the best dated passage's
section that name something the question asks about."""

from __future__ import annotations

from rag.context import Context
from rag.draft import Draft
from rag.enumeration import DocumentUnit
from rag.question import Cue, Question
from rag.sections import is_dated, part_timeline
from rag.strategies.base import Passages, Strategy, quoted_units

NAME = "timeline"


def accepts(question: Question, ctx: Context) -> bool:
    return question.has(Cue.TIMELINE)


def _steps(question: Question, passages: Passages, ctx: Context) -> list[DocumentUnit]:
    source = passages.source
    path = next(
        (
            r.chunk.section_path
            for r in passages.routed
            if r.chunk.section_path
            and r.chunk.kind != "table_row"
            and is_dated(r.chunk.text, ctx.lexicon)
        ),
        None,
    )
    if path is None or source is None:
        return []
    steps = [
        unit
        for unit in part_timeline(ctx.corpus.units, path, source, ctx.lexicon)
        if any(term in unit.text for term in question.term_texts)
    ]
    return steps if len(steps) >= 2 else []


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    if passages.part is not None:
        return None  # a named part's timeline is the part's own (`part_timeline`)
    steps = _steps(question, passages, ctx)
    return quoted_units(NAME, steps, passages.routed, by_retrieval=True) if steps else None


STRATEGY = Strategy(NAME, accepts, answer)
