"""「这份报告分成哪几部分？」: the top-level headings, read off the table of contents, or off
the body's own headings when the report has none."""

from __future__ import annotations

from rag.context import Context
from rag.draft import Draft
from rag.question import Cue, Question
from rag.strategies.base import Passages, Strategy, read_off
from rag.structure import body_outline, outline_answer
from rag.topics import topic_terms
from rag.types import AnswerSentence

NAME = "outline"


def accepts(question: Question, ctx: Context) -> bool:
    return question.has(Cue.OUTLINE)


def _own_topic(question: Question, passages: Passages, ctx: Context) -> bool:
    """The question names a topic of its own (「那将近10GW设施具体分成哪几块」): its parts
    are that topic's, not the report's. Words of the report's title name the report."""
    # The report's title and the words asking for its parts (「分为几部分」) name no topic.
    outline = ctx.lexicon.cues[Cue.OUTLINE.value].regex
    rest = outline.sub(" ", question.text)
    titles = " ".join({r.chunk.title for r in passages.routed})
    terms = topic_terms(question, passages.weight, passages.scorers[1], ctx.lexicon)
    return any(term in rest and term not in titles for term, _ in terms)


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    if _own_topic(question, passages, ctx):
        return None
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
