"""Evidence units (sentences, short-line blocks, table rows) and their vectors.

The extractive answerer compares the question with each candidate unit. The
unit vectors are computed once per index generation, after ingest, and cached
under REPORTQA_HOME, so a question only costs dot products.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from rag.types import Chunk

# Evidence units keep 「…；…。」 together: parallel clauses answer one question together.
_UNIT_RE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[”」』）)]*|\n|$)")
_ENDS_SENTENCE = re.compile(r"[。！？；!?;”」』）)]$")
SHORT_LINE = 40


def evidence_units(chunk: Chunk) -> list[str]:
    """The verbatim spans of a chunk that can be quoted as an answer.

    A table row is one unit. Runs of short unpunctuated lines (a cover, an
    author block, a list of names) are kept together as one unit, because each
    line alone says nothing. Every unit is a substring of `chunk.text`.
    """
    text = chunk.text
    if chunk.kind == "table_row":
        return [text.strip()] if text.strip() else []
    units: list[str] = []
    group_start: int | None = None
    group_end = 0
    for match in re.finditer(r"[^\n]+", text):
        line = match.group(0).strip()
        if not line:
            continue
        short = len(line) <= SHORT_LINE
        if short and not _ENDS_SENTENCE.search(line):
            group_start = match.start() if group_start is None else group_start
            group_end = match.end()
            continue
        if group_start is not None:
            if short:  # a short closing line (e.g. 「…博士后」) still belongs to the group
                units.append(text[group_start : match.end()].strip())
                group_start = None
                continue
            units.append(text[group_start:group_end].strip())
            group_start = None
        units.extend(u for u in (m.group(0).strip() for m in _UNIT_RE.finditer(line)) if u)
    if group_start is not None:
        units.append(text[group_start:group_end].strip())
    return [u for u in units if u]


def unit_keys(chunk: Chunk) -> list[str]:
    return [f"{chunk.id}:{i}" for i in range(len(evidence_units(chunk)))]


class UnitVectors:
    """Normalised vectors of every evidence unit of a generation, by `chunk_id:index`."""

    def __init__(self, keys: Sequence[str], matrix: npt.NDArray[np.float32]) -> None:
        self._row = {k: i for i, k in enumerate(keys)}
        self._matrix = matrix

    def __len__(self) -> int:
        return len(self._row)

    def similarities(self, chunk: Chunk, query: npt.NDArray[np.float32]) -> list[float]:
        """Cosine similarity of the query with each unit of `chunk` (0 when unknown)."""
        out = []
        for key in unit_keys(chunk):
            row = self._row.get(key)
            out.append(float(self._matrix[row] @ query) if row is not None else 0.0)
        return out


def cache_path(index_dir: Path, generation: str) -> Path:
    return index_dir / f"units-{generation}.npz"


def load_or_build_unit_vectors(
    chunks: Sequence[Chunk],
    index_dir: Path,
    generation: str,
    embed: Callable[[list[str]], list[list[float]]],
) -> UnitVectors:
    """Load the cached unit vectors of a generation, computing and saving them if missing."""
    path = cache_path(index_dir, generation)
    keys: list[str] = []
    texts: list[str] = []
    for chunk in chunks:
        for i, unit in enumerate(evidence_units(chunk)):
            keys.append(f"{chunk.id}:{i}")
            texts.append(unit)
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as data:
                stored_keys = json.loads(str(data["keys"]))
                matrix = np.asarray(data["vectors"], dtype=np.float32)
            if stored_keys == keys and matrix.shape[0] == len(keys):
                return UnitVectors(keys, matrix)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache is simply rebuilt
    vectors = _reuse_or_embed(keys, texts, index_dir, path, embed)
    _save(path, keys, vectors)
    for stale in index_dir.glob("units-*.npz"):
        if stale != path:
            stale.unlink(missing_ok=True)
    return UnitVectors(keys, vectors)


def _reuse_or_embed(
    keys: list[str],
    texts: list[str],
    index_dir: Path,
    path: Path,
    embed: Callable[[list[str]], list[list[float]]],
) -> npt.NDArray[np.float32]:
    """Vectors for `keys`: taken from an earlier generation's cache where the unit is the
    same (keys are content hashes), embedded otherwise. Adding one report to a library
    so embeds only that report's units."""
    if not texts:
        return np.zeros((0, 1), np.float32)
    known: dict[str, npt.NDArray[np.float32]] = {}
    for older in index_dir.glob("units-*.npz"):
        if older == path:
            continue
        try:
            with np.load(older, allow_pickle=False) as data:
                old_keys = json.loads(str(data["keys"]))
                matrix = np.asarray(data["vectors"], dtype=np.float32)
        except (OSError, ValueError, KeyError):
            continue
        if matrix.shape[0] == len(old_keys):
            known.update(zip(old_keys, matrix, strict=True))
    if len({v.shape[0] for v in known.values()}) > 1:
        known = {}  # caches of two models: trust neither
    missing = [i for i, key in enumerate(keys) if key not in known]
    fresh = np.asarray(embed([texts[i] for i in missing]), dtype=np.float32) if missing else None
    dimension = fresh.shape[1] if fresh is not None else next(iter(known.values())).shape[0]
    if known and next(iter(known.values())).shape[0] != dimension:
        return np.asarray(embed(texts), dtype=np.float32)  # another model's cache
    vectors = np.zeros((len(keys), dimension), np.float32)
    for i, key in enumerate(keys):
        if key in known:
            vectors[i] = known[key]
    if fresh is not None:
        vectors[missing] = fresh
    return vectors


def _save(path: Path, keys: list[str], vectors: npt.NDArray[np.float32]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    os.close(handle)
    try:
        with open(tmp, "wb") as out:
            np.savez(out, keys=np.asarray(json.dumps(keys, ensure_ascii=False)), vectors=vectors)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
