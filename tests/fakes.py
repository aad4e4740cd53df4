"""Deterministic fake embedders for fast tests (no model, no download).

`HashEmbeddings` seeds a random unit vector from SHA-256 of the text: equal
texts get equal vectors, different texts unrelated ones. `BigramEmbeddings`
hashes character bigrams into a normalised bag-of-ngrams vector, so texts
sharing many bigrams are close: good enough for retrieval tests.
"""

from __future__ import annotations

import hashlib
import itertools
import unicodedata

import numpy as np
from langchain_core.embeddings import Embeddings


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")


class HashEmbeddings(Embeddings):
    """Unit vectors seeded from SHA-256 of the (optionally prefixed) text."""

    def __init__(self, dim: int = 64, query_prompt: str = "", passage_prompt: str = "") -> None:
        self.dim = dim
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.calls: list[str] = []  # every text embedded, for assertions

    def _vector(self, text: str) -> list[float]:
        self.calls.append(text)
        rng = np.random.default_rng(_seed(text))
        v = rng.standard_normal(self.dim)
        return (v / np.linalg.norm(v)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (with `passage_prompt`, like e5's "passage: ")."""
        return [self._vector(self.passage_prompt + t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """Embed a query (with `query_prompt`, like e5's "query: ")."""
        return self._vector(self.query_prompt + text)


class BigramEmbeddings(Embeddings):
    """Bag of hashed character bigrams (plus unigrams), L2-normalised.

    Prompts are not added: they would only add the same constant bigrams to
    every vector.
    """

    def __init__(self, dim: int = 512) -> None:
        self.dim = dim

    def _vector(self, text: str) -> list[float]:
        norm = unicodedata.normalize("NFKC", text).lower()
        chars = [c for c in norm if c.isalnum()]
        v = np.zeros(self.dim)
        grams = chars + [a + b for a, b in itertools.pairwise(chars)]
        for gram in grams:
            h = _seed(gram)
            v[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        n = float(np.linalg.norm(v))
        if n == 0.0:
            v[0] = 1.0
            n = 1.0
        return (v / n).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """Embed a query."""
        return self._vector(text)
