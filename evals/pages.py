"""Page accuracy of citations, checked against a report's line → page map.

The library reports (`../shared/corpora/`) come with `pages/<name>.pages.json`, which
gives for every printed page the range of `.txt` lines on it and whether its last
paragraph may end on the next page (`last_paragraph_may_end_on_next_page`). A citation
is right about its page when the cited range holds the quote:

* every line the quote touches lies on a cited page, where the last line (paragraph) of
  a flagged page N may also be cited as page N+1 (the original may have carried that
  paragraph over);
* and the cited range names no page the quote does not touch (「第1–9页」 for a quote
  on page 3 is not a page citation).

Matching ignores whitespace and width (NFKC), since PDF text extraction moves spaces
and line breaks. A quote that cannot be found in the text gives None (not counted).
"""

from __future__ import annotations

import bisect
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _squash(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())


@dataclass(frozen=True)
class PageMap:
    """A report's text with the printed page of every character (whitespace removed)."""

    squashed: str
    char_pages: tuple[int, ...]  # page of each character of `squashed`
    # Per character: it belongs to the last paragraph of a page whose last paragraph may
    # end on the next page, so that next page is a defensible citation too.
    carried: tuple[bool, ...]

    @classmethod
    def load(cls, text_path: Path, pages_path: Path) -> PageMap:
        """Read `<name>.txt` and `<name>.pages.json`."""
        lines = text_path.read_text(encoding="utf-8").split("\n")
        data = json.loads(pages_path.read_text(encoding="utf-8"))
        return cls.build(lines, data.get("pages") or [])

    @classmethod
    def build(cls, lines: Sequence[str], pages: Sequence[dict]) -> PageMap:
        """From the text's lines and the `pages` list of a pages.json."""
        starts: list[int] = []
        numbers: list[int] = []
        carried_lines: set[int] = set()
        for page in pages:
            if page.get("line_start") is None:
                continue
            starts.append(int(page["line_start"]))
            numbers.append(int(page["page"]))
            if page.get("last_paragraph_may_end_on_next_page") and page.get("line_end"):
                carried_lines.add(int(page["line_end"]))
        order = sorted(range(len(starts)), key=starts.__getitem__)
        starts = [starts[i] for i in order]
        numbers = [numbers[i] for i in order]
        chars: list[str] = []
        char_pages: list[int] = []
        carried: list[bool] = []
        for number, line in enumerate(lines, start=1):
            at = bisect.bisect_right(starts, number) - 1
            page_no = numbers[at] if at >= 0 else (numbers[0] if numbers else 0)
            squashed = _squash(line)
            chars.append(squashed)
            char_pages.extend([page_no] * len(squashed))
            carried.extend([number in carried_lines] * len(squashed))
        return cls("".join(chars), tuple(char_pages), tuple(carried))

    def quote_pages(self, quote: str) -> list[tuple[int, bool]] | None:
        """The (page, carried) pairs of the first occurrence of `quote`, or None."""
        needle = _squash(quote)
        if not needle:
            return None
        at = self.squashed.find(needle)
        if at < 0:
            return None
        span = range(at, at + len(needle))
        return sorted({(self.char_pages[i], self.carried[i]) for i in span})

    def citation_ok(self, quote: str, page_start: int | None, page_end: int | None) -> bool | None:
        """Whether the cited page range holds the quote (see the module docstring).

        None when the quote is not in the text; a citation without a page is wrong
        (False) when the text has pages.
        """
        pages = self.quote_pages(quote)
        if pages is None:
            return None
        if page_start is None:
            return False
        end = page_end if page_end is not None else page_start
        cited = set(range(page_start, end + 1))
        allowed: set[int] = set()
        for page, carried in pages:
            options = {page, page + 1} if carried else {page}
            if not options & cited:
                return False
            allowed |= options
        return cited <= allowed


@dataclass(frozen=True)
class PageAccuracy:
    """How many citations cite the right pages (`PageMap.citation_ok`)."""

    right: int
    wrong: int
    unlocated: int  # quotes not found in the text: neither right nor wrong

    @property
    def share(self) -> float:
        """Right / (right + wrong); NaN when no citation could be located."""
        checked = self.right + self.wrong
        return self.right / checked if checked else float("nan")


def page_accuracy(pages: PageMap, citations: Iterable[Mapping[str, Any]]) -> PageAccuracy:
    """Check every citation (`Answer.to_json()` citation dicts) against `pages`."""
    right = wrong = unlocated = 0
    for c in citations:
        ok = pages.citation_ok(str(c.get("quote") or ""), c.get("page_start"), c.get("page_end"))
        if ok is None:
            unlocated += 1
        elif ok:
            right += 1
        else:
            wrong += 1
    return PageAccuracy(right, wrong, unlocated)


__all__ = ["PageAccuracy", "PageMap", "page_accuracy"]
