"""Questions about a numbered table as a whole: how many rows, which row is first or last.

「表1一共列了多少份政策文件？」「表1里时间最晚的那份是谁发的？」 share no words with
any row: the answer is read off the table itself. A count is stated with every row
cited, so the verifier can check it by counting (`AnswerSentence.counts`); the
earliest or latest row is quoted whole.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.lexicon import Lexicon
from rag.question import Cue, Question
from rag.types import AnswerSentence, Chunk

# How an answer names the earliest / latest row, and how it finds it.
_END_WORDING = {"earliest": ("时间最早", min), "latest": ("时间最晚", max)}


def table_rows(rows: Sequence[Chunk], number: str, lexicon: Lexicon) -> list[Chunk]:
    """The rows of table `number` (「表 1 …」, or 「Tab.1 …」 for a caption the extraction
    lost, is the caption line of their embedded text)."""
    return sorted(
        (r for r in rows if _table_number(r, lexicon) == number), key=lambda r: r.position
    )


def _table_number(row: Chunk, lexicon: Lexicon) -> str:
    """The number its caption gives a row's table ("" for a row of no numbered table)."""
    found = lexicon.patterns.table_caption.match(table_caption(row, lexicon))
    return found.group(1) if found else ""


def table_label(row: Chunk, lexicon: Lexicon) -> str:
    """「表3」 of a row of table 3, as a question names it, whether its caption is labelled
    「表3」 or 「Tab.3」; "" for a row of no numbered table."""
    number = _table_number(row, lexicon)
    return f"{lexicon.report.tables.labels.table}{number}" if number else ""


def table_caption(row: Chunk, lexicon: Lexicon) -> str:
    """「表 1 近年来对科技保险的重大支持政策」 of a table row, or ""."""
    caption = lexicon.patterns.table_caption
    return next((line for line in _lines(row) if caption.match(line)), "")


def table_answer(
    question: Question, rows: Sequence[Chunk], lexicon: Lexicon
) -> tuple[list[AnswerSentence], list[Chunk]] | None:
    """A count or the earliest / latest row of the table the question names, or None.

    Returns the sentences (citing rows by their 1-based position in the returned
    chunk list) and the rows they cite.
    """
    members = _asked_table(question, rows, lexicon)
    if len(members) < 2:
        return None
    # The title without 「表 1」: the answer's own figures must be the ones it checks.
    caption = table_caption(members[0], lexicon)
    title = lexicon.patterns.table_caption.sub("", caption, count=1) or "该表"
    # 「表1里2025年发布了几份」: a year the question names narrows a dated table to its
    # rows of that year; a table with no row of that year answers nothing.
    years = question.wanted.years
    in_years = [r for r in members if (d := _month(r.text, lexicon)) and str(d[0]) in years]
    dated = sum(1 for r in members if _month(r.text, lexicon)) >= 2
    if years and dated:
        if not in_years:
            return None
        members = in_years
    if question.wanted.table_ends:
        # Within a named year one dated row may be the whole answer (「最新的一份是2026年的」).
        least = 1 if years and dated else 2
        return _ends_answer(question.wanted.table_ends, members, title, lexicon, least)
    if not question.has(Cue.ASKS_COUNT):
        return None
    unit = question.wanted.count_unit or "项"
    if years and dated:
        when = "、".join(f"{year} 年" for year in years)
        text = f"「{title}」一表中{when}的共 {len(members)} {unit}。"
        citations = tuple(range(1, len(members) + 1))
        return [AnswerSentence(text, citations, counts=True)], members
    text = f"「{title}」一表共列出 {len(members)} {unit}。"
    citations = tuple(range(1, len(members) + 1))
    return [AnswerSentence(text, citations, counts=True)], members


def asks_about_a_table(question: Question) -> bool:
    """Whether the question names a table, or asks for the first or last row of 「表里」."""
    wanted = question.wanted
    if question.scope.table_number is not None:
        return True
    return bool(wanted.table_ends) and question.has(Cue.POINTS_AT_TABLE)


def _asked_table(question: Question, rows: Sequence[Chunk], lexicon: Lexicon) -> list[Chunk]:
    """The rows of the table the question is about ([] when it names none)."""
    number = question.scope.table_number
    if number is not None:
        return table_rows(rows, number, lexicon)
    if asks_about_a_table(question):
        # 「表里最新的一份」: the one table whose rows carry dates.
        return _only_dated_table(rows, lexicon)
    return []


def _ends_answer(
    ends: Sequence[str], members: Sequence[Chunk], title: str, lexicon: Lexicon, least: int = 2
) -> tuple[list[AnswerSentence], list[Chunk]] | None:
    """The earliest and/or latest rows (ties included), in the order the question asks,
    of at least `least` dated rows."""
    dated = [(d, r) for r in members if (d := _month(r.text, lexicon)) is not None]
    if len(dated) < least:
        return None
    sentences: list[AnswerSentence] = []
    chosen: list[Chunk] = []
    for end in ends:
        which, pick = _END_WORDING[end]
        when = pick(d for d, _ in dated)
        # Rows that share the date are all 「the」 earliest or latest: each is quoted.
        for k, row in enumerate(r for d, r in dated if d == when):
            chosen.append(row)
            text = row.text.strip()
            if k == 0:
                text = f"「{title}」中{which}的是：{text}"
            sentences.append(AnswerSentence(text, (len(chosen),)))
    return sentences, chosen


def _only_dated_table(rows: Sequence[Chunk], lexicon: Lexicon) -> list[Chunk]:
    tables: dict[str, list[Chunk]] = {}
    for row in rows:
        caption = table_caption(row, lexicon)
        if caption and _month(row.text, lexicon) is not None:
            tables.setdefault(caption, []).append(row)
    dated = [caption for caption, members in tables.items() if len(members) >= 2]
    if len(dated) != 1:
        return []
    number = lexicon.patterns.table_caption.match(dated[0])
    return table_rows(rows, number.group(1), lexicon) if number else []


def _month(text: str, lexicon: Lexicon) -> tuple[int, int] | None:
    found = lexicon.patterns.year_month.search(text)
    return (int(found.group(1)), int(found.group(2))) if found else None


def _lines(row: Chunk) -> list[str]:
    return [line.strip() for line in (row.embed_text or "").split("\n")]


__all__ = ["asks_about_a_table", "table_answer", "table_caption", "table_rows"]
