"""Questions as a briefing writer asks them, answered by the real chain: noise around the
question, a span of years in a table, a definition asked of a table's row, a second ask
answered in the first one's passage, a table's source, items listed after 「如」, a unit
naming a column, a year's figure in the next clause, and a person named inside a clause
that ends in an organisation word. The eleventh blind batch found each kind missed.

The report is written here (invented) and ingested with the real model into a scratch home.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import answerer_over_report, assert_answered_with

pytestmark = pytest.mark.slow

REPORT = """港城物流发展观察

一、总体情况

港城物流企业的负债率明显分离，甲类企业的负债率从2008年的54.1%升到2014年的60.7%，达到多年来的高点。此后在去杠杆的压力下小幅回落到2016年的59.2%；而同期乙类企业的负债率则一直下降，到2016年为50.8%。
周转率是衡量港口效率的关键指标，即吞吐量除以泊位数。其中，泊位数按年末在用的泊位计算。
2019年3月，经市政府批准，港城物流发展委员会正式成立，副市长李明远担任委员会主任。
港城在物流的多个领域已处于领先地位，如冷链仓储、自动化码头等，未来应该进行重点布局。

表1 2014—2016年港城主要指标
指标 | 2014年 | 2015年 | 2016年
集装箱吞吐量/万标箱 | 210 | 230 | 260
周转率 (%) | 81.2% | 83.5% | 85.1%
注：资料来源于港城统计局的《港城统计年鉴》。

二、码头

表2 港城码头基本情况
码头 | 建成年份 | 占地面积/平方公里
东港码头 | 2012 | 3.2
北港码头 | 2015 | 1.8

表3 港城码头能源项目
投资方 | 码头 | 装机容量/MW | 类型
港务集团 | 东港码头 | 120 | 岸电
城投公司 | 北港码头 | 80 | 光伏

三、对策建议

（一）应对台风
（1）加固码头设施，提高码头的抗风等级。
（2）建立台风预警机制，提前疏散港内船舶。
（二）应对疫情
（1）完善防疫流程，减少作业人员接触。
（2）发展无接触作业，推广远程调度系统。
"""


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path) -> Any:
    home = tmp_path_factory.mktemp("briefing-home")
    return answerer_over_report(home, "port_logistics.txt", REPORT, shared_models_dir)


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        ("<b>周转率</b>这个指标是怎么定义的，分母是啥？", ["泊位数"]),
        ("周转率这个指标是怎么定义的？", ["吞吐量除以泊位数"]),
        ("表1里周转率2014到2016年分别是多少？", ["81.2%", "83.5%", "85.1%"]),
        ("周转率是啥意思？里面的泊位数是按什么计算的？", ["吞吐量除以泊位数", "年末在用"]),
        ("表1的data source是啥？", ["港城统计局"]),
        ("港城物流已经领先、要重点布局的领域都有哪些？", ["冷链仓储", "自动化码头"]),
        ("东港码头装机多少MW？", ["120"]),
        ("2016年甲类企业和乙类企业的负债率各多少？", ["59.2%", "50.8%"]),
        ("我在写材料，想确认下：物流发展委员会成立时，委员会主任是哪位？", ["李明远"]),
    ],
)
def test_a_briefing_question_is_answered(answerer: Any, question: str, facts: list[str]) -> None:
    assert_answered_with(answerer.answer(question), facts)
