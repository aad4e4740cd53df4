"""Figures in text: years and dates, numbers with their units, and the form they compare in.

Question building reads the figures a question asserts, evidence scoring counts
them in a passage, and the answerer leads with one. All read them the same way,
with the patterns of the lexicon (`rag.lexicon.patterns`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rag.records import SECTION_SEPARATOR

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rag.lexicon import Lexicon


# A reference mark of the report's own (「章国荣[10]」「[3,5]」「[2-4]」): a pointer to its
# bibliography, never a figure that answers a question.
REFERENCE_MARKS = re.compile(r"\[\d+(?:\s*[,，、\-–~]\s*\d+)*\]")
# A code or a name with a number in it (「HS30」「Cas9」「PD-1」「G7」): an identifier, never
# a figure that answers 「多少」. Units that follow a figure (「2005MW」「km2」) are not
# matched: they start lower case or come after the digits.
IDENTIFIERS = re.compile(r"(?<![A-Za-z\d.])[A-Z][A-Za-z]*-?\d+(?![\d.%])")
# An item number in brackets (「（3）做好各方面预案」): the item's place in a list.
ITEM_MARKS = re.compile(r"[（(]\s*\d{1,2}\s*[）)]")
# A note mark a PDF glues to the end of a caption (「图1 …申请机构分布2」).
GLUED_NOTE_MARK = re.compile(r"(?<=[\u4e00-\u9fff])\d{1,2}\s*$")


def without_reference_marks(text: str) -> str:
    """The text with its reference marks blanked out."""
    return REFERENCE_MARKS.sub(" ", text)


def normalise_number(raw: str) -> str:
    """'2015 年' → '2015年', '70 %' → '70%': the form used to compare figures."""
    return re.sub(r"\s+", "", raw).replace("％", "%")


def find_numbers(text: str, lexicon: Lexicon) -> list[str]:
    """Years/dates first, then other figures with their units, normalised."""
    patterns = lexicon.patterns
    text = without_reference_marks(text)
    found = [normalise_number(m.group(0)) for m in patterns.date.finditer(text)]
    masked = patterns.date.sub(" ", text)
    found += [normalise_number(m.group(0)) for m in patterns.number.finditer(masked)]
    return [f for f in found if re.search(r"\d", f)]


def has_date(text: str, lexicon: Lexicon) -> bool:
    """Whether the text names a year or a month."""
    patterns = lexicon.patterns
    return bool(patterns.date.search(text) or patterns.month.search(text))


def has_time(text: str, lexicon: Lexicon) -> bool:
    """Whether the text tells when: a date, or a time without a year (「19世纪60年代」)."""
    return has_date(text, lexicon) or bool(lexicon.patterns.era.search(text))


def has_year(text: str, lexicon: Lexicon) -> bool:
    """Whether the text names a year (「2015 年」「2025年11月底」)."""
    return bool(lexicon.patterns.date.search(text))


def states_year(text: str, years: Sequence[str], lexicon: Lexicon) -> bool:
    """Whether the text dates what it says with one of the years: the year itself, a span
    holding it (「2000—2015年」) or an opening year before it (「2008年以来」)."""
    patterns = lexicon.patterns
    if set(years) & set(patterns.year.findall(text)):
        return True
    spans = [(int(a), int(b)) for a, b in patterns.year_range.findall(text)]
    spans += [(int(a), 9999) for a in patterns.year_since.findall(text)]
    return any(low <= int(year) <= high for year in years for low, high in spans)


# The name of what was issued follows its verb within this many characters
# (「颁布的那个4422号令」「发布了一份“概念说明”」).
_ISSUED_NAME_REACH = 16
# A run of this many characters shared after both verbs names the same thing (「4422号令」
# 「“概念说明」); a shorter one is a function word (「的那个」 against 「了一份」 share none).
_SAME_THING_CHARS = 4


def redated(question: str, passages: Sequence[str], lexicon: Lexicon) -> dict[str, str]:
    """The years the question gives to when something was issued, each with the other year
    a passage gives the same thing: 「2018年颁布的那个4422号令」 against 「2019年8月22日…总统
    颁布4422号令」 → {"2018": "2019"}.

    Such a year is a claim about the thing, which the answer corrects, not a scope that
    the passage's figures fall outside. A passage that gives the same year confirms it.
    """
    pattern = lexicon.patterns.issued_in
    found: dict[str, str] = {}
    for asked in pattern.finditer(question):
        year = asked.group(1)
        named = question[asked.end() : asked.end() + _ISSUED_NAME_REACH]
        stated = [
            match.group(1)
            for text in passages
            for match in pattern.finditer(text)
            if _shared_run(named, text[match.end() : match.end() + _ISSUED_NAME_REACH])
            >= _SAME_THING_CHARS
        ]
        if stated and year not in stated:
            found[year] = stated[0]
    return found


def _shared_run(first: str, second: str) -> int:
    """The length of the longest run of characters both texts hold."""
    best = 0
    for start in range(len(first)):
        for end in range(start + best + 1, len(first) + 1):
            if first[start:end] not in second:
                break
            best = end - start
    return best


def dated_otherwise(text: str, years: Sequence[str], lexicon: Lexicon) -> bool:
    """The text dates what it says with years, none of them an asked one.

    「2020年，某国电力出口2亿美元」 answers 2020, not 「2021年…出口多少」; 「从2017年的
    30亿元增长到2022年的60亿元」 gives no 2020 figure. An undated text says nothing either way.
    """
    if not years or not lexicon.patterns.year.search(text):
        return False
    return not states_year(text, years, lexicon)


def dates_in(text: str, lexicon: Lexicon) -> list[str]:
    """The years and dates of the text, normalised, in order."""
    return [normalise_number(m.group(0)) for m in lexicon.patterns.date.finditer(text)]


def _without_labels(text: str, lexicon: Lexicon) -> str:
    """The text without the numbers that label a part, a table or a chart: a table row
    is read with its section path (「2 … › 2.2 …」) and its caption (「表1 …临床试验1」),
    and neither states a figure. The rest of a caption stays: it gives the unit
    (「(单位：亿元)」) a row's figures are in."""
    label, kept = lexicon.patterns.caption_label, []
    for line in text.splitlines():
        if SECTION_SEPARATOR.strip() in line:
            continue
        caption = line.strip()
        if label.search(caption):
            line = GLUED_NOTE_MARK.sub(" ", label.sub(" ", caption))
        kept.append(line)
    return "\n".join(kept)


# A figure with a decimal part (「0.160」), as a table gives a rate without 「%」.
DECIMAL = re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])")


def _rate_cells(text: str, masked: str, lexicon: Lexicon) -> bool:
    """A table row read with a caption that names a rate (「…国际市场占有率年均增长率」),
    and a decimal figure in it: the rate, written without 「%」."""
    label, rates = lexicon.patterns.caption_label, lexicon.evidence.share_or_change.rates
    captioned = any(
        label.search(line.strip()) and any(rate in line for rate in rates)
        for line in text.splitlines()
    )
    return captioned and DECIMAL.search(masked) is not None


def has_figure(text: str, unit_hint: str, lexicon: Lexicon) -> bool:
    """Whether a span holds a figure of the kind the question asks for (not just a year)."""
    patterns, figures = lexicon.patterns, lexicon.numbers.figures
    stated = _without_labels(text, lexicon)
    # 「HS30」 names a product class, 「（3）」 numbers an item, 「（表8）」 points at a table:
    # none is a figure.
    masked = IDENTIFIERS.sub(" ", patterns.cross_ref.sub(" ", without_reference_marks(stated)))
    masked = ITEM_MARKS.sub(" ", masked)
    # A span of years (「2000一2015年」) dates what the sentence says; neither end is a figure.
    masked = patterns.date.sub(" ", patterns.year_range.sub(" ", masked))
    if not patterns.figure.search(masked):
        return False
    dates = lexicon.numbers.dates
    if not unit_hint or unit_hint in (dates.year, dates.month):
        return True
    if unit_hint == figures.any_count:
        # 「多少个项目」「多少个晴天」: a count of anything, but not a sum or a share.
        return bool(patterns.figure.search(patterns.money_or_share.sub(" ", masked)))
    if unit_hint == figures.money:
        return bool(patterns.money_marks.search(masked))
    if unit_hint == figures.size:
        # 「规模多大」: a sum, a count or a measure (「100MW」), but not a share alone.
        return bool(patterns.figure.search(patterns.share_figure.sub(" ", masked)))
    if unit_hint == "%":
        return bool(patterns.percent_marks.search(masked)) or _rate_cells(text, masked, lexicon)
    measured = patterns.measured_figures.get(unit_hint)
    if measured is not None:
        return bool(measured.search(masked))
    if unit_hint in figures.item_counts:
        # 「有几条」 is answered by 「以下四方面」: items are counted in any of these words.
        return bool(patterns.item_count.search(masked))
    return unit_hint in masked


def in_asked_unit(number: str, hint: str, lexicon: Lexicon) -> bool:
    """Whether a figure (「20亿元」) is in the unit asked: any unit when none is; any but a
    share for a size (「规模多大」)."""
    if not hint:
        return True
    if hint == lexicon.numbers.figures.size:
        return not lexicon.patterns.share_figure.search(number)
    return number.endswith(hint)


def spaced(figure: str) -> str:
    """'2015年' → '2015 年': the report's own style, so quotes read the same."""
    return re.sub(r"(\d)([^\d.%])", r"\1 \2", figure, count=1)


__all__ = [
    "IDENTIFIERS",
    "ITEM_MARKS",
    "REFERENCE_MARKS",
    "dated_otherwise",
    "dates_in",
    "find_numbers",
    "has_date",
    "has_figure",
    "has_year",
    "in_asked_unit",
    "normalise_number",
    "spaced",
    "states_year",
    "without_reference_marks",
]
