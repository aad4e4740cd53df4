"""Comparisons answered by the real chain: each side of 「A和B，哪家成立得更早？」 is found
where the report states it (`rag.question.compare_asks`, `rag.asks`), not only the side
the whole question's best passage is about.

The report is written here (fictional companies) and ingested with the real model into a
scratch home.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import answerer_over_report

REPORT = """机器人产业发展报告

一、国内企业

星河智造是国内首家工业机器人租赁公司，2016年成立于苏州，目前已服务三百多家制造企业。

星河智造的租赁模式降低了中小企业使用机器人的门槛，租期最短为三个月。

国内企业普遍面临核心零部件依赖进口、利润率偏低等问题。

二、国际企业

国际市场上，协作机器人企业发展迅速，多家企业已在欧洲和北美上市。

蓝海动力总部位于慕尼黑，专注于协作机器人，是欧洲最早推出轻型协作臂的企业之一。

蓝海动力于2009年创立，2015年在法兰克福上市。

三、区域产能

华东地区2021年的机器人产能为15万台，华南地区2021年的机器人产能为11万台。
"""


@pytest.fixture(scope="module")
def compare_answerer(tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path) -> Any:
    home = tmp_path_factory.mktemp("compare-home")
    return answerer_over_report(home, "robot_industry.txt", REPORT, shared_models_dir)


@pytest.mark.slow
def test_both_sides_of_a_comparison_are_answered(compare_answerer: Any) -> None:
    answer = compare_answerer.answer("星河智造和蓝海动力，哪家成立得更早？")
    assert not answer.refused
    assert "2016年" in answer.text and "2009年" in answer.text
    assert len({c.chunk_id for c in answer.citations}) >= 2
    assert all(c.verified for c in answer.citations)


@pytest.mark.slow
def test_a_comparison_both_of_whose_sides_one_sentence_states_is_answered_once(
    compare_answerer: Any,
) -> None:
    answer = compare_answerer.answer("2021年华东和华南，哪个地区的机器人产能更高？")
    assert "15万台" in answer.text and "11万台" in answer.text
    assert answer.text.count("15万台") == 1
