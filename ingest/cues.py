"""Cues of a report's front matter, one line at a time: 摘要, 关键词/DOI lines,
affiliations, author lines and title marks.

Pure functions over a line's text, shared by the line joiner (`ingest.lines`: such lines
never continue a paragraph), the front-matter parser (`ingest.front`) and the PDF reader
(an author line keeps the spaces between its names). Word lists are in
`ingest/structure.toml`.
"""

from __future__ import annotations

import re

from ingest.headings import match_abstract_marker
from ingest.lexicon import structure_words

_CJK = re.compile(r"[\u3400-\u9fff]")
CN_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z.'\- ]{1,40}$")
# An organisation's name ends with one of these (「国家金融与发展实验室」).
ORG_SUFFIX = re.compile(
    r"(实验室|研究院|研究所|研究中心|科学院|大学|学院|协会|学会|委员会|银行|公司|集团|"
    r"基金会|智库|研究会|办公室|监督管理局|管理局|总局)$"
)
# 「摘要」 opening a line, with its text after a colon, a space or nothing at all.
_ABSTRACT_OPENER = re.compile(r"^(?:摘\s*要|内容摘要|内容提要)\s*[:：]?\s*[\u3400-\u9fff“(（]")
# Affiliation and footnote marks around names and titles: 「徐萍*」「梁权琦1.2」「张正斌¹」.
_MARKS = re.compile(r"[\d*＊†‡§¹²³⁴-⁹⁰\u2460-\u2473.．」「]+")
_PARENTHESISED = re.compile(r"[（(][^（()）]*[）)]")
_TRAILING_MARKS = re.compile(r"(?<=\S)[\s*＊†‡§¹²³⁴-⁹⁰\u2460-\u2473]+$")
_TRAILING_NOTE_NUMBER = re.compile(r"(?<=[\u4e00-\u9fff])\d{1,2}$")
# A six-digit postcode, also when the next affiliation's number is glued to it.
_POSTCODE = re.compile(r"(?<!\d)\d{6}(?!\d)|(?<!\d)\d{6}(?=\d(?!\d))")


def norm(text: str) -> str:
    """The text without whitespace, for comparing headings and titles."""
    return re.sub(r"\s+", "", text)


def opens_abstract(text: str) -> bool:
    """The 摘要 line, or a paragraph that opens with 「摘要」 (「摘要：…」「摘要 …」「摘要…」)."""
    return match_abstract_marker(text) or _ABSTRACT_OPENER.match(text.strip()) is not None


def is_meta_line(text: str) -> bool:
    """A 关键词 / DOI / 文章编号 / 中图分类号 … line of a paper's front matter."""
    key = norm(text).lower()
    return any(key.startswith(marker) for marker in structure_words().meta_markers)


def is_affiliation(text: str) -> bool:
    """An affiliation line: an institution and its postcode (「…研究院北京100190」)."""
    words = structure_words().affiliation_words
    return any(w in text for w in words) and _POSTCODE.search(text) is not None


def clean_title(text: str) -> str:
    """A title without trailing footnote marks (「…建议*」「…报告¹」「…战略1」)."""
    title = _TRAILING_MARKS.sub("", text.strip())
    if len(_CJK.findall(title)) >= 4:
        title = _TRAILING_NOTE_NUMBER.sub("", title)
    return title.strip()


def is_name(text: str) -> bool:
    """A person's name: two to four Han characters, or a capitalised Latin name."""
    return bool(CN_NAME.match(text) or _LATIN_NAME.match(text)) and not ORG_SUFFIX.search(text)


def author_names(text: str) -> list[str] | None:
    """The names of an author line (「许丽 王玥 姚驰远 徐萍*（中国科学院…）」), else None.

    Affiliation marks and a parenthesised affiliation are dropped; a two-character name
    written with a space inside (「徐 萍」) is put back together. The line counts as an
    author line when at least two names remain and most of its words are names.
    """
    line = text.strip()
    if not line or len(line) > 120 or re.search(r"[。；;：:！？]", line):
        return None
    core = _PARENTHESISED.sub(" ", line)
    if any(w in core for w in structure_words().affiliation_words):
        return None
    tokens = [t for t in re.split(r"[\s,，、\u3000]+", _MARKS.sub(" ", core)) if t]
    merged: list[str] = []
    i = 0
    while i < len(tokens):
        if len(tokens[i]) == 1 and i + 1 < len(tokens) and len(tokens[i + 1]) == 1:
            merged.append(tokens[i] + tokens[i + 1])
            i += 2
        else:
            merged.append(tokens[i])
            i += 1
    names = [t for t in merged if is_name(t)]
    if len(names) < 2 or len(names) < 0.6 * len(merged):
        return None
    return names
