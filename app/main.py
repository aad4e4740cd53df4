"""Entry point of the chat app: ``python -m app.main [--host 127.0.0.1] [--port 7860] [--insecure]``.

Environment (read only here): REPORTQA_AUTH=user:password enables a login;
REPORTQA_MAX_UPLOAD_MB caps one uploaded report (default 50); REPORTQA_HOME and the
other REPORTQA_* variables are read by `rag.settings.from_env`. The embedding model
loads once, at start-up; the answerer is rebuilt whenever the index's active
generation changes (an upload here, or `reportqa ingest` in another process).
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.library_ops import LibraryOps
from ingest import library
from rag.errors import ReportQAError
from rag.factory import make_chroma_client, make_embeddings
from rag.lexicon import load_lexicon
from rag.live import LiveAnswerer
from rag.settings import from_env
from rag.store import active_generation_name, read_generation
from rag.types import Status

if TYPE_CHECKING:
    from rag.live import AnswererLike
    from rag.settings import Settings
    from rag.types import Answer, AnswerDelta, IngestedReport, LibraryReport, Turn

DEFAULT_MAX_UPLOAD_MB = 50
#: How often the app looks for a new index generation (seconds).
WATCH_EVERY_S = 2.0

log = logging.getLogger("reportqa.app")

PUBLIC_BIND_REFUSED = (
    "拒绝在 {host} 上对外提供服务：没有设置登录口令。"
    "请设置环境变量 REPORTQA_AUTH=用户名:密码，或明确加上 --insecure。\n"
    "Refusing to bind to {host} without authentication: set REPORTQA_AUTH=user:password "
    "or pass --insecure."
)


class StartupError(Exception):
    """A configuration problem reported to the operator without a traceback."""


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, auth: tuple[str, str] | None, insecure: bool) -> None:
    """Refuse a non-loopback bind unless a login is configured or --insecure was given."""
    if not is_loopback(host) and auth is None and not insecure:
        raise StartupError(PUBLIC_BIND_REFUSED.format(host=host))


def parse_auth(env: Mapping[str, str]) -> tuple[str, str] | None:
    """REPORTQA_AUTH=user:password → (user, password); unset → None."""
    raw = env.get("REPORTQA_AUTH", "").strip()
    if not raw:
        return None
    user, sep, password = raw.partition(":")
    if not sep or not user or not password:
        raise StartupError(
            "REPORTQA_AUTH 格式应为 用户名:密码。\nREPORTQA_AUTH must look like user:password."
        )
    return user, password


def parse_max_upload(env: Mapping[str, str]) -> int:
    """REPORTQA_MAX_UPLOAD_MB (a positive number of MB) → bytes; default 50 MB."""
    raw = env.get("REPORTQA_MAX_UPLOAD_MB", "").strip()
    if not raw:
        return DEFAULT_MAX_UPLOAD_MB * 1048576
    try:
        megabytes = float(raw)
    except ValueError:
        megabytes = 0.0
    if not megabytes > 0:
        raise StartupError(
            f"REPORTQA_MAX_UPLOAD_MB 应为正数（兆字节），现在是 {raw!r}。\n"
            "REPORTQA_MAX_UPLOAD_MB must be a positive number of megabytes."
        )
    return int(megabytes * 1048576)


def _degraded(reason: str) -> tuple[object, Status]:
    """A stand-in answerer for when the real one cannot be built: the UI still starts
    and shows the reason in its banner, and every question gets that message."""
    status = Status(ok=False, mode="extractive", problems=(reason,))

    class Degraded:
        def stream(
            self, question: str, history: Sequence[Turn], report: str | None = None
        ) -> Iterator[AnswerDelta | Answer]:
            raise RuntimeError(reason)

        def status(self) -> Status:
            return status

        def examples(self) -> list[str]:
            return []

    return Degraded(), status


class _SharedEmbeddings:
    """The embedding model, loaded once and shared by every answerer and upload."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._model: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = make_embeddings(self._settings.embedding, self._settings.paths)
            return self._model


def _answerer_builder(
    settings: Settings, client: Any, embeddings: _SharedEmbeddings
) -> Callable[[], AnswererLike]:
    """Builds the answerer of the active generation; problems become an explaining stand-in."""

    def build() -> AnswererLike:
        from rag import chain  # heavy: the LangChain stack (~0.7 s)

        try:
            generation = read_generation(client, settings.index.collection_prefix)
            if generation is not None and not generation.reports:
                return chain.UnavailableAnswerer(
                    ["报告库是空的：请在「报告库」上传报告，或运行 reportqa ingest。"]
                )
            if generation is None:
                return chain.build_answerer_or_explain(settings)
            return chain.build_answerer(settings, embeddings=embeddings.get())
        except ReportQAError as exc:  # a missing model, a model mismatch …: say so
            log.warning("answerer unavailable: %s", exc)
            return chain.UnavailableAnswerer([str(exc)])
        except Exception as exc:
            log.exception("could not build the answerer")
            answerer, _ = _degraded(
                f"问答引擎加载失败（{type(exc).__name__}）：请确认已运行 reportqa ingest corpus/，"
                "并查看服务日志。"
            )
            return answerer  # type: ignore[return-value]

    return build


def _library_ops(
    settings: Settings,
    client: Any,
    embeddings: _SharedEmbeddings,
    live: LiveAnswerer,
    *,
    max_bytes: int,
    require_login: bool,
) -> LibraryOps:
    """The library panel's functions: `ingest.library` over this app's index, each
    followed by a refresh so the change can be asked about at once."""
    lexicon = load_lexicon()

    def ingest(path: Path, name: str, progress: Callable[[float, str], None]) -> IngestedReport:
        done = library.ingest_upload(
            path,
            name,
            settings,
            client=client,
            embed_factory=lambda: embeddings.get().embed_documents,
            max_bytes=max_bytes,
            progress=progress,
        )
        progress(0.95, "载入新索引…")
        live.refresh()
        return done

    def remove(name: str) -> LibraryReport:
        gone = library.remove_library_report(name, settings, client=client)
        live.refresh()
        return gone

    return LibraryOps(
        list_reports=lambda: library.list_reports(settings, client, lexicon),
        ingest=ingest,
        remove=remove,
        busy=lambda: library.ingest_busy(settings),
        max_bytes=max_bytes,
        require_login=require_login,
    )


def serve(
    host: str,
    port: int,
    auth: tuple[str, str] | None,
    insecure: bool,
    settings: Settings,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * 1048576,
) -> None:
    """Build the answerer and the library, build the UI around them and serve until
    interrupted; the answerer follows the index (a background watch)."""
    check_bind(host, auth, insecure)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

    from app.ui import build_app, launch_app  # heavy: gradio (~3 s), only when serving

    library_ops = None
    live: Any = None
    try:
        client = make_chroma_client(settings.index, settings.paths)
        embeddings = _SharedEmbeddings(settings)
        prefix = settings.index.collection_prefix
        live = LiveAnswerer(
            _answerer_builder(settings, client, embeddings),
            lambda: active_generation_name(client, prefix),
        )
        live.refresh()
        library_ops = _library_ops(
            settings,
            client,
            embeddings,
            live,
            max_bytes=max_upload_bytes,
            require_login=auth is not None,
        )
        answerer: Any = live
    except Exception as exc:
        log.exception("could not open the index")
        answerer, _ = _degraded(
            f"问答引擎加载失败（{type(exc).__name__}）：请确认已运行 reportqa ingest corpus/，"
            "并查看服务日志；修复后重启服务。"
        )

    status_fn = answerer.status
    try:
        examples = list(answerer.examples())
    except Exception:
        log.exception("answerer.examples() failed")
        examples = []
    try:
        reports = list(status_fn().reports)
    except Exception:
        log.exception("answerer.status() failed")
        reports = []

    demo = build_app(
        answerer.stream,
        status=status_fn,
        feedback_path=settings.paths.feedback_file,
        examples=examples,
        reports=reports,
        library=library_ops,
    )
    try:
        launch_app(
            demo,
            host=host,
            port=port,
            auth=auth,
            prevent_thread_lock=True,
            max_file_size=max_upload_bytes,
        )
    except OSError as exc:
        raise StartupError(
            f"无法在 {host}:{port} 上启动服务（{exc}）。端口可能已被占用，请换一个 --port。\n"
            f"Cannot serve on {host}:{port}: {exc}"
        ) from None
    if live is not None:
        live.watch(WATCH_EVERY_S)
    shown = f"[{host}]" if ":" in host else host
    print(f"报告问答已启动 / reportqa is serving at http://{shown}:{port}/", flush=True)
    try:
        demo.block_thread()
    finally:
        if live is not None:
            live.stop()
        demo.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and environment, then `serve`. Returns the exit code."""
    # Before gradio is imported anywhere: no analytics or version pings.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    parser = argparse.ArgumentParser(prog="python -m app.main", description="报告问答 chat app")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="allow a non-loopback bind without REPORTQA_AUTH",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        auth = parse_auth(os.environ)
        # Check before loading any model, so a refused bind fails fast.
        check_bind(args.host, auth, args.insecure)
        max_upload = parse_max_upload(os.environ)
        settings = from_env()
        serve(args.host, args.port, auth, args.insecure, settings, max_upload)
    except StartupError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except ValueError as exc:  # e.g. a malformed REPORTQA_CHROMA_PORT from from_env
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
