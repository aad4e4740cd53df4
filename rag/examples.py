"""Starter questions for one report, built from its own section headings."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.lexicon import Lexicon

# 「1 研究区域」「2.1 指标」: the numbering of decimal headings, dropped from the topic.
_DECIMAL_NUMBERING = re.compile(r"^[\d.\s]+")
EXAMPLES_PER_REPORT = 3
MAX_TOPIC_CHARS = 24


def heading_topic(heading: str, lexicon: Lexicon) -> str:
    """A heading without its numbering (「一、」, 「1.2」), trimmed to a readable length."""
    topic = lexicon.patterns.heading_prefix.sub("", heading.strip())
    topic = _DECIMAL_NUMBERING.sub("", topic).strip()
    return topic[:MAX_TOPIC_CHARS]


def report_examples(
    headings: Sequence[str], lexicon: Lexicon, limit: int = EXAMPLES_PER_REPORT
) -> tuple[str, ...]:
    """Up to `limit` questions about the report's top-level sections, then one about its
    conclusions; the same wording as the app's start-up examples (`rag.chain`)."""
    topics = [t for t in (heading_topic(h, lexicon) for h in headings) if len(t) >= 2]
    questions = [f"「{topic}」具体指什么？" for topic in dict.fromkeys(topics)][:limit]
    return (*questions, "这份报告的主要结论是什么？")
