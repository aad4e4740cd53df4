"""What the format readers share: their error type and joining of wrapped lines."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.readers import ReadError


class FormatError(ReadError):
    """A report file that exists but cannot be turned into text (corrupt, empty, …)."""


_WORD_END = re.compile(r"[A-Za-z0-9,.;:%)\]]$")
_WORD_START = re.compile(r"^[A-Za-z0-9(\[]")
_ASCII_END = re.compile(r"[A-Za-z0-9%]$")
_ASCII_START = re.compile(r"^[A-Za-z0-9]")
_HAN_END = re.compile(r"[\u4e00-\u9fff]$")
_HAN_START = re.compile(r"^[\u4e00-\u9fff]")
_SPACED = re.compile(r"[A-Za-z0-9%] [\u4e00-\u9fff]|[\u4e00-\u9fff] [A-Za-z0-9]")
_UNSPACED = re.compile(r"[A-Za-z0-9%][\u4e00-\u9fff]|[\u4e00-\u9fff][A-Za-z0-9]")


def spaces_around_latin(texts: Sequence[str]) -> bool:
    """Does this document write a space between Chinese and digits/Latin (「2015 年」)?

    A line break at such a space loses it; knowing the document's habit lets
    `join_wrapped` put it back, so wrapped and unwrapped text read the same.
    """
    spaced = sum(len(_SPACED.findall(t)) for t in texts)
    unspaced = sum(len(_UNSPACED.findall(t)) for t in texts)
    return spaced > unspaced


def join_wrapped(parts: Sequence[str], mixed_space: bool = False) -> str:
    """Join wrapped lines of one paragraph: no space between Chinese, one between words.

    Chinese has no inter-word spaces, so a line break inside Chinese text is deleted;
    a break between two Latin words or numbers was a space and becomes one again, and
    so is a break between Chinese and a digit/Latin word when `mixed_space` is set.
    """
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and (
            (_WORD_END.search(out) and _WORD_START.match(part))
            or (
                mixed_space
                and (
                    (_ASCII_END.search(out) and _HAN_START.match(part))
                    or (_HAN_END.search(out) and _ASCII_START.match(part))
                )
            )
        ):
            out += " "
        out += part
    return out
