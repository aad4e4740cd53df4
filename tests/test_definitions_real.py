"""Definition questions answered by the real chain: the sentence that defines the asked
term, not the many sentences that merely use it.

A report defines a term once (「岸电覆盖指数（SCI）是指…」) and then uses it in every line
of a section headed by the term, so a keyword search for 「SCI是啥意思」 ranks those lines
first. The search also looks for the words that mark a definition
(`rag.route.also_match`), the scorer prefers a unit that defines the term where it stands
(`rag.evidence.defines_term`), and 「文章里说的…」 names the report, not the subject
(`Fillers.documents`).

The report is written here (fictional ports and figures) and ingested with the real model
into a scratch home.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import answerer_over_report

_PORTS = [f"{first}港" for first in "东西南北青白金石云林海河"]
_USES = "\n\n".join(
    f"{year}年，{port}的岸电覆盖指数（SCI）为0.{(index * 7 + year) % 90 + 10}，"
    f"在沿海港口中排名第{index + 1}。"
    for index, port in enumerate(_PORTS)
    for year in (2020, 2021)
)

REPORT = f"""绿色航运发展评估报告

摘要

文章对沿海港口的绿色转型进行了分析，认为当前最大的“蓝鲸”是不断上升的燃料成本，港口岸电建设仍需加快。

一、研究方法

本文采用三项指标评估港口的绿色转型。岸电覆盖指数（SCI）是指一个港口靠泊船舶使用岸电的艘次与靠泊总艘次之比，反映了港口减少靠泊排放的程度。“蓝鲸”一般是指规模大、影响深远、却常被忽视的长期成本。

二、各港口岸电覆盖指数

{_USES}

三、港口产业链

港口产业链上游主要是设备制造商，提供岸电设备；中游是岸电运营服务商，负责岸电设施的建设和运营；下游是航运企业。
"""


@pytest.fixture(scope="module")
def definitions_answerer(tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path) -> Any:
    home = tmp_path_factory.mktemp("definitions-home")
    return answerer_over_report(home, "green_shipping.txt", REPORT, shared_models_dir)


@pytest.mark.slow
def test_a_term_is_answered_with_its_definition_not_its_uses(definitions_answerer: Any) -> None:
    answer = definitions_answerer.answer("岸电覆盖指数SCI是啥意思？")
    assert not answer.refused
    assert "靠泊总艘次之比" in answer.text


@pytest.mark.slow
def test_the_report_named_in_the_question_does_not_outweigh_the_term(
    definitions_answerer: Any,
) -> None:
    answer = definitions_answerer.answer("文章里说的“蓝鲸”具体指的是啥？")
    assert not answer.refused
    assert "常被忽视的长期成本" in answer.text.split("[1]")[0]


@pytest.mark.slow
def test_a_part_defined_by_its_place_in_a_list(definitions_answerer: Any) -> None:
    answer = definitions_answerer.answer("港口产业链里说的中游，指的是哪类企业？")
    assert not answer.refused
    assert "岸电运营服务商" in answer.text
