"""Figures in text: years and dates, numbers with their units, and the form they compare in.

Question building reads the figures a question asserts, evidence scoring counts
them in a passage, and the answerer leads with one. All read them the same way.
"""

from __future__ import annotations

import re

_YEAR_RE = re.compile(r"(?:19|20)\d{2}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?(?:底|初|末)?")
_NUMBER_RE = re.compile(
    r"(?<![\d.])\d+(?:\.\d+)?\s*(?:%|％|万亿元|亿元|万元|元|家|个|项|种|倍|bp|届|级|人|年|月|亿|万)?"
)
_MONTH_RE = re.compile(r"\d{1,2}\s*月")
_FIGURE_RE = re.compile(
    r"\d|[百千万亿]元|[一二两三四五六七八九十]+(?:个|方面|类|大类|项|条|家|种|点|部分)"
)
_ITEM_COUNT_UNITS = ("条", "项", "点", "方面", "类", "大类", "个方面", "部分")


def normalise_number(raw: str) -> str:
    """'2015 年' → '2015年', '70 %' → '70%': the form used to compare figures."""
    return re.sub(r"\s+", "", raw).replace("％", "%")


def find_numbers(text: str) -> list[str]:
    """Years/dates first, then other figures with their units, normalised."""
    found = [normalise_number(m.group(0)) for m in _YEAR_RE.finditer(text)]
    masked = _YEAR_RE.sub(" ", text)
    found += [normalise_number(m.group(0)) for m in _NUMBER_RE.finditer(masked)]
    return [f for f in found if re.search(r"\d", f)]


def has_date(text: str) -> bool:
    """Whether the text names a year or a month."""
    return bool(_YEAR_RE.search(text) or _MONTH_RE.search(text))


def has_year(text: str) -> bool:
    """Whether the text names a year (「2015 年」「2025年11月底」)."""
    return bool(_YEAR_RE.search(text))


def dates_in(text: str) -> list[str]:
    """The years and dates of the text, normalised, in order."""
    return [normalise_number(m.group(0)) for m in _YEAR_RE.finditer(text)]


def has_figure(text: str, unit_hint: str) -> bool:
    """Whether a span holds a figure of the kind the question asks for (not just a year)."""
    masked = _YEAR_RE.sub(" ", text)
    if not _FIGURE_RE.search(masked):
        return False
    if not unit_hint or unit_hint in ("年", "月"):
        return True
    if unit_hint == "元":
        return bool(re.search(r"(元|亿|万)", masked))
    if unit_hint == "%":
        return bool(re.search(r"(%|％|百分之|成)", masked))
    if unit_hint in _ITEM_COUNT_UNITS:
        # 「有几条」 is answered by 「以下四方面」: items are counted in any of these words.
        return bool(
            re.search(rf"[\d一二两三四五六七八九十]\s*(?:{'|'.join(_ITEM_COUNT_UNITS)})", masked)
        )
    return unit_hint in masked


def spaced(figure: str) -> str:
    """'2015年' → '2015 年': the report's own style, so quotes read the same."""
    return re.sub(r"(\d)([^\d.%])", r"\1 \2", figure, count=1)


__all__ = [
    "dates_in",
    "find_numbers",
    "has_date",
    "has_figure",
    "has_year",
    "normalise_number",
    "spaced",
]
