"""Front matter: the cover, title, authors, 摘要 and 关键词 that precede a report's body.

Two layouts are common. A think-tank report has a cover block (series, publisher, date,
names), the title just before its 摘要, a 执笔人 block and a 目录. A paper has its title,
an author line (names with affiliation marks: 「许丽 王玥¹ 徐萍*」), affiliation lines
(「1中国科学院…北京100190」), 摘要, 关键词 and journal lines (DOI, 文章编号, 中图分类号),
then the body, often an unheaded introduction. The word lists are in
`ingest/structure.toml`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.cues import (
    CN_NAME,
    ORG_SUFFIX,
    author_names,
    clean_title,
    is_affiliation,
    is_meta_line,
    is_name,
    norm,
    opens_abstract,
)
from ingest.headings import ends_sentence, match_abstract_marker
from ingest.lines import LogicalLine, PageBreaks, is_title_like
from rag.types import Block, ReportMeta

ABSTRACT_TITLE = "摘要"
AUTHORS_TITLE = "作者"

_TITLE_LIKE_MAX = 50
_CJK = re.compile(r"[\u3400-\u9fff]")
_DATE_LINE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?$")
_DATE_ANY = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
_ISO_DATE = re.compile(r"^\d{4}[-./]\d{1,2}(?:[-./]\d{1,2})?$")
_SERIES = re.compile(r"(季报|月报|年报|周报|半年报|双月报|简报|快报|专报|蓝皮书|白皮书|系列报告)$")
_TITLE_WORDS = re.compile(r"(报告|研究|分析|白皮书|蓝皮书|展望|综述|评估|调查|观察)")
_AUTHOR_MARKER = re.compile(r"^(?:本报告)?(执笔人?|作者|撰稿人?|课题组成员|课题组)\s*[:：]\s*(.*)$")
_LEAD_MARKER = re.compile(r"^(?:本报告)?(负责人|主持人|课题负责人)\s*[:：]\s*(.*)$")
_SERIES_LIST = re.compile(r"^【\s*(.+?)\s*】$")
_BULLET = re.compile(r"^[●•·▪■◆○◇*\-–]\s*(.+)$")
_COPYRIGHT = re.compile(r"(?:为|归)([^，。：；【】\s]{2,30}?)(?:版权)?所有")
_NAME_SPLIT = re.compile(r"[、，,；;/\s]+")

_SENTENCE_PUNCT = re.compile(r"[。！？；;!?]")
# Lines of a meta block scanned for 关键词 when the report has no 摘要.
_KEYWORDS_WITHOUT_ABSTRACT = 12
_MAX_IDENTIFIER_CHARS = 80


def _names_from(text: str) -> list[str]:
    return [n for n in _NAME_SPLIT.split(text.strip()) if n and is_name(n)]


# ----------------------------------------------------------------------- blocks


@dataclass
class Front:
    """Front-matter lines sorted into the areas a Chinese report's cover pages have."""

    cover: list[str] = field(default_factory=list)
    cover_lines: list[LogicalLine] = field(default_factory=list)
    abstract_seen: bool = False
    author_lines: list[str] = field(default_factory=list)
    series_name: str = ""
    series_list: list[str] = field(default_factory=list)
    markup_titles: list[str] = field(default_factory=list)


def _front_state(text: str, state: str) -> str:
    if opens_abstract(text):
        return "abstract"
    if _AUTHOR_MARKER.match(text) or _LEAD_MARKER.match(text):
        return "authors"
    if _SERIES_LIST.match(text):
        return "series"
    return state


def joined_pages(
    lines: Sequence[LogicalLine],
) -> tuple[int | None, int | None, PageBreaks]:
    """Pages of the lines joined by "\\n": first, last and where each later page starts."""
    start = next((ln.page_start for ln in lines if ln.page_start is not None), None)
    end = next((ln.page_end for ln in reversed(lines) if ln.page_end is not None), None)
    breaks: list[tuple[int, int | None]] = []
    offset = 0
    current = start
    for line in lines:
        if line.page_start is not None and line.page_start != current:
            breaks.append((offset, line.page_start))
        breaks.extend((offset + at, page) for at, page in line.page_breaks)
        current = line.page_end if line.page_end is not None else current
        offset += len(line.text) + 1
    return start, end, tuple(breaks)


def front_blocks(lines: Sequence[LogicalLine], front: Front) -> list[Block]:
    """Blocks for the front matter; consecutive short lines of one area form one block.

    They carry the pages their lines sit on (None for a TXT without pages and for
    unnumbered PDF pages).
    """
    paths = {"cover": (), "abstract": (ABSTRACT_TITLE,), "authors": (AUTHORS_TITLE,), "series": ()}
    blocks: list[Block] = []
    group: list[LogicalLine] = []
    group_state = "cover"

    def block(members: Sequence[LogicalLine], state: str, kind: str) -> Block:
        start, end, breaks = joined_pages(members)
        text = "\n".join(ln.text for ln in members)
        return Block(text, paths[state], start, end, kind=kind, page_breaks=breaks)

    def flush() -> None:
        if group:
            blocks.append(block(group, group_state, "front_matter"))
            group.clear()

    state = "cover"
    for line in lines:
        text = line.text
        new_state = _front_state(text, state)
        if new_state != state:
            flush()
            state = new_state
        group_state = state
        if state == "cover":
            if line.heading_level is not None:
                front.markup_titles.append(text)
            front.cover.append(text)
            front.cover_lines.append(line)
        elif state == "abstract":
            front.abstract_seen = True
        elif state == "authors":
            front.author_lines.append(text)
        elif state == "series":
            m = _SERIES_LIST.match(text)
            if m:
                front.series_name = m.group(1)
            else:
                front.series_list.append(text)
        if state == "abstract" and is_title_like(text) and match_abstract_marker(text):
            # The bare 摘要 line is a heading, not content.
            flush()
            blocks.append(block([line], state, "heading"))
            continue
        if state in ("authors", "series") or (
            len(text) <= _TITLE_LIKE_MAX and not ends_sentence(text)
        ):
            group.append(line)
        else:
            flush()
            blocks.append(block([line], state, "front_matter"))
    flush()
    return blocks


def keywords_block_end(lines: Sequence[LogicalLine], stop: int) -> int | None:
    """Index of the first body line after a paper's 摘要 / 关键词 / DOI block.

    Looks before `stop` (the first heading). None when there is no 关键词-like line: the
    abstract then runs to the first heading, as in a report without keywords.
    """
    opener = next((i for i in range(stop) if opens_abstract(lines[i].text)), None)
    first = opener if opener is not None else 0
    last = stop if opener is not None else min(stop, _KEYWORDS_WITHOUT_ABSTRACT)
    meta = next((i for i in range(first, last) if is_meta_line(lines[i].text)), None)
    if meta is None:
        return None
    j = meta + 1
    while j < stop and (
        is_meta_line(lines[j].text)
        # the rest of a DOI or an English keyword line: no Chinese, short
        or (_CJK.search(lines[j].text) is None and len(lines[j].text) <= _MAX_IDENTIFIER_CHARS)
    ):
        j += 1
    return j


# ------------------------------------------------------------------------- meta


def front_meta(front: Front, all_lines: Sequence[LogicalLine], source: str) -> ReportMeta:
    """Title, series, publisher, authors and date from the front matter."""
    cover = front.cover
    has_cjk = any(_CJK.search(t) for t in cover)

    def candidate(text: str, loose: bool = False) -> bool:
        # `loose`: a title line found by its size or its place may have 、，： inside
        # (「…的进展、问题与对策建议」); a line guessed from its words may not.
        shaped = _SENTENCE_PUNCT.search(text) is None if loose else is_title_like(text)
        return (
            4 <= len(text) <= _TITLE_LIKE_MAX
            and shaped
            and (_CJK.search(text) is not None or not has_cjk)
            and not _DATE_LINE.match(text)
            and not _SERIES.search(text)
            and not ORG_SUFFIX.search(text)
            and not is_name(text)
            and (loose or (":" not in text and "：" not in text))
            and not is_affiliation(text)
            and author_names(text) is None
        )

    title = _title(front, candidate)
    if not title:
        title = Path(source).stem

    date = ""
    for text in cover:
        m = _DATE_LINE.match(text)
        if m or _ISO_DATE.match(text):
            date = norm(text)
            break
    if not date:
        for text in cover:
            m = _DATE_ANY.search(text)
            if m and len(text) <= _TITLE_LIKE_MAX:
                date = norm(m.group(0))
                break

    series = next((t for t in cover if _SERIES.search(t) and len(t) <= 30 and t != title), "")
    if not series and front.series_name:
        series = front.series_name
    listed = {norm(t) for t in front.series_list}
    sub = next((t for t in cover if norm(t) in listed and t != title), "")
    if series and sub:
        series = f"{series}·{sub}"
    elif sub:
        series = sub

    publisher = next(
        (
            t
            for t in cover
            if ORG_SUFFIX.search(t) and len(t) <= 30 and _CJK.search(t) and t != title
        ),
        "",
    )
    if not publisher:
        for line in all_lines:
            # only a copyright notice names the publisher (「…为某某版权所有」), not prose
            # that says something 「为…所有」
            m = _COPYRIGHT.search(line.text) if "版权" in line.text else None
            if m:
                publisher = m.group(1)
                break

    authors = _authors(front.author_lines)
    if not authors:
        authors = next((names for t in cover if (names := author_names(t))), [])
    if not authors:
        sub_or_series = {series, sub, title, publisher}
        authors = [t for t in cover if CN_NAME.match(t) and t not in sub_or_series]
    return ReportMeta(
        title=title,
        source=source,
        series=series,
        publisher=publisher,
        authors=tuple(dict.fromkeys(authors)),
        date=date,
    )


# A title is set clearly larger than the body text (the largest line of the cover).
_TITLE_SIZE = 1.2


def _title(front: Front, candidate: Callable[..., bool]) -> str:
    """The report's title line (see `front_meta`); "" when none is found.

    In order: a markup title (DOCX/HTML/Markdown); the largest line of the cover when the
    format gives sizes; the title-like line just before 摘要 (think-tank reports); the
    first title-like line before the author line (papers); a line that reads like a
    title (报告, 研究, 分析 …).
    """
    cover = front.cover
    if front.markup_titles:
        return front.markup_titles[0]
    sized = [ln for ln in front.cover_lines if ln.size >= _TITLE_SIZE]
    if sized:
        largest = max(sized, key=lambda ln: ln.size)
        title = clean_title(largest.text)
        if candidate(title, loose=True):
            return title
    if front.abstract_seen and cover and candidate(clean_title(cover[-1])):
        return clean_title(cover[-1])
    by_line = next((k for k, t in enumerate(cover) if author_names(t)), None)
    if by_line:
        before = [clean_title(t) for t in cover[:by_line]]
        first = next((t for t in before if candidate(t, loose=True)), "")
        if first:
            return first
    titled = [t for t in cover if candidate(t) and _TITLE_WORDS.search(t)]
    return titled[0] if titled else ""


def _authors(lines: Sequence[str]) -> list[str]:
    """Writers from the 执笔人 block (inline or bulleted), else the 负责人."""
    writers: list[str] = []
    leads: list[str] = []
    in_writers = False
    for text in lines:
        m = _AUTHOR_MARKER.match(text)
        if m:
            in_writers = True
            writers.extend(_names_from(m.group(2)))
            continue
        m = _LEAD_MARKER.match(text)
        if m:
            in_writers = False
            leads.extend(_names_from(m.group(2)))
            continue
        if in_writers:
            bullet = _BULLET.match(text)
            name = (bullet.group(1) if bullet else text).strip()
            if is_name(name):
                writers.append(name)
    return writers or leads


def names_from_sidecar(raw: str) -> tuple[str, ...]:
    """Authors given as one string in a sidecar (「王嘉禾、林若溪」)."""
    return tuple(a for a in _NAME_SPLIT.split(raw) if a)
