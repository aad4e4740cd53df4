"""`python -m evals.cmrc`: reading-comprehension paragraphs bound into pseudo-reports, each
question answerable or a near-miss by where its answer lies. The data here is invented."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.cmrc import (
    DATASETS_ENV,
    kept_length,
    load_cmrc,
    main,
    pseudo_reports,
    section_numeral,
)
from evals.common import EvalSetError

CONTEXT = (
    "东湖大桥位于甲城。大桥全长4.5公里，于2001年通车。"
    "桥上设有观景台，可以远眺湖面和群山。观景台由乙公司设计，造型独特。"
)


def _qa(qid: str, question: str, answer: str) -> dict[str, object]:
    return {
        "id": qid,
        "question": question,
        "answers": [{"text": answer, "answer_start": CONTEXT.index(answer)}],
    }


def _data(articles: int = 3) -> dict[str, object]:
    return {
        "data": [
            {
                "id": f"A{n}",
                "title": f"东湖大桥{n}",
                "paragraphs": [
                    {
                        "id": f"P{n}",
                        "context": CONTEXT,
                        "qas": [
                            _qa(f"Q{n}a", "东湖大桥全长多少？", "4.5公里"),
                            _qa(f"Q{n}b", "观景台由哪家公司设计？", "乙公司"),
                        ],
                    }
                ],
            }
            for n in range(1, articles + 1)
        ]
    }


def test_sections_are_numbered_as_a_report_numbers_its_parts() -> None:
    assert [section_numeral(n) for n in (1, 10, 11, 20, 37)] == [
        "一",
        "十",
        "十一",
        "二十",
        "三十七",
    ]


def test_a_paragraph_keeps_its_first_sentences_up_to_about_half() -> None:
    kept = CONTEXT[: kept_length(CONTEXT)]
    assert kept == "东湖大桥位于甲城。大桥全长4.5公里，于2001年通车。"
    assert kept_length("只有一句话。") == len("只有一句话。")


def test_an_answer_in_the_kept_sentences_is_answerable_one_beyond_them_a_near_miss() -> None:
    reports = pseudo_reports(_data(3), per_report=2)
    assert [r.name for r in reports] == ["cmrc_001", "cmrc_002"]
    first = reports[0]
    assert "一、东湖大桥1" in first.text and "二、东湖大桥2" in first.text
    assert "观景台" not in first.text  # the dropped sentences are not in the report
    kinds = {item["id"]: (item["type"], item["section"]) for item in first.items}
    assert kinds == {
        "Q1a": ("fact", "1"),
        "Q1b": ("unanswerable", "1"),
        "Q2a": ("fact", "2"),
        "Q2b": ("unanswerable", "2"),
    }
    answerable = next(i for i in first.items if i["id"] == "Q1a")
    assert answerable["must_include"] == [["4.5公里"]]
    assert answerable["evidence"] == "大桥全长4.5公里，于2001年通车。"
    # --skip leaves the first reports out; --reports caps how many are bound.
    assert [r.name for r in pseudo_reports(_data(3), per_report=2, skip=1)] == ["cmrc_002"]
    assert len(pseudo_reports(_data(3), per_report=1, count=2)) == 2


def test_a_near_miss_whose_answer_the_report_states_elsewhere_is_left_out() -> None:
    data = _data(1)
    paragraph = data["data"][0]["paragraphs"][0]  # type: ignore[index]
    paragraph["qas"].append(_qa("Q1c", "哪座城市有东湖大桥？", "甲城"))
    paragraph["qas"][-1]["answers"][0]["answer_start"] = 40  # an annotator's later mention
    items = pseudo_reports(data, per_report=1)[0].items
    assert "Q1c" not in {i["id"] for i in items}


def test_missing_data_is_a_clear_message_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(EvalSetError, match="未找到 CMRC 2018 数据"):
        load_cmrc(tmp_path)
    monkeypatch.setenv(DATASETS_ENV, str(tmp_path))
    assert main(["--reports", "1"]) == 2
    assert "未找到 CMRC 2018 数据" in capsys.readouterr().err
