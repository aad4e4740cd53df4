"""「这篇研究最后得出了啥结论」「作者对…的整体判断是啥」「概括一下这份报告」: what the
report concludes as a whole, from its 摘要 and its closing section; asked what the whole
report is about (「这篇报告主要讲了啥」), also the headings of its parts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rag.conclusions import conclusions
from rag.context import Context
from rag.draft import Draft
from rag.question import Cue, Question
from rag.strategies.base import Passages, Strategy, quoted_units
from rag.structure import body_outline
from rag.topics import about_whole, asserts_figures, topic_terms
from rag.types import AnswerSentence, Chunk, Retrieved

NAME = "conclusion"


def accepts(question: Question, ctx: Context) -> bool:
    whole = question.has(Cue.CONCLUSION) or (
        question.has(Cue.SUMMARY) and question.has(Cue.WHOLE_REPORT)
    )
    return whole and not asserts_figures(question)


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    source = passages.source
    if source is None or passages.part_path:
        return None  # a part the question names is summarised by `part_summary`
    parts = ctx.parts.get(source, ())
    found = conclusions(ctx.corpus.units, parts, source, ctx.lexicon)
    terms = topic_terms(question, passages.weight, passages.scorers[1], ctx.lexicon)
    whole = about_whole(terms, next((p.first.title for p in parts), ""))
    if not whole:
        # 「作者对地方政府债务的整体判断」: the conclusions that speak of it, if any.
        found = [u for u in found if any(term in u.text for term, _ in terms)]
    if not found:
        return None
    draft = quoted_units(NAME, found, passages.routed)
    outline = body_outline(parts, ctx.lexicon)
    if outline is not None and whole and not question.has(Cue.CONCLUSION):
        # 「这篇报告主要讲了啥」: what it found, then what its parts cover.
        draft = with_outline(draft, *outline)
    return draft


def with_outline(draft: Draft, text: str, headings: Sequence[Chunk]) -> Draft:
    """The draft with the report's outline (「报告正文分为五部分：…」) as its last sentence,
    citing each heading."""
    first = len(draft.candidates) + 1
    cited = tuple(range(first, first + len(headings)))
    candidates = {
        **draft.candidates,
        **{n: Retrieved(chunk, 1.0, n) for n, chunk in zip(cited, headings, strict=True)},
    }
    return replace(
        draft,
        sentences=(*draft.sentences, AnswerSentence(f"{text}。", cited)),
        candidates=candidates,
        sources_first=(*draft.sources_first, *headings),
    )


STRATEGY = Strategy(NAME, accepts, answer)
