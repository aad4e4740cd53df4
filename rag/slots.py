"""What kind of named thing a question asks for, and whether a passage names one.

「哪家保险公司承保的？」 asks for an insurer's name. A passage that only says
「头部国有保险公司」, or names no insurer at all, cannot answer it, however
well it matches the rest of the question: the report does not say, and the
answerer must refuse rather than quote the nearest sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.question import GENERIC_NAME_CHARS, Cue, Question

# The asked kind → the name endings that make a passage name one.
_KIND_ENDINGS: dict[str, str] = {
    "insurer": r"产险|财险|寿险|人寿|保险公司|保险集团|人保|太保|平安",
    "bank": r"银行",
    "company": r"公司|集团|企业|有限公司",
    "agency": r"总局|部|委|局|厅|办|院|中心|政府|管委会|中共中央|国务院|实验室|协会",
}
_NAME_BREAK_RE = re.compile(r"[^\u4e00-\u9fffA-Za-z]|[与和及或的了在为由向对将把被从给跟同并等是]")
# 「浙江某新材料科技有限公司」: the report names the entity without its name.
_ANONYMISED_RE = re.compile(r"某[\u4e00-\u9fff]{0,10}?(公司|企业|机构|银行|单位|集团)")


def name_withheld(question: Question, passage: str) -> bool:
    """The question asks for a name the passage deliberately leaves out (「某公司」)."""
    return question.has(Cue.ASKS_NAME) and bool(_ANONYMISED_RE.search(passage))


def names_kind(passage: str, kind: str, question: str) -> bool:
    """Whether the passage names an entity of this kind that the question does not already name."""
    endings = _KIND_ENDINGS[kind]
    for match in re.finditer(rf"(?:{endings})", passage):
        ending = match.group(0)
        # The name is the run of characters right before the ending, up to a function word.
        before = passage[max(0, match.start() - 8) : match.start()]
        prefix = _NAME_BREAK_RE.split(before)[-1]
        name = f"{prefix}{ending}"
        if name in question or (prefix and prefix in question):
            continue
        # A bare ending (「银行」) or one qualified only by descriptions is not a name;
        # the agency endings that are names on their own (国务院, 中共中央) are.
        if prefix and all(ch in GENERIC_NAME_CHARS for ch in prefix):
            continue
        if not prefix and ending not in ("中共中央", "国务院", "人保", "太保", "平安"):
            continue
        return True
    return False


def slot_unfilled(question: Question, passage: str) -> bool:
    """The question asks for a named entity of some kind and the passage names none."""
    return any(not names_kind(passage, kind, question.text) for kind in question.wanted.name_slots)


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


_COUNTED_RE = re.compile(
    r"(?:\d+|[两二三四五六七八九十])\s*(?:个|项|种|类|家|款)\s*(?P<noun>[\u4e00-\u9fff]{2,6})"
)


def counted_not_named(question: Question, passage: str) -> bool:
    """The passage only counts the things the question asks it to name.

    True when the question asks for items (「具体是哪两个」), the passage counts things
    of the asked kind (「2 个可选险种」), and neither lists them right before the count
    (「财产一切险、产品研发责任险、网络安全保险 3 个必选险种」) nor right after it.
    """
    if not question.has(Cue.ASKS_ITEMS):
        return False
    for match in _COUNTED_RE.finditer(passage):
        # The counted thing must be the asked one: 「可选险种」 is not 「必选险种」.
        if match.group("noun")[:2] not in question.text:
            continue
        before = passage[max(0, match.start() - 40) : match.start()]
        joined = re.search(r"(以及|和|及|另有|还有|另)\s*$", before)
        if "、" in before and not joined:
            continue
        if re.match(r"\s*([：:（(]|包括|即|分别|为)", passage[match.end() : match.end() + 4]):
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
