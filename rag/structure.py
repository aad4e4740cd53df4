"""Questions about the report's own structure: 「这份报告分成哪几部分？」

Such a question shares no content words with any passage, so retrieval and
evidence scoring cannot find the answer; the report's table of contents holds
it. The answer lists the top-level headings, verbatim from the TOC, with their
printed pages, and cites the TOC.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.types import Chunk

# 「分成哪几部分」「有几大块」「目录」「整体框架」; not 「第三部分讲了什么」 (a named part).
_OUTLINE_RE = re.compile(
    r"(目录|提纲|大纲|(报告|全文|正文|文章|这篇)\S{0,3}(结构|框架)"
    r"|(分成|分为|分了|包括|包含|由|有)(哪几|几|哪些|多少)个?大?(部分|块|章|节)"
    r"|(哪几|几)(大块|大部分|个部分|部分|章))"
)
_NAMED_PART_RE = re.compile(r"第\s*[一二三四五六七八九十\d]+\s*(部分|章|节)")
_TOC_ENTRY_RE = re.compile(r"^\s*([一二三四五六七八九十]+、[^\t]+?)\s*(?:\t+\s*(\d+))?\s*$")


def _chinese_count(n: int) -> str:
    # A count the answerer states itself: in words, so it is never mistaken for a quoted figure.
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


def asks_outline(question: str) -> bool:
    """Whether the question asks how the report is organised (not about one part of it)."""
    return bool(_OUTLINE_RE.search(question)) and not _NAMED_PART_RE.search(question)


def toc_entries(toc: Chunk) -> list[tuple[str, str]]:
    """The top-level (一、二、…) entries of a TOC chunk: heading and printed page ("" if none)."""
    entries = []
    for line in toc.text.split("\n"):
        match = _TOC_ENTRY_RE.match(line)
        if match:
            entries.append((match.group(1).strip(), match.group(2) or ""))
    return entries


def outline_answer(
    question: str, tocs: Sequence[Chunk], source: str | None
) -> tuple[str, Chunk] | None:
    """The report's parts as one sentence of verbatim TOC headings, and the TOC it quotes.

    `source` picks the report (the one the question is scoped to, or the one the
    best retrieved passage comes from). None when the question does not ask for
    the outline or the report has no usable table of contents.
    """
    if not asks_outline(question):
        return None
    for toc in tocs:
        if source is not None and toc.source != source:
            continue
        entries = toc_entries(toc)
        if len(entries) < 2:
            continue
        parts = "；".join(
            f"{heading}（第 {page} 页）" if page else heading for heading, page in entries
        )
        return f"报告正文分为{_chinese_count(len(entries))}部分：{parts}", toc
    return None


__all__ = ["asks_outline", "outline_answer", "toc_entries"]
