"""The one ordered list that decides which strategy answers a question.

The first strategy whose `accepts` is true and whose `answer` returns a Draft
wins. The order matters: structural answers (the publication, the outline, a
named part, a timeline, a table, a grid) come before sentence extraction, and
the refusal is last.
"""

from __future__ import annotations

from rag.context import Context
from rag.draft import Draft
from rag.question import Question
from rag.strategies import (
    announced,
    conclusion,
    enumeration,
    grid_column,
    grid_label,
    outline,
    part_summary,
    part_timeline,
    problems,
    publication,
    recommendations,
    refusal,
    sentences,
    table,
    table_cell,
    table_extreme,
    timeline,
    topic_part,
)
from rag.strategies.base import Passages, Strategy

STRATEGIES: tuple[Strategy, ...] = (
    publication.STRATEGY,
    outline.STRATEGY,
    part_summary.STRATEGY,
    recommendations.STRATEGY,
    problems.STRATEGY,
    conclusion.STRATEGY,
    part_timeline.STRATEGY,
    timeline.STRATEGY,
    table.STRATEGY,
    table_extreme.STRATEGY,
    table_cell.STRATEGY,
    grid_label.STRATEGY,
    enumeration.STRATEGY,
    topic_part.STRATEGY,
    announced.STRATEGY,
    grid_column.STRATEGY,
    sentences.STRATEGY,
    refusal.STRATEGY,
)


def draft_with_strategies(question: Question, passages: Passages, ctx: Context) -> Draft:
    """The Draft of the first strategy that accepts the question and answers it."""
    for strategy in STRATEGIES:
        if strategy.name in ctx.skipped_strategies and strategy.name != "refusal":
            continue
        if strategy.accepts(question, ctx):
            draft = strategy.answer(question, passages, ctx)
            if draft is not None:
                return draft
    raise AssertionError("the refusal strategy always answers")


__all__ = ["STRATEGIES", "draft_with_strategies"]
