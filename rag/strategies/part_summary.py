"""「第二部分讲了啥」「第4部分…主要有哪几方面」「研究现状那部分梳理了哪几方面」: the named
part's lead and the heads of its items."""

from __future__ import annotations

from rag.context import Context
from rag.draft import Draft
from rag.enumeration import DocumentUnit
from rag.question import Cue, Question
from rag.sections import part_summary
from rag.strategies.base import Passages, Strategy, quoted_units
from rag.topics import asserts_figures, covers_topic, topic_terms

NAME = "part_summary"


def names_a_part(question: Question) -> bool:
    """Whether the question may name a part (by number, or by a title before 「里」…)."""
    scope = question.scope
    return scope.part_number is not None or bool(scope.part_title_words or scope.part_title_strong)


def accepts(question: Question, ctx: Context) -> bool:
    asks = question.has(Cue.SUMMARY) or question.has(Cue.ALL_ITEMS)
    return asks and names_a_part(question) and not asserts_figures(question)


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    if not passages.part_path or passages.source is None:
        return None
    parts = ctx.parts.get(passages.source, ())
    summary: list[DocumentUnit] = part_summary(
        ctx.corpus.units, parts, passages.part_path, ctx.lexicon
    )
    if not summary:
        return None
    terms = topic_terms(question, passages.weight, passages.scorers[1], ctx.lexicon)
    # The words that describe the part (「讲…怎么迭代升级的那部分」) name it, not a topic in it.
    described = question.scope.part_title_strong
    terms = [(text, w) for text, w in terms if not any(text in d for d in described)]
    if not question.has(Cue.SUMMARY) and not covers_topic(terms, summary):
        # 「第三部分提到哪几家公司」 asks for things inside the part, not its outline.
        return None
    return quoted_units(NAME, summary, passages.routed)


STRATEGY = Strategy(NAME, accepts, answer)
