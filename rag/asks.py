"""Questions that ask two things: 「海淀的政策是哪个月出的？致谢里谢了海淀哪个部门？」.

One retrieval for the whole question finds the passage of the first ask, or of the
ask with more words; when the second ask lives elsewhere in the report (the other
end of a multi-hop question), it goes unanswered. Each later ask is therefore
answered on its own, as a follow-up of the first (so 「它」「那个」 resolve), and what
it adds is appended with its own citations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from rag.types import Answer, AnswerSentence, Citation, Turn

# An ask shorter than this (「哪年？」「是吗？」) is a tag on the one before, not a question.
MIN_ASK_CHARS = 5
MAX_ASKS = 3

AnswerFn = Callable[[str, Sequence[Turn]], Answer]


def split_asks(question: str) -> tuple[str, ...]:
    """The asks of a question, split at its question marks; one ask → ``(question,)``."""
    parts = [p.strip(" ，,。") for p in re.split(r"[？?]+", question)]
    asks = [f"{p}？" for p in parts if len(re.sub(r"\W", "", p)) >= MIN_ASK_CHARS]
    if len(asks) < 2 or len(asks) > MAX_ASKS:
        return (question,)
    return tuple(asks)


def answer_each_ask(question: str, history: Sequence[Turn], answer: AnswerFn) -> Answer:
    """Answer the whole question, then add what each later ask finds elsewhere.

    A later ask contributes only sentences resting on passages the answer does not
    cite yet: when one passage answers both asks, the answer is the whole
    question's. When the whole question is refused, the first ask is tried alone.
    """
    whole = answer(question, history)
    asks = split_asks(question)
    if len(asks) < 2:
        return whole
    spent = [whole]
    base = whole
    if whole.refused:
        spent.append(answer(asks[0], history))
        if not spent[-1].refused:
            base = replace(
                spent[-1], question=whole.question, resolved_question=whole.resolved_question
            )
    for ask in asks[1:]:
        context = [*history, Turn("user", asks[0]), Turn("assistant", base.text)]
        extra = answer(ask, context)
        spent.append(extra)
        if extra.refused:
            continue
        if base.refused:
            base = replace(
                extra, question=whole.question, resolved_question=whole.resolved_question
            )
            continue
        base = merge_answers(base, extra)
    total = sum(a.timings_ms.get("total", 0.0) for a in spent)
    return replace(base, timings_ms={**base.timings_ms, "total": total})


def merge_answers(first: Answer, extra: Answer) -> Answer:
    """`first` followed by the sentences of `extra` that rest on passages `first` lacks."""
    cited = {c.chunk_id for c in first.citations}
    by_number = {c.n: c for c in extra.citations}
    new_citations: list[Citation] = list(first.citations)
    renumber: dict[int, int] = {}
    sentences: list[AnswerSentence] = list(first.sentences)
    given = {s.text for s in first.sentences}
    for sentence in extra.sentences:
        sources = [by_number[n] for n in sentence.citations if n in by_number]
        if sentence.text in given or not sources or all(c.chunk_id in cited for c in sources):
            continue
        numbers = []
        for citation in sources:
            if citation.n not in renumber:
                renumber[citation.n] = len(new_citations) + 1
                new_citations.append(replace(citation, n=renumber[citation.n]))
            numbers.append(renumber[citation.n])
        sentences.append(AnswerSentence(sentence.text, tuple(numbers)))
        given.add(sentence.text)
    if len(sentences) == len(first.sentences):
        return first
    from rag.verify import render_answer

    seen = {r.chunk.id for r in first.retrieved}
    retrieved = (*first.retrieved, *(r for r in extra.retrieved if r.chunk.id not in seen))
    return replace(
        first,
        text=render_answer(sentences),
        sentences=tuple(sentences),
        citations=tuple(new_citations),
        retrieved=retrieved,
    )


__all__ = ["answer_each_ask", "merge_answers", "split_asks"]
