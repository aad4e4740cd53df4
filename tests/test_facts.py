"""Front-matter facts beyond title and authors: affiliations, DOI, keywords, funding, journal.

Every document here is invented; the layouts are the ones real papers and think-tank
reports use (an affiliation in brackets after the names, numbered affiliation lines with
glued postcodes, a 作者 block of names and positions, 关键词 run on after the 摘要).
"""

from __future__ import annotations

from ingest.chunk import chunk_report
from ingest.facts import affiliations, author_block_affiliations, front_facts
from ingest.parse import parse_text
from rag.records import chunk_from_record, chunk_to_metadata
from rag.settings import ChunkSettings
from rag.types import ReportMeta
from tests import docgen


def test_an_affiliation_in_brackets_after_the_names() -> None:
    line = "周一鸣 吴桐 郑雨*（某某大学海洋科学研究院，青岛266000）"
    assert affiliations([line]) == ["某某大学海洋科学研究院"]


def test_numbered_affiliation_lines_with_a_glued_postcode_give_each_organisation() -> None:
    line = "1某某科学院生态环境研究中心北京1000852某某大学资源与环境学院北京100049"
    assert affiliations([line]) == ["某某科学院生态环境研究中心", "某某大学资源与环境学院"]
    bracketed = "(1.某某研究所,新疆 乌鲁木齐830011;2.某某自治区科技发展研究院，新疆 乌鲁木齐830011)"
    assert affiliations([bracketed]) == ["某某研究所", "某某自治区科技发展研究院"]
    # Lines that are not affiliations (no postcode, or prose) give nothing.
    assert affiliations(["某某研究院的专家认为形势向好。", "摘要 本文研究了城市绿地。"]) == []


def test_a_think_tank_author_block_names_the_organisations_by_their_positions() -> None:
    block = [
        "本报告负责人：赵明",
        "本报告执笔人：",
        "● 赵明",
        "某某发展研究中心主任",
        "● 钱清",
        "某某社会科学院博士后",
    ]
    assert author_block_affiliations(block) == ["某某发展研究中心", "某某社会科学院"]


def test_front_facts_read_keywords_doi_funding_and_journal() -> None:
    lines = [
        "城市绿地生态效益评估",
        "张明远1 李思齐2",
        "1某某大学环境学院北京100000 2某某城市规划研究院上海200000",
        "摘要 城市绿地关系到居民福祉。关键词城市绿地；生态效益",
        "DOI 10.0000/example.2024.01.001",
        "基金项目：某某自然科学基金（12345678）",
        "引用格式：张明远，李思齐. 城市绿地生态效益评估[J]. 某某环境学报, 2024, 12(1): 1-9.",
    ]
    facts = dict(front_facts(lines))
    assert facts["doi"] == "10.0000/example.2024.01.001"
    assert facts["keywords"] == "城市绿地；生态效益"
    assert facts["funding"] == "某某自然科学基金（12345678）"
    assert facts["journal"] == "某某环境学报"
    assert facts["year"] == "某某环境学报, 2024"
    assert [v for k, v in front_facts(lines) if k == "affiliation"] == [
        "某某大学环境学院",
        "某某城市规划研究院",
    ]
    # A keyword line with the DOI run on after it keeps the keywords only.
    run_on = front_facts(["关键词 甲乙，丙丁 DOI", "10.1234/abc.2020.02.003"])
    assert dict(run_on) == {"keywords": "甲乙，丙丁", "doi": "10.1234/abc.2020.02.003"}
    assert front_facts(["某某报告", "2025年3月"]) == ()


def test_the_parser_keeps_the_facts_and_the_index_round_trips_them() -> None:
    report = parse_text(docgen.paper_text(), "paper.txt")
    meta = report.meta
    assert meta.fact("affiliation") == ("某某大学环境学院", "某某城市规划研究院")
    assert meta.fact("doi") == ("10.0000/example.2024.01.001",)
    assert meta.fact("keywords") == ("城市绿地；生态效益；评估；提升路径",)
    chunk = chunk_report(report, ChunkSettings(max_chars=200))[0]
    stored = chunk_from_record(chunk.id, chunk.text, chunk_to_metadata(chunk))
    assert stored.meta is not None and stored.meta.facts == meta.facts
    # An index written before facts were kept reads as having none.
    old = {k: v for k, v in chunk_to_metadata(chunk).items() if k != "facts"}
    assert chunk_from_record(chunk.id, chunk.text, old).meta == ReportMeta(
        meta.title, meta.source, meta.series, meta.publisher, meta.authors, meta.date
    )
