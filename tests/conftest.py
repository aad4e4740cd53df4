"""Shared fixtures: offline environment, deterministic fakes, and (for `slow` tests)
the real converted model and a real index of the report in a temporary home.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from rag.lexicon import Lexicon
from tests.fakes import BigramEmbeddings, HashEmbeddings
from tests.questions import packaged_lexicon

for _key, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ[_key] = _value

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
REPORT_TXT = CORPUS / "nifd_2025_tech_insurance_report.txt"
# The `reportqa` console script runs `app.cli:main`; running the module with this
# interpreter tests the checkout under test, whatever script is installed.
REPORTQA: list[str] = [sys.executable, "-m", "app.cli"]

__all__ = ["BigramEmbeddings", "HashEmbeddings"]


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    """The packaged lexicon (zh.toml and finance.toml), loaded once."""
    return packaged_lexicon()


@pytest.fixture
def fake_embeddings() -> HashEmbeddings:
    return HashEmbeddings(dim=64, query_prompt="query: ", passage_prompt="passage: ")


@pytest.fixture
def bigram_embeddings() -> BigramEmbeddings:
    return BigramEmbeddings()


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def shared_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Converted models, shared by the session (and by `make test` runs when
    REPORTQA_TEST_MODELS_DIR is set, so the conversion happens once per machine)."""
    configured = os.environ.get("REPORTQA_TEST_MODELS_DIR", "").strip()
    base = Path(configured) if configured else tmp_path_factory.mktemp("models")
    from rag.e5convert import ensure_e5_model
    from rag.ovexport import ensure_openvino_model

    ensure_e5_model(base / "multilingual-e5-small")
    # The default backend loads the OpenVINO export (`make model` made it already).
    ensure_openvino_model(base / "multilingual-e5-small", CORPUS)
    return base


def make_settings(home: Path, models_dir: Path, **changes: Any) -> Any:
    from rag.settings import Paths, Settings

    settings = Settings(paths=Paths(home=home, models_override=models_dir))
    return replace(settings, **changes) if changes else settings


def env_for(home: Path, models_dir: Path) -> dict[str, str]:
    """Environment for a reportqa subprocess pointed at a test home."""
    env = dict(os.environ)
    env.update(
        {
            "REPORTQA_HOME": str(home),
            "REPORTQA_MODELS_DIR": str(models_dir),
            "PYTHONUNBUFFERED": "1",
        }
    )
    for key in ("REPORTQA_LLM_BASE_URL", "REPORTQA_CHROMA_HOST", "REPORTQA_CHROMA_URL"):
        env.pop(key, None)
    return env


def ingest_home_corpus(home: Path, models_dir: Path) -> None:
    """Ingest `home/corpus` into `home` with the real model, as `reportqa ingest` does."""
    from ingest.pipeline import ingest_paths
    from rag.factory import make_chroma_client, make_embeddings

    settings = make_settings(home, models_dir)
    client = make_chroma_client(settings.index, settings.paths)
    summary = ingest_paths(
        [home / "corpus"],
        settings,
        client=client,
        embed_factory=lambda: make_embeddings(settings.embedding, settings.paths).embed_documents,
    )
    assert summary.changed and not summary.errors


def answerer_over_report(home: Path, file_name: str, text: str, models_dir: Path) -> Any:
    """The real answer chain over one report written by a test, ingested into `home`."""
    from rag.chain import build_answerer

    corpus = home / "corpus"
    corpus.mkdir()
    (corpus / file_name).write_text(text, encoding="utf-8")
    ingest_home_corpus(home, models_dir)
    return build_answerer(make_settings(home, models_dir))


def assert_answered_with(answer: Any, facts: Sequence[str]) -> None:
    """The answer is given, not refused, states every fact and cites only verified quotes."""
    assert not answer.refused, answer.text
    for fact in facts:
        assert fact in answer.text, answer.text
    assert answer.citations and all(c.verified for c in answer.citations)


@pytest.fixture(scope="session")
def real_home(tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path) -> Path:
    """A temporary REPORTQA_HOME with the real report ingested with the real model."""
    home = tmp_path_factory.mktemp("home")
    corpus = home / "corpus"
    corpus.mkdir()
    shutil.copy(REPORT_TXT, corpus / REPORT_TXT.name)
    ingest_home_corpus(home, shared_models_dir)
    return home


@pytest.fixture(scope="session")
def real_answerer(real_home: Path, shared_models_dir: Path) -> Iterator[Any]:
    """The real chain (extractive) over the real index, loaded once per session."""
    from rag.chain import build_answerer

    yield build_answerer(make_settings(real_home, shared_models_dir))
