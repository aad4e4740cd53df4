"""The seed report parses exactly as it did before issue 15: same blocks, sections,
pages and chunk ids.

`tests/data/nifd_parse_fingerprint.json` was written from the parser as it stood before
the heading, front-matter and page work of issue 15 (our own report, so its section
titles may live in the repository). Regenerate it only for a deliberate change of the
seed's parse, with `python -m tests.test_seed_parse`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ingest.chunk import chunk_report
from ingest.parse import parse_text
from ingest.readers import read_text
from rag.settings import ChunkSettings
from rag.types import ParsedReport

REPO = Path(__file__).resolve().parents[1]
REPORT = REPO / "corpus" / "nifd_2025_tech_insurance_report.txt"
FINGERPRINT = Path(__file__).resolve().parent / "data" / "nifd_parse_fingerprint.json"


def _blocks_digest(report: ParsedReport) -> str:
    rows = [
        [
            b.text,
            list(b.section_path),
            b.page_start,
            b.page_end,
            b.kind,
            b.position,
            b.table_header,
            b.table_caption,
        ]
        for b in report.blocks
    ]
    encoded = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def fingerprint() -> dict[str, Any]:
    """Meta, TOC, a digest of every block, and each chunk's id, section, pages and kind."""
    report = parse_text(read_text(REPORT), REPORT.name)
    chunks = chunk_report(report, ChunkSettings())
    meta = report.meta
    return {
        "meta": [meta.title, meta.series, meta.publisher, list(meta.authors), meta.date],
        "page_kind": report.page_kind,
        "toc": [[e.heading, e.page] for e in report.toc],
        "blocks": len(report.blocks),
        "blocks_sha256": _blocks_digest(report),
        "chunks": [[c.id, list(c.section_path), c.page_start, c.page_end, c.kind] for c in chunks],
    }


def test_seed_report_parses_exactly_as_before() -> None:
    expected = json.loads(FINGERPRINT.read_text(encoding="utf-8"))
    actual = fingerprint()
    for key in ("meta", "page_kind", "toc", "blocks"):
        assert actual[key] == expected[key], key
    assert [c[0] for c in actual["chunks"]] == [c[0] for c in expected["chunks"]]
    assert actual["chunks"] == expected["chunks"]
    assert actual["blocks_sha256"] == expected["blocks_sha256"]


if __name__ == "__main__":
    FINGERPRINT.write_text(
        json.dumps(fingerprint(), ensure_ascii=False, indent=0) + "\n", encoding="utf-8"
    )
    print(f"wrote {FINGERPRINT}")
