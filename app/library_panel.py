"""The 报告库 panel: upload reports with a progress bar, list them, remove them.

The panel never touches the index itself: it calls the functions of a
`LibraryOps` (built by `app/main.py` over `ingest.library`) and renders the
typed records they return. Handlers are plain methods so tests can call them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from app.library_ops import LibraryOps, Progress
from app.render import escape_markdown, escape_text
from rag.errors import ReportQAError
from rag.types import IngestedReport, LibraryReport

log = logging.getLogger(__name__)

LOGIN_REQUIRED = "错误：上传或移除报告需要先登录。"
NO_FILES = "请先选择要上传的文件（PDF、DOCX、Markdown、HTML、TXT）。"
NO_CHOICE = "请先在下拉框中选择要移除的报告。"
EXAMPLE_SLOTS = 4


def result_line(done: IngestedReport) -> str:
    """「✓ 《title》（file）：12 页，34 块，用时 5.2 秒」"""
    pages = f"{done.pages} 页" if done.pages else "无页码"
    verb = "已更新" if done.replaced else "已入库"
    return (
        f"✓ {verb}《{done.title}》（{done.source}）：{pages}，{done.chunks} 块，"
        f"用时 {done.seconds:.1f} 秒"
    )


def render_library_html(reports: Sequence[LibraryReport]) -> str:
    """The reports as a table: title, file name, pages, chunks and ingest time."""
    if not reports:
        return '<div class="rq-library-empty">报告库还是空的：上传一份报告开始提问。</div>'
    rows = []
    for r in reports:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.ingested_at))
        pages = str(r.pages) if r.pages else "—"
        rows.append(
            f"<tr><td>{escape_text(r.title)}</td><td>{escape_text(r.source)}</td>"
            f"<td>{pages}</td><td>{r.chunks}</td><td>{when}</td></tr>"
        )
    return (
        '<table class="rq-library"><thead><tr><th>标题</th><th>文件名</th><th>页数</th>'
        "<th>块数</th><th>入库时间</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _file_path(item: Any) -> tuple[Path, str]:
    """(server path, original name) of one uploaded file, as Gradio hands it over."""
    path = Path(str(getattr(item, "name", None) or item))
    original = getattr(item, "orig_name", None) or path.name
    return path, str(original)


class LibraryHandlers:
    """Event handlers of the panel around one `LibraryOps`."""

    def __init__(self, ops: LibraryOps, on_change: Callable[[], Sequence[str]]) -> None:
        self.ops = ops
        # Called after an upload or removal; returns the titles that can now be asked about.
        self.on_change = on_change

    def check_login(self, request: gr.Request | None) -> None:
        """Refuse a caller without a login when REPORTQA_AUTH is set (UI and API alike)."""
        if self.ops.require_login and not getattr(request, "username", None):
            raise gr.Error(LOGIN_REQUIRED)

    @staticmethod
    def no_choice_text() -> str:
        return _markdown([NO_CHOICE])

    @staticmethod
    def markdown_text(text: str) -> str:
        return _markdown([text])

    def table(self) -> str:
        try:
            return render_library_html(self.ops.list_reports())
        except Exception:
            log.exception("listing the library failed")
            return '<div class="rq-library-empty">无法读取报告库，请查看服务日志。</div>'

    def upload(
        self, files: Sequence[Any] | None, progress: Progress
    ) -> Iterator[tuple[str, Sequence[str] | None]]:
        """Ingest each file in turn; yields (result text, titles after a change or None)."""
        items = [f for f in (files or []) if f]
        if not items:
            yield NO_FILES, None
            return
        lines: list[str] = []
        changed = False
        for k, item in enumerate(items, start=1):
            path, name = _file_path(item)
            prefix = f"（{k}/{len(items)}）" if len(items) > 1 else ""

            def step(fraction: float, text: str, prefix: str = prefix) -> None:
                progress(fraction, f"{prefix}{text}")

            if self.ops.busy():
                waiting = f"⏳ {name}：另一个报告正在入库，排队等待…"
                yield _markdown([*lines, waiting]), None
            try:
                done = self.ops.ingest(path, name, step)
            except ReportQAError as exc:
                lines.append(f"✗ {exc}")
            except Exception:
                log.exception("ingesting upload %r failed", name)
                lines.append(f"✗ 错误：{name} 入库失败（已记录日志），索引未改动。")
            else:
                lines.append(result_line(done))
                changed = True
            yield _markdown(lines), None
        titles = self.on_change() if changed else None
        yield _markdown(lines), titles

    def remove(self, name: str | None) -> tuple[str, Sequence[str]]:
        """Remove one report; returns (result text, titles now)."""
        if not (name or "").strip():
            return NO_CHOICE, self.on_change()
        try:
            gone = self.ops.remove(str(name))
        except ReportQAError as exc:
            return _markdown([f"✗ {exc}"]), self.on_change()
        return _markdown([f"✓ 已移除《{gone.title}》（{gone.source}）。"]), self.on_change()


def _markdown(lines: Sequence[str]) -> str:
    # Titles come from the uploaded files themselves: shown literally, never as markup.
    return "\n\n".join(escape_markdown(line) for line in lines)


def remove_choices(reports: Sequence[LibraryReport]) -> list[tuple[str, str]]:
    """(label, value) pairs for the remove selector: 「title（file）」 → file name."""
    return [(f"{r.title}（{r.source}）", r.source) for r in reports]


def example_updates(examples: Sequence[str], slots: int = EXAMPLE_SLOTS) -> list[Any]:
    """Updates for the example buttons: the first `slots` questions, the rest hidden."""
    shown = list(examples)[:slots]
    return [
        gr.update(value=shown[i], visible=True) if i < len(shown) else gr.update(visible=False)
        for i in range(slots)
    ]


def examples_for(
    report: str | None,
    reports: Sequence[LibraryReport],
    default: Sequence[str],
    all_label: str,
) -> Sequence[str]:
    """The example questions for the chosen scope: the report's own, or the defaults."""
    if not report or report == all_label:
        return default
    for r in reports:
        if report in (r.title, r.source):
            return r.examples or default
    return default
