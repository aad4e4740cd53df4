"""「有啥特点」「几条进展」: the whole 一是…二是… enumeration the best evidence belongs to."""

from __future__ import annotations

from collections.abc import Sequence

from rag.context import Context
from rag.draft import Draft
from rag.enumeration import DocumentUnit, enumeration_items
from rag.question import Cue, Question
from rag.strategies.base import Passages, Strategy, quoted_units

NAME = "enumeration"


def accepts(question: Question, ctx: Context) -> bool:
    return question.has(Cue.ALL_ITEMS)


def _items(evidence: Sequence[tuple[str, int]], ctx: Context) -> list[DocumentUnit]:
    """The items of the enumeration the best enumerated evidence belongs to."""
    units = ctx.corpus.units
    for key in evidence:
        position = ctx.corpus.unit_positions.get(key)
        if position is not None:
            items = enumeration_items(units, position, ctx.lexicon)
            if items:
                return items
    return []


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    draft = passages.sentence_draft
    if draft.refused:
        return None
    items = _items(draft.evidence, ctx)
    return quoted_units(NAME, items, passages.scoped) if items else None


STRATEGY = Strategy(NAME, accepts, answer)
