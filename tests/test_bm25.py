"""Inverted-index BM25 against rank_bm25 and the textbook formula."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from rag.bm25 import BM25Index, BM25Params

CORPUS = [
    ["科技", "保险", "中试", "保险", "2015"],
    ["首台", "套", "重大", "技术", "装备", "保险"],
    ["凯世通", "公司", "离子", "注入", "设备"],
    ["科技", "金融", "大", "文章"],
    ["知识产权", "保险", "质押", "保证", "保险", "保险"],
    ["中试", "综合", "保险", "人保", "财险"],
    ["网络", "安全", "保险"],
]
IDS = [f"d{i}" for i in range(len(CORPUS))]
QUERIES = [
    ["保险"],
    ["中试", "保险"],
    ["凯世通", "离子"],
    ["科技", "科技", "金融"],  # repeated query token counts twice, as in rank_bm25
    ["不存在"],
    ["2015", "首台", "套"],
]


def reference_score(
    query: Sequence[str], doc: Sequence[str], corpus: Sequence[Sequence[str]], params: BM25Params
) -> float:
    """Okapi BM25 written out directly, with rank_bm25's epsilon floor for negative idf."""
    n = len(corpus)
    avgdl = sum(len(d) for d in corpus) / n
    df: Counter[str] = Counter()
    for d in corpus:
        df.update(set(d))
    idf = {t: math.log((n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
    floor = params.epsilon * sum(idf.values()) / len(idf)
    tf = Counter(doc)
    score = 0.0
    for q in query:
        if q not in idf:
            continue
        w = idf[q] if idf[q] >= 0 else floor
        score += (
            w
            * tf[q]
            * (params.k1 + 1)
            / (tf[q] + params.k1 * (1 - params.b + params.b * len(doc) / avgdl))
        )
    return score


@pytest.fixture(scope="module")
def index() -> BM25Index:
    return BM25Index.build(IDS, CORPUS)


@pytest.mark.parametrize("query", QUERIES)
def test_scores_equal_rank_bm25(index: BM25Index, query: list[str]) -> None:
    expected = BM25Okapi(CORPUS, k1=1.5, b=0.75, epsilon=0.25).get_scores(query)
    np.testing.assert_allclose(index.scores(query), expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("query", QUERIES)
def test_scores_equal_direct_formula(index: BM25Index, query: list[str]) -> None:
    expected = [reference_score(query, d, CORPUS, BM25Params()) for d in CORPUS]
    np.testing.assert_allclose(index.scores(query), expected, rtol=1e-9, atol=1e-12)


def test_other_params_match_formula() -> None:
    params = BM25Params(k1=0.9, b=0.4)
    index = BM25Index.build(IDS, CORPUS, params)
    query = ["中试", "保险", "金融"]
    expected = [reference_score(query, d, CORPUS, params) for d in CORPUS]
    np.testing.assert_allclose(index.scores(query), expected, rtol=1e-9)


def test_search_ranks_by_score_and_only_matching_docs(index: BM25Index) -> None:
    hits = index.search(["凯世通", "离子"], k=5)
    assert [doc_id for doc_id, _ in hits] == ["d2"]
    hits = index.search(["中试", "保险"], k=10)
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    assert {doc_id for doc_id, _ in hits} == {"d0", "d1", "d4", "d5", "d6"}
    assert hits[0][0] in {"d0", "d5"}


def test_search_k_limits(index: BM25Index) -> None:
    assert len(index.search(["保险"], k=2)) == 2
    assert index.search(["保险"], k=0) == []
    assert index.search([], k=3) == []
    assert index.search(["不存在"], k=3) == []


def test_search_allowed_filters(index: BM25Index) -> None:
    hits = index.search(["保险"], k=10, allowed={"d1", "d6", "unknown"})
    assert {doc_id for doc_id, _ in hits} == {"d1", "d6"}
    assert index.search(["保险"], k=10, allowed=set()) == []
    assert index.search(["凯世通"], k=10, allowed={"d0"}) == []


def test_search_scores_match_dense_scores(index: BM25Index) -> None:
    query = ["中试", "保险", "科技"]
    dense = dict(zip(IDS, index.scores(query), strict=True))
    for doc_id, score in index.search(query, k=10):
        assert score == pytest.approx(dense[doc_id])


def test_round_trip_bytes(index: BM25Index) -> None:
    data = index.to_bytes()
    assert data[:2] == b"PK"  # a zip (.npz), not a pickle
    loaded = BM25Index.from_bytes(data)
    assert len(loaded) == len(index) == len(CORPUS)
    assert loaded.params == index.params
    for query in QUERIES:
        assert loaded.search(query, k=10) == index.search(query, k=10)


def test_from_bytes_rejects_garbage() -> None:
    with pytest.raises((ValueError, OSError, KeyError)):
        BM25Index.from_bytes(b"not an index")


def test_build_validates_lengths_and_ids() -> None:
    with pytest.raises(ValueError):
        BM25Index.build(["a"], [["x"], ["y"]])
    with pytest.raises(ValueError):
        BM25Index.build(["a", "b"], [["x"]])
    with pytest.raises(ValueError):
        BM25Index.build(["a", "a"], [["x"], ["y"]])


def test_empty_index() -> None:
    index = BM25Index.build([], [])
    assert len(index) == 0
    assert index.search(["x"], k=3) == []
    assert len(BM25Index.from_bytes(index.to_bytes())) == 0


def test_ties_are_deterministic() -> None:
    index = BM25Index.build(["b", "a", "c"], [["x", "y"], ["x", "y"], ["z"]])
    assert [d for d, _ in index.search(["x"], k=2)] == ["b", "a"]


def test_sparse_and_dense_paths_agree_with_rank_bm25() -> None:
    # A larger random corpus, so rare-term queries take the sparse (sort-based)
    # path and common-term queries the dense accumulator.
    rng = np.random.default_rng(7)
    vocab = [f"w{i}" for i in range(400)]
    probs = 1.0 / np.arange(1, len(vocab) + 1)
    probs /= probs.sum()
    corpus = [list(rng.choice(vocab, size=int(rng.integers(5, 40)), p=probs)) for _ in range(300)]
    ids = [f"c{i}" for i in range(len(corpus))]
    index = BM25Index.build(ids, corpus)
    reference = BM25Okapi(corpus, k1=1.5, b=0.75, epsilon=0.25)
    for query in (["w390", "w380"], ["w0", "w1", "w2"], ["w0", "w399", "w5"]):
        expected = reference.get_scores(query)
        hits = index.search(query, k=len(ids))
        for doc_id, score in hits:
            assert score == pytest.approx(expected[ids.index(doc_id)], rel=1e-9, abs=1e-12)
        matching = {ids[i] for i, doc in enumerate(corpus) if set(query) & set(doc)}
        assert {doc_id for doc_id, _ in hits} == matching
