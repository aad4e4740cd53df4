"""One chain, one API: question → retrieve → rerank → draft → verify → Answer.

`Answerer.answer()` and `Answerer.stream()` run the same LCEL chain. The first
step builds the typed `Question` (`rag.question.build_question`); retrieval
routes it to one report; the reranker orders the passages by their best
sentence; an answer strategy (`rag.strategies.registry`) or the LLM writes a
`Draft`; the verify stage (`rag.verify.assemble_answer`) checks its citations and
returns the `Answer`. `build_answerer(settings)` is the factory that loads models
and the index once and builds the `Context`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.runnables import Runnable, RunnableLambda

from rag.aliases import expand_aliases, report_wording
from rag.asks import answer_each_ask
from rag.bm25 import BM25Index
from rag.context import Context, Corpus, Scorers
from rag.draft import Draft
from rag.errors import ModelMismatchError, ReportQAError
from rag.evidence import ScoringSettings
from rag.factory import (
    check_index_backend,
    embedding_info,
    make_chroma_client,
    make_embeddings,
    set_offline_environment,
)
from rag.followup_model import FollowupModel, load_followup_model
from rag.lexicon import Lexicon, load_lexicon
from rag.llm import (
    LLMDraft,
    LLMUnavailable,
    condense_question,
    draft_with_llm,
    make_chat_model,
    model_draft,
    stream_llm_answer,
)
from rag.question import Language, Question, build_question
from rag.rerank import rerank
from rag.retrieve import HybridRetriever, build_bm25_by_source
from rag.route import ReportRouter, ReportStatistics, statistics_by_source
from rag.scoring import load_scoring
from rag.sections import named_path
from rag.sentences import load_or_build_unit_vectors
from rag.settings import Settings
from rag.store import file_sha256, load_indexed_chunks, open_active_collection
from rag.strategies.base import Passages
from rag.strategies.registry import draft_with_strategies
from rag.textnorm import normalise_question
from rag.tokenize import Tokenizer
from rag.types import Answer, AnswerDelta, Retrieved, Status, Turn
from rag.verify import absent_terms, assemble_answer

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger("reportqa")

Retrieve = Callable[[Question, str | None], list[Retrieved]]


@dataclass(frozen=True)
class ChainState:
    """What flows between the chain's steps."""

    question: str
    history: tuple[Turn, ...] = ()
    report: str | None = None
    parsed: Question | None = None
    problem: str = ""
    retrieved: tuple[Retrieved, ...] = ()
    draft: Draft | None = None
    notice: str = ""
    answer: Answer | None = None
    timings: Mapping[str, float] = field(default_factory=dict)


def _under(passages: Sequence[Retrieved], path: tuple[str, ...]) -> tuple[Retrieved, ...]:
    """The passages under a section path."""
    return tuple(r for r in passages if r.chunk.section_path[: len(path)] == path)


class Answerer:
    """Answers questions about the indexed reports. Load once, ask many times."""

    def __init__(
        self,
        context: Context,
        retrieve: Retrieve,
        chat_model: BaseChatModel | None = None,
        *,
        model_name: str = "",
        problems: Sequence[str] = (),
        example_questions: Sequence[str] = (),
        llm_probe: Callable[[], str] | None = None,
    ) -> None:
        self.context = context
        self._retrieve_fn = retrieve
        self._chat_model = chat_model
        self._model_name = model_name
        self._problems = list(problems)
        self._examples = list(example_questions)
        self._llm_probe = llm_probe
        self.chain: Runnable[ChainState, ChainState] = (
            RunnableLambda(self._understand)
            | RunnableLambda(self._retrieve)
            | RunnableLambda(self._rerank)
            | RunnableLambda(self._draft)
            | RunnableLambda(self._verify)
        ).with_config(run_name="reportqa")

    def with_context(self, context: Context) -> Answerer:
        """The same answerer (retrieval, model, examples) over another `Context`."""
        return Answerer(
            context,
            self._retrieve_fn,
            self._chat_model,
            model_name=self._model_name,
            problems=self._problems,
            example_questions=self._examples,
            llm_probe=self._llm_probe,
        )

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
            reports=self.context.corpus.titles,
            problems=tuple(problems),
        )

    def examples(self) -> list[str]:
        return list(self._examples)

    def question(
        self, text: str, history: Sequence[Turn] = (), report: str | None = None
    ) -> Question:
        """What `text` means in this conversation (the chain's first step)."""
        rewrite = self._llm_rewrite if self._chat_model is not None else None
        return build_question(text, history, report, self.context, rewrite)

    def passages(
        self, text: str, history: Sequence[Turn] = (), report: str | None = None
    ) -> Passages | None:
        """The passages a question's answer is drawn from (understood, retrieved,
        reranked, scoped), for diagnostics and for fitting the scoring; None when the
        question cannot be searched (empty, unknown report, retrieval failed)."""
        state = ChainState(text, tuple(history), report)
        state = self._rerank(self._retrieve(self._understand(state)))
        return None if state.problem else self._passages(state)

    # --- chain steps -------------------------------------------------------------

    def _understand(self, state: ChainState) -> ChainState:
        started = time.perf_counter()
        question = state.parsed or self.question(state.question, state.history, state.report)
        timings = state.timings if question.problem else {**state.timings, "condense": _ms(started)}
        return replace(state, parsed=question, problem=question.problem, timings=timings)

    def _llm_rewrite(self, question: str, history: Sequence[Turn]) -> str | None:
        """The model's standalone rewrite of a follow-up; None when it cannot be reached."""
        assert self._chat_model is not None
        try:
            return condense_question(self._chat_model, question, history, self.context.lexicon)
        except LLMUnavailable:
            return None

    def _retrieve(self, state: ChainState) -> ChainState:
        if state.problem:
            return state
        assert state.parsed is not None
        started = time.perf_counter()
        source = None
        if state.report:
            # A report is named by its file name or its title; anything else (a path, say) is refused.
            source = self.context.corpus.report_names.get(state.report)
            if source is None:
                return replace(
                    state,
                    problem=f"索引里没有这份报告：{state.report}（可用 `reportqa list` 查看）。",
                )
        try:
            retrieved = tuple(self._retrieve_fn(state.parsed, source))
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

    def _rerank(self, state: ChainState) -> ChainState:
        if state.problem or not state.retrieved:
            return state
        assert state.parsed is not None
        started = time.perf_counter()
        ctx = self.context
        reranked = rerank(
            state.parsed,
            state.retrieved,
            ctx.scorers.for_passages(state.retrieved)[0],
            ctx.rerank,
            ctx.scoring,
            ctx.lexicon,
            ctx.scorers.similarity_to(state.parsed.text),
        )
        return replace(state, retrieved=reranked, timings={**state.timings, "rerank": _ms(started)})

    def _passages(self, state: ChainState) -> Passages:
        """The routed passages and those of the part the question names (scoped once)."""
        assert state.parsed is not None
        question, corpus, routed = state.parsed, self.context.corpus, state.retrieved
        source = corpus.report_names.get(state.report or "", None)
        best_source = source or (routed[0].chunk.source if routed else None)
        parts = self.context.parts.get(best_source, ()) if best_source else ()
        path = named_path(question, parts, self.context.scorers.text_similarity)
        # 「第三部分里的首台套…」「3.2节…」: passages of that part only, when retrieval found
        # any there (else of its top-level part).
        in_part = (_under(routed, path) or _under(routed, path[:1])) if path else ()
        part = path[0] if path else None
        return Passages(question, self.context, routed, in_part or routed, best_source, part, path)

    def _draft(self, state: ChainState) -> ChainState:
        if state.problem:
            return state
        started = time.perf_counter()
        if self._chat_model is not None:
            state = self._llm_draft(state)
        else:
            assert state.parsed is not None
            draft = draft_with_strategies(state.parsed, self._passages(state), self.context)
            state = replace(state, draft=draft)
        return replace(state, timings={**state.timings, "answer": _ms(started)})

    def _llm_draft(self, state: ChainState) -> ChainState:
        assert self._chat_model is not None and state.parsed is not None
        try:
            draft = draft_with_llm(
                self._chat_model,
                state.parsed.text,
                state.history,
                list(state.retrieved),
                self.context.lexicon,
                self._model_name or "LLM",
            )
        except LLMUnavailable as exc:
            draft = draft_with_strategies(state.parsed, self._passages(state), self.context)
            return replace(state, draft=draft, notice=f"{exc}（已改用抽取式回答）")
        return replace(state, draft=draft)

    def _verify(self, state: ChainState) -> ChainState:
        assert state.parsed is not None
        if state.problem:
            answer = Answer(
                question=state.question,
                resolved_question=state.parsed.shown_resolution,
                followup=state.parsed.followup,
                text=state.problem,
                refused=True,
                mode=self.mode,
                model=self._model_name,
            )
            return replace(state, answer=answer)
        assert state.draft is not None
        started = time.perf_counter()
        report_has = self.context.scorers.for_passages(state.retrieved)[1]
        absent = absent_terms(state.parsed, report_has, self.context.lexicon)
        answer = assemble_answer(state.draft, state.parsed, self.context.lexicon, absent)
        if state.notice:
            answer = replace(answer, notice=state.notice)
        answer_ms = state.timings.get("answer", 0.0) + _ms(started)
        return replace(state, answer=answer, timings={**state.timings, "answer": answer_ms})

    # --- public API ----------------------------------------------------------------

    def answer(
        self, question: str, history: Sequence[Turn] = (), report: str | None = None
    ) -> Answer:
        """Answer one question (with the conversation so far) from the indexed reports.

        Extractive answers take a question's asks one by one when one passage cannot
        answer them all (`rag.asks`); a model reads the whole question itself.
        """
        started = time.perf_counter()
        parsed = self.question(question, history, report)
        whole = self._run(ChainState(question, tuple(history), report, parsed), started)
        if self._chat_model is not None:
            return whole
        return answer_each_ask(
            parsed,
            history,
            whole,
            lambda q, h: self._answer_once(q, h, report),
            self.context.lexicon,
            self.context.language.tag,
        )

    def _answer_once(
        self, question: str, history: Sequence[Turn] = (), report: str | None = None
    ) -> Answer:
        started = time.perf_counter()
        return self._run(ChainState(question, tuple(history), report), started)

    def _run(self, state: ChainState, started: float) -> Answer:
        state = self.chain.invoke(state)
        assert state.answer is not None
        timings = {**state.timings, "total": _ms(started)}
        timings.pop("condense", None)
        return replace(state.answer, timings_ms=timings)

    def stream(
        self, question: str, history: Sequence[Turn] = (), report: str | None = None
    ) -> Iterator[AnswerDelta | Answer]:
        """Yield answer text as it is produced, then the final verified `Answer`."""
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
        state = self._rerank(self._retrieve(self._understand(state)))
        if state.problem:
            yield self.answer(question, history, report)
            return
        assert self._chat_model is not None and state.parsed is not None
        answer_started = time.perf_counter()
        draft: LLMDraft | None = None
        try:
            for event in stream_llm_answer(
                self._chat_model,
                state.parsed.text,
                state.history,
                list(state.retrieved),
                self.context.lexicon,
            ):
                if isinstance(event, AnswerDelta):
                    yield event
                else:
                    draft = event
        except LLMUnavailable as exc:
            fallback = draft_with_strategies(state.parsed, self._passages(state), self.context)
            answer = assemble_answer(fallback, state.parsed, self.context.lexicon)
            yield replace(answer, notice=f"{exc}（已改用抽取式回答）")
            return
        assert draft is not None
        checked = model_draft(draft, state.retrieved, self._model_name or "LLM")
        answer = assemble_answer(checked, state.parsed, self.context.lexicon)
        yield replace(
            answer,
            timings_ms={**state.timings, "answer": _ms(answer_started), "total": _ms(started)},
        )


def _pieces(text: str, size: int = 12) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


class UnavailableAnswerer:
    """Stands in when the index or model cannot be loaded: explains instead of failing."""

    def __init__(self, problems: Sequence[str], mode: str = "extractive") -> None:
        self._problems = tuple(problems)
        self._problem_text = "；".join(problems)
        self.mode = mode

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

    def stream(
        self, question: str, history: Sequence[Turn] = (), report: str | None = None
    ) -> Iterator[AnswerDelta | Answer]:
        answer = self.answer(question, history, report)
        for piece in _pieces(answer.text):
            yield AnswerDelta(piece)
        yield answer

    def status(self) -> Status:
        return Status(ok=not self._problems, mode=self.mode, problems=self._problems)

    def examples(self) -> list[str]:
        return []


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


def example_questions(
    titles: Sequence[str], section_headings: Sequence[str], lexicon: Lexicon
) -> list[str]:
    """A few starter questions built from the reports' own section headings."""
    examples = []
    for heading in section_headings[:3]:
        topic = lexicon.patterns.heading_prefix.sub("", heading)
        examples.append(f"「{topic}」具体指什么？")
    if titles:
        examples.append("这份报告的主要结论是什么？")
    return examples


def make_tagger(
    tokenizer: Any, retagged: Mapping[str, str] | None = None
) -> Callable[[str], list[tuple[str, str]]]:
    """Part-of-speech tagging with the same jieba dictionary (and user terms) as retrieval.

    `retagged` gives the everyday tag of common words jieba's dictionary tags as names
    (`Lexicon.tokens.retagged`: 「上市」「山羊」 are no places), so that questions and
    passages are read alike.
    """
    import jieba.posseg as pseg  # loads jieba's POS model (~0.3 s) on first use

    # jieba.posseg already loaded the default word-tag table at import (~1 s); reuse it
    # instead of parsing the same dictionary again for our own jieba instance.
    pos = pseg.POSTokenizer.__new__(pseg.POSTokenizer)
    pos.tokenizer = tokenizer.jieba()
    pos.word_tag_tab = pseg.dt.word_tag_tab
    fixes = retagged or {}
    return lambda text: [(w.word, fixes.get(w.word, w.flag)) for w in pos.lcut(text)]


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


@dataclass(frozen=True)
class _Loaded:
    """What `build_answerer` reads from the index before it wires the chain."""

    generation: Any
    indexed: list[Any]
    tokenizer: Any
    tag: Callable[[str], list[tuple[str, str]]]
    retriever: Any
    embeddings: Any


def _load(settings: Settings, lexicon: Lexicon, embeddings: Any | None = None) -> _Loaded:
    """Open the active index and load the embedding model (unless given), jieba, the
    tagger and BM25."""
    client = make_chroma_client(settings.index, settings.paths)
    collection, generation = open_active_collection(
        client, settings.index.collection_prefix, model=settings.embedding.model
    )

    check_index_backend(generation.backend, settings.embedding, settings.paths)

    def load_embeddings() -> Any:
        model = embeddings or make_embeddings(settings.embedding, settings.paths)
        info = embedding_info(model, settings.embedding)
        if generation.dimension and info.dimension != generation.dimension:
            raise ModelMismatchError(
                f"索引向量维度为 {generation.dimension}，当前模型为 {info.dimension}；"
                "请重新运行 `reportqa ingest`。"
            )
        return model

    # Loading torch and the model takes seconds; read the chunks and build jieba, the
    # tagger and BM25 meanwhile (cold start is measured in evals/reports/bench.md).
    with ThreadPoolExecutor(max_workers=1) as pool:
        loading = pool.submit(load_embeddings)
        indexed = load_indexed_chunks(collection)
        tokenizer = Tokenizer(
            user_terms=generation.user_terms,
            cache_dir=settings.paths.jieba_cache_dir,
            lexicon=lexicon,
        )
        tokenizer.warm_up()
        tag = make_tagger(tokenizer, lexicon.tokens.retagged)
        bm25 = BM25Index.build([ic.chunk.id for ic in indexed], [list(ic.tokens) for ic in indexed])
        # Each report gets its own BM25 index, term weights and text (rag/route.py), so its
        # answers do not depend on the other reports in the index (docs/LIBRARY.md).
        bm25_by_source = build_bm25_by_source(
            [ic.chunk for ic in indexed], [ic.tokens for ic in indexed]
        )
        model = loading.result()

    from langchain_chroma import Chroma  # heavy (~1 s): only when the index is loaded

    vectorstore = Chroma(
        client=client,
        collection_name=generation.collection_name,
        embedding_function=model,
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
    return _Loaded(generation, indexed, tokenizer, tag, retriever, model)


def _unit_similarity(
    settings: Settings, loaded: _Loaded
) -> Callable[[str, Retrieved], list[float]]:
    """The e5 similarity of a question to each evidence unit of a passage (cached vectors)."""
    units = load_or_build_unit_vectors(
        [ic.chunk for ic in loaded.indexed],
        settings.paths.index_dir,
        loaded.generation.collection_name,
        loaded.embeddings.embed_documents,
    )
    threads = settings.embedding.question_threads
    if threads and settings.embedding.backend == "torch":
        # One question embeds one short text: a second torch thread only spins against
        # other work on a 2-core machine (measured in evals/reports/bench.md).
        import torch  # heavy (~1 s); loaded by the embedding model anyway

        torch.set_num_threads(threads)
    retriever = loaded.retriever

    # Every passage of a question is compared with the same vector: converted once.
    last: list[tuple[str, np.ndarray]] = []

    def unit_similarity(question: str, item: Retrieved) -> list[float]:
        if not last or last[0][0] != question:
            vector = np.asarray(retriever.query_vector(question), dtype=np.float32)
            last[:] = [(question, vector)]
        return units.similarities(item.chunk, last[0][1])

    return unit_similarity


def _text_similarity(loaded: _Loaded) -> Callable[[str, Sequence[str]], list[float]]:
    """The e5 similarity of a question to each of some texts; a text is embedded once."""
    vectors: dict[str, np.ndarray] = {}

    def unit(vector: Sequence[float]) -> np.ndarray:
        array = np.asarray(vector, dtype=np.float32)
        norm = float(np.linalg.norm(array))
        return array / norm if norm else array

    def similarity(question: str, texts: Sequence[str]) -> list[float]:
        missing = [t for t in dict.fromkeys(texts) if t not in vectors]
        if missing:
            for text, vector in zip(
                missing, loaded.embeddings.embed_documents(missing), strict=True
            ):
                vectors[text] = unit(vector)
        asked = unit(loaded.retriever.query_vector(question))
        return [float(vectors[t] @ asked) for t in texts]

    return similarity


def _context(
    loaded: _Loaded,
    unit_similarity: Callable[[str, Retrieved], list[float]],
    library: ReportStatistics,
    per_report: Mapping[str, ReportStatistics],
    lexicon: Lexicon,
    scoring: ScoringSettings,
    followup_model: FollowupModel | None = None,
) -> Context:
    """The answer path's Context: language tools, the reports, their statistics."""
    indexed = loaded.indexed
    verbatim_text = report_wording(ic.chunk for ic in indexed)
    reports = loaded.generation.reports
    return Context(
        language=Language(
            lexicon=lexicon,
            cut=loaded.tokenizer.cut,
            tag=loaded.tag,
            normalise=lambda question: normalise_question(question, lexicon),
            expand=lambda question: expand_aliases(question, verbatim_text.__contains__, lexicon),
            known=loaded.tokenizer.knows,
            followup_model=followup_model,
        ),
        scorers=Scorers(
            weight=library.weight,
            corpus_has=library.corpus_has,
            statistics_for=lambda source: per_report.get(source, library),
            unit_similarity=unit_similarity,
            text_similarity=_text_similarity(loaded),
        ),
        corpus=Corpus(
            chunks=tuple(ic.chunk for ic in indexed),
            report_names={
                **{r.title: r.source for r in reports},
                **{r.source: r.source for r in reports},
            },
            titles=tuple(r.title for r in reports),
        ),
        scoring=scoring,
    )


def build_answerer(
    settings: Settings,
    *,
    check_stale: bool = True,
    embeddings: Any | None = None,
    scoring: ScoringSettings | None = None,
) -> Answerer:
    """Load the index, the embedding model and (optionally) the LLM once; return the Answerer.

    `embeddings` reuses an embedding model already loaded (the web app rebuilds the
    Answerer for each new index generation with the same model). `scoring` replaces the
    fitted scoring and selection settings (`rag.scoring.load_scoring`; evals.fit_answer
    tries candidates with it).
    """
    set_offline_environment()
    lexicon = load_lexicon()
    loaded = _load(settings, lexicon, embeddings)
    unit_similarity = _unit_similarity(settings, loaded)
    library = ReportStatistics.of([(ic.chunk, ic.tokens) for ic in loaded.indexed])
    per_report = statistics_by_source((ic.chunk, ic.tokens) for ic in loaded.indexed)
    # The evidence-scoring weights fitted across the tuning reports (rag/scoring.toml) and
    # how much of the scored evidence an answer keeps (rag/selection.toml).
    if scoring is None:
        scoring = load_scoring()
    # The follow-up veto fitted on the tuning reports' questions (rag/followup.toml).
    ctx = _context(
        loaded, unit_similarity, library, per_report, lexicon, scoring, load_followup_model()
    )
    # A question is answered from one report, with that report's term weights and text.
    router = ReportRouter(
        loaded.retriever,
        reports=per_report,
        library=library,
        lexicon=lexicon,
        unit_similarity=unit_similarity,
        scoring=scoring,
    )
    chat_model = None
    if settings.llm.enabled:
        chat_model = make_chat_model(settings.llm)
    headings = list(
        dict.fromkeys(
            c.section_path[0]
            for c in ctx.corpus.chunks
            if c.section_path and lexicon.patterns.heading_prefix.match(c.section_path[0])
        )
    )
    return Answerer(
        ctx,
        router.retrieve,
        chat_model,
        model_name=(settings.llm.model or "LLM") if settings.llm.enabled else "",
        problems=stale_reports(loaded.generation.reports) if check_stale else [],
        example_questions=example_questions(ctx.corpus.titles, headings, lexicon),
        llm_probe=llm_probe(settings.llm) if settings.llm.enabled else None,
    )


def build_answerer_or_explain(settings: Settings) -> Answerer | UnavailableAnswerer:
    """Like `build_answerer`, but a missing/corrupt index gives an Answerer that explains."""
    try:
        return build_answerer(settings)
    except ReportQAError as exc:
        log.warning("answerer unavailable: %s", exc)
        return UnavailableAnswerer([str(exc)])
