"""The noise `reportqa eval --library --noise` adds, and the question path taking it off."""

from __future__ import annotations

import pytest

from evals.noise import NOISES, noise_for, noisy
from rag.textnorm import normalise_question
from tests.questions import packaged_lexicon

LEXICON = packaged_lexicon()
QUESTIONS = (
    "全国第一个科技保险专项扶持政策是上海浦东出的吧？",
    "HS84的贸易竞争指数2015年涨到多少了？在比较的各国里排老几？",
    "乌兹别克斯坦一年大概有多少个晴天？",
)


@pytest.mark.parametrize("kind", [name for name, _ in NOISES])
@pytest.mark.parametrize("question", QUESTIONS)
def test_every_kind_of_noise_is_taken_off_again(kind: str, question: str) -> None:
    add = dict(NOISES)[kind]
    noisy_question = add(question)
    assert noisy_question != question
    # Spaces after half-width marks (「多少? 在…」) are the only trace left.
    clean = normalise_question(question, LEXICON).text
    assert normalise_question(noisy_question, LEXICON).text.replace(" ", "") == clean


def test_noise_is_fixed_by_the_item_and_spares_follow_ups() -> None:
    items = [
        {"id": f"x{n:03d}", "question": QUESTIONS[n % 3], "must_include": []} for n in range(40)
    ]
    items.append({"id": "f001", "question": "那北京呢？", "history": [{"role": "user"}]})
    first, second = noisy(items), noisy(items)
    assert first == second
    assert {item["noise"] for item in first[:-1]} == {name for name, _ in NOISES}
    assert all(
        a["question"] == add(b["question"])
        for a, b in zip(first, items, strict=False)
        for name, add in NOISES
        if a.get("noise") == name
    )
    assert first[-1] == items[-1]  # a follow-up keeps its question
    assert noise_for("x001") == noise_for("x001")
