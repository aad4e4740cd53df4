"""Answerable questions in the asker's own words, answered by the real chain rather than
refused: a table the question names by a label the PDF lost, an English aside, a date
beside the share that is asked about, a colloquial synonym, and the author's view of a
topic the report sets out in points.

The report is written here (invented) and ingested with the real model into a scratch home.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import answerer_over_report

pytestmark = pytest.mark.slow

REPORT = """海上风电运维观察

一、运维企业概况

海上风电运维服务近年增长较快，各类企业纷纷进入该领域（表1）。

Tab.1 Overview of offshore wind maintenance companies

企业名称 | 成立时间 | 总部 | 融资情况
蓝鲸运维 | 2016年 | 宁波 | 2019年获得2500万元天使轮融资
海燕科技 | 2018年 | 厦门 | 2021年完成1.2亿元B轮融资
启航海工 | 2015年 | 青岛 | 尚未披露

二、风险与博弈

在风场扩建谈判中，开发商与渔业合作社互不相让，双方在一定程度上陷入“懦夫博弈（Chicken Game）”，谈判破裂的可能性不容忽视。

2024年9月份沿海12个风场的运维成本在每千瓦80元至150元之间；按照年均折旧来测算，其中有5个风场的运维收入不足以覆盖成本。图3中，柱高与虚线的差距可看作对电价上调幅度的要求;具体而言，东湾、北礁、南岬要求2.5%以上的年均电价上调。

三、配套环境

沿海港口的废水处理厂产生的污泥可作为风机基础防腐涂层的添加料，据统计每年产生的污泥总量约3万吨。

四、运维体系的短板

运维体系存在明显的薄弱环节，主要表现在3方面。

4.1专业运维船舶不足，出海窗口期短

海上作业受天气影响较大，专业船舶数量难以满足需求。

4.2备件库存分散，调度效率偏低

备件分散在各个港口，跨区域调度耗时较长。

4.3技术人员流动性大，培训体系不完善

一线技术人员流失率较高，系统培训仍然缺乏。
"""


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path) -> Any:
    home = tmp_path_factory.mktemp("paraphrase-home")
    return answerer_over_report(home, "offshore_wind.txt", REPORT, shared_models_dir)


def _answered(answer: Any, *facts: str) -> None:
    assert not answer.refused, answer.text
    assert all(fact in answer.text for fact in facts), answer.text
    assert answer.citations and all(c.verified for c in answer.citations)


def test_a_table_named_by_the_label_of_its_english_caption(answerer: Any) -> None:
    _answered(answerer.answer("表1里海燕科技那轮B轮融了多少钱？"), "1.2亿元")


def test_an_english_aside_does_not_turn_the_question_into_a_refusal(answerer: Any) -> None:
    question = "🤔 开发商和渔业合作社谈判僵持，作者拿哪个game theory里的博弈来打比方？"
    _answered(answerer.answer(question), "懦夫博弈")


def test_a_date_beside_the_asked_share_is_not_corrected_as_a_false_premise(
    answerer: Any,
) -> None:
    answer = answerer.answer("按2024年9月的测算，哪些风场要求电价年均上调2.5%以上？")
    _answered(answer, "东湾、北礁、南岬")
    assert "报告中的说法是" not in answer.text


def test_a_colloquial_synonym_of_the_reports_word_is_not_news(answerer: Any) -> None:
    answer = answerer.answer("沿海港口污水厂每年产生的污泥大概有多少吨？")
    _answered(answer, "3万吨")
    assert "没有提到" not in answer.text


def test_the_authors_view_of_a_topic_is_the_points_of_its_part(answerer: Any) -> None:
    answer = answerer.answer("运维体系短板这块，作者具体是怎么看的？")
    _answered(answer, "专业运维船舶不足", "备件库存分散", "培训体系不完善")
