"""The `reportqa` console script as a user runs it: ask --json, ask --jsonl, chat, inspect."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from app.cli import inspect_lines, list_line
from rag.store import ReportEntry
from rag.types import Chunk
from tests.conftest import REPO, REPORTQA, env_for


def _run(home: Path, models: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*REPORTQA, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env_for(home, models),
        timeout=300,
    )


@pytest.mark.slow
def test_ask_json_has_the_documented_shape(real_home: Path, shared_models_dir: Path) -> None:
    done = _run(
        real_home, shared_models_dir, "ask", "--json", "苏州高新区的科惠保给多少家企业投了保？"
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) >= {"question", "resolved_question", "answer", "refused", "mode", "citations"}
    assert set(out) >= {"retrieved", "timings_ms"}
    assert "35" in out["answer"] and out["mode"] == "extractive"
    cite = out["citations"][0]
    assert set(cite) >= {"n", "title", "section", "page", "quote", "chunk_id", "source", "verified"}
    assert cite["verified"] and cite["page"] == "第4–6页"
    assert set(out["timings_ms"]) == {"retrieve", "rerank", "answer", "total"}


@pytest.mark.slow
def test_ask_jsonl_answers_every_line_and_reports_bad_ones(
    real_home: Path, shared_models_dir: Path
) -> None:
    lines = [
        json.dumps({"id": "a", "question": "首台（套）补偿试点从哪年开始？"}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": "c", "question": "   "}),
        json.dumps(
            {
                "id": "d",
                "question": "那是哪几个部门启动的？",
                "history": [
                    {"role": "user", "content": "首台（套）补偿试点从哪年开始？"},
                    {"role": "assistant", "content": "2015 年。"},
                ],
            },
            ensure_ascii=False,
        ),
    ]
    done = _run(real_home, shared_models_dir, "ask", "--jsonl", "-", stdin="\n".join(lines))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", 2, "c", "d"]
    assert "2015" in rows[0]["answer"]
    assert "error" in rows[1] and "error" in rows[2]
    assert rows[3]["resolved_question"] != rows[3]["question"] and "财政部" in rows[3]["answer"]


@pytest.mark.slow
def test_chat_keeps_the_conversation(real_home: Path, shared_models_dir: Path) -> None:
    done = _run(
        real_home,
        shared_models_dir,
        "chat",
        stdin="深圳的种子基金风险补偿方案哪年推出的？\n那共保体遴选呢？\n/quit\n",
    )
    assert done.returncode == 0, done.stderr
    assert "2024 年 11 月" in done.stdout and "2025 年 10 月" in done.stdout
    assert "理解为" in done.stdout


@pytest.mark.slow
def test_inspect_lists_every_chunk_with_section_and_page(
    real_home: Path, shared_models_dir: Path
) -> None:
    done = _run(real_home, shared_models_dir, "inspect")
    assert done.returncode == 0, done.stderr
    assert "第4–6页" in done.stdout and "三、政策性科技保险取得新进展" in done.stdout
    assert "封面及摘要" in done.stdout and "第7页" in done.stdout


def test_console_script_runs_app_cli() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    assert scripts == {"reportqa": "app.cli:main"}
    done = subprocess.run(
        [*REPORTQA, "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "ingest" in done.stdout and "serve" in done.stdout and "eval" in done.stdout


def test_help_loads_neither_the_answering_stack_nor_gradio() -> None:
    probe = (
        "import sys; from app.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('rag.chain', 'gradio', 'langchain_core', 'torch', 'chromadb') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_inspect_shows_each_chunks_page_beside_its_section() -> None:
    chunks = [
        Chunk("a", "摘要的文字。", "p.pdf", "某报告", ("摘要",), 1, 1, 0),
        Chunk("b", "正文" * 40, "p.pdf", "某报告", ("1 概况", "1.1 范围"), 2, 3, 1),
        Chunk("c", "另一份报告的文字。", "q.txt", "另一份", (), None, None, 0),
    ]
    lines = inspect_lines(chunks)
    assert lines[:3] == ["《某报告》 p.pdf", "   0 摘要 · 第1页", "     摘要的文字。"]
    assert lines[3] == "   1 1 概况 › 1.1 范围 · 第2–3页"
    assert lines[4].endswith("……") and len(lines[4]) == 5 + 60 + 2
    assert lines[5:7] == ["《另一份》 q.txt", "   0 前置部分 · 封面及摘要"]
    assert inspect_lines(chunks, report="q.txt")[0] == "《另一份》 q.txt"
    assert len(inspect_lines(chunks, full=True)[4]) == 5 + 80
    two = Chunk("d", "第一段。\n第二段。", "p.pdf", "某报告", ("2 结论",), 4, 4, 2)
    assert inspect_lines([two])[2] == "     第一段。\n     第二段。"


def test_list_shows_title_and_authors() -> None:
    entry = ReportEntry("p.pdf", "某报告", "0" * 64, 12, 0.0, authors=("张三", "李四"))
    assert list_line(entry).startswith("- p.pdf  《某报告》  张三、李四  12 块  入库 ")
    assert "《某报告》  12 块" in list_line(ReportEntry("p.pdf", "某报告", "0" * 64, 12, 0.0))
