"""A false premise that gives the report's figure to the wrong thing, answered by the real
chain: the answer says whose figure it is rather than refusing (`given_to_another`).

The report is written here (invented) and ingested with the real model into a scratch home.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import answerer_over_report

REPORT = """协作机器人临床应用观察

一、试验登记情况

协作机器人辅助手术的临床研究发展较快，各国监管尺度不一。在国际试验登记平台注册的20例协作机器人手术试验中，有14例来自中国机构，国内团队起步较早；美国的同类试验多为单中心研究。

二、应用前景

协作机器人在康复训练和护理场景中也有较大的应用空间。
"""


@pytest.fixture(scope="module")
def premise_answerer(tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path) -> Any:
    home = tmp_path_factory.mktemp("premise-home")
    return answerer_over_report(home, "cobot_trials.txt", REPORT, shared_models_dir)


@pytest.mark.slow
def test_a_figure_given_to_the_wrong_country_is_corrected_not_refused(
    premise_answerer: Any,
) -> None:
    answer = premise_answerer.answer("平台注册的20例手术试验里美国占了14例，那中国有几例？")
    assert not answer.refused
    assert "报告中的说法是中国14例，而不是美国14例" in answer.text
    assert "14例来自中国机构" in answer.text
    assert all(c.verified for c in answer.citations)
