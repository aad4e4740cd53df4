"""Plain answers answered by the real chain, not refused: a year before 1900, a time told
without a year, a name the tokenizer cuts into single characters, an author said by
「所著」, a count in a measure word. `python -m evals.cmrc` found each kind refused.

The report is written here (invented) and ingested with the real model into a scratch home.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import answerer_over_report, assert_answered_with

pytestmark = pytest.mark.slow

REPORT = """港城人物与旧事札记

一、书院与炮台

东湖书院建于1786年，是港城最早的书院，院内藏有大量地方志。
西岭炮台在江户时代由商人集资修筑，后来几经翻修。

二、人物

潘淑，会稽句章人，早年以刺绣闻名乡里，后来迁居港城。
《海港旧梦》是林远舟所著的长篇小说，讲述渔村三代人的故事。

三、码头

新码头共两层，上层候船，下层存放货物。
"""


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path) -> Any:
    home = tmp_path_factory.mktemp("plain-home")
    return answerer_over_report(home, "harbour_notes.txt", REPORT, shared_models_dir)


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("东湖书院是哪一年建的？", "1786"),
        ("西岭炮台是什么时候修的？", "江户时代"),
        ("潘淑是哪里人？", "会稽句章"),
        ("《海港旧梦》的作者是谁？", "林远舟"),
        ("新码头一共有几层？", "两层"),
    ],
)
def test_a_plain_answer_is_given_not_refused(answerer: Any, question: str, fact: str) -> None:
    assert_answered_with(answerer.answer(question), [fact])
