"""Near-misses a checker of what a report does not say asks, and the answerable questions
beside them, through the real chain: which one is the most when the report only lists
them, who holds a role (「由谁来担任」) the report leaves unnamed, and what a rate's
measure is made of when a table has a row for the rate. The twelfth blind batch found
each kind missed.

The report is written here (invented) and ingested with the real model into a scratch home.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import answerer_over_report, assert_answered_with

pytestmark = pytest.mark.slow

REPORT = """滨江港口发展观察

一、总体情况

滨江港下设东港码头、北港码头和南港码头，三个码头都已开通国际航线，入驻企业超过百家。
三个码头中，东港码头的集装箱吞吐量最高，2016年达到180万标箱。
周转率是衡量码头效率的关键指标，即吞吐量除以泊位数。其中，泊位数为集装箱泊位、散货泊位及客运泊位之和。
2018年5月，经市政府批准，滨江港口管理委员会正式成立，副市长王建国担任委员会主任。

表1 2014—2016年滨江港主要指标
指标 | 2014年 | 2015年 | 2016年
集装箱吞吐量/万标箱 | 150 | 165 | 180
周转率 (%) | 71.2% | 73.5% | 75.1%
注：资料来源于滨江港务局。
"""


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path) -> Any:
    home = tmp_path_factory.mktemp("silent-home")
    return answerer_over_report(home, "binjiang_port.txt", REPORT, shared_models_dir)


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        ("三个码头里，哪个码头的集装箱吞吐量最高？", ["东港码头"]),
        ("管理委员会成立时，主任由谁来担任？", ["王建国"]),
        ("算周转率时用的泊位数，主要由哪几类泊位加总？", ["散货泊位", "客运泊位"]),
    ],
)
def test_the_report_answers(answerer: Any, question: str, facts: list[str]) -> None:
    assert_answered_with(answerer.answer(question), facts)


@pytest.mark.parametrize(
    "question",
    [
        "三个码头里，哪个码头入驻的企业最多？",
        "管理委员会成立时，副主任由谁来担任？",
    ],
)
def test_the_report_does_not_say(answerer: Any, question: str) -> None:
    answer = answerer.answer(question)
    assert answer.refused, answer.text
    # The refusal names no asking word (「由谁来」) as missing from the report.
    assert "由谁" not in answer.text
