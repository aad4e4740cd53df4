"""Okapi BM25 over an inverted index, built once and queried many times.

rank_bm25 recomputes a pass over every document per query term, which is
fine for a demo and too slow for 100k chunks. Here each term's postings
(document indices and precomputed BM25 weights) sit in two flat numpy arrays
(CSC layout), so a query touches only the postings of its own terms.

Scores equal rank_bm25.BM25Okapi's: the same idf, log((N - n + 0.5) / (n + 0.5)),
with negative idf values (terms in more than half the documents) replaced by
epsilon × the mean idf, and repeated query tokens counted once per occurrence.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

_FORMAT = "reportqa-bm25/1"


@dataclass(frozen=True)
class BM25Params:
    """Okapi BM25 parameters; `epsilon` is rank_bm25's floor for negative idf."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


def _idf(doc_freq: npt.NDArray[np.int64], n_docs: int, epsilon: float) -> npt.NDArray[np.float64]:
    idf = np.log((n_docs - doc_freq + 0.5) / (doc_freq + 0.5))
    if len(idf):
        floor = epsilon * float(idf.mean())
        idf = np.where(idf < 0, floor, idf)
    return idf


class BM25Index:
    """An immutable BM25 index. Build with `BM25Index.build`, query with `search`."""

    def __init__(
        self,
        ids: list[str],
        vocab: list[str],
        indptr: npt.NDArray[np.int64],
        doc_idx: npt.NDArray[np.int32],
        tf: npt.NDArray[np.int32],
        doc_len: npt.NDArray[np.int32],
        params: BM25Params,
    ) -> None:
        """Low-level constructor; prefer `build` or `from_bytes`."""
        self.ids = ids
        self.params = params
        self._vocab = vocab
        self._term_index = {term: i for i, term in enumerate(vocab)}
        self._id_index = {doc_id: i for i, doc_id in enumerate(ids)}
        if len(self._id_index) != len(ids):
            raise ValueError("BM25Index: duplicate document ids")
        self._indptr = indptr
        self._doc_idx = doc_idx
        self._tf = tf
        self._doc_len = doc_len
        n_docs = len(ids)
        self.avgdl = float(doc_len.mean()) if n_docs else 0.0
        self.idf = _idf(np.diff(indptr), n_docs, params.epsilon)
        # Precompute each posting's full contribution, so a query is a sum.
        if len(tf):
            k1, b = params.k1, params.b
            dl = doc_len[doc_idx].astype(np.float64)
            norm = k1 * (1.0 - b + b * dl / self.avgdl) if self.avgdl else np.full(len(dl), k1)
            tf64 = tf.astype(np.float64)
            per_posting_idf = np.repeat(self.idf, np.diff(indptr))
            self._weights = per_posting_idf * tf64 * (k1 + 1.0) / (tf64 + norm)
        else:
            self._weights = np.zeros(0, dtype=np.float64)

    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        tokens_list: Iterable[Sequence[str]],
        params: BM25Params | None = None,
    ) -> BM25Index:
        """Build the index once from document ids and their token lists."""
        params = params or BM25Params()
        ids = list(ids)
        term_index: dict[str, int] = {}
        # Per-term posting lists, filled in document order so each is sorted.
        post_docs: list[list[int]] = []
        post_tfs: list[list[int]] = []
        doc_len = np.zeros(len(ids), dtype=np.int32)
        n_seen = 0
        for d, tokens in enumerate(tokens_list):
            n_seen += 1
            if d >= len(ids):
                raise ValueError("BM25Index.build: more token lists than ids")
            doc_len[d] = len(tokens)
            for term, count in Counter(tokens).items():
                t = term_index.get(term)
                if t is None:
                    t = term_index[term] = len(post_docs)
                    post_docs.append([])
                    post_tfs.append([])
                post_docs[t].append(d)
                post_tfs[t].append(count)
        if n_seen != len(ids):
            raise ValueError("BM25Index.build: ids and token lists differ in length")
        vocab = list(term_index)
        lengths = np.fromiter((len(p) for p in post_docs), dtype=np.int64, count=len(post_docs))
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        doc_idx = np.fromiter(
            (d for p in post_docs for d in p), dtype=np.int32, count=int(indptr[-1])
        )
        tf = np.fromiter((c for p in post_tfs for c in p), dtype=np.int32, count=int(indptr[-1]))
        return cls(ids, vocab, indptr, doc_idx, tf, doc_len, params)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def vocabulary_size(self) -> int:
        """Number of distinct terms."""
        return len(self._vocab)

    def scores(self, query_tokens: Sequence[str]) -> npt.NDArray[np.float64]:
        """Dense score vector over all documents (for tests and diagnostics)."""
        out = np.zeros(len(self.ids), dtype=np.float64)
        for term in query_tokens:
            t = self._term_index.get(term)
            if t is not None:
                lo, hi = self._indptr[t], self._indptr[t + 1]
                out[self._doc_idx[lo:hi]] += self._weights[lo:hi]
        return out

    def search(
        self, query_tokens: Sequence[str], k: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """Top-k (id, score) among documents sharing at least one query term.

        `allowed` restricts results to those ids (e.g. one report's chunks).
        Only the postings of the query's terms are read.
        """
        if k <= 0 or not self.ids:
            return []
        slices = []
        for term in query_tokens:
            t = self._term_index.get(term)
            if t is not None:
                slices.append((int(self._indptr[t]), int(self._indptr[t + 1])))
        if not slices:
            return []
        n_postings = sum(hi - lo for lo, hi in slices)
        if n_postings * 8 < len(self.ids):
            # Rare terms: sum over the touched postings only (sort-based).
            docs = np.concatenate([self._doc_idx[lo:hi] for lo, hi in slices])
            weights = np.concatenate([self._weights[lo:hi] for lo, hi in slices])
            cand, inverse = np.unique(docs, return_inverse=True)
            totals: npt.NDArray[np.float64] = np.bincount(
                inverse, weights=weights, minlength=len(cand)
            ).astype(np.float64, copy=False)
        else:
            # Common terms touch most documents: a dense accumulator avoids
            # sorting millions of postings. Doc indices are unique within a
            # term's postings, so fancy-index += is exact.
            acc = np.zeros(len(self.ids), dtype=np.float64)
            touched = np.zeros(len(self.ids), dtype=bool)
            for lo, hi in slices:
                rows = self._doc_idx[lo:hi]
                acc[rows] += self._weights[lo:hi]
                touched[rows] = True
            cand = np.flatnonzero(touched)
            totals = acc[cand]
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            allowed_idx = [i for i in (self._id_index.get(a) for a in allowed) if i is not None]
            mask[np.asarray(allowed_idx, dtype=np.int64)] = True
            keep = mask[cand]
            cand, totals = cand[keep], totals[keep]
        if len(cand) == 0:
            return []
        if len(cand) > k:
            top = np.argpartition(-totals, k - 1)[:k]
            cand, totals = cand[top], totals[top]
        # Ties broken by document order, so results are deterministic.
        order = np.lexsort((cand, -totals))
        return [(self.ids[int(cand[i])], float(totals[i])) for i in order]

    def to_bytes(self) -> bytes:
        """Serialise as .npz (arrays) with a JSON header; no pickle involved."""
        header = {
            "format": _FORMAT,
            "params": asdict(self.params),
            "ids": self.ids,
            "vocab": self._vocab,
        }
        header_bytes = np.frombuffer(
            json.dumps(header, ensure_ascii=False).encode("utf-8"), dtype=np.uint8
        )
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            header=header_bytes,
            indptr=self._indptr,
            doc_idx=self._doc_idx,
            tf=self._tf,
            doc_len=self._doc_len,
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> BM25Index:
        """Load what `to_bytes` wrote."""
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            header = json.loads(npz["header"].tobytes().decode("utf-8"))
            if header.get("format") != _FORMAT:
                raise ValueError(f"不是可识别的 BM25 索引格式：{header.get('format')!r}")
            return cls(
                ids=list(header["ids"]),
                vocab=list(header["vocab"]),
                indptr=npz["indptr"].astype(np.int64, copy=False),
                doc_idx=npz["doc_idx"].astype(np.int32, copy=False),
                tf=npz["tf"].astype(np.int32, copy=False),
                doc_len=npz["doc_len"].astype(np.int32, copy=False),
                params=BM25Params(**header["params"]),
            )
