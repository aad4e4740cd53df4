"""What a report concludes and what it recommends, read off its structure.

The conclusions are stated twice in most reports: in the 摘要, from the sentence that
starts reporting findings (「结果表明」「认为」…; a 摘要 without such a sentence is read
by its paragraphs' first sentences), and in a closing section titled 结论 / 结语 / 总结
(its paragraphs' first sentences, before any list of recommendations). The
recommendations are the items of the section titled 建议 / 对策 …, or of its sub-part
that names the question's topic (「应对风险」 → 「3.2 以预案应对风险」).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.digest import item_heads, positions_under
from rag.enumeration import DocumentUnit
from rag.lexicon import Lexicon
from rag.parts import Part, body_parts

# Sentences taken from the 摘要's findings, and paragraphs read from each source: the
# tuning reports state their findings in two or three sentences.
MAX_CLAIMS = 3
MAX_LEADS = 4
# Two sentences sharing this share of their character pairs say the same thing (the 摘要
# and the closing section often repeat a finding word for word).
SAME_SENTENCE = 0.6
_SENTENCE_END = "。！？!?；;”」』）)"


def abstract_positions(units: Sequence[DocumentUnit], source: str, lexicon: Lexicon) -> list[int]:
    """Positions of the 摘要's sentences: not its 关键词 / DOI / 文章编号 lines, which end
    in no sentence punctuation."""
    abstract = lexicon.report.parts.abstract
    return [
        i
        for i, unit in enumerate(units)
        if unit.chunk.source == source
        and unit.chunk.section_path[:1] == (abstract,)
        and unit.text.rstrip()[-1:] in _SENTENCE_END
    ]


def _starts_paragraph(units: Sequence[DocumentUnit], i: int) -> bool:
    if i == 0 or units[i - 1].chunk.id != units[i].chunk.id:
        return units[i].index == 0
    previous = units[i - 1]
    text = previous.chunk.text
    at = text.find(previous.text)
    rest = text[at + len(previous.text) :] if at >= 0 else "\n"
    return rest.lstrip(" \t").startswith("\n")


def paragraph_leads(
    units: Sequence[DocumentUnit], positions: Sequence[int], limit: int = MAX_LEADS
) -> list[DocumentUnit]:
    """The first sentence of each paragraph among these units, at most `limit`."""
    return [units[i] for i in positions if _starts_paragraph(units, i)][:limit]


def abstract_claims(
    units: Sequence[DocumentUnit], positions: Sequence[int], lexicon: Lexicon
) -> list[DocumentUnit]:
    """The 摘要's findings: from the first sentence that reports one, up to a sentence
    about recommendations; the paragraphs' first sentences when none reports one."""
    patterns = lexicon.patterns
    start = next(
        (k for k, i in enumerate(positions) if patterns.claim_marker.search(units[i].text)), None
    )
    if start is None:
        return paragraph_leads(units, positions)
    claims = []
    for i in positions[start:]:
        if patterns.recommendation_title.search(units[i].text):
            break
        claims.append(units[i])
    return claims[:MAX_CLAIMS]


def part_titled(parts: Sequence[Part], title: re.Pattern[str]) -> Part | None:
    """The last top-level part of the body whose title `title` matches (a conclusion's:
    结论, 结语, 总结 …; recommendations': 建议, 对策 …; problems': 问题, 瓶颈 …)."""
    found = [p for p in body_parts(parts) if title.search(p.title)]
    return found[-1] if found else None


def closing_leads(
    units: Sequence[DocumentUnit], parts: Sequence[Part], lexicon: Lexicon
) -> list[DocumentUnit]:
    """The first sentences of the closing section's paragraphs, before its items."""
    part = part_titled(parts, lexicon.patterns.conclusion_title)
    if part is None:
        return []
    own = positions_under(units, part.path, part.first.source, own=True)
    items = {(u.chunk.id, u.index) for u in item_heads(units, parts, part.path, lexicon)}
    before = []
    for i in own:
        if (units[i].chunk.id, units[i].index) in items:
            break
        before.append(i)
    return paragraph_leads(units, before)


def _pairs(text: str) -> set[str]:
    squashed = "".join(text.split())
    return {squashed[i : i + 2] for i in range(len(squashed) - 1)}


def _distinct(units: Sequence[DocumentUnit]) -> list[DocumentUnit]:
    """The units without one that repeats an earlier one."""
    kept: list[DocumentUnit] = []
    for unit in units:
        pairs = _pairs(unit.text)
        if all(
            len(pairs & (other := _pairs(k.text))) < SAME_SENTENCE * min(len(pairs), len(other))
            for k in kept
        ):
            kept.append(unit)
    return kept


def conclusions(
    units: Sequence[DocumentUnit], parts: Sequence[Part], source: str, lexicon: Lexicon
) -> list[DocumentUnit]:
    """The report's conclusions: the 摘要's findings, then the closing section's leads."""
    claims = abstract_claims(units, abstract_positions(units, source, lexicon), lexicon)
    return _distinct([*claims, *closing_leads(units, parts, lexicon)])


__all__ = [
    "abstract_claims",
    "abstract_positions",
    "closing_leads",
    "conclusions",
    "paragraph_leads",
    "part_titled",
]
