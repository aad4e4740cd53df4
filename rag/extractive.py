"""The default answerer: extractive, offline and deterministic.

It never writes a fact of its own. It picks the report's sentences (or a window
of their clauses) that answer the question, leads with the direct answer when
the question's type asks for one (a date, a figure), and refuses when the
retrieved text does not cover what the question asks about.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from rag.sentences import evidence_units
from rag.slots import (
    counted_not_named,
    name_withheld,
    slot_unfilled,
    unknown_organisations,
)
from rag.textnorm import longest_common_run
from rag.types import AnswerSentence, Chunk, Retrieved

_CLAUSE_SPLIT_RE = re.compile(r"(?<=[，,；;：:])")
_YEAR_RE = re.compile(r"(?:19|20)\d{2}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?(?:底|初|末)?")
_NUMBER_RE = re.compile(
    r"(?<![\d.])\d+(?:\.\d+)?\s*(?:%|％|万亿元|亿元|万元|元|家|个|项|种|倍|bp|届|级|人|年|月|亿|万)?"
)
_MONTH_RE = re.compile(r"\d{1,2}\s*月")
_ORG_RE = re.compile(
    r"(公司|总局|局|部|委|委员会|中心|实验室|银行|政府|国务院|中共中央|高新区|管委会)"
)
_REASON_RE = re.compile(r"(因为|由于|为了|旨在|原因|导致|以便|从而|因此|有利于|目的)")
_DEFINITION_RE = re.compile(r"(是指|指的是|是为|是.{0,20}的(经济行为|活动|组成部分|重要)|即)")
_LIST_RE = re.compile(r"(一是|二是|三是|第一|第二|第三|、.{1,16}、|包括|涵盖|以下)")
_REFUSAL_MARK = "报告中没有提到"

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

_TYPE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "date",
        re.compile(
            r"(哪年|哪一年|何年|何时|什么时候|啥时候|啥时|哪个月|几月|哪天|时间|年份|多久|何日)"
        ),
    ),
    ("reason", re.compile(r"(为什么|为何|原因|why|为啥|凭什么|意义何在|目的)")),
    (
        "number",
        re.compile(
            r"(多少|几家|几个|几项|几种|几成|百分之几|比例|规模|金额|额度|多大|多高|利率|几)"
        ),
    ),
    (
        "name",
        re.compile(
            r"(谁|哪家|哪个部门|哪些部门|哪个机构|哪些机构|哪家公司|哪些公司|哪个单位|哪些单位|发文单位|执笔|作者|负责人)"
        ),
    ),
    ("title", re.compile(r"(叫什么|名字|全名|名称|什么名|哪份文件|哪个文件|哪份政策|什么文件)")),
    (
        "list",
        re.compile(
            r"(哪些|有哪几|哪几|哪两|哪三|哪四|包括什么|包括哪|列举|几方面|哪几个方面|几类|分别)"
        ),
    ),
    (
        "definition",
        re.compile(r"(是什么|什么是|指什么|含义|定义|怎么|如何|怎样|什么意思|是啥|啥是)"),
    ),
)


@dataclass(frozen=True)
class QuestionAnalysis:
    """What the question asks for, and the terms it asks about."""

    text: str
    qtype: str  # date | number | name | list | reason | definition | other
    terms: tuple[str, ...]
    numbers: tuple[str, ...]  # figures and dates the question itself asserts
    unit_hint: str = ""
    factors: Mapping[str, float] = field(default_factory=dict)
    flags: Mapping[str, str] = field(default_factory=dict)

    def weigh(self, weight: Callable[[str], float]) -> Callable[[str], float]:
        """The corpus weight of each term, scaled by how much its part of speech counts."""
        return lambda term: weight(term) * self.factors.get(term, 1.0)


@dataclass(frozen=True)
class Evidence:
    """A scored candidate: a verbatim span (sentence or clause window) of a retrieved chunk."""

    text: str
    retrieved: Retrieved
    score: float
    coverage: float
    sentence_index: int
    similarity: float = 0.0


@dataclass(frozen=True)
class ExtractiveDraft:
    """The extractive answer before citation checking."""

    sentences: tuple[AnswerSentence, ...]
    candidates: Mapping[int, Retrieved]
    quotes: Mapping[int, str]
    refused: bool
    lead: str = ""
    premise_note: str = ""
    coverage: float = 0.0
    # The evidence behind the sentences, best first, then runners-up from the same section:
    # (chunk id, unit index in the chunk).
    evidence: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class ExtractiveSettings:
    """Calibrated on the dev split of the eval set (see README, 'Refusal calibration')."""

    refuse_below: float = 0.2
    max_sentences: int = 2
    max_list_sentences: int = 4
    max_span_chars: int = 180
    rank_decay: float = 0.15
    lexical_weight: float = 0.55
    context_weight: float = 0.2
    overlap_weight: float = 0.25
    semantic_weight: float = 4.0
    toc_penalty: float = 0.4
    max_row_chars: int = 320
    peripheral_factor: float = 0.5
    figure_weight: float = 0.15
    # A runner-up holding the asked figure may stand in for a best passage without one.
    runner_up_ratio: float = 0.6
    # The weight of a report term named in about one passage in twenty or fewer: such a
    # term (科惠保, 商业航天保险) is the subject of one case, and a figure asked of it
    # must come from that case.
    case_name_weight: float = 3.0


def normalise_number(raw: str) -> str:
    """'2015 年' → '2015年', '70 %' → '70%': the form used to compare figures."""
    return re.sub(r"\s+", "", raw).replace("％", "%")


def find_numbers(text: str) -> list[str]:
    """Years/dates first, then other figures with their units, normalised."""
    found = [normalise_number(m.group(0)) for m in _YEAR_RE.finditer(text)]
    masked = _YEAR_RE.sub(" ", text)
    found += [normalise_number(m.group(0)) for m in _NUMBER_RE.finditer(masked)]
    return [f for f in found if re.search(r"\d", f)]


# 「这几年」「近几个月」 say when, not how many: they do not make a figure question.
_TIME_SPAN_RE = re.compile(r"(?:这|近|前|最近|过去|头|那)几(?:年|个月|天)")


def classify(question: str) -> str:
    """The question's type from its wording."""
    question = _TIME_SPAN_RE.sub("近来", question)
    for qtype, pattern in _TYPE_PATTERNS:
        if pattern.search(question):
            if qtype in ("number", "date") and re.search(
                r"(哪些|哪几|都有谁|都有哪|分别是|有谁)", question
            ):
                return "list"  # 「啥时候、哪几家发的」: a date and a set of names
            # 「那几个“一点”是啥」 asks what they are, not how many.
            # 「说说…的几个特点」 wants the items too: 「的几个」 names a known set.
            if (
                qtype == "number"
                and re.search(r"几(个|项|种|条|点|类)", question)
                and re.search(
                    r"(是啥|是什么|有什么|指什么|包括|说说|讲讲|谈谈|列一下|介绍|的几)", question
                )
            ):
                return "list"
            return qtype
    return "other"


def _unit_hint(question: str) -> str:
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


_FIGURE_RE = re.compile(
    r"\d|[百千万亿]元|[一二两三四五六七八九十]+(?:个|方面|类|大类|项|条|家|种|点|部分)"
)
_UNKNOWN_NAME_TAGS = frozenset({"ns", "nr", "eng"})
_CONFIRMATION_RE = re.compile(r"(吧|吗|对吗|是吗|对不对|是不是|没错吧|对吧)[？?！!。.]*$")


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


_ITEM_COUNT_UNITS = ("条", "项", "点", "方面", "类", "大类", "个方面", "部分")


def is_confirmation(question: str) -> bool:
    """「…吧？」「…对吗？」: the asker states something and wants it checked."""
    return bool(_CONFIRMATION_RE.search(question.strip()))


# POS tags (jieba) of words that name things; verbs and adverbs weigh less because
# colloquial questions paraphrase actions far more than they rename things.
_NOUN_TAGS = ("n", "nr", "ns", "nt", "nz", "nw", "vn", "an", "j", "l", "i", "eng", "x", "s", "t")
_VERB_FACTOR = 0.35


def analyse_question(
    question: str,
    cut: Callable[[str], list[str]],
    tag: Callable[[str], list[tuple[str, str]]] | None = None,
) -> QuestionAnalysis:
    """Type, content terms (with how much each should count) and asserted figures."""
    qtype = classify(question)
    numbers = tuple(find_numbers(question))
    pairs = tag(question) if tag is not None else [(t, "n") for t in cut(question)]
    terms: list[str] = []
    factors: dict[str, float] = {}
    flags: dict[str, str] = {}
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
        if token in factors:
            continue
        terms.append(token)
        factors[token] = 1.0 if flag.startswith(_NOUN_TAGS) or flag == "x" else _VERB_FACTOR
        flags[token] = flag
    return QuestionAnalysis(
        text=question,
        qtype=qtype,
        terms=tuple(terms),
        numbers=numbers,
        unit_hint=_unit_hint(question),
        factors=factors,
        flags=flags,
    )


def term_in(term: str, text: str) -> float:
    """1 if the term occurs; partial credit when it is an abbreviation of text (a subsequence)."""
    if term in text:
        return 1.0
    if len(term) >= 3 and _is_spread_subsequence(term, text):
        return 0.8
    if len(term) == 2 and _is_spread_subsequence(term, text, window=3):
        return 0.7  # 科创 ~ 科技创新, 国办 ~ 国务院办公厅
    if len(term) >= 2:
        # Half of a compound still says something (e.g. 保费 in 保费补贴).
        halves = [term[: len(term) // 2 + len(term) % 2], term[len(term) // 2 :]]
        if len(term) >= 4 and all(h in text for h in halves):
            return 0.7
    return 0.0


def _is_spread_subsequence(term: str, text: str, window: int = 12) -> bool:
    """True when the term's characters appear in order within a short window (金监总局 ~ 金融监管总局)."""
    first = term[0]
    start = text.find(first)
    while start != -1:
        pos = start
        ok = True
        for ch in term[1:]:
            pos = text.find(ch, pos + 1)
            if pos == -1 or pos - start > window:
                ok = False
                break
        if ok:
            return True
        start = text.find(first, start + 1)
    return False


def _type_bonus(qtype: str, text: str, unit_hint: str) -> float:
    if qtype == "date":
        return 0.25 if _YEAR_RE.search(text) or _MONTH_RE.search(text) else -0.15
    if qtype == "title":
        return 0.2 if re.search(r"[“《「].{2,40}?[”》」]", text) else 0.0
    if qtype == "number":
        numbers = [n for n in find_numbers(text) if not n.endswith("年")]
        if not numbers:
            return -0.2
        if unit_hint and any(n.endswith(unit_hint) or unit_hint in n for n in numbers):
            return 0.3
        return 0.1
    if qtype == "name":
        return 0.15 if _ORG_RE.search(text) else 0.0
    if qtype == "reason":
        return 0.15 if _REASON_RE.search(text) else 0.0
    if qtype == "definition":
        return 0.1 if _DEFINITION_RE.search(text) else 0.0
    if qtype == "list":
        return 0.15 if _LIST_RE.search(text) else 0.0
    return 0.0


def _coverage(terms: Sequence[str], text: str, weight: Callable[[str], float]) -> float:
    if not terms:
        return 0.0
    total = sum(weight(t) for t in terms)
    got = sum(weight(t) * term_in(t, text) for t in terms)
    return got / total if total else 0.0


def question_coverage(
    analysis: QuestionAnalysis, text: str, weight: Callable[[str], float]
) -> float:
    """How much of the question's weighted terms the text covers (0..1)."""
    return _coverage(analysis.terms, text, analysis.weigh(weight))


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff" or c.isalnum()]
    return {a + b for a, b in itertools.pairwise(chars)}


def _window_for(
    sentence: str, analysis: QuestionAnalysis, weight: Callable[[str], float], limit: int
) -> str:
    """The best contiguous clause window of an over-long sentence (verbatim)."""
    if len(sentence) <= limit:
        return sentence
    clauses = [c for c in _CLAUSE_SPLIT_RE.split(sentence) if c]
    best = sentence[:limit]
    best_score = -1.0
    for i in range(len(clauses)):
        span = ""
        for j in range(i, len(clauses)):
            if len(span) + len(clauses[j]) > limit and span:
                break
            span += clauses[j]
            score = (
                _coverage(analysis.terms, span, weight)
                + _type_bonus(analysis.qtype, span, analysis.unit_hint)
                - 0.001 * len(span)
            )
            if score > best_score:
                best, best_score = span, score
    return best


def score_evidence(
    analysis: QuestionAnalysis,
    retrieved: Sequence[Retrieved],
    weight: Callable[[str], float],
    settings: ExtractiveSettings,
    unit_similarity: Callable[[Retrieved], list[float]] | None = None,
) -> list[Evidence]:
    """Every evidence unit of the retrieved chunks, scored for this question, best first.

    The score mixes the question's weighted term coverage (lexical), the e5
    similarity of question and unit (semantic, precomputed unit vectors), the
    fit of the unit to the question type, and the chunk's retrieval rank.
    """
    weight = analysis.weigh(weight)
    question_bigrams = _bigrams("".join(t for t in analysis.terms) or analysis.text)
    candidates: list[tuple[Retrieved, int, str, float]] = []
    for item in retrieved:
        units = evidence_units(item.chunk)
        sims = unit_similarity(item) if unit_similarity is not None else [0.0] * len(units)
        for index, unit in enumerate(units):
            if len(re.sub(r"\W", "", unit)) < 4:
                continue
            candidates.append((item, index, unit, sims[index] if index < len(sims) else 0.0))
    best_sim = max((c[3] for c in candidates), default=0.0)
    asks_peripheral = bool(_ASKS_PERIPHERAL_RE.search(analysis.text))
    out: list[Evidence] = []
    for item, index, unit, sim in candidates:
        chunk = item.chunk
        context = f"{' '.join(chunk.section_path)} {chunk.embed_text or chunk.text}"
        # The first-stage rank, not the reranked one: reranking already used these scores.
        prior = 1.0 / (1.0 + settings.rank_decay * (item.retrieval_rank - 1))
        coverage = _coverage(analysis.terms, unit, weight)
        context_coverage = _coverage(analysis.terms, context, weight)
        overlap = len(question_bigrams & _bigrams(unit)) / (len(question_bigrams) or 1)
        semantic = settings.semantic_weight * (sim - best_sim) if unit_similarity else 0.0
        numbers = sum(1 for n in analysis.numbers if n in find_numbers(unit))
        score = (
            settings.lexical_weight * coverage
            + settings.context_weight * context_coverage
            + settings.overlap_weight * overlap
            + semantic
            + settings.figure_weight * numbers
            + _type_bonus(analysis.qtype, unit, analysis.unit_hint)
            - (
                settings.toc_penalty
                if _is_toc_line(unit) and not _asks_structure(analysis)
                else 0.0
            )
        ) * prior
        if chunk.section_path[:1] in _PERIPHERAL_SECTIONS and not asks_peripheral:
            score *= settings.peripheral_factor
        out.append(
            Evidence(
                text=unit,
                retrieved=item,
                score=score,
                coverage=max(coverage, 0.85 * context_coverage),
                sentence_index=index,
                similarity=sim,
            )
        )
    out.sort(key=lambda e: (-e.score, e.retrieved.retrieval_rank, e.sentence_index))
    return out


# Acknowledgements and the copyright notice name many organisations but answer nothing
# about the report's content, unless the question is about them.
_PERIPHERAL_SECTIONS = frozenset({("致谢",), ("版权公告",), ("版权",)})
_ASKS_PERIPHERAL_RE = re.compile(
    r"(致谢|感谢|鸣谢|谢了|版权|转载|转发|引用|授权|许可|立场|官方观点|代表.{0,10}观点)"
)

_TOC_LINE_RE = re.compile(r"^[一二三四五六七八九十]+、.+\t\s*\d+\s*$")


def _is_toc_line(unit: str) -> bool:
    return bool(_TOC_LINE_RE.match(unit.strip()))


def _asks_structure(analysis: QuestionAnalysis) -> bool:
    return bool(
        re.search(r"(目录|第\s*\d+\s*页|哪一部分|哪几部分|几大块|几部分|章节|结构)", analysis.text)
    )


# 「在上述领域」「这些产品」 point back to the sentence before: without it the quote is
# unreadable (which fields?), so that sentence is quoted too.
_ANAPHORA_RE = re.compile(r"(上述|前述|这些|这类|该类|此类|上面)")


def _with_antecedents(chosen: list[Evidence]) -> list[Evidence]:
    out = list(chosen)
    have = {(e.retrieved.chunk.id, e.sentence_index) for e in chosen}
    for evidence in chosen:
        if evidence.sentence_index == 0 or not _ANAPHORA_RE.search(evidence.text):
            continue
        key = (evidence.retrieved.chunk.id, evidence.sentence_index - 1)
        if key in have:
            continue
        units = evidence_units(evidence.retrieved.chunk)
        previous = units[evidence.sentence_index - 1]
        out.append(replace(evidence, text=previous, sentence_index=evidence.sentence_index - 1))
        have.add(key)
    return out


def _with_elaborations(chosen: list[Evidence], analysis: QuestionAnalysis) -> list[Evidence]:
    """For a list question, the next sentence that lists what a chosen claim only states.

    「二是商业性科技保险发展有望提速。」 answers 「哪些领域…有望提速」 only with the sentence
    after it: 「在知识产权保险、网络安全保险、商业航天保险等领域…」.
    """
    if analysis.qtype != "list":
        return chosen
    out = list(chosen)
    have = {(e.retrieved.chunk.id, e.sentence_index) for e in chosen}
    for evidence in chosen:
        if evidence.text.count("、") >= 1:
            continue
        units = evidence_units(evidence.retrieved.chunk)
        key = (evidence.retrieved.chunk.id, evidence.sentence_index + 1)
        if key in have or key[1] >= len(units) or units[key[1]].count("、") < 2:
            continue
        out.append(replace(evidence, text=units[key[1]], sentence_index=key[1]))
        have.add(key)
    return out


def _continuation(
    evidence: Evidence, retrieved: Sequence[Retrieved]
) -> tuple[Retrieved, str] | None:
    """The rest of the evidence's sentence when a chunk edge cut it at 「；」「，」, else None."""
    chunk = evidence.retrieved.chunk
    if not evidence.text.rstrip().endswith(("；", ";", "，", ",")):
        return None
    if evidence.sentence_index != len(evidence_units(chunk)) - 1:
        return None
    for item in retrieved:
        if item.chunk.source == chunk.source and item.chunk.position == chunk.position + 1:
            units = evidence_units(item.chunk)
            return (item, units[0]) if units else None
    return None


def _continued_support(
    analysis: QuestionAnalysis,
    best: Evidence,
    retrieved: Sequence[Retrieved],
    corpus_has: Callable[[str], bool] | None,
) -> bool:
    """Whether the best evidence, read to the end of its cut sentence, can answer."""
    rest = _continuation(best, retrieved)
    return rest is not None and not unsupported(analysis, best.text + rest[1], corpus_has)


def _with_continuations(
    chosen: list[Evidence],
    retrieved: Sequence[Retrieved],
    analysis: QuestionAnalysis,
    weight: Callable[[str], float],
) -> list[Evidence]:
    """Add the rest of a sentence that a chunk boundary cut at 「；」, when it answers more.

    A long sentence may be split across two chunks; its second half (「银行方面实现融资
    余额近 1.4 亿元，户均额度…」) repeats no subject, so it scores low on its own, yet
    it holds what the question asked next.
    """
    out = list(chosen)
    covered = "".join(e.text for e in chosen)
    have = {(e.retrieved.chunk.id, e.sentence_index) for e in chosen}
    for evidence in chosen:
        rest = _continuation(evidence, retrieved)
        if rest is None or (rest[0].chunk.id, 0) in have:
            continue
        following, text = rest
        gain = _coverage(analysis.terms, covered + text, weight) - _coverage(
            analysis.terms, covered, weight
        )
        if gain > 0.05:
            out.append(replace(evidence, text=text, retrieved=following, sentence_index=0))
            have.add((following.chunk.id, 0))
            covered += text
    return out


# Questions about several things at once: 「分别」「时间线」「从设立到遴选」.
_ASKS_SEVERAL_RE = re.compile(r"(分别|各自|时间线|时间表|历程|先后|从.{1,24}到)")


def _lead(analysis: QuestionAnalysis, span: str) -> str:
    """The direct answer for date and figure questions, when the span makes it unambiguous."""
    if analysis.qtype == "date":
        dates = [normalise_number(m.group(0)) for m in _YEAR_RE.finditer(span)]
        unique = list(dict.fromkeys(dates))
        if len(unique) == 1:
            return _spaced(unique[0])
    if analysis.qtype == "number":
        numbers = [n for n in find_numbers(span) if not re.fullmatch(r"\d{4}年.*", n)]
        if analysis.unit_hint:
            numbers = [n for n in numbers if n.endswith(analysis.unit_hint)]
        unique = list(dict.fromkeys(numbers))
        if len(unique) == 1 and re.search(r"\D$", unique[0]):
            return _spaced(unique[0])
    return ""


def _spaced(figure: str) -> str:
    # The report writes '2015 年', '1250 万元': keep its style so quotes read the same.
    return re.sub(r"(\d)([^\d.%])", r"\1 \2", figure, count=1)


def _premise_note(
    analysis: QuestionAnalysis, span: str, corpus_has: Callable[[str], bool] | None = None
) -> str:
    """When the question asserts a figure the evidence contradicts, say what the report says."""
    if not analysis.numbers:
        return ""
    evidence_numbers = find_numbers(span)
    asserted = [n for n in analysis.numbers if n not in evidence_numbers]
    if not asserted:
        return ""
    for claim in asserted:
        if any(_compatible(claim, n) for n in evidence_numbers):
            continue  # 「11月底」 and 「2025 年 11 月底」 say the same thing
        if (
            corpus_has is not None
            and not is_confirmation(analysis.text)
            and (corpus_has(claim) or corpus_has(_spaced(claim)))
        ):
            # A lookup (「2010年那份文件叫什么」) of a figure the report states elsewhere:
            # this evidence is about something else, it does not correct the question.
            continue
        kind = "年" if "年" in claim else re.sub(r"[\d.]", "", claim)
        same_kind = [n for n in evidence_numbers if (kind and kind in n) or (not kind and n)]
        if same_kind:
            return f"报告中的说法是{_spaced(same_kind[0])}，而不是{_spaced(claim)}。"
    return ""


def _compatible(claim: str, stated: str) -> bool:
    """Two figures that can both be true: one date contains the other (11月 ~ 2025年11月)."""
    if "年" in claim or "月" in claim:
        parts = re.findall(r"\d+[年月]", claim)
        return bool(parts) and all(part in stated for part in parts)
    return False


def draft_answer(
    analysis: QuestionAnalysis,
    retrieved: Sequence[Retrieved],
    weight: Callable[[str], float],
    settings: ExtractiveSettings,
    exclude: frozenset[str] = frozenset(),
    unit_similarity: Callable[[Retrieved], list[float]] | None = None,
    corpus_has: Callable[[str], bool] | None = None,
) -> ExtractiveDraft:
    """Choose the evidence and lay out the answer; refuse when nothing covers the question."""
    weighed = analysis.weigh(weight)
    scored = [
        e
        for e in score_evidence(analysis, retrieved, weight, settings, unit_similarity)
        if not _already_given(e.text, exclude)
    ]
    if not scored or not analysis.terms:
        # No content words (「这是什么？」): nothing to ground an answer on.
        return ExtractiveDraft((), {}, {}, refused=True)
    best = scored[0]
    if best.coverage < settings.refuse_below:
        return ExtractiveDraft((), {}, {}, refused=True, coverage=best.coverage)
    if corpus_has is not None and _asked_of_another_case(
        analysis, best, retrieved, corpus_has, weight, settings.case_name_weight
    ):
        return ExtractiveDraft((), {}, {}, refused=True, coverage=best.coverage)
    if unsupported(analysis, best.text, corpus_has) and not _continued_support(
        analysis, best, retrieved, corpus_has
    ):
        # The passage that best names the subject may not hold the figure or date asked
        # for while the next sentences of the same case do.
        covered_by_best = _coverage(analysis.terms, best.text, weighed)
        runner_up = (
            next(
                (
                    e
                    for e in scored[1:]
                    if _nearby(best, e)
                    and e.score >= settings.runner_up_ratio * best.score
                    # It must say more of what was asked, not just hold some other figure.
                    and _coverage(analysis.terms, best.text + e.text, weighed)
                    > covered_by_best + 0.05
                    and e.coverage >= settings.refuse_below
                    and not unsupported(analysis, e.text, corpus_has)
                ),
                None,
            )
            if lacks_figure(analysis, best.text)
            else None
        )
        if runner_up is None:
            return ExtractiveDraft((), {}, {}, refused=True, coverage=best.coverage)
        scored = [runner_up, *[e for e in scored if e is not runner_up]]
        best = runner_up

    several = bool(_ASKS_SEVERAL_RE.search(analysis.text))
    limit = (
        settings.max_list_sentences
        if analysis.qtype == "list" or several
        else settings.max_sentences
    )
    chosen = [best]
    covered = best.text
    for candidate in scored[1:]:
        if len(chosen) >= limit:
            break
        same_place = (
            candidate.retrieved.chunk.section_path[:1] == best.retrieved.chunk.section_path[:1]
        )
        # 「时间线」「分别」: every fitting passage of the same place answers a part.
        fits = (
            several
            and same_place
            and _type_bonus(analysis.qtype, candidate.text, analysis.unit_hint) > 0
        )
        floor = 0.4 if fits else 0.6
        if candidate.text in covered or candidate.score < floor * best.score:
            continue
        gain = _coverage(analysis.terms, covered + candidate.text, weighed) - _coverage(
            analysis.terms, covered, weighed
        )
        if (analysis.qtype == "list" and same_place) or fits or gain > 0.05:
            chosen.append(candidate)
            covered += candidate.text
    chosen = _with_continuations(
        _with_elaborations(_with_antecedents(chosen), analysis), retrieved, analysis, weighed
    )
    # Reading order reads better than score order.
    chosen.sort(
        key=lambda e: (e.retrieved.chunk.source, e.retrieved.chunk.position, e.sentence_index)
    )

    candidates: dict[int, Retrieved] = {}
    quotes: dict[int, str] = {}
    sentences: list[AnswerSentence] = []
    by_chunk: dict[str, int] = {}
    for evidence in chosen:
        chunk_id = evidence.retrieved.chunk.id
        # A table row reads only as a whole (who issued what, when): it is not cut.
        limit = (
            settings.max_row_chars
            if evidence.retrieved.chunk.kind == "table_row"
            else settings.max_span_chars
        )
        span = _window_for(evidence.text, analysis, weighed, limit)
        n = by_chunk.get(chunk_id)
        if n is None:
            n = len(candidates) + 1
            by_chunk[chunk_id] = n
            candidates[n] = evidence.retrieved
        quotes.setdefault(n, span)
        shown = span if span == evidence.text else f"{span.rstrip('，,；;：:')}……"
        sentences.append(AnswerSentence(text=shown, citations=(n,)))

    first_span = sentences[0].text.rstrip("…")
    premise = _premise_note(analysis, first_span, corpus_has)
    lead = "" if premise else _lead(analysis, first_span)
    return ExtractiveDraft(
        evidence=tuple(
            (e.retrieved.chunk.id, e.sentence_index)
            for e in [
                *sorted(chosen, key=lambda e: -e.score),
                *[e for e in scored if e not in chosen],
            ]
            if e.retrieved.chunk.section_path[:1] == best.retrieved.chunk.section_path[:1]
        ),
        sentences=tuple(sentences),
        candidates=candidates,
        quotes=quotes,
        refused=False,
        lead=lead,
        premise_note=premise,
        coverage=best.coverage,
    )


def _nearby(a: Evidence, b: Evidence, reach: int = 2) -> bool:
    """Whether two units are at most `reach` units apart in the report (across a chunk edge)."""
    ca, cb = a.retrieved.chunk, b.retrieved.chunk
    if ca.source != cb.source:
        return False
    if ca.id == cb.id:
        return abs(a.sentence_index - b.sentence_index) <= reach
    if abs(ca.position - cb.position) != 1:
        return False
    first, second = (a, b) if ca.position < cb.position else (b, a)
    tail = len(evidence_units(first.retrieved.chunk)) - first.sentence_index - 1
    return tail + second.sentence_index + 1 <= reach


# Kinds of money a report states; a sum of one kind does not answer a question about
# another (「保费花了多少」 is not answered by 「提供 1050 万元…保障」).
_MONEY_KINDS: tuple[tuple[str, ...], ...] = (
    ("保费",),
    ("保额", "保障", "额度"),
    ("赔付", "赔款", "理赔", "赔了"),
    ("补贴", "补助", "资助"),
    ("融资", "贷款", "余额", "授信", "贷了"),
)
_ASKS_SUM_RE = re.compile(r"(多少钱|多少亿|多少万|几亿|几千万|几百万|花了|花费|开销|支出|掏了)")
_MONEY_RE = re.compile(r"(?:\d[\d.,]*\s*(?:[百千万亿]+元?|元)|[百千万亿]元)")
_ANY_FIGURE_RE = re.compile(r"(?:\d[\d.,]*\s*(?:[百千万亿]+元?|元|%|％)|[百千万亿]元|全额)")


def _money_of_the_asked_kind(analysis: QuestionAnalysis, evidence: str) -> bool:
    """Whether a sum in the evidence is of the kind of money the question asks about.

    True when the question names no kind, or it asks for something other than money.
    """
    # 「多少钱」 wants a sum; 「补贴了多少保费」 is answered by 「100% 保费补贴」 too.
    explicit = _ASKS_SUM_RE.search(analysis.text)
    if not explicit and analysis.unit_hint not in ("元", "万元", "亿元"):
        return True
    asked = [kind for kind in _MONEY_KINDS if any(word in analysis.text for word in kind)]
    if not asked:
        return True
    figure_re = _MONEY_RE if explicit else _ANY_FIGURE_RE
    clauses = [c for c in re.split(r"[，。；,;]", evidence) if figure_re.search(c)]
    return not clauses or any(word in c for c in clauses for kind in asked for word in kind)


def lacks_figure(analysis: QuestionAnalysis, evidence: str) -> bool:
    """A figure question without a figure of its kind, or a date question without a date."""
    if analysis.qtype == "number":
        if analysis.unit_hint == "年" and _YEAR_RE.search(evidence):
            return False  # 「隔了几年」 is answered by the years themselves
        if not is_confirmation(analysis.text):
            # The asker's own figure (「那单1250万的中试险，保费多少？」) answers nothing.
            for figure in analysis.numbers:
                digits = re.match(r"[\d.]+", figure)
                if digits and not figure.endswith("年"):
                    evidence = re.sub(
                        rf"(?<![\d.]){re.escape(digits.group(0))}(?![\d.])\s*[百千万亿]*",
                        " ",
                        evidence,
                    )
        if not has_figure(evidence, analysis.unit_hint):
            # 「补贴多少」 is answered by 「财政资金全额支持」; 「一共掏了多少钱」, 「总保费多少」 are not.
            return not (
                "全额" in evidence
                and re.search(r"(补贴|补助|资助|支持|承担)", analysis.text)
                and not _ASKS_SUM_RE.search(analysis.text)
            )
        return not _money_of_the_asked_kind(analysis, evidence)
    if analysis.qtype == "date":
        return not (_YEAR_RE.search(evidence) or _MONTH_RE.search(evidence))
    return False


def unsupported(
    analysis: QuestionAnalysis, evidence: str, corpus_has: Callable[[str], bool] | None
) -> bool:
    """The best evidence cannot answer this kind of question: refuse rather than guess.

    A figure question needs a figure of the asked kind in the evidence, a date
    question a date; and a question that names a place, person or organisation
    the report never mentions is not about this report (unless the asker is
    stating it for confirmation, where the answer corrects the premise).
    """
    if lacks_figure(analysis, evidence):
        return True
    confirming = is_confirmation(analysis.text)
    if not confirming and (
        slot_unfilled(analysis.text, evidence)
        or counted_not_named(analysis.text, evidence)
        or name_withheld(analysis.text, evidence)
    ):
        return True
    if corpus_has is not None and not confirming:
        if unknown_organisations(analysis.text, analysis.terms, corpus_has, analysis.flags):
            return True
        for term in analysis.terms:
            # Places, people and foreign words the report never names; organisations are
            # judged by brand (unknown_organisations): jieba tags generic 科研院所 as one.
            if analysis.flags.get(term) in _UNKNOWN_NAME_TAGS and not corpus_has(term):
                return True
            # A figure or date question about something the report never names (渗透率, 场馆)
            # cannot be answered by another figure or date that happens to be nearby. jieba's
            # nz also tags colloquial qualifiers (「比普通普惠贷便宜多少」), so it is left out.
            if (
                analysis.qtype in ("number", "date")
                and analysis.flags.get(term, "").startswith("n")
                and analysis.flags.get(term) != "nz"
                and term not in _MEASURE_WORDS
                and not corpus_has(term)
                and not _known_stem(term, corpus_has)
            ):
                return True
    return False


def _asked_of_another_case(
    analysis: QuestionAnalysis,
    best: Evidence,
    retrieved: Sequence[Retrieved],
    corpus_has: Callable[[str], bool],
    weight: Callable[[str], float],
    case_name_weight: float,
) -> bool:
    """A figure or date asked of a place, year or named thing the best passage's case is not about.

    「e贷在上海服务了多少家」 against 「该产品已在北京服务科技企业 26 家」; 「商业航天保险的
    保费规模」 or 「2030年的市场规模」 against 「头部保险公司 2025 年该类保险保费规模已达
    亿元级」: the report may name 上海 or 商业航天保险 elsewhere, but this figure is
    another case's. A named thing is one of the report's own terms (jieba's user
    dictionary, tag x) rare enough to belong to one case (`case_name_weight`). A case
    may name its subject in the chunk before or after (retrieved with it).
    Confirmations are left to the premise check, which says what the report states.
    """
    if analysis.qtype not in ("number", "date") or is_confirmation(analysis.text):
        return False
    chunk = best.retrieved.chunk
    around = [
        r.chunk.text
        for r in retrieved
        if r.chunk.source == chunk.source and abs(r.chunk.position - chunk.position) == 1
    ]
    where = " ".join([*chunk.section_path, chunk.text, *around])
    if any(year not in where for year in re.findall(r"(?:19|20)\d{2}(?=\s*年)", analysis.text)):
        return True

    def names_a_case(term: str) -> bool:
        flag = analysis.flags.get(term, "")
        return flag == "ns" or (flag == "x" and weight(term) >= case_name_weight)

    return any(
        names_a_case(term) and corpus_has(term) and term not in where for term in analysis.terms
    )


def _known_stem(term: str, corpus_has: Callable[[str], bool]) -> bool:
    """jieba glues a classifier or a place word to a known noun (哪份文件 → 份文件,
    课题组, e贷里 → 贷里): the noun itself is in the report, so the term is not news."""
    if len(term) >= 3 and (corpus_has(term[1:]) or corpus_has(term[:-1])):
        return True
    return len(term) == 2 and term[-1] in _PLACE_SUFFIXES


_PLACE_SUFFIXES = frozenset("里中内上")


# Words that say what kind of figure is asked (the unit hint covers them), not what of.
_MEASURE_WORDS = frozenset(
    [
        "比例",
        "规模",
        "金额",
        "数量",
        "额度",
        "比重",
        "占比",
        "幅度",
        "程度",
        "数字",
        "数额",
        "总数",
        "多少",
        "水平",
        "标准",
        "情况",
    ]
)


def _already_given(unit: str, given: frozenset[str]) -> bool:
    """Whether a previous answer already said (nearly) this unit, for 「还有呢？」 turns."""
    if not given:
        return False
    grams = _bigrams(unit)
    for sentence in given:
        other = _bigrams(sentence)
        if grams and other and len(grams & other) / min(len(grams), len(other)) >= 0.6:
            return True
    return False


# A word the report never uses is more often the asker's paraphrase (高校 for 大学) than the
# subject of an unanswerable question; unknown names are refused separately (unsupported()).
UNSEEN_TERM_FACTOR = 0.6


def idf_weight(
    doc_freq: Mapping[str, int], n_docs: int, unseen_factor: float = UNSEEN_TERM_FACTOR
) -> Callable[[str], float]:
    """Term weight: rarer terms matter more; a term the report never uses counts `unseen_factor`
    of the rarest (measured on the dev and probe sets)."""

    def weight(term: str) -> float:
        df = doc_freq.get(term, 0)
        rarity = math.log(1.0 + (n_docs + 1) / (df + 0.5))
        return rarity * unseen_factor if df == 0 else rarity

    return weight


def refusal_text(analysis: QuestionAnalysis) -> str:
    """The plain refusal, naming what was asked about."""
    topic = "、".join(analysis.terms[:4])
    if topic:
        return f"{_REFUSAL_MARK}{topic}的相关信息。"
    return f"{_REFUSAL_MARK}这个问题的答案。"


def _header_cells(row: Chunk) -> list[str]:
    """The column headers a table row was stored with (from its embedded text), if any."""
    lines = (row.embed_text or "").split("\n")
    if len(lines) < 3 or " | " not in lines[-2]:
        return []
    cells = lines[-2].split(" | ")
    # The first header cell carries the table's label (「二、生命周期 科技研发阶段」).
    cells[0] = cells[0].rsplit(" ", 1)[-1]
    return [c.strip() for c in cells]


def table_column_answer(
    analysis: QuestionAnalysis,
    rows: Sequence[Chunk],
    weight: Callable[[str], float],
    min_coverage: float = 0.6,
) -> tuple[str, list[Chunk], float] | None:
    """Answer 「X 阶段有哪些产品」 from a grid: the cells under the column the question names.

    Returns the lead sentence (the column header and its cells, all verbatim report
    words), the rows it draws on and how well the table covers the question, or None
    when no column is named.
    """
    if analysis.qtype not in ("list", "other"):
        return None
    question = analysis.text
    best: tuple[int, str, int] | None = None
    for row in rows:
        for index, header in enumerate(_header_cells(row)):
            run = longest_common_run(question, header)
            named = len(header) >= 4 and run >= max(4, int(0.6 * len(header)))
            if named and (best is None or run > best[0]):
                best = (run, header, index)
    if best is None:
        return None
    _, header, index = best
    picked: list[tuple[Chunk, str]] = []
    for row in rows:
        cells = _header_cells(row)
        if index < len(cells) and cells[index] == header:
            values = row.text.split("\t")
            if index < len(values) and values[index].strip():
                picked.append((row, values[index].strip()))
    if len(picked) < 2:
        return None
    # Naming a column header is not enough: the rest of the question must be about
    # this table too (「成果转化阶段的风险」 is not about the product grid).
    context = " ".join(row.embed_text or row.text for row, _ in picked)
    coverage = _coverage(analysis.terms, context, analysis.weigh(weight))
    if coverage < min_coverage:
        return None
    items = "、".join(dict.fromkeys(cell for _, cell in picked))
    return f"{header}：{items}。", [row for row, _ in picked], coverage
