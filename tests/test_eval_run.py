"""The eval runner: fast tests with a fake answerer, one slow test with the real chain."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from evals import run as eval_run
from evals.baselines import BaselineRun
from rag.errors import IndexMissingError
from rag.types import Answer, Chunk, Citation, Retrieved

REPO = Path(__file__).resolve().parent.parent

ITEMS = [
    {
        "id": "a1",
        "question": "报告是谁写的？",
        "must_include": [["阎建军"]],
        "section": "前置",
        "type": "fact",
        "evidence": "本报告负责人：阎建军",
        "split": "dev",
    },
    {
        "id": "a2",
        "question": "哪一年开始试点？",
        "must_include": [["2015"]],
        "section": "一",
        "type": "number",
        "evidence": "2015年开始试点",
        "split": "dev",
    },
    {
        "id": "a3",
        "question": "那它呢？",
        "history": [{"role": "user", "content": "哪一年开始试点？"}],
        "must_include": [["首台"]],
        "section": "一",
        "type": "follow-up",
        "evidence": "首台（套）",
        "split": "heldout",
    },
    {
        "id": "a4",
        "question": "报告提到火星保险了吗？",
        "must_include": [],
        "section": "前置",
        "type": "unanswerable",
        "evidence": "",
        "split": "heldout",
    },
    {
        "id": "a5",
        "question": "保费收入是多少？",
        "must_include": [["99亿元"]],
        "section": "二",
        "type": "number",
        "evidence": "保费收入99亿元",
        "split": "dev",
    },
]

# What the fake "report" says for each question; a5 is deliberately wrong (a failure).
FACTS = {
    "报告是谁写的？": ("本报告负责人：阎建军", ("前置",), None),
    "哪一年开始试点？": ("2015年开始试点", ("一、政策",), 3),
    "那它呢？": ("首台（套）保险补偿", ("一、政策",), 3),
    "保费收入是多少？": ("保费收入88亿元", ("二、市场",), 7),
}


class FakeAnswerer:
    """Answers from FACTS with one verified citation; refuses anything else."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, str | None]] = []

    def answer(
        self, question: str, history: Sequence[Any] = (), report: str | None = None
    ) -> Answer:
        self.calls.append((question, len(history), report))
        if question not in FACTS:
            return Answer(question, question, "报告中没有提到。", refused=True, mode="extractive")
        text, path, page = FACTS[question]
        chunk = Chunk(
            id=f"c{len(text)}",
            text=text,
            source="r.txt",
            title="R",
            section_path=path,
            page_start=page,
            page_end=page,
            position=0,
        )
        citation = Citation(1, "R", path, page, page, text, chunk.id, "r.txt", verified=True)
        return Answer(
            question,
            question,
            f"{text}[1]",
            refused=False,
            mode="extractive",
            citations=(citation,),
            retrieved=(Retrieved(chunk, 1.0, 1),),
        )


def fake_baselines(settings: Any, items: Sequence[Any]) -> list[BaselineRun]:
    """Two 'baselines' that answer with the question itself and never refuse."""

    def results() -> list[dict[str, Any]]:
        return [
            {
                "answer": it["question"],
                "refused": False,
                "citations": [],
                "retrieved": [{"text": it["question"]}],
                "latency_ms": 1.0,
            }
            for it in items
        ]

    return [
        BaselineRun("langchain-baseline", results(), {"ingest_s": 0.1}),
        BaselineRun("bm25-baseline", results()),
    ]


@pytest.fixture
def eval_set(tmp_path: Path) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text(
        "\n".join(json.dumps(it, ensure_ascii=False) for it in ITEMS) + "\n", encoding="utf-8"
    )
    return path


@pytest.fixture(autouse=True)
def _no_llm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("REPORTQA_LLM_BASE_URL", raising=False)
    monkeypatch.setenv("REPORTQA_HOME", str(tmp_path / "home"))


def _run(argv: list[str], answerer: Any = None, **kw: Any) -> int:
    return eval_run.main(
        argv,
        answerer_factory=lambda settings: answerer or FakeAnswerer(),
        baselines_factory=kw.get("baselines", fake_baselines),
    )


def _thresholds(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "thresholds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_evaluate_goes_through_run_jsonl_with_history_and_latency() -> None:
    answerer = FakeAnswerer()
    results = eval_run.evaluate(answerer, ITEMS)
    assert [r["id"] for r in results] == [it["id"] for it in ITEMS]
    assert all(r["latency_ms"] >= 0 for r in results)
    assert answerer.calls[2] == ("那它呢？", 1, None)  # history passed through
    assert results[3]["refused"] and not results[0]["refused"]


def test_writes_reports_with_all_columns(
    tmp_path: Path, eval_set: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = tmp_path / "reports"
    code = _run(["--set", str(eval_set), "--split", "all", "--reports-dir", str(reports)])
    assert code == 0
    out = capsys.readouterr().out
    header = out.split("\n| --- |")[0].splitlines()[-1]
    for col in (
        "reportqa (dev)",
        "reportqa (heldout)",
        "reportqa (all)",
        "langchain-baseline (all)",
        "bm25-baseline (all)",
    ):
        assert col in header
    for row in (
        "| hit@1 |",
        "| MRR |",
        "| key-fact accuracy: number |",
        "| ≥1 citation |",
        "| false-refusal rate |",
        "| latency p95 (ms) |",
    ):
        assert row in out
    assert (reports / "latest.md").read_text(encoding="utf-8").count("| hit@1 |") == 1
    assert (reports / ".gitkeep").exists()
    payload = json.loads((reports / "latest.json").read_text(encoding="utf-8"))
    assert set(payload["systems"]) == {"reportqa", "langchain-baseline", "bm25-baseline"}
    assert set(payload["systems"]["reportqa"]) == {"dev", "heldout", "all"}
    assert payload["systems"]["reportqa"]["all"]["n_items"] == 5
    assert payload["systems"]["reportqa"]["all"]["refusal_rate"] == 1.0
    assert payload["mode"] == "extractive" and payload["settings"]["embedding model"]
    # a5 answers 88 instead of 99: listed with what was missing.
    assert [f["id"] for f in payload["failures"]] == ["a5"]
    assert payload["failures"][0]["missing"] == [["99亿元"]]
    assert "a5" in out and "99亿元" in out


def test_split_and_limit_select_items(tmp_path: Path, eval_set: Path) -> None:
    reports = tmp_path / "r"
    assert (
        _run(
            [
                "--set",
                str(eval_set),
                "--split",
                "heldout",
                "--no-baselines",
                "--reports-dir",
                str(reports),
            ]
        )
        == 0
    )
    payload = json.loads((reports / "latest.json").read_text(encoding="utf-8"))
    assert list(payload["columns"]) == ["reportqa (heldout)"]
    assert payload["n_items"] == 2
    assert (
        _run(
            [
                "--set",
                str(eval_set),
                "--limit",
                "2",
                "--no-baselines",
                "--reports-dir",
                str(reports),
            ]
        )
        == 0
    )
    payload = json.loads((reports / "latest.json").read_text(encoding="utf-8"))
    assert payload["n_items"] == 2 and "reportqa (heldout)" not in payload["columns"]


def test_gate_fails_on_violated_threshold(
    tmp_path: Path, eval_set: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strict = _thresholds(tmp_path, "key_fact_accuracy = 0.9\nfalse_refusal_rate_max = 0.0\n")
    code = _run(
        [
            "--set",
            str(eval_set),
            "--gate",
            "--thresholds",
            str(strict),
            "--no-baselines",
            "--reports-dir",
            str(tmp_path / "r"),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "key_fact_accuracy: 0.750 < min 0.900" in err
    assert "false_refusal_rate" not in err  # that one holds


def test_gate_passes(tmp_path: Path, eval_set: Path) -> None:
    lenient = _thresholds(
        tmp_path, "key_fact_accuracy = 0.7\nrefusal_rate = 1.0\n[dev]\nhit_at_1 = 1.0\n"
    )
    code = _run(
        [
            "--set",
            str(eval_set),
            "--gate",
            "--thresholds",
            str(lenient),
            "--reports-dir",
            str(tmp_path / "r"),
        ]
    )
    assert code == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"id": "x", "question": "好？", "must_include": []}\n{"id": "y", "question": \n',
            "第 2 行不是合法的 JSON",
        ),
        ('["not", "an", "object"]\n', "第 1 行必须是一个 JSON 对象"),
        ('{"id": "x", "must_include": []}\n', "第 1 行缺少 question"),
        ("\n\n", "评测集为空"),
    ],
)
def test_bad_set_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    assert _run(["--set", str(path), "--reports-dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and message in err
    assert "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_missing_set_and_missing_index(
    tmp_path: Path, eval_set: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["--set", str(tmp_path / "nope.jsonl")]) == 2
    assert "找不到评测集文件" in capsys.readouterr().err

    def no_index(settings: Any) -> Any:
        raise IndexMissingError("还没有建立索引：请先运行 `reportqa ingest corpus/`。")

    code = eval_run.main(
        ["--set", str(eval_set), "--reports-dir", str(tmp_path / "r")], answerer_factory=no_index
    )
    assert code == 2
    assert capsys.readouterr().err.strip().endswith("请先运行 `reportqa ingest corpus/`。")


def test_llm_mode_requires_base_url(
    tmp_path: Path, eval_set: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["--set", str(eval_set), "--mode", "llm", "--reports-dir", str(tmp_path)]) == 2
    assert "REPORTQA_LLM_BASE_URL" in capsys.readouterr().err


def test_extractive_mode_ignores_configured_llm(
    tmp_path: Path, eval_set: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPORTQA_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    seen: list[Any] = []

    def factory(settings: Any) -> FakeAnswerer:
        seen.append(settings)
        return FakeAnswerer()

    code = eval_run.main(
        ["--set", str(eval_set), "--no-baselines", "--reports-dir", str(tmp_path / "r")],
        answerer_factory=factory,
    )
    assert code == 0 and not seen[0].llm.enabled


@pytest.mark.slow
def test_real_eval_subprocess(real_home: Path, shared_models_dir: Path, tmp_path: Path) -> None:
    from tests.conftest import env_for

    env = env_for(real_home, shared_models_dir)
    reports = tmp_path / "reports"
    # `python -m evals.run` is what `reportqa eval` calls, run with this interpreter.
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "evals.run",
            "--split",
            "all",
            "--limit",
            "10",
            "--reports-dir",
            str(reports),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    payload = json.loads((reports / "latest.json").read_text(encoding="utf-8"))
    assert set(payload["systems"]) == {
        "reportqa",
        "langchain-baseline",
        "chatchat-baseline",
        "bm25-baseline",
    }
    assert payload["n_items"] == 10
    assert "| hit@1 |" in (reports / "latest.md").read_text(encoding="utf-8")
