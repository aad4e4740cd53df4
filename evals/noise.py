"""Noisy questions: what users type around a question, added to every set question.

Issue 16 asks that "markup, emoji, a few English words, a quoted figure or an extra
clause around an answerable question must not turn it into a refusal". The library's
sets hold a few such questions; `reportqa eval --library --noise` asks every question of
every set with one kind of noise added (chosen by the item's id, so a run is
deterministic and each kind falls on about one question in seven), and its figures,
beside the clean run's, say what noise costs. Unanswerable questions get noise too: it
must not turn a refusal into an answer either.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

_END = re.compile(r"[？?。!！\s]*$")
_FIRST_CLAUSE = re.compile(r"^[^，,？?。；;：:]{2,12}")


def _polite(question: str) -> str:
    return f"请问，{question}"


def _emoji(question: str) -> str:
    return f"{_END.sub('', question)}🤔？"


def _preface(question: str) -> str:
    return f"我在写材料，想确认下：{question}"


def _english(question: str) -> str:
    return f"quick question，{question}"


def _bold(question: str) -> str:
    return _FIRST_CLAUSE.sub(lambda m: f"**{m.group(0)}**", question, count=1)


def _thanks(question: str) -> str:
    return f"{_END.sub('', question)}？谢谢！"


def _half_width(question: str) -> str:
    return question.replace("？", "? ").replace("，", ", ").replace("：", ": ").strip()


NOISES: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("polite", _polite),
    ("emoji", _emoji),
    ("preface", _preface),
    ("english", _english),
    ("bold", _bold),
    ("thanks", _thanks),
    ("half_width", _half_width),
)


def noise_for(item_id: str) -> tuple[str, Callable[[str], str]]:
    """The kind of noise an item gets: fixed by its id."""
    digest = hashlib.sha256(item_id.encode("utf-8")).digest()
    return NOISES[digest[0] % len(NOISES)]


def noisy(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The items with their questions made noisy (each records its kind of noise).

    Follow-up items keep their question: noise on a bare 「那北京呢」 tests the follow-up
    step, not the answerer.
    """
    out = []
    for item in items:
        copy = dict(item)
        if not item.get("history"):
            kind, add = noise_for(str(item.get("id", "")))
            copy["question"] = add(str(item["question"]))
            copy["noise"] = kind
        out.append(copy)
    return out


__all__ = ["NOISES", "noise_for", "noisy"]
