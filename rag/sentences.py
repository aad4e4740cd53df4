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
    vectors = np.asarray(embed(texts), dtype=np.float32) if texts else np.zeros((0, 1), np.float32)
    _save(path, keys, vectors)
    for stale in index_dir.glob("units-*.npz"):
        if stale != path:
            stale.unlink(missing_ok=True)
    return UnitVectors(keys, vectors)


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
