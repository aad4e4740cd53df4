"""`python -m evals.bench --quick` runs end to end and reports sane figures.

The numbers gate nothing (the machine is shared); the test only checks that
the benchmark runs, writes its report and that every figure is plausible.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_quick_bench_runs_and_reports_sane_figures(tmp_path: Path, shared_models_dir: Path) -> None:
    out = tmp_path / "bench.md"
    env = dict(os.environ)
    env["REPORTQA_MODELS_DIR"] = str(shared_models_dir)
    for key in ("REPORTQA_LLM_BASE_URL", "REPORTQA_CHROMA_HOST", "REPORTQA_CHROMA_URL"):
        env.pop(key, None)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "evals.bench", "--quick", "--out", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=580,
    )
    elapsed = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    assert "| target |" in text and "## Scale" in text
    assert "Chroma embedded" in text and "hybrid" in text

    facts = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))["facts"]
    for key, value in facts.items():
        assert math.isfinite(value) and value >= 0, (key, value)
    for prefix in ("warm_retrieve", "warm_answer", "warm_total", "baseline_retrieve"):
        assert facts[f"{prefix}_p95_ms"] >= facts[f"{prefix}_p50_ms"] > 0, prefix
    assert facts["warm_total_p50_ms"] >= facts["warm_retrieve_p50_ms"] * 0.5
    assert 0 < facts["ingest_fraction"] < 5
    assert facts["ingest_passages_per_s"] > 0 and facts["raw_passages_per_s"] > 0
    assert facts["ingest_tokens_per_s"] > facts["ingest_passages_per_s"]
    assert facts["cold_s"] > 0 and facts["cli_peak_rss_mb"] > 0
    assert facts["app_peak_rss_mb"] > 0, "app measurement failed"
    # Informational: the quick run is meant to stay well under 3 minutes on 2 idle cores.
    print(f"quick bench took {elapsed:.0f} s")
