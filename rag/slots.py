"""What kind of named thing a question asks for, and whether a passage names one.

「哪家保险公司承保的？」 asks for an insurer's name. A passage that only says
「头部国有保险公司」, or names no insurer at all, cannot answer it, however
well it matches the rest of the question: the report does not say, and the
answerer must refuse rather than quote the nearest sentence.
"""

from __future__ import annotations

from collections.abc import Callable

from rag.lexicon import Lexicon
from rag.question import Cue, Question


def name_withheld(question: Question, passage: str, lexicon: Lexicon) -> bool:
    """The question asks for a name the passage deliberately leaves out (「某公司」)."""
    return question.has(Cue.ASKS_NAME) and bool(lexicon.patterns.anonymised.search(passage))


def names_kind(passage: str, kind: str, question: str, lexicon: Lexicon) -> bool:
    """Whether the passage names an entity of this kind that the question does not already name."""
    names, patterns = lexicon.names, lexicon.patterns
    for match in patterns.kind_endings[kind].finditer(passage):
        ending = match.group(0)
        # The name is the run of characters right before the ending, up to a function word.
        before = passage[max(0, match.start() - 8) : match.start()]
        prefix = patterns.name_break.split(before)[-1]
        name = f"{prefix}{ending}"
        if name in question or (prefix and prefix in question):
            continue
        # A bare ending (「银行」) or one qualified only by descriptions is not a name;
        # the endings that are names on their own (国务院, 中共中央, 人保) are.
        if prefix and all(ch in names.generic for ch in prefix):
            continue
        if not prefix and ending not in names.standalone:
            continue
        return True
    return False


def slot_unfilled(question: Question, passage: str, lexicon: Lexicon) -> bool:
    """The question asks for a named entity of some kind and the passage names none."""
    return any(
        not names_kind(passage, kind, question.text, lexicon) for kind in question.wanted.name_slots
    )


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


def counted_not_named(question: Question, passage: str, lexicon: Lexicon) -> bool:
    """The passage only counts the things the question asks it to name.

    True when the question asks for items (「具体是哪两个」), the passage counts things
    of the asked kind (「2 个可选险种」), and neither lists them right before the count
    (「财产一切险、产品研发责任险、网络安全保险 3 个必选险种」) nor right after it.
    """
    if not question.has(Cue.ASKS_ITEMS):
        return False
    patterns = lexicon.patterns
    for match in patterns.counted_noun.finditer(passage):
        # The counted thing must be the asked one: 「可选险种」 is not 「必选险种」.
        if match.group("noun")[:2] not in question.text:
            continue
        before = passage[max(0, match.start() - 40) : match.start()]
        joined = patterns.count_joined.search(before)
        if "、" in before and not joined:
            continue
        if patterns.count_listed.match(passage[match.end() : match.end() + 4]):
            continue
        return True
    return False


__all__ = [
    "counted_not_named",
    "name_withheld",
    "names_kind",
    "slot_unfilled",
    "unknown_organisations",
]
