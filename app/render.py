"""Pure rendering of `rag.types` records into the chat UI's Markdown and HTML.

Every piece of text that comes from a report, a question or a model goes
through `html.escape` before it is put into markup: report text is data, and a
question such as ``<img src=x onerror=...>`` must be shown, never run.
Nothing here imports Gradio, so these functions are unit-tested on their own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from rag.types import Answer, Citation, Retrieved, Status
from rag.verify import citable_text

#: Shown in the sources panel before the first answer.
SOURCES_PLACEHOLDER = (
    '<div class="rq-sources rq-empty"><h3>来源</h3>'
    "<p>提问后，这里列出答案引用的报告原文：章节、页码和被引用的句子。</p></div>"
)
#: Shown in the sources panel while an answer is being prepared.
SEARCHING_HTML = '<div class="rq-sources rq-searching"><h3>来源</h3><p>正在检索报告原文…</p></div>'

_MARKER = re.compile(r"\[(\d{1,3})\]")
# Characters that Markdown would turn into emphasis, links, code or strikethrough.
# Escaping them keeps report text literal inside the chatbot's Markdown renderer.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]~])")
# Headings and setext underlines would restyle report text; lists are left alone
# on purpose, because an answer such as "1. …\n2. …" reads better as a list.
_MD_LINE_START = re.compile(r"^(\s*)(#|[=-]+\s*$)", re.MULTILINE)
_MAX_RELATED = 3


def escape_text(text: str) -> str:
    """HTML-escape text for use inside markup (quotes included)."""
    return html.escape(text, quote=True)


def escape_markdown(text: str) -> str:
    """HTML-escape, then neutralise Markdown syntax so text renders literally."""
    escaped = _MD_SPECIAL.sub(r"\\\1", escape_text(text))
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def cite_anchor(answer_no: int, n: int) -> str:
    """The element id of citation `n` of answer number `answer_no` in the sources panel."""
    return f"cite-{answer_no}-{n}"


def highlight(passage: str, quote: str) -> str:
    """Escape `passage` and wrap the span matching `quote` in ``<mark>``.

    The verbatim quote is tried first; if extraction changed spacing (e.g.
    "2015 年" vs "2015年") a whitespace-insensitive match is used. Without any
    match the escaped passage is returned unmarked rather than guessing.
    """
    quote = quote.strip()
    if not quote:
        return escape_text(passage)
    start = passage.find(quote)
    end = start + len(quote)
    if start < 0:
        chars = [re.escape(ch) for ch in quote if not ch.isspace()]
        if not chars:
            return escape_text(passage)
        found = re.search(r"\s*".join(chars), passage)
        if found is None:
            return escape_text(passage)
        start, end = found.span()
    return (
        escape_text(passage[:start])
        + "<mark>"
        + escape_text(passage[start:end])
        + "</mark>"
        + escape_text(passage[end:])
    )


def _differs(question: str, resolved: str) -> bool:
    return bool(resolved.strip()) and resolved.strip() != question.strip()


def render_resolved(question: str, resolved: str, rewritten: bool = True) -> str:
    """The small 「理解为：…」 line: only for a rewritten follow-up, never for a standalone
    question or one kept as asked; "" when the resolved question equals the typed one."""
    if not rewritten or not _differs(question, resolved):
        return ""
    return f'<div class="rq-resolved">理解为：{escape_text(resolved.strip())}</div>'


def render_streaming_markdown(text: str) -> str:
    """Markdown for a partial answer while deltas arrive (markers not linked yet)."""
    return escape_markdown(text) + " ▍"


def render_answer_markdown(answer: Answer, answer_no: int) -> str:
    """Chatbot Markdown for a final answer.

    Inline `[n]` markers that match a citation become links to
    ``#cite-<answer_no>-<n>`` in the sources panel; all other text is escaped.
    """
    cited = {c.n for c in answer.citations}
    pieces: list[str] = []
    last = 0
    for match in _MARKER.finditer(answer.text):
        pieces.append(escape_markdown(answer.text[last : match.start()]))
        n = int(match.group(1))
        if n in cited and not answer.refused:
            pieces.append(
                # Short markup on purpose: the chatbot's copy button copies the raw message.
                f'<a class="rq-cite" href="#{cite_anchor(answer_no, n)}">[{n}]</a>'
            )
        else:
            pieces.append(escape_markdown(match.group(0)))
        last = match.end()
    pieces.append(escape_markdown(answer.text[last:]))
    body = "".join(pieces).strip() or "（没有生成回答。）"

    parts = []
    resolved = render_resolved(answer.question, answer.resolved_question, answer.followup.rewritten)
    if resolved:
        parts.append(resolved)
    parts.append(body)
    if answer.refused and answer.retrieved:
        parts.append(
            '<div class="rq-note">右侧「相关段落」列出了报告中最接近的内容，供参考。</div>'
        )
    if answer.notice:
        parts.append(f'<div class="rq-note">{escape_text(answer.notice)}</div>')
    return "\n\n".join(parts)


def _location(section_label: str, page_label: str) -> str:
    return (
        f'<div class="rq-loc"><span class="rq-section">{escape_text(section_label)}</span>'
        f' · <span class="rq-page">{escape_text(page_label)}</span></div>'
    )


def _passage_for(citation: Citation, retrieved: Iterable[Retrieved]) -> str:
    for item in retrieved:
        if item.chunk.id == citation.chunk_id:
            if citation.quote in item.chunk.text:
                return item.chunk.text
            # A quoted heading (「（1）鼓励原始创新…」) is shown above its passage.
            return citable_text(item.chunk)[0]
    return citation.quote


def _citation_card(citation: Citation, answer: Answer, answer_no: int) -> str:
    passage = _passage_for(citation, answer.retrieved)
    flag = ""
    if not citation.verified:
        reasons = "；".join(citation.problems) or "引用未通过原文核对"
        flag = f'<div class="rq-unverified">⚠ 未核验：{escape_text(reasons)}</div>'
    return (
        f'<div class="rq-card" id="{cite_anchor(answer_no, citation.n)}">'
        f'<div class="rq-card-head"><span class="rq-n">[{citation.n}]</span>'
        f'<span class="rq-title">{escape_text(citation.title)}</span></div>'
        f"{_location(citation.section_label, citation.page_label)}"
        f'<blockquote class="rq-quote">{highlight(passage, citation.quote)}</blockquote>'
        f"{flag}</div>"
    )


def _related_card(item: Retrieved) -> str:
    chunk = item.chunk
    return (
        '<div class="rq-card rq-related">'
        f'<div class="rq-card-head"><span class="rq-title">{escape_text(chunk.title)}</span></div>'
        f"{_location(chunk.section_label, chunk.page_label)}"
        f'<blockquote class="rq-quote">{escape_text(chunk.text)}</blockquote></div>'
    )


def render_sources_html(answer: Answer | None, answer_no: int) -> str:
    """The sources panel for the latest answer.

    Answers with citations list one card per citation (title, section ›
    point · 第N页, passage with the quote marked). Refused answers list the
    closest passages under 相关段落, without citation numbers.
    """
    if answer is None:
        return SOURCES_PLACEHOLDER
    if answer.refused:
        related = answer.retrieved[:_MAX_RELATED]
        if not related:
            return '<div class="rq-sources"><h3>相关段落</h3><p>报告中没有找到相关段落。</p></div>'
        cards = "".join(_related_card(item) for item in related)
        return (
            '<div class="rq-sources rq-refused"><h3>相关段落</h3>'
            '<p class="rq-hint">报告没有直接回答这个问题；以下是最接近的段落，仅供参考。</p>'
            f"{cards}</div>"
        )
    if not answer.citations:
        return '<div class="rq-sources"><h3>来源</h3><p>这条回答没有可展示的引用。</p></div>'
    cards = "".join(_citation_card(c, answer, answer_no) for c in answer.citations)
    return f'<div class="rq-sources"><h3>来源</h3>{cards}</div>'


def render_status_badge(status: Status) -> str:
    """The answer-mode badge: 抽取式, or LLM · <model name>."""
    if status.mode == "llm":
        label = f"LLM · {status.model}" if status.model else "LLM"
        kind = "llm"
    else:
        label = "抽取式"
        kind = "extractive"
    return f'<span class="rq-badge rq-badge-{kind}" title="回答模式">{escape_text(label)}</span>'


def render_banner(status: Status) -> str:
    """A warning banner listing Status.problems (what is wrong, what to run); "" when ok."""
    if status.ok:
        return ""
    problems = status.problems or ("系统暂不可用，请查看服务日志。",)
    items = "".join(f"<li>{escape_text(p)}</li>" for p in problems)
    return (
        f'<div class="rq-banner" role="alert"><strong>⚠ 服务未就绪</strong><ul>{items}</ul></div>'
    )


def render_header(title: str, reports: Iterable[str], status: Status) -> str:
    """Page header: product title, the indexed report name(s) and the mode badge."""
    names = [r for r in reports if r.strip()]
    if names:
        listed = "、".join(f"《{escape_text(n)}》" for n in names)
        subtitle = f'<div class="rq-reports">基于{listed}回答，答案附带章节与页码出处。</div>'
    else:
        subtitle = '<div class="rq-reports">尚未索引任何报告。</div>'
    return (
        '<div class="rq-header"><div class="rq-title-row">'
        f"<h1>{escape_text(title)}</h1>{render_status_badge(status)}</div>"
        f"{subtitle}</div>"
    )
