"""Regex recognisers for the structure of Chinese reports.

Pure functions over one line of text, shared by the plain-text parser and the
PDF / DOCX / HTML parsers. Nothing here looks at neighbouring lines: deciding
whether a recognised heading really opens a section (for example a table cell
that happens to read "一、保障范围") is the caller's job.

Levels are ranks: a smaller number is a higher heading. They are fixed so that
headings from different numbering systems nest the way Chinese reports nest them:

    第一章 > 第一节 > 一、> （一）> 1. / 1、> （1）> ① > 第一，/ 一是

Decimal headings (1 / 1.1 / 1.1.1, with or without a space before the text) rank by
depth: 1 beside 一、, 1.1 between 一、 and （一）, 1.1.1 beside （一）, so that （1） and ①
nest under any of them. Whether a recognised decimal heading really opens a section is
decided from the whole document (`ingest.outline`): its number must continue the
outline (3.1 after 3, 4 after 3.x).

Word lists (units that make 「2.5 亿元」 a quantity, not a heading) live in
`ingest/structure.toml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.lexicon import structure_words
from rag.types import TocEntry

LEVEL_CHAPTER = 10  # 第一章
LEVEL_SECTION = 20  # 第一节
LEVEL_TOP = 30  # 一、
LEVEL_SUB = 40  # （一）
LEVEL_ITEM = 50  # 1. / 1、
LEVEL_PAREN = 60  # （1）
LEVEL_CIRCLED = 70  # ①
LEVEL_POINT = 80  # 第一，/ 一是
LEVEL_CAPTION = 90  # 表 1 / 图 1: not part of the section hierarchy
MAX_DECIMAL_DEPTH = 5


def decimal_level(depth: int) -> int:
    """Rank of a decimal heading of `depth` numbers (1 → beside 一、, 1.1 → above （一）)."""
    return LEVEL_TOP + 1 + 5 * (depth - 1)


CN_DIGITS = "零〇一二两三四五六七八九十百"
_CN = f"[{CN_DIGITS}]+"

# Sentence-final punctuation: a line ending in one of these is a finished sentence.
SENTENCE_FINAL = "。！？；：”」』!?;:…"

# Headings are short; anything longer is a paragraph that merely starts with a number.
MAX_HEADING_CHARS = 50
MAX_CAPTION_CHARS = 60
MAX_POINT_LABEL_CHARS = 40
MAX_TOC_CHARS = 120


@dataclass(frozen=True)
class Heading:
    """A recognised heading, point or caption.

    `label` is the numbering as written ("一、", "（一）", "第二，", "表 1");
    `text` is the whole heading (for points: the lead clause up to the first 。).
    `kind` is one of chapter, section, top, sub, item, paren, circled, decimal, point,
    table, figure.
    """

    level: int
    label: str
    text: str
    kind: str
    number: int | None = None
    numbers: tuple[int, ...] = ()  # decimal headings: (3, 1) for 3.1


_TOC_LEADER = re.compile(
    r"^(?P<heading>.*?\S)"
    r"(?:\s*(?:\t+|[.．·•…。\u2026]{2,}|[-—_－]{3,})\s*|[ \u3000]+)"
    r"(?P<page>\d{1,4})$"
)
_TOC_STRONG_LEADER = re.compile(r"\t|[.．·•…。\u2026]{2,}|[-—_－]{3,}")
_TOC_MARKERS = frozenset({"目录", "目次", "contents", "tableofcontents"})

_CHAPTER = re.compile(rf"^第\s*({_CN}|\d{{1,3}})\s*([章节篇]|部分)\s*(.*)$")
_TOP = re.compile(rf"^({_CN})\s*[、．.]\s*(\S.*)$")
_SUB = re.compile(rf"^[（(]\s*({_CN})\s*[）)]\s*(\S.*)$")
_ITEM = re.compile(r"^(\d{1,2})(?:[、．]|\.(?!\d))\s*(\S.*)$")
_PAREN = re.compile(r"^[（(]\s*(\d{1,2})\s*[）)]\s*(\S.*)$")
_CIRCLED = re.compile(r"^([\u2460-\u2473])\s*(\S.*)$")
# 3 / 3.1 / 3.1.2 then the text, with or without a space; never part of a longer number.
_DECIMAL = re.compile(r"^(\d{1,2}(?:[.．]\d{1,2}){0,4})(?![\d.．%])(\s*)(\S.*)$")
# After a decimal number the text opens with a Han character or an opening mark; after a
# space, a Latin word may open it too (「5 AI 技术」).
_DECIMAL_OPENING = re.compile(r"[\u3400-\u9fff“‘「『《〈（(【\"']")
_LABEL_COLON = re.compile(r"[:：]\s*\S")
_POINT_DI = re.compile(rf"^第({_CN})\s*[，,、：:]\s*(\S.*)$")
_POINT_SHI = re.compile(rf"^({_CN})是\s*(\S.*)$")
_CAPTION = re.compile(
    rf"^(表|图)\s*(\d{{1,3}}(?:\s*[.\-－—–]\s*\d{{1,3}})*|{_CN})\s*[：:．.、]?\s*(\S.*)$"
)
_CLAUSE_END = re.compile(r"[。！？；!?;]")
_BACK_MATTER = re.compile(
    r"^(致\s*谢|谢\s*辞|后\s*记|参考文献|附\s*录|免责声明|版权(?:公告|声明|所有)|声\s*明)"
    r"\s*(?:[:：]\s*(.*))?$"
)
_ABSTRACT = re.compile(r"^(摘\s*要|内容摘要|内容提要|提\s*要|概\s*要)\s*(?:[:：]\s*(.*))?$")
_INTRO = re.compile(r"^(引\s*言|前\s*言|导\s*言|导\s*论|序\s*言)\s*$")


def cn_number(numeral: str) -> int | None:
    """Value of a Chinese (一 … 九十九, 百) or Arabic numeral; None if it is neither."""
    numeral = numeral.strip()
    if numeral.isdigit():
        return int(numeral)
    digits = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
    digits |= {"六": 6, "七": 7, "八": 8, "九": 9}
    if not numeral or any(ch not in CN_DIGITS for ch in numeral):
        return None
    total, current = 0, 0
    for ch in numeral:
        if ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            current = current * 10 + digits[ch] if current else digits[ch]
    return total + current


def _clean(text: str) -> str:
    return text.strip(" \u3000\r\n")


def is_toc_marker(text: str) -> bool:
    """True for the line that announces a table of contents (目录, 目 录, CONTENTS)."""
    return re.sub(r"\s+", "", text).lower() in _TOC_MARKERS


def match_toc_entry(text: str) -> TocEntry | None:
    """Parse a table-of-contents line: heading, then a tab or dot leaders, then a page.

    With a plain space before the page number the line is accepted only when the
    heading part is itself a numbered heading, so "增长 5" in prose is not a TOC line.
    """
    line = text.strip(" \u3000\r\n")
    if len(line) > MAX_TOC_CHARS:  # also keeps the regex cheap on huge lines
        return None
    m = _TOC_LEADER.match(line)
    if not m:
        return None
    heading = m.group("heading").strip(" \t.．·…-—_")
    if not heading or heading.isdigit():
        return None
    tail = line[m.end("heading") : m.start("page")]
    if not _TOC_STRONG_LEADER.search(tail) and _structural(heading) is None:
        return None
    return TocEntry(heading=heading, page=int(m.group("page")))


def is_toc_line(text: str) -> bool:
    """True when the line is a TOC entry (and therefore must not be taken for a heading)."""
    return match_toc_entry(text) is not None


def _is_heading_shaped(body: str) -> bool:
    # A heading is short and is not a finished sentence; a tab means a table cell or TOC.
    return (
        0 < len(body) <= MAX_HEADING_CHARS
        and "\t" not in body
        and body[-1] not in "。！？；;!?，,、"
    )


def _structural(line: str) -> Heading | None:
    m = _CHAPTER.match(line)
    if m and (not m.group(3) or _is_heading_shaped(line)):
        kind = "section" if m.group(2) == "节" else "chapter"
        level = LEVEL_CHAPTER if kind == "chapter" else LEVEL_SECTION
        label = f"第{m.group(1)}{m.group(2)}"
        return Heading(level, label, line, kind, cn_number(m.group(1)))
    if not _is_heading_shaped(line):
        return None
    m = _SUB.match(line)
    if m:
        return Heading(LEVEL_SUB, f"（{m.group(1)}）", line, "sub", cn_number(m.group(1)))
    m = _TOP.match(line)
    if m:
        return Heading(LEVEL_TOP, f"{m.group(1)}、", line, "top", cn_number(m.group(1)))
    m = _ITEM.match(line)
    if m:
        return Heading(LEVEL_ITEM, f"{m.group(1)}.", line, "item", int(m.group(1)))
    # The styles below came with issue 15; a 「label：value」 line (「3数据来源：…」) is a
    # note, never one of their headings.
    if _LABEL_COLON.search(line):
        return None
    m = _PAREN.match(line)
    if m:
        return Heading(LEVEL_PAREN, f"（{m.group(1)}）", line, "paren", int(m.group(1)))
    m = _CIRCLED.match(line)
    if m:
        number = ord(m.group(1)) - 0x2460 + 1
        return Heading(LEVEL_CIRCLED, m.group(1), line, "circled", number)
    return _decimal(line)


def _decimal(line: str) -> Heading | None:
    m = _DECIMAL.match(line)
    if not m:
        return None
    label, space, rest = m.groups()
    if not (_DECIMAL_OPENING.match(rest) or (space and rest[:1].isascii() and rest[:1].isalpha())):
        return None
    words = structure_words()
    if any(rest.startswith(w) for w in words.quantity_words):
        return None
    if re.search(r"\d{5,}", rest):
        return None  # a postcode or a long figure: an affiliation or a data line
    if space and re.match(r"[A-Za-z]+", rest):
        unit = re.match(r"[A-Za-z]+", rest)
        if unit is not None and unit.group(0) in words.latin_units:
            return None
    numbers = tuple(int(n) for n in re.split(r"[.．]", label))
    return Heading(
        decimal_level(len(numbers)),
        ".".join(map(str, numbers)),
        line,
        "decimal",
        numbers[-1],
        numbers,
    )


def match_heading(text: str) -> Heading | None:
    """Recognise a numbered heading: 第X章 / 第X节 / 一、/ （一）/ 1. or 1、/ （1）/ ① /
    1, 1.1, 1.1.1 (with or without a space before the text).

    Returns None for TOC lines, table cells (any tab), captions, points and for
    long or sentence-final lines, which are paragraphs that start with a number.
    """
    if "\t" in text:
        return None
    line = _clean(text)
    if not line or is_toc_line(line) or match_caption(line) is not None:
        return None
    return _structural(line)


def lead_clause(text: str, max_chars: int = MAX_POINT_LABEL_CHARS) -> str:
    """The lead clause of a point, up to and including the first sentence end.

    Long lead clauses are cut at the last comma inside `max_chars` (with "…"), so
    that section paths stay readable.
    """
    line = _clean(text)
    m = _CLAUSE_END.search(line)
    clause = line[: m.end()] if m else line
    if len(clause) <= max_chars:
        return clause
    head = clause[:max_chars]
    cut = max(head.rfind("，"), head.rfind(","), head.rfind("、"))
    return (head[:cut] if cut >= 6 else head) + "…"


def match_point(text: str) -> Heading | None:
    """Recognise a point that opens a paragraph: 第一，… / 一是…

    `text` of the result is the lead clause (see `lead_clause`).
    """
    if "\t" in text:
        return None
    line = _clean(text)
    m = _POINT_DI.match(line)
    if m:
        sep = line[m.end(1) : m.start(2)].strip()
        return Heading(
            LEVEL_POINT, f"第{m.group(1)}{sep}", lead_clause(line), "point", cn_number(m.group(1))
        )
    m = _POINT_SHI.match(line)
    if m:
        return Heading(
            LEVEL_POINT, f"{m.group(1)}是", lead_clause(line), "point", cn_number(m.group(1))
        )
    return None


def match_caption(text: str) -> Heading | None:
    """Recognise a table or figure caption: 表 1 …, 图2-3 …, 表一 …

    A caption is short and has no sentence punctuation, so "表1显示，…" is prose.
    """
    if "\t" in text:
        return None
    line = _clean(text)
    m = _CAPTION.match(line)
    if not m or len(line) > MAX_CAPTION_CHARS or re.search(r"[，。；！？,;]", line):
        return None
    kind = "table" if m.group(1) == "表" else "figure"
    number = re.sub(r"\s+", "", m.group(2))
    return Heading(LEVEL_CAPTION, f"{m.group(1)} {number}", line, kind, cn_number(number))


def match_back_matter(text: str) -> str | None:
    """Name of a trailing-matter section (致谢, 版权公告, 参考文献, 附录…) the line opens."""
    if "\t" in text:
        return None
    m = _BACK_MATTER.match(_clean(text))
    return re.sub(r"\s+", "", m.group(1)) if m else None


def match_abstract_marker(text: str) -> bool:
    """True for the 摘要 line (or "摘要：…" with the abstract inline)."""
    return "\t" not in text and _ABSTRACT.match(_clean(text)) is not None


def match_intro_marker(text: str) -> str | None:
    """Name of an explicit introduction heading (引言, 前言, 导言…), else None."""
    m = _INTRO.match(_clean(text))
    return re.sub(r"\s+", "", m.group(1)) if m else None


def ends_sentence(text: str) -> bool:
    """True when the line ends with sentence-final punctuation (after closing quotes)."""
    line = text.rstrip()
    return bool(line) and line[-1] in SENTENCE_FINAL


def is_table_note(text: str) -> bool:
    """A note under a table (「资料来源：…」「3数据来源：…」「注：…」; markers in
    structure.toml): it ends the rows above it."""
    line = re.sub(r"^[\d\s*①-⑳]+", "", _clean(text))
    for marker in structure_words().table_notes:
        if line[: len(marker)].lower() == marker.lower():
            rest = line[len(marker) :].lstrip()
            if not rest or rest[0] in "：:" or marker.endswith("来源"):
                return True
    return False


def match_english_caption(text: str, *, figure: bool = False) -> bool:
    """An English table caption (「Tab.1 …」「Table 2 …」), set under the Chinese one or
    standing for a caption the extraction lost; with `figure`, a figure's (「Fig.1 …」)."""
    found = structure_words()
    words = found.english_figure_caption if figure else found.english_caption
    pattern = rf"^(?:{'|'.join(map(re.escape, words))})\s*\.?\s*\d{{1,3}}(?!\d)" if words else ""
    return bool(pattern) and re.match(pattern, _clean(text), re.IGNORECASE) is not None
