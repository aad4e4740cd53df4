"""The word lists of `ingest/structure.toml`, loaded once on first use."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

STRUCTURE_TOML = Path(__file__).resolve().parent / "structure.toml"


@dataclass(frozen=True)
class StructureWords:
    """Words the structure parser consults (see the comments in structure.toml)."""

    quantity_words: tuple[str, ...]
    latin_units: frozenset[str]
    meta_markers: tuple[str, ...]
    affiliation_words: tuple[str, ...]
    keyword_markers: tuple[str, ...]
    funding_markers: tuple[str, ...]
    journal_words: tuple[str, ...]
    table_notes: tuple[str, ...] = ()
    english_caption: tuple[str, ...] = ()
    english_figure_caption: tuple[str, ...] = ()


@functools.cache
def structure_words() -> StructureWords:
    """Read `structure.toml` (cached: the file ships with the package and never changes)."""
    with STRUCTURE_TOML.open("rb") as fh:
        data = tomllib.load(fh)
    headings = data.get("headings", {})
    front = data.get("front_matter", {})
    tables = data.get("tables", {})
    return StructureWords(
        # longest first, so that 「世纪」 is tried before a one-character word
        quantity_words=tuple(sorted(headings.get("quantity_words", []), key=len, reverse=True)),
        latin_units=frozenset(headings.get("latin_units", [])),
        meta_markers=tuple(m.lower().replace(" ", "") for m in front.get("meta_markers", [])),
        affiliation_words=tuple(front.get("affiliation_words", [])),
        keyword_markers=tuple(front.get("keyword_markers", [])),
        funding_markers=tuple(front.get("funding_markers", [])),
        journal_words=tuple(front.get("journal_words", [])),
        table_notes=tuple(tables.get("note_markers", [])),
        english_caption=tuple(tables.get("english_caption", [])),
        english_figure_caption=tuple(tables.get("english_figure_caption", [])),
    )
