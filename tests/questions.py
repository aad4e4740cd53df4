"""Questions for tests: a typed `Question` from text, with a whitespace tokenizer by default.

A whitespace "tokenizer" keeps tests independent of jieba's dictionary; pass `tag`
for part-of-speech tags ("n" for every word without one).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from rag.lexicon import Lexicon, load_lexicon
from rag.question import Language, Question, analyse


@cache
def packaged_lexicon() -> Lexicon:
    """The packaged lexicon, loaded once for the test session (the `lexicon` fixture)."""
    return load_lexicon()


def language(
    cut: Callable[[str], list[str]] | None = None,
    tag: Callable[[str], list[tuple[str, str]]] | None = None,
) -> Language:
    """A Language over the packaged lexicon (whitespace words by default)."""
    return Language(packaged_lexicon(), cut or whitespace_cut, tag)


def whitespace_cut(text: str) -> list[str]:
    """Words split at spaces and the question's own punctuation."""
    return text.replace("？", " ").replace("，", " ").split()


def question_of(
    text: str,
    cut: Callable[[str], list[str]] = whitespace_cut,
    tag: Callable[[str], list[tuple[str, str]]] | None = None,
    *,
    part_titles: frozenset[str] = frozenset(),
) -> Question:
    """The standalone `Question` the answer path would build from `text`."""
    return analyse(text, language(cut, tag), part_titles=part_titles)


def tagger(
    tags: dict[str, str], cut: Callable[[str], list[str]] = whitespace_cut
) -> Callable[[str], list[tuple[str, str]]]:
    """A part-of-speech tagger over `cut`: the given tags, 「n」 for every other word."""

    def tag(text: str) -> list[tuple[str, str]]:
        return [(t, tags.get(t, "n")) for t in cut(text)]

    return tag
