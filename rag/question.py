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
from rag.followup import resolve_followup
from rag.types import Turn

if TYPE_CHECKING:
    from rag.context import Context


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


@dataclass(frozen=True)
class Scope:
    """Where the answer should come from."""

    report: str | None = None  # the report the asker named (file name or title)
    part_number: int | None = None  # 「第二部分」 → 2
    # The question's text before each 「里」「中」「部分」…: a part named by its title
    # (「致谢里」) ends one of them.
    part_title_words: tuple[str, ...] = ()
    table_number: str | None = None  # 「表1」 → "1"


@dataclass(frozen=True)
class FollowUp:
    """How a follow-up was resolved."""

    already_given: frozenset[str] = frozenset()  # sentences said before (「还有呢？」)


@dataclass(frozen=True)
class Asks:
    """The separate asks of a question that asks more than one thing."""

    parts: tuple[str, ...] = ()  # 「…哪个月出的？…哪个部门？」 → both asks
    gap: tuple[str, str] | None = None  # 「从A到B隔了几年」 → (A 是哪一年, B 是哪一年)


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
        wording = self.wording
        if not wording.resolved or wording.resolved == wording.normalised:
            return wording.typed
        return wording.resolved

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

    def tag_of(self, term: str) -> str:
        """The part-of-speech tag of one of the question's terms ("" if not a term)."""
        return next((t.tag for t in self.terms if t.text == term), "")

    def weigh(self, weight: Callable[[str], float]) -> Callable[[str], float]:
        """The corpus weight of each term, scaled by how much the term counts."""
        factors = {t.text: t.weight_factor for t in self.terms}
        return lambda term: weight(term) * factors.get(term, 1.0)


# How much a term carried into a follow-up from earlier turns counts (measured on dev).
CARRIED_TERM_FACTOR = 0.4


@dataclass(frozen=True)
class Language:
    """How question text is read: tokens, tags, normalisation and short forms."""

    cut: Callable[[str], list[str]]
    tag: Callable[[str], list[tuple[str, str]]] | None = None
    normalise: Callable[[str], Any] | None = None  # → an object with .text and .problem
    expand: Callable[[str], str] | None = None  # short forms → the report's words


# ---------------------------------------------------------------------------- terms

# Question words and colloquial fillers carry no content for matching.
_QUESTION_STOPWORD_TEXT = """
的 了 是 在 和 与 及 等 吗 呢 吧 啊 呀 么 什么 哪些 哪个 哪家 哪年 哪一年 多少 几 怎么 怎样 如何
为什么 为何 啥 咋 谁 有 有没有 没有 是否 能 能否 可以 会 要 这 那 这个 那个 它 它们 其 该 些 个
报告 这份 份 里 中 提到 说 讲 讲了 说了 提 一下 请问 请 告诉 我 我们 你 知道 具体 主要 都 还 又
也 就 被 把 给 对 对于 关于 从 到 以 及其 情况 方面 内容 问题 时候 什么时候 何时 一共 总共 共 大概
大约 多 少 嘛 哦 啦 为 上 下 所 而 并 或 或者 以及 还有 其中 当时 当年 年份 时间 一般 通常 具体地
分别 各自 一起 共同 对应 相应 特点 案例 例子 举例 举个 举举 概括 总结 简单 表里 表中 正文 文中 原文
开头 结尾 里面 上面 下面 前面 后面 前后 名字 全名 名称 叫 叫做 称为 说法 提法 表述 描述 介绍 提及
提出 写 写了 看 看到 哪儿 哪里 现在 目前 以后 今后 最近 开始 大致 大体 大体上 除了 之外 以外 能不能
可不可以 是不是 对不对 对吗 是吗 么样 怎么样 什么样 怎样的 什么的
大家 到底 究竟 常说 所谓 给个 要点 要点版 归纳 捋 捋一捋 帮 帮我 列 列一下 简单说 讲讲 说说 聊聊
认为 看法 观点 怎么看 判断 怎么说 面向 针对 适用 适用于 适合
最后 最前 一栏 那栏 这栏 一列 那列 这列 一行 那行 这行
"""
QUESTION_STOPWORDS = frozenset(_QUESTION_STOPWORD_TEXT.split())

# Quantifier phrases (哪几个, 这份, 两类, 三个) say how the question counts, not what it asks about.
_FILLER_RE = re.compile(
    r"^(?:[哪几那这该此每]\S{0,3}|[一二两三四五六七八九十\d]+(?:个|份|类|大类|条|项|种|点|家|位|次|篇|方面|部分|大块|块|部门|家单位))$"
)
# POS tags (jieba) of words that name things; verbs and adverbs weigh less because
# colloquial questions paraphrase actions far more than they rename things.
_NOUN_TAGS = ("n", "nr", "ns", "nt", "nz", "nw", "vn", "an", "j", "l", "i", "eng", "x", "s", "t")
_VERB_FACTOR = 0.35


def question_terms(
    text: str,
    cut: Callable[[str], list[str]],
    tag: Callable[[str], list[tuple[str, str]]] | None = None,
) -> tuple[Term, ...]:
    """The content words of a text, in order, each with its tag and part-of-speech factor."""
    pairs = tag(text) if tag is not None else [(t, "n") for t in cut(text)]
    terms: dict[str, Term] = {}
    for token, flag in pairs:
        # jieba glues the copula to an unknown word's tail (共保体是 → 共保 / 体是); words that
        # really end in 是 (但是, 就是, 还是) are function words anyway.
        token = re.sub(r"(?<=.)是$", "", token.strip())
        if not token or token in QUESTION_STOPWORDS or re.fullmatch(r"[\d.%年月日届第\s]+", token):
            continue
        if _FILLER_RE.match(token):
            continue
        if not re.search(r"[\u4e00-\u9fffA-Za-z]", token):
            continue
        if len(token) == 1 and not re.match(r"[A-Za-z]", token):
            continue
        if token in terms:
            continue
        factor = 1.0 if flag.startswith(_NOUN_TAGS) or flag == "x" else _VERB_FACTOR
        terms[token] = Term(token, flag, factor)
    return tuple(terms.values())


# --------------------------------------------------------------------------- intent

_TYPE_PATTERNS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    (
        Intent.DATE,
        re.compile(
            r"(哪年|哪一年|何年|何时|什么时候|啥时候|啥时|哪个月|几月|哪天|时间|年份|多久|何日)"
        ),
    ),
    (Intent.REASON, re.compile(r"(为什么|为何|原因|why|为啥|凭什么|意义何在|目的)")),
    (
        Intent.FIGURE,
        re.compile(
            r"(多少|几家|几个|几项|几种|几成|百分之几|比例|规模|金额|额度|多大|多高|利率|几)"
        ),
    ),
    (
        Intent.NAME,
        re.compile(
            r"(谁|哪家|哪个部门|哪些部门|哪个机构|哪些机构|哪家公司|哪些公司|哪个单位|哪些单位|发文单位|执笔|作者|负责人)"
        ),
    ),
    (
        Intent.TITLE,
        re.compile(r"(叫什么|名字|全名|名称|什么名|哪份文件|哪个文件|哪份政策|什么文件)"),
    ),
    (
        Intent.LIST,
        re.compile(
            r"(哪些|有哪几|哪几|哪两|哪三|哪四|包括什么|包括哪|列举|几方面|哪几个方面|几类|分别)"
        ),
    ),
    (
        Intent.DEFINITION,
        re.compile(r"(是什么|什么是|指什么|含义|定义|怎么|如何|怎样|什么意思|是啥|啥是)"),
    ),
)
# 「这几年」「近几个月」 say when, not how many: they do not make a figure question.
_TIME_SPAN_RE = re.compile(r"(?:这|近|前|最近|过去|头|那)几(?:年|个月|天)")


def classify(question: str) -> Intent:
    """The question's intent from its wording."""
    question = _TIME_SPAN_RE.sub("近来", question)
    for intent, pattern in _TYPE_PATTERNS:
        if pattern.search(question):
            if intent in (Intent.FIGURE, Intent.DATE) and re.search(
                r"(哪些|哪几|都有谁|都有哪|分别是|有谁)", question
            ):
                return Intent.LIST  # 「啥时候、哪几家发的」: a date and a set of names
            # 「那几个“一点”是啥」 asks what they are, not how many.
            # 「说说…的几个特点」 wants the items too: 「的几个」 names a known set.
            if (
                intent is Intent.FIGURE
                and re.search(r"几(个|项|种|条|点|类)", question)
                and re.search(
                    r"(是啥|是什么|有什么|指什么|包括|说说|讲讲|谈谈|列一下|介绍|的几)", question
                )
            ):
                return Intent.LIST
            return intent
    return Intent.OTHER


def unit_hint(question: str) -> str:
    """The unit of the figure the question asks for, or ""."""
    question = _TIME_SPAN_RE.sub("近来", question)
    match = re.search(
        r"(?:多少|几)\s*(家|个方面|个|项|种|倍|届|人|位|份|条|点|方面|类|亿元|万元|元|年|月)",
        question,
    )
    if match:
        return match.group(1)
    if re.search(r"(比例|百分之|占比|率|几成)", question):
        return "%"
    if re.search(r"(金额|额度|钱|规模|保额|资金|保费|费用|多大|融资|余额|补贴)", question):
        return "元"
    return ""


# ----------------------------------------------------------------------------- cues

_CONFIRMATION_RE = re.compile(r"(吧|吗|对吗|是吗|对不对|是不是|没错吧|对吧)[？?！!。.]*$")
_CONFIRMATION_TAG_RE = re.compile(r"(吧|吗|对吗|是不是|对不对)[？?]?$")
_ASKS_SUMMARY_RE = re.compile(
    r"(概括|总结|归纳|核心|大意|要点|梗概|结论|主要(?:讲|说|写|内容|观点|意思)"
    r"|(?:讲|说|写|谈)(?:了|的)?(?:些)?(?:什么|啥|哪些))"
)
# 「政策支持是怎么一步步加码的」「时间脉络」: the dated steps, in the order the report tells them.
_ASKS_TIMELINE_RE = re.compile(
    r"(脉络|历程|时间线|来龙去脉|演变|演进|沿革|一步步|一步一步|发展过程|发展历史|按时间)"
)
# 「分成哪几部分」「有几大块」「目录」「整体框架」; not 「第三部分讲了什么」 (a named part).
_OUTLINE_RE = re.compile(
    r"(目录|提纲|大纲|(报告|全文|正文|文章|这篇)\S{0,3}(结构|框架)"
    r"|(分成|分为|分了|包括|包含|由|有)(哪几|几|哪些|多少)个?大?(部分|块|章|节)"
    r"|(哪几|几)(大块|大部分|个部分|部分|章))"
)
_NAMED_PART_RE = re.compile(r"第\s*[一二三四五六七八九十\d]+\s*(部分|章|节)")
# Questions about the report as a publication: who made it, when, where it appears.
_ABOUT_REPORT_RE = re.compile(
    r"((这份|这篇|本|该|这个|整个)?(报告|季报)|NIFD|本文|这篇|这份|本篇).{0,14}"
    r"(谁|哪家|哪个机构|哪位|作者|执笔|负责人|主编|什么时候|哪年|何时|发布|出的|出版|做的|写的"
    r"|栏目|系列|在哪|哪儿|哪里|官网|公众号|版权|转载|制作|啥时候|几时)"
)
# Questions that want the whole set: 「有哪几个特点」「概括一下」「几条进展」; not 「哪些领域」,
# which asks for particular things an item may mention.
_WANTS_ALL_RE = re.compile(
    r"(特点|概括|归纳|总结|要点|几条|几点|几方面|哪几个方面|哪几方面|哪几点|哪几条|几大"
    r"|[两三四五六七八九十]\s*(?:个|大)?\s*(?:方面|要点|特点|举措))"
)
_POINTS_AT_TABLE_RE = re.compile(r"(表里|表中|表上|政策表|这张表|那张表|表格)")
# 「表里」「那张图」「框架图」: the asker means the table itself, not the prose around it.
_MENTIONS_TABLE_RE = re.compile(
    r"(表格?[里中上内]|[这那张]表|表\s*\d|图[里中上内]|[这那张]图|框架图|框架[里中])"
)
# Questions about several things at once: 「分别」「时间线」「从设立到遴选」.
_ASKS_SEVERAL_RE = re.compile(r"(分别|各自|时间线|时间表|历程|先后|从.{1,24}到)")
_ASKS_PERIPHERAL_RE = re.compile(
    r"(致谢|感谢|鸣谢|谢了|版权|转载|转发|引用|授权|许可|立场|官方观点|代表.{0,10}观点)"
)
_ASKS_STRUCTURE_RE = re.compile(r"(目录|第\s*\d+\s*页|哪一部分|哪几部分|几大块|几部分|章节|结构)")
_ASKS_SUM_RE = re.compile(r"(多少钱|多少亿|多少万|几亿|几千万|几百万|花了|花费|开销|支出|掏了)")
_SUBSIDY_RE = re.compile(r"(补贴|补助|资助|支持|承担)")
# 「两个可选险种具体是哪两个？」 asks for the items; 「以及 2 个可选险种」 only counts them.
_ASKS_ITEMS_RE = re.compile(
    r"(哪[两二三四五六七八九十几]个|哪[两二三四五六七八九十几]种|哪[两二三四五六七八九十几]家"
    r"|分别是|具体是哪|都是哪|是哪些|有哪些)"
)
_ASKS_NAME_RE = re.compile(r"(全名|全称|名字|叫什么|叫啥|哪家|哪一家|是谁)")
# 「放在哪个阶段」「是给哪类主体的」「属于哪一类」: which heading a named cell sits under.
_ASKS_WHICH_RE = re.compile(r"(哪个|哪类|哪一|哪种|哪块|哪栏|哪一栏|什么阶段|什么类)")
_ASKS_COUNT_RE = re.compile(
    r"(多少|几)\s*(份|条|项|个|行|部|种|件)|(一共|总共|总计|共)\s*(有|列|收录|罗列|包括|包含)"
)

_CUE_PATTERNS: tuple[tuple[Cue, re.Pattern[str]], ...] = (
    (Cue.SUMMARY, _ASKS_SUMMARY_RE),
    (Cue.TIMELINE, _ASKS_TIMELINE_RE),
    (Cue.ALL_ITEMS, _WANTS_ALL_RE),
    (Cue.ABOUT_REPORT, _ABOUT_REPORT_RE),
    (Cue.CONFIRMATION_TAG, _CONFIRMATION_TAG_RE),
    (Cue.POINTS_AT_TABLE, _POINTS_AT_TABLE_RE),
    (Cue.MENTIONS_TABLE, _MENTIONS_TABLE_RE),
    (Cue.SEVERAL_PARTS, _ASKS_SEVERAL_RE),
    (Cue.PERIPHERAL, _ASKS_PERIPHERAL_RE),
    (Cue.STRUCTURE, _ASKS_STRUCTURE_RE),
    (Cue.ASKS_SUM, _ASKS_SUM_RE),
    (Cue.SUBSIDY, _SUBSIDY_RE),
    (Cue.ASKS_ITEMS, _ASKS_ITEMS_RE),
    (Cue.ASKS_NAME, _ASKS_NAME_RE),
    (Cue.ASKS_WHICH, _ASKS_WHICH_RE),
    (Cue.ASKS_COUNT, _ASKS_COUNT_RE),
)


def question_cues(text: str) -> frozenset[Cue]:
    """Every `Cue` the text carries."""
    cues = {cue for cue, pattern in _CUE_PATTERNS if pattern.search(text)}
    if _CONFIRMATION_RE.search(text.strip()):
        cues.add(Cue.CONFIRMATION)
    if _OUTLINE_RE.search(text) and not _NAMED_PART_RE.search(text):
        cues.add(Cue.OUTLINE)
    if re.search(r"[？?].*\S", text.strip().rstrip("？?")):
        # 「…归在哪类下面？…落地过哪些项目？」: a second question after the first one.
        cues.add(Cue.SECOND_ASK)
    return frozenset(cues)


# --------------------------------------------------------------------------- wanted

# Kinds of money a report states; a sum of one kind does not answer a question about
# another (「保费花了多少」 is not answered by 「提供 1050 万元…保障」).
MONEY_KINDS: tuple[tuple[str, ...], ...] = (
    ("保费",),
    ("保额", "保障", "额度"),
    ("赔付", "赔款", "理赔", "赔了"),
    ("补贴", "补助", "资助"),
    ("融资", "贷款", "余额", "授信", "贷了"),
)

_ASKED_KIND_RE = re.compile(
    r"(?:哪家|哪个|哪一家|哪些|哪几家|哪几个|什么)\s*"
    r"(?P<kind>保险公司|险企|保险机构|银行|软件公司|科技公司|公司|企业|部门|机构|单位)"
)
# 「头部保险公司具体是哪几家？」: the kind before the question word.
_ASKED_KIND_BEFORE_RE = re.compile(
    r"(?P<kind>保险公司|险企|保险机构|银行|软件公司|科技公司|公司|企业|部门|机构|单位)"
    r"[^，,。？?]{0,6}?(?:是|为)?(?:哪家|哪几家|哪些|哪个|哪几个)"
)
_KIND_OF_WORD = {
    "保险公司": "insurer",
    "险企": "insurer",
    "保险机构": "insurer",
    "银行": "bank",
    "软件公司": "company",
    "科技公司": "company",
    "公司": "company",
    "企业": "company",
    "部门": "agency",
    "机构": "agency",
    "单位": "agency",
}


def asked_kinds(question: str) -> tuple[str, ...]:
    """The kinds of named entity the question asks for (insurer, bank, company, agency)."""
    found = [m.group("kind") for m in _ASKED_KIND_RE.finditer(question)]
    if not found:
        found = [m.group("kind") for m in _ASKED_KIND_BEFORE_RE.finditer(question)]
    return tuple(_KIND_OF_WORD[kind] for kind in found)


# Words that describe rather than name: 「头部国有保险公司」「大型国有商业银行」.
GENERIC_NAME_CHARS = frozenset("头部国有大型商业主要相关有关各其他地方当地一些部分多家中小型股份制")
# jieba tags of words that cannot be a brand: verbs, adverbs, prepositions, pronouns …
_NOT_A_NAME_TAGS = frozenset("vdpcurmqy")
_ORG_ENDING_RE = re.compile(r"(产险|财险|寿险|人寿|银行|证券|集团|保险公司)$")


def named_organisations(question: str, terms: Sequence[Term]) -> tuple[tuple[str, str], ...]:
    """Organisations the question names (「平安产险」「招商银行」), each with its brand.

    A name is a term ending in an organisation kind, or such a kind word right after
    the term before it (not after a verb: 「要求保险公司」).
    """
    out = []
    for index, term in enumerate(terms):
        if not _ORG_ENDING_RE.search(term.text):
            continue
        name = term.text
        if _ORG_ENDING_RE.fullmatch(term.text):
            previous = terms[index - 1] if index else None
            if previous is None or f"{previous.text}{term.text}" not in question:
                continue  # a bare kind word: 「银行」「保险公司」
            if previous.tag[:1] in _NOT_A_NAME_TAGS:
                continue  # 「要求保险公司」: a verb, not a brand
            name = f"{previous.text}{term.text}"
        brand = _ORG_ENDING_RE.sub("", name)
        if len(brand) < 2 or all(ch in GENERIC_NAME_CHARS for ch in brand):
            continue
        out.append((name, brand))
    return tuple(out)


# What a question about the publication asks for, in the order they are tried.
_PUBLICATION_ASKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("authors", re.compile(r"(作者|执笔|谁写|写的|撰写|负责人|课题组)")),
    (
        "date",
        re.compile(
            r"(什么时候|啥时候|哪年|哪个月|何时|几时|日期|时间).{0,4}(出|发布|发表|出版|印发|推出)"
            r"|(出|发布|发表|出版)的?(时间|日期)"
        ),
    ),
    ("series", re.compile(r"(栏目|系列|哪个板块|属于哪)")),
    (
        "publisher",
        re.compile(
            r"(哪家机构|哪个机构|哪家单位|哪个单位|什么机构|谁(做|出|发|编|制作)|出品|制作|发布机构|出的|做的)"
        ),
    ),
)
_ASKS_LATEST_RE = re.compile(r"(最晚|最新|最近|最后一份|最后那份|最后一条|最后一行)")
_ASKS_EARLIEST_RE = re.compile(r"(最早|最先|第一份|第一条|头一份|最初)")
_COUNT_UNIT_RE = re.compile(r"(?:多少|几)\s*(份|条|项|个|行|部|种|件)")
_ASKED_YEAR_RE = re.compile(r"(?:19|20)\d{2}(?=\s*年)")


def _table_ends(text: str) -> tuple[str, ...]:
    ends = [
        (found.start(), end)
        for end, pattern in (("earliest", _ASKS_EARLIEST_RE), ("latest", _ASKS_LATEST_RE))
        if (found := pattern.search(text))
    ]
    return tuple(end for _, end in sorted(ends))


def question_wanted(text: str, terms: Sequence[Term], hint: str) -> Wanted:
    """What the answer to `text` must hold."""
    count = _COUNT_UNIT_RE.search(text)
    return Wanted(
        unit_hint=hint,
        figures=tuple(find_numbers(text)),
        years=tuple(_ASKED_YEAR_RE.findall(text)),
        name_slots=asked_kinds(text),
        money_kinds=tuple(k for k in MONEY_KINDS if any(word in text for word in k)),
        organisations=named_organisations(text, terms),
        publication_fields=tuple(f for f, pattern in _PUBLICATION_ASKS if pattern.search(text)),
        table_ends=_table_ends(text),
        count_unit=count.group(1) if count else "",
    )


# ---------------------------------------------------------------------------- scope

_NUMERALS = "一二三四五六七八九十"
_PART_RE = re.compile(
    r"第\s*(?P<n>[一二三四五六七八九十]|\d{1,2})\s*(?:个|大)?\s*(?:部分|章|节|块|板块|篇)"
)
_PART_LOCATIVE_RE = re.compile(r"(?:里|中|部分|那部分|这部分|一节)")
_TABLE_REF_RE = re.compile(r"表\s*(\d+)")


def question_scope(text: str, report: str | None) -> Scope:
    """The part, table and report the question names."""
    table = _TABLE_REF_RE.search(text)
    table_number = table.group(1) if table else None
    if "正文" in text:
        # 「致谢里提到…，正文说…」 sends the reader to the body, not one part.
        return Scope(report=report, table_number=table_number)
    before = tuple(text[:at] for at in range(len(text)) if _PART_LOCATIVE_RE.match(text, at))
    match = _PART_RE.search(text)
    number = None
    if match is not None:
        raw = match.group("n")
        number = int(raw) if raw.isdigit() else _NUMERALS.index(raw) + 1
    return Scope(report, number, before, table_number)


# ----------------------------------------------------------------------------- asks

# An ask shorter than this (「哪年？」「是吗？」) is a tag on the one before, not a question.
MIN_ASK_CHARS = 5
MAX_ASKS = 3
# 「（从）试点启动，到出台完善补偿政策的意见，中间隔了几年？」: two dated events and the gap.
_GAP_RE = re.compile(
    r"[，,]?(?:中间)?(?:差不多|大概|大约)?(?:隔了|差了|相隔|间隔|相差|过了)(?:多少|几|多久)"
)


def split_asks(question: str) -> tuple[str, ...]:
    """The asks of a question, split at its question marks; one ask → ``(question,)``."""
    parts = [p.strip(" ，,。") for p in re.split(r"[？?]+", question)]
    asks = [f"{p}？" for p in parts if len(re.sub(r"\W", "", p)) >= MIN_ASK_CHARS]
    if len(asks) < 2 or len(asks) > MAX_ASKS:
        return (question,)
    return tuple(asks)


def span_asks(question: str) -> tuple[str, str] | None:
    """「(X)从A到B隔了几年」 → (「XA是哪一年？」, 「XB是哪一年？」)."""
    gap = _GAP_RE.search(question)
    if gap is None:
        return None
    head = question[: gap.start()].strip(" ，,")
    subject, _, span = head.rpartition("从")
    ends = re.split(r"[，,]?(?:到|至)", span, maxsplit=1)
    if len(ends) != 2:
        return None
    first, second = (end.strip(" ，,") for end in ends)
    if len(first) < 2 or len(second) < 2:
        return None
    return f"{subject}{first}是哪一年？", f"{subject}{second}是哪一年？"


def question_asks(typed: str) -> Asks:
    """The asks of the question as typed: its parts and the ends of a gap."""
    parts = split_asks(typed)
    return Asks(parts if len(parts) >= 2 else (), span_asks(typed))


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
    terms = tuple(
        Term(t.text, t.tag, max(t.factor, 1.0)) if t.text in part_titles else t
        for t in question_terms(text, language.cut, language.tag)
    )
    hint = unit_hint(text)
    return Question(
        wording=Wording(text, text, text),
        intent=classify(text),
        cues=question_cues(text),
        terms=terms,
        wanted=question_wanted(text, terms, hint),
        scope=question_scope(text, report),
        asks=question_asks(text),
    )


def _with_own_ask(resolved: Question, normalised: str, language: Language) -> Question:
    """A rewritten follow-up: its own question word decides the intent, carried terms count less.

    In 「那承保的共保体是什么时候开始遴选的？」 the new words say what is asked; the
    carried subject (深圳, 风险补偿方案) only places it, and the answering sentence
    often does not repeat it. 「后来配套的方案是啥时候推的？」 after 「种子基金多大规模？」
    asks a date: the follow-up's own question word decides what kind of answer it wants.
    """
    own_intent = classify(normalised)
    question = resolved
    if own_intent is not Intent.OTHER:
        wanted = replace(resolved.wanted, unit_hint=unit_hint(normalised))
        question = replace(resolved, intent=own_intent, wanted=wanted)
    own = {t.text for t in question_terms(normalised, language.cut, language.tag)}
    carried = [t for t in question.terms if t.text not in own]
    if not carried or len(carried) == len(question.terms):
        return question
    terms = tuple(Term(t.text, t.tag, t.factor, carried=t.text not in own) for t in question.terms)
    return replace(question, terms=terms)


def _normalised(text: str, language: Language) -> tuple[str, str]:
    """The normalised text and the problem ("" when there is something to search for)."""
    if language.normalise is None:
        return text, ""
    result = language.normalise(text)
    return result.text, result.problem


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
        return Question(wording, scope=Scope(report=report), asks=question_asks(text))
    if language.expand is not None:
        normalised = language.expand(normalised)
    resolved, given = normalised, frozenset[str]()
    if history:

        def terms_of(question: str) -> tuple[Term, ...]:
            return question_terms(question, language.cut, language.tag)

        rewritten = rewrite(normalised, history) if rewrite is not None else None
        if rewritten is not None:
            resolved = rewritten
        elif rewrite is not None:
            # The model could not rewrite it: the rules do, without skipping anything.
            resolved = resolve_followup(normalised, history, terms_of)[0]
        else:
            resolved, given = resolve_followup(normalised, history, terms_of)
    question = analyse(resolved, language, part_titles=ctx.part_titles, report=report)
    question = replace(
        question,
        wording=Wording(text, normalised, resolved),
        followup=FollowUp(given),
        asks=question_asks(text),
    )
    if resolved != normalised:
        question = _with_own_ask(question, normalised, language)
    return question


__all__ = [
    "CARRIED_TERM_FACTOR",
    "Asks",
    "Cue",
    "FollowUp",
    "Intent",
    "Language",
    "Question",
    "Scope",
    "Term",
    "Wanted",
    "Wording",
    "analyse",
    "build_question",
    "classify",
    "question_terms",
    "span_asks",
    "split_asks",
]
