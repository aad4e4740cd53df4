"""One typed `Question`, built once: everything the answer path needs to know about a question.

`build_question` is the single place that works out what a question means:
normalisation, short forms, follow-up resolution, part-of-speech tagging, the
kind of answer it wants (`Intent`), what else it says about the answer (`Cue`),
its weighted content terms, the figures it asserts, and its scope (a part, a
table, a report). Retrieval, routing, reranking, the answer strategies and the
verifier read these fields; none of them reads the question's text with patterns
of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING, Any

from rag.figures import find_numbers
from rag.followup import decide_followup, search_text
from rag.types import FollowUp, Turn

if TYPE_CHECKING:
    from rag.context import Context
    from rag.followup_model import FollowupModel
    from rag.lexicon import Lexicon, Words


class Intent(Enum):
    """The kind of answer a question wants."""

    DATE = "date"
    FIGURE = "figure"
    NAME = "name"
    TITLE = "title"
    LIST = "list"
    REASON = "reason"
    DEFINITION = "definition"
    OTHER = "other"


class Cue(Enum):
    """Other things a question says about the answer it wants."""

    SUMMARY = "summary"  # 「概括一下」「讲了啥」: what a part says overall
    CONCLUSION = "conclusion"  # 「得出了啥结论」「整体判断」: what the report concludes
    RECOMMEND = "recommend"  # 「提了哪几条建议」「哪几招」: the report's recommendations
    PROBLEMS = "problems"  # 「存在哪些问题」「短板在哪」: the problems the report names
    WHOLE_REPORT = "whole_report"  # 「这份报告」「全文」: the report as a whole
    OUTLINE = "outline"  # 「分成哪几部分」: the report's own structure
    TIMELINE = "timeline"  # 「一步步」「时间脉络」: dated steps in order
    ALL_ITEMS = "all_items"  # 「有啥特点」「几条」: a whole enumeration
    ABOUT_REPORT = "about_report"  # 「这份报告是谁写的」: the publication itself
    CONFIRMATION = "confirmation"  # 「…吧？」「…对吗？」: a premise to check
    CONFIRMATION_TAG = "confirmation_tag"  # ends in 吧/吗 with at most one question mark
    POINTS_AT_TABLE = "points_at_table"  # 「表里」「这张表」
    MENTIONS_TABLE = "mentions_table"  # 「表里」「那张图」「框架图」: a table or figure
    SEVERAL_PARTS = "several_parts"  # 「分别」「时间线」「从…到…」
    PERIPHERAL = "peripheral"  # about 致谢 or 版权: the acknowledgements count
    STRUCTURE = "structure"  # 「目录」「第 3 页」「哪一部分」
    ASKS_SUM = "asks_sum"  # 「多少钱」「花了」: a sum of money
    SUBSIDY = "subsidy"  # 「补贴」「资助」: support that 「全额」 can answer
    ASKS_ITEMS = "asks_items"  # 「具体是哪两个」: the items, not their count
    ASKS_NAME = "asks_name"  # 「全名」「叫什么」: a name
    ASKS_WHICH = "asks_which"  # 「放在哪个阶段」: which heading a cell sits under
    ASKS_COUNT = "asks_count"  # 「一共列了多少份」: how many rows
    SECOND_ASK = "second_ask"  # a second question after the first question mark


@dataclass(frozen=True)
class Term:
    """A content word of the question and how much it counts."""

    text: str
    tag: str  # jieba part-of-speech tag ("n" without a tagger)
    factor: float = 1.0  # how much its part of speech counts (nouns 1, verbs less)
    carried: bool = False  # carried into a follow-up from an earlier turn
    # A word of the tokenizer's dictionary (or the report's own terms); False for a
    # token its model guessed (「拉可再生能源」 → 拉可), whose tag is a guess too.
    known: bool = True

    @property
    def weight_factor(self) -> float:
        """The factor its corpus weight is scaled by (carried terms count less)."""
        return self.factor * CARRIED_TERM_FACTOR if self.carried else self.factor


@dataclass(frozen=True)
class Wording:
    """The question's text at each step of building it."""

    typed: str  # as the user typed it
    normalised: str = ""  # width, script and short forms normalised
    resolved: str = ""  # a follow-up rewritten as a standalone question
    problem: str = ""  # a Chinese message when there is nothing to search for


@dataclass(frozen=True)
class ColumnAsk:
    """What a question asks of a table column."""

    extreme: str = ""  # "highest" / "lowest" / "strongest" value (「最低」「掉得最狠」)
    change: str = ""  # "down" / "up": the change it asks about (「降了多少」)
    rank: int = 0  # a row named by its rank (「排第一」 → 1)


@dataclass(frozen=True)
class Wanted:
    """What the answer must hold, as the question says it."""

    unit_hint: str = ""  # the unit of the asked figure (家, %, 元, 年 …)
    figures: tuple[str, ...] = ()  # figures and dates the question itself asserts
    years: tuple[str, ...] = ()  # years the question names (「2030年的规模」)
    name_slots: tuple[str, ...] = ()  # kinds of named entity asked for (insurer, bank …)
    money_kinds: tuple[tuple[str, ...], ...] = ()  # kinds of money named (保费, 保额 …)
    organisations: tuple[tuple[str, str], ...] = ()  # named organisations: (name, brand)
    publication_fields: tuple[str, ...] = ()  # asked of the publication: authors, date …
    table_ends: tuple[str, ...] = ()  # "earliest" / "latest" row, in the order asked
    count_unit: str = ""  # the counting word of 「多少份」「几条」
    column: ColumnAsk = field(default_factory=ColumnAsk)  # what it asks of a table column


@dataclass(frozen=True)
class Scope:
    """Where the answer should come from."""

    report: str | None = None  # the report the asker named (file name or title)
    part_number: int | None = None  # 「第二部分」 → 2
    # The question's text before each 「里」「中」「部分」…: a part named by its title
    # (「致谢里」) ends one of them.
    part_title_words: tuple[str, ...] = ()
    table_number: str | None = None  # 「表1」 → "1"
    section_number: tuple[int, ...] = ()  # 「3.2节」 → (3, 2)
    # The text before each 「那部分」「这一节」…, words that plainly name a part: a few
    # words of its title may stand there (「研究现状那部分」).
    part_title_strong: tuple[str, ...] = ()


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its name and how it is asked on its own."""

    name: str  # 「金斯瑞」
    ask: str  # 「金斯瑞成立是哪一年？」


@dataclass(frozen=True)
class Described:
    """A thing described and then asked about: 「率先…的那位科学家，参与创办了哪家公司？」."""

    first: str  # 「率先…的是哪位科学家？」: finds the thing
    kind: str  # "person", "place" or "thing": what kind of name answers the first ask
    rest: str  # 「参与创办了哪家公司？」: asked of the name the first answer gives
    described: str  # 「率先在真核细胞上…编辑基因」: the description, to find the name by
    noun: str = ""  # 「科学家」「公司」: what the thing is


@dataclass(frozen=True)
class Asks:
    """The separate asks of a question that asks more than one thing."""

    parts: tuple[str, ...] = ()  # 「…哪个月出的？…哪个部门？」 → both asks
    gap: tuple[str, str] | None = None  # 「从A到B隔了几年」 → (A 是哪一年, B 是哪一年)
    sides: tuple[Side, Side] | None = None  # 「A和B哪个更高」 → (A 是多少, B 是多少)
    described: Described | None = None  # 「…的那家公司，在哪个城市？」


@dataclass(frozen=True)
class Question:
    """A question as the answer path understands it (see the module docstring)."""

    wording: Wording
    intent: Intent = Intent.OTHER
    cues: frozenset[Cue] = frozenset()
    terms: tuple[Term, ...] = ()
    wanted: Wanted = field(default_factory=Wanted)
    scope: Scope = field(default_factory=Scope)
    followup: FollowUp = field(default_factory=FollowUp)
    asks: Asks = field(default_factory=Asks)

    @property
    def text(self) -> str:
        """The question the answer is about: the resolved follow-up, else the normalised text."""
        return self.wording.resolved

    @property
    def problem(self) -> str:
        return self.wording.problem

    @property
    def shown_resolution(self) -> str:
        """What the UI shows as 「理解为」: the rewrite, or the question as typed."""
        if self.followup.rewritten and self.followup.resolved != self.wording.normalised:
            return self.followup.resolved
        return self.wording.typed

    @property
    def term_texts(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.terms)

    @property
    def unit_hint(self) -> str:
        return self.wanted.unit_hint

    @property
    def carried(self) -> tuple[str, ...]:
        """Terms carried into a follow-up from earlier turns."""
        return tuple(t.text for t in self.terms if t.carried)

    def has(self, cue: Cue) -> bool:
        return cue in self.cues

    def weigh(self, weight: Callable[[str], float]) -> Callable[[str], float]:
        """The corpus weight of each term, scaled by how much the term counts."""
        factors = {t.text: t.weight_factor for t in self.terms}
        return lambda term: weight(term) * factors.get(term, 1.0)


# How much a term carried into a follow-up from earlier turns counts (measured on dev).
CARRIED_TERM_FACTOR = 0.4


@dataclass(frozen=True)
class Language:
    """How question text is read: the lexicon, tokens, tags, normalisation and short forms."""

    lexicon: Lexicon
    cut: Callable[[str], list[str]]
    tag: Callable[[str], list[tuple[str, str]]] | None = None
    normalise: Callable[[str], Any] | None = None  # → an object with .text and .problem
    expand: Callable[[str], str] | None = None  # short forms → the report's words
    known: Callable[[str], bool] | None = None  # a word of the tokenizer's dictionary
    # The fitted follow-up veto (rag/followup.toml); None: the rules alone decide.
    followup_model: FollowupModel | None = None


# ---------------------------------------------------------------------------- terms

# Intents whose own words (定义, 原因, 名称) name the kind of answer, not its subject.
_ANSWER_KIND_INTENTS = ("definition", "reason", "title")
# POS tags (jieba) of words that name things; verbs and adverbs weigh less because
# colloquial questions paraphrase actions far more than they rename things.
_NOUN_TAGS = ("n", "nr", "ns", "nt", "nz", "nw", "vn", "an", "j", "l", "i", "eng", "x", "s", "t")
_VERB_FACTOR = 0.35


def written_as_a_name(word: str) -> bool:
    """A foreign word written as a name is capitalised or holds a digit (「Intellia」「HS84」
    「CAR-T」); one in lower case is the asker's own vocabulary (「black swan」「model」),
    which a report in Chinese says in Chinese."""
    return word != word.lower() or any(c.isdigit() for c in word)


def question_terms(text: str, language: Language) -> tuple[Term, ...]:
    """The content words of a text, in order, each with its tag and part-of-speech factor."""
    lexicon = language.lexicon
    patterns, stopwords = lexicon.patterns, lexicon.stopwords.for_question
    if language.tag is not None:
        pairs = language.tag(text)
    else:
        pairs = [(t, "n") for t in language.cut(text)]
    terms: dict[str, Term] = {}
    # Single characters with their positions, and whether each is a place's character.
    singles: list[tuple[int, str, bool]] = []
    fillers = lexicon.question.fillers
    for position, (token, flag) in enumerate(pairs):
        following = pairs[position + 1][0].strip() if position + 1 < len(pairs) else ""
        if token.strip() in fillers.documents and following in fillers.document_frames:
            continue
        flag = lexicon.tokens.retagged.get(token.strip(), flag)
        # jieba glues the copula to an unknown word's tail (共保体是 → 共保 / 体是); words that
        # really end in 是 (但是, 就是, 还是) are function words anyway.
        token = patterns.trailing_copula.sub("", token.strip())
        if not token or token in stopwords or patterns.figure_token.fullmatch(token):
            continue
        if patterns.filler.match(token):
            continue
        if not re.search(r"[\u4e00-\u9fffA-Za-z]", token):
            continue
        if len(token) == 1 and not re.match(r"[A-Za-z]", token):
            singles.append((position, token, flag.startswith(_NAME_CHAR_TAGS)))
            continue
        if token in terms:
            continue
        factor = 1.0 if flag.startswith(_NOUN_TAGS) or flag == "x" else _VERB_FACTOR
        if any(token in lexicon.question.intents[kind].words for kind in _ANSWER_KIND_INTENTS):
            # 「怎么定义的」「原因」「名称」 say what kind of answer is wanted; the passage
            # that answers rarely repeats them (「科技保险是指…」).
            factor = _VERB_FACTOR
        if flag == "eng" and not written_as_a_name(token):
            # A foreign word in lower case is the asker's own vocabulary (「game theory」
            # beside 博弈), which a report in Chinese says in Chinese: like a paraphrased
            # verb, it is weak evidence either way. Names are capitalised (「Intellia」).
            factor = _VERB_FACTOR
        known = language.known(token) if language.known is not None else True
        terms[token] = Term(token, flag, factor, known=known)
    if not terms:
        # A name the tokenizer does not know comes out as single characters (潘/淑,
        # 坡/鹿): with no other content word, the run of them is what the question is about.
        for run in _runs(singles):
            terms.setdefault(run, Term(run, "n", known=False))
    else:
        # A short form of two names (朝美: 朝鲜 and 美国) comes out as a preposition and a
        # place (朝/美); a run holding a name's character is a word of its own. Tagged as a
        # short form (j), it is looked for but never refused as a place the report lacks.
        for run in _runs(singles, placed_only=True):
            terms.setdefault(run, Term(run, "j", known=False))
    return tuple(terms.values())


# jieba's tags of a single character that is a place or a short form of one (美, 京); not
# a surname (潘/淑): a person's name is read from the sentences that name the person.
_NAME_CHAR_TAGS = ("ns", "j")


# A name is a few characters (潘淑, 白尾雀鲷); a longer run of single characters is a text
# the tokenizer could not read at all, not a name.
_NAME_CHARS = 4


def _runs(singles: Sequence[tuple[int, str, bool]], placed_only: bool = False) -> list[str]:
    """The runs of 2 to `_NAME_CHARS` characters at consecutive token positions; with
    `placed_only`, only the runs holding a place's character."""
    runs: list[list[tuple[str, bool]]] = []
    last = -2
    for position, char, placed in singles:
        if runs and position == last + 1:
            runs[-1].append((char, placed))
        else:
            runs.append([(char, placed)])
        last = position
    return [
        "".join(char for char, _ in run)
        for run in runs
        if 2 <= len(run) <= _NAME_CHARS and (not placed_only or any(p for _, p in run))
    ]


# --------------------------------------------------------------------------- intent

# The order the intents are tried in: the first whose words occur wins.
_INTENT_ORDER = (
    Intent.DATE,
    Intent.REASON,
    Intent.FIGURE,
    Intent.NAME,
    Intent.TITLE,
    Intent.LIST,
    Intent.DEFINITION,
)


def _without_spans_and_pointed_sets(question: str, lexicon: Lexicon) -> str:
    """「这几年」「近几个月」 say when, not how many, and 「那几个邻居，有能出海的吗」 points at a
    set: neither makes a figure question. 「那几个“一点”是啥」 asks what they are (`classify`)."""
    overrides, patterns = lexicon.question.intent_overrides, lexicon.patterns
    question = patterns.time_span.sub(overrides.time_span_as, question)
    if patterns.what_words.search(question):
        return question
    return patterns.pointed_count.sub(rf"\g<1>{overrides.pointed_as}", question)


def _words_of(language: Language) -> Callable[[str], list[str]] | None:
    """Every word of a text in order, as the tagger cuts it (None without a tagger)."""
    tag = language.tag
    if tag is None:
        return None
    return lambda text: [word for word, _ in tag(text)]


def _word_starts(text: str, cut: Callable[[str], list[str]] | None) -> frozenset[int] | None:
    """Where the tokens of `text` start (None without a tokenizer)."""
    if cut is None:
        return None
    starts, at = set(), 0
    for token in cut(text):
        found = text.find(token, at)
        if found < 0:
            continue
        starts.add(found)
        at = found + len(token)
    return frozenset(starts)


def _asks_with(words: Words, question: str, starts: frozenset[int] | None) -> bool:
    """Whether one of `words` occurs in the question as a word of its own: not the tail
    of another (「项目的」 holds 目的 but does not ask a purpose)."""
    if starts is None:
        return words.search(question)
    return any(m.start() in starts for m in words.regex.finditer(question))


def classify(
    question: str, lexicon: Lexicon, words: Callable[[str], list[str]] | None = None
) -> Intent:
    """The question's intent from its wording; with `words` (every word of a text, in
    order), an intent's word counts only where a word starts."""
    patterns, intents = lexicon.patterns, lexicon.question.intents
    question = _without_spans_and_pointed_sets(question, lexicon)
    starts = _word_starts(question, words)
    for intent in _INTENT_ORDER:
        if _asks_with(intents[intent.value], question, starts):
            if intent in (Intent.FIGURE, Intent.DATE) and patterns.set_words.search(question):
                return Intent.LIST  # 「啥时候、哪几家发的」: a date and a set of names
            # 「那几个“一点”是啥」 asks what they are, not how many.
            # 「说说…的几个特点」 wants the items too: 「的几个」 names a known set.
            if (
                intent is Intent.FIGURE
                and patterns.counted_items.search(question)
                and patterns.what_words.search(question)
            ):
                return Intent.LIST
            return intent
    return Intent.OTHER


def unit_hint(question: str, lexicon: Lexicon) -> str:
    """The unit of the figure the question asks for (家, %, 元 …), or ""."""
    patterns = lexicon.patterns
    question = _without_spans_and_pointed_sets(question, lexicon)
    match = patterns.hint_unit.search(question) or patterns.hint_measure.search(question)
    if match:
        return match.group(1)
    if patterns.hint_count.search(question):
        return lexicon.numbers.figures.any_count
    if patterns.hint_percent.search(question):
        return "%"
    if patterns.hint_money.search(question):
        return lexicon.numbers.figures.money
    if patterns.hint_size.search(question):
        return lexicon.numbers.figures.size
    return ""


# ----------------------------------------------------------------------------- cues


def question_cues(text: str, lexicon: Lexicon) -> frozenset[Cue]:
    """Every `Cue` the text carries: those of `Lexicon.cues` whose words occur, and the
    confirmation, the publication and a second ask, which have patterns of their own."""
    patterns = lexicon.patterns
    cues = {Cue(name) for name, words in lexicon.cues.items() if words.search(text)}
    if Cue.OUTLINE in cues and patterns.outline_part.search(text):
        cues.discard(Cue.OUTLINE)  # 「第三部分讲了什么」 is about one part, not the outline
    if patterns.confirmation.search(text.strip()):
        cues.add(Cue.CONFIRMATION)
    if patterns.premise_tag.search(text):
        cues.add(Cue.CONFIRMATION_TAG)
    if patterns.about_report.search(text):
        cues.add(Cue.ABOUT_REPORT)
    if re.search(r"[？?].*\S", text.strip().rstrip("？?")):
        # 「…归在哪类下面？…落地过哪些项目？」: a second question after the first one.
        cues.add(Cue.SECOND_ASK)
    return frozenset(cues)


# --------------------------------------------------------------------------- wanted


def asked_kinds(question: str, lexicon: Lexicon) -> tuple[str, ...]:
    """The kinds of named entity the question asks for (insurer, bank, company, agency)."""
    patterns, kinds = lexicon.patterns, lexicon.names.asked.kinds
    found = [m.group("kind") for m in patterns.asked_kind.finditer(question)]
    if not found:
        found = [m.group("kind") for m in patterns.asked_kind_before.finditer(question)]
    return tuple(kinds[kind] for kind in found)


# jieba tags of words that cannot be a brand: verbs, adverbs, prepositions, pronouns …
_NOT_A_NAME_TAGS = frozenset("vdpcurmqy")


def named_organisations(
    question: str, terms: Sequence[Term], lexicon: Lexicon
) -> tuple[tuple[str, str], ...]:
    """Organisations the question names (「平安产险」「招商银行」), each with its brand.

    A name is a term ending in an organisation kind, or such a kind word right after
    the term before it (not after a verb: 「要求保险公司」).
    """
    ending, generic = lexicon.patterns.org_ending, lexicon.names.generic
    out = []
    for index, term in enumerate(terms):
        if not ending.search(term.text):
            continue
        name = term.text
        if ending.fullmatch(term.text):
            previous = terms[index - 1] if index else None
            if previous is None or f"{previous.text}{term.text}" not in question:
                continue  # a bare kind word: 「银行」「保险公司」
            if previous.tag[:1] in _NOT_A_NAME_TAGS:
                continue  # 「要求保险公司」: a verb, not a brand
            name = f"{previous.text}{term.text}"
        brand = ending.sub("", name)
        if len(brand) < 2 or all(ch in generic for ch in brand):
            continue
        out.append((name, brand))
    return tuple(out)


def _table_ends(text: str, lexicon: Lexicon) -> tuple[str, ...]:
    """ "earliest" / "latest", in the order the question asks for them."""
    patterns = lexicon.patterns
    ends = [
        (found.start(), end)
        for end, pattern in (("earliest", patterns.earliest), ("latest", patterns.latest))
        if (found := pattern.search(text))
    ]
    return tuple(end for _, end in sorted(ends))


def column_ask(text: str, lexicon: Lexicon) -> ColumnAsk:
    """What the question asks of a table column: the extreme ("highest", "lowest",
    "strongest" or ""), the change it asks about ("down", "up" or "") and the rank of a
    row it names (0: none)."""
    patterns = lexicon.patterns
    extreme = next(
        (
            name
            for name, pattern in (
                ("highest", patterns.highest),
                ("lowest", patterns.lowest),
                ("strongest", patterns.strongest),
            )
            if pattern.search(text)
        ),
        "",
    )
    change = (
        "down" if patterns.declines.search(text) else "up" if patterns.rises.search(text) else ""
    )
    rank = 0
    if found := patterns.rank.search(text):
        raw = found.group("n") or found.group("m")
        rank = int(raw) if raw.isdigit() else lexicon.numbers.numerals.value(raw)
    return ColumnAsk(extreme, change, rank)


def question_wanted(text: str, terms: Sequence[Term], hint: str, lexicon: Lexicon) -> Wanted:
    """What the answer to `text` must hold."""
    patterns, domain = lexicon.patterns, lexicon.domain
    count = patterns.count_unit.search(text)
    asks = lexicon.report.publication.asks
    return Wanted(
        unit_hint=hint,
        figures=tuple(find_numbers(text, lexicon)),
        years=tuple(patterns.year_before_unit.findall(text)),
        name_slots=asked_kinds(text, lexicon),
        money_kinds=tuple(k for k in domain.money_kinds if any(word in text for word in k)),
        organisations=named_organisations(text, terms, lexicon),
        publication_fields=tuple(name for name, words in asks.items() if words.search(text)),
        table_ends=_table_ends(text, lexicon),
        count_unit=count.group(1) if count else "",
        column=column_ask(text, lexicon),
    )


# ---------------------------------------------------------------------------- scope


def question_scope(text: str, report: str | None, lexicon: Lexicon) -> Scope:
    """The part, table and report the question names."""
    patterns = lexicon.patterns
    table = patterns.table_ref.search(text)
    table_number = table.group(1) if table else None
    if lexicon.report.parts.body in text:
        # 「致谢里提到…，正文说…」 sends the reader to the body, not one part.
        return Scope(report=report, table_number=table_number)
    locative, strong = patterns.part_locative, patterns.part_strong_locative
    before = tuple(text[:at] for at in range(len(text)) if locative.match(text, at))
    before_strong = tuple(text[:at] for at in range(len(text)) if strong.match(text, at))
    match = patterns.named_part_number.search(text)
    number = None
    if match is not None:
        raw = match.group("n")
        number = int(raw) if raw.isdigit() else lexicon.numbers.numerals.value(raw)
    section = patterns.named_section_number.search(text)
    decimal = tuple(int(n) for n in re.split(r"\s*[.．]\s*", section.group("n"))) if section else ()
    if decimal and number is None:
        number = decimal[0]
    return Scope(report, number, before, table_number, decimal, before_strong)


# ----------------------------------------------------------------------------- asks

# An ask shorter than this (「哪年？」「是吗？」) is a tag on the one before, not a question.
MIN_ASK_CHARS = 5
MAX_ASKS = 3


def split_asks(question: str, question_word: re.Pattern[str] | None = None) -> tuple[str, ...]:
    """The asks of a question, split at its question marks; one ask → ``(question,)``.

    With `question_word`, one ask whose clauses each ask something is split at its
    commas too (「国内首家基因编辑公司是哪家，它是哪年成立的」): a clause that asks
    nothing sets the scene for the ask after it (「寿险占大头，具体占比多少」 stays one).
    """
    parts = [p.strip(" ，,。") for p in re.split(r"[？?]+", question)]
    asks = [f"{p}？" for p in parts if len(re.sub(r"\W", "", p)) >= MIN_ASK_CHARS]
    if len(asks) == 1 and question_word is not None:
        asks = [f"{p}？" for p in _asking_clauses(asks[0].rstrip("？"), question_word)]
    if len(asks) < 2 or len(asks) > MAX_ASKS:
        return (question,)
    return tuple(asks)


def _asking_clauses(ask: str, question_word: re.Pattern[str]) -> list[str]:
    """The clauses of one ask that each ask something, with the scene-setting clauses
    before each; one piece when fewer than two clauses ask."""
    pieces: list[str] = []
    scene = ""
    for clause in re.split(r"[，,；;]", ask):
        clause = clause.strip()
        if not clause:
            continue
        if question_word.search(clause):
            pieces.append(f"{scene}，{clause}" if scene else clause)
            scene = ""
        else:
            scene = f"{scene}，{clause}" if scene else clause
    if scene and pieces:
        pieces[-1] = f"{pieces[-1]}，{scene}"
    if len(pieces) < 2 or any(len(re.sub(r"\W", "", p)) < MIN_ASK_CHARS for p in pieces):
        return [ask]
    return pieces


def span_asks(question: str, lexicon: Lexicon) -> tuple[str, str] | None:
    """「(X)从A到B隔了几年」 → (「XA是哪一年？」, 「XB是哪一年？」)."""
    words, patterns = lexicon.question.asks.gap, lexicon.patterns
    gap = patterns.gap.search(question)
    if gap is None:
        return None
    head = question[: gap.start()].strip(" ，,")
    subject, _, span = head.rpartition(words.since)
    ends = patterns.gap_until.split(span, maxsplit=1)
    if len(ends) != 2:
        return None
    first, second = (end.strip(" ，,") for end in ends)
    if len(first) < 2 or len(second) < 2:
        return None
    return f"{subject}{first}{words.ask_year}", f"{subject}{second}{words.ask_year}"


# Each side of a comparison is a short name or phrase (「风能」「卡什卡达里亚、苏尔汉河一带」).
_MAX_SIDE_CHARS = 30


def compare_asks(question: str, lexicon: Lexicon) -> tuple[Side, Side] | None:
    """「A和B，哪家成立得更早？」 → (A: 「A成立是哪一年？」, B: 「B成立是哪一年？」).

    A comparison asks one thing of two sides; one passage rarely holds both (two rows of
    a table, two companies' profiles), so each side is asked on its own. The comparison
    is a which-word with a comparative (「哪个更高」「谁先」), the sides joined by 和/与 in
    its clause or in the clause before it (which then asks nothing itself); or 比 before a
    comparative (「韩国比中国高出多少」). What is compared (「的技术潜力」「成立」) goes with
    each side, and the clauses before the sides (「按表1的数据，」), or a year that opens
    the first side, stay in front. None when the question compares nothing.
    """
    patterns = lexicon.patterns
    clauses = re.split(r"[，,；;：:？?！!。]", question.strip())
    for index in range(len(clauses) - 1, -1, -1):
        clause = clauses[index]
        found = patterns.compare_which.search(clause)
        if found is not None:
            comparative = found.group("comparative") or found.group("next")
            asked = (found.group("compared") or "") + clause[found.end() :]
            at = index if patterns.compare_join.search(clause[: found.start()]) else index - 1
            if at < index and (
                clause[: found.start()].strip()
                or at < 0
                or patterns.question_word.search(clauses[at])
            ):
                return None  # 「…，X哪个更高」 or 「…各是多少，哪个高」: no pair of its own
            sides = clauses[at] if at < index else clause[: found.start()]
            split = _two_sides(sides, patterns.compare_join, lexicon)
        else:
            found = patterns.comparative.search(clause)
            if found is None or not patterns.compare_than_word.search(clause[: found.start()]):
                continue
            comparative, asked, at = found.group("comparative"), clause[found.end() :], index
            split = _two_sides(clause[: found.start()], patterns.compare_than_word, lexicon)
        return (
            None if split is None else _side_asks(clauses[:at], split, asked, comparative, lexicon)
        )
    return None


def _side_asks(
    before: Sequence[str],
    split: tuple[str, str, str],
    asked: str,
    comparative: str,
    lexicon: Lexicon,
) -> tuple[Side, Side]:
    """Each side with what is compared and the ask for it, after the clauses before."""
    asks, patterns = lexicon.question.asks, lexicon.patterns
    words = asks.compare
    first, second, rest = split
    front = "".join(f"{clause}，" for clause in before if clause.strip())
    year = re.match(rf"{patterns.year.pattern}(?:{re.escape(asks.of)})?", first)
    if year is not None and len(first) - year.end() >= 2:
        front, first = f"{front}{year.group()}", first[year.end() :]
    ask = words.ask_date if comparative in words.dates else words.ask_figure
    what = patterns.compare_which_word.sub("", rest + asked).strip(" " + "".join(asks.particles))
    return (
        Side(first, f"{front}{first}{' ' if _latin_meets(first, what) else ''}{what}{ask}"),
        Side(second, f"{front}{second}{' ' if _latin_meets(second, what) else ''}{what}{ask}"),
    )


def _two_sides(text: str, join: re.Pattern[str], lexicon: Lexicon) -> tuple[str, str, str] | None:
    """「风能和水能的技术潜力」 → (风能, 水能, 的技术潜力): the sides at the last `join`, and
    what follows the second side: from its 的, or after a word as long as the first side
    and ending like it (「中型银行和小型银行应付债券…」). 「这俩」「两者」 and a 比 after the
    second side are dropped."""
    patterns, words = lexicon.patterns, lexicon.question.asks.compare
    joins = list(join.finditer(text))
    if not joins:
        return None
    first, tail = text[: joins[-1].start()].strip(), text[joins[-1].end() :]
    cut = patterns.compare_side_end.search(tail)
    second = (tail[: cut.start()] if cut else tail).strip()
    rest = (
        tail[cut.start() :] if cut and not patterns.compare_than_word.fullmatch(cut.group()) else ""
    )
    for pair in words.pair_words:
        second = second.removesuffix(pair)
    if not rest and len(second) > len(first) >= 2 and second[len(first) - 1] == first[-1]:
        second, rest = second[: len(first)], second[len(first) :]
    if not all(2 <= len(side) <= _MAX_SIDE_CHARS for side in (first, second)):
        return None
    return first, second, rest


def _latin_meets(left: str, right: str) -> bool:
    """Two Latin words meeting need a space between them (「Alpha Robotics IPO」)."""
    return bool(left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii())


def described_asks(question: str, lexicon: Lexicon) -> Described | None:
    """「率先在真核细胞上编辑基因的那位科学家，参与创办了哪家公司？」 → the first ask
    「率先在真核细胞上编辑基因的是哪位科学家？」, the kind of name it wants (a person), and
    the rest, asked of that name. None unless a description (「…的」) is followed by a
    pointer (「那位」「那家」), its noun and an ask of the thing."""
    words, patterns = lexicon.question.asks.described, lexicon.patterns
    found = patterns.described.search(question.strip())
    if found is None:
        return None
    described, pointer, noun = found.group("described"), found.group("pointer"), found.group("noun")
    rest = found.group("rest").strip(" ，,")
    if not patterns.asking_word.search(rest) or patterns.asking_word.search(described):
        return None
    which = words.which + pointer[1:]  # 那位 → 哪位
    kind = (
        "person"
        if noun.endswith(words.persons)
        else "place"
        if noun.endswith(words.places)
        else "thing"
    )
    first = f"{described}{lexicon.question.asks.of}{lexicon.question.copula}{which}{noun}？"
    return Described(
        first, kind, rest if rest.endswith(("？", "?")) else f"{rest}？", described, noun
    )


def question_asks(typed: str, lexicon: Lexicon) -> Asks:
    """The asks of the question as typed: its parts, the ends of a gap, the sides compared."""
    parts = split_asks(typed, lexicon.patterns.question_word)
    return Asks(
        parts if len(parts) >= 2 else (),
        span_asks(typed, lexicon),
        compare_asks(typed, lexicon),
        described_asks(typed, lexicon),
    )


# ---------------------------------------------------------------------------- build


def analyse(
    text: str,
    language: Language,
    *,
    part_titles: frozenset[str] = frozenset(),
    report: str | None = None,
) -> Question:
    """A standalone question (no conversation): `build_question` without the follow-up step.

    A word that is the title of a part of the report (致谢, 引言) counts in full:
    jieba tags 致谢 a verb, and verbs count little; named as a place in the report
    (「致谢里谢了哪些部门」) it says where the answer is.
    """
    lexicon = language.lexicon
    terms = tuple(
        replace(t, factor=max(t.factor, 1.0)) if t.text in part_titles else t
        for t in question_terms(text, language)
    )
    hint = unit_hint(text, lexicon)
    return Question(
        wording=Wording(text, text, text),
        intent=classify(text, lexicon, _words_of(language)),
        cues=question_cues(text, lexicon),
        terms=terms,
        wanted=question_wanted(text, terms, hint, lexicon),
        scope=question_scope(text, report, lexicon),
        asks=question_asks(text, lexicon),
    )


def _with_own_ask(resolved: Question, normalised: str, language: Language) -> Question:
    """A rewritten follow-up: its own question word decides the intent, carried terms count less.

    In 「那承保的共保体是什么时候开始遴选的？」 the new words say what is asked; the
    carried subject (深圳, 风险补偿方案) only places it, and the answering sentence
    often does not repeat it. 「后来配套的方案是啥时候推的？」 after 「种子基金多大规模？」
    asks a date: the follow-up's own question word decides what kind of answer it wants.
    """
    lexicon = language.lexicon
    own_intent = classify(normalised, lexicon, _words_of(language))
    question = resolved
    # 「那一年哪块业务份额最大？」 after 「…规模多大？」 asks which, not a figure: a
    # follow-up with a question word of its own is not asked the carried one's kind.
    if own_intent is not Intent.OTHER or lexicon.patterns.question_word.search(normalised):
        wanted = replace(resolved.wanted, unit_hint=unit_hint(normalised, lexicon))
        question = replace(resolved, intent=own_intent, wanted=wanted)
    own = {t.text for t in question_terms(normalised, language)}
    carried = [t for t in question.terms if t.text not in own]
    if not carried or len(carried) == len(question.terms):
        return question
    terms = tuple(replace(t, carried=t.text not in own) for t in question.terms)
    return replace(question, terms=terms)


def _normalised(text: str, language: Language) -> tuple[str, str]:
    """The normalised text and the problem ("" when there is something to search for)."""
    if language.normalise is None:
        return text, ""
    result = language.normalise(text)
    return result.text, result.problem


def _followup(
    normalised: str,
    history: Sequence[Turn],
    language: Language,
    rewrite: Callable[[str, Sequence[Turn]], str | None] | None,
) -> FollowUp:
    """Whether the turn stands alone, and if not what it means (`rag.followup`).

    The decision comes first, in both modes: a standalone question is never sent to a
    model for rewriting. A follow-up goes to `rewrite` (the model, LLM mode) and, when
    that gives None, to the rules.
    """
    if not history:
        return FollowUp(resolved=normalised)

    def terms_of(question: str) -> tuple[Term, ...]:
        return question_terms(question, language)

    decided = decide_followup(
        normalised, history, terms_of, language.lexicon, language.followup_model
    )
    if decided.standalone or rewrite is None:
        return decided
    rewritten = rewrite(normalised, history)
    if rewritten is None:
        # A model that could not rewrite it: the rules do, without skipping anything.
        return replace(decided, already_given=frozenset())
    return FollowUp(decided.kind, rewritten, rewritten != normalised, cited=decided.cited)


def understand_turn(
    text: str,
    history: Sequence[Turn],
    language: Language,
    rewrite: Callable[[str, Sequence[Turn]], str | None] | None = None,
) -> FollowUp:
    """How a turn is understood in its conversation, as `build_question` does it:
    normalised, short forms written out, then decided standalone or resolved as a
    follow-up. jieba only (no index, no model): cheap enough to run over every eval
    question (`evals.standalone`)."""
    normalised, problem = _normalised(text, language)
    if problem:
        return FollowUp(resolved=normalised)
    if language.expand is not None:
        normalised = language.expand(normalised)
    return _followup(normalised, history, language, rewrite)


def build_question(
    text: str,
    history: Sequence[Turn],
    report: str | None,
    ctx: Context,
    rewrite: Callable[[str, Sequence[Turn]], str | None] | None = None,
) -> Question:
    """Work out what `text` means, in the conversation so far (see the module docstring).

    `rewrite(question, history)` is a model's rewrite of a follow-up (LLM mode); when
    it gives None the rule-based resolution (`rag.followup`) is used instead.
    """
    language = ctx.language
    normalised, problem = _normalised(text, language)
    if problem:
        wording = Wording(text, normalised, normalised, problem)
        asks = question_asks(text, language.lexicon)
        return Question(wording, scope=Scope(report=report), asks=asks)
    if language.expand is not None:
        normalised = language.expand(normalised)
    followup = _followup(normalised, history, language, rewrite)
    resolved = search_text(followup)
    question = analyse(resolved, language, part_titles=ctx.part_titles, report=report)
    question = replace(
        question,
        wording=Wording(text, normalised, resolved),
        followup=followup,
        # The asks of the question as normalised: without the noise around it (「我在写
        # 材料，想确认下：…」 would make its preface part of the first ask).
        asks=question_asks(normalised, language.lexicon),
    )
    if resolved != normalised:
        question = _with_own_ask(question, normalised, language)
    return question


__all__ = [
    "CARRIED_TERM_FACTOR",
    "Asks",
    "ColumnAsk",
    "Cue",
    "Described",
    "FollowUp",
    "Intent",
    "Language",
    "Question",
    "Scope",
    "Side",
    "Term",
    "Wanted",
    "Wording",
    "analyse",
    "asked_kinds",
    "build_question",
    "classify",
    "question_terms",
    "span_asks",
    "split_asks",
    "understand_turn",
]
