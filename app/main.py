"""Entry point of the chat app: ``python -m app.main [--host 127.0.0.1] [--port 7860] [--insecure]``.

Environment (read only here): REPORTQA_AUTH=user:password enables a login;
REPORTQA_HOME and the other REPORTQA_* variables are read by
`rag.settings.from_env`. The models and index load once, at start-up.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from rag.settings import from_env
from rag.types import Status

if TYPE_CHECKING:
    from rag.settings import Settings
    from rag.types import Answer, AnswerDelta, Turn

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


def serve(
    host: str,
    port: int,
    auth: tuple[str, str] | None,
    insecure: bool,
    settings: Settings,
) -> None:
    """Build the answerer once, build the UI around it and serve until interrupted."""
    check_bind(host, auth, insecure)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

    from app.ui import build_app, launch_app  # heavy: gradio (~3 s), only when serving

    try:
        from rag import chain  # heavy: the LangChain stack (~0.7 s), after the bind check

        # build_answerer_or_explain turns a missing/corrupt index into an answerer whose
        # Status explains what to run; plain build_answerer is the documented fallback.
        build = getattr(chain, "build_answerer_or_explain", None) or chain.build_answerer
        answerer: object = build(settings)
    except Exception as exc:
        log.exception("could not build the answerer")
        answerer, _ = _degraded(
            f"问答引擎加载失败（{type(exc).__name__}）：请确认已运行 reportqa ingest corpus/，"
            "并查看服务日志；修复后重启服务。"
        )

    status_fn = answerer.status  # type: ignore[attr-defined]
    try:
        examples = list(answerer.examples())  # type: ignore[attr-defined]
    except Exception:
        log.exception("answerer.examples() failed")
        examples = []
    try:
        reports = list(status_fn().reports)
    except Exception:
        log.exception("answerer.status() failed")
        reports = []

    demo = build_app(
        answerer.stream,  # type: ignore[attr-defined]
        status=status_fn,
        feedback_path=settings.paths.feedback_file,
        examples=examples,
        reports=reports,
    )
    try:
        launch_app(demo, host=host, port=port, auth=auth, prevent_thread_lock=True)
    except OSError as exc:
        raise StartupError(
            f"无法在 {host}:{port} 上启动服务（{exc}）。端口可能已被占用，请换一个 --port。\n"
            f"Cannot serve on {host}:{port}: {exc}"
        ) from None
    shown = f"[{host}]" if ":" in host else host
    print(f"报告问答已启动 / reportqa is serving at http://{shown}:{port}/", flush=True)
    try:
        demo.block_thread()
    finally:
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
        settings = from_env()
        serve(args.host, args.port, auth, args.insecure, settings)
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
