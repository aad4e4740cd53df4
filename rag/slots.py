"""What kind of named thing a question asks for, and whether a passage names one.

「哪家保险公司承保的？」 asks for an insurer's name. A passage that only says
「头部国有保险公司」, or names no insurer at all, cannot answer it, however
well it matches the rest of the question: the report does not say, and the
answerer must refuse rather than quote the nearest sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

# The asked kind → the name endings that make a passage name one.
_KIND_ENDINGS: dict[str, str] = {
    "insurer": r"产险|财险|寿险|人寿|保险公司|保险集团|人保|太保|平安",
    "bank": r"银行",
    "company": r"公司|集团|企业|有限公司",
    "agency": r"总局|部|委|局|厅|办|院|中心|政府|管委会|中共中央|国务院|实验室|协会",
}
_ASKED_KIND_RE = re.compile(
    r"(?:哪家|哪个|哪一家|哪些|哪几家|哪几个|什么)\s*"
    r"(?P<kind>保险公司|险企|保险机构|银行|软件公司|科技公司|公司|企业|部门|机构|单位)"
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
# Words that describe rather than name: 「头部国有保险公司」「大型国有商业银行」.
_GENERIC = set("头部国有大型商业主要相关有关各其他地方当地一些部分多家中小型股份制")


_NAME_BREAK_RE = re.compile(r"[^\u4e00-\u9fffA-Za-z]|[与和及或的了在为由向对将把被从给跟同并等是]")


# 「头部保险公司具体是哪几家？」: the kind before the question word.
_ASKED_KIND_BEFORE_RE = re.compile(
    r"(?P<kind>保险公司|险企|保险机构|银行|软件公司|科技公司|公司|企业|部门|机构|单位)"
    r"[^，,。？?]{0,6}?(?:是|为)?(?:哪家|哪几家|哪些|哪个|哪几个)"
)


def asked_kinds(question: str) -> list[str]:
    """The kinds of named entity the question asks for (insurer, bank, company, agency)."""
    found = [m.group("kind") for m in _ASKED_KIND_RE.finditer(question)]
    if not found:
        found = [m.group("kind") for m in _ASKED_KIND_BEFORE_RE.finditer(question)]
    return [_KIND_OF_WORD[kind] for kind in found]


# 「浙江某新材料科技有限公司」: the report names the entity without its name.
_ANONYMISED_RE = re.compile(r"某[\u4e00-\u9fff]{0,10}?(公司|企业|机构|银行|单位|集团)")
_ASKS_NAME_RE = re.compile(r"(全名|全称|名字|叫什么|叫啥|哪家|哪一家|是谁)")


def name_withheld(question: str, passage: str) -> bool:
    """The question asks for a name the passage deliberately leaves out (「某公司」)."""
    return bool(_ASKS_NAME_RE.search(question)) and bool(_ANONYMISED_RE.search(passage))


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
        if prefix and all(ch in _GENERIC for ch in prefix):
            continue
        if not prefix and ending not in ("中共中央", "国务院", "人保", "太保", "平安"):
            continue
        return True
    return False


def slot_unfilled(question: str, passage: str) -> bool:
    """The question asks for a named entity of some kind and the passage names none."""
    return any(not names_kind(passage, kind, question) for kind in asked_kinds(question))


# jieba tags of words that cannot be a brand: verbs, adverbs, prepositions, pronouns …
_NOT_A_NAME_TAGS = frozenset("vdpcurmqy")
_ORG_ENDING_RE = re.compile(r"(产险|财险|寿险|人寿|银行|证券|集团|保险公司)$")


def unknown_organisations(
    question: str,
    terms: Sequence[str],
    corpus_has: Callable[[str], bool],
    flags: Mapping[str, str] | None = None,
) -> list[str]:
    """Organisations the question names (「平安产险」「招商银行」) that the report never mentions.

    `terms` are the question's content words in order; a name is a term ending in an
    organisation kind, or such a kind word right after the term before it.
    """
    out = []
    for index, term in enumerate(terms):
        if not _ORG_ENDING_RE.search(term):
            continue
        name = term
        if _ORG_ENDING_RE.fullmatch(term):
            previous = terms[index - 1] if index else ""
            if not previous or f"{previous}{term}" not in question:
                continue  # a bare kind word: 「银行」「保险公司」
            if flags and flags.get(previous, "n")[:1] in _NOT_A_NAME_TAGS:
                continue  # 「要求保险公司」: a verb, not a brand
            name = f"{previous}{term}"
        brand = _ORG_ENDING_RE.sub("", name)
        if len(brand) < 2 or all(ch in _GENERIC for ch in brand):
            continue
        if not corpus_has(name) and not corpus_has(brand):
            out.append(name)
    return out


# 「两个可选险种具体是哪两个？」 asks for the items; 「以及 2 个可选险种」 only counts them.
_ASKS_ITEMS_RE = re.compile(
    r"(哪[两二三四五六七八九十几]个|哪[两二三四五六七八九十几]种|哪[两二三四五六七八九十几]家"
    r"|分别是|具体是哪|都是哪|是哪些|有哪些)"
)
_COUNTED_RE = re.compile(
    r"(?:\d+|[两二三四五六七八九十])\s*(?:个|项|种|类|家|款)\s*(?P<noun>[\u4e00-\u9fff]{2,6})"
)


def counted_not_named(question: str, passage: str) -> bool:
    """The passage only counts the things the question asks it to name.

    True when the question asks for items (「具体是哪两个」), the passage counts things
    of the asked kind (「2 个可选险种」), and neither lists them right before the count
    (「财产一切险、产品研发责任险、网络安全保险 3 个必选险种」) nor right after it.
    """
    if not _ASKS_ITEMS_RE.search(question):
        return False
    for match in _COUNTED_RE.finditer(passage):
        # The counted thing must be the asked one: 「可选险种」 is not 「必选险种」.
        if match.group("noun")[:2] not in question:
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
    "asked_kinds",
    "counted_not_named",
    "name_withheld",
    "names_kind",
    "slot_unfilled",
    "unknown_organisations",
]
