"""「这份报告是哪个机构出的」「作者们是哪个单位的」「DOI号是多少」: publication facts,
quoted from the front matter or imprint; a field the report never gives is refused."""

from __future__ import annotations

from rag.context import Context
from rag.draft import Draft
from rag.publication import asked_fields, publication_statements, states_nothing_of
from rag.question import Question
from rag.strategies.base import Passages, Strategy, read_off
from rag.types import AnswerSentence, Chunk

NAME = "publication"


def accepts(question: Question, ctx: Context) -> bool:
    return bool(asked_fields(question, ctx.lexicon))


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    chunks, source, lexicon = ctx.corpus.chunks, passages.source, ctx.lexicon
    statements = publication_statements(question, chunks, source, lexicon)
    if not statements:
        if states_nothing_of(question, chunks, source, lexicon):
            return Draft(NAME, refused=True, passages=passages.routed)
        return None
    quoted: list[Chunk] = list(dict.fromkeys(s.chunk for s in statements))
    sentences = [AnswerSentence(s.text, (quoted.index(s.chunk) + 1,)) for s in statements]
    return read_off(NAME, sentences, quoted, passages.routed)


STRATEGY = Strategy(NAME, accepts, answer)
