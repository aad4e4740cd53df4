"""Rendering of answers, sources, badge and banner: escaping first, then structure."""

from __future__ import annotations

import pytest

from app.render import (
    SOURCES_PLACEHOLDER,
    cite_anchor,
    escape_markdown,
    highlight,
    render_answer_markdown,
    render_banner,
    render_header,
    render_sources_html,
    render_status_badge,
)
from rag.types import Answer, Chunk, Citation, FollowUp, Retrieved, Status

TITLE = "2025 科技保险发展分析报告"
SECTION = ("三、政策性科技保险取得新进展", "第一，首台（套）重大技术装备保险补偿机制")
PASSAGE = (
    "第一，首台（套）重大技术装备保险补偿机制逐渐发挥重要作用。早在 2015 年，财政部、工信部、"
    "原保监会启动了首台（套）重大技术装备保险补偿机制试点工作。"
)
QUOTE = "早在 2015 年，财政部、工信部、原保监会启动了首台（套）重大技术装备保险补偿机制试点工作"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=window.__xss=1>"


def _chunk(
    text: str = PASSAGE,
    cid: str = "c1",
    page: int | None = 4,
    section: tuple[str, ...] = SECTION,
) -> Retrieved:
    chunk = Chunk(
        id=cid,
        text=text,
        source="report.txt",
        title=TITLE,
        section_path=section,
        page_start=page,
        page_end=page,
        position=0,
    )
    return Retrieved(chunk=chunk, score=0.9, rank=1)


def _citation(n: int = 1, quote: str = QUOTE, cid: str = "c1", verified: bool = True) -> Citation:
    return Citation(
        n=n,
        title=TITLE,
        section_path=SECTION,
        page_start=4,
        page_end=4,
        quote=quote,
        chunk_id=cid,
        source="report.txt",
        verified=verified,
        problems=() if verified else ("引用与原文不一致",),
    )


REWRITTEN = FollowUp(kind="pronoun", resolved="…", rewritten=True)


def test_a_question_kept_as_asked_shows_no_resolved_line() -> None:
    kept = FollowUp(kind="temporal", resolved="当时呢？", rewritten=False, context=("首台",))
    md = render_answer_markdown(
        _answer(question="当时呢？", resolved_question="x", followup=kept), 1
    )
    assert "理解为" not in md


def _answer(**kw: object) -> Answer:
    base: dict[str, object] = {
        "question": "首台（套）试点哪年开始？",
        "resolved_question": "首台（套）试点哪年开始？",
        "text": "试点于 2015 年启动 [1]。",
        "refused": False,
        "mode": "extractive",
        "citations": (_citation(),),
        "retrieved": (_chunk(),),
    }
    base.update(kw)
    return Answer(**base)  # type: ignore[arg-type]


# --- escaping -------------------------------------------------------------------------


@pytest.mark.parametrize("hostile", [SCRIPT, IMG])
def test_answer_text_is_escaped(hostile: str) -> None:
    md = render_answer_markdown(_answer(text=f"结论 {hostile} [1]"), 1)
    assert hostile not in md
    assert "&lt;" in md
    assert "<script" not in md and "<img" not in md


@pytest.mark.parametrize("hostile", [SCRIPT, IMG])
def test_question_is_escaped_in_resolved_line(hostile: str) -> None:
    md = render_answer_markdown(
        _answer(question="它呢", resolved_question=f"问 {hostile}", followup=REWRITTEN), 1
    )
    assert "理解为" in md
    assert "<script" not in md and "<img" not in md


@pytest.mark.parametrize("hostile", [SCRIPT, IMG])
def test_quote_and_passage_are_escaped(hostile: str) -> None:
    passage = f"前文{hostile}后文"
    answer = _answer(
        citations=(_citation(quote=hostile),),
        retrieved=(_chunk(text=passage),),
    )
    html = render_sources_html(answer, 1)
    assert "<script" not in html and "<img" not in html
    assert "<mark>&lt;" in html  # the hostile quote is still marked, as text


@pytest.mark.parametrize("hostile", [SCRIPT, IMG])
def test_refused_passages_are_escaped(hostile: str) -> None:
    answer = _answer(
        text=f"报告中没有提到{hostile}。", refused=True, citations=(), retrieved=(_chunk(hostile),)
    )
    assert "<script" not in render_sources_html(answer, 1)
    assert "<img" not in render_sources_html(answer, 1)
    assert "<img" not in render_answer_markdown(answer, 1)


def test_markdown_syntax_in_report_text_stays_literal() -> None:
    md = escape_markdown("[点我](javascript:alert(1)) *粗* `代码`\n# 标题")
    assert "\\[点我\\]" in md
    assert "\\*粗\\*" in md
    assert "\\`代码\\`" in md
    assert "\\# 标题" in md


def test_header_and_banner_escape() -> None:
    status = Status(ok=False, mode="llm", model=IMG, problems=(SCRIPT,))
    assert "<img" not in render_status_badge(status)
    assert "<script" not in render_banner(status)
    assert "<script" not in render_header("报告问答", [SCRIPT], status)


# --- highlight ------------------------------------------------------------------------


def test_highlight_marks_verbatim_quote() -> None:
    out = highlight(PASSAGE, QUOTE)
    assert f"<mark>{QUOTE}</mark>" in out
    assert out.startswith("第一，首台（套）")


def test_highlight_escapes_before_marking() -> None:
    out = highlight("a <b> c & d", "<b> c")
    assert out == "a <mark>&lt;b&gt; c</mark> &amp; d"


def test_highlight_tolerates_spacing_differences() -> None:
    out = highlight("早在 2015 年，财政部", "早在2015年")
    assert out == "<mark>早在 2015 年</mark>，财政部"


def test_highlight_without_match_returns_escaped_passage() -> None:
    assert highlight("<p>原文</p>", "不存在") == "&lt;p&gt;原文&lt;/p&gt;"
    assert highlight("原文", "") == "原文"


# --- answer and sources ---------------------------------------------------------------


def test_markers_link_to_sources_panel() -> None:
    md = render_answer_markdown(_answer(), 3)
    assert f'href="#{cite_anchor(3, 1)}"' in md
    html = render_sources_html(_answer(), 3)
    assert f'id="{cite_anchor(3, 1)}"' in html


def test_unknown_marker_is_not_linked() -> None:
    md = render_answer_markdown(_answer(text="见 [7]。"), 1)
    assert "#cite-1-7" not in md
    assert "\\[7\\]" in md


def test_sources_panel_has_page_section_and_mark() -> None:
    html = render_sources_html(_answer(), 1)
    assert "第4页" in html
    assert "三、政策性科技保险取得新进展 › 第一，首台（套）重大技术装备保险补偿机制" in html
    assert TITLE in html
    assert f"<mark>{QUOTE}</mark>" in html
    assert "[1]" in html
    assert "相关段落" not in html


def test_a_quoted_heading_is_marked_above_its_passage() -> None:
    heading = SECTION[-1]
    html = render_sources_html(_answer(citations=(_citation(quote=heading),)), 1)
    assert f"<mark>{heading}</mark>" in html
    assert "原保监会启动了首台" in html  # the passage itself follows


def test_unverified_citation_is_flagged() -> None:
    html = render_sources_html(_answer(citations=(_citation(verified=False),)), 1)
    assert "未核验" in html and "引用与原文不一致" in html


def test_citation_without_retrieved_chunk_shows_quote() -> None:
    html = render_sources_html(_answer(retrieved=()), 1)
    assert f"<mark>{QUOTE}</mark>" in html


def test_refused_answer_renders_related_passages_without_citations() -> None:
    answer = _answer(
        text="报告中没有提到量子保险。",
        refused=True,
        citations=(),
        # Unnumbered front matter (no section) is labelled as the cover; a body passage
        # without pages (HTML, Markdown) as 无页码.
        retrieved=(
            _chunk(),
            _chunk(text="另一段", cid="c2", page=None, section=()),
            _chunk(text="网页正文", cid="c3", page=None),
        ),
    )
    html = render_sources_html(answer, 1)
    assert "相关段落" in html
    assert "第4页" in html and "封面及摘要" in html and "无页码" in html
    assert "rq-n" not in html and "[1]" not in html
    assert 'id="cite-' not in html
    md = render_answer_markdown(answer, 1)
    assert "报告中没有提到量子保险" in md
    assert "相关段落" in md


def test_resolved_question_shown_only_when_different() -> None:
    assert "理解为" not in render_answer_markdown(_answer(), 1)
    md = render_answer_markdown(
        _answer(question="那它呢？", resolved_question="首台（套）呢？", followup=REWRITTEN), 1
    )
    assert "理解为：首台（套）呢？" in md


def test_notice_is_shown() -> None:
    md = render_answer_markdown(_answer(notice="LLM 不可用，已改用抽取式回答。"), 1)
    assert "已改用抽取式" in md


def test_placeholder_before_first_answer() -> None:
    assert render_sources_html(None, 0) == SOURCES_PLACEHOLDER


# --- badge and banner -----------------------------------------------------------------


def test_badge_extractive() -> None:
    assert "抽取式" in render_status_badge(Status(ok=True, mode="extractive"))


def test_badge_llm_with_model() -> None:
    badge = render_status_badge(Status(ok=True, mode="llm", model="qwen2.5-7b"))
    assert "LLM · qwen2.5-7b" in badge
    assert "抽取式" not in badge


def test_banner_empty_when_ok_and_lists_problems_otherwise() -> None:
    assert render_banner(Status(ok=True, mode="extractive")) == ""
    banner = render_banner(
        Status(
            ok=False, mode="extractive", problems=("索引不存在：请运行 reportqa ingest corpus/",)
        )
    )
    assert "reportqa ingest corpus/" in banner
    assert "服务未就绪" in banner


def test_header_lists_reports() -> None:
    html = render_header("报告问答", [TITLE], Status(ok=True, mode="extractive"))
    assert TITLE in html and "报告问答" in html and "抽取式" in html
