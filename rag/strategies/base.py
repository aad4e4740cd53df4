"""What every strategy shares: the `Strategy` record, the per-question `Passages`
workspace, and a draft that quotes report units where they stand."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

from rag.context import Context
from rag.draft import Draft
from rag.enumeration import DocumentUnit
from rag.evidence import bigrams, question_coverage
from rag.extractive import SentenceDraft, draft_answer
from rag.question import Cue, Question
from rag.slots import agent_unnamed, place_unnamed
from rag.tabular import Table, tables_of
from rag.types import AnswerSentence, Chunk, Retrieved


@dataclass(frozen=True)
class Passages:
    """One question's passages and what is worked out from them once.

    `routed` are the reranked passages of the report the question was routed to (or
    named); `scoped` the ones in the part the question names (the routed ones when it
    names none, or none of them lies there). `source` is the report the answer
    comes from and `part` the top-level heading the question names in it.
    """

    question: Question
    ctx: Context
    routed: tuple[Retrieved, ...]
    scoped: tuple[Retrieved, ...]
    source: str | None = None
    part: str | None = None
    part_path: tuple[str, ...] = ()

    @cached_property
    def scorers(self) -> tuple[Callable[[str], float], Callable[[str], bool] | None]:
        """Term weights and mention check of the report the passages come from."""
        return self.ctx.scorers.for_passages(self.routed)

    @property
    def weight(self) -> Callable[[str], float]:
        return self.scorers[0]

    @cached_property
    def rows(self) -> tuple[Chunk, ...]:
        """The table rows of the answer's report."""
        return self.ctx.corpus.rows_of(self.source)

    @cached_property
    def tables(self) -> tuple[Table, ...]:
        """The answer's report's tables, read as tables (`rag.tabular`)."""
        return tables_of(self.rows)

    @cached_property
    def sentence_draft(self) -> SentenceDraft:
        """The sentence-extraction draft over the scoped passages (computed once)."""
        weight, corpus_has = self.scorers
        draft = draft_answer(
            self.question,
            self.scoped,
            weight,
            self.ctx.scoring,
            self.ctx.lexicon,
            unit_similarity=self.ctx.scorers.similarity_to(self.question.text),
            corpus_has=corpus_has,
            next_chunk=self.ctx.corpus.next_chunk,
            previous_chunk=self.ctx.corpus.previous_chunk,
        )
        tag = self.ctx.language.tag
        if (
            draft.refused
            or tag is None
            or self.question.has(Cue.CONFIRMATION)
            or not any(
                unnamed(
                    self.question, closest_sentences(self.question, draft), self.ctx.lexicon, tag
                )
                for unnamed in (agent_unnamed, place_unnamed)
            )
        ):
            return draft
        # 「…是谁开发的」 quoted with a sentence that names nobody (「南京大学的科研人员…」
        # for 「南京大学那个…是谁带队搞的」), or 「在哪座城市」 with one that names no place:
        # the report does not say who or where. A name in another sentence quoted beside
        # it (a person who wrote another article) is not the one asked for.
        return SentenceDraft((), {}, {}, refused=True, coverage=draft.coverage)


_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]*")


def closest_sentences(question: Question, draft: SentenceDraft) -> str:
    """The draft's sentences that share the most character pairs with the question: the
    ones that state what it asks about, where the name it asks for would be.

    A follow-up's rewrite carries the earlier turn's words (「那张锋团队呢？」 read as
    「…张锋团队，谁提出…」): they say little of where its answer is, so all are kept.
    """
    if not question.followup.standalone:
        return " ".join(s.text for s in draft.sentences)
    # Units are cut at line ends too: a sentence broken over two lines is read whole.
    said = [s.strip() for s in _SENTENCE.findall(" ".join(s.text for s in draft.sentences))]
    said = [s for s in said if s]
    asked = _pairs_and_numbers(question.text)
    shared = [len(asked & _pairs_and_numbers(sentence)) for sentence in said]
    most = max(shared, default=0)
    return " ".join(s for s, n in zip(said, shared, strict=True) if n == most)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _pairs_and_numbers(text: str) -> set[str]:
    """The character pairs of a text's words, each number counted once as itself: a date
    (「2017年10月」) is one thing the question says, not seven pairs of digits."""
    pieces = _NUMBER.split(text)
    return set(_NUMBER.findall(text)).union(*(bigrams(piece) for piece in pieces))


def prose_coverage(passages: Passages) -> float:
    """How well the sentence draft covers the question, as a rival to an answer read off a
    table (0 when it refused): what its sentences say, a table row it quotes read with
    its caption and header, as the table's answer is."""
    draft = passages.sentence_draft
    if draft.refused:
        return 0.0
    said = []
    for n, sentence in enumerate(draft.sentences):
        if n in draft.tied:
            continue  # kept as near-tied with the best, not for what it covers
        chunks = [draft.candidates[n].chunk for n in sentence.citations if n in draft.candidates]
        row = next((c for c in chunks if c.kind == "table_row"), None)
        if row is not None:
            said.append(f"{row.table_caption}\n{row.table_header}")
        said.append(sentence.text)
    return question_coverage(passages.question, "\n".join(said), passages.weight)


Accepts = Callable[[Question, Context], bool]
Answers = Callable[[Question, Passages, Context], "Draft | None"]


@dataclass(frozen=True)
class Strategy:
    """One way of answering: its name, what it accepts, and how it drafts an answer."""

    name: str
    accepts: Accepts
    answer: Answers


def quoted_units(
    strategy: str,
    units: Sequence[DocumentUnit],
    passages: Sequence[Retrieved],
    by_retrieval: bool = False,
) -> Draft:
    """A draft that quotes these report units in order, each citing its chunk.

    The units are read from the report's structure (an enumeration, a part's
    opening), not necessarily from the retrieved passages: their chunks lead the
    sources, so that every quoted passage is shown. With `by_retrieval`, the best
    retrieved of them leads.
    """
    quoted = list(dict.fromkeys(u.chunk for u in units))
    if by_retrieval:
        rank = {r.chunk.id: i for i, r in enumerate(passages)}
        quoted.sort(key=lambda c: rank.get(c.id, len(rank)))
    numbers: dict[str, int] = {}
    candidates: dict[int, Retrieved] = {}
    sentences = []
    for unit in units:
        n = numbers.setdefault(unit.chunk.id, len(numbers) + 1)
        candidates[n] = Retrieved(unit.chunk, 1.0, n)
        sentences.append(AnswerSentence(unit.text, (n,)))
    return Draft(
        strategy,
        tuple(sentences),
        candidates,
        sources_first=tuple(quoted),
        passages=tuple(passages),
    )


def read_off(
    strategy: str,
    sentences: Sequence[AnswerSentence],
    chunks: Sequence[Chunk],
    passages: Sequence[Retrieved],
) -> Draft:
    """A draft read off these chunks (a table, a grid, the TOC), which lead the sources;
    sentences cite chunks by their 1-based position."""
    candidates = {i + 1: Retrieved(chunk, 1.0, i + 1) for i, chunk in enumerate(chunks)}
    return Draft(
        strategy,
        tuple(sentences),
        candidates,
        sources_first=tuple(chunks),
        passages=tuple(passages),
    )


__all__ = ["Passages", "Strategy", "prose_coverage", "quoted_units", "read_off"]
