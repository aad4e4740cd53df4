"""Sentence extraction: the report's own sentences that answer, led by the direct answer
(「2015 年。」) or a correction of the question's premise."""

from __future__ import annotations

from rag.context import Context
from rag.draft import Draft
from rag.question import Question
from rag.strategies.base import Passages, Strategy

NAME = "sentences"


def accepts(question: Question, ctx: Context) -> bool:
    return True


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    draft = passages.sentence_draft
    if draft.refused:
        return None
    lead = draft.premise_note or (f"{draft.lead}。" if draft.lead else "")
    return Draft(
        NAME,
        draft.sentences,
        draft.candidates,
        lead=lead,
        passages=passages.scoped,
    )


STRATEGY = Strategy(NAME, accepts, answer)
