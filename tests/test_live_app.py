"""The running app follows the index: questions sent through `/ask` while `reportqa ingest`
replaces a report in another process are all answered, each from one generation only,
and the app switches to the new generation by itself (real model, real app)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.fake_app import (
    REPO,
    app_env,
    free_port,
    ingest_corpus,
    real_app_cmd,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.slow

PARKS_Q = "研究区域新建口袋公园多少处？"
OTHER_Q = "首台（套）重大技术装备保险补偿机制是哪一年开始试点的？"


def parks_markdown(parks: int) -> str:
    """A synthetic report (long enough that its ingest takes a while); `parks` is the fact
    that differs between its two versions."""
    parts = ["# 城市公园建设年度报告", ""]
    for k in range(1, 31):
        parts += [f"## {k}. 第{k}片区的公园建设", ""]
        parts.append(
            f"第{k}片区今年完成绿化改造{k * 3}公顷，新增健身步道{k + 4}千米，"
            f"社区居民满意度为{60 + k % 30}分。片区内的公园管理由街道统一负责。"
        )
        parts.append("")
    parts.insert(4, f"全市研究区域新建口袋公园 {parks} 处，覆盖所有街道。")
    return "\n".join(parts) + "\n"


def chunk_ids(path: Path) -> set[str]:
    """The chunk ids `reportqa ingest` gives this file (content hashes, same code)."""
    from ingest.chunk import chunk_report
    from ingest.formats import load_report
    from rag.settings import ChunkSettings

    return {c.id for c in chunk_report(load_report(path), ChunkSettings())}


@dataclass
class Asked:
    started: float
    ended: float
    question: str
    result: dict[str, Any] | None = None
    error: str = ""
    ids: set[str] = field(default_factory=set)


def _ingest(home: Path, path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "ingest", "--quiet", "--wait", "300", str(path)],
        cwd=REPO,
        env=app_env({"REPORTQA_HOME": str(home)}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(scope="module")
def app_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    prepared = ingest_corpus(tmp_path_factory.getbasetemp() / "reportqa-home")
    home = tmp_path_factory.mktemp("live-home") / "home"
    shutil.copytree(prepared, home)
    parks = home / "parks.md"
    parks.write_text(parks_markdown(42), encoding="utf-8")
    assert _ingest(home, parks).wait(timeout=900) == 0
    port = free_port()
    log = home / "server.log"
    proc = start_server(
        real_app_cmd(port), port, log, app_env({"REPORTQA_HOME": str(home)}), timeout=600
    )
    try:
        yield f"http://127.0.0.1:{port}/", home, parks
    finally:
        stop_server(proc)


def test_questions_during_an_ingest_in_another_process(
    app_home: tuple[str, Path, Path], tmp_path: Path
) -> None:
    from gradio_client import Client

    url, home, parks = app_home
    old_ids = chunk_ids(parks)
    new_version = tmp_path / "parks.md"
    new_version.write_text(parks_markdown(57), encoding="utf-8")
    new_ids = chunk_ids(new_version)
    old_only, new_only = old_ids - new_ids, new_ids - old_ids
    assert old_only and new_only

    asked: list[Asked] = []
    stop = threading.Event()

    def ask_loop() -> None:
        client = Client(url, verbose=False, analytics_enabled=False)
        k = 0
        while not stop.is_set():
            question = PARKS_Q if k % 2 == 0 else OTHER_Q
            k += 1
            item = Asked(time.monotonic(), 0.0, question)
            try:
                item.result = client.predict(question, "[]", "", api_name="/ask")
            except Exception as exc:  # every failure is a finding
                item.error = f"{type(exc).__name__}: {exc}"
            item.ended = time.monotonic()
            if item.result:
                item.ids = {r["chunk_id"] for r in item.result["retrieved"]} | {
                    c["chunk_id"] for c in item.result["citations"]
                }
            asked.append(item)

    workers = [threading.Thread(target=ask_loop) for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(3)
        shutil.copy(new_version, parks)
        ingest_started = time.monotonic()
        ingest = _ingest(home, parks)
        _, stderr = ingest.communicate(timeout=900)
        ingest_ended = time.monotonic()
        assert ingest.returncode == 0, stderr.decode(errors="replace")[-2000:]
        # The app notices the new generation by itself and switches between questions.
        deadline = time.monotonic() + 180
        switched = False
        while time.monotonic() < deadline and not switched:
            time.sleep(1)
            switched = any(a.started > ingest_ended and a.ids & new_only for a in list(asked))
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=300)

    errors = [a.error for a in asked if a.error]
    assert not errors, errors[:3]
    mixed = [a.question for a in asked if a.ids & old_only and a.ids & new_only]
    assert not mixed, mixed
    during = [a for a in asked if a.started >= ingest_started and a.ended <= ingest_ended]
    assert len(during) >= 3, f"only {len(during)} answers while the ingest ran"
    assert switched, "the app never answered from the new generation"
    for a in asked:
        assert a.result is not None
        if a.question == PARKS_Q and a.ids & old_only:
            assert "42" in a.result["answer"]
        if a.question == PARKS_Q and a.ids & new_only:
            assert "57" in a.result["answer"]
    last = max((a for a in asked if a.question == PARKS_Q), key=lambda a: a.started)
    assert "57" in last.result["answer"] if last.result else False
