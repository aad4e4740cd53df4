"""「风险主要通过哪些路子传导？概括下」「两国合作可以从哪几方面下手」: a set or
summary question whose topic a heading names is answered by that part's digest."""

from __future__ import annotations

from rag.context import Context
from rag.digest import digest
from rag.draft import Draft
from rag.parts import Part
from rag.question import Cue, Question
from rag.strategies.base import Passages, Strategy, quoted_units
from rag.topics import asserts_figures, headings_for_topic, topic_terms

NAME = "topic_part"

# A heading whose titles hold this share of the topic names it outright; one that holds
# less (but at least half) names it only when the best evidence for the question lies in
# that part. Measured on the tuning reports and the seed: 「政策性科技保险的保费是从哪几块
# 凑出来的」 shares 0.69 with 「三、政策性科技保险取得新进展」 but is answered in 四; the
# questions a part's digest answers share 1.0.
STRONG_TOPIC_COVER = 0.75


def accepts(question: Question, ctx: Context) -> bool:
    asks_set = question.has(Cue.ALL_ITEMS) or question.has(Cue.SUMMARY)
    return asks_set and not question.has(Cue.OUTLINE) and not asserts_figures(question)


def _evidence_path(passages: Passages) -> tuple[str, ...]:
    """The section path of the best sentence evidence for the question (() if none)."""
    draft = passages.sentence_draft
    if draft.refused or not draft.evidence:
        return ()
    chunk_id = draft.evidence[0][0]
    return next((r.chunk.section_path for r in passages.scoped if r.chunk.id == chunk_id), ())


def _named(share: float, part: Part, passages: Passages) -> bool:
    if share >= STRONG_TOPIC_COVER:
        return True
    return _evidence_path(passages)[: part.depth] == part.path


def answer(question: Question, passages: Passages, ctx: Context) -> Draft | None:
    if passages.source is None or passages.part_path:
        return None  # a part the question names is summarised by `part_summary`
    parts = ctx.parts.get(passages.source, ())
    terms = topic_terms(question, passages.weight, passages.scorers[1], ctx.lexicon)
    units = ctx.corpus.units
    for share, part in headings_for_topic(terms, parts):
        if not _named(share, part, passages):
            continue
        if len(digest(units, parts, part.path, ctx.lexicon, with_lead=False)) >= 2:
            return quoted_units(NAME, digest(units, parts, part.path, ctx.lexicon), passages.routed)
    return None


STRATEGY = Strategy(NAME, accepts, answer)
