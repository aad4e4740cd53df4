"""Load benchmark: the real app under concurrent conversations, then a long sequential run.

    python -m evals.load [--conversations 20 --turns 5] [--sequential 1000] [--home DIR]

Starts ``python -m app.main`` on a free 127.0.0.1 port with REPORTQA_HOME pointing
at an already ingested home (``--home``, default $REPORTQA_HOME or ./.reportqa),
then:

1. runs ``--conversations`` conversations at once, ``--turns`` questions each, through
   gradio_client's ``/ask`` (questions drawn from evals/golden.jsonl, each turn sending
   the conversation so far as history) and records errors, p50/p95 latency and the
   app's RSS before and after;
2. asks ``--sequential`` questions one after another and records RSS at start and end
   (a growing RSS over a long run is a leak).

Prints a markdown table and writes it to ``--out`` (default evals/reports/load.md);
the app's own log goes to ``<home>/logs/load-app.log``.
Exit code 1 when any request failed. This is a benchmark, not a test: figures vary
with the machine, so nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

EVALS_DIR = Path(__file__).resolve().parent
REPO_DIR = EVALS_DIR.parent
DEFAULT_OUT = EVALS_DIR / "reports" / "load.md"
GOLDEN = EVALS_DIR / "golden.jsonl"


@dataclass
class Results:
    """What one phase measured."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rss_before_mb: float = 0.0
    rss_after_mb: float = 0.0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + len(self.errors)

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
        return ordered[index]


def load_questions(path: Path = GOLDEN) -> list[str]:
    questions = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                question = json.loads(line).get("question", "")
                if isinstance(question, str) and question.strip():
                    questions.append(question)
    if not questions:
        raise SystemExit(f"no questions in {path}")
    return questions


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    return float(psutil.Process(pid).memory_info().rss) / (1024 * 1024)


def start_app(home: Path, port: int, log_path: Path, timeout_s: float = 600) -> Any:
    """Start the real app in a subprocess and wait until it serves its page."""
    env = dict(os.environ)
    env.update(
        {
            "REPORTQA_HOME": str(home),
            "GRADIO_ANALYTICS_ENABLED": "False",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("REPORTQA_AUTH", None)  # a benchmark on loopback; no login needed
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.main", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"app exited with {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return proc
        except OSError:
            time.sleep(0.5)
    stop_app(proc)
    raise SystemExit(f"app did not start within {timeout_s:.0f}s; see {log_path}")


def stop_app(proc: Any) -> None:
    """Stop the app we started, by its pid."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


def _client(url: str) -> Any:
    from gradio_client import Client  # ~0.2 s, only once the app is up

    return Client(url, verbose=False, analytics_enabled=False)


def _ask(client: Any, question: str, history: list[dict[str, str]], results: Results) -> str:
    started = time.perf_counter()
    try:
        answer = client.predict(
            question, json.dumps(history, ensure_ascii=False), "", api_name="/ask"
        )
        text = str(answer["answer"])
    except Exception as exc:  # every failure counts; the run goes on
        with results.lock:
            results.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
        return ""
    with results.lock:
        results.latencies_ms.append((time.perf_counter() - started) * 1000.0)
    return text


def run_conversations(
    url: str, pid: int, questions: Sequence[str], conversations: int, turns: int, seed: int
) -> Results:
    """`conversations` clients at once, each asking `turns` questions with its history."""
    results = Results(rss_before_mb=_rss_mb(pid))
    rng = random.Random(seed)
    scripts = [[rng.choice(questions) for _ in range(turns)] for _ in range(conversations)]

    def conversation(script: list[str]) -> None:
        client = _client(url)
        history: list[dict[str, str]] = []
        for question in script:
            answer = _ask(client, question, history, results)
            history += [
                {"role": "user", "content": question},
                {"role": "assistant", "content": answer},
            ]

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, conversations)) as pool:
        list(pool.map(conversation, scripts))
    results.seconds = time.perf_counter() - started
    results.rss_after_mb = _rss_mb(pid)
    return results


def run_sequential(url: str, pid: int, questions: Sequence[str], count: int) -> Results:
    """`count` single questions one after another (no history), cycling through the set."""
    results = Results(rss_before_mb=_rss_mb(pid))
    client = _client(url)
    started = time.perf_counter()
    for i in range(count):
        _ask(client, questions[i % len(questions)], [], results)
    results.seconds = time.perf_counter() - started
    results.rss_after_mb = _rss_mb(pid)
    return results


def report(concurrent: Results, sequential: Results, conversations: int, turns: int) -> str:
    """The markdown table (and the first few errors, if any)."""

    def row(name: str, r: Results) -> str:
        rate = r.requests / r.seconds if r.seconds else 0.0
        return (
            f"| {name} | {r.requests} | {len(r.errors)} | {r.percentile(0.5):.0f} | "
            f"{r.percentile(0.95):.0f} | {rate:.2f} | {r.rss_before_mb:.0f} | "
            f"{r.rss_after_mb:.0f} | {r.rss_after_mb - r.rss_before_mb:+.0f} |"
        )

    lines = [
        "# reportqa load benchmark",
        "",
        f"Real app (`python -m app.main`), `/ask` via gradio_client, {os.cpu_count()} CPU cores.",
        "",
        "| phase | requests | errors | p50 ms | p95 ms | req/s | RSS before MB | "
        "RSS after MB | RSS change MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        row(f"{conversations} concurrent conversations × {turns} turns", concurrent),
        row("sequential questions", sequential),
    ]
    errors = concurrent.errors + sequential.errors
    if errors:
        lines += ["", f"Errors ({len(errors)}), first 10:", ""]
        lines += [f"- {e}" for e in errors[:10]]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.load", description=__doc__)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--sequential", type=int, default=1000)
    parser.add_argument("--home", type=Path, default=None, help="an ingested REPORTQA_HOME")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    home = args.home or Path(os.environ.get("REPORTQA_HOME", "") or REPO_DIR / ".reportqa")
    questions = load_questions()
    port = _free_port()
    proc = start_app(home, port, home / "logs" / "load-app.log")
    url = f"http://127.0.0.1:{port}/"
    try:
        concurrent = run_conversations(
            url, proc.pid, questions, args.conversations, args.turns, args.seed
        )
        sequential = run_sequential(url, proc.pid, questions, args.sequential)
    finally:
        stop_app(proc)
    table = report(concurrent, sequential, args.conversations, args.turns)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table, encoding="utf-8")
    return 1 if concurrent.errors or sequential.errors else 0


if __name__ == "__main__":
    sys.exit(main())
