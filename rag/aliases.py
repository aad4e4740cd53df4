"""Colloquial short forms, expanded to the wording the report itself uses.

Readers write 「科技险」「网安险」 for 科技保险 and 网络安全保险, 「险企」 for
保险公司, 「人行」 for 央行. BM25 and the evidence scorer match words, so a question in short forms misses the passage that says the same thing in full.
Expansion is corpus-driven: a short form is rewritten only when the report
never uses it and does use the full form, so report wording is never changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Short forms common in Chinese finance writing → full forms, tried in order.
_DOMAIN_ALIASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("险企", ("保险公司", "保险机构")),
    ("人行", ("中国人民银行", "人民银行", "央行")),
    ("人民银行", ("央行",)),
    ("国金实验室", ("国家金融与发展实验室",)),
    ("发改委", ("国家发改委", "发展改革委")),
    ("网安", ("网络安全",)),
    # Everyday words for the report's formal ones: 「哪位高校老师」 for 大学…教授.
    ("高校", ("高等院校", "大学")),
    ("老师", ("教授", "研究员")),
)


def expand_aliases(question: str, report_has: Callable[[str], bool]) -> str:
    """The question with short forms the report never uses written out in full.

    `report_has(text)` says whether the report's text contains `text` verbatim.
    """
    for short, fulls in _DOMAIN_ALIASES:
        if short in question and not report_has(short):
            full = next((f for f in fulls if report_has(f)), None)
            if full is not None:
                question = question.replace(short, full)
    return _expand_insurance(question, report_has)


def _expand_insurance(question: str, report_has: Callable[[str], bool]) -> str:
    out: list[str] = []
    last = 0
    for match in re.finditer("险", question):
        at = match.start()
        if at < last + 1 or question[at - 1 : at] in ("保", "风") or at == 0:
            continue
        # The longest stem before 险 whose 「stem保险」 the report uses (科技险 → 科技保险).
        for size in range(min(8, at - last), 1, -1):
            stem = question[at - size : at]
            if not re.fullmatch(r"[\u4e00-\u9fff]+", stem):
                continue
            if report_has(f"{stem}保险") and not report_has(f"{stem}险"):
                out.append(question[last:at])
                out.append("保")
                last = at
                break
    out.append(question[last:])
    return "".join(out)


__all__ = ["expand_aliases"]
