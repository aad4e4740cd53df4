"""Faults and bad settings: nothing lost, every failure explained.

Issue "Reliability and security". Cases:
- "an ingest killed with SIGKILL mid-way leaves the previous index fully usable,
  and the next ingest completes";
- "a deleted or corrupted index directory: the app starts and says what happened,
  and `reportqa ingest` rebuilds it";
- "a deleted model cache is rebuilt automatically on the next run";
- "the Chroma server stops while the app runs → each question gets a clear error;
  restart the server on the same port/path → questions work again without restarting";
- "two ingests at once: one waits or is refused, and the index is never interleaved";
- "an unknown embedding model path (REPORTQA_EMBED_MODEL=/nonexistent) → a clear
  message naming REPORTQA_EMBED_MODEL".
(LLM endpoint failures are in tests/test_bad_questions.py and tests/test_security.py.)
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPORT_TXT, REPORTQA, env_for, free_port, make_settings

pytestmark = pytest.mark.slow

CHROMA = str(Path(sys.executable).with_name("chroma"))
PILOT_QUESTION = "首台（套）保险补偿机制是哪一年开始试点的？"
TINY_SENTENCE = "丽水市的科技保险试点覆盖了十九家企业，保障金额为三千万元。"


def _run(args: list[str], env: dict[str, str], timeout: float = 600) -> Any:
    return subprocess.run(
        [*REPORTQA, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _ask_json(env: dict[str, str], question: str = PILOT_QUESTION) -> dict[str, Any]:
    result = _run(["ask", "--json", question], env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    return dict(json.loads(result.stdout))


def _collections(home: Path) -> list[str]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(
        path=str(home / "index" / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    return sorted(c.name for c in client.list_collections())


def _tiny_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny.txt").write_text(f"小报告\n\n{TINY_SENTENCE}\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def tiny_home(tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path) -> Path:
    """A home with one tiny report, ingested by `reportqa ingest` (cheap to rebuild)."""
    base = tmp_path_factory.mktemp("tiny")
    corpus = _tiny_corpus(base / "corpus")
    result = _run(["ingest", "--quiet", str(corpus)], env_for(base / "home", shared_models_dir))
    assert result.returncode == 0, result.stderr
    return base / "home"


def _chunk_count(home: Path) -> int:
    from rag.factory import make_chroma_client
    from rag.store import open_active_collection

    settings = make_settings(home, home / "unused-models")
    collection, _ = open_active_collection(
        make_chroma_client(settings.index, settings.paths), "reportqa"
    )
    return int(collection.count())


def test_sigkill_mid_ingest_keeps_previous_index(
    tmp_path: Path, real_home: Path, shared_models_dir: Path
) -> None:
    """An ingest killed with SIGKILL mid-way leaves the previous index fully usable
    (`reportqa ask --json` still answers with citations), and the next ingest completes."""
    home = tmp_path / "home"
    shutil.copytree(real_home, home)
    env = env_for(home, shared_models_dir)
    before = _collections(home)
    extra = tmp_path / "extra"
    extra.mkdir()
    # New chunks to embed after the reused ones are copied: the kill lands while the new
    # generation is half written (the model loads lazily, right before embedding).
    paragraphs = [
        f"第{i}段：某地第{i}批科技保险试点为{i + 10}家企业提供了{i * 7 + 100}万元的研发费用损失保障，"
        f"并由当地财政给予{i % 5 + 1}0%的保费补贴，试点期限为{i % 3 + 1}年。" * 3
        for i in range(60)  # enough that embedding them outlasts the wait below on any machine
    ]
    (extra / "extra.txt").write_text("附加报告\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    stderr_path = tmp_path / "ingest.err"
    with stderr_path.open("wb") as stderr:
        proc = subprocess.Popen(
            [*REPORTQA, "ingest", str(home / "corpus"), str(extra)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            # The progress bar appears once the new generation's collection exists and
            # the reused vectors are copied; embedding the new chunks comes next.
            deadline = time.monotonic() + 120
            while "索引" not in stderr_path.read_text(errors="replace"):
                assert proc.poll() is None, stderr_path.read_text(errors="replace")
                assert time.monotonic() < deadline, "ingest never started writing"
                time.sleep(0.1)
            time.sleep(0.5)
            assert proc.poll() is None, "ingest finished before it could be killed"
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    answer = _ask_json(env)
    assert answer["refused"] is False
    assert "2015" in answer["answer"]
    assert answer["citations"] and all(c["verified"] for c in answer["citations"])
    assert {r["source"] for r in answer["retrieved"]} == {REPORT_TXT.name}

    result = _run(["ingest", "--quiet", str(home / "corpus"), str(extra)], env)
    assert result.returncode == 0, result.stderr
    assert "复用" in result.stdout, result.stdout
    # The half-written generation was swept: the pointer, the new generation and the one
    # it replaced (kept for questions still running on it) remain.
    after = _collections(home)
    assert len(before) == 2 and len(after) == 3, (before, after)
    assert set(before) < set(after), (before, after)
    assert _chunk_count(home) > 69


def test_deleted_index_directory_is_explained(tmp_path: Path, shared_models_dir: Path) -> None:
    """A deleted index directory: the app starts and Status.problems / the banner say
    what happened and what to run."""
    from app.render import render_banner
    from rag.chain import build_answerer_or_explain

    answerer = build_answerer_or_explain(make_settings(tmp_path / "gone", shared_models_dir))
    status = answerer.status()
    assert not status.ok
    assert any("reportqa ingest" in p for p in status.problems), status.problems
    assert "reportqa ingest" in render_banner(status)
    answer = answerer.answer(PILOT_QUESTION)
    assert answer.refused and "reportqa ingest" in answer.text


def test_corrupted_index_is_explained_and_rebuilt(
    tmp_path: Path, tiny_home: Path, shared_models_dir: Path
) -> None:
    """A corrupted index directory: the app starts and says what happened; `reportqa
    ingest` sets the broken index aside (kept, not deleted) and rebuilds it."""
    from app.render import render_banner
    from rag.chain import build_answerer_or_explain

    home = tmp_path / "home"
    shutil.copytree(tiny_home, home)
    (home / "index" / "chroma" / "chroma.sqlite3").write_bytes(b"\x00garbage" * 64)

    status = build_answerer_or_explain(make_settings(home, shared_models_dir)).status()
    assert not status.ok
    assert any("索引已损坏" in p and "reportqa ingest" in p for p in status.problems), status
    assert "索引已损坏" in render_banner(status)

    env = env_for(home, shared_models_dir)
    asked = _run(["ask", "--json", "丽水市的试点覆盖了多少家企业？"], env)
    assert asked.returncode == 2 and "索引已损坏" in asked.stderr
    assert "Traceback" not in asked.stderr

    corpus = _tiny_corpus(tmp_path / "corpus")
    rebuilt = _run(["ingest", "--quiet", str(corpus)], env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "正在重建" in rebuilt.stderr
    assert list((home / "index").glob("chroma.corrupt-*")), "the broken index is kept aside"
    assert _chunk_count(home) == _chunk_count(tiny_home)


def test_deleted_model_cache_is_rebuilt(tmp_path: Path, shared_models_dir: Path) -> None:
    """A deleted model cache is rebuilt automatically on the next run (the same
    `resolve_model_path` every entry point goes through before loading the model)."""
    from rag.factory import resolve_model_path
    from rag.settings import EmbeddingSettings

    models = tmp_path / "models"
    shutil.copytree(shared_models_dir, models)
    expected = sorted(p.name for p in (models / "multilingual-e5-small").iterdir())
    shutil.rmtree(models / "multilingual-e5-small")
    paths = make_settings(tmp_path / "home", models).paths
    folder = Path(resolve_model_path(EmbeddingSettings(), paths))
    assert folder == models / "multilingual-e5-small"
    assert sorted(p.name for p in folder.iterdir()) == expected


def test_two_ingests_at_once_never_interleave(
    tmp_path: Path, tiny_home: Path, shared_models_dir: Path
) -> None:
    """Two ingests at once: one is refused with a message (ingest_lock), and the index
    is never interleaved (the chunk count equals a single ingest's)."""
    corpus = _tiny_corpus(tmp_path / "corpus")
    env = env_for(tmp_path / "home", shared_models_dir)
    procs = [
        subprocess.Popen(
            [*REPORTQA, "ingest", "--quiet", str(corpus)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=600) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], outputs
    refused = next(err for p, (_, err) in zip(procs, outputs, strict=True) if p.returncode == 2)
    assert "另一个 ingest 正在写索引" in refused
    assert _chunk_count(tmp_path / "home") == _chunk_count(tiny_home)
    # A waiting ingest (--wait) gets the lock afterwards and finds nothing to do.
    waited = _run(["ingest", "--quiet", "--wait", "60", str(corpus)], env)
    assert waited.returncode == 0 and "无变化" in waited.stdout, waited


def test_unknown_embedding_model_path_names_the_setting(
    tmp_path: Path, tiny_home: Path, shared_models_dir: Path
) -> None:
    """An unknown embedding model path (REPORTQA_EMBED_MODEL=/nonexistent) → a clear
    message naming REPORTQA_EMBED_MODEL, for ingest and for questions."""
    env = {**env_for(tmp_path / "home", shared_models_dir), "REPORTQA_EMBED_MODEL": "/nonexistent"}
    ingest = _run(["ingest", "--quiet", str(_tiny_corpus(tmp_path / "corpus"))], env)
    assert ingest.returncode != 0
    assert "REPORTQA_EMBED_MODEL" in ingest.stderr and "/nonexistent" in ingest.stderr
    assert "Traceback" not in ingest.stderr

    env["REPORTQA_HOME"] = str(tiny_home)
    asked = _run(["ask", "--json", "丽水市的试点覆盖了多少家企业？"], env)
    assert asked.returncode != 0
    assert "REPORTQA_EMBED_MODEL" in asked.stderr and "/nonexistent" in asked.stderr
    assert "Traceback" not in asked.stderr


# --- the Chroma server goes away and comes back ------------------------------------------


class ChromaServer:
    """`chroma run` on 127.0.0.1; stopped and restarted on the same port and path."""

    def __init__(self, path: Path, log: Path) -> None:
        self.path = path
        self.port = free_port()
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            address = ["--host", "127.0.0.1", "--port", str(self.port)]
            self.proc = subprocess.Popen(
                [CHROMA, "run", *address, "--path", str(self.path)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text(errors="replace")
            try:
                url = f"http://127.0.0.1:{self.port}/api/v2/heartbeat"
                with urllib.request.urlopen(url, timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError("chroma did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "chroma-data", tmp_path / "chroma.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _copy_index_to(client: Any, source_home: Path) -> None:
    """Put real_home's generation into `client`, reusing its vectors (no re-embedding)."""
    from ingest.index import write_generation
    from rag.factory import make_chroma_client
    from rag.store import iter_records, load_indexed_chunks, open_active_collection

    settings = make_settings(source_home, source_home / "unused-models")
    source = make_chroma_client(settings.index, settings.paths)
    collection, generation = open_active_collection(source, "reportqa")
    by_id = {
        record_id: embedding
        for record_id, _, _, embedding in iter_records(collection, include=("embeddings",))
    }
    desired = load_indexed_chunks(collection)
    # write_generation embeds what was embedded at ingest (embed_text, else text).
    vectors = {ic.chunk.embed_text or ic.chunk.text: by_id[ic.chunk.id] for ic in desired}
    write_generation(
        client,
        "reportqa",
        model=generation.model,
        backend=generation.backend,
        desired=desired,
        reports=generation.reports,
        user_terms=generation.user_terms,
        embed=lambda texts: [vectors[t] for t in texts],
    )


def test_chroma_server_stop_and_restart(
    tmp_path: Path, chroma_server: ChromaServer, real_home: Path, shared_models_dir: Path
) -> None:
    """The Chroma server stops while the app runs → each question gets a clear error
    naming REPORTQA_CHROMA_HOST/PORT; restarted on the same port/path → questions work
    again without restarting the app."""
    from rag.chain import build_answerer
    from rag.errors import ReportQAError
    from rag.factory import make_chroma_client
    from rag.settings import IndexSettings

    index = IndexSettings(chroma_host="127.0.0.1", chroma_port=chroma_server.port)
    settings = replace(make_settings(tmp_path / "home", shared_models_dir), index=index)
    _copy_index_to(make_chroma_client(settings.index, settings.paths), real_home)
    answerer = build_answerer(settings, check_stale=False)
    assert "2015" in answerer.answer(PILOT_QUESTION).text

    chroma_server.stop()
    for _ in range(2):  # each question, not just the first
        try:
            answer = answerer.answer(PILOT_QUESTION)
        except ReportQAError as exc:  # the CLI prints it, the UI shows it
            message = str(exc)
        else:  # the chain turned it into an answer
            assert answer.refused
            message = answer.text
        assert "Chroma" in message and "REPORTQA_CHROMA_HOST" in message, message

    chroma_server.start()
    assert "2015" in answerer.answer(PILOT_QUESTION).text


# --- load benchmark smoke test ---------------------------------------------------------------


def test_load_benchmark_smoke(
    tmp_path: Path, real_home: Path, shared_models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m evals.load --conversations 2 --turns 2 --sequential 10` runs the real
    app and reports the figures with 0 errors (no timing assertions: a benchmark)."""
    from evals import load

    monkeypatch.setenv("REPORTQA_MODELS_DIR", str(shared_models_dir))
    out = tmp_path / "load.md"
    argv = ["--conversations", "2", "--turns", "2", "--sequential", "10"]
    code = load.main([*argv, "--home", str(real_home), "--out", str(out)])
    table = out.read_text(encoding="utf-8")
    assert code == 0, table
    rows = [line for line in table.splitlines() if line.startswith("| 2 concurrent")]
    rows += [line for line in table.splitlines() if line.startswith("| sequential")]
    assert len(rows) == 2, table
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows]
    assert [c[1] for c in cells] == ["4", "10"]  # requests
    assert [c[2] for c in cells] == ["0", "0"]  # errors
    for row in cells:  # p50, p95, req/s, RSS before/after: all measured
        assert all(float(v) > 0 for v in row[3:8]), row
