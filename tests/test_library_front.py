"""Front matter and parts of the tuning library's reports, as the answer path reads them.

The reports are third-party texts in `<repo>/../shared/corpora/` (REPORTQA_LIBRARY_DIR
overrides); nothing of them is copied here: every expectation is a property checked
against the report's own `.txt`. Only tuning reports are read (evals/library.toml):
held-out reports are seen by the library eval in aggregate only.
"""

from __future__ import annotations

from functools import cache

import pytest

from evals.library import load_library
from evals.parse_quality import library_dir
from ingest.chunk import chunk_report
from ingest.formats import load_report
from rag.lexicon import load_lexicon
from rag.parts import body_parts, report_parts
from rag.settings import ChunkSettings
from rag.structure import body_outline
from rag.types import Chunk

LIBRARY = library_dir()


def _tuning() -> list[str]:
    if not LIBRARY.is_dir():
        return []
    library = load_library(corpora_dir=LIBRARY)
    return [r.name for r in library.reports if not r.heldout and r.pages is not None]


NAMES = _tuning() or ["library-absent"]


@cache
def _parsed(name: str) -> tuple[str, tuple[Chunk, ...]]:
    """The report's own text without whitespace, and its chunks parsed from the PDF."""
    if name == "library-absent":
        pytest.skip(f"报告库不存在：{LIBRARY}（设置 REPORTQA_LIBRARY_DIR 指向它）")
    text = "".join((LIBRARY / f"{name}.txt").read_text(encoding="utf-8").split())
    report = load_report(LIBRARY / "pdf" / f"{name}.pdf")
    return text, tuple(chunk_report(report, ChunkSettings()))


@pytest.mark.parametrize("name", NAMES)
def test_front_matter_facts_are_copied_from_the_report(name: str) -> None:
    text, chunks = _parsed(name)
    meta = chunks[0].meta
    assert meta is not None and meta.fact("affiliation"), meta
    for key, value in meta.facts:
        assert "".join(value.split()) in text, (key, value)


@pytest.mark.parametrize("name", NAMES)
def test_the_body_outline_is_the_numbered_top_level_headings(name: str) -> None:
    _, chunks = _parsed(name)
    lexicon = load_lexicon()
    parts = report_parts(chunks, chunks[0].source, lexicon)
    numbered = [p.number[0] for p in body_parts(parts) if p.number]
    assert numbered == list(range(1, len(numbered) + 1)) and len(numbered) >= 3
    outline = body_outline(parts, lexicon)
    assert outline is not None and len(outline[1]) == len(numbered)
