"""What a question about the report's structure is about: its topic terms, and the
heading that names them.

「作者最后提了哪几条政策建议」 and 「这篇研究得出了啥结论」 ask about the report as a
whole; 「作者针对化解风险提了哪几招」 narrows it to what one part is about. The topic
terms are the question's content words less those that only say how it asks
(`[report.summary] generic`: 作者, 结论, 建议, 几条 …), those the report never uses
and, when the clauses that ask name a topic, those of a clause that asks nothing
(「领导让我列一下，…提了哪几招」: the scene, in the asker's words); each counts with its weight in the report (rarer words count more).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from rag.digest import ends_paragraph, positions_under, text_items
from rag.enumeration import DocumentUnit
from rag.extractive import asking_clauses
from rag.lexicon import Lexicon
from rag.parts import Part
from rag.question import Question

Terms = Sequence[tuple[str, float]]

# Share of the topic terms' weight a text must hold to be about the question's topic.
MIN_TOPIC_COVER = 0.5


def _generic(term: str, generic: frozenset[str]) -> bool:
    """A generic word, or one made of generic words and a character (「作者们」「整体判断」)."""
    rest = term
    for word in sorted((g for g in generic if len(g) >= 2 and g in rest), key=len, reverse=True):
        rest = rest.replace(word, "")
    return term in generic or len(rest) < 2


def topic_terms(
    question: Question,
    weight: Callable[[str], float],
    corpus_has: Callable[[str], bool] | None,
    lexicon: Lexicon,
) -> list[tuple[str, float]]:
    """The question's topic terms with their weights in the report (see the module
    docstring); `corpus_has` says whether the report uses a word."""
    generic = lexicon.report.summary.generic
    weigh = question.weigh(weight)
    out = []
    for term in question.terms:
        if _generic(term.text, generic):
            continue
        if corpus_has is not None and not corpus_has(term.text):
            continue
        out.append((term.text, weigh(term.text), term.carried))
    # The clauses that ask name the topic (「领导让我列一下，作者针对化解风险提了哪几招」);
    # when they name none, the clause before them does (「针对完善管护，作者提了哪几条建议」).
    asking = asking_clauses(question, lexicon)
    asked = [(text, w) for text, w, carried in out if carried or text in asking]
    return asked or [(text, w) for text, w, _ in out]


def unknown_topic(
    question: Question, corpus_has: Callable[[str], bool] | None, title: str, lexicon: Lexicon
) -> list[str]:
    """The topic of the clauses that ask, when the report never discusses it: their nouns
    other than the report's subject (words of its `title`), when the report uses none
    of them (「…在人才培养和队伍建设上有啥建议」). One word the report lacks among others it
    uses is the asker's wording (「搞产业联盟、抱团创新」), not another topic. jieba's nz,
    which also tags the asker's qualifiers, is left out, as are the words that only say
    how the question asks."""
    if corpus_has is None:
        return []
    generic = lexicon.report.summary.generic
    asking = asking_clauses(question, lexicon)
    nouns = [
        term.text
        for term in question.terms
        if term.tag.startswith("n")
        and term.tag != "nz"
        and not term.carried
        and len(term.text) >= 2
        and term.text in asking
        and term.text not in title
        and not _generic(term.text, generic)
    ]
    absent = [noun for noun in nouns if not corpus_has(noun)]
    return absent if absent and len(absent) == len(nouns) else []


def cover(terms: Terms, text: str, head_credit: float = 0.0) -> float:
    """Share of the terms' weight found in the text (1 when there are no terms).

    With `head_credit`, a term of three or more characters whose last two (its head) the
    text has counts for that share of its weight (「新能源」 in 「可再生能源」)."""
    total = sum(weight for _, weight in terms)
    if total <= 0:
        return 1.0

    def found(term: str) -> float:
        if term in text:
            return 1.0
        return head_credit if len(term) >= 3 and term[-2:] in text else 0.0

    return sum(weight * found(term) for term, weight in terms) / total


def _text_of(units: Iterable[DocumentUnit]) -> str:
    """The units' text with the titles of the sections they sit in."""
    return "\n".join(f"{' '.join(u.chunk.section_path)}\n{u.text}" for u in units)


def covers_topic(terms: Terms, units: Sequence[DocumentUnit]) -> bool:
    """Whether these units (and their sections' titles) are about the topic."""
    return cover(terms, _text_of(units)) >= MIN_TOPIC_COVER


def headings_for_topic(terms: Terms, parts: Sequence[Part]) -> list[tuple[float, Part]]:
    """The body headings whose title (with its parents') holds at least `MIN_TOPIC_COVER`
    of the topic, with that share: the most first, then the shallower, then the earlier.
    [] when there are no topic terms."""
    if not terms:
        return []
    ranked = []
    for order, part in enumerate(parts):
        if part.front:
            continue
        share = cover(terms, " ".join(part.path))
        if share >= MIN_TOPIC_COVER:
            ranked.append(((share, -part.depth, -order), part))
    ranked.sort(key=lambda r: r[0], reverse=True)
    return [(key[0], part) for key, part in ranked]


def heading_for_topic(terms: Terms, parts: Sequence[Part]) -> Part | None:
    """The heading that holds most of the topic (`headings_for_topic`), or None."""
    ranked = headings_for_topic(terms, parts)
    return ranked[0][1] if ranked else None


def asserts_figures(question: Question) -> bool:
    """Whether the question states a figure or a year of its own, beyond the number of the
    part it names (「文章给了5条建议，第五条讲的啥」 states a premise; 「2025年的…」 a
    constraint): a part's outline answers neither."""
    scope = question.scope
    named = {str(scope.part_number)} if scope.part_number is not None else set()
    if scope.section_number:
        named.add(".".join(str(n) for n in scope.section_number))
    return any(figure not in named for figure in question.wanted.figures)


# A compound named by its head only (「新能源」 for the title's 「可再生能源」) counts for
# this share of its weight.
HEAD_CREDIT = 0.5


def about_whole(terms: Terms, title: str) -> bool:
    """Whether the topic is the report itself: its title holds most of the topic
    (「作者对中国产业竞争力的整体判断」 over 《中国产业国际竞争力…》). A term of three or
    more characters whose last two (its head) the title has counts in part."""
    return cover(terms, title, HEAD_CREDIT) >= MIN_TOPIC_COVER


# An item read whole (its head and the rest of its paragraph), at most this many units.
MAX_ITEM_UNITS = 6


def item_on_topic(
    terms: Terms,
    units: Sequence[DocumentUnit],
    parts: Sequence[Part],
    path: Sequence[str],
    lexicon: Lexicon,
) -> list[DocumentUnit]:
    """The one item in a part's text whose head holds the topic (「（4）健全产业创新生态
    体系。…」 for 「在打造产业创新生态这方面作者建议咋做」), read with the rest of its
    paragraph; [] when none or several do."""
    if not parts or not terms:
        return []
    positions = positions_under(units, path, parts[0].first.source)
    heads = text_items(units, positions, lexicon)
    on_topic = [u for u in heads if cover(terms, u.text) >= MIN_TOPIC_COVER]
    if len(on_topic) != 1:
        return []
    keys = [(units[i].chunk.id, units[i].index) for i in positions]
    at = keys.index((on_topic[0].chunk.id, on_topic[0].index))
    other_heads = {(u.chunk.id, u.index) for u in heads} - {keys[at]}
    item = [units[positions[at]]]
    for key, i in zip(keys[at + 1 :], positions[at + 1 :], strict=True):
        last = item[-1]
        # The paragraph ends at a break inside a passage; a passage's own end is where
        # the chunker cut, and the paragraph may go on in the next passage.
        cut_by_chunker = last.chunk.text.rstrip().endswith(last.text.rstrip())
        if (
            (ends_paragraph(last) and not cut_by_chunker)
            or len(item) >= MAX_ITEM_UNITS
            or key in other_heads
            or units[i].chunk.section_path != last.chunk.section_path
        ):
            break
        item.append(units[i])
    return item


__all__ = [
    "MAX_ITEM_UNITS",
    "MIN_TOPIC_COVER",
    "about_whole",
    "asserts_figures",
    "cover",
    "covers_topic",
    "heading_for_topic",
    "headings_for_topic",
    "item_on_topic",
    "topic_terms",
    "unknown_topic",
]
