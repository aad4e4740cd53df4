"""The Gradio chat UI: `build_app(answer_stream, ...)` and `launch_app(...)`.

The UI only renders the typed records of `rag.types`; it receives the
answering function from its caller, so it never imports models, Chroma or
LangChain vendors and can be driven by a scripted fake in tests.

Client call for the `/ask` endpoint (gradio_client 2.x)::

    from gradio_client import Client

    client = Client("http://127.0.0.1:7860/", verbose=False, analytics_enabled=False)
    result = client.predict(
        "首台（套）保险补偿机制试点是哪一年启动的？",  # question
        "[]",  # history_json: [{"role": "user"|"assistant", "content": "..."}]
        "",  # report: a report title, or "" for all reports
        api_name="/ask",
    )
    # result is Answer.to_json(): {"question", "resolved_question", "answer", "refused",
    #   "mode", "model", "notice", "strategy", "citations": [...], "retrieved": [...], "dropped",
    #   "timings_ms"}

With ``REPORTQA_AUTH`` set, pass ``auth=("user", "password")`` to `Client`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from app.feedback import append_feedback, feedback_record
from app.library_ops import LibraryOps
from app.library_panel import (
    EXAMPLE_SLOTS,
    LibraryHandlers,
    example_updates,
    examples_for,
    remove_choices,
    render_library_html,
)
from app.render import (
    SEARCHING_HTML,
    SOURCES_PLACEHOLDER,
    escape_markdown,
    render_answer_markdown,
    render_banner,
    render_header,
    render_sources_html,
    render_streaming_markdown,
)
from rag.batch import quotes_of
from rag.errors import ReportQAError
from rag.types import Answer, AnswerDelta, Status, Turn

log = logging.getLogger(__name__)

AnswerStream = Callable[[str, Sequence[Turn], str | None], Iterator[AnswerDelta | Answer]]

TITLE = "报告问答"
ALL_REPORTS = "全部报告"
MAX_QUESTION_CHARS = 500
EMPTY_QUESTION_MESSAGE = "请输入一个问题，例如：「报告提到哪些科技保险产品？」"
ERROR_MESSAGE = "抱歉，回答这个问题时出错了，已记录日志。请稍后重试，或换个问法。"
NO_ANSWER_MESSAGE = "抱歉，这次没有得到完整的回答，请重试。"

# Chinese text needs a CJK font; these are tried in order, all local (no web fonts offline).
FONT_STACK = (
    '"Source Sans Pro", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", '
    '"Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'
)

APP_CSS = f"""
.gradio-container {{ max-width: 1200px !important; margin: 0 auto !important;
  font-family: {FONT_STACK}; }}
.rq-header {{ padding: 4px 2px 0; }}
.rq-title-row {{ display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }}
.rq-header h1 {{ font-size: 1.6rem; margin: 0; font-weight: 700; letter-spacing: .02em; }}
.rq-reports {{ color: var(--body-text-color-subdued); margin-top: 4px; font-size: .95rem; }}
.rq-badge {{ display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: .8rem;
  font-weight: 600; border: 1px solid; }}
.rq-badge-extractive {{ color: #0f5f4a; background: #e6f6f0; border-color: #9fd9c4; }}
.rq-badge-llm {{ color: #3b3a99; background: #eeeefe; border-color: #b9b8f3; }}
.rq-banner {{ background: #fff4e5; border: 1px solid #f0b45b; color: #6b3d00;
  border-radius: 10px; padding: 10px 14px; }}
.rq-banner ul {{ margin: 6px 0 0 1.2em; padding: 0; }}
.rq-resolved {{ font-size: .82rem; color: var(--body-text-color-subdued);
  border-left: 3px solid #c9d6e8; padding-left: 8px; margin-bottom: 4px; }}
.rq-note {{ font-size: .82rem; color: var(--body-text-color-subdued); }}
a.rq-cite {{ text-decoration: none; font-weight: 600; color: #1d5fbf !important;
  padding: 0 1px; }}
a.rq-cite:hover {{ text-decoration: underline; }}
.rq-sources h3 {{ margin: 0 0 8px; font-size: 1.05rem; }}
.rq-sources {{ max-height: 640px; overflow-y: auto; padding-right: 4px; }}
.rq-empty p, .rq-hint {{ color: var(--body-text-color-subdued); font-size: .9rem; }}
.rq-card {{ border: 1px solid var(--border-color-primary); border-radius: 10px;
  padding: 10px 12px; margin-bottom: 10px; background: var(--background-fill-secondary);
  scroll-margin-top: 12px; }}
.rq-card:target {{ border-color: #1d5fbf; box-shadow: 0 0 0 2px #1d5fbf33; }}
.rq-card-head {{ display: flex; gap: 8px; align-items: baseline; }}
.rq-n {{ font-weight: 700; color: #1d5fbf; }}
.rq-title {{ font-weight: 600; }}
.rq-loc {{ font-size: .82rem; color: var(--body-text-color-subdued); margin: 2px 0 6px; }}
.rq-page {{ white-space: nowrap; font-weight: 600; }}
.rq-quote {{ margin: 0 !important; padding: 4px 10px !important; border-left: 3px solid #9bb7e0;
  font-size: .92rem; line-height: 1.65; white-space: pre-line; word-break: break-word;
  font-style: normal; quotes: none; }}
.rq-quote::before, .rq-quote::after {{ content: none !important; }}
.rq-controls {{ align-items: end; }}
#rq-new {{ align-self: end; }}
.rq-quote mark {{ background: #ffe58f; color: inherit; padding: 0 1px; border-radius: 2px; }}
.rq-related .rq-quote {{ border-left-color: #c8c8c8; }}
.rq-unverified {{ color: #a33; font-size: .82rem; margin-top: 4px; }}
.rq-examples button {{ font-size: .85rem !important; }}
table.rq-library {{ width: 100%; border-collapse: collapse; font-size: .9rem; }}
table.rq-library th, table.rq-library td {{ border-bottom: 1px solid var(--border-color-primary);
  padding: 4px 6px; text-align: left; }}
.rq-library-empty {{ color: var(--body-text-color-subdued); font-size: .9rem; }}
@media (max-width: 700px) {{
  .rq-main {{ flex-direction: column !important; }}
  .rq-main > div {{ min-width: 100% !important; width: 100% !important; }}
  .rq-header h1 {{ font-size: 1.3rem; }}
  .rq-sources {{ max-height: none; }}
}}
"""


def _theme() -> gr.themes.Base:
    return gr.themes.Soft(
        primary_hue="blue",
        # Plain font names only: GoogleFont would fetch from the web, and the app runs offline.
        font=[
            "Source Sans Pro",
            "PingFang SC",
            "Microsoft YaHei",
            "Noto Sans CJK SC",
            "WenQuanYi Micro Hei",
            "sans-serif",
        ],
        font_mono=["IBM Plex Mono", "monospace"],
    )


def _safe_status(status: Callable[[], Status]) -> Status:
    """Status for display; a failing status probe becomes a banner, not a crash."""
    try:
        return status()
    except Exception:
        log.exception("status() failed")
        return Status(ok=False, mode="extractive", problems=("无法获取系统状态，请查看服务日志。",))


def history_from_records(records: Sequence[dict[str, Any] | None]) -> list[Turn]:
    """The conversation as `Turn`s: each answered question, its raw answer text and the
    quotes it cited (a follow-up may point into them: 「当时」「后者」).

    Hints and error messages are left out, so they never leak into follow-ups.
    """
    turns: list[Turn] = []
    for record in records:
        if record and record.get("kind") == "answer":
            quotes = tuple(
                str(c.get("quote") or "")
                for c in record.get("citations") or []
                if isinstance(c, dict) and c.get("quote")
            )
            turns.append(Turn(role="user", content=record["question"]))
            turns.append(Turn(role="assistant", content=record["answer"], quotes=quotes))
    return turns


def parse_history_json(history_json: str) -> list[Turn]:
    """Parse the `/ask` history argument: a JSON list of {"role", "content"} objects; an
    assistant turn may carry its answer's `citations` (their quotes help follow-ups)."""
    try:
        raw = json.loads(history_json or "[]")
    except json.JSONDecodeError as exc:
        raise ValueError("history_json 不是合法的 JSON 列表") from exc
    if not isinstance(raw, list):
        raise ValueError("history_json 必须是 JSON 列表")
    turns: list[Turn] = []
    for item in raw:
        if (
            not isinstance(item, dict)
            or item.get("role") not in ("user", "assistant")
            or not isinstance(item.get("content"), str)
        ):
            raise ValueError(
                'history_json 的每一项须为 {"role": "user"|"assistant", "content": "…"}'
            )
        quotes = quotes_of(item.get("citations"))
        turns.append(Turn(role=item["role"], content=item["content"], quotes=quotes))
    return turns


def validate_question(question: str | None) -> str | None:
    """A Chinese message for unusable input, or None when the question is fine."""
    text = (question or "").strip()
    if not text:
        return EMPTY_QUESTION_MESSAGE
    if len(text) > MAX_QUESTION_CHARS:
        return f"问题太长（{len(text)} 字），请精简到 {MAX_QUESTION_CHARS} 字以内。"
    return None


def _report_filter(report: str | None) -> str | None:
    report = (report or "").strip()
    return None if not report or report == ALL_REPORTS else report


def unknown_report_message(report: str, known: Sequence[str]) -> str:
    """The refusal for a `report` argument that names no indexed report.

    The argument is only ever compared with indexed titles, never opened as a
    path, so "../../etc/passwd" is just an unknown name.
    """
    shown = report if len(report) <= 80 else report[:80] + "…"
    choices = "、".join(f"《{k}》" for k in known) if known else "（索引中还没有报告）"
    return f"没有这份报告：{shown}。可选的报告：{choices}；留空表示全部报告。"


ChatOutputs = tuple[list[dict[str, Any]], str, list[dict[str, Any] | None], str]


class ChatHandlers:
    """The UI's event handlers, kept as plain methods so tests can call them directly.

    The chat value and `records` stay aligned: `records[i]` describes chat
    message `i` (None for user messages), which is how a 👍/👎 on message `i`
    finds the question, answer and citations it refers to.
    """

    def __init__(
        self,
        answer_stream: AnswerStream,
        *,
        status: Callable[[], Status],
        feedback_path: Path,
        known_reports: Sequence[str] = (),
    ) -> None:
        self.answer_stream = answer_stream
        self.status = status
        self.feedback_path = feedback_path
        self.known_reports = tuple(known_reports)

    def check_report(self, report: str | None) -> tuple[str | None, str | None]:
        """(report filter, None) for a known report or "all"; (None, message) otherwise.

        API callers can send any string; only titles of indexed reports pass.
        """
        wanted = _report_filter(report)
        if wanted is None:
            return None, None
        known = list(dict.fromkeys([*self.known_reports, *_safe_status(self.status).reports]))
        if wanted in known:
            return wanted, None
        return None, unknown_report_message(wanted, known)

    def _failure_message(self, exc: BaseException | None = None, markdown: bool = True) -> str:
        # ReportQAError messages are written for users (and never carry secrets), e.g.
        # "无法连接 Chroma 服务器…": more useful than a generic apology.
        if isinstance(exc, ReportQAError):
            return f"抱歉，暂时无法回答：{escape_markdown(str(exc)) if markdown else exc}"
        state = _safe_status(self.status)
        if state.ok:
            return ERROR_MESSAGE
        problems = "\n".join(f"- {escape_markdown(p)}" for p in state.problems)
        return f"抱歉，系统暂时无法回答：\n\n{problems}"

    def respond(
        self,
        question: str | None,
        chat: list[dict[str, Any]] | None,
        records: list[dict[str, Any] | None] | None,
        report: str | None = None,
    ) -> Iterator[ChatOutputs]:
        """Stream one answer: yields (chat, sources_html, records, textbox) updates."""
        chat = list(chat or [])
        records = list(records or [])
        answer_no = sum(1 for r in records if r and r.get("kind") == "answer") + 1
        problem = validate_question(question)
        report_filter, report_problem = self.check_report(report)
        problem = problem or report_problem
        if problem is not None:
            chat.append({"role": "assistant", "content": escape_markdown(problem)})
            records.append({"kind": "hint", "question": question or "", "answer": problem})
            # Keep the panel and the typed text, so the user can fix the question.
            yield list(chat), gr.skip(), list(records), question or ""
            return

        text = (question or "").strip()
        history = history_from_records(records)
        chat.append({"role": "user", "content": escape_markdown(text)})
        records.append(None)
        chat.append({"role": "assistant", "content": "正在检索报告… ▍"})
        records.append({"kind": "pending", "question": text, "answer": ""})
        # The panel shows the latest answer's sources; the previous ones would mislead now.
        yield list(chat), SEARCHING_HTML, list(records), ""

        streamed = ""
        final: Answer | None = None
        try:
            for item in self.answer_stream(text, history, report_filter):
                if isinstance(item, Answer):
                    final = item
                    break
                streamed += item.text
                chat[-1] = {"role": "assistant", "content": render_streaming_markdown(streamed)}
                yield list(chat), gr.skip(), list(records), ""
        except Exception as exc:
            log.exception("answer_stream failed for question %r", text)
            message = self._failure_message(exc)
            chat[-1] = {"role": "assistant", "content": message}
            records[-1] = {"kind": "error", "question": text, "answer": message}
            yield list(chat), SOURCES_PLACEHOLDER, list(records), ""
            return

        if final is None:
            chat[-1] = {"role": "assistant", "content": NO_ANSWER_MESSAGE}
            records[-1] = {"kind": "error", "question": text, "answer": NO_ANSWER_MESSAGE}
            yield list(chat), SOURCES_PLACEHOLDER, list(records), ""
            return

        chat[-1] = {"role": "assistant", "content": render_answer_markdown(final, answer_no)}
        records[-1] = {
            "kind": "answer",
            "question": text,
            "resolved_question": final.resolved_question,
            "followup": final.followup.to_json(),
            "answer": final.text,
            "refused": final.refused,
            "citations": [c.to_json() for c in final.citations],
        }
        yield list(chat), render_sources_html(final, answer_no), list(records), ""

    @staticmethod
    def clear() -> ChatOutputs:
        """新对话: empty chat, records and sources panel."""
        return [], SOURCES_PLACEHOLDER, [], ""

    def vote(
        self, records: list[dict[str, Any] | None] | None, index: int | Sequence[int], liked: Any
    ) -> dict[str, Any] | None:
        """Record a 👍/👎 for chat message `index`; returns the stored record, if any."""
        position = index if isinstance(index, int) else index[0]
        records = records or []
        if not 0 <= position < len(records):
            return None
        record = records[position]
        if not record or record.get("kind") != "answer":
            return None  # hints and errors are not answers worth rating
        if liked is True:
            vote = "up"
        elif liked is False:
            vote = "down"
        else:
            vote = str(liked) if liked else "none"
        stored = feedback_record(
            question=record["question"],
            answer=record["answer"],
            citations=record.get("citations", []),
            vote=vote,
        )
        try:
            append_feedback(self.feedback_path, stored)
        except OSError:
            log.exception("could not write feedback to %s", self.feedback_path)
            gr.Warning("反馈保存失败，请稍后再试。")
            return None
        return stored

    def on_like(self, records: list[dict[str, Any] | None], data: gr.LikeData) -> None:
        """Gradio `.like` listener."""
        self.vote(records, data.index, data.liked)

    def ask(self, question: str, history_json: str = "[]", report: str = "") -> dict[str, Any]:
        """Answer one question and return `Answer.to_json()`.

        history_json is a JSON list of {"role": "user"|"assistant", "content": "..."};
        report is a report title, or "" for all reports. Bad input and answering
        failures raise gr.Error with a Chinese message (no traceback is sent).
        """
        problem = validate_question(question)
        if problem is not None:
            raise gr.Error(problem)
        report_filter, report_problem = self.check_report(report)
        if report_problem is not None:
            raise gr.Error(report_problem)
        try:
            history = parse_history_json(history_json)
        except ValueError as exc:
            raise gr.Error(str(exc)) from None
        final: Answer | None = None
        try:
            for item in self.answer_stream(question.strip(), history, report_filter):
                if isinstance(item, Answer):
                    final = item
                    break
        except Exception as exc:
            log.exception("answer_stream failed for API question %r", question)
            raise gr.Error(
                self._failure_message(exc, markdown=False).replace("\n\n", "\n")
            ) from None
        if final is None:
            raise gr.Error(NO_ANSWER_MESSAGE)
        return final.to_json()

    def refresh_status(self, report_names: Sequence[str]) -> tuple[str, Any]:
        """Header (mode badge) and banner for the current status (called on page load)."""
        state = _safe_status(self.status)
        banner = render_banner(state)
        header = render_header(TITLE, report_names, state)
        return header, gr.update(value=banner, visible=bool(banner))


def build_app(
    answer_stream: AnswerStream,
    *,
    status: Callable[[], Status],
    feedback_path: Path,
    examples: Sequence[str] = (),
    reports: Sequence[str] = (),
    library: LibraryOps | None = None,
    sync_every_s: float = 5.0,
) -> gr.Blocks:
    """Build the chat UI around `answer_stream(question, history, report_filter)`.

    `answer_stream` yields `AnswerDelta`s and then one final `Answer`. `status`
    is polled on page load for the mode badge and the problems banner. With
    `library`, a 报告库 panel uploads, lists and removes reports through its
    functions, and 报告范围 follows `status().reports` (polled every
    `sync_every_s` seconds, so ingests from other processes show up too). Launch
    the result with `launch_app` (it carries the CSS and theme, which Gradio 6
    takes in `launch()`).
    """
    initial = _safe_status(status)
    report_names = [r for r in reports if r.strip()] or list(initial.reports)
    handlers = ChatHandlers(
        answer_stream, status=status, feedback_path=feedback_path, known_reports=report_names
    )

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        header = gr.HTML(render_header(TITLE, report_names, initial), elem_id="rq-header")
        banner_html = render_banner(initial)
        banner = gr.HTML(banner_html, visible=bool(banner_html), elem_id="rq-banner")
        records = gr.State([])

        with gr.Row(equal_height=False, elem_classes="rq-main"):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(
                    label="对话",
                    elem_id="rq-chat",
                    height=520,
                    buttons=["copy"],
                    sanitize_html=True,
                    render_markdown=True,
                    allow_tags=False,
                    latex_delimiters=[],
                    feedback_options=("Like", "Dislike"),
                    layout="bubble",
                    placeholder="向报告提问：答案只来自报告原文，并标注章节与页码。",
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        show_label=False,
                        placeholder="输入问题，回车发送",
                        lines=1,
                        max_lines=4,
                        scale=5,
                        min_width=200,
                        elem_id="rq-question",
                        autofocus=True,
                    )
                    send = gr.Button("发送", variant="primary", scale=1, min_width=80)
                with gr.Row(equal_height=False, elem_classes="rq-controls"):
                    report = gr.Dropdown(
                        choices=[ALL_REPORTS, *report_names],
                        value=ALL_REPORTS,
                        label="报告范围",
                        visible=bool(report_names) or library is not None,
                        # Reports come and go while the page is open; check_report validates.
                        allow_custom_value=library is not None,
                        scale=3,
                        min_width=160,
                        elem_id="rq-report",
                    )
                    new_chat = gr.Button(
                        "新对话", variant="secondary", scale=1, min_width=90, elem_id="rq-new"
                    )
                example_buttons: list[gr.Button] = []
                slots = max(len(examples), EXAMPLE_SLOTS) if library else len(examples)
                if slots:
                    gr.Markdown("**示例问题**")
                    with gr.Row(elem_classes="rq-examples"):
                        for i in range(slots):
                            text = examples[i] if i < len(examples) else ""
                            example_buttons.append(
                                gr.Button(text, size="sm", variant="secondary", visible=bool(text))
                            )
            with gr.Column(scale=2, min_width=300):
                sources = gr.HTML(SOURCES_PLACEHOLDER, elem_id="rq-sources")

        outputs = [chatbot, sources, records, question]
        inputs = [question, chatbot, records, report]
        question.submit(handlers.respond, inputs, outputs, api_visibility="private")
        send.click(handlers.respond, inputs, outputs, api_visibility="private")
        new_chat.click(handlers.clear, None, outputs, queue=False, api_visibility="private")
        # The chatbot's own 🗑 button clears only its value; reset records and panel with it
        # so votes keep pointing at the right answers.
        chatbot.clear(handlers.clear, None, outputs, queue=False, api_visibility="private")
        for button in example_buttons:
            # The button's own label is the question, so per-report examples can replace it.
            button.click(lambda q: q, button, question, queue=False, api_visibility="private").then(
                handlers.respond, inputs, outputs, api_visibility="private"
            )
        chatbot.like(handlers.on_like, records, None, queue=False, api_visibility="private")
        # Status can change after start-up (an LLM endpoint comes back), so re-poll per visit.
        demo.load(
            lambda: handlers.refresh_status(handlers.known_reports or report_names),
            None,
            [header, banner],
            api_visibility="private",
        )
        gr.api(handlers.ask, api_name="ask")
        if library is not None:
            table, choice = _library_panel(
                library, handlers, header, report, example_buttons, examples
            )
            sync = gr.Timer(sync_every_s)
            seen = gr.State(())  # nothing seen yet: the first tick or page load fills it

            def sync_reports(seen_titles: Sequence[str], current: str | None) -> tuple[Any, ...]:
                return _sync_reports(handlers, library, seen_titles, current)

            outputs_synced = [seen, report, header, table, choice]
            sync.tick(
                sync_reports, [seen, report], outputs_synced, queue=False, api_visibility="private"
            )
            demo.load(
                sync_reports, [seen, report], outputs_synced, queue=False, api_visibility="private"
            )
    return demo


def _scope_update(titles: Sequence[str], current: str | None) -> Any:
    """报告范围 with `titles`, keeping the chosen report while it is still indexed."""
    value = current if current in titles else ALL_REPORTS
    return gr.update(choices=[ALL_REPORTS, *titles], value=value, visible=bool(titles))


def _sync_reports(
    handlers: ChatHandlers, ops: LibraryOps, seen: Sequence[str], current: str | None
) -> tuple[Any, ...]:
    """Page load and timer tick: when the answerable reports changed (an ingest anywhere),
    update 报告范围, the header, the library table and the remove selector; otherwise
    change nothing."""
    titles = tuple(_safe_status(handlers.status).reports)
    if titles == tuple(seen or ()):
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
    handlers.known_reports = titles
    listed = _safe_list(ops)
    return (
        titles,
        _scope_update(titles, current),
        render_header(TITLE, titles, _safe_status(handlers.status)),
        render_library_html(listed),
        gr.update(choices=remove_choices(listed)),
    )


def _library_panel(
    ops: LibraryOps,
    handlers: ChatHandlers,
    header: gr.HTML,
    report: gr.Dropdown,
    example_buttons: Sequence[gr.Button],
    default_examples: Sequence[str],
) -> tuple[gr.HTML, gr.Dropdown]:
    """The 报告库 accordion and its events (inside the Blocks context); returns the
    library table and the remove selector, which page loads and ticks refresh."""
    lib = LibraryHandlers(ops, on_change=lambda: tuple(_safe_status(handlers.status).reports))
    limit_mb = ops.max_bytes / 1048576
    with gr.Accordion("报告库：上传、查看、移除报告", open=False, elem_id="rq-library-panel"):
        files = gr.File(
            label=f"上传报告（PDF、DOCX、Markdown、HTML、TXT，单个文件不超过 {limit_mb:.0f} MB）",
            file_count="multiple",
            file_types=[".pdf", ".docx", ".md", ".markdown", ".html", ".htm", ".txt"],
            elem_id="rq-upload",
        )
        ingest_button = gr.Button("入库", variant="primary", elem_id="rq-ingest")
        result = gr.Markdown("", elem_id="rq-ingest-result")
        table = gr.HTML(lib.table(), elem_id="rq-library-table")
        with gr.Row(equal_height=True):
            choice = gr.Dropdown(
                choices=remove_choices(_safe_list(ops)),
                value=None,
                label="要移除的报告",
                # The choices change while the page is open (and API callers name any
                # report); the handler checks the name against the index.
                allow_custom_value=True,
                scale=3,
                elem_id="rq-remove-choice",
            )
            remove_button = gr.Button("移除…", variant="stop", scale=1, elem_id="rq-remove")
        with gr.Row(visible=False, elem_id="rq-remove-confirm-row") as confirm_row:
            confirm_text = gr.Markdown("")
            confirm = gr.Button("确认移除", variant="stop", elem_id="rq-remove-confirm")
            cancel = gr.Button("取消", elem_id="rq-remove-cancel")

    def after_change(titles: Sequence[str], current: str | None) -> tuple[Any, ...]:
        handlers.known_reports = tuple(titles)
        listed = _safe_list(ops)
        return (
            lib.table(),
            _scope_update(titles, current),
            gr.update(choices=remove_choices(listed), value=None),
            render_header(TITLE, titles, _safe_status(handlers.status)),
        )

    def upload(
        chosen: Sequence[Any] | None,
        current: str | None,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's documented signature
    ) -> Iterator[tuple[Any, ...]]:
        lib.check_login(request)
        for text, titles in lib.upload(chosen, lambda f, d: progress(f, desc=d)):
            if titles is None:
                yield text, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            else:
                yield (text, *after_change(titles, current), None)

    def ask_confirm(source: str | None) -> tuple[Any, Any, Any]:
        if not source:
            return gr.update(visible=False), gr.skip(), lib.no_choice_text()
        title = next((r.title for r in _safe_list(ops) if r.source == source), source)
        prompt = f"确定从报告库移除《{title}》（{source}）吗？移除后不能再就它提问。"
        return gr.update(visible=True), lib.markdown_text(prompt), ""

    def remove(source: str | None, current: str | None, request: gr.Request) -> tuple[Any, ...]:
        lib.check_login(request)
        text, titles = lib.remove(source)
        return (text, *after_change(titles, current), gr.update(visible=False))

    ingest_button.click(
        upload,
        [files, report],
        [result, table, report, choice, header, files],
        api_name="upload_reports",
        concurrency_limit=2,
        concurrency_id="library",
        show_progress="full",
    )
    remove_button.click(
        ask_confirm,
        choice,
        [confirm_row, confirm_text, result],
        queue=False,
        api_visibility="private",
    )
    confirm.click(
        remove,
        [choice, report],
        [result, table, report, choice, header, confirm_row],
        api_name="remove_report",
        concurrency_limit=2,
        concurrency_id="library",
    )
    cancel.click(
        lambda: gr.update(visible=False),
        None,
        confirm_row,
        queue=False,
        api_visibility="private",
    )
    report.change(
        lambda chosen: example_updates(
            examples_for(chosen, _safe_list(ops), default_examples, ALL_REPORTS),
            len(example_buttons),
        ),
        report,
        list(example_buttons),
        queue=False,
        api_visibility="private",
    )
    return table, choice


def _safe_list(ops: LibraryOps) -> list[Any]:
    try:
        return list(ops.list_reports())
    except Exception:
        log.exception("listing the library failed")
        return []


def launch_app(
    demo: gr.Blocks,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: tuple[str, str] | None = None,
    prevent_thread_lock: bool = False,
    max_file_size: int | None = None,
) -> tuple[Any, str, str]:
    """Queue (2 concurrent answers, for a 2-core machine) and launch with CSS and theme."""
    demo.queue(default_concurrency_limit=2)
    return demo.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        # Error *messages* (gr.Error) reach the user; tracebacks never do, because
        # handlers catch exceptions and log them server-side.
        show_error=True,
        share=False,
        inbrowser=False,
        quiet=True,
        prevent_thread_lock=prevent_thread_lock,
        footer_links=["api"],
        css=APP_CSS,
        theme=_theme(),
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        # Far over the library's own limit, which answers in Chinese; this one only keeps
        # huge bodies off the disk.
        max_file_size=max_file_size * 4 if max_file_size else None,
    )
