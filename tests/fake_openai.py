"""A real, local OpenAI-compatible HTTP server for tests.

It speaks the wire protocol the `openai` SDK (and so `ChatOpenAI`) uses:

* ``POST /v1/chat/completions`` with ``"stream": false`` → a JSON
  ``chat.completion`` with ``choices[0].message.content`` and ``usage``;
* the same with ``"stream": true`` → Server-Sent Events, one
  ``data: {"object": "chat.completion.chunk", ...}`` line per piece of content,
  ending with ``data: [DONE]``;
* ``GET /v1/models``.

Replies are scripted per test: queue `Reply` objects with `script`, or set
`rule` to a function of the parsed request body. Every request is recorded
(path, headers, body) so tests can assert what the client sent. Failure modes:
`Reply(status=500)`, `Reply(garbage=True)` (an HTML page where JSON/SSE is
expected), `Reply(raw_body=b"...")` (any bytes, e.g. invalid UTF-8) and
`Reply(delay_s=…)` (sleep before answering, for client timeouts).

Only the standard library is used; the server binds 127.0.0.1 on a free port.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted response."""

    content: str = ""
    status: int = 200
    garbage: bool = False  # an HTML error page instead of JSON / SSE
    raw_body: bytes | None = None  # exact bytes to send with status 200
    delay_s: float = 0.0
    piece_chars: int = 4  # characters per streamed delta


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def last_user_text(self) -> str:
        users = [m for m in self.messages if m.get("role") == "user"]
        return _content_text(users[-1]) if users else ""

    @property
    def system_text(self) -> str:
        systems = [m for m in self.messages if m.get("role") == "system"]
        return _content_text(systems[0]) if systems else ""


def _content_text(message: Mapping[str, Any]) -> str:
    content = message.get("content", "")
    if isinstance(content, list):  # content parts
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content)


def by_keyword(table: Mapping[str, str], default: str) -> Callable[[dict[str, Any]], Reply]:
    """A rule: reply with the text of the first keyword found in the last user message."""

    def rule(body: dict[str, Any]) -> Reply:
        users = [m for m in body.get("messages", []) if m.get("role") == "user"]
        last = _content_text(users[-1]) if users else ""
        for keyword, text in table.items():
            if keyword in last:
                return Reply(content=text)
        return Reply(content=default)

    return rule


class FakeOpenAI:
    """The server. Use as a context manager or call `start()` / `stop()`."""

    def __init__(self, model: str = "fake-model") -> None:
        self.model = model
        self.requests: list[RecordedRequest] = []
        self.rule: Callable[[dict[str, Any]], Reply] | None = None
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- scripting ---------------------------------------------------------

    def script(self, *replies: Reply | str) -> None:
        """Queue replies, used in order; a str is a normal 200 reply with that content."""
        with self._lock:
            for reply in replies:
                self._queue.append(Reply(content=reply) if isinstance(reply, str) else reply)

    def next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        if self.rule is not None:
            return self.rule(body)
        return Reply(content="（未设置回复）")

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # -- lifecycle ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}/v1"

    def start(self) -> FakeOpenAI:
        handler = _make_handler(self)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        server.block_on_close = False  # slow handlers are woken by _stopping instead
        self._server = server
        # A short poll interval keeps shutdown() (and so every test teardown) fast.
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-openai",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _make_handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one response per connection, so SSE ends when we close.
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def _record(self, body: dict[str, Any]) -> None:
            fake.requests.append(
                RecordedRequest(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
            )

        def _send_json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._record({})
            if self.path.rstrip("/").endswith("/models"):
                self._send_json(
                    200,
                    {
                        "object": "list",
                        "data": [{"id": fake.model, "object": "model", "owned_by": "tests"}],
                    },
                )
            else:
                self._send_json(404, {"error": {"message": "not found", "type": "not_found"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = {"_raw": raw.decode("utf-8", "replace")}
            self._record(body)
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send_json(404, {"error": {"message": "not found", "type": "not_found"}})
                return
            reply = fake.next_reply(body)
            if reply.delay_s and fake._stopping.wait(reply.delay_s):
                return
            if reply.status != 200:
                self._send_json(
                    reply.status,
                    {"error": {"message": f"scripted {reply.status}", "type": "server_error"}},
                )
                return
            if reply.garbage or reply.raw_body is not None:
                data = (
                    reply.raw_body
                    if reply.raw_body is not None
                    else b"<html><body>502 Bad Gateway</body></html>"
                )
                self.send_response(200)
                self.send_header(
                    "Content-Type",
                    "text/event-stream" if body.get("stream") else "application/json",
                )
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            if body.get("stream"):
                self._stream(body, reply)
            else:
                self._complete(body, reply)

        def _complete(self, body: dict[str, Any], reply: Reply) -> None:
            self._send_json(
                200,
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", fake.model),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply.content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": _usage(body, reply.content),
                },
            )

        def _stream(self, body: dict[str, Any], reply: Reply) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            model = body.get("model", fake.model)

            def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
                return {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }

            events = [chunk({"role": "assistant", "content": ""})]
            step = max(1, reply.piece_chars)
            for i in range(0, len(reply.content), step):
                events.append(chunk({"content": reply.content[i : i + step]}))
            events.append(chunk({}, finish="stop"))
            if (body.get("stream_options") or {}).get("include_usage"):
                events.append(
                    {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion.chunk",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [],
                        "usage": _usage(body, reply.content),
                    }
                )
            for event in events:
                line = "data: " + json.dumps(event, ensure_ascii=False) + "\n\n"
                self.wfile.write(line.encode("utf-8"))
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    return Handler


def _usage(body: dict[str, Any], content: str) -> dict[str, int]:
    prompt = sum(len(_content_text(m)) for m in body.get("messages", []))
    return {
        "prompt_tokens": prompt,
        "completion_tokens": len(content),
        "total_tokens": prompt + len(content),
    }
