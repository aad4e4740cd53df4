"""The language knowledge of the answer path, as data: `load_lexicon` is the only loader.

`zh.toml` holds general Chinese (question words per intent, cues, stopwords, fillers,
measure words, units, numerals, dates, function words …) and `finance.toml` the domain
(short forms such as 险企, kinds of money, insurer names and endings …). They are read
once, when the `Context` is built, into the frozen `Lexicon`: typed tables of words
(tuples, frozensets, mappings) with one table per concept, and the patterns the code
builds from them (`Lexicon.patterns`). Nothing is read at import.

A later file extends an earlier one: tables merge, a list extends the list of the same
name, a value replaces it.
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from rag.lexicon.patterns import Patterns
from rag.lexicon.words import Words, alternation

LEXICON_DIR = Path(__file__).resolve().parent
DEFAULT_FILES = (LEXICON_DIR / "zh.toml", LEXICON_DIR / "finance.toml")


class LexiconError(ValueError):
    """A lexicon file is missing, unreadable or does not have the expected tables."""


# ---------------------------------------------------------------------------- numbers


@dataclass(frozen=True)
class Numerals:
    """Chinese numerals."""

    counting: tuple[str, ...]  # 一 … 十, in order
    two: str  # 两
    heading_mark: str  # 、 in 「一、」
    digits: Mapping[str, int]  # 〇 零 一 … 九 and their values
    small_units: Mapping[str, int]  # 十 百 千
    magnitudes: tuple[str, ...]  # 百 千 万 亿

    def value(self, numeral: str) -> int:
        """一 → 1 … 十 → 10."""
        return self.counting.index(numeral) + 1

    def count(self, n: int) -> str:
        """1 → 一 … 10 → 十; other numbers in digits."""
        return self.counting[n - 1] if 1 <= n <= len(self.counting) else str(n)


@dataclass(frozen=True)
class Dates:
    """The units of a date and the words around a two-digit year."""

    year: str
    month: str
    day: str
    year_parts: tuple[str, ...]
    duration_before: tuple[str, ...]
    duration_after: tuple[str, ...]
    since: tuple[str, ...]
    span_joins: tuple[str, ...]
    eras: tuple[str, ...] = ()
    year_asks: tuple[str, ...] = ()


@dataclass(frozen=True)
class FigureWords:
    """Units of figures, and what marks a sum or a share."""

    units: tuple[str, ...]
    counted: tuple[str, ...]
    item_counts: tuple[str, ...]
    any_count: str
    money: str
    money_marks: tuple[str, ...]
    percent_marks: tuple[str, ...]
    full_funding: str
    # Units of measure, each group the written forms of one dimension (「吨」「t」).
    measures: tuple[tuple[str, ...], ...] = ()
    size: str = ""  # the hint of a size of any kind: a sum, a count or a measure, not a share


@dataclass(frozen=True)
class NumberWords:
    numerals: Numerals
    dates: Dates
    figures: FigureWords


@dataclass(frozen=True)
class Stopwords:
    """Words that carry no content: shared, and only a question's or only retrieval's."""

    common: frozenset[str]
    question: frozenset[str]
    retrieval: frozenset[str]

    @cached_property
    def for_question(self) -> frozenset[str]:
        return self.common | self.question

    @cached_property
    def for_retrieval(self) -> frozenset[str]:
        return self.common | self.retrieval


# --------------------------------------------------------------------------- question


@dataclass(frozen=True)
class Fillers:
    """What a question says that is not what it is about."""

    determiners: tuple[str, ...]
    classifiers: tuple[str, ...]
    english: tuple[str, ...]  # 「quick question」「pls」 typed into a Chinese question
    prefaces: tuple[str, ...]  # 「我在写材料，想确认下：」: a leading clause about the asker
    # 「…吧？谢谢！」: courtesy after the question, said to the bot.
    closings: tuple[str, ...] = ()
    # 「文章里说的…」「本文中…」: the report itself, named before where or what it says.
    documents: tuple[str, ...] = ()
    document_frames: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntentOverrides:
    set_words: tuple[str, ...]
    how_many: str
    count_measures: tuple[str, ...]
    what_words: tuple[str, ...]
    time_span_before: tuple[str, ...]
    time_span_units: tuple[str, ...]
    time_span_as: str
    pointers: tuple[str, ...]
    pointed_as: str


@dataclass(frozen=True)
class UnitHints:
    how_many: tuple[str, ...]
    units: tuple[str, ...]
    percent: tuple[str, ...]
    money: tuple[str, ...]
    counts: tuple[str, ...] = ()  # classifiers asked as a count of anything (多少座)
    sizes: tuple[str, ...] = ()  # a size of any kind but a share (「规模多大」)


@dataclass(frozen=True)
class Pointers:
    """How a turn points back at the one before, or at the report itself."""

    elliptical_starts: tuple[str, ...]  # 「那…」「它…」: the turn may lean on the last one
    anaphoric_starts: tuple[str, ...]  # 「它…」「后来…」: it does
    document_deixis: tuple[str, ...]  # 「这份」「本」 …
    document_nouns: tuple[str, ...]  # … 「报告」「文章」: the report itself, not the last turn
    document_measures: tuple[str, ...]  # 「这篇…文章」: a document, words between
    standalone_terms: int
    subjectless_terms: int
    max_referent_chars: int  # the longest subject a rewrite takes


@dataclass(frozen=True)
class FollowUpKinds:
    """The words each kind of follow-up is recognised and resolved by (`rag.followup`)."""

    temporal: tuple[str, ...]  # 「当时」「那时」
    pronouns: tuple[str, ...]  # 「它」「这个」「其」; person_pronouns 「他们」 among them
    person_pronouns: tuple[str, ...]
    possessives: tuple[str, ...]  # 「其」「它的」: stand for 「<subject>的」
    first_last: Mapping[str, int]  # 「前者」 → 1, 「后者」 → -1
    ordinal_measures: tuple[str, ...]  # 「类」「个」 after 「第一」
    more_phrases: tuple[str, ...]  # 「具体说说」
    # 「具体说说」「展开讲讲」: more of the same passage, what was said included.
    elaborate_phrases: tuple[str, ...]
    demonstrative_subjects: tuple[str, ...]  # 「那是」「这是」
    what_ask: str  # 「具体是什么？」


@dataclass(frozen=True)
class FollowUpTimes:
    """How a temporal follow-up (「当时」「同一个月」) reads the time it points at."""

    month_words: tuple[str, ...]  # 「同一个月」「那个月」: a month, not only a year
    others_words: tuple[str, ...]  # 「还」「别的」: another thing of that time


@dataclass(frozen=True)
class FollowUpLists:
    """How the last answer gives a list an ordinal follow-up points into."""

    leads: tuple[str, ...]  # 「分为」「包括」 before a list
    separators: tuple[str, ...]  # 「、」「和」 between its items
    max_item_chars: int  # the longest item
    # Words after 「哪」「几」 that ask for a list of such items (「哪几个阶段」).
    set_asks: tuple[str, ...]
    count_asks: tuple[str, ...]  # 「哪」 before a numeral: 「哪两个判断」 asks for two
    closers: tuple[str, ...]  # 「等」 after the last item closes the list


@dataclass(frozen=True)
class FollowUpWords:
    pointers: Pointers
    kinds: FollowUpKinds
    times: FollowUpTimes
    lists: FollowUpLists
    more_starts: tuple[str, ...]
    question_words: tuple[str, ...]
    final_particles: tuple[str, ...]
    ask_particle: str
    rewrite_prefixes: tuple[str, ...]


@dataclass(frozen=True)
class GapWords:
    between: str
    hedges: tuple[str, ...]
    verbs: tuple[str, ...]
    amounts: tuple[str, ...]
    since: str
    until: tuple[str, ...]
    ask_year: str


@dataclass(frozen=True)
class ThanWords:
    """「A比B…」「和B相比」, but not the 比 of 「比重」「比例」「占比」."""

    words: tuple[str, ...]
    not_before: tuple[str, ...]
    not_after: tuple[str, ...]


@dataclass(frozen=True)
class CompareWords:
    """「A和B，哪家成立得更早？」「A比B高出多少？」: two sides asked the same thing."""

    joins: tuple[str, ...]  # between the two sides (和, 与)
    than: ThanWords
    which: tuple[str, ...]  # 哪个, 谁
    after_which: tuple[str, ...]  # said right after a which-word: 「谁先」「哪个高」
    comparatives: tuple[str, ...]  # 「更早」「高出多少」: with a which-word or 比
    dates: tuple[str, ...]  # the comparatives that compare dates
    pair_words: tuple[str, ...]  # 「这俩」「两者」: the pair named again
    ask_date: str  # how each side is asked on its own
    ask_figure: str


@dataclass(frozen=True)
class DescribedWords:
    """「率先…的那位科学家，参与创办了哪家公司？」: a thing described, then asked about."""

    pointers: tuple[str, ...]  # 那位, 那家: their first character becomes `which` …
    which: str  # … in the first ask (哪位, 哪家)
    after_noun: tuple[str, ...]  # where the described noun ends when no comma does (是)
    persons: tuple[str, ...]  # nouns for a person (科学家): a person's name answers
    places: tuple[str, ...]  # nouns for a place (地区): a place name answers
    pronouns: tuple[str, ...]  # 「它的RCA」: the pronoun the name replaces
    place_tags: tuple[str, ...]  # tags of a place's name (ns; nrt for 布哈拉)
    name_tags: tuple[str, ...]  # tags of a name of anything else (nt, nz, eng, x)
    organisation_tags: tuple[str, ...]  # … of a company's or an institute's (nt, eng)


@dataclass(frozen=True)
class AskWords:
    """Questions that ask two things at once: two ends of a span, two sides compared, a
    thing described and then asked about."""

    gap: GapWords
    compare: CompareWords
    described: DescribedWords
    of: str  # 「的」: what ends a side (「上海的房价」) and opens a description
    particles: tuple[str, ...]  # 「的」「得」「了」: trimmed from what a side is asked


@dataclass(frozen=True)
class QuestionWords:
    """How questions are worded."""

    copula: str
    figure_token_chars: tuple[str, ...]
    confirmation_tags: tuple[str, ...]
    premise_tags: tuple[str, ...]
    fillers: Fillers
    intents: Mapping[str, Words]  # by `rag.question.Intent` value
    intent_overrides: IntentOverrides
    unit_hints: UnitHints
    followup: FollowUpWords
    asks: AskWords


# ----------------------------------------------------------------------------- report


@dataclass(frozen=True)
class PartWords:
    ordinal: str
    measures: tuple[str, ...]
    units: tuple[str, ...]
    outline_units: tuple[str, ...]
    locatives: tuple[str, ...]
    strong_locatives: tuple[str, ...]
    section_units: tuple[str, ...]
    abstract: str
    body: str
    toc: str


@dataclass(frozen=True)
class ExtremeWords:
    """Superlatives and changes asked of a table column; rows that sum the others."""

    highest: tuple[str, ...]
    lowest: tuple[str, ...]
    strongest: tuple[str, ...]
    declines: tuple[str, ...]
    rises: tuple[str, ...]
    change_columns: tuple[str, ...]
    totals: tuple[str, ...]


@dataclass(frozen=True)
class RowWords:
    """How a question names a table's row: rank and code columns, ranks, listed names."""

    rank_columns: tuple[str, ...]
    code_columns: tuple[str, ...]
    rank_before: tuple[str, ...]
    rank_after: tuple[str, ...]
    cell_separators: tuple[str, ...]


@dataclass(frozen=True)
class TableSaid:
    """How an answer read off a table says an extreme, and how its refusal says why."""

    highest: str
    lowest: str
    column: str
    along_row: str
    only_lists: str
    not_listed: str
    row_only: str
    no_answer: str


@dataclass(frozen=True)
class SummaryWords:
    """What a report concludes and recommends: claim markers, section titles, generic words."""

    claim_markers: tuple[str, ...]
    conclusion_titles: tuple[str, ...]
    recommendation_titles: tuple[str, ...]
    generic: frozenset[str]
    # A section whose title has one of these names the report's problems (瓶颈, 挑战 …).
    problem_titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaptionLabels:
    """The words that label a caption (「表1」「图2」), and the English ones a bilingual
    report sets under it (「Tab.1」「Fig.2」), which stand for the Chinese caption where the
    extraction lost it."""

    table: str
    chart: str
    table_english: tuple[str, ...] = ()
    chart_english: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableWords:
    labels: CaptionLabels
    latest: tuple[str, ...]
    earliest: tuple[str, ...]
    how_many: tuple[str, ...]
    count_units: tuple[str, ...]
    extremes: ExtremeWords
    rows: RowWords
    said: TableSaid
    # 「数据来源：…」「资料来源：…」「注：…」: a note under a table or a chart.
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class AboutReport:
    determiners: tuple[str, ...]
    nouns: tuple[str, ...]
    names: tuple[str, ...]
    asks: tuple[str, ...]
    described_nouns: tuple[str, ...]
    described_within: int


@dataclass(frozen=True)
class Publication:
    intrinsic: tuple[str, ...]  # fields asked without naming the report
    refuse_absent: tuple[str, ...]  # fields refused when the report never marks them
    imprint: tuple[str, ...]
    not_imprint: tuple[str, ...]
    peripheral: tuple[str, ...]
    asks: Mapping[str, Words]  # by field: authors, date, series, publisher (tried in order)
    markers: Mapping[str, Words]  # by field: what marks the passage stating it
    labels: Mapping[str, str]  # by field: how an answer names the fact it quotes


@dataclass(frozen=True)
class ReportWords:
    """How a report's parts, tables and imprint are named."""

    parts: PartWords
    summary: SummaryWords
    tables: TableWords
    about: AboutReport
    publication: Publication


# ------------------------------------------------------------------------------ names


@dataclass(frozen=True)
class AskedAgents:
    """Who did something: the words that ask it and the tags of the words that answer."""

    # Words that ask who did something (「谁开发的」), unless one of `not_before` follows
    # (「谁的团队」「谁更高」); the part-of-speech tags of a person's or an organisation's name.
    words: tuple[str, ...] = ()
    not_before: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()
    # Words that ask for a person (「哪位总统」) and the tags of a person's name.
    persons: tuple[str, ...] = ()
    person_tags: frozenset[str] = frozenset()
    # What asks where, by a kind of place (「在哪座城市召开的」), and a place name's tags.
    places: Words = field(default_factory=Words)
    place_tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AskedKinds:
    which: tuple[str, ...]
    which_after: tuple[str, ...]
    copulas: tuple[str, ...]
    kinds: Mapping[str, str]  # the word asked with → insurer | bank | company | agency
    # Words that ask who holds a role named right before them (「创始人是谁」).
    who: tuple[str, ...] = ()
    role_pointers: tuple[str, ...] = ()
    # How a passage says who holds a role without its noun (作者 → 「…所著」).
    role_said: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Words that end the qualifier between 哪家 and the kind (「哪些城市的企业」).
    qualifier_breaks: tuple[str, ...] = ()
    agents: AskedAgents = AskedAgents()


@dataclass(frozen=True)
class CountWords:
    classifiers: tuple[str, ...]
    joiners: tuple[str, ...]
    listing: tuple[str, ...]
    vague: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    clause_examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class NameWords:
    """Named entities: the kinds asked for, and how a passage names one."""

    standalone: frozenset[str]
    generic: str  # characters of describing words
    breaks: tuple[str, ...]
    anonymous: str
    anonymised: tuple[str, ...]
    org_endings: tuple[str, ...]
    asked: AskedKinds
    endings: Mapping[str, tuple[str, ...]]  # by kind
    counts: CountWords
    # 「生产」「制造」: before an ending (「电池板生产企业」) they describe, they do not name.
    activities: tuple[str, ...] = ()


# --------------------------------------------------------------------- evidence, verify


@dataclass(frozen=True)
class ShareOrChangeWords:
    """A share asked (「占百分之几」) against a rate of change stated (「年复合增长率14.5%」)."""

    shares: tuple[str, ...] = ()
    changes: tuple[str, ...] = ()
    reached: tuple[str, ...] = ()  # 「降到」「增长至」: the level a change ended at
    # A table caption naming a rate (「…年均增长率」「…比重」): its cells are rates, often
    # written without 「%」 (0.160).
    rates: tuple[str, ...] = ()


@dataclass(frozen=True)
class DefinedWords:
    """A term defined where it stands: 「“灰犀牛”一般是指…」「中游是…」「TCI（…）是指…」."""

    adverbs: tuple[str, ...] = ()
    copulas: tuple[str, ...] = ()


@dataclass(frozen=True)
class PremiseWords:
    """What checks what a question takes for granted against the answer.

    `scopes`: groups of words that set a figure's scope (国内 against 全球).
    `opposites`: the two directions of a flow (进口, 出口): a figure of one is not the other's.
    `issued`: verbs that date a document or an event (「2019年…颁布4422号令」): a year the
    question gives such a thing is a claim to correct, not a scope (`rag.figures.redated`).
    `reasons`: what gives a reason, a purpose or grounds (因为, 因而, 表明, 为…提供): a why
    question's answer holds one (`rag.extractive.gives_no_reason`); `purpose`: a why question
    that asks what something is for (「为什么要…」), whose answer seldom marks it.
    """

    scopes: tuple[tuple[str, ...], ...] = ()
    opposites: tuple[tuple[str, str], ...] = ()
    issued: tuple[str, ...] = ()
    reasons: Words = field(default_factory=Words)
    purpose: Words = field(default_factory=Words)
    # 「最」「居首」「仅次于」: how a passage singles one out of several (`ranked`); a
    # question asking which is the most is answered by one of these or by figures.
    ranked: Words = field(default_factory=Words)


@dataclass(frozen=True)
class EvidenceWords:
    markers: Mapping[str, Words]  # by intent: what makes a passage fit it
    announcements: tuple[str, ...]  # 「以下」「如下」: items follow
    announced_units: tuple[str, ...]  # 「3方面」「两点」: a count of items follows
    anaphora: tuple[str, ...]
    # 「乌国」「贷里」「单子」: a report word's stem with a place word or a noun suffix.
    stem_suffixes: frozenset[str]
    figure_kinds: frozenset[str]
    answer_kinds: frozenset[str]
    share_or_change: ShareOrChangeWords = ShareOrChangeWords()
    defined: DefinedWords = DefinedWords()
    premises: PremiseWords = field(default_factory=PremiseWords)


@dataclass(frozen=True)
class VerifyNumerals:
    quantity_measures: tuple[str, ...]  # order matters: longest first
    ordinal: str
    ordinal_measures: tuple[str, ...]
    percent: str
    point: str
    not_duration: str
    not_count_after: str


@dataclass(frozen=True)
class VerifyTokens:
    magnitudes: tuple[str, ...]  # order matters: longest first
    meaningful_units: tuple[str, ...]  # order matters
    unit_after_number: tuple[str, ...]
    number_after: tuple[str, ...]
    points: str
    point_unit: str


@dataclass(frozen=True)
class ClaimWords:
    negations: tuple[str, ...]
    framing_sources: tuple[str, ...]
    framing_this: str
    framing_report: str
    framing_in: tuple[str, ...]
    framing_verbs: tuple[str, ...]
    refusal_apologies: tuple[str, ...]
    refusal_negations: tuple[str, ...]
    refusal_verbs: tuple[str, ...]


@dataclass(frozen=True)
class VerifyWords:
    """How the citation check reads numbers and claims."""

    numerals: VerifyNumerals
    tokens: VerifyTokens
    claims: ClaimWords
    connectives: Words


@dataclass(frozen=True)
class TokenWords:
    """Harvesting names from a report for the tokenizer."""

    conjunctions: tuple[str, ...]
    short_name: str
    role_patterns: tuple[str, ...]
    org_endings: tuple[str, ...]
    # Words jieba's dictionary tags wrongly (「东西」「上台」 as places), with the right tag.
    tag_fixes: Mapping[str, str] = field(default_factory=dict)
    # The same, by their everyday tag (n: 城市, 山羊; v: 上市): the long list.
    common_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @cached_property
    def retagged(self) -> Mapping[str, str]:
        """Every word jieba tags wrongly, with the tag to read it with."""
        fixes = {word: tag for tag, words in self.common_words.items() for word in words}
        return {**fixes, **self.tag_fixes}


@dataclass(frozen=True)
class DomainWords:
    """Finance: short forms, insurance products, kinds of money."""

    aliases: Mapping[str, tuple[str, ...]]
    insurance: str
    insurance_short: str
    not_insurance: str
    money_kinds: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Lexicon:
    """Every word table of the answer path (see the module docstring)."""

    numbers: NumberWords
    stopwords: Stopwords
    question: QuestionWords
    cues: Mapping[str, Words]  # by `rag.question.Cue` value
    report: ReportWords
    names: NameWords
    evidence: EvidenceWords
    verify: VerifyWords
    tokens: TokenWords
    domain: DomainWords

    @cached_property
    def patterns(self) -> Patterns:
        """The patterns built from these words, each defined once (`rag.lexicon.patterns`)."""
        return Patterns(self)


# ----------------------------------------------------------------------------- loader


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """`extra` over `base`: tables merge, lists extend, other values replace."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        elif isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = [*out[key], *value]
        else:
            out[key] = value
    return out


def _convert(kind: Any, value: Any, where: str) -> Any:
    """`value` from TOML as the annotated type `kind`."""
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, Mapping):
            raise LexiconError(f"词表项 {where} 应为表")
        return _build(kind, value, where)  # type: ignore[arg-type]
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin in (tuple, frozenset):
        if not isinstance(value, list | str):
            raise LexiconError(f"词表项 {where} 应为列表")
        items = [_convert(args[0], item, where) for item in value]
        return tuple(items) if origin is tuple else frozenset(items)
    if origin in (Mapping, dict) or kind is Mapping:
        if not isinstance(value, Mapping):
            raise LexiconError(f"词表项 {where} 应为表")
        return {key: _convert(args[1], item, f"{where}.{key}") for key, item in value.items()}
    if not isinstance(value, kind):
        raise LexiconError(f"词表项 {where} 应为 {kind.__name__}")
    return value


def _build(cls: type, table: Mapping[str, Any], where: str) -> Any:
    """A `cls` from a TOML table; a key missing or unknown is an error naming it."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(table) - names)
    if unknown:
        raise LexiconError(f"词表 {where} 中有未知的项：{'、'.join(unknown)}")
    values = {}
    for item in dataclasses.fields(cls):
        path = f"{where}.{item.name}" if where else item.name
        if item.name in table:
            values[item.name] = _convert(hints[item.name], table[item.name], path)
        elif item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING:
            raise LexiconError(f"词表缺少 {path}")
    return cls(**values)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise LexiconError(f"找不到词表文件：{path}") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"词表文件 {path} 无法读取：{exc}") from None


def load_lexicon(*paths: Path) -> Lexicon:
    """The Lexicon of these TOML files, later ones extending earlier ones.

    Without paths: the packaged `zh.toml` and `finance.toml`. Raises `LexiconError`
    with a Chinese message naming the file or the table that is wrong.
    """
    merged: dict[str, Any] = {}
    for path in paths or DEFAULT_FILES:
        merged = _merge(merged, _read(Path(path)))
    lexicon: Lexicon = _build(Lexicon, merged, "")
    return lexicon


__all__ = [
    "DEFAULT_FILES",
    "Lexicon",
    "LexiconError",
    "Words",
    "alternation",
    "load_lexicon",
]
