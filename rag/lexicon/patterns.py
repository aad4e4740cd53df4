"""The patterns built from the lexicon's words, each defined once and shared.

Structure (digit classes, lookarounds, how groups nest) is here; every word comes
from the `Lexicon`. `Lexicon.patterns` builds one `Patterns` per Lexicon; each
pattern is compiled on first use.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import TYPE_CHECKING

from rag.lexicon.words import alternation

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from rag.lexicon import Lexicon

# A year of the last millennium or this century's first (「1824年」「2025年」).
_YEAR = r"(?:1\d|20)\d{2}"
# How far a date stands from the verb it dates, in characters: 「2019年8月22日乌兹别克斯坦
# 共和国总统颁布」 puts 20 between them.
ISSUE_REACH = 24


def _longer_than_one(words: tuple[str, ...]) -> list[str]:
    """The words of two characters or more: a one-character listing word (「为」「即」) also
    means other things, so it starts a list only right after the count it lists."""
    return [word for word in words if len(word) > 1]


def _chars(chars: str | tuple[str, ...]) -> str:
    """The characters for a class 「[…]」."""
    return "".join(re.escape(c) for c in chars)


def _label(chinese: str, english: Sequence[str], *, chars: bool = False) -> str:
    """A caption label: the Chinese word (or, with `chars`, any of its characters), or an
    English one in any case, maybe with its abbreviating dot (「Tab.」「TABLE」)."""
    native = f"[{re.escape(chinese)}]" if chars else re.escape(chinese)
    if not english:
        return f"(?:{native})"
    # Longest first: 「Table」 before 「Tab」.
    words = alternation(sorted(english, key=len, reverse=True))
    return rf"(?:{native}|(?i:{words})\.?)"


class Patterns:
    """Compiled patterns over one Lexicon's words (see the module docstring)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        numerals = lexicon.numbers.numerals
        self.counting = _chars(numerals.counting)  # 一 … 十, for a class
        self.heading = f"[{self.counting}]+{re.escape(numerals.heading_mark)}"

    # --- numerals and headings ---------------------------------------------------

    @cached_property
    def heading_prefix(self) -> re.Pattern[str]:
        """「一、」 at the start of a top-level heading."""
        return re.compile(f"^{self.heading}")

    @cached_property
    def toc_line(self) -> re.Pattern[str]:
        """A table-of-contents line: 「一、…\\t3」."""
        return re.compile(rf"^{self.heading}.+\t\s*\d+\s*$")

    @cached_property
    def toc_entry(self) -> re.Pattern[str]:
        """A TOC line: its heading (group 1) and printed page (group 2, optional)."""
        return re.compile(rf"^\s*({self.heading}[^\t]+?)\s*(?:\t+\s*(\d+))?\s*$")

    @cached_property
    def grid_label(self) -> re.Pattern[str]:
        """A grid row's numbered label line: 「五、服务内容」 (group `label`)."""
        return re.compile(rf"^{self.heading}(?P<label>[^\s|]{{2,12}})(?:\s|$)")

    @cached_property
    def enumeration_marker(self) -> re.Pattern[str]:
        """An item marker at the start of a unit or after a clause break: 「一是」 or 「第一，」."""
        copula = re.escape(self.lexicon.question.copula)
        ordinal = re.escape(self.lexicon.report.parts.ordinal)
        return re.compile(
            rf"(?:^|(?<=[，,：:。；;\s]))(?:(?P<shi>[{self.counting}]){copula}"
            rf"|{ordinal}(?P<di>[{self.counting}])[，,、])"
        )

    # --- dates -------------------------------------------------------------------

    @cached_property
    def date(self) -> re.Pattern[str]:
        """A year, maybe with month, day and part of the year: 「2025 年 11 月底」."""
        dates = self.lexicon.numbers.dates
        year, month, day = (re.escape(u) for u in (dates.year, dates.month, dates.day))
        return re.compile(
            rf"{_YEAR}\s*{year}(?:\s*\d{{1,2}}\s*{month}(?:\s*\d{{1,2}}\s*{day})?)?"
            rf"(?:{alternation(dates.year_parts)})?"
        )

    @cached_property
    def year(self) -> re.Pattern[str]:
        """A year (group 1: its digits): 「2015 年」."""
        return re.compile(rf"({_YEAR})\s*{re.escape(self.lexicon.numbers.dates.year)}")

    @cached_property
    def year_range(self) -> re.Pattern[str]:
        """A span of years (groups 1, 2): 「2000—2015年」「2011-2020年」."""
        dates = self.lexicon.numbers.dates
        year = re.escape(dates.year)
        joins = _chars(dates.span_joins)
        return re.compile(rf"({_YEAR})\s*{year}?\s*[{joins}]+\s*({_YEAR})\s*{year}")

    @cached_property
    def year_since(self) -> re.Pattern[str]:
        """A year that opens a span to now (group 1): 「2008年以来」."""
        dates = self.lexicon.numbers.dates
        return re.compile(rf"({_YEAR})\s*{re.escape(dates.year)}\s*(?:{alternation(dates.since)})")

    @cached_property
    def year_before_unit(self) -> re.Pattern[str]:
        """The digits of a year written with its unit (「2030年」 → 2030)."""
        return re.compile(rf"{_YEAR}(?=\s*{re.escape(self.lexicon.numbers.dates.year)})")

    @cached_property
    def issued_in(self) -> re.Pattern[str]:
        """A year, then within one clause a verb that dates a document or event (group 1:
        the year's digits; `verb`): 「2018年颁布的」「2020年5月，某国发布了」."""
        year = re.escape(self.lexicon.numbers.dates.year)
        verbs = alternation(self.lexicon.evidence.premises.issued)
        return re.compile(
            rf"({_YEAR})\s*{year}[^。；;？?！!\n]{{0,{ISSUE_REACH}}}?(?P<verb>{verbs})"
        )

    @cached_property
    def year_token(self) -> re.Pattern[str]:
        """A normalised date token's year (group 1): 「2015年11月」 → 2015."""
        return re.compile(rf"^({_YEAR}){re.escape(self.lexicon.numbers.dates.year)}")

    @cached_property
    def era(self) -> re.Pattern[str]:
        """A time told without a year: 「19世纪」「60年代」「江户时代」「春节时期」."""
        eras = self.lexicon.numbers.dates.eras
        return re.compile(rf"[\d\u4e00-\u9fff](?:{alternation(eras)})" if eras else r"(?!)")

    @cached_property
    def month(self) -> re.Pattern[str]:
        return re.compile(rf"\d{{1,2}}\s*{re.escape(self.lexicon.numbers.dates.month)}")

    @cached_property
    def year_month(self) -> re.Pattern[str]:
        """A year and month (groups 1, 2): 「2024 年 1 月」."""
        dates = self.lexicon.numbers.dates
        year, month = re.escape(dates.year), re.escape(dates.month)
        return re.compile(rf"({_YEAR})\s*{year}\s*(\d{{1,2}})\s*{month}")

    @cached_property
    def date_parts(self) -> re.Pattern[str]:
        """The year and month parts of a figure: 「2025年11月」 → 2025年, 11月."""
        dates = self.lexicon.numbers.dates
        return re.compile(rf"\d+[{_chars(dates.year + dates.month)}]")

    @cached_property
    def starts_with_year(self) -> re.Pattern[str]:
        """A figure that is a date: 「2015年」「2025年11月」."""
        return re.compile(rf"\d{{4}}{re.escape(self.lexicon.numbers.dates.year)}.*")

    @cached_property
    def short_year(self) -> re.Pattern[str]:
        """A colloquial two-digit year (group 1): 「25年5月」, not 「过去25年」「90年代」."""
        dates = self.lexicon.numbers.dates
        before = _chars(dates.duration_before)
        after = alternation(dates.duration_after)
        return re.compile(
            rf"(?<![\d.])(?<![{before}])([0-4]\d)\s*{re.escape(dates.year)}"
            rf"(?=\s*\d{{1,2}}\s*{re.escape(dates.month)}|(?!{after}))"
        )

    # --- figures -------------------------------------------------------------------

    @cached_property
    def number(self) -> re.Pattern[str]:
        """A number with its unit, if any: 「35 家」「1250 万元」「70%」."""
        units = alternation(self.lexicon.numbers.figures.units)
        return re.compile(rf"(?<![\d.])\d+(?:\.\d+)?\s*(?:{units})?")

    @cached_property
    def figure(self) -> re.Pattern[str]:
        """Any figure beyond a year: a digit, 「亿元」, or a counted numeral (「三个」)."""
        numbers = self.lexicon.numbers
        magnitudes = _chars(numbers.numerals.magnitudes)
        money = re.escape(numbers.figures.money)
        numerals = self.counting + re.escape(numbers.numerals.two)
        counted = alternation(numbers.figures.counted)
        return re.compile(rf"\d|[{magnitudes}]{money}|[{numerals}]+(?:{counted})")

    @cached_property
    def item_count(self) -> re.Pattern[str]:
        """A count of items: 「四方面」「3 条」."""
        numbers = self.lexicon.numbers
        numerals = self.counting + re.escape(numbers.numerals.two)
        return re.compile(rf"[\d{numerals}]\s*(?:{alternation(numbers.figures.item_counts)})")

    @cached_property
    def money_marks(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.numbers.figures.money_marks)})")

    @cached_property
    def percent_marks(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.numbers.figures.percent_marks)})")

    @cached_property
    def money_sum(self) -> re.Pattern[str]:
        """A sum of money: 「1050 万元」「亿元」."""
        money, magnitudes = self._money()
        return re.compile(
            rf"(?:\d[\d.,]*\s*(?:[{magnitudes}]+{money}?|{money})|[{magnitudes}]{money})"
        )

    @cached_property
    def money_or_share(self) -> re.Pattern[str]:
        """A sum, a share or full funding: 「1050 万元」「100%」「全额」."""
        money, magnitudes = self._money()
        full = re.escape(self.lexicon.numbers.figures.full_funding)
        return re.compile(
            rf"(?:\d[\d.,]*\s*(?:[{magnitudes}]+{money}?|{money}|%|％)|[{magnitudes}]{money}|{full})"
        )

    def _money(self) -> tuple[str, str]:
        numbers = self.lexicon.numbers
        return re.escape(numbers.figures.money), _chars(numbers.numerals.magnitudes)

    @cached_property
    def magnitudes(self) -> str:
        """A class of magnitude characters, for patterns built per figure: 「[百千万亿]」."""
        return f"[{_chars(self.lexicon.numbers.numerals.magnitudes)}]"

    # --- questions -----------------------------------------------------------------

    @cached_property
    def asked_amount(self) -> re.Pattern[str]:
        """A token that asks an amount (「多少度」「百分之几」): the question word and a unit."""
        hints = self.lexicon.question.unit_hints
        percent = [mark for mark in self.lexicon.numbers.figures.percent_marks if len(mark) > 1]
        return re.compile(rf"^(?:{alternation([*hints.how_many, *percent])})\S{{0,3}}$")

    @cached_property
    def filler(self) -> re.Pattern[str]:
        """A quantifier phrase (哪几个, 这份, 两类, 三个): how the question counts."""
        numbers, fillers = self.lexicon.numbers, self.lexicon.question.fillers
        numerals = self.counting + re.escape(numbers.numerals.two)
        return re.compile(
            rf"^(?:[{_chars(fillers.determiners)}]\S{{0,3}}"
            rf"|[{numerals}\d]+(?:{alternation(fillers.classifiers)}))$"
        )

    @cached_property
    def trailing_copula(self) -> re.Pattern[str]:
        return re.compile(rf"(?<=.){re.escape(self.lexicon.question.copula)}$")

    @cached_property
    def figure_token(self) -> re.Pattern[str]:
        """A token of digits and date/ordinal characters only (「2025年」「第3」)."""
        return re.compile(rf"[\d.%{_chars(self.lexicon.question.figure_token_chars)}\s]+")

    @cached_property
    def pointed_count(self) -> re.Pattern[str]:
        """「那几个」「这几家」: a pointer, then 「几」 and a classifier (group 1: the pointer)."""
        overrides = self.lexicon.question.intent_overrides
        classifiers = alternation(self.lexicon.question.fillers.classifiers)
        return re.compile(
            rf"({alternation(overrides.pointers)}){re.escape(overrides.how_many)}(?=\s*(?:{classifiers}))"
        )

    @cached_property
    def time_span(self) -> re.Pattern[str]:
        """「这几年」「近几个月」: when, not how many."""
        overrides = self.lexicon.question.intent_overrides
        return re.compile(
            rf"(?:{alternation(overrides.time_span_before)}){re.escape(overrides.how_many)}"
            rf"(?:{alternation(overrides.time_span_units)})"
        )

    @cached_property
    def set_words(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.question.intent_overrides.set_words)})")

    @cached_property
    def counted_items(self) -> re.Pattern[str]:
        """「几个」「几条」: how many of a known set."""
        overrides = self.lexicon.question.intent_overrides
        return re.compile(
            f"{re.escape(overrides.how_many)}({alternation(overrides.count_measures)})"
        )

    @cached_property
    def what_words(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.question.intent_overrides.what_words)})")

    @cached_property
    def hint_measure(self) -> re.Pattern[str]:
        """「多少吨」「几万千瓦」 → 吨, 千瓦 (group 1): a figure asked in a unit of measure."""
        hints = self.lexicon.question.unit_hints
        forms = sorted(
            (form for group in self.lexicon.numbers.figures.measures for form in group),
            key=len,
            reverse=True,
        )
        return re.compile(
            rf"(?:{alternation(hints.how_many)})\s*{self.magnitudes}?\s*({alternation(forms)})"
            r"(?![A-Za-z])"
        )

    @cached_property
    def measured_figures(self) -> Mapping[str, re.Pattern[str]]:
        """Each written form of a unit of measure → a figure in any form of its group
        (「10×10⁴ t」「2005MW」「1.2 万千瓦」)."""
        out: dict[str, re.Pattern[str]] = {}
        for group in self.lexicon.numbers.figures.measures:
            forms = sorted(group, key=len, reverse=True)
            figure = re.compile(rf"\d\s*{self.magnitudes}*\s*(?:{alternation(forms)})(?![A-Za-z])")
            out.update(dict.fromkeys(group, figure))
        return out

    @cached_property
    def hint_unit(self) -> re.Pattern[str]:
        """「多少家」 → 家 (group 1)."""
        hints = self.lexicon.question.unit_hints
        return re.compile(rf"(?:{alternation(hints.how_many)})\s*({alternation(hints.units)})")

    @cached_property
    def hint_count(self) -> re.Pattern[str]:
        """「多少座」「几台」: a count of things (no group)."""
        hints = self.lexicon.question.unit_hints
        if not hints.counts:
            return re.compile(r"(?!)")
        return re.compile(rf"(?:{alternation(hints.how_many)})\s*(?:{alternation(hints.counts)})")

    @cached_property
    def hint_percent(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.question.unit_hints.percent)})")

    @cached_property
    def hint_money(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.question.unit_hints.money)})")

    @cached_property
    def hint_size(self) -> re.Pattern[str]:
        sizes = self.lexicon.question.unit_hints.sizes
        return re.compile(f"({alternation(sizes)})") if sizes else re.compile(r"(?!)")

    @cached_property
    def share_figure(self) -> re.Pattern[str]:
        """A share written as a figure: 「14.5%」「百分之七十」「三成」."""
        marks = alternation(self.lexicon.numbers.figures.percent_marks)
        numerals = self.counting + re.escape(self.lexicon.numbers.numerals.two)
        return re.compile(rf"[\d{numerals}][\d.,]*\s*(?:{marks})|(?:{marks})[\d{numerals}]+")

    @cached_property
    def confirmation(self) -> re.Pattern[str]:
        """「…吧？」「…对吗？」 at the end (after any closing punctuation)."""
        tags = alternation(self.lexicon.question.confirmation_tags)
        return re.compile(f"({tags})[？?！!。.]*$")

    @cached_property
    def premise_tag(self) -> re.Pattern[str]:
        """「…吧？」 at the very end, with at most one question mark."""
        return re.compile(f"({alternation(self.lexicon.question.premise_tags)})[？?]?$")

    @cached_property
    def named_part_number(self) -> re.Pattern[str]:
        """「第三部分」「第2章」 (the part's number in group `n`)."""
        parts = self.lexicon.report.parts
        return re.compile(
            rf"{re.escape(parts.ordinal)}\s*(?P<n>[{self.counting}]|\d{{1,2}})\s*"
            rf"(?:{alternation(parts.measures)})?\s*(?:{alternation(parts.units)})"
        )

    @cached_property
    def outline_part(self) -> re.Pattern[str]:
        """「第三部分」: one part named, so not a question about the outline."""
        parts = self.lexicon.report.parts
        return re.compile(
            rf"{re.escape(parts.ordinal)}\s*[{self.counting}\d]+\s*({alternation(parts.outline_units)})"
        )

    @cached_property
    def part_locative(self) -> re.Pattern[str]:
        return re.compile(f"(?:{alternation(self.lexicon.report.parts.locatives)})")

    @cached_property
    def about_report(self) -> re.Pattern[str]:
        """The report named within 14 characters before a word asking about its making; the
        name may be a determiner and a noun with a description between them (「这篇讲…的文章」)."""
        about = self.lexicon.report.about
        determiners, nouns = alternation(about.determiners), alternation(about.nouns)
        # Only a determiner of two characters or more: 本 and 该 alone open many words.
        long_determiners = alternation([d for d in about.determiners if len(d) >= 2])
        described = (
            rf"(?:{long_determiners})[^，,。？?！!]{{0,{about.described_within}}}?"
            rf"(?:{alternation(about.described_nouns)})"
        )
        return re.compile(
            f"(({determiners})?({nouns})|{alternation(about.names)}|{described})"
            f".{{0,14}}({alternation(about.asks)})"
        )

    @cached_property
    def named_section_number(self) -> re.Pattern[str]:
        """「3.2节」「第3.2部分」: a section named by its decimal number (group `n`)."""
        parts = self.lexicon.report.parts
        return re.compile(
            rf"(?<![\d.．])(?:{re.escape(parts.ordinal)}\s*)?(?P<n>\d{{1,2}}(?:\s*[.．]\s*\d{{1,2}})+)"
            rf"\s*(?:{alternation(parts.section_units)})"
        )

    @cached_property
    def part_strong_locative(self) -> re.Pattern[str]:
        """「那部分」「这一节」: words that say plainly a part of the report is meant."""
        return re.compile(f"(?:{alternation(self.lexicon.report.parts.strong_locatives)})")

    @cached_property
    def heading_number(self) -> re.Pattern[str]:
        """The number a heading opens with, in any style: 「第三章」「第3部分」「第一，」 (group
        `ordinal`), 「（二）」「(2)」 (group `bracketed`), 「三、」 (group `marked`), 「3」「3.2」
        「3.2.1」 (group `decimal`), 「①」 (group `circled`). Group `rest` is the title."""
        parts = self.lexicon.report.parts
        ordinal = re.escape(parts.ordinal)
        mark = re.escape(self.lexicon.numbers.numerals.heading_mark)
        counted = f"[{self.counting}]{{1,3}}|\\d{{1,2}}"
        return re.compile(
            rf"^\s*(?:{ordinal}\s*(?P<ordinal>{counted})\s*(?:{alternation(parts.units)}|[，,{mark}])"
            rf"|[（(]\s*(?P<bracketed>{counted})\s*[）)]"
            rf"|(?P<marked>[{self.counting}]{{1,3}})\s*[{mark}.．]"
            rf"|(?P<decimal>\d{{1,2}}(?:\s*[.．]\s*\d{{1,2}})*)(?![\d%])[.．、]?"
            rf"|(?P<circled>[\u2460-\u2473]))\s*(?P<rest>.*)$"
        )

    @cached_property
    def paragraph_item(self) -> re.Pattern[str]:
        """A paragraph that opens a numbered item: 「（1）」「(2）」「3）」「①」 (group `n` or
        `circled`)."""
        return re.compile(
            r"^\s*(?:[（(]\s*(?P<n>\d{1,2})\s*[）)]|(?P<m>\d{1,2})\s*[）)]|(?P<circled>[\u2460-\u2473]))"
        )

    @cached_property
    def claim_marker(self) -> re.Pattern[str]:
        """「结果表明」「认为」: where a 摘要 starts stating what the report found."""
        return re.compile(f"({alternation(self.lexicon.report.summary.claim_markers)})")

    @cached_property
    def conclusion_title(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.report.summary.conclusion_titles)})")

    @cached_property
    def recommendation_title(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.report.summary.recommendation_titles)})")

    @cached_property
    def problem_title(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.report.summary.problem_titles)})")

    @cached_property
    def table_ref(self) -> re.Pattern[str]:
        """「表1」 (group 1: the table's number)."""
        return re.compile(rf"{re.escape(self.lexicon.report.tables.labels.table)}\s*(\d+)")

    @cached_property
    def cross_ref(self) -> re.Pattern[str]:
        """A pointer in brackets to a table or chart: 「（表8）」「(图2)」「（见表1）」."""
        labels = self.lexicon.report.tables.labels
        kinds = re.escape(labels.table) + re.escape(labels.chart)
        return re.compile(rf"[（(]\s*\w?\s*[{kinds}]\s*\d+\s*[）)]")

    @cached_property
    def caption_label(self) -> re.Pattern[str]:
        """The label that opens a caption: 「表1」「图 16」「Tab.3」, maybe after a stray mark."""
        return re.compile(rf"^[\d\s*]*{self._any_label}\s*\d+")

    @cached_property
    def caption_or_note(self) -> re.Pattern[str]:
        """A caption 「图16 …」「表 2 …」 or a note 「数据来源：…」, maybe after a stray mark:
        a line of a table or a chart, not a sentence."""
        tables = self.lexicon.report.tables
        notes = alternation(tables.notes) if tables.notes else r"(?!)"
        return re.compile(rf"^[\d\s*]*(?:{self._any_label}\s*\d|(?:{notes}))")

    @cached_property
    def table_caption(self) -> re.Pattern[str]:
        """A caption line 「表 1 …」, or 「Tab.1 …」 (group 1: the number)."""
        labels = self.lexicon.report.tables.labels
        label = _label(labels.table, labels.table_english)
        return re.compile(rf"^{label}\s*(\d+)\s*")

    @cached_property
    def _any_label(self) -> str:
        """A table's or a chart's caption label, Chinese or English (「表」「Fig.」)."""
        labels = self.lexicon.report.tables.labels
        return _label(
            labels.table + labels.chart, (*labels.table_english, *labels.chart_english), chars=True
        )

    @cached_property
    def latest(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.report.tables.latest)})")

    @cached_property
    def earliest(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.report.tables.earliest)})")

    @cached_property
    def highest(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.report.tables.extremes.highest)})")

    @cached_property
    def lowest(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.report.tables.extremes.lowest)})")

    @cached_property
    def strongest(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.report.tables.extremes.strongest)})")

    @cached_property
    def declines(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.report.tables.extremes.declines)})")

    @cached_property
    def rises(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.report.tables.extremes.rises)})")

    @cached_property
    def column_ask_words(self) -> re.Pattern[str]:
        """Every superlative or change word (what an extreme read off a column answers)."""
        extremes = self.lexicon.report.tables.extremes
        words = (*extremes.highest, *extremes.lowest, *extremes.strongest)
        return re.compile(f"{alternation(sorted(words, key=len, reverse=True))}")

    @cached_property
    def rank(self) -> re.Pattern[str]:
        """「排第一」「排名第3」「第二名」: a rank (group `n`, a numeral or digits)."""
        columns = self.lexicon.report.tables.rows
        n = rf"(?P<n>[{self.counting}]|\d{{1,2}})"
        ordinal = re.escape(self.lexicon.report.parts.ordinal)
        return re.compile(
            rf"(?:{alternation(columns.rank_before)}){n}"
            rf"|{ordinal}(?P<m>[{self.counting}]|\d{{1,2}})(?:{alternation(columns.rank_after)})"
        )

    @cached_property
    def cell_separator(self) -> re.Pattern[str]:
        """Where a cell splits into the names it lists."""
        return re.compile(f"(?:{alternation(self.lexicon.report.tables.rows.cell_separators)})")

    @cached_property
    def count_unit(self) -> re.Pattern[str]:
        """「多少份」 → 份 (group 1)."""
        tables = self.lexicon.report.tables
        return re.compile(
            rf"(?:{alternation(tables.how_many)})\s*({alternation(tables.count_units)})"
        )

    @cached_property
    def gap(self) -> re.Pattern[str]:
        """「，中间隔了几年」: the time between two events."""
        gap = self.lexicon.question.asks.gap
        return re.compile(
            rf"[，,]?(?:{re.escape(gap.between)})?(?:{alternation(gap.hedges)})?"
            rf"(?:{alternation(gap.verbs)})(?:{alternation(gap.amounts)})"
        )

    @cached_property
    def compare_which(self) -> re.Pattern[str]:
        """「哪家成立得更早」「谁先」「哪个高」: a which-word, what is compared, the comparative."""
        words = self.lexicon.question.asks.compare
        return re.compile(
            f"(?:{alternation(words.which)})(?:(?P<compared>[^，,。？?]{{0,12}}?)"
            f"(?P<comparative>{alternation(words.comparatives)})"
            f"|(?P<next>{alternation(words.after_which)}))"
        )

    @cached_property
    def comparative(self) -> re.Pattern[str]:
        """「高出多少」「更早」: a comparative (after 比 it compares: 「韩国比中国高出多少」)."""
        return re.compile(
            f"(?P<comparative>{alternation(self.lexicon.question.asks.compare.comparatives)})"
        )

    @cached_property
    def described(self) -> re.Pattern[str]:
        """「<described>的那位<noun>，<rest>」 (or 「…的那家公司是哪年成立的」)."""
        asks = self.lexicon.question.asks
        words, of = asks.described, re.escape(asks.of)
        return re.compile(
            f"^(?P<described>[^？?]{{3,40}}?){of}(?P<pointer>{alternation(words.pointers)})"
            f"(?P<noun>[^，,？?。{of}]{{1,10}}?)"
            f"(?:[，,]|(?=(?:{alternation(words.after_noun)})))(?P<rest>.+)$"
        )

    @cached_property
    def compare_which_word(self) -> re.Pattern[str]:
        return re.compile(alternation(self.lexicon.question.asks.compare.which))

    @cached_property
    def compare_join(self) -> re.Pattern[str]:
        return re.compile(alternation(self.lexicon.question.asks.compare.joins))

    @cached_property
    def compare_than_word(self) -> re.Pattern[str]:
        """「比」「相比」, but not the 比 of 「比重」「比例」「占比」."""
        than = self.lexicon.question.asks.compare.than
        return re.compile(
            f"(?<![{''.join(than.not_after)}])(?:{alternation(than.words)})"
            f"(?![{''.join(than.not_before)}])"
        )

    @cached_property
    def compare_side_end(self) -> re.Pattern[str]:
        """Where the second side ends: its 的, a 比/相比, or a which-word."""
        asks = self.lexicon.question.asks
        than = self.compare_than_word.pattern
        return re.compile(f"{re.escape(asks.of)}|{than}|{alternation(asks.compare.which)}")

    @cached_property
    def gap_until(self) -> re.Pattern[str]:
        return re.compile(f"[，,]?(?:{alternation(self.lexicon.question.asks.gap.until)})")

    @cached_property
    def asked_kind(self) -> re.Pattern[str]:
        """「哪家保险公司」: the kind of entity asked for (group `kind`)."""
        asked = self.lexicon.names.asked
        # A few words may qualify the kind (「哪家CAR-T公司」「哪家韩国企业」), never a
        # clause of their own (「哪些城市的企业」 asks for cities).
        return re.compile(
            rf"(?:{alternation(asked.which)})[^，,。？?{_chars(asked.qualifier_breaks)}]{{0,5}}?"
            rf"(?P<kind>{alternation(tuple(asked.kinds))})"
        )

    @cached_property
    def asked_who(self) -> re.Pattern[str]:
        """「创始人是谁」: a word asking who holds the role named right before it."""
        return re.compile(f"(?:{alternation(self.lexicon.names.asked.who)})")

    @cached_property
    def asked_agent(self) -> re.Pattern[str]:
        """「是谁开发的」「哪位总统」: a word asking who did something (not 「谁的」「谁更高」)."""
        agents = self.lexicon.names.asked.agents
        if not agents.words:
            return re.compile(r"(?!)")
        return re.compile(rf"(?:{alternation(agents.words)})(?!{alternation(agents.not_before)})")

    @cached_property
    def asked_person(self) -> re.Pattern[str]:
        """「哪位总统」「何人」: a word asking for a person."""
        persons = self.lexicon.names.asked.agents.persons
        return re.compile(f"(?:{alternation(persons)})") if persons else re.compile(r"(?!)")

    @cached_property
    def asked_kind_before(self) -> re.Pattern[str]:
        """「头部保险公司具体是哪几家」: the kind before the question word."""
        asked = self.lexicon.names.asked
        return re.compile(
            rf"(?P<kind>{alternation(tuple(asked.kinds))})[^，,。？?]{{0,6}}?"
            rf"(?:{alternation(asked.copulas)})?(?:{alternation(asked.which_after)})"
        )

    @cached_property
    def org_ending(self) -> re.Pattern[str]:
        """An organisation's name ends so: 「平安产险」「招商银行」."""
        return re.compile(f"({alternation(self.lexicon.names.org_endings)})$")

    # --- follow-ups and model replies -------------------------------------------

    @cached_property
    def elliptical_start(self) -> re.Pattern[str]:
        return re.compile(
            f"^({alternation(self.lexicon.question.followup.pointers.elliptical_starts)})"
        )

    @cached_property
    def anaphoric_start(self) -> re.Pattern[str]:
        return re.compile(
            f"^({alternation(self.lexicon.question.followup.pointers.anaphoric_starts)})"
        )

    @cached_property
    def document_deixis(self) -> re.Pattern[str]:
        """A turn that starts with the report itself: 「这份报告…」「报告…」「本文…」
        「这篇讲…的文章」."""
        pointers = self.lexicon.question.followup.pointers
        nouns = alternation(pointers.document_nouns)
        # 「这篇讲基因编辑的文章…」: a document's measure word, its noun later in the clause.
        measured = f"({alternation(pointers.document_measures)})[^，,？?。；;]{{0,24}}?({nouns})"
        return re.compile(f"^({alternation(pointers.document_deixis)})?\\s*({nouns})|^{measured}")

    @cached_property
    def more_start(self) -> re.Pattern[str]:
        return re.compile(f"^({alternation(self.lexicon.question.followup.more_starts)})")

    @cached_property
    def followup_temporal(self) -> re.Pattern[str]:
        """「当时」「那时」: a time the last turn named."""
        return re.compile(f"({alternation(self.lexicon.question.followup.kinds.temporal)})")

    @cached_property
    def followup_pronoun(self) -> re.Pattern[str]:
        """A pronoun opening the turn, after an optional 「那」 (group `pronoun`)."""
        followup = self.lexicon.question.followup
        lead = alternation(followup.pointers.elliptical_starts)
        return re.compile(
            rf"^(?:(?:{lead})\s*)??(?P<pronoun>{alternation(followup.kinds.pronouns)})"
        )

    @cached_property
    def followup_ordinal(self) -> re.Pattern[str]:
        """「第一类」「后者」「第二个」 early in the turn (group `ordinal`: 第一 or 后者; `nth`)."""
        followup = self.lexicon.question.followup
        kinds = followup.kinds
        lead = alternation(followup.pointers.elliptical_starts)
        ordinal = re.escape(self.lexicon.report.parts.ordinal)
        nth = f"[{self.counting}]|\\d{{1,2}}"
        return re.compile(
            rf"^(?:(?:{lead}|[，,\s])*)"
            rf"(?P<ordinal>{ordinal}(?P<nth>{nth})(?:{alternation(kinds.ordinal_measures)})"
            rf"|(?:{alternation(tuple(kinds.first_last))})(?:{alternation(kinds.ordinal_measures)})?)"
        )

    @cached_property
    def more_phrase(self) -> re.Pattern[str]:
        """「具体说说」「展开讲讲」."""
        return re.compile(f"({alternation(self.lexicon.question.followup.kinds.more_phrases)})")

    @cached_property
    def demonstrative_subject(self) -> re.Pattern[str]:
        """「那是…」「这是…」 opening a turn: a bare predicate."""
        kinds = self.lexicon.question.followup.kinds
        return re.compile(f"^({alternation(kinds.demonstrative_subjects)})")

    @cached_property
    def list_lead(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.question.followup.lists.leads)})")

    @cached_property
    def list_separator(self) -> re.Pattern[str]:
        return re.compile(f"(?:{alternation(self.lexicon.question.followup.lists.separators)})")

    @cached_property
    def question_word(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.question.followup.question_words)})")

    @cached_property
    def asking_word(self) -> re.Pattern[str]:
        """A question word, or a word asking a figure or a date (「多大」「哪年」)."""
        question = self.lexicon.question
        words = (
            *question.followup.question_words,
            *question.intents["figure"].words,
            *question.intents["date"].words,
        )
        return re.compile(alternation(words))

    @cached_property
    def announcement(self) -> re.Pattern[str]:
        """A sentence announcing items that follow (「以下几个方面」「3方面」「…建议：」);
        group `count` is the number of items when it says one."""
        evidence, numerals = self.lexicon.evidence, self.lexicon.numbers.numerals
        counted = alternation(evidence.announced_units)
        count = f"[{self.counting}{re.escape(numerals.two)}]|\\d{{1,2}}"
        return re.compile(
            rf"(?:{alternation(evidence.announcements)})"
            rf"|(?P<count>{count})\s*(?:{counted})"
            rf"|[：:]\s*$"
        )

    @cached_property
    def item_marker(self) -> re.Pattern[str]:
        """A unit or heading that opens a numbered item: 「（1）」「1.」「①」「一是」「第一，」."""
        copula = re.escape(self.lexicon.question.copula)
        ordinal = re.escape(self.lexicon.report.parts.ordinal)
        n = f"[{self.counting}\\d]+"
        return re.compile(
            rf"^\s*(?:[（(]\s*{n}\s*[)）]|\d{{1,2}}\s*[.．、]|[\u2460-\u2473]"
            rf"|[{self.counting}]{copula}|{ordinal}[{self.counting}][，,、])"
        )

    @cached_property
    def english_filler(self) -> re.Pattern[str]:
        """An English filler word standing alone (「quick question」, case ignored)."""
        fillers = alternation(self.lexicon.question.fillers.english)
        return re.compile(rf"(?<![A-Za-z])(?:{fillers})(?![A-Za-z])", re.IGNORECASE)

    @cached_property
    def closing(self) -> re.Pattern[str]:
        """A trailing clause of courtesy only (「谢谢！」「辛苦了~」)."""
        words = alternation(self.lexicon.question.fillers.closings)
        return re.compile(rf"(?:{words})?[\s!！~～。.，,🙏]*$", re.IGNORECASE)

    @cached_property
    def preface(self) -> re.Pattern[str]:
        """A clause about the asker (「我在写材料」「想确认下」)."""
        return re.compile(f"({alternation(self.lexicon.question.fillers.prefaces)})")

    @cached_property
    def rewrite_prefix(self) -> re.Pattern[str]:
        prefixes = alternation(self.lexicon.question.followup.rewrite_prefixes)
        return re.compile(rf"^(?:{prefixes})[:：]\s*")

    # --- evidence and names -------------------------------------------------------

    @cached_property
    def anaphora(self) -> re.Pattern[str]:
        return re.compile(f"({alternation(self.lexicon.evidence.anaphora)})")

    @cached_property
    def kind_endings(self) -> dict[str, re.Pattern[str]]:
        """Per kind of entity, the endings that name one (「人保财险」「财政部」)."""
        return {
            kind: re.compile(f"(?:{alternation(endings)})")
            for kind, endings in self.lexicon.names.endings.items()
        }

    @cached_property
    def name_break(self) -> re.Pattern[str]:
        """Where a name's run of characters stops: a non-letter or a function word."""
        return re.compile(rf"[^\u4e00-\u9fffA-Za-z]|[{_chars(self.lexicon.names.breaks)}]")

    @cached_property
    def anonymised(self) -> re.Pattern[str]:
        """「某新材料科技有限公司」: an entity named without its name."""
        names = self.lexicon.names
        return re.compile(
            rf"{re.escape(names.anonymous)}[\u4e00-\u9fff]{{0,10}}?({alternation(names.anonymised)})"
        )

    @cached_property
    def counted_noun(self) -> re.Pattern[str]:
        """「2 个可选险种」「多个农科院」: a count of things (group `noun`)."""
        numerals = self.lexicon.numbers.numerals
        counts = self.lexicon.names.counts
        two_to_ten = re.escape(numerals.two) + _chars(numerals.counting[1:])
        classifiers = alternation(counts.classifiers)
        counted = rf"(?:\d+|[{two_to_ten}])\s*(?:{classifiers})"
        if counts.vague:
            counted = f"(?:{counted}|{alternation(counts.vague)})"
        return re.compile(rf"{counted}\s*(?P<noun>[\u4e00-\u9fff]{{2,6}})")

    @cached_property
    def count_joined(self) -> re.Pattern[str]:
        return re.compile(rf"({alternation(self.lexicon.names.counts.joiners)})\s*$")

    @cached_property
    def count_listed(self) -> re.Pattern[str]:
        # 「3 个险种：…」「多个农科院合作，包括…」: the items start right after, or after a
        # comma with a word of two characters (「，为初创企业提供…」 lists nothing).
        listing = self.lexicon.names.counts.listing
        words = alternation(_longer_than_one(listing))
        return re.compile(rf"\s*(?:[：:（(]|{alternation(listing)}|[，,]\s*(?:{words}))")

    @cached_property
    def listing_later(self) -> re.Pattern[str]:
        """A list started further on in a sentence: a colon, a listing word of two
        characters (「例如」「包括」; not 「为」, which mostly means something else), or a
        one-character example word opening a clause with items joined by 、 (「，如甲、乙」)."""
        counts = self.lexicon.names.counts
        listed = f"[：:]|{alternation(_longer_than_one((*counts.listing, *counts.examples)))}"
        if counts.clause_examples:
            opening = alternation(counts.clause_examples)
            listed += f"|[，,](?:{opening})[^，,。；;]+、"
        return re.compile(listed)

    # --- tokens -------------------------------------------------------------------

    @cached_property
    def segment_split(self) -> re.Pattern[str]:
        """Where names are cut when harvested: punctuation, whitespace, 「等和与及」."""
        conjunctions = _chars(self.lexicon.tokens.conjunctions)
        return re.compile(
            rf"[\s，。、；：:;,.!?！？“”「」『』《》()（）\[\]【】●·…—/|]+|[{conjunctions}]"
        )

    @cached_property
    def short_name(self) -> re.Pattern[str]:
        return re.compile(
            rf"{re.escape(self.lexicon.tokens.short_name)}[《“「]?([^》”」）)，。]{{1,12}})"
        )

    @cached_property
    def listed_person(self) -> re.Pattern[str]:
        """「● 邱剑」 or 「主编：李扬」 on a line of its own (group 1: the name)."""
        roles = "|".join(self.lexicon.tokens.role_patterns)
        return re.compile(
            rf"^(?:[●•·▪]\s*|(?:{roles})\s*[:：]\s*)([\u4e00-\u9fff]{{2,4}})\s*$",
            re.MULTILINE,
        )

    @cached_property
    def product_suffix(self) -> re.Pattern[str]:
        """An insurance product's name ends in 保险 or 险 (not 风险)."""
        domain = self.lexicon.domain
        full, short = re.escape(domain.insurance), re.escape(domain.insurance_short)
        return re.compile(rf"({full}|[^{re.escape(domain.not_insurance)}]{short})$")

    @cached_property
    def org_at_start(self) -> re.Pattern[str]:
        """The shortest 「name + organisation ending」 at the start of a segment."""
        endings = alternation(self.lexicon.tokens.org_endings)
        return re.compile(rf"([\u4e00-\u9fffa-z]{{1,10}}?(?:{endings}))")

    # --- the verifier: numbers and claims ----------------------------------------

    @cached_property
    def numeral_chars(self) -> str:
        """Every character of a Chinese numeral: 〇零一二两…九十百千."""
        numerals = self.lexicon.numbers.numerals
        return _chars(tuple(numerals.digits) + tuple(numerals.small_units))

    @cached_property
    def numeral_run(self) -> re.Pattern[str]:
        return re.compile(f"[{self.numeral_chars}]+")

    @cached_property
    def percent_numeral(self) -> re.Pattern[str]:
        """「百分之七十」「百分之2.5」 (group 1: the number)."""
        words = self.lexicon.verify.numerals
        point = re.escape(words.point)
        return re.compile(rf"{re.escape(words.percent)}([0-9.]+|[{self.numeral_chars}{point}]+)")

    @cached_property
    def number_token(self) -> re.Pattern[str]:
        """A normalised date (group `date`), or a number with its magnitude and unit."""
        dates, tokens = self.lexicon.numbers.dates, self.lexicon.verify.tokens
        year, month, day = (re.escape(u) for u in (dates.year, dates.month, dates.day))
        magnitude = f"(?:{alternation(tokens.magnitudes)})"
        unit = f"(?:{alternation(tokens.meaningful_units)})"
        return re.compile(
            rf"(?<![\d.])(?P<date>\d{{4}}{year}\d{{1,2}}{month}(?:\d{{1,2}}{day})?"
            rf"|\d{{1,2}}{month}\d{{1,2}}{day})"
            rf"|(?<![\d.])(?P<num>\d+(?:\.\d+)?)(?P<mag>{magnitude})?(?P<unit>{unit})?"
        )

    @cached_property
    def unit_after_number(self) -> re.Pattern[str]:
        """The space between a number and its unit (「2015 年」 → 「2015年」)."""
        units = alternation(self.lexicon.verify.tokens.unit_after_number)
        return re.compile(rf"(?<=\d)\s+(?=(?:{units}))")

    @cached_property
    def number_after_unit(self) -> re.Pattern[str]:
        """The space between a unit and a number (「约 35」 → 「约35」)."""
        return re.compile(rf"(?<=[{_chars(self.lexicon.verify.tokens.number_after)}])\s+(?=\d)")

    @cached_property
    def negated(self) -> re.Pattern[str]:
        """A figure the answer denies: 「而不是 1300 万元」."""
        negations = alternation(self.lexicon.verify.claims.negations)
        return re.compile(f"(?:{negations})[^，。；;,！？!?]*")

    @cached_property
    def framing(self) -> re.Pattern[str]:
        """Where a claim comes from, not what it is: 「报告中的说法是」「据报告指出」."""
        claims = self.lexicon.verify.claims
        return re.compile(
            f"^(?:{alternation(claims.framing_sources)})?(?:{re.escape(claims.framing_this)})?"
            f"{re.escape(claims.framing_report)}(?:{alternation(claims.framing_in)})?"
            f"(?:{alternation(claims.framing_verbs)})[，,：:]?"
        )

    @cached_property
    def refusal(self) -> re.Pattern[str]:
        """The prescribed refusal: 「（很抱歉，）报告中没有提到…」."""
        claims = self.lexicon.verify.claims
        apologies = "|".join(f"{re.escape(a)}[，,]?" for a in claims.refusal_apologies)
        return re.compile(
            f"^(?:{apologies})?{re.escape(claims.framing_report)}"
            f"(?:{alternation(claims.framing_in)})?(?:{alternation(claims.refusal_negations)})"
            f"(?:{alternation(claims.refusal_verbs)})"
        )

    @cached_property
    def strict_refusal(self) -> re.Pattern[str]:
        """A refusal that is one short sentence and says nothing else."""
        return re.compile(self.refusal.pattern + r"[^。！？!?，,；;]{0,60}[。！？!?]?$")

    @cached_property
    def connective(self) -> re.Pattern[str]:
        """A bare connective that carries no claim (「具体如下：」)."""
        return re.compile(f"^(?:{self.lexicon.verify.connectives.alternation()})[：:，,。]?$")


__all__ = ["Patterns"]
