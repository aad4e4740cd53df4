"""Sentence extraction: the default answer, extractive, offline and deterministic.

It never writes a fact of its own. It picks the report's sentences (or a window
of their clauses) that answer the question, leads with the direct answer when
the question's intent asks for one (a date, a figure), and refuses when the
retrieved text does not cover what the question asks about.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import permutations

from rag.evidence import (
    Evidence,
    ScoringSettings,
    bigrams,
    coverage,
    score_evidence,
    type_fit,
)
from rag.figures import (
    IDENTIFIERS,
    dated_otherwise,
    dates_in,
    find_numbers,
    has_date,
    has_figure,
    has_time,
    has_year,
    in_asked_unit,
    redated,
    spaced,
)
from rag.followup import MORE, ORDINAL
from rag.lexicon import Lexicon, Words, alternation
from rag.question import Cue, Intent, Question, written_as_a_name
from rag.sentences import SHORT_LINE, evidence_units
from rag.slots import (
    counted_not_named,
    name_withheld,
    role_unnamed,
    slot_unfilled,
    unknown_organisations,
)
from rag.table_cells import is_pipe_row
from rag.tables import table_label
from rag.types import AnswerSentence, Chunk, Retrieved
from rag.verify import NO_REASON_FOUND

_CLAUSE_SPLIT_RE = re.compile(r"(?<=[，,；;：:])")
# A unit that ends a sentence: its last mark, maybe before closing quotes and brackets.
_SENTENCE_END_RE = re.compile(r"[。！？!?…][”’」』）)\]]*\s*$")
_UNKNOWN_NAME_TAGS = frozenset({"ns", "nr", "eng"})
_FIGURE_INTENTS = (Intent.FIGURE, Intent.DATE)
# A number with no unit: a table cell (its column names the unit) or a reference (「图4」).
_BARE_NUMBER = re.compile(r"[\d.]+")


@dataclass(frozen=True)
class SentenceDraft:
    """The sentence-extraction answer before citation checking."""

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
    # The sentences kept only as near-tied with the best (`near_tied`), by index: they
    # may hold the fact, but a rival answer (a table reading) is not measured against them.
    tied: tuple[int, ...] = ()
    # A refusal that knows why (「报告中没有找到说明原因的内容。」); "" for the plain one.
    refusal: str = ""


def _refused(coverage: float = 0.0) -> SentenceDraft:
    return SentenceDraft((), {}, {}, refused=True, coverage=coverage)


# Worth more than the length penalty of the clauses a reason adds (at most a window).
_REASON_WINDOW_BONUS = 0.2
# Worth a few clauses' length penalty (0.001 a character).
_WHOLE_CAUSE_BONUS = 0.05


def _reason_bonus(span: str, reasons: Words | None, at_start: bool) -> float:
    """A window's bonus for holding a reason marker with what it links. One that starts at
    「带来了…」 has lost the cause said before it, unless the sentence starts there; the
    cause may take several clauses (「线上理财兴起，货币基金扩张，带来了…」), so a window
    from the sentence's start is preferred."""
    if reasons is None or not any(m.start() > 0 or at_start for m in reasons.regex.finditer(span)):
        return 0.0
    return _REASON_WINDOW_BONUS + (_WHOLE_CAUSE_BONUS if at_start else 0.0)


def _window_for(
    sentence: str,
    question: Question,
    weight: Callable[[str], float],
    limit: int,
    lexicon: Lexicon,
) -> str:
    """The best contiguous clause window of an over-long sentence (verbatim).

    A why question prefers the window that holds the sentence's reason (「线上理财兴起，
    带来了存款的分流，…存款占比明显下降，…下降了2个百分点」): the clause stating the fact
    alone covers the question's words as well, and is shorter.
    """
    if len(sentence) <= limit:
        return sentence
    reasons = lexicon.evidence.premises.reasons if question.intent is Intent.REASON else None
    clauses = [c for c in _CLAUSE_SPLIT_RE.split(sentence) if c]
    best = sentence[:limit]
    best_score = -1.0
    best_end = -1
    for i in range(len(clauses)):
        span = ""
        for j in range(i, len(clauses)):
            if len(span) + len(clauses[j]) > limit and span:
                break
            span += clauses[j]
            score = (
                coverage(question.term_texts, span, weight)
                + type_fit(question, span, lexicon)
                + _reason_bonus(span, reasons, i == 0)
                - 0.001 * len(span)
            )
            if score > best_score:
                best, best_score, best_end = span, score, j
    if question.intent in _FIGURE_INTENTS and 0 <= best_end < len(clauses) - 1:
        # 「…风力发电量增加到3100MW，占总发电量的7.2%」: the window ends at the clause
        # naming what was asked, and the next clause gives its figure; the earlier
        # clauses covered its words already, so it scored no better, but it is the answer.
        last, after = clauses[best_end], clauses[best_end + 1]
        if (
            len(best) + len(after) <= limit
            and any(term in last for term in question.term_texts)
            and find_numbers(after, lexicon)
        ):
            best += after
    return best


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


def _money_of_the_asked_kind(question: Question, evidence: str, lexicon: Lexicon) -> bool:
    """Whether a sum in the evidence is of the kind of money the question asks about.

    True when the question names no kind, or it asks for something other than money.
    """
    # 「多少钱」 wants a sum; 「补贴了多少保费」 is answered by 「100% 保费补贴」 too.
    explicit = question.has(Cue.ASKS_SUM)
    # A sum is asked for in 元, 万元 or 亿元 (the unit hints that end in the unit of money).
    if not explicit and not question.unit_hint.endswith(lexicon.numbers.figures.money):
        return True
    asked = question.wanted.money_kinds
    if not asked:
        return True
    patterns = lexicon.patterns
    figure_re = patterns.money_sum if explicit else patterns.money_or_share
    clauses = [c for c in re.split(r"[，。；,;]", evidence) if figure_re.search(c)]
    return not clauses or any(word in c for c in clauses for kind in asked for word in kind)


def _share_asked_of_a_change(question: Question, evidence: str, lexicon: Lexicon) -> bool:
    """The question asks a share (「占百分之几」) and every percentage in the evidence states
    a change instead (「年复合增长率高达14.5%」)."""
    words = lexicon.evidence.share_or_change
    asking = asking_clauses(question, lexicon)
    if not any(w in asking for w in words.shares) or any(w in question.text for w in words.changes):
        return False
    clauses = [
        c for c in re.split(r"[，。；,;]", evidence) if lexicon.patterns.percent_marks.search(c)
    ]
    return bool(clauses) and all(
        any(w in c for w in words.changes) and not any(w in c for w in words.shares)
        for c in clauses
    )


def _change_asked_of_a_level(question: Question, evidence: str, lexicon: Lexicon) -> bool:
    """The question asks how much something changed (「同比增长了多少」「涨了几个百分点」) and
    the evidence states no change at all, only a level (「余额20.1万亿元」).

    A question asking where a change ended (「降到了多少」「增长至多少」) asks a level."""
    words = lexicon.evidence.share_or_change
    # Without its question words: 「到多少了」 holds 少了 but asks no change.
    asking = lexicon.patterns.question_word.sub(" ", asking_clauses(question, lexicon))
    changes = [w for w in words.changes if w in asking]
    if not changes or any(
        re.search(rf"{re.escape(w)}\s*(?:{alternation(words.reached)})", asking) for w in changes
    ):
        return False
    patterns = lexicon.patterns
    stated = patterns.rises.search(evidence) or patterns.declines.search(evidence)
    return not stated and not any(w in evidence for w in words.changes)


def _own_figures_answer_nothing(question: Question, text: str, lexicon: Lexicon) -> bool:
    """The asker's own figures (「那单1250万的中试险，保费多少？」) answer nothing, unless
    the question asks to confirm them or the report gives one to what is asked
    (「美国占了11例，那中国有几例」 against 「有11例来自中国机构」)."""
    return not question.has(Cue.CONFIRMATION) and not any(
        given_to_another(question, text, f, lexicon) for f in question.wanted.figures
    )


def _without_own_figures(question: Question, evidence: str, lexicon: Lexicon) -> str:
    """The evidence without the figures the question itself states (「那单1250万的…」)."""
    year, magnitudes = lexicon.numbers.dates.year, lexicon.patterns.magnitudes
    for figure in question.wanted.figures:
        digits = _BARE_NUMBER.match(figure)
        if digits and not figure.endswith(year):
            evidence = re.sub(
                rf"(?<![\d.]){re.escape(digits.group(0))}(?![\d.])\s*{magnitudes}*",
                " ",
                evidence,
            )
    return evidence


def lacks_figure(question: Question, evidence: str, lexicon: Lexicon) -> bool:
    """A figure question without a figure of its kind, or a date question without a date."""
    if question.intent is Intent.FIGURE:
        if question.unit_hint == lexicon.numbers.dates.year and has_year(evidence, lexicon):
            return False  # 「隔了几年」 is answered by the years themselves
        if _own_figures_answer_nothing(question, evidence, lexicon):
            evidence = _without_own_figures(question, evidence, lexicon)
        if not has_figure(evidence, question.unit_hint, lexicon):
            # 「补贴多少」 is answered by 「财政资金全额支持」; 「一共掏了多少钱」, 「总保费多少」 are not.
            return not (
                lexicon.numbers.figures.full_funding in evidence
                and question.has(Cue.SUBSIDY)
                and not question.has(Cue.ASKS_SUM)
            )
        if question.unit_hint == "%" and _share_asked_of_a_change(question, evidence, lexicon):
            return True
        if _change_asked_of_a_level(question, evidence, lexicon):
            return True
        return not _money_of_the_asked_kind(question, evidence, lexicon)
    if question.intent is Intent.DATE:
        # 「哪一年」 asks for the year itself; 「什么时候」 is also told by 「19世纪60年代」.
        asks_year = any(word in question.text for word in lexicon.numbers.dates.year_asks)
        told = has_date if asks_year else has_time
        return not told(evidence, lexicon) or _dates_another(question, evidence, lexicon)
    if question.intent is Intent.LIST and lexicon.question.intents[Intent.DATE.value].search(
        question.text
    ):
        # 「拜耳、诺华、辉瑞分别是哪一年…」「哪几家发的，什么时候」: the dates are asked too.
        return not has_date(evidence, lexicon)
    return False


# A title the question names: 《…》 or a quoted name.
_TITLES_RE = re.compile(r"《([^》]{2,40})》|“([^”]{2,40})”|「([^」]{2,40})」")


def _dates_another(question: Question, evidence: str, lexicon: Lexicon) -> bool:
    """A date question about a titled thing (「《欧洲经济复苏计划》是哪一年出台的」) whose
    evidence dates only other things: every clause naming the title holds no date
    (「2010年3月，美国提出“出口倍增计划”…；《欧洲经济复苏计划》提出…」)."""
    titles = [next(t for t in match.groups() if t) for match in _TITLES_RE.finditer(question.text)]
    clauses = [c for c in re.split(r"[；;。!！?？\n]", evidence) if any(t in c for t in titles)]
    return bool(clauses) and not any(has_date(c, lexicon) for c in clauses)


def asking_clauses(question: Question, lexicon: Lexicon) -> str:
    """The clauses of the question that hold a question word (「寿险占大头，具体占比多少」 →
    「具体占比多少」): what is asked about; the other clauses set the scene in the
    asker's own words. The whole question when no clause holds one."""
    clauses = re.split(r"[，,；;。！!？?]", question.text)
    asking = [c for c in clauses if lexicon.patterns.question_word.search(c)]
    return " ".join(asking) if asking else question.text


def _names_the_unknown(
    question: Question, corpus_has: Callable[[str], bool], lexicon: Lexicon
) -> bool:
    """The question names something the report never mentions (see `unsupported`)."""
    if unknown_organisations(question, corpus_has):
        return True
    asking = asking_clauses(question, lexicon)
    for term in question.terms:
        if term.text in lexicon.evidence.answer_kinds:
            continue  # 「哪个城市」「多少小时」 say what kind of answer, not what about
        # Places, people and foreign words the report never names; organisations are
        # judged by brand (unknown_organisations): jieba tags generic 科研院所 as one.
        # A Chinese token the tokenizer only guessed has a guessed tag too (「拉可」).
        if (
            term.tag in _UNKNOWN_NAME_TAGS
            and (written_as_a_name(term.text) if term.tag == "eng" else term.known)
            and not corpus_has(term.text)
            and not _asked_kind(term.text, asking, lexicon)
        ):
            return True
        # A figure or date question about something the report never names (渗透率, 场馆)
        # cannot be answered by another figure or date that happens to be nearby. jieba's
        # nz also tags colloquial qualifiers (「比普通普惠贷便宜多少」), so it is left out;
        # so are words of a clause that asks nothing (「寿险占大头，具体占比多少」), which
        # put the scene in the asker's words rather than the report's.
        if (
            question.intent in _FIGURE_INTENTS
            and term.tag.startswith("n")
            and term.text in asking
            and term.tag != "nz"
            and term.text not in lexicon.evidence.figure_kinds
            and not corpus_has(term.text)
            and not _known_stem(term.text, corpus_has, lexicon)
            and not _compares(term.text, lexicon)
            and _measured(term.text, question, lexicon)
        ):
            return True
    return False


# At most this many other content words stand between the asking word and the word
# it asks a figure of (「渗透率有多高」「天然气的对外依存度有多高」).
_MEASURED_REACH = 2


def _measured(term: str, question: Question, lexicon: Lexicon) -> bool:
    """The term is what the figure is asked of, next to the question word (「不良贷款率是多少」),
    not a word of the scene further off (「老百姓的信贷占GDP比重涨了几个百分点」), which
    askers put in their own words and the report in its own (居民)."""
    text = question.text
    at = text.find(term)
    if at < 0:
        return False
    others = [t.text for t in question.terms if t.text != term]
    matches = list(lexicon.patterns.asking_word.finditer(text))
    if not matches:
        return True  # no asking word to measure from: the term may be what is asked
    for match in matches:
        if match.start() >= at + len(term):
            between = text[at + len(term) : match.start()]
        elif match.end() <= at:
            between = text[match.end() : at]
        else:
            return True
        if sum(1 for word in others if word in between) <= _MEASURED_REACH:
            return True
    return False


def _asked_kind(term: str, asking: str, lexicon: Lexicon) -> bool:
    """The term comes right after a which-word (「按哪几个维度」): it is the kind of answer
    asked for, never a name (jieba tags some common nouns as places: 维度)."""
    which = alternation(lexicon.names.asked.which)
    return re.search(rf"(?:{which})\s*{re.escape(term)}", asking) is not None


def unsupported(
    question: Question,
    evidence: str,
    corpus_has: Callable[[str], bool] | None,
    lexicon: Lexicon,
) -> bool:
    """The best evidence cannot answer this kind of question: refuse rather than guess.

    A figure question needs a figure of the asked kind in the evidence, a date
    question a date; and a question that names a place, person or organisation
    the report never mentions is not about this report (unless the asker is
    stating it for confirmation, where the answer corrects the premise).
    """
    if lacks_figure(question, evidence, lexicon):
        return True
    confirming = question.has(Cue.CONFIRMATION)
    if not confirming and (
        slot_unfilled(question, evidence, lexicon)
        or role_unnamed(question, evidence, lexicon)
        or counted_not_named(question, evidence, lexicon)
        or name_withheld(question, evidence, lexicon)
    ):
        return True
    if corpus_has is None or confirming:
        return False
    return _names_the_unknown(question, corpus_has, lexicon)


def _asked_of_another_case(
    question: Question,
    best: Evidence,
    retrieved: Sequence[Retrieved],
    corpus_has: Callable[[str], bool],
    weight: Callable[[str], float],
    case_name_weight: float,
    neighbours: Neighbours | None = None,
    lexicon: Lexicon | None = None,
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
    if question.intent not in _FIGURE_INTENTS or question.has(Cue.CONFIRMATION):
        return False
    chunk = best.retrieved.chunk
    around = [
        r.chunk.text
        for r in retrieved
        if r.chunk.source == chunk.source and abs(r.chunk.position - chunk.position) == 1
    ]
    # A sentence cut at a chunk edge (「…2018年，总」|「统颁布4422号令…」) keeps its
    # other half in the report's neighbouring chunk, retrieved or not.
    halves = cut_sentence_halves(chunk, neighbours)
    around += halves
    # A table row is read with its caption and header (「政府债务余额 | 2014年 | …」).
    where = " ".join([*chunk.section_path, chunk.embed_text or chunk.text, *around])
    if lexicon is not None and chunk.kind == "table_row":
        # 「表3里…」 names the row's table, whichever language labels its caption.
        where += f" {table_label(chunk, lexicon)}"
    years = _scoping_years(
        question, [chunk.text, *(h + chunk.text for h in halves), *around], lexicon
    )
    if any(year not in where for year in years):
        return True
    if (
        lexicon is not None
        and chunk.kind != "table_row"
        and dated_otherwise(best.text, years, lexicon)
    ):
        return True
    if lexicon is not None and (
        _of_another_scope(question.text, best.text, lexicon)
        or _of_the_opposite_flow(question.text, best.text, lexicon)
    ):
        return True
    return any(
        (term.tag == "ns" or (term.tag == "x" and weight(term.text) >= case_name_weight))
        and corpus_has(term.text)
        and term.text not in where
        for term in question.terms
    )


def _scoping_years(question: Question, passages: list[str], lexicon: Lexicon | None) -> list[str]:
    """The question's years that scope what it asks: not one it gives to when something
    was issued that the passages date otherwise (「2018年颁布的那个4422号令」), which the
    answer corrects (`_premise_note`)."""
    claimed = redated(question.text, passages, lexicon) if lexicon is not None else {}
    return [year for year in question.wanted.years if year not in claimed]


def _of_another_scope(question: str, where: str, lexicon: Lexicon) -> bool:
    """The question sets a scope (国内) the unit never names, and the unit names another
    (全球): its figure is that other scope's."""
    scopes = lexicon.evidence.premises.scopes
    asked = [group for group in scopes if any(word in question for word in group)]
    if len(asked) != 1:
        return False  # none, or both (「国内外」): no constraint to check
    if any(word in where for word in asked[0]):
        return False
    return any(word in where for group in scopes if group is not asked[0] for word in group)


def _compares(term: str, lexicon: Lexicon) -> bool:
    """「领先多少」: the term says how the figure is asked (a comparison's word, which jieba
    may tag as a noun), not what it is of."""
    return any(phrase.startswith(term) for phrase in lexicon.question.asks.compare.comparatives)


def _of_the_opposite_flow(question: str, where: str, lexicon: Lexicon) -> bool:
    """The question asks of one direction of a flow (进口) and the unit states only the
    other (出口): its figure is the other's (`evidence.premises.opposites`)."""
    for pair in lexicon.evidence.premises.opposites:
        for asked, other in (pair, pair[::-1]):
            if (
                asked in question
                and other not in question
                and other in where
                and asked not in where
            ):
                return True
    return False


# jieba reads two two-character words of the report as one four-character word.
_GLUED_CHARS = 4


def _known_stem(term: str, corpus_has: Callable[[str], bool], lexicon: Lexicon) -> bool:
    """jieba glues a classifier or a place word to a known noun (哪份文件 → 份文件,
    课题组, e贷里 → 贷里), or two known words together (机械设备): the words themselves
    are in the report, so the term is not news."""
    if len(term) >= 3 and (corpus_has(term[1:]) or corpus_has(term[:-1])):
        return True
    # 「机械设备」: two words of the report glued into one (机械, 设备).
    if len(term) == _GLUED_CHARS and corpus_has(term[:2]) and corpus_has(term[2:]):
        return True
    # 「乌国」 for 乌兹别克斯坦: a short form ending in a place word, its head in the report;
    # 「单子」 for 大单: a colloquial noun made with a suffix, its stem in the report.
    return len(term) == 2 and term[-1] in lexicon.evidence.stem_suffixes and corpus_has(term[0])


def _already_given(unit: str, given: frozenset[str]) -> bool:
    """Whether a previous answer already said (nearly) this unit, for 「还有呢？」 turns."""
    if not given:
        return False
    grams = bigrams(unit)
    for sentence in given:
        other = bigrams(sentence)
        if grams and other and len(grams & other) / min(len(grams), len(other)) >= 0.6:
            return True
    return False


# How many of the report's units after what a previous answer showed a 「还有呢？」 turn
# goes on with.
_FOLLOWING_UNITS = 2


def _anchor(follows: Sequence[str], retrieved: Sequence[Retrieved]) -> tuple[Retrieved, int] | None:
    """The retrieved chunk holding the first of `follows` found (what the last answer
    showed first: its best evidence; or the list item an ordinal names), with the latest
    of its units that any of `follows` holds."""
    wanted = frozenset(follows)
    for text in follows:
        one = frozenset({text})
        for item in retrieved:
            units = evidence_units(item.chunk)
            if any(_already_given(unit, one) for unit in units):
                hits = [n for n, unit in enumerate(units) if _already_given(unit, wanted)]
                return item, max(hits)
    return None


def _following(
    question: Question, retrieved: Sequence[Retrieved], lexicon: Lexicon
) -> list[Evidence]:
    """The report's units right after what the turn goes on from (`FollowUp.follows`).

    「还有别的榜吗？」 after an answer that quoted one sentence: the next sentences of the
    same passage say the rest (a chunk's edge continues into the next chunk). A turn that
    may hear it again (「具体说说」: nothing `already_given`) starts at that sentence. For an
    ordinal's item (「第一条具体要建啥？」) they are its own sentences, up to the next item.
    """
    followup = question.followup
    found = _anchor(followup.follows, retrieved) if followup.follows else None
    if found is None:
        return []
    item, at = found
    again = followup.kind == MORE and not followup.already_given
    units = evidence_units(item.chunk)
    places = [(item, n) for n in range(at if again else at + 1, len(units))]
    for other in retrieved:
        chunk = other.chunk
        if chunk.source == item.chunk.source and chunk.position == item.chunk.position + 1:
            places += [(other, n) for n in range(len(evidence_units(chunk)))]
    marker = lexicon.patterns.enumeration_marker
    shown = frozenset(followup.follows)
    out: list[Evidence] = []
    for where, n in places:
        text = evidence_units(where.chunk)[n]
        if followup.kind == ORDINAL and marker.match(text):
            break  # the next item
        if _already_given(text, followup.already_given):
            continue
        if not (again and not out) and _already_given(text, shown):
            continue
        out.append(Evidence(text, where, 0.0, 0.0, n))
        if len(out) >= _FOLLOWING_UNITS + again:
            break
    return out


def _with_antecedents(chosen: list[Evidence], lexicon: Lexicon) -> list[Evidence]:
    """「在上述领域」「这些产品」 point back to the sentence before: without it the quote is
    unreadable (which fields?), so that sentence is quoted too."""
    out = list(chosen)
    have = {(e.retrieved.chunk.id, e.sentence_index) for e in chosen}
    for evidence in chosen:
        if evidence.sentence_index == 0 or not lexicon.patterns.anaphora.search(evidence.text):
            continue
        key = (evidence.retrieved.chunk.id, evidence.sentence_index - 1)
        if key in have:
            continue
        units = evidence_units(evidence.retrieved.chunk)
        previous = units[evidence.sentence_index - 1]
        out.append(replace(evidence, text=previous, sentence_index=evidence.sentence_index - 1))
        have.add(key)
    return out


NextChunk = Callable[[Chunk], Chunk | None]


def _with_elaborations(chosen: list[Evidence], question: Question) -> list[Evidence]:
    """For a list question, the next sentence that lists what a chosen claim only states.

    「二是商业性科技保险发展有望提速。」 answers 「哪些领域…有望提速」 only with the sentence
    after it: 「在知识产权保险、网络安全保险、商业航天保险等领域…」.
    """
    if question.intent is not Intent.LIST:
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


def _with_next_unit(chosen: list[Evidence], next_chunk: NextChunk | None = None) -> list[Evidence]:
    """The chosen units and the one after the best one, when the paragraph goes on with it
    (in its chunk or the next chunk of its section); the chosen units as they are when
    the paragraph ends there."""
    if not chosen:
        return chosen
    chunk = chosen[0].retrieved.chunk
    # Read on after the last unit chosen from the best one's chunk.
    best = max(
        (e for e in chosen if e.retrieved.chunk.id == chunk.id), key=lambda e: e.sentence_index
    )
    units = evidence_units(chunk)
    at = best.sentence_index + 1
    if chunk.kind == "table_row":
        return chosen
    if at >= len(units):
        # The chunk ends there: the paragraph may go on in the next chunk of its section.
        after = next_chunk(chunk) if next_chunk is not None else None
        if after is None or after.kind == "table_row" or after.section_path != chunk.section_path:
            return chosen
        following = evidence_units(after)
        if not following or any(e.retrieved.chunk.id == after.id for e in chosen):
            return chosen
        moved = replace(best.retrieved, chunk=after)
        return [*chosen, replace(best, text=following[0], retrieved=moved, sentence_index=0)]
    if any((e.retrieved.chunk.id, e.sentence_index) == (chunk.id, at) for e in chosen):
        return chosen
    start, end = chunk.text.find(units[at - 1]), chunk.text.find(units[at])
    if start < 0 or end < start or "\n" in chunk.text[start:end]:
        return chosen  # the next sentence opens another paragraph
    return [*chosen, replace(best, text=units[at], sentence_index=at)]


def _with_read_on(
    question: Question, chosen: list[Evidence], next_chunk: NextChunk | None, lexicon: Lexicon
) -> list[Evidence]:
    """The chosen units with what the paragraph goes on to say that the question asks.
    For a why-question, the rest of the explanation: it runs over sentences (「这是因为…
    予以化解。」 then 「…在阻断…上，中国有着…制度优势。」), and the asker wants all of it.
    For a figure, the asked year's figure (`_with_year_read_on`); for any other, the next
    sentence when it names a word of the question the answer lacks (`_with_term_read_on`)."""
    if question.intent is Intent.REASON:
        return _with_next_unit(chosen, next_chunk)
    return _with_term_read_on(
        question, _with_year_read_on(question, chosen, next_chunk, lexicon), next_chunk
    )


def _with_term_read_on(
    question: Question, chosen: list[Evidence], next_chunk: NextChunk | None
) -> list[Evidence]:
    """The next sentence of the paragraph when it names a word of the question that no
    chosen unit names: the sentence that names what was asked often follows the one that
    sets the scene (「…朝美双方相互炫耀肌肉。」 then 「…朝美在玩“懦夫博弈”」 for
    「作者拿哪种博弈来比喻…」)."""
    missing = [
        t.text
        for t in question.terms
        if not t.carried
        and t.tag.startswith(("n", "v"))
        and not any(t.text in e.text for e in chosen)
    ]
    if not missing:
        return chosen
    read_on = _with_next_unit(chosen, next_chunk)
    added = read_on[len(chosen) :]
    return read_on if added and any(term in added[0].text for term in missing) else chosen


# How many clauses a figure's year is read on over.
_YEAR_READ_ON_UNITS = 2


def _with_year_read_on(
    question: Question,
    chosen: list[Evidence],
    next_chunk: NextChunk | None,
    lexicon: Lexicon,
) -> list[Evidence]:
    """For a figure asked of a year no chosen sentence states, the next sentence of the
    paragraph when it states that year: a trend runs over sentences (「甲的比率从2008年起
    升到2014年的高点。」 then 「此后回落到2016年的某值…」)."""
    if question.intent is not Intent.FIGURE and not question.unit_hint:
        return chosen
    asked = set(question.wanted.years)

    def states_asked(text: str) -> bool:
        return bool(asked & set(lexicon.patterns.year.findall(text)))

    if not asked or any(states_asked(e.text) for e in chosen):
        return chosen
    # The year's clauses go on while they state it (「…回落到2016年的某值；而同期乙…到
    # 2016年的另一值」), up to a sentence's worth.
    for _ in range(_YEAR_READ_ON_UNITS):
        read_on = _with_next_unit(chosen, next_chunk)
        added = read_on[len(chosen) :]
        if not added or not states_asked(added[0].text):
            break
        chosen = read_on
    return chosen


@dataclass(frozen=True)
class Neighbours:
    """The report's chunk before and after a chunk (None at the report's edges)."""

    previous: NextChunk | None = None
    next: NextChunk | None = None


# Where a sentence ends inside a chunk.
_SENTENCE_END = re.compile(r"[。！？!?；;]")


def cut_sentence_halves(chunk: Chunk, neighbours: Neighbours | None) -> list[str]:
    """The rest of the sentences `chunk` cuts at its edges, from the chunks around it:
    the previous chunk's text after its last sentence end when `chunk` opens mid-sentence,
    the next chunk's text up to its first when `chunk` closes mid-sentence."""
    if neighbours is None or chunk.kind == "table_row":
        return []
    halves: list[str] = []
    before = neighbours.previous(chunk) if neighbours.previous is not None else None
    if before is not None and before.kind != "table_row":
        ends = list(_SENTENCE_END.finditer(before.text))
        tail = before.text[ends[-1].end() :] if ends else ""
        if tail.strip():
            halves.append(tail)
    after = neighbours.next(chunk) if neighbours.next is not None else None
    if (
        after is not None
        and after.kind != "table_row"
        and not _SENTENCE_END.search(chunk.text[-2:])
    ):
        first = _SENTENCE_END.search(after.text)
        halves.append(after.text[: first.end()] if first else after.text)
    return halves


def _continuation(
    evidence: Evidence, retrieved: Sequence[Retrieved], next_chunk: NextChunk | None = None
) -> tuple[Retrieved, int, str] | None:
    """The rest of the evidence's sentence when it was cut, else None: (the chunk, the
    unit's index in it, its text).

    A chunk edge cuts a sentence at 「；」「，」 or anywhere before its end mark; so does a
    line break of a PDF's text (「…主要包括“甲类制品”」 then 「（A01）、“乙类”（A02）等。」).
    A line cut this way is a long one: a short line without an end mark is a heading or
    a name. The next chunk is read from the report (`next_chunk`) when retrieval did not
    return it.
    """
    chunk = evidence.retrieved.chunk
    text = evidence.text.rstrip()
    if chunk.kind == "table_row" or _SENTENCE_END_RE.search(text):
        return None
    if not text.endswith(("；", ";", "，", ",")) and len(text) < SHORT_LINE:
        return None
    units = evidence_units(chunk)
    if evidence.sentence_index < len(units) - 1:
        if text != units[evidence.sentence_index].rstrip():
            return None  # a clause window of its unit, not a unit cut at its line's end
        at = evidence.sentence_index + 1
        return evidence.retrieved, at, units[at]
    item = next(
        (
            r
            for r in retrieved
            if r.chunk.source == chunk.source and r.chunk.position == chunk.position + 1
        ),
        None,
    )
    if item is None and next_chunk is not None:
        after = next_chunk(chunk)
        if after is not None and after.kind != "table_row":
            item = replace(evidence.retrieved, chunk=after)
    if item is None:
        return None
    following = evidence_units(item.chunk)
    return (item, 0, following[0]) if following else None


def _short_line(text: str, unit: str) -> bool:
    """Whether the unit is a short line of its own (a heading, a name), not the last words
    of a long line whose earlier sentence ended on it (「…的工具。美国某大学发现…，利用」)."""
    at = text.find(unit)
    if at < 0:
        return len(unit) < SHORT_LINE
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at + len(unit))
    line = text[start : end if end >= 0 else len(text)].strip()
    return len(line) < SHORT_LINE


def _continued_support(
    question: Question,
    best: Evidence,
    retrieved: Sequence[Retrieved],
    corpus_has: Callable[[str], bool] | None,
    lexicon: Lexicon,
    next_chunk: NextChunk | None = None,
) -> bool:
    """Whether the best evidence, read to the end of its cut sentence, can answer."""
    rest = _continuation(best, retrieved, next_chunk)
    if rest is None:
        return False
    return not unsupported(question, best.text + rest[2], corpus_has, lexicon)


def _headed_support(
    question: Question,
    best: Evidence,
    corpus_has: Callable[[str], bool] | None,
    lexicon: Lexicon,
    neighbours: Neighbours | None,
) -> bool:
    """Whether the best evidence, read from the start of its cut sentence (`_head`), can
    answer: 「…综合征，这是全球首例…」 names who did it in the part a line break or a
    chunk edge cut off (「2017年，某大学联合某医院…治疗」)."""
    head = _head(best, neighbours, lexicon) if neighbours is not None else None
    if head is None:
        return False
    return not unsupported(question, head.text + best.text, corpus_has, lexicon)


# How many chunk edges one cut sentence is followed across (「世界银行…；」|「欧洲…；」|「亚洲…」).
_MAX_CONTINUED = 3
# A rest that opens with a figure (「1487.6MW，占…」): the cut came right before it.
_FIGURE_START = re.compile(r"\s*\d")


def _wants_rest(question: Question, gain: float, rest: str) -> bool:
    """Whether the rest of a cut sentence goes into the answer.

    It does when it answers more of the question's words; for a list question (a list
    cut at a chunk edge is a list cut short) and a turn asking for more (「还有别的银行
    支持吗？」: the passage goes on where it stopped) whatever it names; for a figure
    asked when the cut came right before a figure (「…水力发电量增加至」|「1487.6MW…」).
    """
    if gain > 0.05 or question.intent is Intent.LIST or question.followup.kind == MORE:
        return True
    return question.intent in _FIGURE_INTENTS and _FIGURE_START.match(rest) is not None


def _with_continuations(
    chosen: list[Evidence],
    retrieved: Sequence[Retrieved],
    question: Question,
    weight: Callable[[str], float],
    next_chunk: NextChunk | None = None,
) -> list[Evidence]:
    """Add the rest of a sentence that a chunk boundary cut, when it answers more.

    A long sentence may be split across two chunks; its second half (「银行方面实现融资
    余额近 1.4 亿元，户均额度…」) repeats no subject, so it scores low on its own, yet
    it holds what the question asked next (`_wants_rest`). A rest that is itself cut is
    followed on, across at most `_MAX_CONTINUED` edges.
    """
    terms = question.term_texts
    out = list(chosen)
    covered = "".join(e.text for e in chosen)
    have = {(e.retrieved.chunk.id, e.sentence_index) for e in chosen}
    for evidence in chosen:
        current = evidence
        for _ in range(_MAX_CONTINUED):
            rest = _continuation(current, retrieved, next_chunk)
            if rest is None or (rest[0].chunk.id, rest[1]) in have:
                break
            following, at, text = rest
            gain = coverage(terms, covered + text, weight) - coverage(terms, covered, weight)
            if not _wants_rest(question, gain, text):
                break
            current = replace(evidence, text=text, retrieved=following, sentence_index=at)
            out.append(current)
            have.add((following.chunk.id, at))
            covered += text
    return out


# A line a sentence goes on from ends with a Chinese character or a clause mark.
_CJK_END = re.compile(r"[\u4e00-\u9fff，,；;、]$")


def _head(evidence: Evidence, neighbours: Neighbours, lexicon: Lexicon) -> Evidence | None:
    """The start of the evidence's sentence when a line break or a chunk edge cut it off,
    else None.

    A PDF's line break or a chunk edge may fall inside a sentence (「2017年，某医院联合…
    技术治疗」|「某综合征，这是全球首例…」); the unit after the cut lacks the sentence's
    subject, often what was asked (where, who, when). The unit before it (the previous
    chunk's last one, at a chunk's start) is that start when it ends without an end mark
    and is no short line (a heading), as `_continuation` reads a cut sentence forward.
    """
    chunk = evidence.retrieved.chunk
    if chunk.kind == "table_row":
        return None
    source, units = evidence.retrieved, evidence_units(chunk)
    at = evidence.sentence_index - 1
    if evidence.sentence_index == 0:
        before = neighbours.previous(chunk) if neighbours.previous else None
        if before is None or before.kind == "table_row":
            return None
        source, units = replace(evidence.retrieved, chunk=before), evidence_units(before)
        at = len(units) - 1
    start = units[at].rstrip() if 0 <= at < len(units) else ""
    if not start or _SENTENCE_END_RE.search(start):
        return None
    if not start.endswith(("；", ";", "，", ",")) and _short_line(source.chunk.text, start):
        return None
    if not _CJK_END.search(start):
        return None  # a line of Latin text (a title, a name) is no sentence cut short
    if lexicon.patterns.caption_or_note.match(start):
        return None  # a chart's caption or source note (「图16…数据来源：CEIC」) neither
    return replace(evidence, text=units[at], retrieved=source, sentence_index=at)


def _with_heads(chosen: list[Evidence], neighbours: Neighbours, lexicon: Lexicon) -> list[Evidence]:
    """The chosen units, each opening mid-sentence with its sentence's start (`_head`)."""
    out = list(chosen)
    have = {(e.retrieved.chunk.id, e.sentence_index) for e in chosen}
    for evidence in chosen:
        head = _head(evidence, neighbours, lexicon)
        if head is not None and (head.retrieved.chunk.id, head.sentence_index) not in have:
            out.append(head)
            have.add((head.retrieved.chunk.id, head.sentence_index))
    return out


def _lead(question: Question, span: str, lexicon: Lexicon) -> str:
    """The direct answer for date and figure questions, when the span makes it unambiguous."""
    if question.intent is Intent.DATE:
        unique = list(dict.fromkeys(dates_in(span, lexicon)))
        if len(unique) == 1:
            return spaced(unique[0])
    if question.intent is Intent.FIGURE:
        dated = lexicon.patterns.starts_with_year
        numbers = [n for n in find_numbers(span, lexicon) if not dated.fullmatch(n)]
        numbers = [n for n in numbers if in_asked_unit(n, question.unit_hint, lexicon)]
        if _own_figures_answer_nothing(question, span, lexicon):
            # 「那48座发电站里，水电站占了几座」: the asker's own 48 is no answer to lead with.
            own = {_digits(f) for f in question.wanted.figures}
            numbers = [n for n in numbers if _digits(n) not in own]
        unique = list(dict.fromkeys(numbers))
        if len(unique) == 1 and re.search(r"\D$", unique[0]):
            return spaced(unique[0])
    return ""


def _digits(figure: str) -> str:
    """The number a figure starts with (「48个」 → 48)."""
    found = _BARE_NUMBER.match(figure)
    return found.group(0) if found else figure


def gives_no_reason(question: Question, read: str, lexicon: Lexicon, about: str = "") -> bool:
    """A why question about a measured fact (a figure, a rise or fall, a comparison:
    「…为啥能涨31.5%」「…为什么比储蓄存款利率高」) whose answer gives no reason, purpose or
    grounds (`evidence.premises.reasons`): it only restates the fact, and the report does
    not say why. The reason is looked for in `about` (the units that state the fact)
    when given, else in all of `read`.

    Other why questions are left alone: a purpose (「为什么要设立…」) or a judgement
    (「为什么说…」) is often given without a marker. So is one whose premise the answer
    contradicts (a figure it asserts that the answer does not give, a fall the answer
    states as a rise): it is answered by what the report says.
    """
    premises, patterns = lexicon.evidence.premises, lexicon.patterns
    if (
        question.intent is not Intent.REASON
        or question.has(Cue.CONFIRMATION)
        or premises.purpose.search(question.text)
        or premises.reasons.search(about or read)
    ):
        return False
    change = question.wanted.column.change
    # A year dates the fact (「1932年，为什么加设车厂」); it measures nothing.
    measured = [f for f in question.wanted.figures if not patterns.starts_with_year.fullmatch(f)]
    if not (measured or change or patterns.compare_than_word.search(question.text)):
        return False
    stated = find_numbers(read, lexicon)
    if any(figure not in stated for figure in question.wanted.figures):
        return False
    opposite = {"down": patterns.rises, "up": patterns.declines}.get(change)
    return opposite is None or not opposite.search(read)


def ranks_nothing(question: Question, read: str, lexicon: Lexicon) -> bool:
    """A which or who question asking for the most of several (「哪家医院入组的病人最多」
    「谁出钱最多」) whose answer neither ranks them (`evidence.premises.ranked`: 最, 居首,
    仅次于) nor gives two figures of the asked unit to compare: it only lists them, and
    the report does not say which."""
    which = question.intent in (Intent.NAME, Intent.LIST) or question.has(Cue.ASKS_WHICH)
    if not which or question.has(Cue.CONFIRMATION):
        return False
    most = lexicon.patterns.column_ask_words.search(question.text)
    # 「哪家…最多」 asks which one is the most; 「最大的风险有哪些」 asks what the most is,
    # which the report may name without ranking (「最大的灰犀牛是债务」).
    asked = lexicon.names.asked
    if most is None or not any(
        word in question.text[: most.start()] for word in (*asked.which, *asked.agents.words)
    ):
        return False
    if lexicon.evidence.premises.ranked.search(read):
        return False
    # A table cell's bare number may be in the asked unit, which its column names; in
    # running text a bare number is a reference (「图4」).
    cells = "\t" in read or is_pipe_row(read)
    figures = {
        n
        for n in find_numbers(IDENTIFIERS.sub(" ", read), lexicon)
        if (cells if _BARE_NUMBER.fullmatch(n) else in_asked_unit(n, question.unit_hint, lexicon))
    }
    return len(figures) < 2


def _premise_note(
    question: Question,
    span: str,
    lexicon: Lexicon,
    corpus_has: Callable[[str], bool] | None = None,
    read: str = "",
) -> str:
    """When the question asserts a figure the evidence contradicts, say what the report says.

    `read` is all the evidence laid out: a year given to when something was issued is
    checked against the date the report gives the same thing (`rag.figures.redated`).
    """
    if not question.wanted.figures:
        return ""
    year = lexicon.numbers.dates.year
    for claimed, issued in redated(question.text, [read or span], lexicon).items():
        return _correction(f"{issued}{year}", f"{claimed}{year}")
    evidence_numbers = find_numbers(span, lexicon)
    # 「HS84」「G7」 name a class or a group: the question asserts no 「84」 to correct.
    stated = find_numbers(IDENTIFIERS.sub(" ", question.text), lexicon)
    asserted = [n for n in question.wanted.figures if n not in evidence_numbers and n in stated]
    for claim in asserted:
        if any(_compatible(claim, n, lexicon) for n in evidence_numbers):
            continue  # 「11月底」 and 「2025 年 11 月底」 say the same thing
        if (
            corpus_has is not None
            and not question.has(Cue.CONFIRMATION)
            and (corpus_has(claim) or corpus_has(spaced(claim)))
        ):
            # A lookup (「2010年那份文件叫什么」) of a figure the report states elsewhere:
            # this evidence is about something else, it does not correct the question.
            continue
        kind = year if year in claim else re.sub(r"[\d.]", "", claim)
        if kind == year and any(year in f for f in question.wanted.figures if f not in asserted):
            # 「从2008年底到2017年一季度末…」 against a passage stating 2017 only: the
            # passage does not reach back to the first date; it does not deny it.
            continue
        # A bare number (「RCA是8.452」) is corrected only by a bare number, never by a
        # year or an amount the passage happens to state (「2000一2015年」 too).
        same_kind = [
            n
            for n in find_numbers(IDENTIFIERS.sub(" ", span), lexicon)
            if (kind and kind in n) or (not kind and _bare_like(n, claim))
        ]
        if same_kind:
            return _correction(spaced(same_kind[0]), spaced(claim))
    return _swapped_note(question, read or span, lexicon)


_CLAUSE_BREAK = re.compile(r"[，。；：！？,;:!?]")


def _clause_words(
    text: str, figure: str, words: Sequence[str], lexicon: Lexicon
) -> set[str] | None:
    """The `words` in the one clause of `text` that states `figure` (None: no one clause)."""
    clauses = [c for c in _CLAUSE_BREAK.split(text) if figure in find_numbers(c, lexicon)]
    if len(clauses) != 1:
        return None
    return {w for w in words if w in clauses[0]}


# What a figure can be given to: a place, an organisation or a person.
_ACTOR_TAGS = ("ns", "nt", "nr", "nrt")


def given_to_another(
    question: Question, read: str, figure: str, lexicon: Lexicon
) -> tuple[str, str] | None:
    """(the thing the report gives `figure` to, the one the question gives it to) when
    they differ: 「…美国占了11例，那中国有几例」 against 「有11例来自中国机构」."""
    actors = [t.text for t in question.terms if t.tag in _ACTOR_TAGS]
    asked = _clause_words(question.text, figure, actors, lexicon)
    said = _clause_words(read, figure, actors, lexicon)
    if not asked or not said:
        return None
    if len(asked - said) != 1 or len(said - asked) != 1:
        return None
    return next(iter(said - asked)), next(iter(asked - said))


def _shared_counter(figure: str, question: str, read: str) -> str:
    """The counting word both put right after the figure (「11例」), or ""."""
    after = rf"(?<![\d.]){re.escape(figure)}\s*([\u4e00-\u9fff])"
    asked, said = re.search(after, question), re.search(after, read)
    return said.group(1) if asked and said and asked.group(1) == said.group(1) else ""


def _swapped_note(question: Question, read: str, lexicon: Lexicon) -> str:
    """A figure the question gives to one thing and the report to another (「美国占了11例」
    against 「有11例来自中国机构」), or two figures the question gives to two things,
    which the report gives the other way round (「发达国家…75%，比中国的49%高」 against
    「我国…75%…，远高于发达国家49%」): the note says which thing the report gives the
    figure to."""
    stated = find_numbers(read, lexicon)
    figures = [f for f in question.wanted.figures if f in stated]
    # Nouns, names and set phrases (发达国家 is tagged l): what a figure can belong to.
    words = [
        t.text for t in question.terms if t.tag[:1] in ("n", "l", "j") or t.tag in ("x", "eng")
    ]
    for claimed in figures:
        swapped = given_to_another(question, read, claimed, lexicon)
        if swapped:
            owner, claimed_owner = swapped
            counted = spaced(claimed) + _shared_counter(claimed, question.text, read)
            return _correction(f"{owner}{counted}", f"{claimed_owner}{counted}")
    for claimed, other in permutations(figures, 2):
        if _unit_of(claimed) != _unit_of(other):
            continue  # a date and a share (「2017年10月」「1.8%」) cannot swap places
        asked = _clause_words(question.text, claimed, words, lexicon)
        asked_other = _clause_words(question.text, other, words, lexicon)
        said = _clause_words(read, claimed, words, lexicon)
        said_other = _clause_words(read, other, words, lexicon)
        if asked is None or asked_other is None or said is None or said_other is None:
            continue
        if asked == asked_other or said == said_other:
            continue  # one clause states both: no telling whose each is
        for word in sorted(asked - asked_other):
            if word in said_other and word not in said:
                return _correction(f"{word}{spaced(other)}", f"{word}{spaced(claimed)}")
    return ""


_BARE = re.compile(r"[\d.]+")
_UNIT_TAIL = re.compile(r"[^\d.\s]+$")


def _unit_of(figure: str) -> str:
    """The unit a figure ends with (「%」「例」「月」; "" for a bare number)."""
    found = _UNIT_TAIL.search(figure)
    return found.group() if found else ""


_YEARISH = re.compile(r"(?:19|20)\d\d")


def _bare_like(stated: str, claimed: str) -> bool:
    """Whether a stated number can correct a claimed bare number: bare too, and a year
    only for a year."""
    return bool(_BARE.fullmatch(stated)) and (
        not _YEARISH.fullmatch(stated) or bool(_YEARISH.fullmatch(claimed))
    )


def _correction(stated: str, claimed: str) -> str:
    """The premise note: what the report says instead of the question's claim."""
    return f"报告中的说法是{stated}，而不是{claimed}。"


def _compatible(claim: str, stated: str, lexicon: Lexicon) -> bool:
    """Two figures that can both be true: one date contains the other (11月 ~ 2025年11月)."""
    dates = lexicon.numbers.dates
    if dates.year in claim or dates.month in claim:
        parts = lexicon.patterns.date_parts.findall(claim)
        return bool(parts) and all(part in stated for part in parts)
    return False


def near_tied(candidate: Evidence, best: Evidence, settings: ScoringSettings) -> bool:
    """Whether a unit scores within `Selection.keep_ratio` of the best (positive) one."""
    ratio = settings.selection.keep_ratio
    return ratio > 0 and best.score > 0 and candidate.score >= ratio * best.score


def _runner_up(
    question: Question,
    best: Evidence,
    scored: Sequence[Evidence],
    weighed: Callable[[str], float],
    settings: ScoringSettings,
    corpus_has: Callable[[str], bool] | None,
    lexicon: Lexicon,
) -> Evidence | None:
    """A unit that holds the figure, date or name the best one lacks.

    The passage that best names the subject may not hold the figure or date asked
    for while the next sentences of the same case do. A name it lacks may come from
    anywhere the report says it, when that unit scores near-tied with it (`near_tied`):
    the best one talks about 「第一家…公司」, another names it. A question the report
    cannot answer whatever the unit (a name it never mentions) has no runner-up.
    """
    if not unsupported(question, best.text, None, lexicon):
        return None
    # Another case's figure answers nothing (「资本充足率」 asked, a ratio of another
    # measure near-tied): a figure or date comes from the best unit's own case.
    anywhere = not lacks_figure(question, best.text, lexicon)
    terms = question.term_texts
    covered_by_best = coverage(terms, best.text, weighed)
    return next(
        (
            e
            for e in scored[1:]
            if (
                (
                    _nearby(best, e)
                    and e.score >= settings.selection.runner_up_ratio * best.score
                    # It must say more of what was asked, not just hold some other
                    # figure, unless it is near-tied with the best.
                    and (
                        coverage(terms, best.text + e.text, weighed) > covered_by_best + 0.05
                        or near_tied(e, best, settings)
                    )
                )
                or (anywhere and near_tied(e, best, settings))
            )
            and e.coverage >= settings.refuse_below
            and not unsupported(question, e.text, corpus_has, lexicon)
        ),
        None,
    )


def _choose(
    question: Question,
    best: Evidence,
    scored: Sequence[Evidence],
    weighed: Callable[[str], float],
    settings: ScoringSettings,
    lexicon: Lexicon,
) -> list[Evidence]:
    """The best unit and the runners-up that add to it, up to the intent's limit."""
    several = question.has(Cue.SEVERAL_PARTS)
    is_list = question.intent is Intent.LIST
    limit = settings.max_list_sentences if is_list or several else settings.max_sentences
    terms = question.term_texts
    chosen = [best]
    covered = best.text
    for candidate in scored[1:]:
        if len(chosen) >= limit:
            break
        same_place = (
            candidate.retrieved.chunk.section_path[:1] == best.retrieved.chunk.section_path[:1]
        )
        # 「时间线」「分别」: every fitting passage of the same place answers a part.
        fits = several and same_place and type_fit(question, candidate.text, lexicon) > 0
        floor = 0.4 if fits else 0.6
        if candidate.text in covered or candidate.score < floor * best.score:
            continue
        gain = coverage(terms, covered + candidate.text, weighed) - coverage(
            terms, covered, weighed
        )
        if (is_list and same_place) or fits or gain > 0.05:
            chosen.append(candidate)
            covered += candidate.text
    return chosen


def _near_tied_extras(
    question: Question,
    best: Evidence,
    scored: Sequence[Evidence],
    chosen: Sequence[Evidence],
    settings: ScoringSettings,
) -> list[Evidence]:
    """The units near-tied with the best that the answer has room for.

    They add no question word the answer lacks, yet one of them may hold the fact the
    best one only leads up to (「…主要有甲、乙、丙三类」 then 「三类的占比分别为…」).
    They come after every unit chosen for what it adds and never displace
    one: the answer keeps at most `max_sentences` (`max_list_sentences` for lists).
    """
    several = question.has(Cue.SEVERAL_PARTS) or question.intent is Intent.LIST
    limit = settings.max_list_sentences if several else settings.max_sentences
    have = {(e.retrieved.chunk.id, e.sentence_index) for e in chosen}
    covered = "".join(e.text for e in chosen)
    extras: list[Evidence] = []
    for candidate in scored[1:]:
        if len(chosen) + len(extras) >= limit:
            break
        key = (candidate.retrieved.chunk.id, candidate.sentence_index)
        if key in have or candidate.text in covered or not near_tied(candidate, best, settings):
            continue
        extras.append(candidate)
        have.add(key)
        covered += candidate.text
    return extras


def _layout(
    question: Question,
    chosen: Sequence[Evidence],
    weighed: Callable[[str], float],
    settings: ScoringSettings,
    lexicon: Lexicon,
) -> tuple[list[AnswerSentence], dict[int, Retrieved], dict[int, str]]:
    """The chosen units as cited sentences (over-long ones cut to a clause window)."""
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
        span = _window_for(evidence.text, question, weighed, limit, lexicon)
        n = by_chunk.get(chunk_id)
        if n is None:
            n = len(candidates) + 1
            by_chunk[chunk_id] = n
            candidates[n] = evidence.retrieved
        quotes.setdefault(n, span)
        shown = span if span == evidence.text else f"{span.rstrip('，,；;：:')}……"
        sentences.append(AnswerSentence(text=shown, citations=(n,)))
    return sentences, candidates, quotes


def _as_read(evidence: Evidence) -> str:
    """What a unit says as a reader reads it: a table row with its caption and header,
    where its units (「亿元」) and years are; other units as they are."""
    chunk = evidence.retrieved.chunk
    if chunk.kind == "table_row" and chunk.embed_text:
        return chunk.embed_text
    return evidence.text


def _best(
    question: Question,
    scored: list[Evidence],
    retrieved: Sequence[Retrieved],
    weight: Callable[[str], float],
    settings: ScoringSettings,
    corpus_has: Callable[[str], bool] | None,
    lexicon: Lexicon,
    neighbours: Neighbours | None = None,
) -> tuple[Evidence, list[Evidence]] | SentenceDraft:
    """The unit that answers, with the scored list it leads; a refusal when none can."""
    best = scored[0]
    if best.coverage < settings.refuse_below:
        return _refused(best.coverage)
    if corpus_has is not None and _asked_of_another_case(
        question,
        best,
        retrieved,
        corpus_has,
        weight,
        settings.case_name_weight,
        neighbours,
        lexicon,
    ):
        return _refused(best.coverage)
    if (
        unsupported(question, _as_read(best), corpus_has, lexicon)
        and not _continued_support(
            question, best, retrieved, corpus_has, lexicon, neighbours.next if neighbours else None
        )
        and not _headed_support(question, best, corpus_has, lexicon, neighbours)
    ):
        weighed = question.weigh(weight)
        runner_up = _runner_up(question, best, scored, weighed, settings, corpus_has, lexicon)
        if runner_up is None or (
            corpus_has is not None
            and _asked_of_another_case(
                question,
                runner_up,
                retrieved,
                corpus_has,
                weight,
                settings.case_name_weight,
                neighbours,
                lexicon,
            )
        ):
            return _refused(best.coverage)
        scored = [runner_up, *[e for e in scored if e is not runner_up]]
        best = runner_up
    return best, scored


def draft_answer(
    question: Question,
    retrieved: Sequence[Retrieved],
    weight: Callable[[str], float],
    settings: ScoringSettings,
    lexicon: Lexicon,
    unit_similarity: Callable[[Retrieved], list[float]] | None = None,
    corpus_has: Callable[[str], bool] | None = None,
    next_chunk: NextChunk | None = None,
    previous_chunk: NextChunk | None = None,
) -> SentenceDraft:
    """Choose the evidence and lay out the answer; refuse when nothing covers the question.

    Sentences a previous answer already gave (`Question.followup.already_given`) are skipped;
    when nothing else answers (「还有别的吗？」 after an answer that said it all), the
    report's answer is given again rather than a refusal claiming it has none.
    `next_chunk` and `previous_chunk` read the rest of a sentence cut at a chunk edge from
    the report.
    """
    neighbours = Neighbours(previous_chunk, next_chunk)
    args = (retrieved, weight, settings, lexicon, unit_similarity, corpus_has, neighbours)
    draft = _draft_skipping_given(question, *args)
    if draft.refused and question.followup.already_given:
        again = replace(question.followup, already_given=frozenset())
        draft = _draft_skipping_given(replace(question, followup=again), *args)
    return draft


# How much more a unit the last answer cited scores for a turn asking on about the same
# thing (`FollowUp.cited`). Tuned on the tuning conversation set: follow-up key-fact is
# the same from 0.1 to 0.5 and falls at 1.0 (the cited passage then outweighs a better one).
CITED_BONUS = 0.25


def _favour_cited(
    scored: list[Evidence], cited: Sequence[str], bonus: float = CITED_BONUS
) -> list[Evidence]:
    """The scored units, those the last answer cited scoring `bonus` more (a turn asking on
    about the same thing: 「险种叫什么名字？」 after an answer quoting the scheme)."""
    if not cited or bonus <= 0:
        return scored
    shown = [bigrams(text) for text in cited]

    def quoted(unit: str) -> bool:
        # Most of the unit's own words in one cited text (a short caption cited does not
        # make every sentence naming its words cited).
        grams = bigrams(unit)
        return bool(grams) and any(len(grams & other) >= 0.6 * len(grams) for other in shown)

    favoured = [replace(e, score=e.score * (1 + bonus)) if quoted(e.text) else e for e in scored]
    return sorted(favoured, key=lambda e: (-e.score, e.retrieved.retrieval_rank, e.sentence_index))


def _draft_skipping_given(
    question: Question,
    retrieved: Sequence[Retrieved],
    weight: Callable[[str], float],
    settings: ScoringSettings,
    lexicon: Lexicon,
    unit_similarity: Callable[[Retrieved], list[float]] | None,
    corpus_has: Callable[[str], bool] | None,
    neighbours: Neighbours,
) -> SentenceDraft:
    """`draft_answer` with the sentences already given skipped."""
    given = question.followup.already_given
    scored = _favour_cited(
        [
            e
            for e in score_evidence(question, retrieved, weight, settings, lexicon, unit_similarity)
            if not _already_given(e.text, given)
        ],
        question.followup.cited,
    )
    following = _following(question, retrieved, lexicon)
    if not question.terms or (not scored and not following):
        # No content words (「这是什么？」): nothing to ground an answer on.
        return _refused()
    found = (
        _best(question, scored, retrieved, weight, settings, corpus_has, lexicon, neighbours)
        if scored
        else _refused()
    )
    weighed = question.weigh(weight)
    tied: list[Evidence] = []
    if isinstance(found, SentenceDraft):
        if not following:
            return found
        # 「还有呢？」 with nothing else that answers: the passage goes on where it stopped.
        best, scored, chosen = following[0], list(following), list(following)
    else:
        best, scored = found
        chosen = _choose(question, best, scored, weighed, settings, lexicon)
        chosen = _with_continuations(
            _with_elaborations(_with_antecedents(chosen, lexicon), question),
            retrieved,
            question,
            weighed,
            neighbours.next,
        )
        have = {(e.retrieved.chunk.id, e.sentence_index) for e in chosen}
        chosen += [e for e in following if (e.retrieved.chunk.id, e.sentence_index) not in have]
        tied = _near_tied_extras(question, best, scored, chosen, settings)
        # A cut sentence's start is read with it, never in place of another unit; so is the
        # rest of an explanation.
        chosen = chosen + tied
        chosen = _with_read_on(question, chosen, neighbours.next, lexicon)
        chosen = _with_heads(chosen, neighbours, lexicon)
    draft = _drafted(question, best, chosen, scored, weighed, settings, lexicon, corpus_has)
    return (
        replace(draft, tied=tuple(i for i, e in enumerate(chosen) if e in tied)) if tied else draft
    )


def _drafted(
    question: Question,
    best: Evidence,
    chosen: list[Evidence],
    scored: Sequence[Evidence],
    weighed: Callable[[str], float],
    settings: ScoringSettings,
    lexicon: Lexicon,
    corpus_has: Callable[[str], bool] | None,
) -> SentenceDraft:
    """The chosen evidence laid out in reading order, with its lead or premise note."""
    # Reading order reads better than score order.
    chosen.sort(
        key=lambda e: (e.retrieved.chunk.source, e.retrieved.chunk.position, e.sentence_index)
    )
    sentences, candidates, quotes = _layout(question, chosen, weighed, settings, lexicon)
    first_span = sentences[0].text.rstrip("…")
    read = "".join(s.text for s in sentences)
    premise = _premise_note(question, first_span, lexicon, corpus_has, read)
    # A reason is looked for where the fact is stated: in the best unit or next to it,
    # not in a sentence quoted beside it about something else.
    about = "".join(e.text for e in chosen if e is best or _nearby(e, best, reach=1))
    if not premise and gives_no_reason(question, read, lexicon, about):
        # The report states the fact (its passage is among the closest shown) but no
        # reason for it: the refusal says so.
        return replace(
            _refused(best.coverage),
            refusal=NO_REASON_FOUND,
            evidence=((best.retrieved.chunk.id, best.sentence_index),),
        )
    if not premise and ranks_nothing(question, read, lexicon):
        return _refused(best.coverage)
    place = best.retrieved.chunk.section_path[:1]
    ranked = [*sorted(chosen, key=lambda e: -e.score), *[e for e in scored if e not in chosen]]
    return SentenceDraft(
        evidence=tuple(
            (e.retrieved.chunk.id, e.sentence_index)
            for e in ranked
            if e.retrieved.chunk.section_path[:1] == place
        ),
        sentences=tuple(sentences),
        candidates=candidates,
        quotes=quotes,
        refused=False,
        lead="" if premise else _lead(question, first_span, lexicon),
        premise_note=premise,
        coverage=best.coverage,
    )


__all__ = [
    "SentenceDraft",
    "draft_answer",
    "gives_no_reason",
    "lacks_figure",
    "near_tied",
    "ranks_nothing",
    "unsupported",
]
