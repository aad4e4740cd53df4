"""Questions about a numbered table as a whole: how many rows, which row is first or last.

「表1一共列了多少份政策文件？」「表1里时间最晚的那份是谁发的？」 share no words with
any row: the answer is read off the table itself. A count is stated with every row
cited, so the verifier can check it by counting (`AnswerSentence.counts`); the
earliest or latest row is quoted whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.types import AnswerSentence, Chunk

_TABLE_REF_RE = re.compile(r"表\s*(\d+)")
_ASKS_COUNT_RE = re.compile(
    r"(多少|几)\s*(份|条|项|个|行|部|种|件)|(一共|总共|总计|共)\s*(有|列|收录|罗列|包括|包含)"
)
_ASKS_LATEST_RE = re.compile(r"(最晚|最新|最近|最后一份|最后那份|最后一条|最后一行)")
_ASKS_EARLIEST_RE = re.compile(r"(最早|最先|第一份|第一条|头一份|最初)")
_POINTS_AT_TABLE_RE = re.compile(r"(表里|表中|表上|政策表|这张表|那张表|表格)")
_MONTH_RE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月")


def table_rows(rows: Sequence[Chunk], number: str) -> list[Chunk]:
    """The rows of table `number` (「表 1 …」 is the caption line of their embedded text)."""
    caption = re.compile(rf"^表\s*{re.escape(number)}(?!\d)")
    return sorted(
        (r for r in rows if any(caption.match(line) for line in _lines(r))),
        key=lambda r: r.position,
    )


def table_caption(row: Chunk) -> str:
    """「表 1 近年来对科技保险的重大支持政策」 of a table row, or ""."""
    return next((line for line in _lines(row) if re.match(r"^表\s*\d+", line)), "")


def table_answer(
    question: str, rows: Sequence[Chunk]
) -> tuple[list[AnswerSentence], list[Chunk]] | None:
    """A count or the earliest / latest row of the table the question names, or None.

    Returns the sentences (citing rows by their 1-based position in the returned
    chunk list) and the rows they cite.
    """
    named = _TABLE_REF_RE.search(question)
    asks_end = bool(_ASKS_EARLIEST_RE.search(question) or _ASKS_LATEST_RE.search(question))
    if named is not None:
        members = table_rows(rows, named.group(1))
    elif asks_end and _POINTS_AT_TABLE_RE.search(question):
        # 「表里最新的一份」: the one table whose rows carry dates.
        members = _only_dated_table(rows)
    else:
        return None
    if len(members) < 2:
        return None
    # The title without 「表 1」: the answer's own figures must be the ones it checks.
    title = re.sub(r"^表\s*\d+\s*", "", table_caption(members[0])) or "该表"
    ends = [
        (found.start(), which, pick)
        for which, pick, pattern in (
            ("时间最早", min, _ASKS_EARLIEST_RE),
            ("时间最晚", max, _ASKS_LATEST_RE),
        )
        if (found := pattern.search(question))
    ]
    if ends:
        dated = [(d, r) for r in members if (d := _month(r.text)) is not None]
        if len(dated) < 2:
            return None
        sentences: list[AnswerSentence] = []
        chosen: list[Chunk] = []
        for _, which, pick in sorted(ends):
            when = pick(d for d, _ in dated)
            # Rows that share the date are all 「the」 earliest or latest: each is quoted.
            for k, row in enumerate(r for d, r in dated if d == when):
                chosen.append(row)
                text = row.text.strip()
                if k == 0:
                    text = f"「{title}」中{which}的是：{text}"
                sentences.append(AnswerSentence(text, (len(chosen),)))
        return sentences, chosen
    counted = _ASKS_COUNT_RE.search(question)
    if counted is None:
        return None
    measure = re.search(r"(?:多少|几)\s*(份|条|项|个|行|部|种|件)", question)
    unit = measure.group(1) if measure else "项"
    text = f"「{title}」一表共列出 {len(members)} {unit}。"
    citations = tuple(range(1, len(members) + 1))
    return [AnswerSentence(text, citations, counts=True)], members


def _only_dated_table(rows: Sequence[Chunk]) -> list[Chunk]:
    tables: dict[str, list[Chunk]] = {}
    for row in rows:
        caption = table_caption(row)
        if caption and _month(row.text) is not None:
            tables.setdefault(caption, []).append(row)
    dated = [caption for caption, members in tables.items() if len(members) >= 2]
    if len(dated) != 1:
        return []
    number = re.match(r"^表\s*(\d+)", dated[0])
    return table_rows(rows, number.group(1)) if number else []


def _month(text: str) -> tuple[int, int] | None:
    found = _MONTH_RE.search(text)
    return (int(found.group(1)), int(found.group(2))) if found else None


def _lines(row: Chunk) -> list[str]:
    return [line.strip() for line in (row.embed_text or "").split("\n")]


__all__ = ["table_answer", "table_caption", "table_rows"]
