"""The chat UI's handlers, called directly with a fake answerer (no server, no models)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import gradio as gr
import pytest

from app.feedback import append_feedback, feedback_record
from app.main import StartupError, check_bind, is_loopback, parse_auth
from app.ui import (
    ALL_REPORTS,
    EMPTY_QUESTION_MESSAGE,
    ChatHandlers,
    build_app,
    history_from_records,
    parse_history_json,
)
from rag.types import Answer, AnswerDelta, Status, Turn
from tests.fake_app import fake_answer

OK = Status(ok=True, mode="extractive", reports=("2025 科技保险发展分析报告",))


class Recorder:
    """A fake answer_stream that records its calls and streams the scripted answer."""

    def __init__(self, fail: Exception | None = None, final: bool = True) -> None:
        self.calls: list[tuple[str, list[Turn], str | None]] = []
        self.fail = fail
        self.final = final

    def __call__(
        self, question: str, history: Sequence[Turn], report: str | None
    ) -> Iterator[AnswerDelta | Answer]:
        self.calls.append((question, list(history), report))
        answer = fake_answer(question, history, report)
        assert isinstance(answer, Answer)
        for i in range(0, len(answer.text), 5):
            yield AnswerDelta(answer.text[i : i + 5])
            if self.fail is not None and i >= 5:
                raise self.fail
        if self.final:
            yield answer


def _handlers(tmp_path: Path, stream: Recorder | None = None, status: Status = OK) -> ChatHandlers:
    return ChatHandlers(
        stream or Recorder(), status=lambda: status, feedback_path=tmp_path / "fb" / "f.jsonl"
    )


def _run(handlers: ChatHandlers, question: str, chat=None, records=None, report=ALL_REPORTS):
    return list(handlers.respond(question, chat or [], records or [], report))


def test_build_app_constructs_with_api(tmp_path: Path) -> None:
    demo = build_app(
        Recorder(),
        status=lambda: OK,
        feedback_path=tmp_path / "f.jsonl",
        examples=["苏州高新区给多少家企业提供了网络安全保险？"],
        reports=["2025 科技保险发展分析报告"],
    )
    assert isinstance(demo, gr.Blocks)
    api_names = {d.api_name for d in demo.fns.values()}
    assert "ask" in api_names


def test_build_app_with_broken_status(tmp_path: Path) -> None:
    def boom() -> Status:
        raise RuntimeError("no index")

    demo = build_app(Recorder(), status=boom, feedback_path=tmp_path / "f.jsonl")
    assert isinstance(demo, gr.Blocks)


def test_respond_streams_then_renders_final(tmp_path: Path) -> None:
    handlers = _handlers(tmp_path)
    steps = _run(handlers, "苏州高新区给多少家企业提供了网络安全保险？")
    assert len(steps) > 3  # placeholder, several deltas, final
    partial = [s[0][-1]["content"] for s in steps[1:-1]]
    assert any("▍" in p for p in partial)
    lengths = [len(p) for p in partial]
    assert lengths == sorted(lengths)  # the answer grows as deltas arrive
    chat, sources, records, box = steps[-1]
    assert box == ""
    assert chat[0] == {"role": "user", "content": "苏州高新区给多少家企业提供了网络安全保险？"}
    assert "35" in chat[1]["content"] and 'href="#cite-1-1"' in chat[1]["content"]
    assert "第6页" in sources and 'id="cite-1-1"' in sources
    assert records[0] is None and records[1]["kind"] == "answer"


def test_follow_up_passes_history_and_shows_resolved(tmp_path: Path) -> None:
    stream = Recorder()
    handlers = _handlers(tmp_path, stream)
    chat, _, records, _ = _run(handlers, "首台（套）保险补偿机制试点是哪一年启动的？")[-1]
    chat2, sources2, _records2, _ = _run(handlers, "那苏州呢？", chat, records)[-1]
    question, history, report = stream.calls[-1]
    assert question == "那苏州呢？"
    assert report is None
    assert [t.role for t in history] == ["user", "assistant"]
    assert history[0].content == "首台（套）保险补偿机制试点是哪一年启动的？"
    assert "2015" in history[1].content
    assert "理解为" in chat2[-1]["content"]
    assert 'href="#cite-2-1"' in chat2[-1]["content"]  # second answer, its own anchors
    assert 'id="cite-2-1"' in sources2


def test_report_filter_passed_through(tmp_path: Path) -> None:
    stream = Recorder()
    _run(_handlers(tmp_path, stream), "苏州？", report="2025 科技保险发展分析报告")
    assert stream.calls[-1][2] == "2025 科技保险发展分析报告"


@pytest.mark.parametrize("bad", ["", "   ", "\n\t", None])
def test_empty_input_gets_chinese_message(tmp_path: Path, bad: str | None) -> None:
    stream = Recorder()
    steps = _run(_handlers(tmp_path, stream), bad)  # type: ignore[arg-type]
    chat, _, records, _ = steps[-1]
    assert chat[-1]["content"] == EMPTY_QUESTION_MESSAGE
    assert records[-1]["kind"] == "hint"
    assert stream.calls == []


def test_too_long_input(tmp_path: Path) -> None:
    chat = _run(_handlers(tmp_path), "问" * 2000)[-1][0]
    assert "问题太长" in chat[-1]["content"]


def test_exception_is_caught_and_app_keeps_working(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    failing = _handlers(tmp_path, Recorder(fail=RuntimeError("secret /path/detail")))
    with caplog.at_level(logging.ERROR):
        chat, _, records, _ = _run(failing, "苏州高新区给多少家企业提供了网络安全保险？")[-1]
    assert "出错" in chat[-1]["content"]
    assert "secret" not in chat[-1]["content"] and "Traceback" not in chat[-1]["content"]
    assert records[-1]["kind"] == "error"
    assert any("answer_stream failed" in r.message for r in caplog.records)
    # errors are not fed back as history, and the next question works
    assert history_from_records(records) == []
    ok = _handlers(tmp_path)
    chat2 = _run(ok, "首台（套）保险补偿机制试点是哪一年启动的？", chat, records)[-1][0]
    assert "2015" in chat2[-1]["content"]


def test_exception_with_bad_status_shows_problems(tmp_path: Path) -> None:
    broken = Status(
        ok=False, mode="extractive", problems=("索引不存在：请运行 reportqa ingest corpus/",)
    )
    handlers = _handlers(tmp_path, Recorder(fail=FileNotFoundError("index")), status=broken)
    chat = _run(handlers, "苏州高新区给多少家企业提供了网络安全保险？")[-1][0]
    assert "reportqa ingest corpus/" in chat[-1]["content"]


def test_stream_without_final_answer(tmp_path: Path) -> None:
    chat = _run(_handlers(tmp_path, Recorder(final=False)), "苏州？")[-1][0]
    assert "没有得到完整的回答" in chat[-1]["content"]


def test_refused_answer_shows_related(tmp_path: Path) -> None:
    chat, sources, _, _ = _run(_handlers(tmp_path), "报告说了量子计算吗")[-1]
    assert "报告中没有提到" in chat[-1]["content"]
    assert "相关段落" in sources


def test_xss_question_is_escaped_in_chat(tmp_path: Path) -> None:
    q = "<img src=x onerror=window.__xss=1>"
    chat, sources, _, _ = _run(_handlers(tmp_path), q)[-1]
    for message in chat:
        assert "<img" not in message["content"]
    assert "<img" not in sources and "<script" not in sources


def test_vote_writes_jsonl(tmp_path: Path) -> None:
    handlers = _handlers(tmp_path)
    _chat, _, records, _ = _run(handlers, "苏州高新区给多少家企业提供了网络安全保险？")[-1]
    assert handlers.vote(records, 1, True) is not None
    assert handlers.vote(records, [1, 0], False) is not None
    assert handlers.vote(records, 0, True) is None  # the user's own message
    assert handlers.vote(records, 99, True) is None
    lines = (tmp_path / "fb" / "f.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert set(first) == {"time", "question", "answer", "citations", "vote"}
    assert first["vote"] == "up" and second["vote"] == "down"
    assert first["question"] == "苏州高新区给多少家企业提供了网络安全保险？"
    assert "35" in first["answer"]
    assert first["citations"][0]["page"] == "第6页"


def test_vote_on_error_message_is_ignored(tmp_path: Path) -> None:
    handlers = _handlers(tmp_path)
    _, _, records, _ = _run(handlers, "  ")[-1]
    assert handlers.vote(records, 0, True) is None
    assert not (tmp_path / "fb" / "f.jsonl").exists()


def test_feedback_lines_stay_whole_under_concurrency(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "feedback.jsonl"
    record = feedback_record(question="问" * 300, answer="答" * 3000, citations=[], vote="up")

    def writer() -> None:
        for _ in range(50):
            append_feedback(path, record)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 200
    assert all(json.loads(line)["vote"] == "up" for line in lines)


def test_clear_resets_everything() -> None:
    chat, sources, records, box = ChatHandlers.clear()
    assert chat == [] and records == [] and box == ""
    assert "来源" in sources


def test_ask_returns_answer_json(tmp_path: Path) -> None:
    stream = Recorder()
    handlers = _handlers(tmp_path, stream)
    history = json.dumps(
        [{"role": "user", "content": "首台？"}, {"role": "assistant", "content": "2015"}]
    )
    out = handlers.ask("苏州高新区给多少家企业提供了网络安全保险？", history, "")
    assert out["answer"].startswith("苏州高新区为 35 家")
    assert out["citations"][0]["page"] == "第6页"
    assert stream.calls[-1][1] == [Turn("user", "首台？"), Turn("assistant", "2015")]
    assert stream.calls[-1][2] is None


@pytest.mark.parametrize("bad", ["", "  "])
def test_ask_rejects_empty_question(tmp_path: Path, bad: str) -> None:
    with pytest.raises(gr.Error, match="请输入"):
        _handlers(tmp_path).ask(bad)


def test_ask_rejects_bad_history(tmp_path: Path) -> None:
    with pytest.raises(gr.Error, match="history_json"):
        _handlers(tmp_path).ask("苏州？", "{not json")
    with pytest.raises(ValueError):
        parse_history_json('[{"role": "system", "content": "x"}]')


def test_ask_wraps_exceptions(tmp_path: Path) -> None:
    handlers = _handlers(tmp_path, Recorder(fail=RuntimeError("boom")))
    with pytest.raises(gr.Error, match="出错"):
        handlers.ask("苏州高新区给多少家企业提供了网络安全保险？")


# --- app.main: bind and auth rules ---------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)
    check_bind(host, None, False)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::", "example.org"])
def test_public_bind_needs_auth_or_insecure(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(StartupError, match="REPORTQA_AUTH"):
        check_bind(host, None, False)
    check_bind(host, ("u", "p"), False)
    check_bind(host, None, True)


def test_parse_auth() -> None:
    assert parse_auth({}) is None
    assert parse_auth({"REPORTQA_AUTH": "alice:s3:cret"}) == ("alice", "s3:cret")
    with pytest.raises(StartupError):
        parse_auth({"REPORTQA_AUTH": "alice"})


def test_main_refuses_public_bind_without_traceback() -> None:
    env = {"PATH": "/usr/bin:/bin", "GRADIO_ANALYTICS_ENABLED": "False"}
    result = subprocess.run(
        [sys.executable, "-m", "app.main", "--host", "0.0.0.0", "--port", "1"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "REPORTQA_AUTH" in result.stderr and "拒绝" in result.stderr
    assert "Traceback" not in result.stderr
