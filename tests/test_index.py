"""The index: idempotent re-ingest, replacement without stale chunks, atomic generations,
refusal of a mismatched model, and server mode against a real `chroma run`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import ingest_paths
from rag.errors import IndexMissingError, ModelMismatchError
from rag.factory import make_chroma_client
from rag.settings import IndexSettings, Paths, Settings
from rag.store import load_indexed_chunks, open_active_collection, read_generation
from tests.conftest import REPORT_TXT, free_port
from tests.fakes import HashEmbeddings


def _settings(home: Path, model: str = "fake-model") -> Settings:
    settings = Settings(paths=Paths(home=home))
    return replace(settings, embedding=replace(settings.embedding, model=model))


class CountingEmbedder:
    """Fake passage embedder that counts what it embeds (to prove reuse)."""

    def __init__(self) -> None:
        self.embedded: list[str] = []
        self._fake = HashEmbeddings(dim=32)

    def __call__(self, texts: list[str]) -> list[list[float]]:
        self.embedded.extend(texts)
        return self._fake.embed_documents(texts)


def _ingest(settings: Settings, client: Any, folder: Path, embedder: CountingEmbedder) -> Any:
    return ingest_paths([folder], settings, client=client, embed_factory=lambda: embedder)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(REPORT_TXT, folder / REPORT_TXT.name)
    return folder


def test_reingesting_unchanged_files_writes_nothing(tmp_path: Path, corpus: Path) -> None:
    settings = _settings(tmp_path / "home")
    client = make_chroma_client(settings.index, settings.paths)
    first = _ingest(settings, client, corpus, CountingEmbedder())
    generation = read_generation(client, "reportqa")
    assert first.changed and first.embedded == first.chunks > 20
    embedder = CountingEmbedder()
    second = _ingest(settings, client, corpus, embedder)
    assert not second.changed and embedder.embedded == []
    assert read_generation(client, "reportqa") == generation


def test_changed_file_replaces_its_chunks_and_leaves_none_stale(
    tmp_path: Path, corpus: Path
) -> None:
    settings = _settings(tmp_path / "home")
    client = make_chroma_client(settings.index, settings.paths)
    _ingest(settings, client, corpus, CountingEmbedder())
    report = corpus / REPORT_TXT.name
    text = report.read_text(encoding="utf-8")
    report.write_text(text.replace("1250 万元", "1300 万元"), encoding="utf-8")
    embedder = CountingEmbedder()
    summary = _ingest(settings, client, corpus, embedder)
    assert summary.changed and 0 < len(embedder.embedded) <= 3  # only the edited chunk(s)
    collection, _ = open_active_collection(client, "reportqa")
    texts = [ic.chunk.text for ic in load_indexed_chunks(collection)]
    assert any("1300 万元" in t for t in texts)
    assert not any("1250 万元" in t for t in texts)
    # Beside the pointer remain the active generation and the one it replaced (a running
    # app may still be answering on it); a third ingest drops the oldest.
    active = read_generation(client, "reportqa")
    assert active is not None and active.previous
    names = {c.name for c in client.list_collections() if c.name.startswith("reportqa_g")}
    assert names == {active.collection_name, active.previous}
    report.write_text(text.replace("1250 万元", "1400 万元"), encoding="utf-8")
    _ingest(settings, client, corpus, CountingEmbedder())
    newest = read_generation(client, "reportqa")
    assert newest is not None and newest.previous == active.collection_name
    names = {c.name for c in client.list_collections() if c.name.startswith("reportqa_g")}
    assert names == {newest.collection_name, active.collection_name}


def test_deleted_file_is_removed_from_a_mirrored_folder(tmp_path: Path, corpus: Path) -> None:
    settings = _settings(tmp_path / "home")
    client = make_chroma_client(settings.index, settings.paths)
    extra = corpus / "second.txt"
    extra.write_text("第二份报告\n\n一、测试章节\n\n这是一段用于测试的文字。", encoding="utf-8")
    _ingest(settings, client, corpus, CountingEmbedder())
    assert {r.source for r in read_generation(client, "reportqa").reports} == {  # type: ignore[union-attr]
        REPORT_TXT.name,
        "second.txt",
    }
    extra.unlink()
    summary = _ingest(settings, client, corpus, CountingEmbedder())
    assert summary.removed == ("second.txt",)
    assert {r.source for r in read_generation(client, "reportqa").reports} == {REPORT_TXT.name}  # type: ignore[union-attr]


def test_an_ingest_that_fails_midway_leaves_the_previous_index_visible(
    tmp_path: Path, corpus: Path
) -> None:
    settings = _settings(tmp_path / "home")
    client = make_chroma_client(settings.index, settings.paths)
    _ingest(settings, client, corpus, CountingEmbedder())
    before = read_generation(client, "reportqa")
    (corpus / "new.txt").write_text("新报告\n\n一、章节\n\n" + "新增内容。" * 50, encoding="utf-8")

    def exploding() -> Any:
        def embed(texts: list[str]) -> list[list[float]]:
            raise RuntimeError("killed while embedding")

        return embed

    with pytest.raises(RuntimeError):
        ingest_paths([corpus], settings, client=client, embed_factory=exploding)
    assert read_generation(client, "reportqa") == before
    collection, _ = open_active_collection(client, "reportqa")
    assert collection.count() == sum(r.chunks for r in before.reports)  # type: ignore[union-attr]
    # The next ingest completes and sweeps the half-written generation.
    summary = _ingest(settings, client, corpus, CountingEmbedder())
    assert summary.changed and "new.txt" in {r.source for r in summary.reports}
    after = read_generation(client, "reportqa")
    assert before is not None and after is not None
    names = {c.name for c in client.list_collections() if c.name.startswith("reportqa_g")}
    assert names == {after.collection_name, before.collection_name}


def test_querying_with_another_model_is_refused(tmp_path: Path, corpus: Path) -> None:
    settings = _settings(tmp_path / "home", model="model-a")
    client = make_chroma_client(settings.index, settings.paths)
    _ingest(settings, client, corpus, CountingEmbedder())
    with pytest.raises(ModelMismatchError, match="重新运行"):
        open_active_collection(client, "reportqa", model="model-b")
    open_active_collection(client, "reportqa", model="model-a")


def test_missing_index_has_a_clear_message(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "home")
    client = make_chroma_client(settings.index, settings.paths)
    with pytest.raises(IndexMissingError, match="reportqa ingest"):
        open_active_collection(client, "reportqa")


@pytest.mark.slow
def test_server_mode_against_a_real_chroma_server(tmp_path: Path, corpus: Path) -> None:
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    server = subprocess.Popen(
        [
            str(chroma),
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--path",
            str(tmp_path / "srv"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        settings = replace(
            _settings(tmp_path / "home"),
            index=IndexSettings(chroma_host="127.0.0.1", chroma_port=port),
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                client = make_chroma_client(settings.index, settings.paths)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        first = _ingest(settings, client, corpus, CountingEmbedder())
        assert first.changed
        embedder = CountingEmbedder()
        assert not _ingest(settings, client, corpus, embedder).changed and not embedder.embedded
        collection, generation = open_active_collection(client, "reportqa", model="fake-model")
        assert collection.count() == first.chunks
        assert generation.reports[0].source == REPORT_TXT.name
        # Nothing was written locally except the lock: the index lives in the server.
        assert not (settings.paths.index_dir / "chroma").exists()
    finally:
        server.terminate()
        server.wait(timeout=30)
