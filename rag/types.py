"""The small frozen records that flow between reportqa's pipeline stages.

Every stage is a plain function over these types; nothing here touches files,
models or Chroma, so the types can be shared by `ingest`, `rag` and `app`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ReportMeta:
    """Bibliographic facts about one report, parsed from its text or a sidecar."""

    title: str
    source: str  # file name relative to the ingested folder, the report's identity
    series: str = ""
    publisher: str = ""
    authors: tuple[str, ...] = ()
    date: str = ""
    # Other facts of the front matter, each copied from its text: (name, value) pairs named
    # affiliation, doi, keywords, funding, journal (ingest/facts.py); a name may repeat.
    facts: tuple[tuple[str, str], ...] = ()

    def fact(self, name: str) -> tuple[str, ...]:
        """The values of one front-matter fact, in the order the report gives them."""
        return tuple(value for key, value in self.facts if key == name)


@dataclass(frozen=True)
class TocEntry:
    """One table-of-contents line: a top-level heading and the page it starts on."""

    heading: str
    page: int


@dataclass(frozen=True)
class Block:
    """One unit of a parsed document, in reading order, before chunking.

    `kind` is one of: "front_matter", "paragraph", "table_row", "heading".
    Pages are 1-based printed page numbers; `None` marks unnumbered front matter.
    """

    text: str
    section_path: tuple[str, ...]
    page_start: int | None
    page_end: int | None
    kind: str = "paragraph"
    position: int = 0
    table_header: str = ""  # for table rows: the header line(s) of their table
    table_caption: str = ""  # e.g. "表 1 近年来对科技保险的重大支持政策"
    table_index: int = 0  # for table rows: which table of the report (1-based), 0 otherwise
    # Where a later page starts inside `text`: (character offset, page). A paragraph that
    # runs over a page break knows which of its sentences sit on which page.
    page_breaks: tuple[tuple[int, int | None], ...] = ()


@dataclass(frozen=True)
class ParsedReport:
    """A whole document after structure parsing."""

    meta: ReportMeta
    toc: tuple[TocEntry, ...]
    blocks: tuple[Block, ...]
    page_kind: str = "toc"  # "toc": pages from the table of contents; "label"/"physical" for PDFs


def content_id(*parts: str) -> str:
    """A stable content hash, so that re-ingesting identical text yields identical ids."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:32]


def span_pages(
    page_start: int | None,
    page_end: int | None,
    breaks: Sequence[tuple[int, int | None]],
    lo: int,
    hi: int,
) -> tuple[int | None, int | None]:
    """First and last page of the characters [lo, hi) of a text starting on `page_start`
    whose later pages start at `breaks` ((offset, page), in order).

    Without page breaks this is (page_start, page_end): the text's own range.
    """
    if not breaks:
        return page_start, page_end
    first = page_start
    last = page_start
    for offset, page in breaks:
        if offset <= lo:
            first = page
        if offset < hi:
            last = page
    if first is None:
        first = last
    return first, last if last is not None else first


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage: the report's own text plus where it sits in the report."""

    id: str
    text: str
    source: str
    title: str
    section_path: tuple[str, ...]
    page_start: int | None
    page_end: int | None
    position: int
    kind: str = "paragraph"
    embed_text: str = ""  # what gets embedded; may prefix the section title; "" means `text`
    meta: ReportMeta | None = None
    # A table row's table (empty for other chunks): its caption, its header line(s), which
    # table of the report it is (1-based) and how many rows that table has, so that a row
    # is read with its header and a claim about a whole column can be checked.
    table_caption: str = ""
    table_header: str = ""
    table_index: int = 0
    table_rows: int = 0
    # Where a later page starts inside `text`: (character offset, page). A chunk over a
    # page break cites, for each quote, only the pages the quote sits on.
    page_breaks: tuple[tuple[int, int | None], ...] = ()

    def pages_of(self, lo: int, hi: int) -> tuple[int | None, int | None]:
        """First and last page of the characters [lo, hi) of `text`."""
        return span_pages(self.page_start, self.page_end, self.page_breaks, lo, hi)

    @property
    def page_label(self) -> str:
        """Chinese page label such as 第4页 or 第4–6页 (封面及摘要 for front matter)."""
        return page_label(self.page_start, self.page_end, self.section_path)

    @property
    def section_label(self) -> str:
        return " › ".join(self.section_path) if self.section_path else "前置部分"


FRONT_MATTER_SECTIONS = frozenset({"", "摘要", "作者", "目录", "封面"})


def page_label(start: int | None, end: int | None, section_path: tuple[str, ...] = ()) -> str:
    """Render a page or page range the way the report reader expects it."""
    if start is None:
        # Unnumbered front matter, or a format without pages (HTML, Markdown).
        first = section_path[0] if section_path else ""
        return "封面及摘要" if first in FRONT_MATTER_SECTIONS else "无页码"
    if end is None or end == start:
        return f"第{start}页"
    return f"第{start}–{end}页"


@dataclass(frozen=True)
class Retrieved:
    """A chunk returned by retrieval, with its fused score and rank.

    `rank` is the position shown to the user and the answer step (after
    reranking); `first_rank` is the chunk's rank in the first-stage fusion
    (0 when the chunk was never reranked).
    """

    chunk: Chunk
    score: float
    rank: int
    similarity: float = 0.0  # dense cosine similarity to the question (0 when not dense-retrieved)
    first_rank: int = 0

    @property
    def retrieval_rank(self) -> int:
        """The first-stage rank: independent of any sentence-level evidence scoring."""
        return self.first_rank or self.rank


@dataclass(frozen=True)
class Citation:
    """One cited passage. `verified` is the outcome of the citation check."""

    n: int
    title: str
    section_path: tuple[str, ...]
    page_start: int | None
    page_end: int | None
    quote: str
    chunk_id: str
    source: str
    verified: bool
    problems: tuple[str, ...] = ()

    @property
    def page_label(self) -> str:
        return page_label(self.page_start, self.page_end, self.section_path)

    @property
    def section_label(self) -> str:
        return " › ".join(self.section_path) if self.section_path else "前置部分"

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "title": self.title,
            "section": self.section_label,
            "section_path": list(self.section_path),
            "page": self.page_label,
            "page_start": self.page_start,
            "page_end": self.page_end,
            "quote": self.quote,
            "chunk_id": self.chunk_id,
            "source": self.source,
            "verified": self.verified,
        }


@dataclass(frozen=True)
class Extreme:
    """A claim that a row holds the highest (or lowest) value of a table column."""

    column: str  # the column's name, as `rag.tabular.column_names` gives it
    highest: bool
    # Along one row instead (「哪一年…最高」 in a table with a column per year): the cited
    # row's figures are compared, `column` naming the row.
    along_row: bool = False


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer and the citation numbers that support it."""

    text: str
    citations: tuple[int, ...] = ()
    # The sentence states how many passages it cites (「共列出 12 份」, read off a table):
    # checked by counting them, since no single quote holds the count.
    counts: bool = False
    # The sentence states the years between two dates it names (「2015 年到 2024 年，相隔
    # 9 年」): checked by subtracting them, each date being checked against its quote.
    spans_years: bool = False
    # The sentence reads cells of the table rows it cites, each with its column's name
    # (「地区 华东区：保费收入/亿元 125。」): checked against the rows read with their
    # table's caption and header, each figure under a column the sentence names.
    reads_table: bool = False
    # The sentence names the row holding the highest or lowest value of a column: checked
    # by comparing that column over every row of the table, all of which it must cite.
    extreme: Extreme | None = None


STANDALONE = "standalone"


@dataclass(frozen=True)
class FollowUp:
    """Whether a turn leans on the conversation, and how it was understood.

    Decided before anything is rewritten (`rag.followup.decide_followup`): a question
    with its own subject and predicate is `STANDALONE` and answered as asked. A
    follow-up has a `kind` (na_ne 「那…呢」, pronoun, temporal 「当时」, ordinal
    「第一类/后者」, more 「还有呢」, bare_predicate 「那是谁牵头的」, bare_figure
    「多少家」); it is `rewritten` into `resolved` when its referent was found in the
    conversation (the last question, the last answer and its quotes), else it is kept
    as asked and retrieval leans on `context`, the earlier turn's words.
    """

    kind: str = STANDALONE
    resolved: str = ""  # the question answered: the rewrite, or the question as asked
    rewritten: bool = False  # resolved is a rewrite the UI shows as 「理解为」
    context: tuple[str, ...] = ()  # earlier words retrieval leans on (never shown)
    already_given: frozenset[str] = frozenset()  # sentences said before (「还有呢？」)
    # What the answer goes on from (「还有呢？」「第一条具体…」): the sentences the last
    # answer showed, or the list item an ordinal points at; the report's units right
    # after them are the continuation the turn asks for.
    follows: tuple[str, ...] = ()
    # The last answer's sentences and citation quotes, for a turn that asks on about the
    # same thing (「险种叫什么名字？」「中游呢？」): the passages just cited likely hold it.
    cited: tuple[str, ...] = ()

    @property
    def standalone(self) -> bool:
        return self.kind == STANDALONE

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "standalone": self.standalone,
            "rewritten": self.rewritten,
            "resolved_question": self.resolved,
            "context": list(self.context),
        }


@dataclass(frozen=True)
class Answer:
    """What the answering chain returns; the CLI, API and UI only render it."""

    question: str
    resolved_question: str
    text: str  # the rendered answer, with inline [n] markers
    refused: bool
    mode: str  # "extractive" or "llm"
    citations: tuple[Citation, ...] = ()
    retrieved: tuple[Retrieved, ...] = ()
    sentences: tuple[AnswerSentence, ...] = ()
    dropped: tuple[str, ...] = ()  # sentences removed because their citation failed the check
    model: str = ""
    notice: str = ""  # e.g. why LLM mode fell back to extractive
    timings_ms: dict[str, float] = field(default_factory=dict)
    strategy: str = ""  # the answer strategy that drafted it ("llm" in LLM mode)
    followup: FollowUp = field(default_factory=FollowUp)  # how the turn was understood

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape of `reportqa ask --json` and the `/ask` API."""
        return {
            "question": self.question,
            "resolved_question": self.resolved_question,
            "answer": self.text,
            "refused": self.refused,
            "mode": self.mode,
            "model": self.model,
            "notice": self.notice,
            "strategy": self.strategy,
            "followup": self.followup.to_json(),
            "citations": [c.to_json() for c in self.citations],
            "retrieved": [
                {
                    "chunk_id": r.chunk.id,
                    "text": r.chunk.text,
                    "title": r.chunk.title,
                    "section": r.chunk.section_label,
                    "page": r.chunk.page_label,
                    "source": r.chunk.source,
                    "score": round(r.score, 6),
                }
                for r in self.retrieved
            ],
            "dropped": list(self.dropped),
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


def as_dict(obj: Any) -> dict[str, Any]:
    """dataclasses.asdict, exported so callers need not import dataclasses."""
    return asdict(obj)


@dataclass(frozen=True)
class Turn:
    """One message of a conversation, as Gradio's messages format gives it."""

    role: str  # "user" or "assistant"
    content: str
    # An answer's citation quotes: what a follow-up may point at (「当时」「后者」).
    quotes: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnswerDelta:
    """A piece of answer text streamed before the final `Answer` arrives."""

    text: str


@dataclass(frozen=True)
class Status:
    """What the UI shows about the system: mode badge, reports, and problems."""

    ok: bool
    mode: str  # "extractive" or "llm"
    model: str = ""  # LLM model name in llm mode
    reports: tuple[str, ...] = ()  # titles of the indexed reports
    problems: tuple[str, ...] = ()  # Chinese messages: what is wrong and what to run


@dataclass(frozen=True)
class LibraryReport:
    """One report of the index as the library panel lists it."""

    source: str  # the file name: the report's identity in the index
    title: str
    pages: int  # the last printed page a passage sits on; 0 = no pages known
    chunks: int
    ingested_at: float  # seconds since the epoch
    examples: tuple[str, ...] = ()  # starter questions from the report's own headings


@dataclass(frozen=True)
class IngestedReport:
    """The outcome of adding one uploaded file to the index."""

    source: str
    title: str
    pages: int
    chunks: int
    seconds: float
    replaced: bool = False  # a report of the same file name was replaced
