"""Page accuracy of citations (evals/pages.py) on a synthetic three-page text."""

from __future__ import annotations

from evals.pages import PageMap, page_accuracy

LINES = [
    "标题行",
    "",
    "第一页的正文段落。",
    "第一页最后一段，可能延续到下一页",
    "第二页的段落。",
    "第三页的段落。",
]
PAGES = [
    {"page": 1, "line_start": 1, "line_end": 4, "last_paragraph_may_end_on_next_page": True},
    {"page": 2, "line_start": 5, "line_end": 5, "last_paragraph_may_end_on_next_page": False},
    {"page": 3, "line_start": 6, "line_end": 6, "last_paragraph_may_end_on_next_page": False},
    {"page": 4, "line_start": None, "line_end": None},
]


def test_exact_page_and_range() -> None:
    pages = PageMap.build(LINES, PAGES)
    assert pages.citation_ok("第二页的段落", 2, 2) is True
    assert pages.citation_ok("第二页的段落", 3, 3) is False
    assert pages.citation_ok("第二页的段落。第三页", 2, 3) is True
    # A wide range is not a page citation.
    assert pages.citation_ok("第二页的段落", 1, 3) is False


def test_carried_paragraph_may_cite_the_next_page() -> None:
    pages = PageMap.build(LINES, PAGES)
    assert pages.citation_ok("最后一段，可能延续", 2, 2) is True
    assert pages.citation_ok("最后一段，可能延续", 1, 1) is True
    # Only the last paragraph of a flagged page carries over.
    assert pages.citation_ok("第一页的正文段落", 2, 2) is False


def test_whitespace_and_width_are_ignored_and_unknown_quotes_are_none() -> None:
    pages = PageMap.build(LINES, PAGES)
    assert pages.citation_ok("第 二 页的\n段落", 2, None) is True
    assert pages.citation_ok("报告里没有的话", 2, 2) is None
    assert pages.citation_ok("第二页的段落", None, None) is False


def test_page_accuracy_counts_right_wrong_and_unlocated_citations() -> None:
    pages = PageMap.build(LINES, PAGES)
    citations = [
        {"quote": "第二页的段落", "page_start": 2, "page_end": 2},
        {"quote": "第三页的段落", "page_start": 3, "page_end": None},
        {"quote": "第三页的段落", "page_start": 1, "page_end": 3},
        {"quote": "第一页的正文段落", "page_start": None, "page_end": None},
        {"quote": "报告里没有的话", "page_start": 2, "page_end": 2},
    ]
    acc = page_accuracy(pages, citations)
    assert (acc.right, acc.wrong, acc.unlocated) == (2, 2, 1)
    assert acc.share == 0.5
    assert page_accuracy(pages, []).share != page_accuracy(pages, []).share  # NaN
