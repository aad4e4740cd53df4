"""Questions about the report's own structure: 「这份报告分成哪几部分？」

Such a question shares no content words with any passage, so retrieval and
evidence scoring cannot find the answer; the report's table of contents holds
it. The answer lists the top-level headings, verbatim from the TOC, with their
printed pages, and cites the TOC.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.sentences import evidence_units
from rag.types import Chunk, ReportMeta

# 「分成哪几部分」「有几大块」「目录」「整体框架」; not 「第三部分讲了什么」 (a named part).
_OUTLINE_RE = re.compile(
    r"(目录|提纲|大纲|(报告|全文|正文|文章|这篇)\S{0,3}(结构|框架)"
    r"|(分成|分为|分了|包括|包含|由|有)(哪几|几|哪些|多少)个?大?(部分|块|章|节)"
    r"|(哪几|几)(大块|大部分|个部分|部分|章))"
)
_NAMED_PART_RE = re.compile(r"第\s*[一二三四五六七八九十\d]+\s*(部分|章|节)")
_TOC_ENTRY_RE = re.compile(r"^\s*([一二三四五六七八九十]+、[^\t]+?)\s*(?:\t+\s*(\d+))?\s*$")


# Questions about the report as a publication: who made it, when, where it appears.
_ABOUT_REPORT_RE = re.compile(
    r"((这份|这篇|本|该|这个|整个)?(报告|季报)|NIFD|本文|这篇|这份|本篇).{0,14}"
    r"(谁|哪家|哪个机构|哪位|作者|执笔|负责人|主编|什么时候|哪年|何时|发布|出的|出版|做的|写的"
    r"|栏目|系列|在哪|哪儿|哪里|官网|公众号|版权|转载|制作|啥时候|几时)"
)


def asks_about_report(question: str) -> bool:
    """Whether the question is about the report as a publication (its makers, date, outlet)."""
    return bool(_ABOUT_REPORT_RE.search(question))


_IMPRINT_SECTIONS = frozenset({("致谢",), ("作者",), ("版权公告",), ("版权",)})


def publication_chunks(chunks: Sequence[Chunk], source: str | None) -> list[Chunk]:
    """The passages that describe the publication: cover, authors, imprint (not 摘要 or 目录)."""
    return [
        c
        for c in chunks
        if (source is None or c.source == source)
        and (c.kind == "front_matter" or c.section_path[:1] in _IMPRINT_SECTIONS)
        and c.section_path[:1] not in (("摘要",), ("目录",))
    ]


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


__all__ = [
    "asks_about_report",
    "asks_outline",
    "outline_answer",
    "publication_answer",
    "publication_chunks",
    "toc_entries",
]


# What a question about the publication asks for → the ReportMeta field that answers it,
# and the words that mark the passage stating it (「本报告执笔人：」「制作单位：」).
_PUBLICATION_FIELDS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("authors", re.compile(r"(作者|执笔|谁写|写的|撰写|负责人|课题组)"), r"(执笔|作者|负责人)"),
    (
        "date",
        re.compile(
            r"(什么时候|啥时候|哪年|哪个月|何时|几时|日期|时间).{0,4}(出|发布|发表|出版|印发|推出)"
            r"|(出|发布|发表|出版)的?(时间|日期)"
        ),
        r"\d{4}\s*年",
    ),
    ("series", re.compile(r"(栏目|系列|哪个板块|属于哪)"), r"(季报|系列)"),
    (
        "publisher",
        re.compile(
            r"(哪家机构|哪个机构|哪家单位|哪个单位|什么机构|谁(做|出|发|编|制作)|出品|制作|发布机构|出的|做的)"
        ),
        r"(制作|出品|单位)",
    ),
)


def publication_answer(
    question: str, chunks: Sequence[Chunk], source: str | None
) -> tuple[str, Chunk] | None:
    """「这份报告是哪个机构出的？」: the parsed publication facts, quoted where the report states them.

    The field (publisher, authors, date, series) comes from the report's metadata; the
    answer is the shortest passage of the report's own front matter or imprint that
    states it, so it can be cited and checked like any other quote.
    """
    if not asks_about_report(question) or re.search(r"(吧|吗|对吗|是不是|对不对)[？?]?$", question):
        # 「是李扬和阎建军合写的吧？」 states a premise to check: the ordinary answer path
        # quotes the evidence and corrects it.
        return None
    candidates = publication_chunks(chunks, source)
    meta = next((c.meta for c in candidates if c.meta is not None), None)
    if meta is None:
        return None
    for field_name, pattern, marker in _PUBLICATION_FIELDS:
        if not pattern.search(question):
            continue
        value = _field_value(meta, field_name)
        if not value:
            continue
        found = [
            # The cover first, then a passage that names the field, then the shortest.
            (chunk.kind != "front_matter", not re.search(marker, unit), len(unit), unit, chunk)
            for chunk in candidates
            for unit in evidence_units(chunk)
            if value in unit
        ]
        if found:
            *_, unit, chunk = min(found, key=lambda f: (f[0], f[1], f[2]))
            return unit, chunk
    return None


def _field_value(meta: ReportMeta, field_name: str) -> str:
    if field_name == "authors":
        return meta.authors[0] if meta.authors else ""
    if field_name == "series":
        # 「NIFD季报·保险业运行」: the column is the part after the series name.
        return meta.series.split("·")[-1].strip()
    return str(getattr(meta, field_name, "") or "")
