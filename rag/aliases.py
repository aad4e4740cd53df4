"""Colloquial short forms, expanded to the wording the report itself uses.

Readers write 「科技险」「网安险」 for 科技保险 and 网络安全保险, 「险企」 for
保险公司, 「人行」 for 央行. BM25 and the evidence scorer match words, so a question in short forms misses the passage that says the same thing in full.
Expansion is corpus-driven: a short form is rewritten only when the report
never uses it and does use the full form, so report wording is never changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from rag.lexicon import Lexicon
from rag.types import Chunk


def report_wording(chunks: Iterable[Chunk]) -> str:
    """The words a report uses: its passages' and its headings' (「…的瓶颈」 may be a
    heading only), for `expand_aliases` to check against."""
    chunks = list(chunks)
    headings = sorted({heading for chunk in chunks for heading in chunk.section_path})
    return "\n".join([*(chunk.text for chunk in chunks), *headings])


def expand_aliases(question: str, report_has: Callable[[str], bool], lexicon: Lexicon) -> str:
    """The question with short forms the report never uses written out in full.

    `report_has(text)` says whether the report's text contains `text` verbatim. The
    short forms and their full forms are `Lexicon.domain.aliases`, tried in order.
    """
    for short, fulls in lexicon.domain.aliases.items():
        if short in question and not report_has(short):
            full = next((f for f in fulls if report_has(f)), None)
            if full is not None:
                question = question.replace(short, full)
    return _expand_insurance(question, report_has, lexicon)


def _expand_insurance(question: str, report_has: Callable[[str], bool], lexicon: Lexicon) -> str:
    """「科技险」 → 「科技保险」 when the report says only the latter."""
    domain = lexicon.domain
    short, full = domain.insurance_short, domain.insurance
    # 「保险」 is already full, and 「风险」 is a risk.
    not_after = (full[: -len(short)], domain.not_insurance)
    out: list[str] = []
    last = 0
    for match in re.finditer(re.escape(short), question):
        at = match.start()
        if at < last + 1 or question[at - 1 : at] in not_after or at == 0:
            continue
        # The longest stem before 险 whose 「stem保险」 the report uses (科技险 → 科技保险).
        for size in range(min(8, at - last), 1, -1):
            stem = question[at - size : at]
            if not re.fullmatch(r"[\u4e00-\u9fff]+", stem):
                continue
            if report_has(f"{stem}{full}") and not report_has(f"{stem}{short}"):
                out.append(question[last:at])
                out.append(full[: -len(short)])
                last = at
                break
    out.append(question[last:])
    return "".join(out)


__all__ = ["expand_aliases", "report_wording"]
