"""What kind of named thing a question asks for, and whether a passage names one.

「哪家保险公司承保的？」 asks for an insurer's name. A passage that only says
「头部国有保险公司」, or names no insurer at all, cannot answer it, however
well it matches the rest of the question: the report does not say, and the
answerer must refuse rather than quote the nearest sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rag.lexicon import Lexicon
from rag.lexicon.patterns import Patterns
from rag.lexicon.words import alternation
from rag.question import Cue, Question


def name_withheld(question: Question, passage: str, lexicon: Lexicon) -> bool:
    """The question asks for a name the passage deliberately leaves out (「某公司」)."""
    return question.has(Cue.ASKS_NAME) and bool(lexicon.patterns.anonymised.search(passage))


def names_kind(passage: str, kind: str, question: str, lexicon: Lexicon) -> bool:
    """Whether the passage names an entity of this kind that the question does not already name."""
    patterns = lexicon.patterns
    for match in patterns.kind_endings[kind].finditer(passage):
        ending = match.group(0)
        # The name is the run of characters right before the ending, up to a function word.
        before = passage[max(0, match.start() - 8) : match.start()]
        prefix = patterns.name_break.split(before)[-1]
        name = f"{prefix}{ending}"
        if name in question or (prefix and prefix in question):
            # 「星河智造是国内首家…租赁公司」 names the one the question describes: the
            # name is the subject of the copula before the description.
            if _copula_subject(passage[: match.start()], question, lexicon):
                return True
            continue
        if _is_a_name(prefix, ending, lexicon):
            return True
    return False


def _is_a_name(prefix: str, ending: str, lexicon: Lexicon) -> bool:
    """Whether 「prefix + ending」 names an organisation, not a kind of one."""
    names = lexicon.names
    # A bare ending (「银行」) or one qualified only by descriptions is not a name;
    # the endings that are names on their own (国务院, 中共中央, 人保) are.
    if prefix and all(ch in names.generic for ch in prefix):
        return False
    # 「太阳能电池板生产企业」 says what the companies do, not what one is called.
    if prefix.endswith(names.activities):
        return False
    return bool(prefix) or ending in names.standalone


def organisation_names(passage: str, lexicon: Lexicon) -> list[tuple[int, str]]:
    """The organisations the passage names by an ending (「劲嘉股份」「中山大学」), each with
    where it starts; jieba often splits such names (「劲/嘉/股份」)."""
    patterns = lexicon.patterns
    found: list[tuple[int, str]] = []
    for kind in lexicon.names.endings:
        for match in patterns.kind_endings[kind].finditer(passage):
            before = passage[max(0, match.start() - 8) : match.start()]
            prefix = patterns.name_break.split(before)[-1]
            if _is_a_name(prefix, match.group(0), lexicon):
                found.append((match.start() - len(prefix), f"{prefix}{match.group(0)}"))
    return found


# A name is a few characters (「星河智造」「博雅辑因」); a longer subject is a description.
_SUBJECT_CHARS = (2, 8)


def _copula_subject(before: str, question: str, lexicon: Lexicon) -> bool:
    """Whether the clause before a kind word is 「<name>是…」 with a name the question lacks."""
    clause = re.split(r"[，。；！？,;!?\n]", before)[-1]
    subject, copula, _ = clause.partition(lexicon.question.copula)
    subject = lexicon.patterns.name_break.split(subject)[-1].strip()
    low, high = _SUBJECT_CHARS
    return (
        bool(copula)
        and low <= len(subject) <= high
        and subject not in question
        and not all(ch in lexicon.names.generic for ch in subject)
    )


def slot_unfilled(question: Question, passage: str, lexicon: Lexicon) -> bool:
    """The question asks for a named entity of some kind and the passage names none."""
    return any(
        not names_kind(passage, kind, question.text, lexicon) for kind in question.wanted.name_slots
    )


# The role named before 「是谁」 is a noun the tokenizer knows (not a name: 「张三是谁」 asks
# about a person, not for one).
_ROLE_TAGS = ("n", "vn", "b")
_NOT_ROLE_TAGS = ("nr", "ns", "nt", "nz")
# A role is named in a few characters (「创始人」「副主任」「大学教授」).
_ROLE_CHARS = 4


def asked_role(question: Question, lexicon: Lexicon) -> str:
    """The role whose holder the question asks for (「博雅辑因的创始人是谁」 → 创始人,
    「委员会的副主任是谁」 → 副主任), or "": the words right before the asking word,
    back to a function word, at most `_ROLE_CHARS` characters, ending in a noun."""
    asked = lexicon.patterns.asked_who.search(question.text)
    if asked is None:
        return ""
    before = question.text[: asked.start()].rstrip()
    last = next(
        (t for t in reversed(question.terms) if before.endswith(t.text)),
        None,
    )
    if last is None or not last.tag.startswith(_ROLE_TAGS) or last.tag in _NOT_ROLE_TAGS:
        return ""
    role = lexicon.patterns.name_break.split(before)[-1]
    for pointer in lexicon.names.asked.role_pointers:
        role = role.rpartition(pointer)[2] or role
    role = role[-_ROLE_CHARS:]
    return role if len(role) >= 2 else ""


def role_unnamed(question: Question, passage: str, lexicon: Lexicon) -> bool:
    """The question asks who holds a role and the passage never names that role.

    A long role may be named by its head (「大学教授」 by 「教授」); a short one only whole,
    since its head is often another role (「副主任」 is not 「主任」).
    """
    role = asked_role(question, lexicon)
    if not role:
        return False
    named = role if len(role) <= 3 else role[-2:]
    said = lexicon.names.asked.role_said.get(named, ())
    return named not in passage and not any(word in passage for word in said)


def unknown_organisations(question: Question, corpus_has: Callable[[str], bool]) -> list[str]:
    """Organisations the question names (「平安产险」「招商银行」) that the report never mentions.

    The names come from `Question.wanted.organisations`; one is known when the report
    mentions its full name or its brand.
    """
    return [
        name
        for name, brand in question.wanted.organisations
        if not corpus_has(name) and not corpus_has(brand)
    ]


# A foreign name is capitalised and goes on in lower case (「Doudna」「Intellia」「Broad」);
# an acronym (「CRISPR」「ZFN」) names a technique as often as an organisation.
_FOREIGN_NAME_RE = re.compile(r"(?<![A-Za-z/\-])[A-Z][a-z]{2,}(?![A-Za-z\d])")


# The report's own terms (the author block's names among them) are added to jieba's
# dictionary without a tag, so jieba tags them 「x」: one of two or three characters, as
# long as a person's name, may be one (「李扬」).
_REPORT_TERM_TAG = "x"
_NAME_SIZED_RE = re.compile(r"[\u4e00-\u9fff]{2,3}")
_GIVEN_NAME_RE = re.compile(r"[\u4e00-\u9fff]{1,2}")


def agent_unnamed(
    question: Question,
    passage: str,
    lexicon: Lexicon,
    tag: Callable[[str], Sequence[tuple[str, str]]],
) -> bool:
    """The question asks who did something (「是谁开发的」「哪位总统提出的」「谁带队」) and
    the passage names no person or organisation the question does not already name.

    A person is a word `tag` tags as one (`names.asked.agents.person_tags`) or a foreign name; an
    organisation a word tagged as one (`names.asked.agents.tags`) or a name with an
    organisation's ending (「孟山都公司」「中山大学」). 「哪位」 asks for a person.
    """
    patterns, agents = lexicon.patterns, lexicon.names.asked.agents
    person_only = bool(patterns.asked_person.search(question.text))
    if not person_only and not patterns.asked_agent.search(question.text):
        return False
    asked = question.text
    tags = agents.person_tags if person_only else agents.tags
    tagged = list(tag(passage))
    for at, (word, pos) in enumerate(tagged):
        if word in asked:
            continue
        if len(word) == 1:
            # jieba splits some names after the surname (「宋/平凡」): a surname tagged as a
            # person's name, then one or two characters, is a name.
            given = tagged[at + 1][0] if at + 1 < len(tagged) else ""
            if pos in agents.person_tags and _GIVEN_NAME_RE.fullmatch(given):
                return False
            continue
        if pos in tags or (pos == _REPORT_TERM_TAG and _NAME_SIZED_RE.fullmatch(word)):
            return False
    if any(name not in asked for name in _FOREIGN_NAME_RE.findall(passage)):
        return False
    if person_only:
        return True
    return not any(names_kind(passage, kind, asked, lexicon) for kind in lexicon.names.endings)


def place_unnamed(
    question: Question,
    passage: str,
    lexicon: Lexicon,
    tag: Callable[[str], Sequence[tuple[str, str]]],
) -> bool:
    """The question asks where, by a kind of place (「在哪座城市召开的」), and the passage
    names no place (a word `tag` tags as one) that the question does not already name."""
    agents = lexicon.names.asked.agents
    if not agents.places.search(question.text):
        return False
    # The question's own place in a longer form (「乌兹别克斯坦共和国」 for 「乌兹别克斯坦」)
    # or in other words (「中国」 for 「国内」) is not another place.
    own = [t.text for t in question.terms if t.tag in agents.place_tags]
    for scope in lexicon.evidence.premises.scopes:
        if any(word in question.text for word in scope):
            own += scope
    return not any(
        pos in agents.place_tags
        and len(word) > 1
        and word not in question.text
        and not any(place in word for place in own)
        for word, pos in tag(passage)
    )


def _counts_listed(before: str, patterns: Patterns) -> bool:
    """Whether the item listed right before a count (back to its 、) is a count itself."""
    previous = before.rsplit("、", 1)[0].rsplit("、", 1)[-1]
    return bool(patterns.counted_noun.search(previous))


def counted_not_named(question: Question, passage: str, lexicon: Lexicon) -> bool:
    """The passage only counts the things the question asks it to name.

    True when the question asks for items (「具体是哪两个」), the passage counts things
    of the asked kind (「2 个可选险种」), and neither lists them right before the count
    (「财产一切险、产品研发责任险、网络安全保险 3 个必选险种」) nor right after it.
    """
    if not question.has(Cue.ASKS_ITEMS):
        return False
    patterns = lexicon.patterns
    asked = _asked_after_which(question.text, lexicon)
    for match in patterns.counted_noun.finditer(passage):
        # The counted thing must be the asked one: 「可选险种」 is not 「必选险种」, and
        # 「多个染色体位点」 is not what 「是哪些单位做的」 asks for.
        if match.group("noun")[:2] not in (asked or question.text):
            continue
        before = passage[max(0, match.start() - 40) : match.start()]
        joined = patterns.count_joined.search(before)
        # 「12家股份制商业银行、10家城商行」: the 、 before it joins another count, not names.
        listed_before = "、" in before and not _counts_listed(before, patterns)
        if listed_before and not joined:
            continue
        if patterns.count_listed.match(passage[match.end() : match.end() + 4]):
            continue
        # 「三大上市公司Editas、Intellia…」 lists them in the rest of its clause.
        rest = re.split(r"[，,。；;]", passage[match.end() : match.end() + 40])[0]
        if "、" in rest and not patterns.counted_noun.search(rest.split("、")[1]):
            continue
        # 「比较了多个行业，结果表明…例如：…」: a number given without a number may have its
        # items listed later in the sentence.
        if match.group(0).startswith(lexicon.names.counts.vague) and _listed_later(
            passage[match.end() :], lexicon
        ):
            continue
        return True
    return False


# The kind asked for is named in a few characters right after the which-word (「哪些单位」).
_ASKED_KIND_CHARS = 4


def _asked_after_which(question: str, lexicon: Lexicon) -> str:
    """The words right after the question's which-word (「是哪些单位做的」 → 单位做的), or
    "" when none follows it (「具体是哪两个」)."""
    which = alternation(sorted(lexicon.names.asked.which, key=len, reverse=True))
    found = re.search(rf"(?:{which})([\u4e00-\u9fff]{{1,{_ASKED_KIND_CHARS}}})", question)
    return found.group(1) if found else ""


def _listed_later(rest: str, lexicon: Lexicon) -> bool:
    """Whether the rest of the sentence starts a list (「例如：」「包括」)."""
    sentence = re.split(r"[。；;！？!?]", rest, maxsplit=1)[0]
    return bool(lexicon.patterns.listing_later.search(sentence))


__all__ = [
    "agent_unnamed",
    "asked_role",
    "counted_not_named",
    "name_withheld",
    "names_kind",
    "organisation_names",
    "place_unnamed",
    "role_unnamed",
    "slot_unfilled",
    "unknown_organisations",
]
