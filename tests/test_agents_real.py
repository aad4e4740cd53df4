"""Who-questions answered by the real chain (`rag.slots.agent_unnamed`): a passage that names
nobody the question does not already name does not answer 「是谁…」 or 「哪位…」.

The report is written here (fictional people and places) and ingested with the real model
and jieba's real part-of-speech tags into a scratch home.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import answerer_over_report

REPORT = """协作机器人技术进展报告

一、技术突破

2016年，北辰大学的科研人员首次开发出一种力控协作新技术，使机器人不再受到固定工位的限制。

云杉重工的焊接机器人由张卫东团队主导研发，2019年投入量产，目前已销往十多个省份。

二、政策环境

2018年，当地政府正式提出“机器人倍增计划”，随后一系列配套文件陆续出台。

2017年7月，《星海日报》评论员文章《稳妥推进机器人应用》提到，要防范岗位替代的风险。2017年8月，云杉重工董事长王建国在《星海日报》发表文章，表态稳妥推进机器人应用是企业的责任。

致谢

感谢北辰大学机械学院宋平凡教授对本报告提供的帮助。
"""


@pytest.fixture(scope="module")
def agents_answerer(tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path) -> Any:
    home = tmp_path_factory.mktemp("agents-home")
    return answerer_over_report(home, "cobot_report.txt", REPORT, shared_models_dir)


@pytest.mark.slow
def test_a_who_question_is_refused_when_the_passage_names_nobody_new(
    agents_answerer: Any,
) -> None:
    # Only the university the question names, and a government that is no person.
    assert agents_answerer.answer("北辰大学那个力控协作新技术是谁带队搞的？").refused
    assert agents_answerer.answer("“机器人倍增计划”是哪位市长提出的？").refused


@pytest.mark.slow
def test_a_who_question_is_answered_when_the_passage_names_someone(
    agents_answerer: Any,
) -> None:
    team = agents_answerer.answer("云杉重工的焊接机器人是谁主导研发的？")
    assert not team.refused and "张卫东" in team.text
    professor = agents_answerer.answer("报告致谢了哪位教授？")
    assert not professor.refused and "宋平凡" in professor.text


@pytest.mark.slow
def test_a_name_quoted_beside_the_asked_thing_does_not_answer_who(agents_answerer: Any) -> None:
    # The editorial is quoted with the next sentence, which names the author of another
    # article: the report never says who wrote the editorial.
    editorial = agents_answerer.answer("《星海日报》那篇稳妥推进机器人应用的评论员文章是谁执笔的？")
    assert editorial.refused
    chairman = agents_answerer.answer("哪位董事长在《星海日报》发表文章谈企业的责任？")
    assert not chairman.refused and "王建国" in chairman.text
