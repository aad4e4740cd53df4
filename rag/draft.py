"""`Draft`: what an answer strategy (or the LLM) proposes, before verification.

The verify stage (`rag.verify.assemble_answer`) turns every Draft into the
`Answer`, the same way for every strategy and for LLM mode: each sentence's
citations are checked, failing sentences are dropped, and a draft with nothing
left becomes a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from rag.types import AnswerSentence, Chunk, Retrieved


@dataclass(frozen=True)
class Draft:
    """An answer before its citations are checked.

    `sentences` cite 1-based numbers of `candidates`. `lead` is a sentence put
    before them, citing what the first sentence cites: the direct answer
    (「2015 年。」) or a premise correction. `sources_first` are chunks that must
    lead the sources shown with the answer (an answer read off the report's
    structure, which the retrieved passages may not hold), followed by `passages`.
    `model` names the LLM that wrote the draft ("" for the extractive strategies);
    `withheld` are texts (the prompts) no dropped sentence may recite. `refusal` is a
    refused draft's own refusal sentence.
    """

    strategy: str
    sentences: tuple[AnswerSentence, ...] = ()
    candidates: Mapping[int, Retrieved] = field(default_factory=dict)
    refused: bool = False
    lead: str = ""
    sources_first: tuple[Chunk, ...] = ()
    passages: tuple[Retrieved, ...] = ()
    model: str = ""
    withheld: tuple[str, ...] = ()
    # The refusal a strategy states when it knows why the report cannot answer (「表1只列出
    # 2014年、2015年、2016年，没有2017年的数据」); "" gives the plain refusal.
    refusal: str = ""

    def sources(self) -> tuple[Retrieved, ...]:
        """The passages to show: `sources_first` at the head, the list keeping its length."""
        if not self.sources_first:
            return self.passages
        ids = {c.id for c in self.sources_first}
        head = [Retrieved(chunk, 1.0, 0) for chunk in self.sources_first]
        rest = [r for r in self.passages if r.chunk.id not in ids]
        shown = [*head, *rest][: max(len(head), len(self.passages))]
        return tuple(
            replace(r, rank=i, first_rank=r.retrieval_rank if r.chunk.id not in ids else 0)
            for i, r in enumerate(shown, start=1)
        )


__all__ = ["Draft"]
