"""Publication facts of the front matter beyond title and authors: affiliations, DOI,
keywords, funding, journal and the year a citation line gives, as `ReportMeta.facts`
(name, value) pairs.

Each value is copied from the front-matter text, so the answer path can find the line
that states it and quote it. The layouts handled are those `ingest.front` parses: an
author line with the affiliation in brackets (「许丽 王玥*（某某研究院，上海200031）」),
numbered affiliation lines (「1某某研究院北京100190 2某某大学…」「(1.某某研究所,乌鲁木齐
830011;2.…)」), a 作者 block of names and positions, 关键词 / DOI / 基金项目 lines (also
run on at the end of the 摘要), and a journal named in a citation line or on its own.
The marker words are in `ingest/structure.toml`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ingest.cues import is_affiliation, norm
from ingest.lexicon import structure_words

AFFILIATION = "affiliation"
DOI = "doi"
KEYWORDS = "keywords"
FUNDING = "funding"
JOURNAL = "journal"
YEAR = "year"

_DOI = re.compile(r"10\.\d{4,9}/[-._;()/:A-Za-z0-9]+[A-Za-z0-9]")
_POSTCODE_SPLIT = re.compile(r"(?<!\d)\d{6}(?=\d(?!\d)|(?!\d))")
_BRACKETED = re.compile(r"[（(]([^（()）]{4,})[）)]")
_ITEM_MARK = re.compile(r"^[\s\d.．、,，*＊†‡§¹²³⁴-⁹⁰\u2460-\u2473]+")
_PIECE_SPLIT = re.compile(r"[;；]|(?<=\D)(?=\d[.．]?[\u4e00-\u9fff])")
_CLAUSE_SPLIT = re.compile(r"[,，、\s]+")
_CITED_JOURNAL = re.compile(
    r"\[J\]\s*[.．]?\s*([^,，.．\[\]\d]{2,30}?)\s*[,，]\s*((?:19|20)\d{2})?"
)
_BOOK_TITLE = re.compile(r"《([^《》]{2,30})》")
_LABEL_END = re.compile(r"^\s*[:：]?\s*")
_MAX_JOURNAL_LINE = 30


def _after_marker(text: str, markers: Sequence[str]) -> str | None:
    """The text after the first marker word of `text` (「关键词：甲；乙」 → 「甲；乙」)."""
    for marker in markers:
        at = text.lower().find(marker.lower())
        if at >= 0:
            rest = _LABEL_END.sub("", text[at + len(marker) :])
            return rest.strip()
    return None


def _keywords(texts: Sequence[str]) -> str:
    """The keyword list: the rest of its line, without a DOI run on after it."""
    markers = structure_words().keyword_markers
    for text in texts:
        rest = _after_marker(text, markers)
        if rest:
            doi_at = rest.upper().find("DOI")
            return (rest[:doi_at] if doi_at > 0 else rest).strip(" ，,;；")
    return ""


def _funding(texts: Sequence[str]) -> str:
    markers = structure_words().funding_markers
    for text in texts:
        if any(norm(text).startswith(m) for m in markers):
            return _after_marker(text, markers) or ""
    return ""


def _cited_year(texts: Sequence[str]) -> str:
    """The journal and year of the paper's own citation line, as written there
    (「…[J]. 某某学报, 2020, 12(1)」 → 「某某学报, 2020」)."""
    for text in texts:
        cited = _CITED_JOURNAL.search(text)
        if cited and cited.group(2):
            return text[cited.start(1) : cited.end(2)]
    return ""


def _journal(texts: Sequence[str]) -> str:
    """A journal named in a citation line (「…[J]. 某某学报, 2020」), or a line or book title
    that ends in a journal word (「《某某学报》」「某某院刊 2018年第1期」)."""
    words = structure_words().journal_words
    for text in texts:
        cited = _CITED_JOURNAL.search(text)
        if cited:
            return cited.group(1).strip()
    for text in texts:
        for name in _BOOK_TITLE.findall(text):
            if name.endswith(words):
                return name
        head = re.split(r"[\s\d,，(（]", text.strip(), maxsplit=1)[0]
        if len(text) <= _MAX_JOURNAL_LINE and head.endswith(words):
            return head
    return ""


def _organisation(piece: str) -> str:
    """The organisation of one affiliation piece: up to its last affiliation word, so a city
    and postcode after it (「某某研究院北京100190」) are left off."""
    words = structure_words().affiliation_words
    piece = _ITEM_MARK.sub("", piece).strip()
    for clause in _CLAUSE_SPLIT.split(piece):
        ends = [m.end() for w in words for m in re.finditer(re.escape(w), clause)]
        if ends:
            return clause[: max(ends)]
    return ""


def affiliations(texts: Iterable[str]) -> list[str]:
    """Organisations of the affiliation lines and of brackets after author names, in order."""
    found: list[str] = []
    for text in texts:
        bracketed = [b for b in _BRACKETED.findall(text) if is_affiliation(b)]
        sources = bracketed or ([text] if is_affiliation(text) else [])
        for source in sources:
            for chunk in _POSTCODE_SPLIT.split(source):
                for piece in _PIECE_SPLIT.split(chunk):
                    name = _organisation(piece)
                    if len(name) >= 4 and name not in found:
                        found.append(name)
    return found


def author_block_affiliations(lines: Sequence[str]) -> list[str]:
    """Organisations in a 作者 block of names and positions (「某某研究中心主任」)."""
    words = structure_words().affiliation_words
    found: list[str] = []
    for line in lines:
        if any(w in line for w in words) and not re.search(r"[:：。]", line):
            name = _organisation(line)
            if len(name) >= 4 and name not in found:
                found.append(name)
    return found


def front_facts(
    front_texts: Sequence[str], author_lines: Sequence[str] = ()
) -> tuple[tuple[str, str], ...]:
    """The (name, value) facts of the front matter's lines (see the module docstring)."""
    texts = [t for t in front_texts if t.strip()]
    facts: list[tuple[str, str]] = []
    orgs = affiliations(texts) or author_block_affiliations(author_lines)
    facts += [(AFFILIATION, org) for org in orgs]
    doi = _DOI.search("\n".join(texts))
    if doi:
        facts.append((DOI, doi.group(0)))
    for name, value in (
        (KEYWORDS, _keywords(texts)),
        (FUNDING, _funding(texts)),
        (JOURNAL, _journal(texts)),
        (YEAR, _cited_year(texts)),
    ):
        if value:
            facts.append((name, value))
    return tuple(facts)


__all__ = [
    "AFFILIATION",
    "DOI",
    "FUNDING",
    "JOURNAL",
    "KEYWORDS",
    "YEAR",
    "affiliations",
    "author_block_affiliations",
    "front_facts",
]
