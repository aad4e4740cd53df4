"""Questions of two asks answered by the real chain. A multi-hop question: the second ask's 「它」 is the name
the first ask's answer gave (`rag.asks.bridged`), searched for in its own passage.

The report is written here (fictional companies), ingested with the real model into a
scratch home; the facts the two asks need sit in different sections, and a second company
founded in another year sits beside the first, so the second ask answered without the
bridge has no way to tell which founding year is meant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import answerer_over_report

REPORT = """工业机器人租赁市场发展报告

一、行业概况

星河智造是国内首家工业机器人租赁公司，总部位于合肥，主营协作机器人的短期租赁。行业里的其他企业大多从设备销售起步，近年才陆续转向租赁业务，租赁渗透率仍然较低。租赁模式降低了中小制造企业使用机器人的门槛，也让设备的利用率明显提高。

二、企业发展

云杉重工成立于2011年，主营重型装备的融资租赁，客户以矿山和港口为主。该公司近年把业务扩展到焊接机器人，但规模仍小。

星河智造成立于2016年，2019年完成第二轮融资，目前服务的制造企业超过300家，设备出租率保持在八成以上。

三、展望

预计未来三年，工业机器人租赁将在电子装配和汽车零部件行业加快普及。据行业协会测算，工业机器人租赁市场规模将从2020年的40亿元增长到2025年的90亿元。
"""


@pytest.fixture(scope="module")
def bridge_answerer(tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path) -> Any:
    home = tmp_path_factory.mktemp("bridge-home")
    return answerer_over_report(home, "robot_leasing_report.txt", REPORT, shared_models_dir)


@pytest.mark.slow
def test_the_second_ask_is_asked_of_the_name_the_first_answer_gave(bridge_answerer: Any) -> None:
    answer = bridge_answerer.answer("国内首家工业机器人租赁公司是哪家？它是哪年成立的？")
    assert not answer.refused
    assert "星河智造" in answer.text
    assert "2016" in answer.text and "2011" not in answer.text
    assert all(c.verified for c in answer.citations)


@pytest.mark.slow
def test_a_figure_of_a_year_the_report_does_not_date_it_with_is_refused(
    bridge_answerer: Any,
) -> None:
    # The report gives the market for 2020 and 2025 only (`rag.figures.dated_otherwise`).
    assert bridge_answerer.answer("工业机器人租赁市场到2023年能有多大？").refused
    # The later ask leans on the first one's year (`rag.asks`): no answer from other years.
    assert bridge_answerer.answer("工业机器人租赁市场到2023年能有多大？有没有具体预测数？").refused
    dated = bridge_answerer.answer("2020年工业机器人租赁市场规模有多大？")
    assert not dated.refused and "40亿元" in dated.text.replace(" ", "")


@pytest.mark.slow
def test_a_thing_described_is_found_first_then_asked_about(bridge_answerer: Any) -> None:
    # 「…的那家公司，…」: the company is found by its description (星河智造, in section 一),
    # then its founding year by its name (section 二), not 云杉重工's.
    answer = bridge_answerer.answer("主营协作机器人短期租赁的那家公司，是哪年成立的？")
    assert not answer.refused
    assert "星河智造" in answer.text
    assert "2016" in answer.text and "2011" not in answer.text
    assert all(c.verified for c in answer.citations)
