"""Chinese sentence splitting, shared by the chunker (ingest) and the answerer (rag).

One definition, so a sentence means the same thing when a report is cut into chunks
and when an answer is checked against the sentences it repeats.
"""

from __future__ import annotations

import re

_CJK_END = "。！？；"
_ASCII_END = "!?;"
# Closing quotes and brackets stay with the sentence they close.
_CLOSERS = "”’」』）)】》〕"
_PAIRS = {"“": "”", "「": "」", "『": "』", "（": "）", "‘": "’"}
# A quote longer than this is taken to be unbalanced (e.g. a stray “ in PDF text),
# so it does not stop the sentences after it from being split.
_MAX_QUOTE_CHARS = 300
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _protected(text: str) -> bytearray:
    """Mark positions strictly inside a matched “…” / 「…」 / （…） span."""
    inside = bytearray(len(text))
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if ch in _PAIRS:
            stack.append((_PAIRS[ch], i))
        elif stack and ch == stack[-1][0]:
            _, start = stack.pop()
            if i - start <= _MAX_QUOTE_CHARS:
                inside[start + 1 : i] = b"\x01" * (i - start - 1)
        elif ch in _PAIRS.values():
            # A closer without its opener: drop openers it may have been meant for.
            while stack and stack[-1][0] != ch:
                stack.pop()
            if stack:
                _, start = stack.pop()
                if i - start <= _MAX_QUOTE_CHARS:
                    inside[start + 1 : i] = b"\x01" * (i - start - 1)
    return inside


def _is_end(text: str, i: int) -> bool:
    ch = text[i]
    if ch == "\n" or ch in _CJK_END:
        return True
    if ch in _ASCII_END:
        nxt = text[i + 1 : i + 2]
        # "Q3!" or "x; y" in Latin text is not a Chinese sentence end.
        return bool(nxt) and (bool(_CJK.match(nxt)) or nxt in _CLOSERS)
    return False


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; the spans tile `text` exactly."""
    n = len(text)
    inside = _protected(text)
    spans: list[tuple[int, int]] = []
    start = 0
    i = 0
    while i < n:
        ch = text[i]
        boundary = False
        if ch == "\n" or (not inside[i] and _is_end(text, i)):
            boundary = True
        elif ch in _CLOSERS and not inside[i] and i > 0 and text[i - 1] in _CJK_END + _ASCII_END:
            # “…。” ends at the closing quote, not at the 。 inside it.
            boundary = True
        if boundary:
            j = i + 1
            while j < n and (text[j] in _CLOSERS or text[j] in _CJK_END + _ASCII_END):
                j += 1
            while j < n and text[j] in " \t\u3000\n":
                j += 1
            spans.append((start, j))
            start = i = j
            continue
        i += 1
    if start < n:
        spans.append((start, n))
    return spans


def split_sentences(text: str) -> list[str]:
    """Split Chinese text into sentences.

    A sentence ends at 。！？； (and at ! ? ; when a CJK character follows), at a
    newline, or at a closing quote right after such a mark. Punctuation and
    closing quotes/brackets (”」）) stay with their sentence; a 。 inside a matched
    “…” is not an end. The pieces concatenate back to `text` exactly.
    """
    return [text[a:b] for a, b in sentence_spans(text)]
