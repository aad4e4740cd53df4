"""Follow-ups: decide first whether a turn leans on the conversation, then resolve it.

`decide_followup` returns a `FollowUp` record (`rag.types`). A question with its
own subject and predicate is standalone and answered as asked. An elliptical
turn is a follow-up of one kind, and is resolved from the conversation's
entities, not by gluing on the last question's words:

* ``pronoun`` 「它是哪年推出的？」: the pronoun becomes the last question's subject;
* ``temporal`` 「当时…」: the time becomes the year the last answer named;
* ``ordinal`` 「第一类/后者」: the position is read off the last answer's list;
* ``bare_predicate`` 「那是谁牵头的？」 and ``bare_figure`` 「多少家？」: the last
  subject is put in front;
* ``na_ne`` 「那北京呢？」: the last question asked again about the new subject;
* ``more`` 「还有呢？」「具体说说」: the last question again, skipping what was said.

When no referent is found (or it would not make a usable question), the turn is
kept as asked and retrieval leans on the earlier turn's words (`FollowUp.context`).
Rule-based, no model; every word it reads is lexicon data
(``[question.followup]`` in ``rag/lexicon/zh.toml``). Called by
`rag.question.build_question`, which also asks a model first in LLM mode.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rag.lexicon.words import alternation
from rag.sentence_split import split_sentences
from rag.types import STANDALONE, FollowUp, Turn

if TYPE_CHECKING:
    from rag.followup_model import FollowupModel
    from rag.lexicon import Lexicon
    from rag.question import Term

# jieba tags of names, by kind: a follow-up naming one of a kind drops the earlier one.
_NAMED_KIND = {"ns": "place", "nr": "person", "nt": "organisation", "nz": "organisation"}
# Names jieba knows from the report's own dictionary (科惠保, 银保科技e贷): a case's own.
_CASE_NAME_TAGS = frozenset({"x"})
# Tags of words that name something specific: names, foreign words, abbreviations (人保,
# 中试) and the report's own terms. A turn with one has a subject of its own.
_SPECIFIC_TAGS = frozenset({*_NAMED_KIND, "eng", "j", "x"})
# … of those, names that make a short turn stand alone (a place does not: 「中国占几例？」).
_OWN_NAME_TAGS = _SPECIFIC_TAGS - {"ns"}
_MARKERS = re.compile(r"\[\d+(?:[,，、]\s*\d+)*\]")
# A reference mark of the report's own (「学院[9]」) or an empty one left by a quote.
_REFERENCE = re.compile(r"\[\d*\]")
# A figure with a unit in Latin letters (「1.9GW」「200MW」): a measured item opens with it.
_MEASURED = re.compile(r"\d+(?:\.\d+)?[A-Za-z]+")
# A figure with a decimal point (「1.9GW」「2.5%」): its 「1.」 is no item number.
_DECIMAL = re.compile(r"\s*\d+[.．]\d")

# How much of the last answer a kept follow-up searches with: its head, and so many names.
_ANSWER_HEAD = 80
_ANSWER_NAMES = 4

# The kinds of follow-up (`FollowUp.kind`).
NA_NE = "na_ne"
PRONOUN = "pronoun"
TEMPORAL = "temporal"
ORDINAL = "ordinal"
MORE = "more"
BARE_PREDICATE = "bare_predicate"
BARE_FIGURE = "bare_figure"
KINDS = (NA_NE, PRONOUN, TEMPORAL, ORDINAL, MORE, BARE_PREDICATE, BARE_FIGURE)

Analyse = Callable[[str], "Sequence[Term]"]


@dataclass(frozen=True)
class Earlier:
    """The conversation so far, as a follow-up may point at it."""

    question: str  # the last question, itself resolved
    terms: tuple[Term, ...]
    answer: str  # the last answer's text, citation markers removed
    quotes: tuple[str, ...] = ()  # the last answer's citation quotes
    # Every earlier answer with its quotes, newest first: where an ordinal's list may be.
    lists: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # … and how many items the question before each asked for (「哪两个判断」 → 2; 0: none).
    counts: tuple[int, ...] = ()
    # … and those questions themselves (their words trim a list's first item).
    asked: tuple[str, ...] = ()
    # The X of a last turn that was itself 「那X呢？」: the next 「Y呢？」 takes its place.
    pointed: str = ""


def _user_questions(history: Sequence[Turn]) -> list[str]:
    return [t.content for t in history if t.role == "user" and t.content.strip()]


def _last_answer(history: Sequence[Turn]) -> Turn | None:
    answers = [t for t in history if t.role == "assistant"]
    return answers[-1] if answers else None


def _named_kinds(terms: Sequence[Term]) -> set[str]:
    return {_NAMED_KIND[t.tag] for t in terms if t.tag in _NAMED_KIND}


def _asks_figure(question: str, lexicon: Lexicon) -> bool:
    return lexicon.question.intents["figure"].search(question)


# ----------------------------------------------------------------------- deciding


def _kind(question: str, own: Sequence[Term], before: Sequence[Term], lexicon: Lexicon) -> str:
    """The kind of follow-up a turn is, or `STANDALONE` (see the module docstring).

    A turn about the report itself (「这份报告…」「报告…」) or one of its tables (「表2…」)
    stands alone; so does one that opens with a weak pointer (「那…」) but asks its own
    question about enough words of its own, and one that names something specific.
    """
    patterns, followup = lexicon.patterns, lexicon.question.followup
    if patterns.document_deixis.match(question) or patterns.table_ref.search(question):
        return STANDALONE
    if _named_after_connective(question, own, lexicon):
        return STANDALONE
    specific = any(t.tag in _SPECIFIC_TAGS for t in own)
    # 「还有呢？」「还有别的风险吗？」「具体说说」: more of what the last answer said.
    if (patterns.more_start.match(question) or patterns.more_phrase.search(question)) and not (
        specific
    ):
        return STANDALONE if _asks_own_figure(question, own, lexicon) else MORE
    if patterns.followup_ordinal.match(question):
        return ORDINAL
    if patterns.followup_temporal.search(question) and not patterns.year.search(question):
        return TEMPORAL
    if patterns.demonstrative_subject.match(question):
        return BARE_PREDICATE
    if patterns.followup_pronoun.match(question) or patterns.anaphoric_start.match(question):
        return PRONOUN
    short = len(question.rstrip("？?！!。")) <= 8
    if question.rstrip("？?").endswith(followup.ask_particle) and (
        short or len(question) <= 12 or patterns.elliptical_start.match(question)
    ):
        return NA_NE
    if patterns.elliptical_start.match(question):
        return _after_pointer(question, own, specific, lexicon)
    bare = BARE_FIGURE if _asks_figure(question, lexicon) else BARE_PREDICATE
    if any(t.tag in _OWN_NAME_TAGS for t in own) and patterns.question_word.search(question):
        return STANDALONE  # 「金斯瑞哪年成立的？」: a name of its own, asked about
    if len(own) <= 1 or short:
        return bare
    # 「覆盖哪些企业？」 after 「苏州的科惠保…」: no subject of its own, the earlier one holds.
    # A year of its own places the turn (「2015年…进口了多少」).
    # A turn with its own subject before its predicate (「首台套保险是哪年开始试点的？」)
    # stands alone, however few its words.
    subjectless = (
        len(own) <= followup.pointers.subjectless_terms
        and not subject_of(question, own, lexicon)
        and not patterns.year.search(question)
        and not any(t.tag in _SPECIFIC_TAGS for t in own)
        and any(t.tag in _SPECIFIC_TAGS for t in before)
    )
    return bare if subjectless else STANDALONE


def _after_pointer(question: str, own: Sequence[Term], specific: bool, lexicon: Lexicon) -> str:
    """The kind of a turn opening with a weak pointer (「那…」) and no 「呢」.

    A question with words enough of its own stands alone (「那人体临床试验是谁来审核的？」
    「那债务率的国际警戒线是多少？」); a shorter one asking a figure asks it of the same case
    (「那保障金额是多少万元？」, a bare figure) unless it names something specific of its own.
    """
    patterns = lexicon.patterns
    hints = (patterns.hint_unit, patterns.hint_count, patterns.hint_percent)
    # The unit asked in (「多少万元」) says what kind of figure, not what it is of.
    asked_in = "".join(m.group(0) for h in hints for m in h.finditer(question))
    content = [t for t in own if t.text not in asked_in]
    enough = len(content) >= lexicon.question.followup.pointers.standalone_terms
    if enough and patterns.question_word.search(question):
        return STANDALONE
    if not specific and any(
        h.search(question) for h in (*hints, patterns.hint_money, patterns.hint_size)
    ):
        return BARE_FIGURE
    return NA_NE


def _named_after_connective(question: str, own: Sequence[Term], lexicon: Lexicon) -> bool:
    """「还有，乌兹别克斯坦总人口多少？」「那凯世通是哪年成立的？」: a connective, then a
    question whose subject is a name of its own and which asks about it: a new question.

    After 「那」 alone the name must not be a place (「那美国是哪年批准的？」 swaps the
    place of the last question and keeps its object); after a connective set off by a
    comma (「还有，…」「另外，…」) any name opens a clause of its own. A turn with 「呢」,
    a pronoun, a time pointer or a 「别的」 still leans on the conversation.
    """
    patterns = lexicon.patterns
    lead = patterns.more_start.match(question) or patterns.elliptical_start.match(question)
    if lead is None:
        return False
    rest = question[lead.end() :].lstrip()
    body = rest.lstrip("，,、").lstrip()
    if (
        not body
        or lexicon.question.followup.ask_particle in body
        or patterns.followup_pronoun.match(body)
        or patterns.followup_temporal.search(question)
        or patterns.more_phrase.search(question)
        or not patterns.asking_word.search(body)
    ):
        return False
    if len(body) < len(rest):
        # Set off by a comma, the clause is a question of its own when it names something,
        # dates itself or has words enough (「还有，2015年石油对外依存度是多少？」).
        return (
            any(t.tag in _SPECIFIC_TAGS and body.startswith(t.text) for t in own)
            or bool(patterns.year.search(body))
            or len(own) >= lexicon.question.followup.pointers.standalone_terms
        )
    return any(t.tag in _OWN_NAME_TAGS and body.startswith(t.text) for t in own)


def _asks_own_figure(question: str, own: Sequence[Term], lexicon: Lexicon) -> bool:
    """「其他所有制工业企业的已获利息保障倍数是多少？」: a figure asked of words enough of the
    turn's own, not 「还有别的吗？」; 「其他」 starts a name there, not a request for more."""
    followup = lexicon.question.followup
    body = question.rstrip("？?！!。 ")
    return (
        _asks_figure(question, lexicon)
        and len(own) >= followup.pointers.standalone_terms
        and not body.endswith(tuple(followup.final_particles))
    )


def turn_features(
    question: str, own: Sequence[Term], before: Sequence[Term], lexicon: Lexicon
) -> tuple[float, ...]:
    """The features the fitted veto reads (`rag.followup_model.FEATURES`, in order).

    Cheap (the turn's terms are already tagged): pointer words and where they stand,
    the turn's length, words, names and subject, its question word, whether it is about
    the report itself, and how many of its nouns the earlier turn had.
    """
    patterns, pointers = lexicon.patterns, lexicon.question.followup.pointers
    body = question.rstrip("？?！!。 ")
    pointer_start = bool(patterns.elliptical_start.match(question))
    strong = bool(
        patterns.anaphoric_start.match(question)
        or patterns.followup_pronoun.match(question)
        or patterns.demonstrative_subject.match(question)
    )
    more = bool(patterns.more_start.match(question) or patterns.more_phrase.search(question))
    temporal = patterns.followup_temporal.search(question)
    ordinal = bool(patterns.followup_ordinal.match(question))
    # 「…是哪年？同一年…」「…哪年开始的，当时…」: the pointer leans on the turn's own clause.
    clause = re.search(r"[，,？?；;]", body)
    after_clause = bool(temporal and clause and clause.start() < temporal.start())
    nouns = [t for t in own if t.factor >= 1.0]
    earlier = {t.text for t in before}
    overlap = sum(t.text in earlier for t in nouns) / len(nouns) if nouns else 0.0
    return (
        float(pointer_start),
        float(strong),
        float(more),
        float(bool(temporal) and not patterns.year.search(question)),
        float(ordinal),
        float(after_clause),
        min(len(body), 40) / 20.0,
        min(len(own), 8) / 4.0,
        min(len(nouns), 8) / 4.0,
        float(any(t.tag in _SPECIFIC_TAGS for t in own)),
        float(any(t.tag in _OWN_NAME_TAGS for t in own)),
        float(bool(subject_of(question, own, lexicon))),
        float(bool(patterns.question_word.search(question))),
        float(any(word in question for word in pointers.document_nouns)),
        overlap,
        float(body.endswith(lexicon.question.followup.ask_particle)),
        float(len(re.findall(r"[，,？?；;]", body))),
        float(bool(patterns.year.search(question))),
        float(len(body) <= 8),
    )


# ---------------------------------------------------------------------- referents


def subject_of(question: str, terms: Sequence[Term], lexicon: Lexicon) -> str:
    """The question's subject: its text from the first noun to the last noun before the
    predicate (its first verb, question word or copula). 「苏州高新区那个科惠保一共覆盖了
    几家企业？」 → 「苏州高新区那个科惠保」."""
    patterns = lexicon.patterns
    body = patterns.followup_pronoun.sub("", question, count=1)
    body = patterns.elliptical_start.sub("", body, count=1)
    ends = [len(body)]
    asked = patterns.question_word.search(body)
    if asked:
        ends.append(asked.start())
    copula = body.find(lexicon.question.copula)
    if copula > 0:
        ends.append(copula)
    placed = [(at, t) for t in terms if (at := body.find(t.text)) >= 0]
    nouns = [at for at, t in placed if t.factor >= 1.0]
    if not nouns:
        return ""
    # The first verb after the first noun ends the subject (「首台套保险」 keeps 首台).
    cut = min(ends + [at for at, t in placed if t.factor < 1.0 and at > min(nouns)])
    spans = [(at, at + len(t.text)) for at, t in placed if at + len(t.text) <= cut]
    if not any(at in nouns for at, _ in spans):
        return ""
    return body[min(s for s, _ in spans) : max(e for _, e in spans)].strip("，, ")


def _time_of(earlier: Earlier, lexicon: Lexicon, *, month: bool = False) -> str:
    """The time the last turn named: the first year (with `month`, year and month:
    「2024年1月」) of its question, else of its answer or quotes; "" when none. A time
    the asker named frames the talk; an answer may name other years in passing."""
    pattern = lexicon.patterns.year
    if month:
        pattern = re.compile(
            pattern.pattern + rf"\s*\d{{1,2}}\s*{re.escape(lexicon.numbers.dates.month)}"
        )
    for text in (earlier.question, earlier.answer, *earlier.quotes):
        found = pattern.search(text)
        if found:
            return found.group(0).replace(" ", "")
    return ""


def _after_asked(item: str, asked: str, limit: int) -> str:
    """A first item too long to be one (「迄今开发的三代基因编辑工具锌指核酸酶」) after the
    last two characters it shares with the question that asked for the list (「三代基因
    编辑工具都有哪些」 → 锌指核酸酶); the item as it is when that leaves nothing usable."""
    if len(item) <= limit or not asked:
        return item
    ends = [at + 2 for at in range(len(item) - 1) if item[at : at + 2] in asked]
    rest = item[max(ends) :] if ends else item
    return rest if len(rest) > 1 else item


def _without_asked_ending(items: list[str], asked: str) -> list[str]:
    """The items with the asking question's closing verb taken off the last one
    (「由太阳能、水能…以及生物燃料构成」 asked 「…由哪些构成？」), unless the other items
    end alike (「研发保险、中试保险」 asked 「有哪些保险？」: the ending is theirs)."""
    body = asked.rstrip("？?！!。 ")
    if len(items) < 2 or len(body) < 2:
        return items
    for size in range(min(len(body), len(items[-1]) - 2), 1, -1):
        ending = body[-size:]
        if items[-1].endswith(ending) and not any(i.endswith(ending) for i in items[:-1]):
            return [*items[:-1], items[-1][:-size]]
    return items


def _clean_item(item: str, lexicon: Lexicon, *, first: bool, last: bool, asked: str = "") -> str:
    patterns = lexicon.patterns
    marker = patterns.item_marker.match(item)
    # 「1.9GW的…」 opens with a decimal figure, not with the item number 「1.」.
    if marker and not _DECIMAL.match(item):
        item = item[marker.end() :]
    item = item.strip()
    if first:
        leads = list(patterns.list_lead.finditer(item))
        if leads:
            item = item[leads[-1].end() :]
    if last:
        # 「…保险两大类」「…等」: the count or 「等」 after the last item closes the list; a
        # measured figure the item opens with is its own (「1.9GW的水力发电厂」).
        figure = _MEASURED.match(item)
        closers = "|".join(map(re.escape, lexicon.question.followup.lists.closers)) or "(?!)"
        head, item = (figure.group(0), item[figure.end() :]) if figure else ("", item)
        item = (
            head
            + re.split(rf"[{patterns.counting}{lexicon.numbers.numerals.two}\d]|{closers}", item)[0]
        )
    item = re.split(r"[，,。；;：:（(]", item)[0].strip()
    if first:
        item = _after_asked(item, asked, lexicon.question.followup.lists.max_item_chars)
    return item


def _numbered(text: str, lexicon: Lexicon) -> dict[int, str]:
    """「一是…二是…」「第一，…第二，…」 items of a text, by number (each up to its sentence end)."""
    patterns, numerals = lexicon.patterns, lexicon.numbers.numerals
    marks = list(patterns.enumeration_marker.finditer(text))
    limit = lexicon.question.followup.lists.max_item_chars
    items: dict[int, str] = {}
    if not marks:
        return items
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        end = following.start() if following else len(text)
        body = re.split(r"[。；;\n]", text[mark.end() : end])[0].strip("，,、 ")
        if body:
            items.setdefault(
                numerals.value(mark.group("shi") or mark.group("di")), body[: 3 * limit]
            )
    return items


def _clauses(text: str, count: int) -> list[str]:
    """The last `count` clauses of the text's first sentence that has that many (「…，政策性
    保险仍将发挥作用，商业性保险有望提速」 for 「哪两个判断」), or []."""
    for sentence in split_sentences(text):
        parts = [p.strip() for p in re.split(r"[，,；;]", sentence.rstrip("。！？!?")) if p.strip()]
        if len(parts) >= count:
            return parts[-count:]
    return []


def _joined(sentences: Sequence[str], lexicon: Lexicon, asked: str = "") -> list[str]:
    """The clause that joins short phrases with 、/和 (「分为A和B两大类」): the first
    sentence's that has one (an answer leads with what was asked; the sentences kept
    after it may join other things), the one joining the most within it."""
    patterns = lexicon.patterns
    limit = lexicon.question.followup.lists.max_item_chars
    best: list[str] = []
    joined_after_comma = re.compile(rf"[，,]\s*(?=(?:{patterns.list_separator.pattern}))")
    for sentence in sentences:
        # 「A、B，以及C」: the comma before a joining word does not end the list.
        sentence = joined_after_comma.sub("", sentence)
        for clause in re.split(r"[，,。；;]", sentence):
            parts = patterns.list_separator.split(clause)
            items = [
                _clean_item(p, lexicon, first=n == 0, last=n == len(parts) - 1, asked=asked)
                for n, p in enumerate(parts)
            ]
            while items and not items[-1]:
                items.pop()  # a list cut short by a chunk's end
            items = _without_asked_ending(items, asked)
            if len(items) > len(best) and all(1 < len(i) <= limit for i in items):
                best = items
        if len(best) >= 2:
            return best
    return []


def list_items(answer: str, quotes: Sequence[str], lexicon: Lexicon, asked: str = "") -> list[str]:
    """The items of the list an answer gave, in order ("" where a number is missing).

    Numbered items (「一是」「第一，」, or sentences opening with 「（1）」「1.」) count by
    their numbers; else the first sentence's clause joining short phrases with 、/和.
    `asked` (the question the answer answered) trims a long first item to what follows
    the question's own words.
    """
    patterns = lexicon.patterns
    text = _REFERENCE.sub("", "\n".join([answer, *quotes]))
    numbered = _numbered(text, lexicon)
    if len(numbered) >= 2:
        return [numbered.get(n, "") for n in range(1, max(numbered) + 1)]
    sentences = list(dict.fromkeys(s.strip() for s in split_sentences(text) if s.strip()))
    marked = [s for s in sentences if patterns.item_marker.match(s)]
    if len(marked) >= 2:
        return [i for s in marked if (i := _clean_item(s, lexicon, first=False, last=False))]
    return _joined(sentences, lexicon, asked)


def _nth(match: re.Match[str], lexicon: Lexicon) -> int:
    """The 1-based position an ordinal names; -1 for the last."""
    kinds, numerals = lexicon.question.followup.kinds, lexicon.numbers.numerals
    nth = match.group("nth")
    if nth:
        return int(nth) if nth.isdigit() else numerals.value(nth)
    word = match.group("ordinal")
    for key, position in kinds.first_last.items():
        if word.startswith(key):
            return position
    return 0


# ---------------------------------------------------------------------- resolving


def _ask_again(text: str, lexicon: Lexicon) -> str:
    """A turn without a question word of its own gets 「具体是什么？」."""
    if lexicon.patterns.question_word.search(text):
        return text
    particles = "".join(lexicon.question.followup.final_particles)
    return text.rstrip("？?" + particles).rstrip("，, ") + lexicon.question.followup.kinds.what_ask


def _pronoun(question: str, subject: str, own: Sequence[Term], lexicon: Lexicon) -> str | None:
    """「它是哪年推出的？」 → 「<subject>是哪年推出的？」. A determiner before a noun of the
    turn's own (「这些电站…」) and a pronoun for people (「他们…」, names the last answer
    gave) are not the last subject: those turns are kept as asked."""
    patterns, kinds = lexicon.patterns, lexicon.question.followup.kinds
    found = patterns.followup_pronoun.match(question)
    if not subject:
        return None
    if not found:  # 「后来…」「另一个…」: the subject goes in front
        return subject + question
    pronoun = found.group("pronoun")
    rest = question[found.end() :]
    if pronoun in kinds.person_pronouns:
        return None
    if any(t.factor >= 1.0 and rest.startswith(t.text) for t in own):
        return None
    possessive = pronoun in kinds.possessives and not rest.startswith("的")
    return subject + ("的" if possessive else "") + rest


def _temporal(
    question: str, subject: str, own: Sequence[Term], earlier: Earlier, lexicon: Lexicon
) -> str | None:
    """「当时…」「同一个月它还发了啥？」: the time the last turn named in place of the pointer;
    a pronoun after it stands for the names of the last subject."""
    patterns, kinds = lexicon.patterns, lexicon.question.followup.kinds
    pointer = patterns.followup_temporal.search(question)
    assert pointer is not None
    month = pointer.group(0) in lexicon.question.followup.times.month_words
    time = _time_of(earlier, lexicon, month=month) or (_time_of(earlier, lexicon) if month else "")
    if not time:
        return None
    rest = patterns.followup_temporal.sub("", question, count=1)
    rewritten = patterns.followup_temporal.sub(time, question, count=1)
    pronoun = patterns.followup_pronoun.match(rest)
    if pronoun and subject and pronoun.group("pronoun") not in kinds.person_pronouns:
        named = _named_part(subject, earlier.terms, lexicon)
        return time + named + rest[pronoun.end() :]
    if any(t.tag in _SPECIFIC_TAGS for t in own) or not subject or subject_of(rest, own, lexicon):
        return rewritten
    # 「同一年成立的还有哪家？」 asks for another thing of that time: not the last subject.
    if any(word in rest for word in lexicon.question.followup.times.others_words):
        return rewritten
    return _topic_of(subject, time, lexicon) + rewritten


def _topic_of(subject: str, time: str, lexicon: Lexicon) -> str:
    """The last subject as the topic of a temporal follow-up: without the time, which the
    rewrite names anyway, and without the measure the last turn asked (「全球基因编辑市场
    2017年规模」 → 「全球基因编辑市场」): 「那一年哪块业务份额最大？」 asks its own."""
    topic = subject.replace(time, "") if time else subject
    for kind in sorted(lexicon.evidence.figure_kinds, key=len, reverse=True):
        if topic.endswith(kind) and len(topic) > len(kind):
            return topic[: -len(kind)].rstrip().removesuffix(lexicon.question.asks.of).rstrip()
    return topic


def _ordinal_item(question: str, earlier: Earlier, lexicon: Lexicon) -> tuple[str, str] | None:
    """「第一类具体包括什么？」: (the rewrite, the item) at that position of the list of
    the first earlier answer (`Earlier.lists`, most likely first) that has one."""
    found = lexicon.patterns.followup_ordinal.match(question)
    assert found is not None
    position = _nth(found, lexicon)
    counts = earlier.counts or (0,) * len(earlier.lists)
    asked = earlier.asked or ("",) * max(len(earlier.lists), 1)
    for (answer, quotes), count, question_asked in zip(
        earlier.lists or ((earlier.answer, earlier.quotes),), counts or (0,), asked, strict=False
    ):
        items = list_items(answer, quotes, lexicon, question_asked)
        if not items and count >= 2:
            # 「哪两个判断？」 answered by one sentence: its clauses are the items.
            items = _clauses(_REFERENCE.sub("", answer), count)
        item = (
            items[position - 1 if position > 0 else -1] if 0 < abs(position) <= len(items) else ""
        )
        if not item:
            continue
        # 「第一家呢，创始人都有谁？」: the 「呢，」 after the pointer goes with it.
        particle = re.escape(lexicon.question.followup.ask_particle)
        rest = re.sub(rf"^{particle}[，,\s]+", "", question[found.end() :])
        return _ask_again(item + rest, lexicon), item
    return None


def _ordinal(question: str, earlier: Earlier, lexicon: Lexicon) -> str | None:
    found = _ordinal_item(question, earlier, lexicon)
    return found[0] if found else None


def _measure(question: str, lexicon: Lexicon) -> str:
    """The noun an ordinal counts by (「最后一个阶段」 → 阶段, 「第三条」 → 条), or ""."""
    found = lexicon.patterns.followup_ordinal.match(question)
    if found is None:
        return ""
    kinds, numerals = lexicon.question.followup.kinds, lexicon.numbers.numerals
    word = found.group("ordinal")
    for lead in sorted(kinds.first_last, key=len, reverse=True):
        if word.startswith(lead):
            word = word[len(lead) :]
            break
    else:
        word = re.sub(
            rf"^{re.escape(lexicon.report.parts.ordinal)}(?:[{lexicon.patterns.counting}{numerals.two}]|\d+)",
            "",
            word,
        )
    return word


def _asks_for(question: str, measure: str, lexicon: Lexicon) -> bool:
    """Whether a question asked for a list counted by `measure` (「哪几个阶段」「哪几条」)."""
    nouns = {m for m in (measure, measure[1:]) if m}
    if not nouns:
        return False
    asks = alternation(lexicon.question.followup.lists.set_asks)
    return re.search(f"(?:{asks})(?:{alternation(tuple(nouns))})", question) is not None


def _lists(
    question: str, history: Sequence[Turn], lexicon: Lexicon
) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], tuple[int, ...], tuple[str, ...]]:
    """The earlier answers an ordinal's list may be in, most likely first: answers to a
    question that asked for items of the ordinal's kind (「哪几个阶段」 for 「最后一个阶段」),
    then answers to turns that were not themselves ordinals (an item's own answer is not
    the list), each newest first."""
    measure = _measure(question, lexicon)
    pairs: list[tuple[str, Turn]] = []
    asked = ""
    for turn in history:
        if turn.role == "user":
            asked = turn.content
        elif turn.role == "assistant":
            pairs.append((asked, turn))
    pairs.reverse()
    ordinal = lexicon.patterns.followup_ordinal

    def rank(pair: tuple[str, Turn]) -> int:
        asked_text = pair[0]
        if _asks_for(asked_text, measure, lexicon):
            return 0
        return 2 if ordinal.match(asked_text) else 1

    ranked = sorted(pairs, key=rank)  # stable: newest first within a rank
    lists = tuple((_MARKERS.sub("", t.content), t.quotes) for _, t in ranked)
    counts = tuple(_asked_count(q, lexicon) for q, _ in ranked)
    return lists, counts, tuple(q for q, _ in ranked)


def _asked_count(question: str, lexicon: Lexicon) -> int:
    """How many items a question asks for (「哪两个判断」 → 2), or 0."""
    numerals = lexicon.numbers.numerals
    asks = alternation(lexicon.question.followup.lists.count_asks)
    found = re.search(rf"(?:{asks})([{lexicon.patterns.counting}{numerals.two}]|\d)", question)
    if not found:
        return 0
    raw = found.group(1)
    if raw.isdigit():
        return int(raw)
    return 2 if raw == numerals.two else numerals.value(raw)


def _named_part(subject: str, terms: Sequence[Term], lexicon: Lexicon) -> str:
    """The subject from its first to its last name (「乌兹别克斯坦国土面积」 → 乌兹别克斯坦);
    an organisation's ending stays with its name (「太保产险」)."""
    placed = [(at, t) for t in terms if (at := subject.find(t.text)) >= 0]
    spans = [(at, at + len(t.text)) for at, t in placed if t.tag in _SPECIFIC_TAGS]
    if not spans:
        return subject
    end = max(b for _, b in spans)
    for at, term in placed:
        if at == end and lexicon.patterns.org_ending.search(term.text):
            end = at + len(term.text)
    return subject[min(a for a, _ in spans) : end]


def _bare(
    question: str, subject: str, own: Sequence[Term], earlier: Earlier, lexicon: Lexicon
) -> str | None:
    """「那是谁牵头的？」「人口多少？」: the last subject in front. A turn with a noun of its
    own (人口 after 国土面积) takes only the names of that subject."""
    if any(t.tag.startswith("n") for t in own):
        subject = _named_part(subject, earlier.terms, lexicon)
    if not subject or question.startswith(subject):
        return None
    found = lexicon.patterns.demonstrative_subject.match(question)
    # 「那是谁牵头的？」 → 「<subject>是谁牵头的？」: the demonstrative goes, the copula stays.
    rest = question[found.end() - 1 :] if found else question
    rest = lexicon.patterns.elliptical_start.sub("", rest, count=1) if not found else rest
    return subject + rest


def _shown(history: Sequence[Turn]) -> list[str]:
    """The sentences of the last answer, in order."""
    last = _last_answer(history)
    if last is None:
        return []
    text = _MARKERS.sub("", last.content)
    return [s.strip() for s in split_sentences(text) if s.strip()]


def _given(history: Sequence[Turn]) -> frozenset[str]:
    """The sentences of the last answer, for 「还有呢？」 turns."""
    return frozenset(_shown(history))


def _carried(own: Sequence[Term], before: Sequence[Term]) -> list[str]:
    """The earlier question's terms a 「那X呢？」 turn keeps (a new place replaces the old one)."""
    replaced = _named_kinds(own)
    own_texts = {t.text for t in own}
    return [
        t.text
        for t in before
        if t.text not in own_texts
        and _NAMED_KIND.get(t.tag, "") not in replaced
        # 「苏州那边科惠保…」→「那北京呢？」: the old place's own product goes with it.
        and not ("place" in replaced and t.tag in _CASE_NAME_TAGS)
    ]


def _replaced(new: str, own: Sequence[Term], earlier: Earlier, lexicon: Lexicon) -> Term | None:
    """The earlier question's term a 「那X呢？」 turn's X takes the place of: one of the
    same named kind (苏州 → 北京), one ending alike (第二部分 → 第三部分), or a subject
    of one common noun (水电 → 太阳能)."""
    kinds = _named_kinds(own)
    for term in earlier.terms:
        if _NAMED_KIND.get(term.tag, "") in kinds:
            return term
    alike = [
        t
        for t in earlier.terms
        if len(t.text) >= 2
        and t.text != new
        and t.text[-1] == new[-1]
        and t.text in earlier.question
    ]
    if alike:
        return max(alike, key=lambda t: len(t.text))
    subject = subject_of(earlier.question, earlier.terms, lexicon)
    single = [t for t in earlier.terms if t.text == subject]
    if single and single[0].tag not in _SPECIFIC_TAGS:
        return single[0]
    return None


def _same_shape(new: str, question: str, lexicon: Lexicon) -> str:
    """The earlier question's words shaped like `new` but for its numbers (第二部分 for
    第三部分, 1月 for 7月), or ""."""
    numeral = f"(?:[{lexicon.patterns.counting}{lexicon.numbers.numerals.two}]+|\\d+(?:\\.\\d+)?)"
    parts = re.split(f"({numeral})", new)
    if len(parts) < 3:
        return ""
    shape = "".join(numeral if n % 2 else re.escape(p) for n, p in enumerate(parts))
    found = re.search(f"(?:{shape})", question)
    return found.group(0) if found and found.group(0) != new else ""


def _pointed_at(stripped: str, lexicon: Lexicon) -> str:
    """The X of 「那X呢？」, its pointer already stripped."""
    particles = "".join(lexicon.question.followup.final_particles)
    return stripped.rstrip("？?" + particles).rstrip("，, ")


def _na_ne(question: str, own: Sequence[Term], earlier: Earlier, lexicon: Lexicon) -> str | None:
    """「那北京呢？」: the earlier question again, about the new subject.

    X takes the place of the earlier term it stands beside (`_replaced`); failing that,
    the earlier question's terms are carried in front of it, with the earlier ask. A
    turn with an ask of its own (「那国内呢，有类似成果吗？」) is kept as asked.
    """
    patterns = lexicon.patterns
    stripped = patterns.elliptical_start.sub("", question, count=1).lstrip("，, ")
    if patterns.question_word.search(stripped):
        return None
    # 「那国内呢，有类似成果吗？」: a clause of its own after 「呢，」 asks its own question;
    # glued to the earlier one it would not be a question at all.
    particle = re.escape(lexicon.question.followup.ask_particle)
    if re.search(rf"{particle}[，,]\s*\S", stripped):
        return None
    new = _pointed_at(stripped, lexicon)
    if new and earlier.pointed and earlier.pointed in earlier.question:
        # 「水能呢？」 then 「那合计呢？」: 合计 takes the place 水能 took.
        return earlier.question.replace(earlier.pointed, new, 1)
    shaped = _same_shape(new, earlier.question, lexicon)
    if shaped:
        # 「那第三部分呢？」 after 「第二部分的标题…」, 「7月呢？」 after 「1月…」.
        return earlier.question.replace(shaped, new, 1)
    target = _replaced(new, own, earlier, lexicon) if new else None
    if target is not None:
        text = earlier.question.replace(target.text, new, 1)
        if _NAMED_KIND.get(target.tag) == "place":
            # 「苏州那边科惠保…」→「那北京呢？」: the old place's own product goes with it.
            for term in earlier.terms:
                if term.tag in _CASE_NAME_TAGS:
                    text = text.replace(term.text, "")
        return text
    carried = _carried(own, earlier.terms)
    if not carried:
        return None
    # 「那共保体遴选呢？」 asks the previous question again about a new subject.
    asked = patterns.question_word.search(earlier.question)
    tail = earlier.question[asked.start() :] if asked else ""
    return f"{''.join(carried)}{new}" + (f"，{tail}" if tail else "？")


def _resolve(
    kind: str, question: str, own: Sequence[Term], earlier: Earlier, lexicon: Lexicon
) -> str | None:
    """The rewrite of a follow-up of `kind`, or None when its referent is not found."""
    subject = subject_of(earlier.question, earlier.terms, lexicon)
    if len(subject) > lexicon.question.followup.pointers.max_referent_chars:
        subject = ""
    if kind == PRONOUN:
        return _pronoun(question, subject, own, lexicon)
    if kind == TEMPORAL:
        return _temporal(question, subject, own, earlier, lexicon)
    if kind == ORDINAL:
        return _ordinal(question, earlier, lexicon)
    if kind in (BARE_PREDICATE, BARE_FIGURE):
        return _bare(question, subject, own, earlier, lexicon)
    if kind == NA_NE:
        return _na_ne(question, own, earlier, lexicon)
    return None


def _earlier(
    previous: str,
    history: Sequence[Turn],
    analyse: Analyse,
    lexicon: Lexicon,
    model: FollowupModel | None,
) -> tuple[FollowUp, Earlier]:
    """The previous turn as understood (follow-ups chain), and what a follow-up may
    point at in it."""
    prior = decide_followup(previous, list(history[:-2]), analyse, lexicon, model)
    last = _last_answer(history)
    pointed = ""
    if prior.kind == NA_NE and prior.rewritten:
        stripped = lexicon.patterns.elliptical_start.sub("", previous, count=1).lstrip("，, ")
        pointed = _pointed_at(stripped, lexicon)
    earlier = Earlier(
        pointed=pointed,
        question=prior.resolved,
        terms=tuple(analyse(prior.resolved)) + tuple(analyse(" ".join(prior.context))),
        answer=_MARKERS.sub("", last.content) if last else "",
        quotes=last.quotes if last else (),
    )
    return prior, earlier


def _answer_names(earlier: Earlier, analyse: Analyse) -> list[str]:
    """The first names (`_SPECIFIC_TAGS`) the head of the last answer gives."""
    named = [t.text for t in analyse(earlier.answer[:_ANSWER_HEAD]) if t.tag in _SPECIFIC_TAGS]
    return named[:_ANSWER_NAMES]


def _with_answer_names(prior: FollowUp, earlier: Earlier, analyse: Analyse) -> tuple[str, ...]:
    """The earlier turn's context words and the names the last answer gave."""
    names = [w for w in _answer_names(earlier, analyse) if w not in prior.resolved]
    return tuple(dict.fromkeys([*prior.context, *names]))


def _vetoed(
    model: FollowupModel | None,
    question: str,
    own: Sequence[Term],
    before: Sequence[Term],
    lexicon: Lexicon,
) -> bool:
    """Whether the fitted veto keeps a proposed follow-up standalone (never without one)."""
    return model is not None and model.vetoes(turn_features(question, own, before, lexicon))


def followup_features(
    question: str, history: Sequence[Turn], analyse: Analyse, lexicon: Lexicon
) -> tuple[str, tuple[float, ...]]:
    """The kind the rules give a turn and its features for the veto, as
    `decide_followup` sees them (the data `evals.fit_followup` fits on)."""
    previous = _user_questions(history)
    own = tuple(analyse(question))
    if not previous:
        return STANDALONE, turn_features(question, own, (), lexicon)
    _, earlier = _earlier(previous[-1], history, analyse, lexicon, None)
    kind = _kind(question, own, earlier.terms, lexicon)
    return kind, turn_features(question, own, earlier.terms, lexicon)


# Follow-ups that ask on about what the last answer was about (not for more of it, not
# for a list item, not for another thing of that time): its passages are favoured.
_ON_THE_SAME = frozenset({PRONOUN, BARE_PREDICATE, BARE_FIGURE, NA_NE})


def decide_followup(
    question: str,
    history: Sequence[Turn],
    analyse: Analyse,
    lexicon: Lexicon,
    model: FollowupModel | None = None,
) -> FollowUp:
    """Whether `question` stands alone in this conversation, and if not, what it means.

    `analyse(text)` gives a text's content terms with their part-of-speech tags. The
    decision comes first: a standalone question is returned as asked, never rewritten.
    The rules propose a follow-up kind; `model` (`rag/followup.toml`), when given, may
    veto it: a turn it finds unlikely to lean on the conversation stands alone. A turn
    asking on about the same thing carries what the last answer cited (`FollowUp.cited`).
    """
    decided = _decided(question, history, analyse, lexicon, model)
    if decided.kind not in _ON_THE_SAME:
        return decided
    last = _last_answer(history)
    cited = tuple(dict.fromkeys([*_shown(history), *(last.quotes if last else ())]))
    if decided.kind == NA_NE:
        # 「那X呢？」 asks about X: only what the last answer cited about X is favoured
        # (「中游呢？」 after a passage on 上游 and 中游, not 「合计呢？」 after the 水能 row).
        stripped = lexicon.patterns.elliptical_start.sub("", question, count=1).lstrip("，, ")
        new = _pointed_at(stripped, lexicon)
        cited = tuple(c for c in cited if new and new in c)
    return replace(decided, cited=cited)


def _decided(
    question: str,
    history: Sequence[Turn],
    analyse: Analyse,
    lexicon: Lexicon,
    model: FollowupModel | None,
) -> FollowUp:
    """`decide_followup` before what the last answer cited is added."""
    previous = _user_questions(history)
    if not previous:
        return FollowUp(resolved=question)
    own = tuple(analyse(question))
    prior, earlier = _earlier(previous[-1], history, analyse, lexicon, model)
    kind = _kind(question, own, earlier.terms, lexicon)
    if kind != STANDALONE and _vetoed(model, question, own, earlier.terms, lexicon):
        kind = STANDALONE
    if kind == STANDALONE:
        return FollowUp(resolved=question)
    given, follows = _more_of(kind, question, history, lexicon)
    if kind == ORDINAL:
        # 「第三条呢？」 after 「第一条…」: the list may be in an earlier answer.
        lists, counts, asked = _lists(question, history, lexicon)
        earlier = replace(earlier, lists=lists, counts=counts, asked=asked)
        found = _ordinal_item(question, earlier, lexicon)
        if found and found[0] != question:
            # The item's own sentences follow it in the report (「一是…。具体要…」).
            return FollowUp(ORDINAL, found[0], True, (), frozenset(), (found[1],))
    if kind == MORE and not any(t.factor >= 1.0 for t in own):
        # 「还有呢？」「具体说说」: the last question again, from the last answer and its names.
        searched = _with_answer_names(prior, earlier, analyse)
        return FollowUp(MORE, prior.resolved, True, searched, given, follows)
    rewritten = _resolve(kind, question, own, earlier, lexicon)
    if rewritten and rewritten != question:
        context: tuple[str, ...] = ()
        if kind == TEMPORAL and not given:
            # 「当时国内农业…」: the earlier subject is searched, not shown (unless skipped).
            subject = subject_of(earlier.question, earlier.terms, lexicon)
            context = tuple(
                t.text for t in earlier.terms if t.text in subject and t.text not in rewritten
            )
        return FollowUp(kind, rewritten, True, context, given)
    # No usable referent: the question as asked, retrieval leaning on the earlier words.
    own_texts = {t.text for t in own}
    # Words of the earlier turns; for a pronoun, the names the last answer gave too
    # (「他们是哪个单位的？」 after the authors), and for more of the same.
    words = [t.text for t in earlier.terms]
    if kind in (PRONOUN, MORE):
        # 「还有别的银行支持吗？」 goes on from the passage the last answer quoted: its
        # names bring that passage back.
        words += _answer_names(earlier, analyse)
    kept = tuple(dict.fromkeys(w for w in words if w not in own_texts))
    # Kept as asked, a turn asking for more of its own noun (「还有别的地区吗？」) is
    # answered from the whole report, what was said included; it goes on from it too.
    return FollowUp(kind, question, False, kept, frozenset(), follows)


def _more_of(
    kind: str, question: str, history: Sequence[Turn], lexicon: Lexicon
) -> tuple[frozenset[str], tuple[str, ...]]:
    """What a turn asking for more skips and goes on from: (already given, follows).

    「还有别的…」 skips the sentences the last answer gave and goes on after them;
    「具体说说」「展开讲讲」 goes on after them too but may say them again; a temporal turn
    asking for another thing of that time (「同一个月它还发了啥？」) skips them.
    """
    kinds = lexicon.question.followup.kinds
    given = _given(history)
    if kind == TEMPORAL:
        # 「同一个月它还发了啥通知？」: another thing of that time, not the one just given.
        rest = lexicon.patterns.followup_temporal.sub("", question, count=1)
        return (
            given
            if any(w in rest for w in lexicon.question.followup.times.others_words)
            else frozenset()
        ), ()
    if kind != MORE:
        return frozenset(), ()
    last = _last_answer(history)
    shown = _shown(history)
    follows = tuple(dict.fromkeys([*shown, *(last.quotes if last else ())]))
    elaborate = any(word in question for word in kinds.elaborate_phrases)
    return (frozenset() if elaborate else given), follows


def resolve_followup(
    question: str, history: Sequence[Turn], analyse: Analyse, lexicon: Lexicon
) -> tuple[str, frozenset[str]]:
    """The text a follow-up is searched by, and the sentences already given (「还有呢？」).

    Kept for callers that want text: the rewrite, else the question with its context.
    """
    decided = decide_followup(question, history, analyse, lexicon)
    return search_text(decided), decided.already_given


def search_text(followup: FollowUp) -> str:
    """What retrieval reads: the resolved question, with its context words if any."""
    if not followup.context:
        return followup.resolved
    return f"{followup.resolved} {' '.join(followup.context)}"


__all__ = [
    "KINDS",
    "Earlier",
    "decide_followup",
    "followup_features",
    "list_items",
    "resolve_followup",
    "search_text",
    "subject_of",
    "turn_features",
]
