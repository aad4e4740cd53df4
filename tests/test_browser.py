"""End-to-end tests in Debian chromium (Playwright), against a served app.

Each test runs twice: against `tests/fake_app.py` (id "fake", seconds, no models)
and against the real app `python -m app.main` over an index built by
`reportqa ingest corpus/` (id "real"). Run only the fast variant with
``pytest tests/test_browser.py -k fake``. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fake_app import (
    REPO,
    app_env,
    fake_app_cmd,
    free_port,
    ingest_corpus,
    real_app_cmd,
    start_server,
    stop_server,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
ARTIFACTS = REPO / "test-artifacts"
ANSWER_TIMEOUT_S = 180.0

FIGURE_Q = "苏州高新区给多少家企业提供了网络安全保险？"
LIST_Q = "报告提到了哪些中试相关的保险产品？"
UNANSWERABLE_Q = "报告里提到的量子计算保险的保费是多少？"
FOLLOW_UP_Q = "那保障金额是多少万元？"
XSS_Q = "<img src=x onerror=window.__xss=1>"


class Served:
    """A running app: its URL, kind ("fake"/"real") and feedback file."""

    def __init__(self, url: str, kind: str, feedback: Path) -> None:
        self.url = url
        self.kind = kind
        self.feedback = feedback


@pytest.fixture(scope="module", params=["fake", "real"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    kind = request.param
    port = free_port()
    base = tmp_path_factory.mktemp(f"browser-{kind}")
    if kind == "fake":
        feedback = base / "feedback.jsonl"
        cmd = fake_app_cmd(port, feedback)
        env = app_env()
    else:
        home = ingest_corpus(tmp_path_factory.getbasetemp() / "reportqa-home")
        feedback = home / "feedback.jsonl"
        cmd = real_app_cmd(port)
        env = app_env({"REPORTQA_HOME": str(home)})
    proc = start_server(cmd, port, base / "server.log", env, timeout=600)
    try:
        yield Served(f"http://127.0.0.1:{port}/", kind, feedback)
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _open(browser: Any, served: Served, width: int = 1280, height: int = 900) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(ANSWER_TIMEOUT_S * 1000)
    page.goto(served.url, wait_until="load")
    page.wait_for_selector("#rq-question textarea")
    return page


def _shot(page: Any, served: Served, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{served.kind}-{name}.png"), full_page=True)


def _bot_texts(page: Any) -> list[str]:
    return list(
        page.eval_on_selector_all(
            '#rq-chat [data-testid="bot"]', "els => els.map(e => e.innerText)"
        )
    )


def _ask(page: Any, question: str) -> tuple[str, list[str]]:
    """Type and send `question`; wait for the final answer.

    Returns the final answer text and the snapshots seen while it streamed.
    """
    before = len(_bot_texts(page))
    page.fill("#rq-question textarea", question)
    page.keyboard.press("Enter")
    snapshots: list[str] = []
    deadline = time.monotonic() + ANSWER_TIMEOUT_S
    while time.monotonic() < deadline:
        texts = _bot_texts(page)
        if len(texts) > before:
            current = texts[-1]
            if not snapshots or snapshots[-1] != current:
                snapshots.append(current)
            if "▍" not in current:
                page.wait_for_timeout(300)  # let the sources panel update land
                return _bot_texts(page)[-1], snapshots
        page.wait_for_timeout(50)
    raise AssertionError(f"no final answer for {question!r}; saw {snapshots[-3:]}")


def _sources(page: Any) -> str:
    return str(page.inner_text("#rq-sources"))


def test_figure_question_streams_with_citations(browser: Any, served: Served) -> None:
    page = _open(browser, served)
    answer, snapshots = _ask(page, FIGURE_Q)
    assert "35" in answer
    if served.kind == "fake":
        # The fake answerer streams with pauses, so partial text must show. The real
        # extractive answer is ready in ~40 ms and a loaded machine may deliver it whole
        # (seen in CI): for it, streaming is checked at the chain level (test_chain).
        assert any("▍" in s for s in snapshots), "the answer should appear progressively"
    markers = page.locator('#rq-chat a.rq-cite[href^="#cite-1-"]')
    assert markers.count() >= 1
    sources = _sources(page)
    assert "来源" in sources
    assert "第" in sources and "页" in sources
    assert page.locator("#rq-sources .rq-card mark").count() >= 1
    assert "35" in sources
    # the first marker points at a card that exists in the panel
    target = markers.first.get_attribute("href")
    assert target and page.locator(target).count() == 1
    markers.first.click()
    assert page.url.endswith(target)
    _shot(page, served, "figure")
    page.context.close()


def test_list_question(browser: Any, served: Served) -> None:
    page = _open(browser, served)
    answer, _ = _ask(page, LIST_Q)
    assert "中试" in answer
    assert page.locator("#rq-chat a.rq-cite").count() >= 1
    assert page.locator("#rq-sources .rq-card").count() >= 1
    assert "第" in _sources(page)
    _shot(page, served, "list")
    page.context.close()


def test_unanswerable_question_is_refused(browser: Any, served: Served) -> None:
    page = _open(browser, served)
    answer, _ = _ask(page, UNANSWERABLE_Q)
    assert "没有" in answer  # e.g. 报告中没有提到…
    assert page.locator("#rq-chat a.rq-cite").count() == 0
    sources = _sources(page)
    assert "相关段落" in sources
    assert page.locator("#rq-sources .rq-n").count() == 0  # passages, not numbered citations
    _shot(page, served, "refused")
    page.context.close()


def test_follow_up_shows_resolved_question(browser: Any, served: Served) -> None:
    page = _open(browser, served)
    first, _ = _ask(page, FIGURE_Q)
    assert "35" in first
    follow, _ = _ask(page, FOLLOW_UP_Q)
    assert "理解为" in follow
    assert "1050" in follow
    assert page.locator("#rq-chat .rq-resolved").count() == 1
    # the second answer links to its own anchors, which the panel now shows
    assert page.locator('#rq-chat a.rq-cite[href^="#cite-2-"]').count() >= 1
    assert page.locator('#rq-sources [id^="cite-2-"]').count() >= 1
    _shot(page, served, "follow-up")
    page.context.close()


def test_xss_question_is_not_executed(browser: Any, served: Served) -> None:
    page = _open(browser, served)
    _ask(page, XSS_Q)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("window.__xss_passage") is None
    user_texts = page.eval_on_selector_all(
        '#rq-chat [data-testid="user"]', "els => els.map(e => e.innerText)"
    )
    assert any("<img src=x" in t for t in user_texts), "the question is shown as text"
    assert page.locator("#rq-chat img[src='x']").count() == 0
    assert page.locator("#rq-sources img").count() == 0
    _shot(page, served, "xss")
    page.context.close()


def test_phone_width_stacks_columns(browser: Any, served: Served) -> None:
    page = _open(browser, served, width=390, height=844)
    _ask(page, FIGURE_Q)
    chat_box = page.locator("#rq-chat").bounding_box()
    sources_box = page.locator("#rq-sources").bounding_box()
    assert chat_box and sources_box
    assert sources_box["y"] >= chat_box["y"] + chat_box["height"] - 1, "sources stack below chat"
    assert sources_box["width"] > 300
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 400, "no horizontal scrolling at phone width"
    _shot(page, served, "phone")
    page.context.close()


def test_like_writes_feedback_and_new_chat_clears(browser: Any, served: Served) -> None:
    page = _open(browser, served)
    lines_before = (
        len(served.feedback.read_text(encoding="utf-8").splitlines())
        if served.feedback.exists()
        else 0
    )
    _ask(page, FIGURE_Q)
    # Gradio translates the label with the browser locale: "Like" or "赞".
    page.locator(
        '#rq-chat button[aria-label="Like"], #rq-chat button[aria-label="赞"]'
    ).last.click()
    deadline = time.monotonic() + 15
    lines: list[str] = []
    while time.monotonic() < deadline:
        if served.feedback.exists():
            lines = served.feedback.read_text(encoding="utf-8").splitlines()
            if len(lines) > lines_before:
                break
        page.wait_for_timeout(100)
    assert len(lines) == lines_before + 1
    record = json.loads(lines[-1])
    assert record["vote"] == "up" and record["question"] == FIGURE_Q
    assert record["citations"]
    page.get_by_role("button", name="新对话").click()
    page.wait_for_timeout(500)
    assert _bot_texts(page) == []
    assert page.locator("#rq-sources .rq-card").count() == 0
    page.context.close()


def test_empty_question_gets_message(browser: Any, served: Served) -> None:
    page = _open(browser, served)
    page.fill("#rq-question textarea", "   ")
    page.get_by_role("button", name="发送").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#rq-chat [data-testid=\"bot\"]').length > 0"
    )
    assert "请输入" in _bot_texts(page)[-1]
    page.context.close()


def test_header_badge_and_examples(browser: Any, served: Served) -> None:
    page = _open(browser, served)
    header = page.inner_text("#rq-header")
    assert "报告问答" in header
    assert "抽取式" in header or "LLM" in header
    assert "科技保险" in header  # the report name
    _shot(page, served, "home")
    page.context.close()


def test_fake_app_banner_when_status_not_ok(browser: Any, tmp_path: Path) -> None:
    """A not-ok Status shows a banner with what to run (fake app only; no models)."""
    port = free_port()
    proc = start_server(
        fake_app_cmd(port, tmp_path / "fb.jsonl", broken=True), port, tmp_path / "log", app_env()
    )
    try:
        served = Served(f"http://127.0.0.1:{port}/", "fake", tmp_path / "fb.jsonl")
        page = _open(browser, served)
        page.wait_for_selector("#rq-banner .rq-banner")
        banner = page.inner_text("#rq-banner")
        assert "服务未就绪" in banner and "reportqa ingest corpus/" in banner
        _shot(page, served, "banner")
        page.context.close()
    finally:
        stop_server(proc)
