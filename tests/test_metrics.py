"""Behaviour of the pure eval metrics in `evals/metrics.py`."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import pytest

from evals.metrics import (
    NO_STRATEGY,
    absence_claims,
    aggregate,
    by_strategy,
    check_thresholds,
    cites_expected_section,
    evidence_rank,
    false_absence_terms,
    format_strategy_table,
    format_table,
    key_facts_ok,
    list_failures,
    normalise,
    percentile,
    section_number,
)

THRESHOLDS = Path(__file__).resolve().parents[1] / "evals" / "thresholds.toml"


# ------------------------------------------------------------------ normalise


def test_normalise_width_case_space_punctuation() -> None:
    assert normalise("２０１５ 年，《首台（套）》") == "2015年首台套"
    assert normalise("ArF 光刻胶") == normalise("ARF光刻胶") == "arf光刻胶"
    assert normalise("“研发-应用-再创新”。") == "研发应用再创新"
    assert normalise(" a\tb\nc\u3000d ") == "abcd"
    assert normalise("") == ""


def test_normalise_keeps_decimal_point_and_percent() -> None:
    assert normalise("近 1.4 亿元") == "近1.4亿元"
    assert normalise("1.4") != normalise("14")
    assert normalise("不超过 2.5%") == "不超过2.5%"
    assert normalise("７０％ 以上") == "70%以上"
    assert normalise("第一. 第二") == "第一第二"  # a sentence full stop is still dropped


def test_normalise_leaves_chinese_numerals_alone() -> None:
    assert normalise("二〇一五年") == "二〇一五年"


# --------------------------------------------------------------- key facts


def test_key_facts_ok_all_groups_needed() -> None:
    must = [["1250万", "一千二百五十万"], ["太保", "太平洋"]]
    assert key_facts_ok("太保产险提供了 1250 万元保障[1]。", must) == (True, [])
    ok, missing = key_facts_ok("提供了 1250 万元保障。", must)
    assert not ok and missing == [["太保", "太平洋"]]


def test_key_facts_ok_alternatives_and_empty() -> None:
    assert key_facts_ok("试点始于二〇一五年", [["2015", "二〇一五"]])[0]
    assert key_facts_ok("任何回答", []) == (True, [])
    assert not key_facts_ok("", [["x"]])[0]


def test_key_facts_ignore_citation_markers() -> None:
    # "[1]" must not turn "202" into "2021"-like matches or supply a digit.
    assert not key_facts_ok("见报告[1]", [["1"]])[0]
    assert not key_facts_ok("在202[4]年", [["2024"]])[0]
    assert key_facts_ok("利率不超过 2.5%[2, 3]", [["2.5%"]])[0]
    assert not key_facts_ok("利率不超过 25%", [["2.5%"]])[0]


# ------------------------------------------------------------ evidence_rank

EV = "太保产险公司成功为浙江某新材料科技有限公司提供 1250 万元中试风险责任保险保障"


def test_evidence_rank_full_match_normalised() -> None:
    texts = ["完全无关的一段话。", "2024年，" + EV.replace(" ", "") + "，保障范围包含工程费。"]
    assert evidence_rank(EV, texts) == 2
    assert evidence_rank("2015 年，财政部", ["早在2015年,财政部、工信部"]) == 1


def test_evidence_rank_miss_and_empty() -> None:
    assert evidence_rank(EV, ["无关内容", "另一段无关内容"]) is None
    assert evidence_rank(EV, []) is None
    assert evidence_rank("", ["任何文字"]) is None


def test_evidence_rank_split_across_two_chunks() -> None:
    ev = normalise(EV)
    head, tail = ev[:20], ev[20:]  # neither piece alone reaches 60% of the quote
    assert len(head) < 0.6 * len(ev) and len(tail) < 0.6 * len(ev)
    texts = ["前文……" + head, "无关内容", tail + "……后文"]
    assert evidence_rank(EV, texts) == 3  # complete only once both pieces are in
    assert evidence_rank(EV, [tail + "后文", "前文" + head]) == 2  # order does not matter
    assert evidence_rank(EV, ["前文" + head, "无关"]) is None  # half a quote is a miss


def test_evidence_rank_split_with_overlapping_chunks() -> None:
    ev = normalise(EV)
    texts = ["前文" + ev[:18], ev[12:] + "后文"]  # 6 shared characters
    assert evidence_rank(EV, texts) == 2


def test_evidence_rank_partial_rule_60_percent() -> None:
    ev = normalise(EV)
    n = len(ev)
    assert n >= 20
    part = ev[: math.ceil(0.6 * n)]
    assert evidence_rank(EV, ["无关", "……" + part + "……"]) == 2
    short = ev[: math.ceil(0.6 * n) - 1]
    assert evidence_rank(EV, ["……" + short + "……"]) is None


def test_evidence_rank_short_quote_needs_full_match() -> None:
    # "2024 年 1 月" is short: a fragment like "2024年" elsewhere is not a hit.
    assert evidence_rank("2024 年 1 月", ["2024年5月发布", "2024 年 1 月"]) == 2


# ------------------------------------------------------------ sections


def _cit(section: str, page: int | None = 5, verified: bool = True) -> dict[str, Any]:
    path = [] if section == "前置部分" else section.split(" › ")
    return {"section": section, "section_path": path, "page_start": page, "verified": verified}


def test_cites_expected_section() -> None:
    assert cites_expected_section("三", [_cit("三、政策性科技保险取得新进展")])
    assert not cites_expected_section("三", [_cit("二、有中国特色科技保险产品体系基本成形")])
    assert cites_expected_section("一", [_cit("一、对科技保险的政策支持不断加强 › 表 1")])
    grid_row = _cit("二、有中国特色科技保险产品体系基本成形 › 四、保障主体")
    assert cites_expected_section("二", [grid_row])
    assert not cites_expected_section("四", [grid_row])
    assert cites_expected_section("前置", [_cit("前置部分", page=None)])
    assert cites_expected_section("前置", [_cit("2025 科技保险发展分析报告 › 摘要", page=None)])
    assert cites_expected_section("引言", [_cit("引言", page=1)])
    assert cites_expected_section("引言", [_cit("2025 科技保险发展分析报告", page=1)])
    assert not cites_expected_section("引言", [_cit("四、总结和展望", page=8)])
    assert cites_expected_section("致谢", [_cit("致谢", page=9)])
    assert not cites_expected_section("致谢", [_cit("四、总结和展望", page=8)])
    assert not cites_expected_section("三", [])


# ------------------------------------------------------------ aggregate

ITEMS: list[dict[str, Any]] = [
    {"id": "a1", "type": "fact", "section": "三", "evidence": "提供 1250 万元保障",
     "must_include": [["1250万"]]},
    {"id": "a2", "type": "false-premise", "section": "一", "evidence": "早在2006年",
     "must_include": [["2006"]]},
    {"id": "a3", "type": "list", "section": "前置", "evidence": "本报告负责人：阎建军",
     "must_include": [["阎建军"]]},
    {"id": "u1", "type": "unanswerable", "section": "三", "evidence": "", "must_include": []},
    {"id": "u2", "type": "unanswerable", "section": "四", "evidence": "", "must_include": []},
]  # fmt: skip


def _res(answer: str, refused: bool, cits: list[dict[str, Any]], texts: list[str], ms: float):
    return {
        "answer": answer,
        "refused": refused,
        "citations": cits,
        "retrieved": [{"text": t} for t in texts],
        "latency_ms": ms,
    }


RESULTS: dict[str, dict[str, Any]] = {
    "a1": _res("保额为 1250 万元[1]。", False, [_cit("三、政策性科技保险取得新进展")],
               ["无关内容", "太保提供1250万元保障。"], 100),
    "a2": _res("是 2008 年。", False, [_cit("一、对科技保险的政策支持不断加强", verified=False)],
               ["早在 2006 年，主管部门"], 200),
    "a3": _res("报告中没有找到相关内容。", True, [], [], 300),
    "u1": _res("报告中没有找到相关内容。", True, [], ["无关"], 400),
    "u2": _res("编造的回答[1]", False, [_cit("四、总结和展望")], ["无关"], 500),
}  # fmt: skip


def test_aggregate_known_numbers() -> None:
    m = aggregate(ITEMS, RESULTS)
    assert m["n_items"] == 5 and m["n_answerable"] == 3 and m["n_unanswerable"] == 2
    assert m["n_with_evidence"] == 3
    assert m["hit_at_1"] == pytest.approx(1 / 3)
    assert m["hit_at_3"] == pytest.approx(2 / 3)
    assert m["hit_at_5"] == pytest.approx(2 / 3)
    assert m["mrr"] == pytest.approx((1 / 2 + 1 + 0) / 3)
    assert m["key_fact_accuracy"] == pytest.approx(1 / 3)
    assert m["key_fact_accuracy[fact]"] == 1.0
    assert m["key_fact_accuracy[false-premise]"] == 0.0
    assert m["key_fact_accuracy[list]"] == 0.0  # refused, although the text is irrelevant
    assert m["false_premise_ok"] == 0.0
    assert m["citations_verified"] == pytest.approx(2 / 3)
    assert m["expected_section_cited"] == pytest.approx(2 / 3)
    assert m["cited_share"] == pytest.approx(2 / 3)
    assert m["refusal_rate"] == 0.5
    assert m["false_refusal_rate"] == pytest.approx(1 / 3)
    assert m["latency_p50_ms"] == 300
    assert m["latency_p95_ms"] == pytest.approx(480)
    lengths = [len("保额为 1250 万元。"), len("是 2008 年。"), 12, 12, len("编造的回答")]
    assert m["answer_chars_mean"] == pytest.approx(sum(lengths) / 5)


def test_aggregate_accepts_aligned_list_and_missing_results() -> None:
    aligned = aggregate(ITEMS, [RESULTS[it["id"]] for it in ITEMS])
    assert aligned == aggregate(ITEMS, RESULTS)
    partial = aggregate(ITEMS, {k: v for k, v in RESULTS.items() if k != "a1"})
    assert partial["false_refusal_rate"] == pytest.approx(2 / 3)  # a missing result = refusal
    assert partial["key_fact_accuracy"] == 0.0
    with pytest.raises(ValueError):
        aggregate(ITEMS, [RESULTS["a1"]])


def test_aggregate_false_premise_must_not_be_refused() -> None:
    items = [ITEMS[1]]
    refused_but_correct = _res("其实是 2006 年，但我无法回答。", True, [], [], 1)
    assert aggregate(items, [refused_but_correct])["false_premise_ok"] == 0.0
    corrected = _res("不是 2008 年，报告写的是 2006 年[1]。", False, [], [], 1)
    assert aggregate(items, [corrected])["false_premise_ok"] == 1.0


def test_answers_are_counted_per_strategy_with_their_key_fact_accuracy() -> None:
    strategy = {"a1": "sentences", "a2": "sentences", "a3": "refusal", "u1": "refusal"}
    results = {k: {**v, "strategy": strategy.get(k, "")} for k, v in RESULTS.items()}
    table = by_strategy(ITEMS, results)
    assert list(table) == ["sentences", "refusal", NO_STRATEGY]  # first seen first
    assert table["sentences"] == {"n_items": 2, "n_answerable": 2, "key_fact_accuracy": 0.5}
    assert table["refusal"]["n_items"] == 2 and table["refusal"]["n_answerable"] == 1
    assert table["refusal"]["key_fact_accuracy"] == 0.0  # a refused answerable item fails
    assert math.isnan(table[NO_STRATEGY]["key_fact_accuracy"])  # u2: nothing answerable
    markdown = format_strategy_table(table)
    assert "| sentences | 2 | 2 | 0.500 |" in markdown
    assert "| refusal | 2 | 1 | 0.000 |" in markdown
    assert f"| {NO_STRATEGY} | 1 | 0 | — |" in markdown


def test_aggregate_empty_denominators_are_nan() -> None:
    m = aggregate([ITEMS[3]], [RESULTS["u1"]])
    assert math.isnan(m["hit_at_1"]) and math.isnan(m["key_fact_accuracy"])
    assert m["citations_verified"] == 1.0  # vacuous; cited_share exposes it
    assert m["refusal_rate"] == 1.0


def test_percentile() -> None:
    assert percentile([5, 1, 3], 50) == 3
    assert percentile([1, 2], 50) == 1.5
    assert math.isnan(percentile([], 50))


# ------------------------------------------------------------ reporting


def test_format_table_systems_as_columns() -> None:
    table = format_table(
        {
            "bm25-baseline": {"hit_at_1": 0.5},
            "reportqa": {"hit_at_1": 0.875, "latency_p50_ms": 1234.4},
        }
    )
    lines = table.strip().splitlines()
    assert lines[0] == "| metric | reportqa | bm25-baseline |"
    assert lines[1].startswith("| --- |")
    assert "| hit_at_1 | 0.875 | 0.500 |" in lines
    assert "| latency_p50_ms | 1234 | — |" in lines


def test_check_thresholds() -> None:
    th = {"hit_at_1": 0.8, "false_refusal_rate_max": 0.05, "mrr": 0.5, "nested": {"x": 1}}
    good = {"hit_at_1": 0.9, "false_refusal_rate": 0.0, "mrr": 0.5}
    assert check_thresholds(good, th) == []
    bad = {"hit_at_1": 0.7, "false_refusal_rate": 0.1, "mrr": float("nan")}
    fails = check_thresholds(bad, th)
    assert len(fails) == 3
    assert any(f.startswith("hit_at_1") for f in fails)
    assert any(f.startswith("false_refusal_rate") and "max" in f for f in fails)
    assert any(f.startswith("mrr") and "missing" in f for f in fails)
    assert check_thresholds({}, {"hit_at_5": 0.95}) == ["hit_at_5: missing (threshold >= 0.95)"]


def test_thresholds_file_matches_aggregate_metrics() -> None:
    data = tomllib.loads(THRESHOLDS.read_text(encoding="utf-8"))
    # The seed's gate is the top level; tables ([library]) belong to other gates.
    th = {k: v for k, v in data.items() if not isinstance(v, dict)}
    assert isinstance(data.get("library"), dict)
    # Every gate value is a probability; ceilings end in _max.
    assert all(0.0 < v <= 1.0 for v in th.values()) and "false_refusal_rate_max" in th
    names = {k.removesuffix("_max") for k in th}
    assert names <= set(aggregate(ITEMS, RESULTS))
    failures = check_thresholds(aggregate(ITEMS, RESULTS), th)
    assert any(f.startswith("key_fact_accuracy") for f in failures)


def test_list_failures_reasons() -> None:
    fails = {f["id"]: f for f in list_failures(ITEMS, RESULTS)}
    assert set(fails) == {"a2", "a3", "u2"}
    assert "missing key facts" in fails["a2"]["why"]
    assert "unverified citation" in fails["a2"]["why"]
    assert fails["a2"]["missing"] == [["2006"]]
    assert "refused an answerable question" in fails["a3"]["why"]
    assert any("evidence not retrieved" in w for w in fails["a3"]["why"])
    assert "answered an unanswerable question" in fails["u2"]["why"]
    assert fails["a2"]["answer"] == "是 2008 年。" and fails["a2"]["evidence_rank"] == 1
    assert fails["u2"]["missing"] == [] and fails["u2"]["refused"] is False


def test_section_numbers_of_every_heading_style() -> None:
    assert section_number("三、政策性科技保险取得新进展") == 3
    assert section_number("第十二章 结论") == 12
    assert section_number("3 中国制造业") == section_number("3中国制造业") == 3
    assert section_number("３．１ 方法") == 3  # full width, a flattened sub-heading
    assert section_number("10 结语") == 10
    # Years, shares and titles that start with a figure are not headings.
    assert section_number("2025 科技保险发展分析报告") is None
    assert section_number("2018年回顾") is None
    assert section_number("5%的增长") is None
    assert section_number("（一）背景") is None
    assert section_number("封面及摘要") is None


def test_expected_section_for_library_items() -> None:
    assert cites_expected_section("3", [_cit("3 中国的产业 › 3.1 现状")])
    assert cites_expected_section("3", [_cit("3中国的产业")])
    assert cites_expected_section("3", [_cit("三、产业")])
    assert not cites_expected_section("3", [_cit("30 附录")])
    assert not cites_expected_section("1", [_cit("10 结语")])
    assert not cites_expected_section("2", [_cit("1 引言 › 2 方法")])  # only the top level
    assert cites_expected_section("摘要", [_cit("封面及摘要 › 摘要", page=None)])
    assert not cites_expected_section("摘要", [_cit("2 方法")])
    assert cites_expected_section("前置", [_cit("封面及摘要", page=1)])
    assert cites_expected_section("引言", [_cit("某某研究", page=2)])
    assert not cites_expected_section("引言", [_cit("2 方法", page=2)])
    assert not cites_expected_section("引言", [_cit("封面及摘要 › 摘要", page=1)])


def test_absence_claims_name_the_terms() -> None:
    refusal = "报告中没有提到科技保险、保费的相关信息。"
    assert absence_claims(refusal) == ["科技保险", "保费"]
    assert absence_claims("2015 年[1]。报告里并未提及 火星保险。") == ["火星保险"]
    assert absence_claims("报告中没有提到这个问题的答案。") == []
    assert absence_claims("报告中没有找到能直接回答这个问题的内容。") == []
    assert absence_claims("保费为 99 亿元[1]。") == []


def test_false_absence_terms_compare_normalised_text() -> None:
    text = "科技 保险的ＣＲＩＳＰＲ保费\n为 99 亿元"
    answer = "报告中没有提到科技保险、crispr、火星、亿元的相关信息。"
    assert false_absence_terms(answer, [text]) == ["科技保险", "crispr", "亿元"]
    # Chunk by chunk: a term split across two chunks is not in either.
    assert false_absence_terms(answer, ["科技", "保险的CRISPR"]) == ["crispr"]
    assert false_absence_terms("报告中没有提到火星的相关信息。", [text]) == []
    assert false_absence_terms("保费为 99 亿元[1]。", [text]) == []
