"""Recommendations asked about one topic, answered by the real chain over a report whose
recommendations are numbered paragraphs without sub-headings (`rag.topics.item_on_topic`).

The report is written here (invented); its paragraphs are longer than a chunk, so an
item's paragraph is read on across the chunker's cut.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import answerer_over_report

REPORT = """协作机器人产业发展报告

一、发展现状

协作机器人在汽车、电子和食品等行业的应用不断扩大，国产整机的市场份额稳步提高，核心零部件的自给率仍然偏低。

二、政策建议

为推动协作机器人产业健康发展，提出以下建议。

（1）夯实核心零部件基础。支持减速器、伺服电机和控制器等关键部件的联合攻关，鼓励整机企业与零部件企业签订长期采购协议，稳定国产部件的市场预期。建设共性技术验证平台，为中小企业提供可靠性测试服务，缩短新产品的验证周期。对首批次应用的国产部件给予保险补偿，降低用户的试用风险。

（2）完善应用推广体系。在汽车焊装、电子装配和食品分拣等场景建设示范产线，总结可复制的集成方案。鼓励系统集成商与终端用户组建应用联合体，按行业编制协作机器人选型指南。落实首台套装备采购政策，把协作机器人纳入技术改造专项的支持范围。组织面向中小企业的现场观摩活动，推动成熟方案在产业集群内批量复制。

（3）加强人才培养。支持职业院校开设协作机器人运维课程，推动企业与院校共建实训基地，培养一批懂工艺、会编程的复合型技能人才。
"""


@pytest.fixture(scope="module")
def items_answerer(tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path) -> Any:
    home = tmp_path_factory.mktemp("items-home")
    return answerer_over_report(home, "cobot_policy.txt", REPORT, shared_models_dir)


@pytest.mark.slow
def test_recommendations_on_one_topic_are_that_items_whole_paragraph(items_answerer: Any) -> None:
    answer = items_answerer.answer("在应用推广这块，作者具体建议怎么做？")
    assert not answer.refused and answer.strategy == "recommendations"
    assert "（2）完善应用推广体系" in answer.text
    # The paragraph's last sentence lies past a chunk's end: it is read on to.
    assert "批量复制" in answer.text
    # The other items are not this topic.
    assert "减速器" not in answer.text and "实训基地" not in answer.text
    assert all(c.verified for c in answer.citations)


@pytest.mark.slow
def test_recommendations_asked_whole_are_all_items(items_answerer: Any) -> None:
    answer = items_answerer.answer("作者最后提了哪几条建议？")
    assert answer.strategy == "recommendations"
    assert all(f"（{n}）" in answer.text for n in (1, 2, 3))
