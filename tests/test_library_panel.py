"""The 报告库 panel (`app/library_panel.py`, wired by `build_app(..., library=...)`):
handlers over fake `LibraryOps`, rendering, and the upload/remove API of the fake app
with and without a login. No model."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

gr = pytest.importorskip("gradio")

from app.library_panel import (  # noqa: E402 - after the importorskip
    LOGIN_REQUIRED,
    LibraryHandlers,
    examples_for,
    remove_choices,
    render_library_html,
    result_line,
)
from app.ui import ALL_REPORTS, build_app  # noqa: E402
from rag.types import IngestedReport, LibraryReport, Status  # noqa: E402
from tests.fake_app import (  # noqa: E402
    TITLE,
    FakeLibrary,
    app_env,
    fake_app_cmd,
    free_port,
    start_server,
    stop_server,
)


def _handlers(library: FakeLibrary, **kwargs: Any) -> LibraryHandlers:
    return LibraryHandlers(library.ops(**kwargs), on_change=library.titles)  # type: ignore[arg-type]


def test_upload_reports_each_file_and_the_new_titles(tmp_path: Path) -> None:
    library = FakeLibrary()
    handlers = _handlers(library)
    good = tmp_path / "城市绿地.pdf"
    bad = tmp_path / "bad.pdf"
    for path in (good, bad):
        path.write_bytes(b"%PDF")
    steps: list[tuple[float, str]] = []
    updates = list(handlers.upload([str(good), str(bad)], lambda f, t: steps.append((f, t))))
    text, titles = updates[-1]
    assert "✓ 已入库《城市绿地》" in text and "3 页，19 块" in text
    assert "✗ 错误：bad.pdf 无法入库" in text and "加密" in text
    assert titles == (TITLE, "城市绿地")
    assert steps and steps[0][1].startswith("（1/2）")
    assert all(t is None for _, t in updates[:-1])  # titles only once, at the end


def test_upload_without_files_asks_for_them() -> None:
    (only,) = list(_handlers(FakeLibrary()).upload([], lambda f, t: None))
    assert only[0].startswith("请先选择") and only[1] is None


def test_upload_that_changes_nothing_leaves_the_titles_alone(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF")
    *_, (text, titles) = _handlers(FakeLibrary()).upload([str(bad)], lambda f, t: None)
    assert text.startswith("✗") and titles is None


def test_upload_waits_with_a_message_when_another_ingest_runs(tmp_path: Path) -> None:
    library = FakeLibrary()
    ops = library.ops()
    busy_ops = type(ops)(**{**ops.__dict__, "busy": lambda: True})  # type: ignore[attr-defined]
    handlers = LibraryHandlers(busy_ops, on_change=library.titles)
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF")
    first, *_ = handlers.upload([str(path)], lambda f, t: None)
    assert "排队等待" in first[0]


def test_remove_and_unknown_report() -> None:
    library = FakeLibrary()
    handlers = _handlers(library)
    text, titles = handlers.remove("nope.pdf")
    assert text.startswith("✗ 错误：索引里没有这份报告") and titles == (TITLE,)
    text, titles = handlers.remove(TITLE)
    assert "已移除" in text and titles == ()
    text, _ = handlers.remove("")
    assert text.startswith("请先在下拉框中选择")


def test_login_is_required_when_auth_is_configured() -> None:
    handlers = _handlers(FakeLibrary(), require_login=True)
    with pytest.raises(gr.Error, match=LOGIN_REQUIRED):
        handlers.check_login(SimpleNamespace(username=None))  # type: ignore[arg-type]
    handlers.check_login(SimpleNamespace(username="alice"))  # type: ignore[arg-type]
    _handlers(FakeLibrary()).check_login(None)  # no login configured: anyone local


def _report(title: str, source: str, pages: int = 3) -> LibraryReport:
    return LibraryReport(
        source=source, title=title, pages=pages, chunks=5, ingested_at=0.0, examples=("q?",)
    )


def test_rendering_escapes_titles_and_names() -> None:
    hostile = _report("<img src=x onerror=alert(1)>", "a<b>.pdf", pages=0)
    html = render_library_html([hostile])
    assert "<img" not in html and "&lt;img" in html and "a&lt;b&gt;.pdf" in html
    assert "<td>—</td>" in html  # no pages known
    assert "空" in render_library_html([])
    line = result_line(IngestedReport("x.pdf", "标题", 12, 34, 5.24, replaced=True))
    assert line == "✓ 已更新《标题》（x.pdf）：12 页，34 块，用时 5.2 秒"


def test_examples_follow_the_chosen_report() -> None:
    reports = [_report("甲", "a.pdf"), _report("乙", "b.pdf")]
    assert examples_for("甲", reports, ["默认"], ALL_REPORTS) == ("q?",)
    assert examples_for(ALL_REPORTS, reports, ["默认"], ALL_REPORTS) == ["默认"]
    assert examples_for("丙", reports, ["默认"], ALL_REPORTS) == ["默认"]
    assert remove_choices(reports) == [("甲（a.pdf）", "a.pdf"), ("乙（b.pdf）", "b.pdf")]


def test_build_app_with_and_without_a_library(tmp_path: Path) -> None:
    def stream(question: str, history: Any, report: Any) -> Iterator[Any]:
        yield from ()

    status = Status(ok=True, mode="extractive", reports=(TITLE,))
    plain = build_app(stream, status=lambda: status, feedback_path=tmp_path / "f.jsonl")
    with_library = build_app(
        stream,
        status=lambda: status,
        feedback_path=tmp_path / "f.jsonl",
        library=FakeLibrary().ops(),  # type: ignore[arg-type]
    )
    names = {d.api_name for d in with_library.fns.values() if d.api_name}
    assert {"ask", "upload_reports", "remove_report"} <= names
    assert "upload_reports" not in {d.api_name for d in plain.fns.values()}


# --- the fake app's API, with and without a login --------------------------------------

AUTH = ("tester", "pw-Library-Gate-7")


@pytest.fixture(scope="module")
def locked_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    base = tmp_path_factory.mktemp("library-auth")
    cmd = [*fake_app_cmd(port, base / "fb.jsonl"), "--library", "--auth", ":".join(AUTH)]
    proc = start_server(cmd, port, base / "server.log", app_env(), timeout=120)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_server(proc)


def _post(url: str) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps({"data": ["x.pdf", ALL_REPORTS]}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_upload_and_remove_need_the_login_for_the_api_too(locked_app: str, tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    for endpoint in ("remove_report", "upload_reports"):
        assert _post(f"{locked_app}gradio_api/call/{endpoint}") in (401, 403)
    with pytest.raises(Exception):  # noqa: B017 - any refusal: gradio_client raises its own types
        Client(locked_app, verbose=False, analytics_enabled=False)
    client = Client(locked_app, auth=AUTH, verbose=False, analytics_enabled=False)
    removed = client.predict(TITLE, ALL_REPORTS, api_name="/remove_report")
    assert "已移除" in removed[0]
    upload = tmp_path / "upload-probe.txt"
    upload.write_text("一、概况\n示例。\n", encoding="utf-8")
    done = client.predict([handle_file(str(upload))], ALL_REPORTS, api_name="/upload_reports")
    assert "✓ 已入库《upload-probe》" in done[0]
