"""The second-stage reranker: chunks ordered by their best sentence for the question."""

from __future__ import annotations

from rag.evidence import ScoringSettings
from rag.rerank import RerankSettings, rerank
from rag.types import Chunk, Retrieved
from tests.questions import packaged_lexicon, question_of

LEXICON = packaged_lexicon()


def _chunk(n: int, text: str) -> Chunk:
    return Chunk(
        id=f"c{n}",
        text=text,
        source="r.txt",
        title="报告",
        section_path=("三、政策性科技保险取得新进展",),
        page_start=4,
        page_end=4,
        position=n,
    )


def _weight(term: str) -> float:
    return 1.0


# The first-stage fusion put the chunk that merely mentions the words first.
_RETRIEVED = (
    Retrieved(_chunk(1, "共保体 很多。共保体 遴选 另有安排。"), score=0.9, rank=1),
    Retrieved(_chunk(2, "其他内容。"), score=0.8, rank=2),
    Retrieved(_chunk(3, "开场白。共保体 遴选 启动 于 2025 年 10 月。"), score=0.7, rank=3),
)


def test_the_chunk_with_the_answering_sentence_moves_to_the_top() -> None:
    analysis = question_of("共保体 遴选 启动 是 哪一年？")
    out = rerank(analysis, _RETRIEVED, _weight, RerankSettings(), ScoringSettings(), LEXICON)
    assert [r.chunk.id for r in out] == ["c3", "c1", "c2"]
    assert [r.rank for r in out] == [1, 2, 3]
    # The first-stage rank is kept: the answer step's prior must not count the rerank twice.
    assert [r.first_rank for r in out] == [3, 1, 2]
    assert out[0].retrieval_rank == 3


def test_disabled_reranking_keeps_the_first_stage_order() -> None:
    analysis = question_of("共保体 遴选 启动 是 哪一年？")
    out = rerank(
        analysis, _RETRIEVED, _weight, RerankSettings(enabled=False), ScoringSettings(), LEXICON
    )
    assert out == _RETRIEVED


def test_unit_similarity_breaks_lexical_ties() -> None:
    analysis = question_of("遴选 情况？")
    tied = (
        Retrieved(_chunk(1, "遴选 在 北京 进行。"), score=0.9, rank=1),
        Retrieved(_chunk(2, "遴选 在 深圳 进行。"), score=0.8, rank=2),
    )

    def similarity(item: Retrieved) -> list[float]:
        return [0.9 if item.chunk.id == "c2" else 0.5]

    out = rerank(analysis, tied, _weight, RerankSettings(), ScoringSettings(), LEXICON, similarity)
    assert [r.chunk.id for r in out] == ["c2", "c1"]
