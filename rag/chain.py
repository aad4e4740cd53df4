"""One chain, one API: condense → retrieve → answer → validate.

`Answerer.answer()` and `Answerer.stream()` run the same LCEL chain; the
extractive answerer is the default, an OpenAI-compatible LLM is optional.
`build_answerer(settings)` is the factory that loads models and the index once.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from langchain_core.runnables import Runnable, RunnableLambda

from rag.aliases import expand_aliases
from rag.asks import answer_each_ask
from rag.bm25 import BM25Index
from rag.enumeration import DocumentUnit, document_units, enumeration_items, wants_all_items
from rag.errors import ModelMismatchError, ReportQAError
from rag.extractive import (
    ExtractiveSettings,
    QuestionAnalysis,
    analyse_question,
    draft_answer,
    question_coverage,
    refusal_text,
    table_column_answer,
)
from rag.factory import (
    embedding_info,
    make_chroma_client,
    make_embeddings,
    set_offline_environment,
)
from rag.grid import cell_heading_answer, heading_cell_answer, label_answer, mentions_table
from rag.llm import (
    LLMDraft,
    LLMUnavailable,
    answer_with_llm,
    condense_question,
    make_chat_model,
    redact_prompt_leaks,
    stream_llm_answer,
)
from rag.rerank import RerankSettings, rerank
from rag.retrieve import HybridRetriever, build_bm25_by_source
from rag.route import ReportRouter, ReportStatistics, statistics_by_source
from rag.sections import (
    asks_summary,
    asks_timeline,
    is_dated,
    named_part,
    part_summary,
    part_timeline,
)
from rag.sentence_split import split_sentences
from rag.sentences import load_or_build_unit_vectors
from rag.settings import Settings
from rag.store import file_sha256, load_indexed_chunks, open_active_collection
from rag.structure import outline_answer, publication_answer
from rag.tables import table_answer
from rag.textnorm import normalise_question
from rag.tokenize import Tokenizer
from rag.types import Answer, AnswerDelta, AnswerSentence, Chunk, Retrieved, Status, Turn
from rag.verify import render_answer, verify_answer

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger("reportqa")

_ELLIPTICAL_START = re.compile(r"^(那|那么|那它|它|其|这|该|此|还有|另外|再|然后|同时|以及|和|跟)")
_MORE_RE = re.compile(r"^(还有|其他|其它|另外|别的|再说|继续|还有没有|还有吗|还有呢|其余)")
_QUESTION_WORD = re.compile(r"(哪|什么|多少|几|谁|怎么|怎样|为什么|为何|如何|是否|啥|咋)")


class TermStatistics(Protocol):
    """One report's term weights and mention check (see rag/route.py)."""

    @property
    def weight(self) -> Callable[[str], float]: ...

    @property
    def corpus_has(self) -> Callable[[str], bool]: ...


@dataclass(frozen=True)
class ChainState:
    """What flows between the chain's steps."""

    question: str
    history: tuple[Turn, ...] = ()
    report: str | None = None
    normalised: str = ""
    resolved: str = ""
    problem: str = ""
    exclude: frozenset[str] = frozenset()
    retrieved: tuple[Retrieved, ...] = ()
    answer: Answer | None = None
    timings: Mapping[str, float] = field(default_factory=dict)


def _last_user_questions(history: Sequence[Turn]) -> list[str]:
    return [t.content for t in history if t.role == "user" and t.content.strip()]


def _assistant_texts(history: Sequence[Turn]) -> list[str]:
    return [t.content for t in history if t.role == "assistant"]


# jieba tags of names, by kind: a follow-up naming one of a kind drops the earlier one.
_NAMED_KIND = {"ns": "place", "nr": "person", "nt": "organisation", "nz": "organisation"}


# Names jieba knows from the report's own dictionary (科惠保, 银保科技e贷): a case's own.
_CASE_NAME_TAGS = frozenset({"x"})


def _named_kinds(analysis: QuestionAnalysis) -> set[str]:
    return {_NAMED_KIND[f] for f in analysis.flags.values() if f in _NAMED_KIND}


def resolve_followup(
    question: str, history: Sequence[Turn], analyse: Callable[[str], QuestionAnalysis]
) -> tuple[str, frozenset[str]]:
    """Carry the previous turn's key terms into an elliptical follow-up (no LLM).

    Returns the resolved question and, for 「还有呢？」-style turns, the sentences
    already given, so that the next answer brings something new.
    """
    previous = _last_user_questions(history)
    if not previous:
        return question, frozenset()
    own = analyse(question)
    # Resolve the previous question first: follow-ups can chain.
    earlier, _ = resolve_followup(previous[-1], list(history[:-2]), analyse)
    before = analyse(earlier)
    elliptical = (
        bool(_ELLIPTICAL_START.match(question))
        or len(own.terms) <= 1
        or len(question.rstrip("？?！!。")) <= 8
        or (len(question) <= 12 and question.rstrip("？?").endswith("呢"))
        # 「利率多少？」 after 「银保科技e贷是什么？」: no subject of its own, the earlier one holds.
        or (not _named_kinds(own) and bool(_named_kinds(before)))
    )
    if not elliptical:
        return question, frozenset()
    if _MORE_RE.match(question) and len(own.terms) == 0:
        given: set[str] = set()
        for text in _assistant_texts(history)[-1:]:
            given.update(s.strip() for s in split_sentences(re.sub(r"\[\d+\]", "", text)))
        return earlier, frozenset(given)
    # 「那北京呢？」 after 「苏州…」: a new place (person, organisation) replaces the old one.
    replaced = _named_kinds(own)
    carried = [
        t
        for t in before.terms
        if t not in own.terms
        and _NAMED_KIND.get(before.flags.get(t, ""), "") not in replaced
        # 「苏州那边科惠保…」→「那北京呢？」: the old place's own product goes with it.
        and not ("place" in replaced and before.flags.get(t) in _CASE_NAME_TAGS)
    ]
    if not carried:
        return question, frozenset()
    stripped = _ELLIPTICAL_START.sub("", question, count=1).lstrip("，, ")
    if not _QUESTION_WORD.search(stripped):
        # 「那共保体遴选呢？」 asks the previous question again about a new subject.
        asked = _QUESTION_WORD.search(earlier)
        tail = earlier[asked.start() :] if asked else ""
        stripped = stripped.rstrip("？?呢吗").rstrip() + (f"，{tail}" if tail else "？")
    return f"{''.join(carried)}{stripped or question}", frozenset()


# How much a term carried into a follow-up from earlier turns counts (measured on dev).
CARRIED_TERM_FACTOR = 0.4


class Answerer:
    """Answers questions about the indexed reports. Load once, ask many times."""

    def __init__(
        self,
        retrieve: Callable[[str, str | None], list[Retrieved]],
        cut: Callable[[str], list[str]],
        weight: Callable[[str], float],
        *,
        reports: Sequence[str] = (),
        chat_model: BaseChatModel | None = None,
        model_name: str = "",
        extractive: ExtractiveSettings | None = None,
        problems: Sequence[str] = (),
        example_questions: Sequence[str] = (),
        normalise: Callable[[str], Any] | None = None,
        tag: Callable[[str], list[tuple[str, str]]] | None = None,
        report_sources: Mapping[str, str] | None = None,
        unit_similarity: Callable[[str, Retrieved], list[float]] | None = None,
        corpus_has: Callable[[str], bool] | None = None,
        table_rows: Sequence[Chunk] = (),
        llm_probe: Callable[[], str] | None = None,
        rerank: RerankSettings | None = None,
        toc_chunks: Sequence[Chunk] = (),
        expand: Callable[[str], str] | None = None,
        document_chunks: Sequence[Chunk] = (),
        statistics_for: Callable[[str], TermStatistics] | None = None,
    ) -> None:
        self._retrieve_fn = retrieve
        self._cut = cut
        self._weight = weight
        self._reports = tuple(reports)
        self._chat_model = chat_model
        self._model_name = model_name
        self._extractive = extractive or ExtractiveSettings()
        self._problems = list(problems)
        self._examples = list(example_questions)
        self._normalise = normalise
        self._tag = tag
        # Accept a report's file name or its title wherever a report is named.
        self._report_names = dict(report_sources or {})
        self._unit_similarity = unit_similarity
        self._corpus_has = corpus_has
        self._table_rows = tuple(table_rows)
        self._toc_chunks = tuple(toc_chunks)
        self._expand = expand
        self._document_chunks = tuple(document_chunks)
        self._statistics_for = statistics_for
        self._units: list[DocumentUnit] | None = None
        self._part_titles: frozenset[str] | None = None
        self._report_headings: dict[str, list[str]] = {}
        self._unit_positions: dict[tuple[str, int], int] = {}
        self._llm_probe = llm_probe
        self._rerank_settings = rerank or RerankSettings()
        self.chain: Runnable[ChainState, ChainState] = (
            RunnableLambda(self._condense)
            | RunnableLambda(self._retrieve)
            | RunnableLambda(self._rerank)
            | RunnableLambda(self._answer_step)
            | RunnableLambda(self._validate)
        ).with_config(run_name="reportqa")

    def _scorers(
        self, state: ChainState
    ) -> tuple[Callable[[str], float], Callable[[str], bool] | None]:
        """Term weights and 「does the report say X」 of the report the passages come from."""
        if self._statistics_for is not None and state.retrieved:
            statistics = self._statistics_for(state.retrieved[0].chunk.source)
            return statistics.weight, statistics.corpus_has
        return self._weight, self._corpus_has

    def _analyse(self, question: str) -> QuestionAnalysis:
        return analyse_question(question, self._cut, self._tag)

    def _with_part_names(self, analysis: QuestionAnalysis) -> QuestionAnalysis:
        """A word that is the title of a part of the report (致谢, 引言) counts in full.

        jieba tags 致谢 a verb, and verbs count little; named as a place in the report
        (「致谢里谢了哪些部门」) it says where the answer is.
        """
        if self._part_titles is None:
            self._part_titles = frozenset(
                re.sub(r"^[一二三四五六七八九十]+、", "", c.section_path[0])
                for c in self._document_chunks
                if c.section_path
            )
        titled = [t for t in analysis.terms if t in self._part_titles]
        if not titled:
            return analysis
        factors = dict(analysis.factors)
        for term in titled:
            factors[term] = max(factors.get(term, 1.0), 1.0)
        return replace(analysis, factors=factors)

    def _analyse_state(self, state: ChainState) -> QuestionAnalysis:
        """The resolved question's analysis; terms carried from earlier turns count less.

        In 「那承保的共保体是什么时候开始遴选的？」 the new words say what is asked; the
        carried subject (深圳, 风险补偿方案) only places it, and the answering sentence
        often does not repeat it.
        """
        analysis = self._with_part_names(self._analyse(state.resolved))
        if not state.normalised or state.resolved == state.normalised:
            return analysis
        asked = self._analyse(state.normalised)
        if asked.qtype != "other":
            # 「后来配套的方案是啥时候推的？」 after 「种子基金多大规模？」 asks a date: the
            # follow-up's own question word decides what kind of answer it wants.
            analysis = replace(analysis, qtype=asked.qtype, unit_hint=asked.unit_hint)
        own = set(asked.terms)
        carried = {t for t in analysis.terms if t not in own}
        if not carried or len(carried) == len(analysis.terms):
            return analysis
        factors = {
            term: analysis.factors.get(term, 1.0)
            * (CARRIED_TERM_FACTOR if term in carried else 1.0)
            for term in analysis.terms
        }
        return replace(analysis, factors=factors)

    @property
    def mode(self) -> str:
        return "llm" if self._chat_model is not None else "extractive"

    def status(self) -> Status:
        """Mode badge, reports and any problems, for the UI."""
        problems = list(self._problems)
        if self._llm_probe is not None:
            llm_problem = self._llm_probe()
            if llm_problem:
                problems.append(llm_problem)
        return Status(
            ok=not problems,
            mode=self.mode,
            model=self._model_name,
            reports=self._reports,
            problems=tuple(problems),
        )

    def examples(self) -> list[str]:
        return list(self._examples)

    # --- chain steps -------------------------------------------------------------

    def _condense(self, state: ChainState) -> ChainState:
        started = time.perf_counter()
        normalised_text = state.question
        problem = ""
        if self._normalise is not None:
            result = self._normalise(state.question)
            normalised_text = result.text
            problem = result.problem
        if problem:
            return replace(
                state, normalised=normalised_text, resolved=normalised_text, problem=problem
            )
        if self._expand is not None:
            normalised_text = self._expand(normalised_text)
        resolved, exclude = normalised_text, frozenset[str]()
        if state.history:
            if self._chat_model is not None:
                resolved = self._llm_condense(normalised_text, state.history)
            else:
                resolved, exclude = resolve_followup(normalised_text, state.history, self._analyse)
        return replace(
            state,
            normalised=normalised_text,
            # Only a real rewrite counts as resolving; width or script changes do not.
            resolved=resolved if resolved != normalised_text else normalised_text,
            exclude=exclude,
            timings={**state.timings, "condense": _ms(started)},
        )

    def _llm_condense(self, question: str, history: Sequence[Turn]) -> str:
        assert self._chat_model is not None
        try:
            return condense_question(self._chat_model, question, history)
        except LLMUnavailable:
            resolved, _ = resolve_followup(question, history, self._analyse)
            return resolved

    def _retrieve(self, state: ChainState) -> ChainState:
        if state.problem:
            return state
        started = time.perf_counter()
        source = None
        if state.report:
            # A report is named by its file name or its title; anything else (a path, say) is refused.
            source = self._report_names.get(state.report)
            if source is None:
                return replace(
                    state,
                    problem=f"索引里没有这份报告：{state.report}（可用 `reportqa list` 查看）。",
                )
        try:
            retrieved = tuple(self._retrieve_fn(state.resolved, source))
        except ReportQAError as exc:
            return replace(state, problem=f"检索失败：{exc}")
        except Exception as exc:  # the store may be remote or damaged: explain, never crash
            log.exception("retrieval failed")
            return replace(
                state,
                problem=f"检索失败（{type(exc).__name__}）：索引或 Chroma 服务器暂时不可用，"
                "请稍后重试；若持续出现，请运行 `reportqa ingest` 重建索引。",
            )
        return replace(
            state, retrieved=retrieved, timings={**state.timings, "retrieve": _ms(started)}
        )

    def _unit_similarity_for(self, question: str) -> Callable[[Retrieved], list[float]] | None:
        if self._unit_similarity is None:
            return None
        unit_similarity = self._unit_similarity

        def similarity(item: Retrieved) -> list[float]:
            return unit_similarity(question, item)

        return similarity

    def _rerank(self, state: ChainState) -> ChainState:
        if state.problem or not state.retrieved:
            return state
        started = time.perf_counter()
        reranked = rerank(
            self._analyse_state(state),
            state.retrieved,
            self._scorers(state)[0],
            self._rerank_settings,
            self._extractive,
            self._unit_similarity_for(state.resolved),
        )
        return replace(state, retrieved=reranked, timings={**state.timings, "rerank": _ms(started)})

    def _answer_step(self, state: ChainState) -> ChainState:
        started = time.perf_counter()
        if state.problem:
            answer = Answer(
                question=state.question,
                resolved_question=_shown_resolution(state),
                text=state.problem,
                refused=True,
                mode=self.mode,
                model=self._model_name,
            )
            return replace(state, answer=answer)
        if self._chat_model is not None:
            answer = self._llm_answer(state)
        else:
            answer = self._extractive_answer(state)
        return replace(state, answer=answer, timings={**state.timings, "answer": _ms(started)})

    def _all_units(self) -> list[DocumentUnit]:
        """Every evidence unit of the indexed reports in reading order (built once)."""
        if self._units is None:
            self._units = document_units(self._document_chunks)
            self._unit_positions = {
                (unit.chunk.id, unit.index): position for position, unit in enumerate(self._units)
            }
        return self._units

    def _enumeration(self, evidence: Sequence[tuple[str, int]]) -> list[DocumentUnit]:
        """The whole 一是…二是… enumeration the best enumerated evidence belongs to."""
        units = self._all_units()
        for key in evidence:
            position = self._unit_positions.get(key)
            if position is not None:
                items = enumeration_items(units, position)
                if items:
                    return items
        return []

    def _timeline(
        self, state: ChainState, analysis: QuestionAnalysis, source: str
    ) -> list[DocumentUnit]:
        """「…是怎么一步步发展的」 with no part named: the dated steps of the section of the
        best retrieved dated passage that name something the question asks about."""
        path = next(
            (
                r.chunk.section_path
                for r in state.retrieved
                if r.chunk.section_path and r.chunk.kind != "table_row" and is_dated(r.chunk.text)
            ),
            None,
        )
        if path is None:
            return []
        steps = [
            unit
            for unit in part_timeline(self._all_units(), path, source)
            if any(term in unit.text for term in analysis.terms)
        ]
        return steps if len(steps) >= 2 else []

    def _headings(self, source: str) -> list[str]:
        """A report's top-level headings in reading order (built once per report)."""
        if source not in self._report_headings:
            chunks = sorted(
                (c for c in self._document_chunks if c.source == source and c.section_path),
                key=lambda c: c.position,
            )
            self._report_headings[source] = list(dict.fromkeys(c.section_path[0] for c in chunks))
        return self._report_headings[source]

    def _quoted_units(
        self,
        state: ChainState,
        analysis: QuestionAnalysis,
        units: Sequence[DocumentUnit],
        by_retrieval: bool = False,
    ) -> Answer:
        """An answer that quotes these report units in order, each citing its chunk.

        The units are read from the report's structure (an enumeration, a part's
        opening), not necessarily from the retrieved passages: their chunks lead the
        sources, so that every quoted passage is shown.
        """
        quoted = list(dict.fromkeys(u.chunk for u in units))
        if by_retrieval:
            # Steps picked from a whole section: the best retrieved of them leads.
            rank = {r.chunk.id: i for i, r in enumerate(state.retrieved)}
            quoted.sort(key=lambda c: rank.get(c.id, len(rank)))
        state = _sources_first(state, quoted)
        numbers: dict[str, int] = {}
        candidates: dict[int, Retrieved] = {}
        sentences = []
        for unit in units:
            n = numbers.setdefault(unit.chunk.id, len(numbers) + 1)
            candidates[n] = Retrieved(unit.chunk, 1.0, n)
            sentences.append(AnswerSentence(unit.text, (n,)))
        return self._assemble(state, analysis, False, sentences, candidates)

    def _extractive_answer(self, state: ChainState) -> Answer:
        analysis = self._analyse_state(state)
        weight, corpus_has = self._scorers(state)
        source = self._report_names.get(state.report or "", None)
        best_source = source or (state.retrieved[0].chunk.source if state.retrieved else None)
        publication = publication_answer(state.resolved, self._document_chunks, best_source)
        if publication is not None:
            quote, imprint = publication
            return self._assemble(
                _sources_first(state, [imprint]),
                analysis,
                False,
                [AnswerSentence(quote, (1,))],
                {1: Retrieved(imprint, 1.0, 1)},
            )
        outline = outline_answer(state.resolved, self._toc_chunks, best_source)
        if outline is not None:
            text, toc = outline
            candidates = {1: Retrieved(toc, 1.0, 1)}
            state = _sources_first(state, [toc])
            return self._assemble(
                state, analysis, False, [AnswerSentence(f"{text}。", (1,))], candidates
            )
        part = named_part(state.resolved, self._headings(best_source)) if best_source else None
        if part is not None and best_source is not None:
            if asks_summary(state.resolved):
                summary = part_summary(self._all_units(), part, best_source)
                if summary:
                    return self._quoted_units(state, analysis, summary)
            if asks_timeline(state.resolved):
                steps = part_timeline(self._all_units(), (part,), best_source)
                if steps:
                    return self._quoted_units(state, analysis, steps)
            # 「第三部分里的首台套…」: passages of that part only, when retrieval found any.
            in_part = tuple(r for r in state.retrieved if r.chunk.section_path[:1] == (part,))
            if in_part:
                state = replace(state, retrieved=in_part)
        if part is None and best_source is not None and asks_timeline(state.resolved):
            steps = self._timeline(state, analysis, best_source)
            if steps:
                return self._quoted_units(state, analysis, steps, by_retrieval=True)
        # The report the passages come from (routed or named): its own tables only.
        rows = [r for r in self._table_rows if best_source is None or r.source == best_source]
        tabular = table_answer(analysis.text, rows)
        if tabular is not None:
            # 「表1一共列了多少份」「表1里最晚的一份」: read off the table, not a passage.
            sentences, members = tabular
            candidates = {i + 1: Retrieved(row, 1.0, i + 1) for i, row in enumerate(members)}
            return self._assemble(
                _sources_first(state, members), analysis, False, sentences, candidates
            )
        labelled = label_answer(
            analysis.text, rows, lambda text: question_coverage(analysis, text, weight)
        )
        if labelled is not None and analysis.qtype in ("list", "other", "definition"):
            lead, members = labelled
            candidates = {i + 1: Retrieved(row, 1.0, i + 1) for i, row in enumerate(members)}
            sentence = AnswerSentence(lead, tuple(candidates))
            return self._assemble(
                _sources_first(state, members), analysis, False, [sentence], candidates
            )
        heading = None
        if analysis.qtype in ("list", "other", "name", "definition"):
            about = lambda text: question_coverage(analysis, text, weight)  # noqa: E731
            heading = heading_cell_answer(
                analysis.text, analysis.terms, rows, about
            ) or cell_heading_answer(analysis.text, rows, about)
        column = heading or table_column_answer(analysis, rows, weight)
        draft = draft_answer(
            analysis,
            state.retrieved,
            weight,
            self._extractive,
            exclude=state.exclude,
            unit_similarity=self._unit_similarity_for(state.resolved),
            corpus_has=corpus_has,
        )
        if not draft.refused and wants_all_items(analysis.text):
            items = self._enumeration(draft.evidence)
            if items:
                return self._quoted_units(state, analysis, items)
        if column is not None and (
            column[2] >= draft.coverage or (heading is not None and mentions_table(analysis.text))
        ):
            # The question names a grid column and the grid covers it at least as well
            # as any sentence: answer with the column's cells.
            lead, used, _ = column
            candidates = {i + 1: Retrieved(chunk, 1.0, i + 1) for i, chunk in enumerate(used)}
            sentences = [AnswerSentence(lead, tuple(candidates))]
            if _asks_twice(analysis.text) and not draft.refused:
                # 「归在哪类下面？哪个地方落地过？」: the grid answers the first ask only.
                offset = len(candidates)
                for n, retrieved in draft.candidates.items():
                    candidates[n + offset] = retrieved
                sentences += [
                    replace(s, citations=tuple(n + offset for n in s.citations))
                    for s in draft.sentences
                ]
            return self._assemble(
                _sources_first(state, used), analysis, False, sentences, candidates
            )
        return self._assemble(
            state,
            analysis,
            draft.refused,
            list(draft.sentences),
            draft.candidates,
            lead=draft.lead,
            premise=draft.premise_note,
        )

    def _llm_answer(self, state: ChainState) -> Answer:
        assert self._chat_model is not None
        try:
            answer = answer_with_llm(
                self._chat_model,
                state.resolved,
                state.history,
                list(state.retrieved),
                self._model_name,
            )
        except LLMUnavailable as exc:
            fallback = self._extractive_answer(state)
            return replace(fallback, notice=f"{exc}（已改用抽取式回答）")
        return replace(
            answer,
            question=state.question,
            resolved_question=_shown_resolution(state),
            retrieved=state.retrieved,
            mode="llm",
            model=self._model_name,
        )

    def _refusal(
        self, state: ChainState, analysis: QuestionAnalysis, dropped: tuple[str, ...] = ()
    ) -> Answer:
        """「报告中没有提到…」 with the closest passages as related, not as citations."""
        return Answer(
            question=state.question,
            resolved_question=_shown_resolution(state),
            text=refusal_text(analysis),
            refused=True,
            mode="extractive",
            retrieved=state.retrieved[:3],
            dropped=dropped,
        )

    def _assemble(
        self,
        state: ChainState,
        analysis: QuestionAnalysis,
        refused: bool,
        sentences: list[AnswerSentence],
        candidates: Mapping[int, Retrieved],
        *,
        lead: str = "",
        premise: str = "",
    ) -> Answer:
        if refused or not sentences:
            return self._refusal(state, analysis)
        first_citation = sentences[0].citations
        prefix: list[AnswerSentence] = []
        if premise:
            prefix.append(AnswerSentence(premise, first_citation))
        elif lead:
            prefix.append(AnswerSentence(f"{lead}。", first_citation))
        verified = verify_answer(prefix + sentences, candidates)
        if not verified.sentences:
            return self._refusal(state, analysis, verified.dropped)
        return Answer(
            question=state.question,
            resolved_question=_shown_resolution(state),
            text=render_answer(verified.sentences),
            refused=False,
            mode="extractive",
            citations=verified.citations,
            retrieved=state.retrieved,
            sentences=verified.sentences,
            dropped=verified.dropped,
        )

    def _validate(self, state: ChainState) -> ChainState:
        assert state.answer is not None
        answer = state.answer
        # Every shown citation must have passed the check; anything else is a bug upstream.
        citations = tuple(c for c in answer.citations if c.verified)
        answer = replace(answer, citations=citations)
        return replace(state, answer=answer)

    # --- public API ----------------------------------------------------------------

    def answer(
        self, question: str, history: Sequence[Turn] = (), report: str | None = None
    ) -> Answer:
        """Answer one question (with the conversation so far) from the indexed reports.

        Extractive answers take a question's asks one by one when one passage cannot
        answer them all (`rag.asks`); a model reads the whole question itself.
        """
        if self._chat_model is None:
            return answer_each_ask(question, history, lambda q, h: self._answer_once(q, h, report))
        return self._answer_once(question, history, report)

    def _answer_once(
        self, question: str, history: Sequence[Turn] = (), report: str | None = None
    ) -> Answer:
        started = time.perf_counter()
        state = self.chain.invoke(
            ChainState(question=question, history=tuple(history), report=report)
        )
        assert state.answer is not None
        timings = {**state.timings, "total": _ms(started)}
        timings.pop("condense", None)
        return replace(state.answer, timings_ms=timings)

    def stream(
        self, question: str, history: Sequence[Turn] = (), report: str | None = None
    ) -> Iterator[AnswerDelta | Answer]:
        """Yield answer text as it is produced, then the final validated `Answer`."""
        if self._chat_model is None:
            answer = self.answer(question, history, report)
            for piece in _pieces(answer.text):
                yield AnswerDelta(piece)
            yield answer
            return
        yield from self._stream_llm(question, history, report)

    def _stream_llm(
        self, question: str, history: Sequence[Turn], report: str | None
    ) -> Iterator[AnswerDelta | Answer]:
        started = time.perf_counter()
        state = ChainState(question=question, history=tuple(history), report=report)
        state = self._rerank(self._retrieve(self._condense(state)))
        if state.problem:
            yield self.answer(question, history, report)
            return
        assert self._chat_model is not None
        answer_started = time.perf_counter()
        try:
            draft: LLMDraft | None = None
            for event in stream_llm_answer(
                self._chat_model, state.resolved, state.history, list(state.retrieved)
            ):
                if isinstance(event, AnswerDelta):
                    yield event
                else:
                    draft = event
        except LLMUnavailable as exc:
            fallback = self._extractive_answer(state)
            yield replace(fallback, notice=f"{exc}（已改用抽取式回答）")
            return
        assert draft is not None
        answer = self._answer_from_draft(state, draft)
        yield replace(
            answer,
            timings_ms={
                **state.timings,
                "answer": _ms(answer_started),
                "total": _ms(started),
            },
        )

    def _answer_from_draft(self, state: ChainState, draft: Any) -> Answer:
        candidates = {i + 1: r for i, r in enumerate(state.retrieved)}
        verified = verify_answer(draft.sentences, candidates)
        refused = draft.refused or not verified.citations
        text = render_answer(verified.sentences) if verified.sentences else ""
        if refused and not text:
            text = refusal_text(self._analyse(state.resolved))
        return Answer(
            question=state.question,
            resolved_question=_shown_resolution(state),
            text=text,
            refused=refused,
            mode="llm",
            model=self._model_name,
            citations=verified.citations,
            retrieved=state.retrieved if not refused else state.retrieved[:3],
            sentences=verified.sentences,
            dropped=redact_prompt_leaks(verified.dropped),
        )


def _asks_twice(question: str) -> bool:
    """「…归在哪类下面？…落地过哪些项目？」: a second question after the first one."""
    return bool(re.search(r"[？?].*\S", question.strip().rstrip("？?")))


def _sources_first(state: ChainState, answered_from: Sequence[Chunk]) -> ChainState:
    """Put the chunks a structural answer (TOC, grid) came from at the head of the sources.

    Those answers read the report's structure rather than the retrieved passages, and
    the sources a reader sees must include what was quoted. The list keeps its length.
    """
    ids = {c.id for c in answered_from}
    head = [Retrieved(chunk, 1.0, 0) for chunk in answered_from]
    rest = [r for r in state.retrieved if r.chunk.id not in ids]
    sources = [*head, *rest][: max(len(head), len(state.retrieved))]
    return replace(
        state,
        retrieved=tuple(
            replace(r, rank=i, first_rank=r.retrieval_rank if r.chunk.id not in ids else 0)
            for i, r in enumerate(sources, start=1)
        ),
    )


def _shown_resolution(state: ChainState) -> str:
    """The resolved question, or the question as typed when nothing was rewritten."""
    if not state.resolved or state.resolved == state.normalised:
        return state.question
    return state.resolved


def _pieces(text: str, size: int = 12) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


class UnavailableAnswerer(Answerer):
    """Stands in when the index or model cannot be loaded: explains instead of failing."""

    def __init__(self, problems: Sequence[str], mode: str = "extractive") -> None:
        self._problem_text = "；".join(problems)
        super().__init__(
            retrieve=lambda q, r: [],
            cut=lambda t: list(t),
            weight=lambda t: 1.0,
            problems=problems,
        )

    def answer(
        self, question: str, history: Sequence[Turn] = (), report: str | None = None
    ) -> Answer:
        return Answer(
            question=question,
            resolved_question=question,
            text=f"暂时无法回答：{self._problem_text}",
            refused=True,
            mode=self.mode,
            notice=self._problem_text,
        )


def stale_reports(reports: Sequence[Any]) -> list[str]:
    """Messages for indexed files that changed or vanished since ingest."""
    problems = []
    for entry in reports:
        if not entry.path:
            continue
        path = Path(entry.path)
        if not path.exists():
            problems.append(
                f"索引已过期：{entry.source} 已不存在，请运行 `reportqa ingest corpus/`。"
            )
        elif file_sha256(path) != entry.sha256:
            problems.append(
                f"索引已过期：{entry.source} 已修改，请运行 `reportqa ingest corpus/`。"
            )
    return problems


def example_questions(titles: Sequence[str], section_headings: Sequence[str]) -> list[str]:
    """A few starter questions built from the reports' own section headings."""
    examples = []
    for heading in section_headings[:3]:
        topic = re.sub(r"^[一二三四五六七八九十]+、", "", heading)
        examples.append(f"「{topic}」具体指什么？")
    if titles:
        examples.append("这份报告的主要结论是什么？")
    return examples


def make_tagger(tokenizer: Any) -> Callable[[str], list[tuple[str, str]]]:
    """Part-of-speech tagging with the same jieba dictionary (and user terms) as retrieval."""
    import jieba.posseg as pseg  # loads jieba's POS model (~0.3 s) on first use

    # jieba.posseg already loaded the default word-tag table at import (~1 s); reuse it
    # instead of parsing the same dictionary again for our own jieba instance.
    pos = pseg.POSTokenizer.__new__(pseg.POSTokenizer)
    pos.tokenizer = tokenizer.jieba()
    pos.word_tag_tab = pseg.dt.word_tag_tab
    return lambda text: [(w.word, w.flag) for w in pos.lcut(text)]


def llm_probe(llm: Any, every_s: float = 30.0) -> Callable[[], str]:
    """A cheap, cached reachability check of the LLM endpoint, for the UI banner.

    Returns "" when the endpoint answers, else a Chinese message naming the setting.
    The API key is sent but never appears in the message.
    """
    state: dict[str, Any] = {"at": -1e9, "problem": ""}

    def probe() -> str:
        now = time.monotonic()
        if now - state["at"] < every_s:
            return str(state["problem"])
        import httpx  # only in LLM mode: the endpoint's reachability probe

        url = llm.base_url.rstrip("/") + "/models"
        headers = {"Authorization": f"Bearer {llm.api_key}"} if llm.api_key else {}
        try:
            response = httpx.get(url, headers=headers, timeout=3.0)
            problem = (
                ""
                if response.status_code < 500
                else f"LLM 服务出错（HTTP {response.status_code}，REPORTQA_LLM_BASE_URL）：暂用抽取式回答。"
            )
        except httpx.HTTPError:
            problem = (
                f"无法连接 LLM 服务 {llm.base_url}（REPORTQA_LLM_BASE_URL）：暂用抽取式回答；"
                "请检查服务是否启动。"
            )
        state.update(at=now, problem=problem)
        return problem

    return probe


def build_answerer(settings: Settings, *, check_stale: bool = True) -> Answerer:
    """Load the index, the embedding model and (optionally) the LLM once; return the Answerer."""
    set_offline_environment()
    client = make_chroma_client(settings.index, settings.paths)
    collection, generation = open_active_collection(
        client, settings.index.collection_prefix, model=settings.embedding.model
    )

    def load_embeddings() -> Any:
        embeddings = make_embeddings(settings.embedding, settings.paths)
        info = embedding_info(embeddings, settings.embedding)
        if generation.dimension and info.dimension != generation.dimension:
            raise ModelMismatchError(
                f"索引向量维度为 {generation.dimension}，当前模型为 {info.dimension}；"
                "请重新运行 `reportqa ingest`。"
            )
        return embeddings

    # Loading torch and the model takes seconds; read the chunks and build jieba, the
    # tagger and BM25 meanwhile (cold start is measured in evals/reports/bench.md).
    with ThreadPoolExecutor(max_workers=1) as pool:
        loading = pool.submit(load_embeddings)
        indexed = load_indexed_chunks(collection)
        tokenizer = Tokenizer(
            user_terms=generation.user_terms, cache_dir=settings.paths.home / "cache"
        )
        tokenizer.warm_up()
        tag = make_tagger(tokenizer)
        bm25 = BM25Index.build([ic.chunk.id for ic in indexed], [list(ic.tokens) for ic in indexed])
        # Each report gets its own BM25 index, term weights and text (rag/route.py), so its
        # answers do not depend on the other reports in the index (docs/LIBRARY.md).
        bm25_by_source = build_bm25_by_source(
            [ic.chunk for ic in indexed], [ic.tokens for ic in indexed]
        )
        library = ReportStatistics.of([(ic.chunk, ic.tokens) for ic in indexed])
        per_report = statistics_by_source((ic.chunk, ic.tokens) for ic in indexed)
        embeddings = loading.result()

    from langchain_chroma import Chroma  # heavy (~1 s): only when the index is loaded

    vectorstore = Chroma(
        client=client,
        collection_name=generation.collection_name,
        embedding_function=embeddings,
        create_collection_if_not_exists=False,
    )
    retriever = HybridRetriever(
        vectorstore=vectorstore,
        bm25=bm25,
        tokenizer=tokenizer,
        chunks={ic.chunk.id: ic.chunk for ic in indexed},
        settings=settings.retrieval,
        bm25_by_source=bm25_by_source,
        collection=collection,
    )
    chat_model = None
    model_name = ""
    if settings.llm.enabled:
        chat_model = make_chat_model(settings.llm)
        model_name = settings.llm.model or "LLM"
    problems = stale_reports(generation.reports) if check_stale else []
    headings = list(
        dict.fromkeys(
            ic.chunk.section_path[0]
            for ic in indexed
            if ic.chunk.section_path
            and re.match(r"^[一二三四五六七八九十]+、", ic.chunk.section_path[0])
        )
    )
    units = load_or_build_unit_vectors(
        [ic.chunk for ic in indexed],
        settings.paths.index_dir,
        generation.collection_name,
        embeddings.embed_documents,
    )

    if settings.embedding.query_threads:
        # One question embeds one short text: a second torch thread only spins against
        # other work on a 2-core machine (measured in evals/reports/bench.md).
        import torch  # heavy (~1 s); loaded by the embedding model anyway

        torch.set_num_threads(settings.embedding.query_threads)

    def unit_similarity(question: str, item: Retrieved) -> list[float]:
        query = np.asarray(retriever.query_vector(question), dtype=np.float32)
        return units.similarities(item.chunk, query)

    verbatim_text = "\n".join(ic.chunk.text for ic in indexed)
    # A question is answered from one report, with that report's term weights and text.
    router = ReportRouter(
        retriever,
        analyse=lambda question: analyse_question(question, tokenizer.cut, tag),
        reports=per_report,
        library=library,
        unit_similarity=unit_similarity,
    )

    return Answerer(
        llm_probe=llm_probe(settings.llm) if settings.llm.enabled else None,
        table_rows=[ic.chunk for ic in indexed if ic.chunk.kind == "table_row"],
        toc_chunks=[ic.chunk for ic in indexed if ic.chunk.section_path[:1] == ("目录",)],
        expand=lambda question: expand_aliases(question, verbatim_text.__contains__),
        document_chunks=[ic.chunk for ic in indexed],
        corpus_has=library.corpus_has,
        statistics_for=lambda source: per_report.get(source, library),
        unit_similarity=unit_similarity,
        tag=tag,
        retrieve=router.retrieve,
        cut=tokenizer.cut,
        weight=library.weight,
        reports=[r.title for r in generation.reports],
        report_sources={
            **{r.title: r.source for r in generation.reports},
            **{r.source: r.source for r in generation.reports},
        },
        chat_model=chat_model,
        model_name=model_name,
        problems=problems,
        example_questions=example_questions([r.title for r in generation.reports], headings),
        normalise=normalise_question,
    )


def build_answerer_or_explain(settings: Settings) -> Answerer:
    """Like `build_answerer`, but a missing/corrupt index gives an Answerer that explains."""
    try:
        return build_answerer(settings)
    except ReportQAError as exc:
        log.warning("answerer unavailable: %s", exc)
        return UnavailableAnswerer([str(exc)])
