"""`Words`: a word list (and regular-expression alternatives) read as one pattern."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property


def alternation(words: Sequence[str]) -> str:
    """「a|b|c」 of the words, each matched literally."""
    return "|".join(re.escape(word) for word in words)


@dataclass(frozen=True)
class Words:
    """Words (matched literally) and patterns (regular expressions), read as one pattern."""

    words: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()

    def alternation(self) -> str:
        """「a|b|…」: the words, then the patterns."""
        return "|".join([alternation(self.words), *self.patterns] if self.words else self.patterns)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """「(a|b|…)」, compiled."""
        return re.compile(f"({self.alternation()})")

    def search(self, text: str) -> bool:
        """Whether any of the words or patterns occurs in `text`."""
        return self.regex.search(text) is not None


__all__ = ["Words", "alternation"]
