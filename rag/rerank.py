"""Second-stage reranking: order the retrieved chunks by their best sentence.

First-stage retrieval scores whole 200-character chunks (BM25 + e5, fused). A
chunk that holds one sentence answering the question can rank below a chunk
that shares more words with it overall. The reranker scores every evidence
unit (sentence, table row) of the retrieved chunks with the same features the
extractive answerer uses (weighted term coverage, e5 similarity of question and
unit, fit to the question type) and orders the chunks by their best unit, with
a weak prior from the first-stage rank.

It runs in both modes: the LLM reads its context in this order, and the
sources panel shows it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from rag.evidence import ScoringSettings, score_evidence
from rag.lexicon import Lexicon
from rag.question import Question
from rag.types import Retrieved


@dataclass(frozen=True)
class RerankSettings:
    """Measured on the dev split (README, "Reranking")."""

    enabled: bool = True
    # Weaker than the answer step's prior: here the unit scores should decide the order.
    rank_decay: float = 0.05


def rerank(
    question: Question,
    retrieved: Sequence[Retrieved],
    weight: Callable[[str], float],
    settings: RerankSettings,
    scoring: ScoringSettings,
    lexicon: Lexicon,
    unit_similarity: Callable[[Retrieved], list[float]] | None = None,
) -> tuple[Retrieved, ...]:
    """The same chunks ordered by their best evidence unit; ranks renumbered from 1.

    Each result keeps its first-stage rank in `first_rank`. Chunks without a
    scorable unit keep their relative order after the others.
    """
    if not settings.enabled or len(retrieved) < 2 or not question.terms:
        return tuple(retrieved)
    evidence = score_evidence(
        question,
        retrieved,
        weight,
        replace(scoring, rank_decay=settings.rank_decay),
        lexicon,
        unit_similarity,
    )
    best: dict[str, float] = {}
    for item in evidence:
        best.setdefault(item.retrieved.chunk.id, item.score)
    ordered = sorted(
        retrieved, key=lambda r: (r.chunk.id not in best, -best.get(r.chunk.id, 0.0), r.rank)
    )
    return tuple(
        replace(item, rank=position, first_rank=item.retrieval_rank)
        for position, item in enumerate(ordered, start=1)
    )


__all__ = ["RerankSettings", "rerank"]
