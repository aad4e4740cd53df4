"""Question normalisation: the cheap, deterministic clean-up before retrieval.

Users paste questions from PDFs, chat apps and IMEs, so the same question
arrives with full-width digits, traditional characters, zero-width spaces or
stray control bytes. Retrieval (BM25 tokens, e5 embeddings) and the citation
check both work on NFKC simplified text, so every question goes through
`normalise_question` first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import opencc  # opencc-python-reimplemented: pure Python, its tables load on first use

EMPTY_MESSAGE = "请输入一个问题。"
NO_TEXT_MESSAGE = "问题里没有可检索的文字，请换个说法。"

# Places where a long question can be cut without splitting a sentence.
_SENTENCE_END = re.compile(r"[。！？!?；;…\n]")
_WHITESPACE = re.compile(r"\s+")


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


@dataclass(frozen=True)
class NormalisedQuestion:
    """A question after normalisation.

    `text` is what retrieval sees; `original` is what the user typed (shown
    back in the UI). `problem` is a Chinese message when there is nothing to
    search for; callers should show it instead of answering.
    """

    text: str
    original: str
    was_truncated: bool = False
    was_traditional: bool = False
    problem: str = ""


@lru_cache(maxsize=1)
def t2s_converter() -> _Converter:
    """The traditional→simplified converter, built on first use and then reused.

    Cached in a function, not at import, so importing this module stays cheap
    and nothing is built for callers that never see Chinese text.
    """
    converter: _Converter = opencc.OpenCC("t2s")
    return converter


def _strip_controls(text: str) -> str:
    # Cc covers NUL and C0/C1 controls, Cf covers zero-width spaces, BOM and
    # bidi marks. Tabs and newlines are whitespace and are collapsed later.
    out = []
    for ch in text:
        if ch in "\t\n\r":
            out.append(" " if ch == "\t" else "\n")
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        out.append(ch)
    return "".join(out)


def _has_searchable_text(text: str) -> bool:
    # Letters (incl. CJK, category Lo) or digits; emoji are So, punctuation P*.
    return any(unicodedata.category(ch)[0] in ("L", "N") for ch in text)


def _truncate(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    # Only cut at a sentence end if it keeps at least half of the budget,
    # otherwise a hard cut loses less of the question.
    if ends and ends[-1] >= max_chars // 2:
        return head[: ends[-1]].rstrip()
    return head.rstrip()


def normalise_question(
    text: str, max_chars: int = 500, converter: _Converter | None = None
) -> NormalisedQuestion:
    """Normalise a user question for retrieval.

    NFKC (full-width digits/letters to half width), drop control and zero-width
    characters, collapse whitespace, truncate at `max_chars` (at a sentence end
    when possible) and convert traditional to simplified Chinese. `converter`
    defaults to the cached OpenCC 't2s' converter.
    """
    original = text if isinstance(text, str) else str(text or "")
    cleaned = _strip_controls(original)
    # Truncate on a generous raw budget first so a pasted 1 MB blob never
    # reaches NFKC/OpenCC; the exact cut happens after normalisation.
    raw_cut = len(cleaned) > max_chars * 4
    cleaned = cleaned[: max_chars * 4]
    cleaned = unicodedata.normalize("NFKC", cleaned)
    cleaned = _WHITESPACE.sub(" ", cleaned).strip()
    if not cleaned:
        return NormalisedQuestion(text="", original=original, problem=EMPTY_MESSAGE)
    if not _has_searchable_text(cleaned):
        return NormalisedQuestion(text="", original=original, problem=NO_TEXT_MESSAGE)
    truncated = _truncate(cleaned, max_chars)
    was_truncated = raw_cut or truncated != cleaned
    conv = converter if converter is not None else t2s_converter()
    simplified = conv.convert(truncated)
    return NormalisedQuestion(
        text=expand_short_years(simplified),
        original=original,
        was_truncated=was_truncated,
        was_traditional=simplified != truncated,
    )


# 「25年5月」「24年那份文件」: colloquial two-digit years. Not 「过去25年」「隔了10年」
# (durations) and not 「90年代」; a month right after the year settles it.
_SHORT_YEAR_RE = re.compile(
    r"(?<![\d.])(?<![近过去这满了达约隔共有第每])([0-4]\d)\s*年"
    r"(?=\s*\d{1,2}\s*月|(?!代|多|来|间|内|龄|半|左右|以上|以下|之久|时间|期限))"
)


def expand_short_years(text: str) -> str:
    """Write colloquial two-digit years (「25年」) as the report does (「2025年」)."""
    return _SHORT_YEAR_RE.sub(lambda m: f"20{m.group(1)}年", text)


def normalise_passage(text: str) -> str:
    """NFKC only: used to compare quotes with passages without changing characters."""
    return unicodedata.normalize("NFKC", text)


def longest_common_run(a: str, b: str) -> int:
    """Length of the longest common substring of two short strings (a plain DP)."""
    best = 0
    previous = [0] * (len(b) + 1)
    for ch in a:
        current = [0] * (len(b) + 1)
        for j, other in enumerate(b, start=1):
            if ch == other:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best
