"""Compare PDF text extractors on generated Chinese PDFs: `python -m evals.pdf_libs`.

Generates PDFs with reportlab (STSong-Light CID font) whose text is known, extracts them
with pypdf, pdfplumber and pypdfium2, and prints a markdown table of

- accuracy: difflib ratio between known and extracted text, whitespace removed;
- cjk_spaces: spaces inserted between two CJK characters per 1,000 characters (the known
  text has none there, so each one is spurious and would break phrase matching);
- pages/s: extraction throughput (best of 3).

The result and the choice it led to are recorded in docs/FORMATS.md.
"""

from __future__ import annotations

import difflib
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.formats.pdf import extract_lines
from tests.docgen import FONT, REPORT_TXT, register_font

_CJK = r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef“”‘’]"
_CJK_SPACE = re.compile(rf"(?<={_CJK})[ \u3000]+(?={_CJK})")


def _paragraphs() -> list[str]:
    text = REPORT_TXT.read_text(encoding="utf-8")
    return [ln for ln in text.split("\n") if len(ln) > 60 and "\t" not in ln]


def _table_rows() -> list[list[str]]:
    text = REPORT_TXT.read_text(encoding="utf-8")
    return [ln.split("\t") for ln in text.split("\n") if ln.count("\t") == 3]


def make_docs(folder: Path) -> list[tuple[str, Path, str]]:
    """Write the benchmark PDFs; return (name, path, known text) triples."""
    # reportlab is a test extra: only needed to write the benchmark PDFs
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    register_font()
    paras = _paragraphs()
    rows = _table_rows()
    docs: list[tuple[str, Path, str]] = []
    for name, align in (("paragraphs", 0), ("justified", TA_JUSTIFY)):
        style = ParagraphStyle(
            name, fontName=FONT, fontSize=11, leading=17, wordWrap="CJK", alignment=align
        )
        path = folder / f"{name}.pdf"
        SimpleDocTemplate(str(path)).build([Paragraph(p, style) for p in paras])
        docs.append((name, path, "".join(paras)))
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=11, wordWrap="CJK")
    table = Table(
        [[Paragraph(c, cell) for c in r] for r in rows],
        colWidths=[90, 55, 110, 200],
        style=[("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "TOP")],
    )
    path = folder / "table.pdf"
    SimpleDocTemplate(str(path)).build([table])
    # a table's reading order is row by row, cell by cell, in every extractor's best case
    docs.append(("table", path, "".join("".join(r) for r in rows)))
    return docs


def _pypdf(path: Path) -> list[str]:
    from pypdf import PdfReader  # each candidate library is loaded only when it is measured

    return [p.extract_text() or "" for p in PdfReader(str(path)).pages]


def _pdfplumber(path: Path) -> list[str]:
    import pdfplumber  # as above

    with pdfplumber.open(str(path)) as pdf:
        return [p.extract_text() or "" for p in pdf.pages]


def _pypdfium2(path: Path) -> list[str]:
    import pypdfium2  # as above; not a dependency of reportqa

    doc = pypdfium2.PdfDocument(str(path))
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def _ingest(path: Path) -> list[str]:
    """What reportqa's PDF reader (pdfplumber + tables + joins) makes of the file."""
    lines, _, _ = extract_lines(path)
    by_page: dict[int | None, list[str]] = {}
    for ln in lines:
        # table cells are compared in reading order, like the known text
        by_page.setdefault(ln.page, []).append(ln.text.replace("\t", ""))
    return ["\n".join(v) for v in by_page.values()]


EXTRACTORS: dict[str, Callable[[Path], list[str]]] = {
    "pypdf": _pypdf,
    "pdfplumber": _pdfplumber,
    "pypdfium2": _pypdfium2,
    "reportqa (pdfplumber+tables)": _ingest,
}


def measure(name: str, path: Path, known: str, lib: str) -> dict[str, Any]:
    """Accuracy, spurious CJK spaces and throughput of one library on one PDF."""
    fn = EXTRACTORS[lib]
    best = float("inf")
    pages: list[str] = []
    for _ in range(3):
        t0 = time.perf_counter()
        pages = fn(path)
        best = min(best, time.perf_counter() - t0)
    text = "\n".join(pages)
    a = re.sub(r"\s+", "", known)
    b = re.sub(r"\s+", "", text)
    ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    spaces = len(_CJK_SPACE.findall(text.replace("\r", "")))
    return {
        "doc": name,
        "lib": lib,
        "accuracy": ratio,
        "cjk_spaces_per_1k": 1000 * spaces / max(1, len(a)),
        "pages_per_s": len(pages) / best if best > 0 else float("inf"),
    }


def main() -> None:
    """Generate the PDFs, measure every library and print a markdown table."""
    with tempfile.TemporaryDirectory() as tmp:
        docs = make_docs(Path(tmp))
        results = [measure(n, p, k, lib) for n, p, k in docs for lib in EXTRACTORS]
    print("| doc | library | accuracy | spurious CJK spaces /1k chars | pages/s |")
    print("| --- | --- | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r['doc']} | {r['lib']} | {r['accuracy']:.4f} | "
            f"{r['cjk_spaces_per_1k']:.2f} | {r['pages_per_s']:.1f} |"
        )


if __name__ == "__main__":
    main()
