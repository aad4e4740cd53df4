"""Questions about the report's own structure: 「这份报告分成哪几部分？」

Such a question shares no content words with any passage, so retrieval and
evidence scoring cannot find the answer; the report's table of contents holds
it. The answer lists the top-level headings, verbatim from the TOC, with their
printed pages, and cites the TOC. A report without a 目录 is answered from the
top-level headings found in its body, each quoted as a passage of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.lexicon import Lexicon
from rag.parts import Part, body_parts, heading_chunk
from rag.question import Cue, Question
from rag.types import Chunk


def toc_entries(toc: Chunk, lexicon: Lexicon) -> list[tuple[str, str]]:
    """The top-level (一、二、…) entries of a TOC chunk: heading and printed page ("" if none)."""
    entries = []
    for line in toc.text.split("\n"):
        match = lexicon.patterns.toc_entry.match(line)
        if match:
            entries.append((match.group(1).strip(), match.group(2) or ""))
    return entries


def outline_answer(
    question: Question, tocs: Sequence[Chunk], source: str | None, lexicon: Lexicon
) -> tuple[str, Chunk] | None:
    """The report's parts as one sentence of verbatim TOC headings, and the TOC it quotes.

    `source` picks the report (the one the question is scoped to, or the one the
    best retrieved passage comes from). None when the question does not ask for
    the outline or the report has no usable table of contents.
    """
    if not question.has(Cue.OUTLINE):
        return None
    for toc in tocs:
        if source is not None and toc.source != source:
            continue
        entries = toc_entries(toc, lexicon)
        if len(entries) < 2:
            continue
        parts = "；".join(
            f"{heading}（第 {page} 页）" if page else heading for heading, page in entries
        )
        # A count the answerer states itself: in words, never mistaken for a quoted figure.
        count = lexicon.numbers.numerals.count(len(entries))
        return f"报告正文分为{count}部分：{parts}", toc
    return None


def body_outline(parts: Sequence[Part], lexicon: Lexicon) -> tuple[str, list[Chunk]] | None:
    """The report's parts as one sentence of its body's top-level headings, and the
    headings' own passages: the numbered ones when it numbers its parts (an unnumbered
    引言 before them is not one of them), never the acknowledgements or copyright notice.
    None with fewer than two."""
    peripheral = lexicon.report.publication.peripheral
    top = [p for p in body_parts(parts) if p.title not in peripheral]
    numbered = [p for p in top if p.number]
    listed = numbered if len(numbered) >= 2 else top
    if len(listed) < 2:
        return None
    count = lexicon.numbers.numerals.count(len(listed))
    text = f"报告正文分为{count}部分：{'；'.join(p.heading for p in listed)}"
    return text, [heading_chunk(p) for p in listed]


__all__ = ["body_outline", "outline_answer", "toc_entries"]
