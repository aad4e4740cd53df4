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
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rag.lexicon import Lexicon

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


# Emoji, dingbats and pictographs (from U+2600 on) are decoration; ℃ (U+2103) is not.
_FIRST_PICTOGRAPH = 0x2600
# Markdown emphasis and code marks, HTML tags pasted from a web page or a rich-text
# editor (「<b>债务率</b>」), and a heading or quote marker at the start. A tag starts
# with a Latin letter, so 「<100%」 and 「<=」 stay.
_MARKUP = re.compile(r"\*\*|__|~~|`+|</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_LEADING_MARK = re.compile(r"^\s*(?:#+|>+)\s*")
_CLAUSE_END = re.compile(r"(?<=[，,：:；;])")
_QUESTION_END = re.compile(r"[？?，,。]\s*")


def _is_decoration(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "So":
        return ord(ch) >= _FIRST_PICTOGRAPH
    # Emoji variation selectors and skin-tone modifiers.
    return category in ("Mn", "Sk") and (0xFE00 <= ord(ch) <= 0xFE0F or ord(ch) >= 0x1F3FB)


def _without_preface(text: str, lexicon: Lexicon) -> str:
    """The question without leading clauses about the asker (「我在写材料，想确认下：」)."""
    patterns = lexicon.patterns
    clauses = _CLAUSE_END.split(text)
    while (
        len(clauses) > 1
        and patterns.preface.search(clauses[0])
        and not patterns.question_word.search(clauses[0])
        and any(_has_searchable_text(rest) for rest in clauses[1:])
    ):
        clauses = clauses[1:]
    return "".join(clauses).strip()


def strip_noise(text: str, lexicon: Lexicon) -> str:
    """The question without what users type around it: emoji, Markdown emphasis, HTML tags, English
    filler words in a Chinese question (「quick question」) and leading clauses about the
    asker (「我在写材料，想确认下：」). What remains must still have something to search
    for, else the text is returned as it was."""
    cleaned = "".join(ch for ch in text if not _is_decoration(ch))
    cleaned = _LEADING_MARK.sub("", _MARKUP.sub("", cleaned))
    if re.search(r"[\u4e00-\u9fff]", cleaned):
        cleaned = lexicon.patterns.english_filler.sub("", cleaned)
    cleaned = _WHITESPACE.sub(" ", cleaned).strip(" ，,：:；;、")
    cleaned = _without_closing(_without_preface(cleaned, lexicon), lexicon)
    return cleaned if _has_searchable_text(cleaned) else text


def _without_closing(text: str, lexicon: Lexicon) -> str:
    """The question without a courtesy after it (「…是上海浦东出的吧？谢谢！」): after its
    question mark or a comma, a clause of thanks only."""
    for end in _QUESTION_END.finditer(text):
        rest = text[end.end() :]
        if rest.strip() and lexicon.patterns.closing.fullmatch(rest.strip()):
            return text[: end.end()].rstrip(" ，,")
    return text


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
    text: str, lexicon: Lexicon, max_chars: int = 500, converter: _Converter | None = None
) -> NormalisedQuestion:
    """Normalise a user question for retrieval.

    NFKC (full-width digits/letters to half width), drop control and zero-width
    characters, collapse whitespace, truncate at `max_chars` (at a sentence end
    when possible), convert traditional to simplified Chinese, drop what is typed
    around the question (`strip_noise`) and write two-digit years out
    (`expand_short_years`). `converter` defaults to the cached OpenCC
    't2s' converter.
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
        text=expand_short_years(strip_noise(simplified, lexicon), lexicon),
        original=original,
        was_truncated=was_truncated,
        was_traditional=simplified != truncated,
    )


def expand_short_years(text: str, lexicon: Lexicon) -> str:
    """Write colloquial two-digit years (「25年5月」「24年那份文件」) as the report does
    (「2025年」). Not 「过去25年」「隔了10年」 (durations) and not 「90年代」; a month right
    after the year settles it (`rag.lexicon.patterns.Patterns.short_year`)."""
    year = lexicon.numbers.dates.year
    return lexicon.patterns.short_year.sub(lambda m: f"20{m.group(1)}{year}", text)


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


def char_pairs(text: str) -> list[str]:
    """The adjacent character pairs of `text`, in order (「科技保险」 → 科技, 技保, 保险).

    The one definition of character bigrams: tokens (`rag.tokenize`), evidence overlap
    (`rag.evidence`) and quote support (`rag.verify`) each pick the characters first.
    """
    return [text[i : i + 2] for i in range(len(text) - 1)]
