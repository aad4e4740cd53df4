"""Follow-up resolution: an elliptical turn (「那北京呢？」) made a standalone question.

Rule-based, no model: the previous question's key terms are carried into a turn
that has no subject of its own, a new place (person, organisation) replaces the
old one, and a 「还有呢？」 turn asks the previous question again, skipping what
the last answer already said. Called by `rag.question.build_question`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rag.sentence_split import split_sentences
from rag.types import Turn

if TYPE_CHECKING:
    from rag.lexicon import Lexicon
    from rag.question import Term

# jieba tags of names, by kind: a follow-up naming one of a kind drops the earlier one.
_NAMED_KIND = {"ns": "place", "nr": "person", "nt": "organisation", "nz": "organisation"}
# Names jieba knows from the report's own dictionary (科惠保, 银保科技e贷): a case's own.
_CASE_NAME_TAGS = frozenset({"x"})
# Tags of words that name something specific: names, foreign words, abbreviations (人保,
# 中试) and the report's own terms. A turn with one has a subject of its own.
_SPECIFIC_TAGS = frozenset({*_NAMED_KIND, "eng", "j", "x"})

Analyse = Callable[[str], "Sequence[Term]"]


def _user_questions(history: Sequence[Turn]) -> list[str]:
    return [t.content for t in history if t.role == "user" and t.content.strip()]


def _assistant_texts(history: Sequence[Turn]) -> list[str]:
    return [t.content for t in history if t.role == "assistant"]


def _named_kinds(terms: Sequence[Term]) -> set[str]:
    return {_NAMED_KIND[t.tag] for t in terms if t.tag in _NAMED_KIND}


def _is_elliptical(
    question: str, own: Sequence[Term], before: Sequence[Term], lexicon: Lexicon
) -> bool:
    """Whether a turn leans on the one before: it has no subject of its own.

    That is a turn of at most one content word (「利率多少？」「那北京呢？」), a very short
    one, one that ends in 呢, one that starts with a pointer back (「它…」「后来…」; after
    a weak one, 「那…」, only when it does not ask its own question about enough words
    of its own), or one that names nothing specific (a place, a person, an organisation,
    a term of the report) with few words after a turn that did — unless it starts with
    the report itself (「这份报告…」「报告…」) or names one of its tables (「表2…」). A
    standalone question asked in a conversation stays as it is.
    """
    patterns, followup = lexicon.patterns, lexicon.question.followup
    if patterns.document_deixis.match(question) or patterns.table_ref.search(question):
        return False  # about the report itself, or one of its tables
    if len(own) <= 1 or len(question.rstrip("？?！!。")) <= 8:
        return True
    if len(question) <= 12 and question.rstrip("？?").endswith(followup.ask_particle):
        return True
    if patterns.anaphoric_start.match(question):
        return True
    if patterns.elliptical_start.match(question):
        # 「那保障金额是多少万元？」 asks a figure of the same case (a bare figure); it
        # stands alone only when it names something specific of its own. Other questions
        # with enough words of their own stand alone (「那人体临床试验是谁来审核的？」).
        own_ask = patterns.question_word.search(question)
        specific = any(t.tag in _SPECIFIC_TAGS for t in own)
        hints = (
            patterns.hint_unit,
            patterns.hint_count,
            patterns.hint_percent,
            patterns.hint_money,
        )
        bare_figure = not specific and any(hint.search(question) for hint in hints)
        enough = len(own) >= followup.pointers.standalone_terms
        return not (enough and own_ask and not bare_figure)
    # 「覆盖哪些企业？」 after 「苏州的科惠保…」: no subject of its own, the earlier one holds.
    # A year of its own places the turn (「2015年…进口了多少」).
    return (
        len(own) <= followup.pointers.subjectless_terms
        and not patterns.year.search(question)
        and not any(t.tag in _SPECIFIC_TAGS for t in own)
        and any(t.tag in _SPECIFIC_TAGS for t in before)
    )


def _given(history: Sequence[Turn]) -> frozenset[str]:
    """The sentences of the last answer, for 「还有呢？」 turns."""
    given: set[str] = set()
    for text in _assistant_texts(history)[-1:]:
        given.update(s.strip() for s in split_sentences(re.sub(r"\[\d+\]", "", text)))
    return frozenset(given)


def _carried(own: Sequence[Term], before: Sequence[Term]) -> list[str]:
    """The earlier question's terms this turn keeps (a new place replaces the old one)."""
    # 「那北京呢？」 after 「苏州…」: a new place (person, organisation) replaces the old one.
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


def resolve_followup(
    question: str, history: Sequence[Turn], analyse: Analyse, lexicon: Lexicon
) -> tuple[str, frozenset[str]]:
    """Carry the previous turn's key terms into an elliptical follow-up (no LLM).

    `analyse(text)` gives a text's content terms with their part-of-speech tags.
    Returns the resolved question and, for 「还有呢？」-style turns, the sentences
    already given, so that the next answer brings something new.
    """
    previous = _user_questions(history)
    if not previous:
        return question, frozenset()
    own = analyse(question)
    # Resolve the previous question first: follow-ups can chain.
    earlier, _ = resolve_followup(previous[-1], list(history[:-2]), analyse, lexicon)
    before = analyse(earlier)
    patterns = lexicon.patterns
    if not _is_elliptical(question, own, before, lexicon):
        return question, frozenset()
    if patterns.more_start.match(question) and len(own) == 0:
        return earlier, _given(history)
    carried = _carried(own, before)
    if not carried:
        return question, frozenset()
    stripped = patterns.elliptical_start.sub("", question, count=1).lstrip("，, ")
    if not patterns.question_word.search(stripped):
        # 「那共保体遴选呢？」 asks the previous question again about a new subject.
        asked = patterns.question_word.search(earlier)
        tail = earlier[asked.start() :] if asked else ""
        particles = "".join(lexicon.question.followup.final_particles)
        stripped = stripped.rstrip("？?" + particles).rstrip() + (f"，{tail}" if tail else "？")
    return f"{''.join(carried)}{stripped or question}", frozenset()


__all__ = ["resolve_followup"]
