"""The chat UI with a scripted fake answerer, for tests that need the UI but no models.

Run: ``python tests/fake_app.py --port 7861 [--feedback PATH] [--broken]``.
The fake knows a few questions about the 2025 科技保险 report; everything else
is refused with the closest passages. ``--broken`` reports a not-ok Status.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

TITLE = "2025 科技保险发展分析报告"
SOURCE = "nifd_2025_tech_insurance_report.txt"
SECTION_3 = "三、政策性科技保险取得新进展"

PASSAGE_SUZHOU = (
    "在江苏，苏州高新区经发委依托“科惠保”为苏州市高新区 35 家科技企业提供 1050 万元的"
    "普惠型网络安全保险保障，并给予 100% 保费补贴，苏州人保财险配套提供保前风险评估、"
    "保中风险监测预警、现场应急响应等风险减量创新服务。"
)
PASSAGE_FIRST_SET = (
    "第一，首台（套）重大技术装备保险补偿机制逐渐发挥重要作用。早在 2015 年，财政部、工信部、"
    "原保监会启动了首台（套）重大技术装备保险补偿机制试点工作，核心是通过财政补贴降低企业投保"
    "成本，增强客户对创新产品的信任度。"
)
PASSAGE_PILOT = (
    "第二，大力发展中试保险，支持科技成果加速产业化转化。主要保险机构研发推出了中试保险、"
    "科技研发综合保险、科技成果转化费用损失保险等。"
)
PASSAGE_HAIDIAN = (
    "在北京，海淀区政府于 2025 年 9 月颁布全国首个科技保险专项扶持政策，产品方案包含财产一切险、"
    "产品研发责任险、网络安全保险 3 个必选险种以及 2 个可选险种。"
)
XSS_PASSAGE = (
    "报告原文示例：<script>window.__xss_passage=1</script><img src=x onerror=window.__xss=1>"
)

EXAMPLES = (
    "苏州高新区给多少家企业提供了网络安全保险？",
    "首台（套）保险补偿机制试点是哪一年启动的？",
    "报告提到了哪些中试相关的保险产品？",
)


def _fixtures() -> dict[str, object]:
    """Build the scripted chunks lazily so importing this module has no side effects."""
    from rag.types import Chunk, Retrieved

    def chunk(cid: str, text: str, point: str, page: int) -> Retrieved:
        return Retrieved(
            chunk=Chunk(
                id=cid,
                text=text,
                source=SOURCE,
                title=TITLE,
                section_path=(SECTION_3, point),
                page_start=page,
                page_end=page,
                position=0,
            ),
            score=0.5,
            rank=1,
        )

    return {
        "suzhou": chunk("c-suzhou", PASSAGE_SUZHOU, "第三，积极发展普惠型科技保险", 6),
        "first": chunk("c-first", PASSAGE_FIRST_SET, "第一，首台（套）重大技术装备保险补偿机制", 4),
        "pilot": chunk("c-pilot", PASSAGE_PILOT, "第二，大力发展中试保险", 5),
        "haidian": chunk("c-haidian", PASSAGE_HAIDIAN, "第三，积极发展普惠型科技保险", 6),
        "xss": chunk("c-xss", XSS_PASSAGE, "第三，积极发展普惠型科技保险", 6),
    }


def _citation(n: int, item: object, quote: str) -> object:
    from rag.types import Citation, Retrieved

    assert isinstance(item, Retrieved)
    c = item.chunk
    return Citation(
        n=n,
        title=c.title,
        section_path=c.section_path,
        page_start=c.page_start,
        page_end=c.page_end,
        quote=quote,
        chunk_id=c.id,
        source=c.source,
        verified=True,
    )


def fake_answer(question: str, history: Sequence[object], report: str | None) -> object:
    """The scripted `Answer` for `question` (history resolves follow-ups)."""
    from rag.types import Answer, FollowUp, Turn

    fx = _fixtures()
    resolved = question
    last_user = next(
        (t.content for t in reversed(list(history)) if isinstance(t, Turn) and t.role == "user"),
        "",
    )
    followup = FollowUp(resolved=question)
    if question.startswith(("那", "它", "这")) and last_user:
        resolved = f"{last_user.rstrip('？?')}：{question}"
        followup = FollowUp("na_ne", resolved, rewritten=True)

    def make(text: str, cites: list[object], retrieved: list[object], refused: bool = False):
        return Answer(
            question=question,
            resolved_question=resolved,
            followup=followup,
            text=text,
            refused=refused,
            mode="extractive",
            citations=tuple(cites),  # type: ignore[arg-type]
            retrieved=tuple(retrieved),  # type: ignore[arg-type]
        )

    if "崩溃" in question:
        raise RuntimeError("scripted failure")
    if "<" in question:  # XSS probe: echo the question and a hostile passage, escaped by the UI
        return make(
            f"你的问题是：{question}，相关原文见 [1]。",
            [_citation(1, fx["xss"], "<img src=x onerror=window.__xss=1>")],
            [fx["xss"]],
        )
    if "苏州" in resolved or "多少家" in resolved:
        return make(
            "苏州高新区为 35 家科技企业提供了 1050 万元的普惠型网络安全保险保障 [1]。",
            [_citation(1, fx["suzhou"], "35 家科技企业提供 1050 万元的普惠型网络安全保险保障")],
            [fx["suzhou"]],
        )
    if "首台" in resolved or "哪一年" in resolved:
        return make(
            "首台（套）重大技术装备保险补偿机制试点于 2015 年启动 [1]。",
            [_citation(1, fx["first"], "早在 2015 年，财政部、工信部、原保监会启动了首台（套）")],
            [fx["first"]],
        )
    if "哪些" in resolved or "产品" in resolved:
        return make(
            "报告提到的产品包括：\n1. 中试保险、科技研发综合保险 [1]\n2. 产品研发责任险、网络安全保险 [2]",
            [
                _citation(1, fx["pilot"], "研发推出了中试保险、科技研发综合保险"),
                _citation(2, fx["haidian"], "产品研发责任险、网络安全保险 3 个必选险种"),
            ],
            [fx["pilot"], fx["haidian"]],
        )
    return make(
        "报告中没有提到这个问题的答案。",
        [],
        [fx["haidian"], fx["suzhou"]],
        refused=True,
    )


def fake_stream(question: str, history: Sequence[object], report: str | None) -> Iterator[object]:
    """Stream the scripted answer's text in small deltas, then the Answer itself."""
    from rag.types import AnswerDelta

    answer = fake_answer(question, history, report)
    text = answer.text  # type: ignore[attr-defined]
    step = 4
    for i in range(0, len(text), step):
        time.sleep(0.04)  # slow enough that a browser sees partial text
        yield AnswerDelta(text[i : i + step])
    yield answer


# --- helpers for tests that run an app in a subprocess ---------------------------------


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def app_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for app subprocesses: offline, no analytics, repo importable."""
    env = dict(os.environ)
    env.update(
        {
            "GRADIO_ANALYTICS_ENABLED": "False",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("REPORTQA_AUTH", None)
    # The default embedding backend loads the export `make model` made into the test
    # models folder; a home of its own would hold no export.
    test_models = os.environ.get("REPORTQA_TEST_MODELS_DIR", "").strip()
    if test_models and not env.get("REPORTQA_MODELS_DIR"):
        env["REPORTQA_MODELS_DIR"] = test_models
    env.update(extra or {})
    return env


def start_server(
    cmd: Sequence[str], port: int, log_path: Path, env: Mapping[str, str], timeout: float = 300
) -> subprocess.Popen[bytes]:
    """Start `cmd` (an app on 127.0.0.1:`port`) and wait until its page answers."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("wb")
    proc = subprocess.Popen(
        list(cmd), cwd=REPO, env=dict(env), stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.close()
            raise RuntimeError(
                f"app exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    stop_server(proc)
    log.close()
    raise TimeoutError(f"app did not serve {url} within {timeout}s; see {log_path}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Stop one server we started, by its pid."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def fake_app_cmd(port: int, feedback: Path, broken: bool = False) -> list[str]:
    """Command line that serves this fake app."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--port", str(port)]
    cmd += ["--feedback", str(feedback)]
    return [*cmd, "--broken"] if broken else cmd


def real_app_cmd(port: int) -> list[str]:
    """Command line that serves the real app (`python -m app.main`)."""
    return [sys.executable, "-m", "app.main", "--port", str(port)]


def ingest_corpus(home: Path, timeout: float = 1800) -> Path:
    """Run `reportqa ingest corpus/` into `home` once (a marker file skips repeats).

    REPORTQA_TEST_HOME, when set, names an already prepared home to reuse.
    """
    prepared = os.environ.get("REPORTQA_TEST_HOME", "").strip()
    if prepared:
        return Path(prepared)
    marker = home / ".ingested-by-tests"
    if marker.exists():
        return home
    home.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "ingest", "corpus/"],
        cwd=REPO,
        env=app_env({"REPORTQA_HOME": str(home)}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"reportqa ingest failed ({result.returncode}):\n{result.stdout[-2000:]}\n"
            f"{result.stderr[-3000:]}"
        )
    marker.write_text("ok\n", encoding="utf-8")
    return home


class FakeLibrary:
    """An in-memory report library behind `LibraryOps`: uploads of files whose name ends
    in .txt/.pdf are "ingested" (a .pdf named bad* fails), removals forget them."""

    def __init__(self, titles: Sequence[str] = (TITLE,)) -> None:
        self.reports: dict[str, object] = {}
        for title in titles:
            self._add(SOURCE if title == TITLE else f"{title}.txt", title, 7, 82)

    def _add(self, source: str, title: str, pages: int, chunks: int) -> object:
        from rag.types import LibraryReport

        entry = LibraryReport(
            source=source,
            title=title,
            pages=pages,
            chunks=chunks,
            ingested_at=1_700_000_000.0,
            examples=(f"「{title}」讲了什么？",),
        )
        self.reports[source] = entry
        return entry

    def titles(self) -> tuple[str, ...]:
        return tuple(r.title for r in self.reports.values())  # type: ignore[attr-defined]

    def ops(self, max_bytes: int = 50 * 1048576, require_login: bool = False) -> object:
        from app.library_ops import LibraryOps
        from ingest.library import UploadError
        from rag.types import IngestedReport

        def ingest(path: Path, name: str, progress: object) -> IngestedReport:
            progress(0.5, "写入索引 1/2 块")  # type: ignore[operator]
            if name.startswith("bad"):
                raise UploadError(f"错误：{name} 无法入库：PDF 文件已加密，无法读取。索引未改动。")
            title = Path(name).stem
            self._add(name, title, 3, 19)
            return IngestedReport(source=name, title=title, pages=3, chunks=19, seconds=0.1)

        def remove(name: str) -> object:
            for source, entry in list(self.reports.items()):
                if name in (source, entry.title):  # type: ignore[attr-defined]
                    return self.reports.pop(source)
            raise UploadError(f"错误：索引里没有这份报告：{name}。")

        return LibraryOps(
            list_reports=lambda: list(self.reports.values()),  # type: ignore[arg-type, return-value]
            ingest=ingest,
            remove=remove,  # type: ignore[arg-type]
            busy=lambda: False,
            max_bytes=max_bytes,
            require_login=require_login,
        )


def main(argv: Sequence[str] | None = None) -> None:
    """Launch the fake app on 127.0.0.1."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=7861)
    parser.add_argument("--feedback", type=Path, default=REPO / "test-artifacts" / "fb.jsonl")
    parser.add_argument("--broken", action="store_true")
    parser.add_argument("--library", action="store_true", help="with an in-memory 报告库")
    parser.add_argument("--auth", default="", help="user:password")
    args = parser.parse_args(argv)

    from app.ui import build_app, launch_app
    from rag.types import Status

    if args.broken:
        status = Status(
            ok=False,
            mode="extractive",
            reports=(TITLE,),
            problems=("索引不存在：请先运行 reportqa ingest corpus/",),
        )
    else:
        status = Status(ok=True, mode="extractive", reports=(TITLE,))
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    library = FakeLibrary() if args.library else None

    def current_status() -> Status:
        if library is None:
            return status
        return Status(ok=True, mode="extractive", reports=library.titles())

    demo = build_app(
        fake_stream,  # type: ignore[arg-type]
        status=current_status,
        feedback_path=args.feedback,
        examples=EXAMPLES,
        reports=(TITLE,),
        library=library.ops(require_login=auth is not None) if library else None,  # type: ignore[arg-type]
    )
    _, url, _ = launch_app(
        demo,
        host="127.0.0.1",
        port=args.port,
        prevent_thread_lock=True,
        auth=auth,  # type: ignore[arg-type]
    )
    print(f"reportqa fake app: {url}", flush=True)
    demo.block_thread()


if __name__ == "__main__":
    main()
