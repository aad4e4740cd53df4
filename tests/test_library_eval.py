"""`reportqa eval --library` (evals/library.py) on a synthetic library, with a fake runner.

The held-out protocol is the point of most of these tests: whatever a held-out
report's items, answers or errors say must never reach the terminal, the logs or
the files written. Our own invented text only; one `slow` test drives the real
scratch-home runner on a fictional report from tests/data.
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest

from evals import library as lib
from evals.baselines import chatchat_baseline, chinese_splitter, rrf_fuse
from evals.run import EvalSetError, build_parser
from evals.scratch import ScratchRunner

REPO = Path(__file__).resolve().parents[1]
SECRET = "留出秘密甲乙丙"  # planted in the held-out report's questions, answers and errors
TUNING_MARK = "调优题目可见"

REPORT_LINES = [
    "一份虚构的报告",
    "",
    "1 概况",
    "试点城市共有七个，第一批在二〇一六年启动。",
    "2 做法",
    "主要做法是建立统一的管理机构。",
]
PAGES = {
    "pages": [
        {"page": 1, "line_start": 1, "line_end": 4},
        {"page": 2, "line_start": 5, "line_end": 6},
    ]
}


def _item(id_: str, question: str, **extra: Any) -> dict[str, Any]:
    base = {
        "id": id_,
        "question": question,
        "type": "fact",
        "must_include": [["七个"]],
        "section": "1",
        "evidence": {"line": 4, "start": 0, "end": 10},
        "split": "library",
    }
    return {**base, **extra}


def _write_set(path: Path, items: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n", "utf-8")


def make_library(tmp_path: Path, with_corpora: bool = True) -> tuple[Path, Path]:
    """A repo with library.toml, two library reports (one held out) and a seed report."""
    repo = tmp_path / "repo"
    corpora = tmp_path / "corpora"
    (repo / "corpus").mkdir(parents=True)
    (repo / "corpus" / "seed.txt").write_text("\n".join(REPORT_LINES), "utf-8")
    toml = """
corpora_dir = "../corpora"
seed = "test"
heldout_count = 1

[[report]]
name = "alpha"
split = "tuning"

[[report]]
name = "beta"
split = "heldout"

[[report]]
name = "seed"
file = "corpus/seed.txt"
set = "evals/seed.jsonl"
split = "tuning"
"""
    (repo / "evals").mkdir()
    (repo / "evals" / "library.toml").write_text(toml, "utf-8")
    questions = [
        _item("a1", f"{TUNING_MARK}：试点城市有几个？"),
        _item("a2", "管理机构怎么建？", must_include=[["统一"]], section="2"),
        _item("a3", "报告提到火星了吗？", type="unanswerable", must_include=[]),
    ]
    _write_set(repo / "evals" / "sets" / "alpha.jsonl", questions)
    secret = [
        _item("b1", f"{SECRET}：试点城市有几个？"),
        _item("b2", f"{SECRET}：火星？", type="unanswerable", must_include=[]),
    ]
    _write_set(repo / "evals" / "sets" / "beta.jsonl", secret)
    _write_set(
        repo / "evals" / "seed.jsonl",
        [{**_item("s1", "试点城市有几个？"), "evidence": "试点城市共有七个"}],
    )
    if with_corpora:
        for name in ("alpha", "beta"):
            (corpora / "pdf").mkdir(parents=True, exist_ok=True)
            (corpora / "pages").mkdir(exist_ok=True)
            (corpora / f"{name}.txt").write_text("\n".join(REPORT_LINES), "utf-8")
            (corpora / "pdf" / f"{name}.pdf").write_bytes(b"%PDF-1.4 placeholder")
            (corpora / "pages" / f"{name}.pages.json").write_text(json.dumps(PAGES), "utf-8")
    return repo, corpora


def _answer(question: str) -> dict[str, Any]:
    """A fake reportqa answer: the pilot count with a page-2 citation (wrong page), else a refusal.

    The refusal names 试点 as absent although the report has it (a false absence claim).
    """
    if "几个" in question:
        quote = "试点城市共有七个"
        return {
            "answer": f"{SECRET if SECRET in question else ''}共有七个[1]。",
            "refused": False,
            "citations": [
                {
                    "n": 1,
                    "quote": quote,
                    "page_start": 2,
                    "page_end": 2,
                    "section": "1 概况",
                    "section_path": ["1 概况"],
                    "verified": True,
                }
            ],
            "retrieved": [{"text": "1 概况 试点城市共有七个，第一批在二〇一六年启动。"}],
        }
    return {
        "answer": "报告中没有提到试点、火星的相关信息。",
        "refused": True,
        "citations": [],
        "retrieved": [{"text": "主要做法是建立统一的管理机构。"}],
    }


class FakeRunner:
    """Answers from `_answer`; logs every question (held-out logging must be silenced)."""

    def __init__(self, fail_on: str = "") -> None:
        self.fail_on = fail_on
        self.calls: list[str] = []

    def __call__(self, report: lib.LibraryReport, items: list[dict[str, Any]]) -> lib.RunOutput:
        self.calls.append(report.name)
        logging.getLogger("reportqa.test").warning("asking %s", [i["question"] for i in items])
        if report.name == self.fail_on:
            raise RuntimeError(f"boom on {items[0]['question']}")
        results = [{"id": i["id"], **_answer(i["question"]), "latency_ms": 5.0} for i in items]
        chatchat = [
            {"answer": "试点城市共有七个", "refused": False, "citations": [], "retrieved": []}
            for _ in items
        ]
        return lib.RunOutput(results, ["试点城市共有七个", "火星以外"], {lib.CHATCHAT: chatchat})


def _load(tmp_path: Path, with_corpora: bool = True) -> lib.Library:
    repo, corpora = make_library(tmp_path, with_corpora)
    return lib.load_library(repo / "evals" / "library.toml", corpora, repo)


# ------------------------------------------------------------------- the library


def test_load_library_finds_every_file(tmp_path: Path) -> None:
    library = _load(tmp_path)
    assert library.available and not library.skipped
    by_name = {r.name: r for r in library.reports}
    assert set(by_name) == {"alpha", "beta", "seed"}
    assert by_name["beta"].heldout and not by_name["alpha"].heldout
    assert by_name["alpha"].source.suffix == ".pdf" and by_name["alpha"].pages is not None
    assert by_name["seed"].source == by_name["seed"].text and by_name["seed"].pages is None


def test_without_the_corpora_only_the_seed_runs(tmp_path: Path) -> None:
    library = _load(tmp_path, with_corpora=False)
    assert not library.available
    assert [r.name for r in library.reports] == ["seed"]
    assert library.skipped == ("alpha", "beta")


def test_missing_library_file_is_a_clear_error(tmp_path: Path) -> None:
    repo, corpora = make_library(tmp_path)
    (corpora / "pages" / "alpha.pages.json").unlink()
    with pytest.raises(EvalSetError, match="缺少文件"):
        lib.load_library(repo / "evals" / "library.toml", corpora, repo)


def test_heldout_rule_is_seeded_and_stable() -> None:
    names = ["a", "b", "c", "d"]
    first = lib.heldout_by_rule(names, "s1", 2)
    assert first == lib.heldout_by_rule(list(reversed(names)), "s1", 2)
    assert len(first) == 2 and set(first) <= set(names)
    assert any(lib.heldout_by_rule(names, f"s{i}", 2) != first for i in range(2, 12))


# ---------------------------------------------------------------------- evidence


def test_pointers_resolve_to_their_span() -> None:
    assert lib.resolve_pointer(REPORT_LINES, {"line": 4, "start": 0, "end": 4}) == "试点城市"
    for bad in (
        {"line": 2, "start": 0, "end": 1},  # an empty line
        {"line": 99, "start": 0, "end": 1},
        {"line": 4, "start": 5, "end": 500},
        {"line": 4, "start": 3, "end": 3},
        {"line": "x", "start": 0, "end": 1},
    ):
        with pytest.raises(ValueError):
            lib.resolve_pointer(REPORT_LINES, bad)


def test_resolve_evidence_replaces_pointers_and_names_only_the_id() -> None:
    items = [
        _item("x1", "q", evidence_all=[{"line": 6, "start": 0, "end": 4}]),
        {"id": "x2", "question": "q", "evidence": "已是文字"},
    ]
    resolved = lib.resolve_evidence(items, REPORT_LINES)
    assert resolved[0]["evidence"] == "试点城市共有七个，第"
    assert resolved[0]["evidence_all"] == ["主要做法"]
    assert resolved[1]["evidence"] == "已是文字"
    bad = [_item("x3", SECRET, evidence={"line": 99, "start": 0, "end": 1})]
    with pytest.raises(EvalSetError) as info:
        lib.resolve_evidence(bad, REPORT_LINES)
    assert "x3" in str(info.value) and SECRET not in str(info.value)


# ----------------------------------------------------------------------- scoring


def test_score_report_metrics(tmp_path: Path) -> None:
    library = _load(tmp_path)
    alpha = next(r for r in library.reports if r.name == "alpha")
    items = lib.load_report_items(alpha)
    outcome = lib.run_reports(library, FakeRunner(), names=["alpha"])[0]
    m = outcome.metrics
    assert m["n_items"] == 3 and m["key_fact_accuracy"] == 0.5
    assert m["refusal_rate"] == 1.0 and m["false_refusal_rate"] == 0.5
    assert m["page_accuracy"] == 0.0 and m["page_citations_wrong"] == 1  # cited page 2, on 1
    # Both refusals name 试点, which the report contains.
    assert m["absence_claims"] == 2 and m["false_absence_claims"] == 2
    assert m["false_absence_claims_chunks"] == 2
    assert m["chatchat-baseline.key_fact_accuracy"] == 0.5
    assert m["key_fact_minus_chatchat"] == 0.0
    assert m["hit_at_1"] == 0.5  # a1's evidence is retrieved first, a2's is not
    assert [f["id"] for f in outcome.failures] == ["a2"]
    assert len(outcome.results) == len(items)


def test_heldout_outcome_keeps_aggregates_only(tmp_path: Path) -> None:
    library = _load(tmp_path)
    outcome = lib.run_reports(library, FakeRunner(), names=["beta"])[0]
    assert outcome.heldout and outcome.failures == [] and outcome.results == []
    assert outcome.metrics["key_fact_accuracy"] == 1.0
    assert SECRET not in json.dumps(outcome.metrics, ensure_ascii=False)


def test_macro_averages_rates_sums_counts_and_ignores_nan() -> None:
    a = lib.ReportOutcome("a", lib.TUNING, {"key_fact_accuracy": 0.5, "false_absence_claims": 2})
    b = lib.ReportOutcome(
        "b", lib.TUNING, {"key_fact_accuracy": 1.0, "false_absence_claims": 1, "x": math.nan}
    )
    m = lib.macro([a, b])
    assert m["key_fact_accuracy"] == 0.75 and m["false_absence_claims"] == 3
    assert math.isnan(m["x"]) and m["n_reports"] == 2


def test_table_shows_na_and_keeps_splits_apart(tmp_path: Path) -> None:
    library = _load(tmp_path)
    outcomes = lib.run_reports(library, FakeRunner())
    assert [o.name for o in outcomes] == ["alpha", "seed", "beta"]  # tuning first
    macros = lib.macro_columns(outcomes)
    assert list(macros) == ["macro tuning (2)", "macro held-out (1)"]
    text = lib.table(outcomes, macros)
    page_row = next(line for line in text.splitlines() if line.startswith("| page accuracy"))
    assert page_row.split(" | ")[2] == "n/a"  # the seed has no page map
    assert "| reportqa − Chatchat key-fact | +0.000 |" in text
    assert "LangChain" not in text  # a baseline that did not run has no rows


# -------------------------------------------------------- the held-out protocol


def _run(tmp_path: Path, runner: Any, **kwargs: Any) -> tuple[int, str, str, Path]:
    library = _load(tmp_path)
    out_dir = tmp_path / "reports"
    out, err = _Capture(), _Capture()
    code = lib.run_library(
        library=library, runner=runner, reports_dir=out_dir, out=out, err=err, **kwargs
    )
    return code, out.text, err.text, out_dir


class _Capture:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    @property
    def text(self) -> str:
        return "".join(self.parts)


def test_heldout_items_never_reach_output_logs_or_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    code, out, err, out_dir = _run(tmp_path, FakeRunner())
    assert code == 0
    written = (out_dir / "library.md").read_text("utf-8")
    payload = (out_dir / "library.json").read_text("utf-8")
    captured = capsys.readouterr()
    for text in (out, err, written, payload, captured.out, captured.err, caplog.text):
        assert SECRET not in text
        assert not any(f"{q}b{n}{q}" in text for q in ("**", '"') for n in (1, 2))
    # Tuning reports are listed in full, in print, file and log alike.
    assert TUNING_MARK not in out  # a1 passed: only failures are listed
    assert "**a2**" in out and "**a2**" in written and TUNING_MARK in caplog.text
    data = json.loads(payload)
    assert set(data["reports"]["beta"]) == {"split", "seconds", "timings_s", "metrics"}
    assert {r["id"] for r in data["reports"]["alpha"]["results"]} == {"a1", "a2", "a3"}
    assert data["macro"]["heldout"]["key_fact_accuracy"] == 1.0


def test_a_failing_heldout_run_names_only_the_exception_type(tmp_path: Path) -> None:
    with pytest.raises(EvalSetError) as info:
        _run(tmp_path, FakeRunner(fail_on="beta"))
    assert "RuntimeError" in str(info.value) and SECRET not in str(info.value)
    # A tuning report's error keeps its message for whoever debugs it.
    with pytest.raises(RuntimeError, match="boom"):
        _run(tmp_path / "again", FakeRunner(fail_on="alpha"))


# ---------------------------------------------------------------------- the gate


def test_gate_checks_the_heldout_macro(tmp_path: Path) -> None:
    passing = {"library": {"key_fact_accuracy": 0.9, "false_absence_claims_max": 1}}
    code, _, err, _ = _run(tmp_path, FakeRunner(), thresholds=passing)
    assert code == 0 and "库门槛通过" in err
    failing = {
        "key_fact_accuracy": 0.1,  # the seed's own gate: ignored here
        "library": {"key_fact_accuracy": 0.9, "page_accuracy": 0.95},
    }
    code, _, err, _ = _run(tmp_path / "again", FakeRunner(), thresholds=failing)
    assert code == 1
    assert "page_accuracy: 0.000 < min 0.950" in err and "key_fact" not in err


def test_thresholds_file_library_table_names_library_metrics(tmp_path: Path) -> None:
    data = tomllib.loads((REPO / "evals" / "thresholds.toml").read_text("utf-8"))
    table = data["library"]
    outcome = lib.run_reports(_load(tmp_path), FakeRunner(), names=["alpha"])[0]
    assert {k.removesuffix("_max") for k in table} <= set(outcome.metrics)
    assert {"key_fact_accuracy", "hit_at_1", "refusal_rate", "page_accuracy"} <= set(table)
    assert {"false_refusal_rate_max", "false_absence_claims_max"} <= set(table)
    assert all(0.0 < v <= 1.0 for k, v in table.items() if k != "false_absence_claims_max")


def test_gate_needs_every_heldout_report(tmp_path: Path) -> None:
    runner = FakeRunner()
    with pytest.raises(EvalSetError, match="留出报告"):
        _run(tmp_path, runner, names=["alpha"], thresholds={"library": {"hit_at_1": 0.5}})
    assert runner.calls == []  # refused before anything ran
    with pytest.raises(EvalSetError, match="未知的库报告"):
        _run(tmp_path / "again", runner, names=["nope"])


def test_without_corpora_the_library_is_skipped_with_a_message(tmp_path: Path) -> None:
    library = _load(tmp_path, with_corpora=False)
    out, err = _Capture(), _Capture()
    code = lib.run_library(
        library=library,
        runner=FakeRunner(),
        reports_dir=None,
        out=out,
        err=err,
        thresholds={"library": {"key_fact_accuracy": 0.99}},
    )
    assert code == 0
    assert "未找到报告库" in err.text and "库门槛跳过" in err.text
    assert "seed (tuning)" in out.text and "alpha" in out.text  # named as skipped


def test_eval_parser_has_the_library_flags() -> None:
    args = build_parser().parse_args(["--library", "--reports", "a,b", "--gate"])
    assert args.library and args.reports == "a,b" and args.gate


def test_main_without_corpora_runs_the_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = build_parser().parse_args(
        ["--library", "--no-baselines", "--limit", "2", "--reports-dir", str(tmp_path)]
    )
    runner = FakeRunner()
    code = lib.main_from_args(
        args, runner=runner, env={lib.LIBRARY_ENV: str(tmp_path / "no-such-dir")}
    )
    assert code == 0 and runner.calls == ["nifd_2025_tech_insurance_report"]
    assert "未找到报告库" in capsys.readouterr().err
    assert (tmp_path / "library.md").is_file()


# --------------------------------------------------------------- the baselines


def test_rrf_fuse_equal_weights_and_first_appearance_ties() -> None:
    assert rrf_fuse([[0, 1, 2], [2, 3, 0]]) == [0, 2, 1, 3]
    assert rrf_fuse([[5], [6]]) == [5, 6]  # a tie keeps the first ranking's document first
    assert rrf_fuse([[1, 2], [2, 1]], weights=[1.0, 3.0])[0] == 2
    with pytest.raises(ValueError):
        rrf_fuse([[1]], weights=[1.0, 2.0])


def test_chinese_splitter_cuts_at_sentence_ends_within_the_size() -> None:
    text = "".join(f"第{i}句话讲的是一件不同的事情。" for i in range(200))
    chunks = chinese_splitter().split_text(text)
    assert len(chunks) > 1
    assert all(len(c) <= 750 for c in chunks)
    assert all(c.endswith("。") for c in chunks)
    # 150 characters of overlap: each chunk starts with a sentence the previous one ends with.
    assert chunks[1][:10] in chunks[0]


def test_chatchat_baseline_answers_with_the_fused_top_chunk(
    tmp_path: Path, bigram_embeddings: Any
) -> None:
    paragraphs = [f"第{i}段讲述普通的事情，内容平平。" * 30 for i in range(6)]
    paragraphs[3] = "试点城市共有七个，第一批启动。" * 30
    report = tmp_path / "r.txt"
    report.write_text("\n\n".join(paragraphs), "utf-8")
    items = [{"id": "q", "question": "试点城市共有几个？"}]
    run = chatchat_baseline(items, bigram_embeddings, [report], cache_dir=tmp_path / "cache")
    (result,) = run.results
    assert run.name == "chatchat-baseline" and run.info["chunks"] >= 6
    assert "试点城市" in result["answer"] and len(result["retrieved"]) == 3
    assert result["answer"] == result["retrieved"][0]["text"] and not result["refused"]


# ------------------------------------------------------------ the real runner


@pytest.mark.slow
def test_scratch_runner_ingests_asks_and_cleans_up(
    shared_models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.settings import Paths, Settings

    report_txt = Path(__file__).parent / "data" / "huayue_2025_bond_market_report.txt"
    report = lib.LibraryReport(
        "bonds", lib.TUNING, report_txt, report_txt, set_path=report_txt, pages=None
    )
    settings = Settings(paths=Paths(home=Path("/nonexistent"), models_override=shared_models_dir))
    runner = ScratchRunner(settings)
    # The homes this run makes (another eval running beside it makes its own).
    made: list[Path] = []
    mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(*args: Any, **kwargs: Any) -> str:
        path = mkdtemp(*args, **kwargs)
        made.append(Path(path))
        return path

    monkeypatch.setattr(tempfile, "mkdtemp", recording_mkdtemp)
    items = [
        {"id": "1", "question": "这份报告讲的是什么市场？", "must_include": []},
        {"id": "2", "question": "报告提到火星探测了吗？", "must_include": []},
    ]
    output = runner(report, items)
    assert [r["id"] for r in output.results] == ["1", "2"]
    assert all("answer" in r and "latency_ms" in r for r in output.results)
    assert output.chunk_texts and all(output.chunk_texts)
    assert set(output.baselines) == {"langchain-baseline", "chatchat-baseline", "bm25-baseline"}
    assert all(len(v) == 2 for v in output.baselines.values())
    homes = [p for p in made if p.name.startswith("reportqa-library-")]
    assert homes and not any(p.exists() for p in homes)  # the scratch home is gone
    # chromadb forgot the run's systems, so later clients with other settings are not refused.
    from chromadb.api.shared_system_client import SharedSystemClient

    cached = SharedSystemClient._identifier_to_system
    assert "ephemeral" not in cached
    assert not [k for k, v in cached.items() if "reportqa-library-" in str(v.settings)]


def test_the_noise_run_asks_noisy_questions_and_writes_its_own_files(tmp_path: Path) -> None:
    class Recording(FakeRunner):
        def __init__(self) -> None:
            super().__init__()
            self.questions: list[str] = []

        def __call__(self, report: lib.LibraryReport, items: list[dict[str, Any]]) -> lib.RunOutput:
            self.questions += [i["question"] for i in items]
            return super().__call__(report, items)

    clean, noisy = Recording(), Recording()
    _run(tmp_path / "clean", clean)
    code, _, _, out_dir = _run(tmp_path / "noisy", noisy, noise=True)
    assert code == 0
    assert (out_dir / "library_noise.md").exists() and not (out_dir / "library.md").exists()
    assert len(noisy.questions) == len(clean.questions)
    assert all(n != c for n, c in zip(noisy.questions, clean.questions, strict=True))
    args = build_parser().parse_args(["--library", "--noise"])
    assert args.noise
