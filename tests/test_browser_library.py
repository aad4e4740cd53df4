"""The 报告库 panel end to end in Debian chromium (Playwright) against the real app.

A generated PDF (tests/docgen.py, synthetic text) is uploaded through the browser; the
test waits for the progress to finish, asks a question whose answer sits on a known
printed page and checks the citation's page; then it removes the report and checks that
it is gone from 报告范围 and from answers. The app serves a copy of the home that
`reportqa ingest corpus/` built, so the other browser tests keep theirs.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import docgen
from tests.fake_app import (
    app_env,
    free_port,
    ingest_corpus,
    real_app_cmd,
    start_server,
    stop_server,
)
from tests.test_browser import ANSWER_TIMEOUT_S, ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

playwright_api = pytest.importorskip("playwright.sync_api")

QUESTION = "研究区域新建口袋公园多少处？"
FACT = "42"
UPLOAD_TIMEOUT_S = 600.0


def _page_of(layout: docgen.PageLayout, words: str) -> int:
    """The printed page of the generated PDF that holds the line with `words`."""
    line = next(i for i, text in enumerate(layout.lines, start=1) if words in text)
    return next(int(p["page"]) for p in layout.pages if p["line_start"] <= line <= p["line_end"])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    prepared = ingest_corpus(tmp_path_factory.getbasetemp() / "reportqa-home")
    home = tmp_path_factory.mktemp("library-home") / "home"
    shutil.copytree(prepared, home)
    port = free_port()
    log = tmp_path_factory.mktemp("library-app") / "server.log"
    proc = start_server(
        real_app_cmd(port), port, log, app_env({"REPORTQA_HOME": str(home)}), timeout=600
    )
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def page(served: str) -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(ANSWER_TIMEOUT_S * 1000)
            page.goto(served, wait_until="load")
            page.wait_for_selector("#rq-question textarea")
            yield page
        finally:
            browser.close()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"library-{name}.png"), full_page=True)


def _scope_options(page: Any) -> list[str]:
    """The choices of 报告范围, read from its open list."""
    page.click("#rq-report input")
    page.wait_for_selector("ul[role=listbox] li", state="visible")
    options = [t.strip() for t in page.locator("ul[role=listbox] li").all_inner_texts()]
    page.keyboard.press("Escape")
    page.locator("#rq-question textarea").click()
    return options


def _ask(page: Any, question: str) -> tuple[str, str]:
    """Send `question`; wait for the final answer; returns (answer, sources panel)."""
    bots = '#rq-chat [data-testid="bot"]'
    before = page.locator(bots).count()
    page.fill("#rq-question textarea", question)
    page.keyboard.press("Enter")
    deadline = time.monotonic() + ANSWER_TIMEOUT_S
    while time.monotonic() < deadline:
        texts = page.locator(bots).all_inner_texts()
        if len(texts) > before and "▍" not in texts[-1]:
            page.wait_for_timeout(300)
            return page.locator(bots).all_inner_texts()[-1], page.inner_text("#rq-sources")
        page.wait_for_timeout(100)
    raise AssertionError(f"no answer for {question!r}")


def test_upload_ask_with_page_then_remove(page: Any, tmp_path: Path) -> None:
    pdf = tmp_path / "城市绿地 评估.pdf"
    layout = docgen.make_paper_pdf(pdf)
    expected_page = _page_of(layout, "口袋公园")
    title = docgen.PAPER_TITLE

    page.click("#rq-library-panel button:has-text('报告库')")
    page.set_input_files("#rq-upload input[type=file]", str(pdf))
    page.click("#rq-ingest")
    seen_progress = False
    deadline = time.monotonic() + UPLOAD_TIMEOUT_S
    result = ""
    while time.monotonic() < deadline:
        body = page.inner_text("#rq-library-panel")
        seen_progress = seen_progress or bool(re.search(r"解析|写入索引|句向量|载入新索引", body))
        result = page.inner_text("#rq-ingest-result")
        if "✓" in result or "✗" in result:
            break
        page.wait_for_timeout(100)
    _shot(page, "uploaded")
    assert "✓" in result and title in result, result
    assert re.search(r"\d+ 页，\d+ 块，用时 [\d.]+ 秒", result), result
    assert seen_progress, "the progress bar never showed a step"
    table = page.inner_text("#rq-library-table")
    assert title in table and pdf.name in table
    assert any(title in option for option in _scope_options(page))
    # Choosing the report shows its own example questions, from its headings.
    page.click("#rq-report input")
    page.locator("ul[role=listbox] li", has_text=title).first.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.rq-examples button')]"
        ".some(b => b.innerText.includes('研究区域与数据'))"
    )

    answer, sources = _ask(page, QUESTION)
    _shot(page, "answered")
    assert FACT in answer, answer
    assert title in sources and f"第{expected_page}页" in sources, sources

    page.click("#rq-remove-choice input")
    page.locator("ul[role=listbox] li", has_text=pdf.name).first.click()
    page.click("#rq-remove")
    page.wait_for_selector("#rq-remove-confirm", state="visible")
    page.click("#rq-remove-confirm")
    page.wait_for_function(
        "() => document.querySelector('#rq-ingest-result').innerText.includes('已移除')"
    )
    _shot(page, "removed")
    assert title not in page.inner_text("#rq-library-table")
    assert not any(title in option for option in _scope_options(page))
    answer, sources = _ask(page, QUESTION)
    assert title not in answer and title not in sources, (answer, sources)
    assert f"{FACT} 处" not in answer
