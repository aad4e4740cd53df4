"""The `/ask` API over HTTP with gradio_client, against a served app in a subprocess."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fake_app import (
    app_env,
    fake_app_cmd,
    free_port,
    ingest_corpus,
    real_app_cmd,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.slow

ANSWER_KEYS = {
    "question",
    "resolved_question",
    "answer",
    "refused",
    "mode",
    "model",
    "notice",
    "strategy",
    "followup",
    "citations",
    "retrieved",
    "dropped",
    "timings_ms",
}
CITATION_KEYS = {
    "n",
    "title",
    "section",
    "section_path",
    "page",
    "page_start",
    "page_end",
    "quote",
    "chunk_id",
    "source",
    "verified",
}


def _client(url: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False)


@pytest.fixture(scope="module")
def fake_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("client-fake")
    port = free_port()
    proc = start_server(
        fake_app_cmd(port, base / "feedback.jsonl"), port, base / "server.log", app_env()
    )
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def real_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = ingest_corpus(tmp_path_factory.getbasetemp() / "reportqa-home")
    base = tmp_path_factory.mktemp("client-real")
    port = free_port()
    proc = start_server(
        real_app_cmd(port),
        port,
        base / "server.log",
        app_env({"REPORTQA_HOME": str(home)}),
        timeout=600,
    )
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_server(proc)


def _check_shape(result: Any) -> dict[str, Any]:
    assert isinstance(result, dict)
    assert set(result) == ANSWER_KEYS
    for citation in result["citations"]:
        assert set(citation) == CITATION_KEYS
    return result


def test_fake_app_ask(fake_url: str) -> None:
    client = _client(fake_url)
    assert "/ask" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    result = _check_shape(
        client.predict("苏州高新区给多少家企业提供了网络安全保险？", "[]", "", api_name="/ask")
    )
    assert "35" in result["answer"]
    assert result["refused"] is False
    assert result["citations"][0]["page"] == "第6页"
    assert result["citations"][0]["verified"] is True


def test_fake_app_ask_with_history(fake_url: str) -> None:
    history = '[{"role": "user", "content": "苏州高新区给多少家企业提供了网络安全保险？"}]'
    result = _check_shape(_client(fake_url).predict("那保障金额呢？", history, "", api_name="/ask"))
    assert result["resolved_question"] != result["question"]
    assert result["followup"]["rewritten"] and not result["followup"]["standalone"]
    assert "1050" in result["answer"]


def test_fake_app_ask_rejects_empty(fake_url: str) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="请输入"):
        _client(fake_url).predict("   ", "[]", "", api_name="/ask")


def test_real_app_ask_first_set_pilot_year(real_url: str) -> None:
    result = _check_shape(
        _client(real_url).predict(
            "首台（套）重大技术装备保险补偿机制试点是什么时候开始的？", "[]", "", api_name="/ask"
        )
    )
    assert result["refused"] is False
    assert "2015" in result["answer"]
    verified = [c for c in result["citations"] if c["verified"]]
    assert verified, result
    assert any("第4" in c["page"] for c in verified), [c["page"] for c in verified]


def test_real_app_ask_unanswerable_is_refused(real_url: str) -> None:
    result = _check_shape(
        _client(real_url).predict(
            "报告里提到的量子计算保险的保费是多少？", "[]", "", api_name="/ask"
        )
    )
    assert result["refused"] is True
    assert result["citations"] == []
    assert result["retrieved"]
