"""Answers read off a report's tables: the cells a question names, and the row holding
the highest or lowest value of a column.

「华东区一年保费收入是多少亿元？」 names a row (by a cell of it, 华东区) and a
column (by its header, 保费收入/亿元): the answer is the cell where they cross, written
with its column name so that it reads on its own (「地区 华东区：保费收入/亿元 125。」)
and citing the row. 「哪块的保费收入最低？」 names a column and an extreme: the
answer is the row holding it, citing every row of the table so that the verifier can
check that no other row holds a lower value (`AnswerSentence.extreme`).

How a question names things (no per-report rule; the words are in the lexicon):

* a **row** by any of its cells (own or filled down from a merged cell): the whole
  cell, one of the names a cell lists (「费尔干纳、安集延和纳曼干州」 → 费尔干纳), a
  year the question names (「2015年」 for a 年份 cell), a code with its column's Latin
  letters (「HS66」 for 66 under HS编码), or a rank (「排第一」) in a rank column;
* a **column** by its name without the unit, each part of a two-level name on its
  own (「2015年 RCA」: the year and 「RCA」); a column naming another year than the
  question's is not named;
* an **extreme** by a superlative (`Wanted.extreme`), read against the direction of
  the change the question asks about (「掉得最狠」 in a column of decreases is the
  lowest value).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rag.lexicon import Lexicon
from rag.question import Question
from rag.tabular import Row, Table, cell_value, column_core, is_total_row, row_figures
from rag.textnorm import longest_common_run
from rag.types import AnswerSentence, Chunk, Extreme

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR_CELL = re.compile(r"^((?:19|20)\d{2})\s*年?$")
_LATIN = re.compile(r"[a-z][a-z0-9\-]{2,}")
# A cell longer than this is running text, not a label a question names a row by in part.
MAX_LABEL_CHARS = 24
# A question naming more rows than this names none in particular.
MAX_ROWS = 6
# Exact words count double against a partial match (「科技保险保费收入」 named whole beats
# 「首台套科技保险保费收入」 named in part).
_EXACT = 2
# A column named in part shares at least this run with the question (「客运量」 of
# 「年客运量」; two characters such as 「数量」 are too common to name one).
_MIN_RUN = 3
# A year the question names that a column's name has too.
_YEAR_STRENGTH = 4
# A unit written in Latin letters (MW, GW, kWh): named by a question it occurs in.
_LATIN_UNIT = re.compile(r"[A-Za-z][A-Za-z·\-]{0,5}")
# The longest span of years whose every year a question names (a table's yearly columns
# read across a few years; a decade-long span asks for its change).
_MAX_SPANNED_YEARS = 5


def norm(text: str) -> str:
    """Text as cells and questions are compared: NFKC, lower case, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


@dataclass(frozen=True)
class Reading:
    """What a question names in one table: rows (by the columns in `labels`), columns."""

    table: Table
    rows: tuple[Row, ...]
    labels: frozenset[int]
    columns: tuple[int, ...]
    row_strength: int
    column_strength: int
    caption_strength: int

    @property
    def strength(self) -> int:
        return self.row_strength + self.column_strength + self.caption_strength


# ---------------------------------------------------------------------------- naming


def rank_column_of(table: Table, lexicon: Lexicon) -> int | None:
    """The column ranking the rows (「排名」 holding 1, 2, 3 …), if there is one."""
    words = lexicon.report.tables.rows.rank_columns
    for k, name in enumerate(table.columns):
        if not any(w in name for w in words):
            continue
        values = [cell_value(r.cell(k)) for r in table.rows]
        if values and all(v is not None and v == int(v) for v in values):
            return k
    return None


def _is_code_column(name: str, lexicon: Lexicon) -> bool:
    return any(w in name.lower() for w in lexicon.report.tables.rows.code_columns)


def cell_strength(question: str, cell: str, lexicon: Lexicon) -> int:
    """How fully the (normalised) question names a text cell: the whole cell, one of the
    names it lists, or a Latin word it starts with (「Intellia」); 0 when not at all."""
    text = norm(cell)
    if len(text) < 2 or cell_value(cell) is not None:
        return 0
    if text in question:
        return _EXACT * len(text)
    if len(text) > MAX_LABEL_CHARS:
        return 0  # running text (a document's content), not a label: named only whole
    best = 0
    for part in lexicon.patterns.cell_separator.split(text):
        if len(part) >= 2 and part in question:
            best = max(best, len(part))
    for word in _LATIN.findall(question):
        if len(word) >= 4 and text.startswith(word):
            best = max(best, len(word))
    return best


def _prefix_strength(terms: Sequence[str], cell: str) -> int:
    """A term of the question the cell starts with (「华东」 for 「华东区」): three
    characters or more, or half the cell (「国内」 does not name 「国内首家专注于」)."""
    text = norm(cell)
    if cell_value(cell) is not None:
        return 0
    return max(
        (
            len(t)
            for t in map(norm, terms)
            if len(t) >= 2 and text.startswith(t) and (len(t) >= 3 or 2 * len(t) >= len(text))
        ),
        default=0,
    )


def _value_strength(question: str, years: Sequence[str], name: str, cell: str) -> int:
    """A number cell naming its row: a year the question names, or a code written with
    its column's letters (「HS66」)."""
    year = _YEAR_CELL.match(cell.strip())
    if year is not None:
        return _YEAR_STRENGTH if year.group(1) in years else 0
    letters = re.search(r"[a-z]+", norm(column_core(name.split(" ")[-1])))
    value = norm(cell)
    if letters and value.isdigit():
        code = f"{letters.group(0)}{value}"
        if re.search(rf"{re.escape(code)}(?!\d)", question):
            return len(code)
    return 0


def _row_strengths(
    question: Question, table: Table, lexicon: Lexicon
) -> list[tuple[int, frozenset[int], Row]]:
    """Each row's strength of being named, and the columns that name it."""
    text, years = norm(question.text), _years(question)
    rank_column = rank_column_of(table, lexicon) if question.wanted.column.rank else None
    out = []
    # A cell under another year than the question's does not name its row (「2015年 …HS66」
    # names the row whose 2015 code is 66, not the one whose 2000 code is).
    other_year = {
        k
        for k, name in enumerate(table.columns)
        if years and _YEAR.search(name) and not any(y in name for y in years)
    }
    for row in table.rows:
        total, labels = 0, set()
        for k, cell in enumerate(row.cells):
            name = table.columns[k] if k < len(table.columns) else ""
            if k in other_year:
                continue
            if k == rank_column:
                strength = _YEAR_STRENGTH if cell_value(cell) == question.wanted.column.rank else 0
            else:
                strength = (
                    cell_strength(text, cell, lexicon)
                    or _prefix_strength(question.term_texts, cell)
                    or _value_strength(text, years, name, cell)
                )
            if strength:
                total += strength
                labels.add(k)
        out.append((total, frozenset(labels), row))
    return out


def _years(question: Question) -> tuple[str, ...]:
    return tuple(question.wanted.years) or tuple(_YEAR.findall(question.text))


def named_rows(
    question: Question, table: Table, lexicon: Lexicon
) -> tuple[tuple[Row, ...], frozenset[int], int]:
    """The rows the question names most strongly (ties kept), the columns naming them and
    the strength; no rows when none, or too many, are named."""
    scored = _row_strengths(question, table, lexicon)
    best = max((s for s, _, _ in scored), default=0)
    if best < 2:
        return (), frozenset(), 0
    rows = [(labels, row) for s, labels, row in scored if s == best]
    if len(rows) > MAX_ROWS:
        return (), frozenset(), 0
    labels = frozenset().union(*(labels for labels, _ in rows))
    return tuple(row for _, row in rows), labels, best


def column_strength(question: str, years: Sequence[str], parts: Sequence[str]) -> int:
    """How fully the question names a column, each part of its name on its own (「2015年」
    and 「RCA」): a part naming a year counts when the question names that year, and rules
    the column out when the question names another; a word counts whole, or by its
    longest run shared with the question, or by a Latin word of the question in it
    (「RCA」 in 「RCA2015-RCA2000」)."""
    total = 0
    for part in parts:
        core = norm(column_core(part))
        if not core:
            continue
        year = _YEAR.search(core)
        if year is not None and len(core) <= len(year.group(1)) + 1:
            if years and year.group(1) not in years:
                return 0
            total += _YEAR_STRENGTH if years else 0
            continue
        total += _word_strength(question, core) + _unit_strength(question, part)
    return total


def _unit_strength(question: str, part: str) -> int:
    """A Latin unit the question asks in names the column in that unit (「装机多少MW」,
    「装机容量/MW」), however the question words the measure; not one written after a
    number, which describes the row asked about (「那座200MW电站」)."""
    unit = part[len(column_core(part)) :].strip(" /()（）")
    if not _LATIN_UNIT.fullmatch(unit):
        return 0
    written = re.escape(norm(unit))
    return len(unit) if re.search(rf"(?<![a-z\d.]){written}(?![a-z])", question) else 0


def _word_strength(question: str, core: str) -> int:
    if len(core) >= 2 and core in question:
        return _EXACT * len(core)
    best = 0
    if len(core) >= 3:
        run = longest_common_run(question, core)
        best = run if run >= _MIN_RUN and 2 * run >= len(core) else 0
    for word in _LATIN.findall(question):
        if word in core:
            best = max(best, len(word))
    return best


def _spanned_years(question: Question, lexicon: Lexicon) -> tuple[str, ...]:
    """The years the question names, each year of a short span among them: 「2014到2016年
    分别是多少」 asks the 2015 column too. A longer span (「2000—2015年间」) asks about the
    change over it, and names its two ends only."""
    years = list(_years(question))
    for first, last in lexicon.patterns.year_range.findall(question.text):
        if int(first) < int(last) <= int(first) + _MAX_SPANNED_YEARS:
            years += [str(y) for y in range(int(first), int(last) + 1)]
    return tuple(dict.fromkeys(years))


def named_columns(
    question: Question, table: Table, lexicon: Lexicon, skip: frozenset[int] = frozenset()
) -> tuple[tuple[int, ...], int]:
    """The columns the question names most strongly (ties kept), and the strength."""
    text, years = norm(question.text), _spanned_years(question, lexicon)
    scored = [
        (column_strength(text, years, parts), k)
        for k, parts in enumerate(table.parts)
        if k not in skip
    ]
    best = max((s for s, _ in scored), default=0)
    if best < 2:
        return (), 0
    # Columns named half as strongly as the best are named too (「2000年 …排第一的是哪个HS
    # 编码，占比多少」: the year's code and its share).
    return tuple(k for s, k in scored if 2 * s >= best and s >= 2), best


def caption_strength(question: Question, table: Table) -> int:
    """How many characters of the question's terms the table's caption holds."""
    caption = norm(table.caption)
    return sum(len(t) for t in question.term_texts if len(t) >= 2 and norm(t) in caption)


def read_table(question: Question, table: Table, lexicon: Lexicon) -> Reading:
    """What the question names in this table."""
    rows, labels, row_strength = named_rows(question, table, lexicon)
    columns, strength = named_columns(question, table, lexicon, labels)
    return Reading(
        table, rows, labels, columns, row_strength, strength, caption_strength(question, table)
    )


def best_reading(question: Question, tables: Sequence[Table], lexicon: Lexicon) -> Reading | None:
    """The table whose rows the question names, most strongly (its caption breaks ties)."""
    readings = [read_table(question, t, lexicon) for t in tables]
    named = [r for r in readings if r.rows]
    if not named:
        return None
    return max(named, key=lambda r: (r.strength, r.row_strength))


def names_a_column(question: Question, tables: Sequence[Table]) -> bool:
    """Whether some table has a column the question names by its words (not a year only)."""
    text = norm(question.text)
    return any(
        sum(_word_strength(text, norm(column_core(p))) for p in parts if not _YEAR.search(p)) >= 2
        for table in tables
        for parts in table.parts
    )


def other_readings(
    question: Question, best: Reading, tables: Sequence[Table], lexicon: Lexicon
) -> list[Reading]:
    """Other tables the question asks the same of (「船舶和机械两类的…各是多少」): each names
    rows and the same columns as the best, and its caption holds a term of the question
    the best's does not."""
    held = norm(best.table.caption)
    asked = {best.table.columns[k] for k in best.columns}
    out = []
    for table in tables:
        if table is best.table:
            continue
        reading = read_table(question, table, lexicon)
        if not reading.rows or {table.columns[k] for k in reading.columns} != asked:
            continue
        caption = norm(table.caption)
        own = [t for t in question.term_texts if len(t) >= 2 and norm(t) in caption]
        if any(norm(t) not in held for t in own):
            out.append(reading)
    return out


def date_columns(reading: Reading, lexicon: Lexicon) -> tuple[int, ...]:
    """The columns whose cells in the named rows are dates (「2006年」「2024 年 1 月」):
    what a date question asks of a row when it names no column (「哪年成立的」)."""
    dates = lexicon.patterns.year_month
    year = lexicon.numbers.dates.year
    out = []
    for k in range(len(reading.table.columns)):
        cells = [row.cell(k).strip() for row in reading.rows]
        if k in reading.labels or not all(cells):
            continue
        if all((_YEAR_CELL.match(c) and c.endswith(year)) or dates.fullmatch(c) for c in cells):
            out.append(k)
    return tuple(out)


def asks_more(question: Question, reading: Reading, lexicon: Lexicon) -> bool:
    """Whether the question asks more things (question words: 「哪年成立的，在哪个城市」)
    than the columns it names, one of them a kind of answer no named column gives
    (「城市」; 「…各是多少，哪个高」 asks nothing more)."""
    words = lexicon.patterns.question_word.findall(question.text)
    if len(words) <= max(1, len(reading.columns)):
        return False
    named = norm(" ".join(reading.table.columns[k] for k in reading.columns))
    kinds = lexicon.evidence.answer_kinds
    return any(t in kinds and norm(t) not in named for t in question.term_texts)


# ------------------------------------------------------------------------------ cells


def _named(name: str, cell: str) -> str:
    return f"{name} {cell}".strip() if name else cell


def _row_sentence(reading: Reading, row: Row) -> str:
    """「地区 华东区：保费收入/亿元 125。」: the row's label cells, then the asked cells
    (every cell of the row when the question names no column), each with its column."""
    table = reading.table
    labels = [k for k in sorted(reading.labels) if row.cell(k)]
    asked = reading.columns or tuple(
        k for k in range(len(table.columns)) if k not in reading.labels and row.cell(k)
    )
    head = "，".join(_named(table.columns[k], row.cell(k)) for k in labels)
    body = "；".join(_named(table.columns[k], row.cell(k)) for k in asked if row.cell(k))
    return f"{head}：{body}。" if head else f"{body}。"


def _sources(table: Table, row: Row, columns: Sequence[int]) -> list[Chunk]:
    """The row's chunk, and the chunks above whose merged cells it shows in `columns`."""
    chunks = [row.chunk]
    at = table.rows.index(row)
    for k in columns:
        if k in row.own or not row.cell(k):
            continue
        owner = next((r for r in reversed(table.rows[:at]) if k in r.own), None)
        if owner is not None and owner.chunk not in chunks:
            chunks.append(owner.chunk)
    return chunks


def cell_answer(reading: Reading) -> tuple[list[AnswerSentence], list[Chunk]]:
    """One sentence per named row, citing the row (and rows whose merged cells it shows).

    The cells are those of the columns the reading names, or every cell of the row when
    it names none."""
    chunks: list[Chunk] = []
    sentences = []
    for row in reading.rows:
        used = _sources(reading.table, row, sorted(reading.labels | set(reading.columns)))
        numbers = []
        for chunk in used:
            if chunk not in chunks:
                chunks.append(chunk)
            numbers.append(chunks.index(chunk) + 1)
        sentences.append(
            AnswerSentence(_row_sentence(reading, row), tuple(numbers), reads_table=True)
        )
    return sentences, chunks


def missing_years(question: Question, table: Table) -> tuple[list[str], list[str]]:
    """The years the question names that the table does not list, and the years it lists
    ([] and [] when the question names no year or the table lists none). A table lists
    years in its column names (「2014年」「RCA 2015年」) or, without those, in a column
    whose every cell is a year (「年份」: 2000, 2003 …)."""
    listed = list(dict.fromkeys(y for name in table.columns for y in _YEAR.findall(name)))
    if not listed:
        for k in range(len(table.columns)):
            cells = [r.cell(k).strip() for r in table.rows if r.cell(k).strip()]
            years = [_YEAR_CELL.match(c) for c in cells]
            if cells and all(years):
                listed = list(dict.fromkeys(m.group(1) for m in years if m))
                break
    asked = _years(question)
    if not asked or not listed:
        return [], listed
    return [y for y in asked if y not in listed], listed


def refusal(question: Question, reading: Reading, lexicon: Lexicon) -> str:
    """Why the table cannot answer: the year it does not list, or what the named row has."""
    words = lexicon.report.tables.said
    year_unit = lexicon.numbers.dates.year
    title = f"「{reading.table.title}」"
    missing, listed = missing_years(question, reading.table)
    if missing:
        shown = "、".join(f"{y}{year_unit}" for y in listed)
        absent = words.not_listed.format(what="、".join(f"{y}{year_unit}" for y in missing))
        return f"{title}{words.only_lists} {shown}，{absent}。"
    row = reading.rows[0]
    label = "、".join(row.cell(k) for k in sorted(reading.labels) if row.cell(k))
    columns = "、".join(
        reading.table.columns[k]
        for k in range(len(reading.table.columns))
        if k not in reading.labels and reading.table.columns[k]
    )
    return f"{title}中「{label}」{words.row_only} {columns} 的数据，{words.no_answer}。"


# --------------------------------------------------------------------------- extremes


def change_column(name: str, lexicon: Lexicon) -> bool:
    """A column of changes (「RCA2015-RCA2000」「增幅」)."""
    return any(w in name for w in lexicon.report.tables.extremes.change_columns)


def wants_highest(question: Question, values: Sequence[float]) -> bool | None:
    """Whether the question asks for the highest value of a column holding `values` (None:
    it asks for no extreme). A superlative of a fall in a column of falls (negative
    values) asks for the lowest."""
    wanted = question.wanted.column
    falls = wanted.change == "down" and 2 * sum(1 for v in values if v < 0) > len(values)
    if wanted.extreme in ("highest", "strongest"):
        return not falls
    if wanted.extreme == "lowest":
        return falls
    if wanted.rank == 1:
        return True
    return None


def extreme_column(question: Question, table: Table, lexicon: Lexicon) -> tuple[int, int] | None:
    """The numeric column the question asks the extreme of, and how strongly it names it;
    a question about a change prefers a column of changes."""
    text, years = norm(question.text), _years(question)
    best: tuple[int, int] | None = None
    for k, name in enumerate(table.columns):
        strength = column_strength(text, years, table.parts[k])
        if strength < 2 or len(table.values(k)) < 2 or not _measures(table, k, lexicon):
            continue
        if question.wanted.column.change and change_column(name, lexicon):
            strength += _YEAR_STRENGTH
        if best is None or strength > best[1]:
            best = (k, strength)
    return best


def _measures(table: Table, column: int, lexicon: Lexicon) -> bool:
    """Whether a column holds measures to compare, not codes, ranks or years."""
    name = table.columns[column]
    if _is_code_column(name, lexicon) or column == rank_column_of(table, lexicon):
        return False
    return not all(_YEAR_CELL.match(r.cell(column).strip()) for r in table.rows if r.cell(column))


def _label(table: Table, row: Row, value_column: int, lexicon: Lexicon) -> str:
    """What names a row in an answer: its text cells and codes (「HS编码 59 浸渍…」), and in a
    two-level table the cells of the value's own group (「2015年 HS编码 66」)."""
    group = table.parts[value_column][:1] if len(table.parts[value_column]) > 1 else ()
    parts = []
    for k, name in enumerate(table.columns):
        cell = row.cell(k)
        if k == value_column or not cell:
            continue
        grouped = len(table.parts[k]) > 1
        if grouped and table.parts[k][:1] != group:
            continue
        if cell_value(cell) is None or _is_code_column(name, lexicon) or grouped:
            parts.append(_named(name, cell) if cell_value(cell) is not None else cell)
    return " ".join(parts)


def extreme_answer(
    question: Question, table: Table, column: int, lexicon: Lexicon
) -> tuple[list[AnswerSentence], list[Chunk]] | None:
    """The row(s) holding the highest or lowest value of `column`, citing every row."""
    totals = lexicon.report.tables.extremes.totals
    values = [(r, v) for r, v in table.values(column) if not is_total_row(r, totals)]
    if len(values) < 2 or not table.complete:
        return None
    highest = wants_highest(question, [v for _, v in values])
    if highest is None:
        return None
    pick = max if highest else min
    best = pick(v for _, v in values)
    holders = [r for r, v in values if v == best]
    name = table.columns[column]
    words = lexicon.report.tables.said
    which = words.highest if highest else words.lowest
    held = "；".join(f"{_label(table, r, column, lexicon)}（{r.cell(column)}）" for r in holders)
    text = f"「{table.title}」中，{name}{words.column}{which}的是：{held}。"
    chunks = [r.chunk for r in table.rows]
    citations = tuple(range(1, len(chunks) + 1))
    return [AnswerSentence(text, citations, extreme=Extreme(name, highest))], chunks


def row_extreme_answer(
    question: Question, reading: Reading, lexicon: Lexicon
) -> tuple[list[AnswerSentence], list[Chunk]] | None:
    """「哪一年地方政府债务率最高」: the highest (lowest) figure along the one row the
    question names, under its column (a year, a country), citing the row."""
    if len(reading.rows) != 1:
        return None
    row = reading.rows[0]
    figures = row_figures(row.chunk)
    if len(figures) < 2:
        return None
    highest = wants_highest(question, [v for _, _, v in figures])
    if highest is None:
        return None
    best = (max if highest else min)(v for _, _, v in figures)
    held = "；".join(f"{name} {cell}" for name, cell, v in figures if v == best)
    label = "、".join(row.cell(k) for k in sorted(reading.labels) if row.cell(k))
    words = lexicon.report.tables.said
    which = words.highest if highest else words.lowest
    text = f"「{reading.table.title}」中「{label}」{words.along_row}{which}的是：{held}。"
    extreme = Extreme(label, highest, along_row=True)
    return [AnswerSentence(text, (1,), extreme=extreme)], [row.chunk]


__all__ = [
    "Reading",
    "asks_more",
    "best_reading",
    "caption_strength",
    "cell_answer",
    "cell_strength",
    "change_column",
    "column_strength",
    "date_columns",
    "extreme_answer",
    "extreme_column",
    "missing_years",
    "named_columns",
    "named_rows",
    "names_a_column",
    "norm",
    "other_readings",
    "rank_column_of",
    "read_table",
    "refusal",
    "row_extreme_answer",
    "wants_highest",
]
