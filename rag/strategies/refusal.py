"""「报告中没有提到…」: when no other strategy can answer, with the closest passages."""

from __future__ import annotations

from rag.context import Context
from rag.draft import Draft
from rag.question import Question
from rag.strategies.base import Passages, Strategy

NAME = "refusal"


def accepts(question: Question, ctx: Context) -> bool:
    return True


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    # The sentence draft may know why nothing answers (a why-question the report does not
    # give a reason for); otherwise the plain refusal names what the report lacks.
    draft = passages.sentence_draft
    # Its evidence (the passage stating what the question asks a reason for) leads the
    # closest passages.
    first = {chunk_id for chunk_id, _ in draft.evidence} if draft.refusal else set()
    shown = sorted(passages.scoped, key=lambda r: r.chunk.id not in first)
    return Draft(NAME, refused=True, passages=tuple(shown), refusal=draft.refusal)


STRATEGY = Strategy(NAME, accepts, answer)
