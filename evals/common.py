"""What the eval entry points share: paths, reading eval sets, asking them, settings.

`evals.run` (`reportqa eval`) and `evals.library` (`reportqa eval --library`) both
build on these; keeping them here keeps the two entry points free of each other.
"""

from __future__ import annotations

import json
import math
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from rag.batch import run_jsonl
from rag.errors import ConfigError
from rag.settings import LLMSettings, Settings, from_env

EVALS_DIR = Path(__file__).resolve().parent
REPO_DIR = EVALS_DIR.parent
DEFAULT_SET = EVALS_DIR / "golden.jsonl"
DEFAULT_REPORTS = EVALS_DIR / "reports"
DEFAULT_THRESHOLDS = EVALS_DIR / "thresholds.toml"

ANSWER_PREVIEW = 200


class EvalSetError(ValueError):
    """The eval set file is missing or malformed; the message says where."""


def resolve_path(raw: str | Path) -> Path:
    """A path as given; a relative one that does not exist is tried from the repo root.

    `reportqa eval` passes ``evals/golden.jsonl`` relative to the working
    directory, which should still work when run from elsewhere.
    """
    path = Path(raw).expanduser()
    if not path.exists() and not path.is_absolute() and (REPO_DIR / path).exists():
        return REPO_DIR / path
    return path


def jsonl_objects(path: Path, kind: str = "评测集") -> list[tuple[int, str, dict[str, Any]]]:
    """The JSON objects of a JSONL eval file, each with its line number and a `where`
    prefix for messages (「<kind> <path> 第 N 行」); `EvalSetError` on an unreadable
    file, a line that is not JSON or not an object."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvalSetError(f"找不到{kind}文件：{path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"无法读取{kind}文件 {path}：{exc}") from None
    objects: list[tuple[int, str, dict[str, Any]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{kind} {path} 第 {number} 行"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalSetError(f"{where}不是合法的 JSON：{exc.msg}（第 {exc.colno} 列）") from None
        if not isinstance(item, dict):
            raise EvalSetError(f"{where}必须是一个 JSON 对象")
        objects.append((number, where, item))
    return objects


def load_items(path: Path) -> list[dict[str, Any]]:
    """Read a golden JSONL file; raise `EvalSetError` naming the file and line on any problem."""
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, where, item in jsonl_objects(path):
        question = item.get("question")
        if not isinstance(question, str) or not question.strip():
            raise EvalSetError(f"{where}缺少 question")
        must = item.get("must_include", [])
        if not isinstance(must, list) or not all(isinstance(g, list) for g in must):
            raise EvalSetError(f"{where}的 must_include 必须是列表的列表")
        item.setdefault("id", f"line{number}")
        item["id"] = str(item["id"])
        if item["id"] in seen:
            raise EvalSetError(f"{where}的 id 重复：{item['id']}")
        seen.add(item["id"])
        item["must_include"] = must
        items.append(item)
    if not items:
        raise EvalSetError(f"评测集为空：{path}")
    return items


def select(items: Sequence[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """Items of one split ("dev"/"heldout"); "all" keeps every item."""
    if split == "all":
        return list(items)
    return [it for it in items if it.get("split") == split]


def evaluate(answerer: Any, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Ask every item through `rag.batch.run_jsonl`; one result dict per item, in order.

    Each result is `Answer.to_json()` plus ``id`` and ``latency_ms`` (wall time
    around the single-line `run_jsonl` call, i.e. what a user waits for). An
    item the chain rejects carries ``error`` and counts as refused.
    """
    results: list[dict[str, Any]] = []
    for item in items:
        line = {"id": item["id"], "question": item["question"]}
        for key in ("history", "report"):
            if item.get(key):
                line[key] = item[key]
        started = time.perf_counter()
        rows = run_jsonl(answerer, [json.dumps(line, ensure_ascii=False)])
        latency_ms = (time.perf_counter() - started) * 1000.0
        row = rows[0] if rows else {"id": item["id"], "error": "no result"}
        row["latency_ms"] = round(latency_ms, 2)
        results.append(row)
    return results


def format_failures(failures: Sequence[Mapping[str, Any]]) -> str:
    """Markdown list of reportqa's failures: question, truncated answer, what was missing, why."""
    if not failures:
        return "No failures.\n"
    lines = []
    for f in failures:
        answer = " ".join(str(f.get("answer", "")).split())
        if len(answer) > ANSWER_PREVIEW:
            answer = answer[:ANSWER_PREVIEW] + "…"
        missing = "；".join(" / ".join(g) for g in f.get("missing") or []) or "—"
        lines.append(
            f"- **{f.get('id')}** [{f.get('type')}, §{f.get('section')}] {f.get('question')}\n"
            f"  - answer{'（refused）' if f.get('refused') else ''}: {answer or '—'}\n"
            f"  - missing: {missing}; evidence rank: {f.get('evidence_rank') or '—'}\n"
            f"  - why: {'; '.join(f.get('why') or [])}"
        )
    return "\n".join(lines) + "\n"


def jsonable(value: Any) -> Any:
    """NaN/inf → None, recursively: `json` would otherwise write invalid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def load_thresholds(path: Path) -> dict[str, Any]:
    """Parse thresholds TOML; raise `EvalSetError` with a clear message when unusable."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise EvalSetError(f"找不到阈值文件：{path}") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise EvalSetError(f"阈值文件 {path} 无法解析：{exc}") from None


def settings_summary(settings: Settings, mode: str) -> dict[str, Any]:
    """What the report records about the configuration (never the API key)."""
    summary: dict[str, Any] = {
        "embedding model": settings.embedding.model,
        "chunk size": settings.chunking.max_chars,
        "retrieval k": settings.retrieval.top_k,
        "dense k": settings.retrieval.dense_k,
        "bm25 k": settings.retrieval.bm25_k,
    }
    if mode == "llm":
        summary["llm model"] = settings.llm.model or "LLM"
    return summary


def eval_settings(mode: str) -> Settings:
    """Settings from the environment, pinned to `mode` (extractive ignores any LLM config)."""
    settings = from_env()
    if mode == "llm":
        if not settings.llm.enabled:
            raise ConfigError(
                "--mode llm 需要设置 REPORTQA_LLM_BASE_URL（以及 REPORTQA_LLM_MODEL）。"
            )
        return settings
    # Extractive runs must be deterministic even when the shell has an LLM configured.
    return replace(settings, llm=LLMSettings())
