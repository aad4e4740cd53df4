"""`reportqa` command line (also `python -m app.cli`): parses arguments, calls the library, prints.

Environment variables are read here (and in app/main.py) only.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.main import main as app_main
from ingest.index import ingest_lock
from ingest.library import precompute_unit_vectors
from ingest.pipeline import ingest_paths, remove_report
from rag.batch import run_jsonl
from rag.errors import ConfigError, IndexCorruptError, ReportQAError
from rag.factory import (
    make_chroma_client,
    make_embeddings,
    set_aside_corrupt_index,
    set_offline_environment,
)
from rag.settings import Settings, from_env
from rag.store import ReportEntry, load_indexed_chunks, open_active_collection, read_generation
from rag.types import Answer, AnswerDelta, Chunk, Turn


def _settings() -> Settings:
    try:
        return from_env()
    except ValueError as exc:  # a malformed REPORTQA_* value: one Chinese line, no traceback
        raise ConfigError(str(exc)) from exc


def _print_answer(answer: Answer) -> None:
    # Only a rewritten follow-up is shown as understood; a standalone question never is.
    if answer.followup.rewritten and answer.resolved_question != answer.question:
        print(f"（理解为：{answer.resolved_question}）")
    print(answer.text)
    if answer.notice:
        print(f"提示：{answer.notice}")
    if answer.citations:
        print("\n来源：")
        for c in answer.citations:
            mark = "✓" if c.verified else "✗"
            print(f"[{c.n}] {c.section_label} · {c.page_label} 《{c.title}》 {mark}")
            print(f"    「{c.quote}」")
    elif answer.refused and answer.retrieved:
        print("\n相关段落：")
        for r in answer.retrieved[:3]:
            snippet = r.chunk.text if len(r.chunk.text) <= 80 else r.chunk.text[:80] + "……"
            print(f"- {r.chunk.section_label} · {r.chunk.page_label}：{snippet}")


def _open_or_reset_index(settings: Settings, wait_s: float) -> Any:
    """The Chroma client for ingest; an unreadable local index is set aside and rebuilt."""
    try:
        # Two processes creating a new local index at the same instant make Chroma's
        # SQLite layer panic: serialise opening (the ingest lock is taken later).
        with ingest_lock(settings.paths.index_dir / "open.lock", wait_s=120):
            return make_chroma_client(settings.index, settings.paths)
    except IndexCorruptError as exc:
        if settings.index.is_server:
            raise
        # Under the lock: never move an index another ingest is writing.
        with ingest_lock(settings.paths.index_dir / "ingest.lock", wait_s=wait_s):
            moved = set_aside_corrupt_index(settings.paths)
        print(f"{exc}\n已将损坏的索引移到 {moved}，正在重建。", file=sys.stderr)
        return make_chroma_client(settings.index, settings.paths)


def cmd_ingest(args: argparse.Namespace) -> int:
    settings = _settings()
    paths = [Path(p) for p in (args.paths or ["corpus"])]
    client = _open_or_reset_index(settings, args.wait)

    loaded: list[Any] = []

    def embed_factory() -> Any:
        if not loaded:
            loaded.append(make_embeddings(settings.embedding, settings.paths, for_ingest=True))
        return loaded[0].embed_documents

    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if args.quiet:
            return
        if bar is None:
            from tqdm import tqdm  # ~0.1 s that every other command would pay

            bar = tqdm(total=total, unit="块", desc="索引", file=sys.stderr)
        bar.n = done
        bar.refresh()

    summary = ingest_paths(
        paths,
        settings,
        client=client,
        embed_factory=embed_factory,
        progress=progress,
        lock_wait_s=args.wait,
    )
    if bar is not None:
        bar.close()
    if summary.changed and summary.chunks:
        precompute_unit_vectors(settings, client, embed_factory)
    for error in summary.errors:
        print(f"✗ {error.path}: {error.message}", file=sys.stderr)
    state = "已更新" if summary.changed else "无变化（索引已是最新）"
    print(
        f"{state}：文件 {summary.files} 个，章节 {summary.sections} 个，块 {summary.chunks} 个，"
        f"新嵌入 {summary.embedded}，复用 {summary.reused}，用时 {summary.seconds:.1f} 秒"
    )
    if summary.removed:
        print("已移除：" + "、".join(summary.removed))
    if summary.changed or summary.chunks:
        print('提问：reportqa ask "你的问题"，或 reportqa chat，或 make run 打开网页')
    return 1 if summary.errors else 0


def inspect_lines(chunks: Sequence[Chunk], report: str = "", full: bool = False) -> list[str]:
    """`reportqa inspect`: per report a 《title》 line, then each chunk's position, section
    path and page side by side (as a citation shows them), and its text below."""
    out: list[str] = []
    source = None
    for chunk in chunks:
        if report and report not in (chunk.source, chunk.title):
            continue
        if chunk.source != source:
            source = chunk.source
            out.append(f"《{chunk.title}》 {chunk.source}")
        text = chunk.text if full or len(chunk.text) <= 60 else chunk.text[:60] + "……"
        out.append(f"{chunk.position:4d} {chunk.section_label} · {chunk.page_label}")
        out.append("     " + text.replace("\n", "\n     "))  # a passage's lines stay indented
    return out


def list_line(entry: ReportEntry) -> str:
    """`reportqa list`: file, 《title》, authors (when known), chunks and ingest time."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.ingested_at))
    authors = f"  {'、'.join(entry.authors)}" if entry.authors else ""
    return f"- {entry.source}  《{entry.title}》{authors}  {entry.chunks} 块  入库 {when}"


def cmd_inspect(args: argparse.Namespace) -> int:
    settings = _settings()
    client = make_chroma_client(settings.index, settings.paths)
    collection, _ = open_active_collection(client, settings.index.collection_prefix)
    chunks = [ic.chunk for ic in load_indexed_chunks(collection)]
    for line in inspect_lines(chunks, args.report or "", args.full):
        print(line)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    settings = _settings()
    client = make_chroma_client(settings.index, settings.paths)
    generation = read_generation(client, settings.index.collection_prefix)
    if generation is None:
        print("索引为空：请运行 `reportqa ingest corpus/`。")
        return 0
    print(f"嵌入模型：{generation.model}（{generation.dimension} 维）")
    for r in generation.reports:
        print(list_line(r))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    settings = _settings()
    client = make_chroma_client(settings.index, settings.paths)
    if remove_report(settings, client, args.report):
        print(f"已移除：{args.report}")
        return 0
    print(f"索引里没有这份报告：{args.report}（用 `reportqa list` 查看）", file=sys.stderr)
    return 1


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.chain import build_answerer  # heavy: LangChain stack (~0.7 s), ask/chat only

    answerer = build_answerer(_settings())
    if args.jsonl:
        source = sys.stdin if args.jsonl == "-" else open(args.jsonl, encoding="utf-8")  # noqa: SIM115
        with source:
            lines = source.read().splitlines()
        for row in run_jsonl(answerer, lines, args.report):
            print(json.dumps(row, ensure_ascii=False), flush=True)
        return 0
    question = " ".join(args.question or [])
    if not question.strip():
        print(
            '请输入问题，例如：reportqa ask "这份报告的主要结论是什么？"',
            file=sys.stderr,
        )
        return 2
    if args.json:
        print(json.dumps(answerer.answer(question, (), args.report).to_json(), ensure_ascii=False))
        return 0
    final: Answer | None = None
    for event in answerer.stream(question, (), args.report):
        if isinstance(event, Answer):
            final = event
    assert final is not None
    _print_answer(final)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from rag.chain import build_answerer  # heavy: LangChain stack (~0.7 s), ask/chat only

    answerer = build_answerer(_settings())
    print("报告问答（输入问题回车；/new 新对话；/quit 退出）")
    history: list[Turn] = []
    while True:
        try:
            question = input("问> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question in ("/quit", "/exit"):
            return 0
        if question == "/new":
            history = []
            continue
        if not question:
            continue
        final: Answer | None = None
        for event in answerer.stream(question, history, args.report):
            if isinstance(event, AnswerDelta) and answerer.mode == "llm":
                print(event.text, end="", flush=True)
            elif isinstance(event, Answer):
                final = event
        if answerer.mode == "llm":
            print()
        assert final is not None
        _print_answer(final)
        quotes = tuple(c.quote for c in final.citations)
        history += [Turn("user", question), Turn("assistant", final.text, quotes)]


def cmd_serve(args: argparse.Namespace) -> int:
    argv = ["--host", args.host, "--port", str(args.port)]
    if args.insecure:
        argv.append("--insecure")
    return int(app_main(argv) or 0)


def cmd_eval(args: argparse.Namespace) -> int:
    argv = ["--mode", args.mode, "--split", args.split]
    if args.set:
        argv += ["--set", args.set]
    if args.gate:
        argv.append("--gate")
    if args.no_baselines:
        argv.append("--no-baselines")
    if args.limit:
        argv += ["--limit", str(args.limit)]
    if args.reports_dir:
        argv += ["--reports-dir", args.reports_dir]
    if args.thresholds:
        argv += ["--thresholds", args.thresholds]
    if args.library:
        argv.append("--library")
    if args.conversations:
        argv.append("--conversations")
    if args.reports:
        argv += ["--reports", args.reports]
    if args.noise:
        argv.append("--noise")
    # heavy (~1 s with its baselines and scratch homes): `eval` only, not the question path
    from evals.run import main as eval_main

    return int(eval_main(argv) or 0)


def cmd_bench(args: argparse.Namespace) -> int:
    from evals.bench import main as bench_main  # numpy, psutil, the scale study: ~0.3 s

    return int(bench_main(["--quick"] if args.quick else []) or 0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportqa",
        description="报告问答：基于报告原文、带章节与页码引用的中文问答（离线）。",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="输出调试日志")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="把报告（文件或文件夹）加入索引")
    p.add_argument("paths", nargs="*", help="文件或文件夹（默认 corpus/）")
    p.add_argument("--quiet", action="store_true", help="不显示进度条")
    p.add_argument("--wait", type=float, default=0.0, help="另一个 ingest 进行中时最多等待的秒数")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("inspect", help="列出索引中的块、章节和页码")
    p.add_argument("--report", help="只看这份报告（文件名或标题）")
    p.add_argument("--full", action="store_true", help="显示整块文字")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("list", help="列出已入库的报告")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("remove", help="从索引中移除一份报告")
    p.add_argument("report", help="文件名或标题")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("ask", help="提一个问题")
    p.add_argument("question", nargs="*")
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    p.add_argument(
        "--jsonl", metavar="FILE", help="逐行读取 {id, question, history?, report?}（- 为标准输入）"
    )
    p.add_argument("--report", help="只在这份报告中检索（文件名或标题）")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="在终端里对话")
    p.add_argument("--report", help="只在这份报告中检索（文件名或标题）")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("serve", help="启动网页聊天界面")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--insecure", action="store_true", help="允许无口令地对外监听")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("eval", help="运行评测集并打印指标")
    p.add_argument(
        "--set",
        default="",
        help="评测集（默认 evals/golden.jsonl；--conversations 时 evals/sets/conversations.jsonl）",
    )
    p.add_argument("--mode", choices=["extractive", "llm"], default="extractive")
    p.add_argument("--split", choices=["dev", "heldout", "all"], default="all")
    p.add_argument("--gate", action="store_true", help="低于 evals/thresholds.toml 时以非零退出")
    p.add_argument("--no-baselines", action="store_true")
    p.add_argument("--limit", type=int, default=0, help="只跑前 N 题（快速检查）")
    p.add_argument("--reports-dir", default="", help="报告输出目录（默认 evals/reports）")
    p.add_argument("--thresholds", default="", help="门槛文件（默认 evals/thresholds.toml）")
    p.add_argument(
        "--library", action="store_true", help="评测报告库：每份报告单独入库并提问（见 README）"
    )
    p.add_argument(
        "--conversations",
        action="store_true",
        help="对话评测：逐轮以自己的回答为历史提问，独立问题另单独提问（见 README）",
    )
    p.add_argument("--reports", default="", help="与 --library 同用：只跑这些报告（逗号分隔）")
    p.add_argument(
        "--noise",
        action="store_true",
        help="与 --library 同用：每题加上表情、客套话、英文或 Markdown 再问（见 README）",
    )
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("bench", help="性能基准")
    p.add_argument("--quick", action="store_true")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point. Known errors print one line and exit non-zero, never a traceback."""
    set_offline_environment()
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "chromadb", "sentence_transformers", "jieba", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return int(args.func(args) or 0)
    except ReportQAError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
