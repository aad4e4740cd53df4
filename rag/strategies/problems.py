"""「目前还存在哪些问题」「短板在哪，卡在哪些地方」: the items of the report's part on its
problems (a title with 问题, 瓶颈, 挑战, 不足 …), or of its sub-part on the question's topic."""

from __future__ import annotations

from rag.context import Context
from rag.draft import Draft
from rag.question import Cue, Question
from rag.strategies.base import Passages, Strategy
from rag.strategies.recommendations import section_items
from rag.topics import asserts_figures

NAME = "problems"


def accepts(question: Question, ctx: Context) -> bool:
    # 「针对这些问题提了哪些建议」 asks for the recommendations (that strategy comes first).
    return question.has(Cue.PROBLEMS) and not asserts_figures(question)


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    # Problems are asked in the asker's own words (「卡脖子的地方」) more than recommendations
    # are: a topic the report seems never to discuss is left to sentence extraction.
    title = ctx.lexicon.patterns.problem_title
    return section_items(NAME, title, question, passages, ctx, refuse_unknown=False)


STRATEGY = Strategy(NAME, accepts, answer)
