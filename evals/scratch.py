"""Run one library report in a scratch REPORTQA_HOME: ingest it alone, ask, baselines, clean up.

Used by `reportqa eval --library` (evals/library.py). Everything is the real product
path: `ingest.pipeline.ingest_paths` (what `reportqa ingest` runs, evidence-unit
vectors included), `rag.chain.build_answerer`, and `evals.run.evaluate` (what
`reportqa eval` asks through). The scratch home shares the converted models
(`Paths.models_override`) and is deleted afterwards.
"""

from __future__ import annotations

import contextlib
import gc
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.common import EvalSetError, evaluate
from evals.library import LibraryReport, RunOutput
from ingest.pipeline import ingest_paths
from rag.factory import make_chroma_client
from rag.sentences import load_or_build_unit_vectors
from rag.store import load_indexed_chunks, open_active_collection

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from rag.settings import Settings


def release_chroma(home: Path) -> None:
    """Stop and forget chromadb's cached systems: those under `home`, and the in-memory one.

    chromadb keeps one System per path (and one "ephemeral" System, which the
    LangChain baseline uses) for the life of the process; a later client with other
    settings would be refused, and the scratch home's files would stay open.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    cache = SharedSystemClient._identifier_to_system
    for key, system in list(cache.items()):
        directory = str(getattr(system.settings, "persist_directory", "") or "")
        if key == "ephemeral" or directory.startswith(str(home)):
            with contextlib.suppress(Exception):
                system.stop()
            cache.pop(key, None)
            SharedSystemClient._identifier_to_refcount.pop(key, None)


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run the block on `threads` torch threads (0: leave as is), then restore the count.

    Ingest embeds with torch's default, as `reportqa ingest` does. Answering and the
    baselines embed one query at a time, which the answerer pins process-wide to
    `EmbeddingSettings.question_threads` (1 for torch): measured on the shared 2-core machine, a
    query takes 0.045 s on one thread and 0.27 s on two, so the baselines run pinned
    too, and the count is restored for the next report's ingest.
    """
    import torch  # already loaded with the embedding model

    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class ScratchRunner:
    """Runs one report in a temporary home: ingest alone, ask, baselines, clean up.

    The embedding model is loaded once and shared by every ingest and baseline;
    the answerer is the real one (`rag.chain.build_answerer`), built per report.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        baselines: bool = True,
        answerer_factory: Callable[[Settings], Any] | None = None,
        ask: Callable[[Any, list[dict[str, Any]]], list[dict[str, Any]]] = evaluate,
    ) -> None:
        self.settings = settings
        # How the items are asked: one by one (`evaluate`), or as dialogues
        # (`evals.conversation.play`).
        self._ask = ask
        self.baselines = baselines
        self._answerer_factory = answerer_factory
        self._embeddings: Embeddings | None = None

    def embeddings(self) -> Embeddings:
        if self._embeddings is None:
            from rag.factory import make_embeddings

            self._embeddings = make_embeddings(self.settings.embedding, self.settings.paths)
        return self._embeddings

    def scratch_settings(self, home: Path) -> Settings:
        """The configured settings in `home`, sharing the models, with a local index."""
        from rag.settings import IndexSettings, Paths

        paths = Paths(home=home, models_override=self.settings.paths.models_dir)
        # Always an embedded index: a configured Chroma server must never receive these.
        return replace(self.settings, paths=paths, index=IndexSettings())

    def __call__(self, report: LibraryReport, items: list[dict[str, Any]]) -> RunOutput:
        home = Path(tempfile.mkdtemp(prefix="reportqa-library-"))
        timings: dict[str, float] = {}
        try:
            settings = self.scratch_settings(home)
            started = time.perf_counter()
            chunk_texts = self.ingest(report.source, settings)
            timings["ingest"] = time.perf_counter() - started
            factory = self._answerer_factory
            if factory is None:
                from rag.chain import build_answerer

                factory = build_answerer
            baselines: dict[str, list[dict[str, Any]]] = {}
            with torch_threads(settings.embedding.question_threads):
                started = time.perf_counter()
                answerer = factory(settings)
                results = self._ask(answerer, items)
                del answerer
                timings["answer"] = time.perf_counter() - started
                if self.baselines:
                    from evals.baselines import run_baselines

                    started = time.perf_counter()
                    for run in run_baselines(
                        settings, items, files=[report.text], embeddings=self.embeddings()
                    ):
                        baselines[run.name] = run.results
                    timings["baselines"] = time.perf_counter() - started
            return RunOutput(results, chunk_texts, baselines, timings)
        finally:
            release_chroma(home)
            gc.collect()
            shutil.rmtree(home, ignore_errors=True)

    def ingest(self, source: Path, settings: Settings) -> list[str]:
        """`reportqa ingest <source>` into `settings`' home; the indexed chunk texts."""
        embed = self.embeddings().embed_documents
        client = make_chroma_client(settings.index, settings.paths)
        summary = ingest_paths([source], settings, client=client, embed_factory=lambda: embed)
        if summary.errors or not summary.chunks:
            reasons = "；".join(e.message for e in summary.errors) or "没有可索引的文字"
            raise EvalSetError(f"无法入库 {source.name}：{reasons}")
        collection, generation = open_active_collection(client, settings.index.collection_prefix)
        chunks = [ic.chunk for ic in load_indexed_chunks(collection)]
        # As `reportqa ingest` does: evidence-unit vectors now, not at the first question.
        load_or_build_unit_vectors(
            chunks, settings.paths.index_dir, generation.collection_name, embed
        )
        return [c.text for c in chunks]
