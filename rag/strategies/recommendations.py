"""「作者最后提了哪几条政策建议」「应对风险，作者给了啥建议」: the items of the report's
recommendation section, or of its sub-part or numbered item that names the question's
topic."""

from __future__ import annotations

import re

from rag.conclusions import part_titled
from rag.context import Context
from rag.digest import digest
from rag.draft import Draft
from rag.question import Cue, Question
from rag.strategies.base import Passages, Strategy, quoted_units
from rag.topics import (
    about_whole,
    asserts_figures,
    heading_for_topic,
    item_on_topic,
    topic_terms,
    unknown_topic,
)

NAME = "recommendations"


def accepts(question: Question, ctx: Context) -> bool:
    return question.has(Cue.RECOMMEND) and not asserts_figures(question)


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    return section_items(NAME, ctx.lexicon.patterns.recommendation_title, question, passages, ctx)


def section_items(
    name: str,
    title: re.Pattern[str],
    question: Question,
    passages: Passages,
    ctx: Context,
    *,
    refuse_unknown: bool = True,
) -> Draft | None:
    """The items of the report's last top-level part titled so (建议, or 问题 for
    `rag.strategies.problems`), or of its sub-part on the question's topic. A question
    about a topic the report never discusses is refused (`refuse_unknown`), else left to
    the next strategy."""
    if passages.source is None or passages.part_path:
        return None  # a part the question names is summarised by `part_summary`
    parts = ctx.parts.get(passages.source, ())
    section = part_titled(parts, title)
    if section is None:
        return None
    if unknown_topic(question, passages.scorers[1], section.first.title, ctx.lexicon):
        # Recommendations on a topic the report never discusses (「人才培养上有啥建议」):
        # none of its recommendations is about it.
        return Draft(name, refused=True, passages=passages.routed) if refuse_unknown else None
    terms = topic_terms(question, passages.weight, passages.scorers[1], ctx.lexicon)
    under = [p for p in parts if p.path[: section.depth] == section.path]
    target = heading_for_topic(terms, under)
    # The topic may be the report's, the section's, or what its items are about together
    # (「对中乌新能源合作给了哪几方面建议」 over 「5.2…合作」「5.3…合作渠道」).
    scope = " ".join([section.first.title, section.title, *(p.title for p in under)])
    if target is None and about_whole(terms, scope):
        target = section
    if target is None:
        # No sub-heading names the topic: one of the part's numbered items may.
        item = item_on_topic(terms, ctx.corpus.units, parts, section.path, ctx.lexicon)
        return quoted_units(name, item, passages.routed) if item else None
    items = digest(ctx.corpus.units, parts, target.path, ctx.lexicon, with_lead=False)
    return quoted_units(name, items, passages.routed) if len(items) >= 2 else None


STRATEGY = Strategy(NAME, accepts, answer)
