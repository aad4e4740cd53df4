"""「还有呢」「第一条」「当时」: follow-ups that go on from, point into, or date by the last answer.

`decide_followup` is driven with the whitespace tokenizer of `test_conversation_followup`;
the continuation is checked through `draft_answer` over small fake chunks.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rag.evidence import ScoringSettings
from rag.extractive import draft_answer
from rag.followup import decide_followup, list_items
from rag.types import Chunk, FollowUp, Retrieved, Turn
from tests.questions import packaged_lexicon, question_of
from tests.test_conversation_followup import _tagged

LEXICON = packaged_lexicon()


def _decide(question: str, history: list[Turn]) -> Any:
    return decide_followup(question, history, _tagged, LEXICON)


def _chunk(text: str, n: int = 1) -> Chunk:
    return Chunk(
        id=f"c{n}",
        text=text,
        source="r.txt",
        title="报告",
        section_path=("二、",),
        page_start=1,
        page_end=1,
        position=n,
    )


def _draft(question: str, followup: FollowUp, *chunks: Chunk) -> list[str]:
    asked = replace(question_of(question), followup=followup)
    retrieved = [Retrieved(c, 1.0, n) for n, c in enumerate(chunks, start=1)]
    draft = draft_answer(asked, retrieved, lambda t: 1.0, ScoringSettings(), LEXICON)
    assert not draft.refused
    return [s.text for s in draft.sentences]


# ---------------------------------------------------------------------- more

RANKINGS = [
    Turn("user", "CRISPR 入选 过 几次 年度 突破？"),
    Turn("assistant", "三次[1]。CRISPR三次入选年度十大突破[1]。"),
]


def test_more_goes_on_from_what_the_last_answer_showed() -> None:
    decided = _decide("还有呢？", RANKINGS)
    assert decided.kind == "more" and decided.resolved == RANKINGS[0].content
    assert "CRISPR三次入选年度十大突破。" in decided.follows
    assert decided.already_given  # 「还有呢」 does not say it again


def test_more_of_its_own_noun_is_kept_as_asked_and_still_goes_on() -> None:
    decided = _decide("还有 别的 榜单 吗？", RANKINGS)
    assert decided.kind == "more" and not decided.rewritten
    assert decided.follows and not decided.already_given


def test_elaborating_may_say_it_again() -> None:
    decided = _decide("具体说说？", RANKINGS)
    assert decided.kind == "more" and decided.follows and not decided.already_given


def test_the_answer_goes_on_with_the_sentences_after_the_last_one_shown() -> None:
    chunk = _chunk("CRISPR三次入选年度十大突破。此外它还登上了方法年度榜单。后来的事另说。")
    other = _chunk("年度突破的评选每年举行。", n=9)
    given = frozenset({"CRISPR三次入选年度十大突破。"})
    followup = FollowUp("more", "CRISPR 入选 年度 突破", True, (), given, tuple(given))
    sentences = _draft("CRISPR 入选 年度 突破", followup, other, chunk)
    assert "此外它还登上了方法年度榜单。" in sentences
    assert "CRISPR三次入选年度十大突破。" not in sentences


def test_going_on_crosses_into_the_next_chunk_and_answers_when_nothing_else_does() -> None:
    first = _chunk("甲项目建在北部。", n=1)
    second = _chunk("乙项目装机两百兆瓦。", n=2)
    given = frozenset({"甲项目建在北部。"})
    followup = FollowUp("more", "甲项目 建 在 哪", True, (), given, tuple(given))
    assert _draft("甲项目 建 在 哪", followup, first, second) == ["乙项目装机两百兆瓦。"]


def test_more_searches_with_the_names_the_last_answer_gave() -> None:
    history = [
        Turn("user", "哪家 机构 最早 推出 保险？"),
        Turn("assistant", "苏州 的 科惠保 最早 推出[1]。"),
    ]
    decided = _decide("还有呢？", history)
    assert decided.kind == "more" and decided.resolved == history[0].content
    assert "科惠保" in decided.context and "苏州" in decided.context


def test_more_with_nothing_new_says_the_reports_answer_again_rather_than_refuse() -> None:
    chunk = _chunk("甲项目建在北部。")
    given = frozenset({"甲项目建在北部。"})
    followup = FollowUp("more", "甲项目 建 在 哪", True, (), given, ())
    assert _draft("甲项目 建 在 哪", followup, chunk) == ["甲项目建在北部。"]


# ------------------------------------------------------------------- ordinal


def test_an_ordinal_counts_in_the_list_of_the_question_that_asked_for_that_kind() -> None:
    history = [
        Turn("user", "科技 保险 分 哪几个 阶段？"),
        Turn("assistant", "分为研发阶段、转化阶段和产业化阶段[1]。"),
        Turn("user", "第二个 阶段 有 哪些 险种？"),
        Turn("assistant", "包括中试保险、转化保险和履约保险[1]。"),
    ]
    decided = _decide("最后一个阶段呢？", history)
    assert decided.kind == "ordinal" and decided.resolved.startswith("产业化阶段")
    assert decided.follows == ("产业化阶段",)


def test_a_comma_before_the_joining_word_does_not_end_the_list() -> None:
    text = "研发方向可以归纳为精确度突破、安全性提高，以及新技术的开发。"
    assert list_items(text, (), LEXICON)[-1] == "新技术的开发"


def test_an_ordinal_item_is_answered_with_its_own_sentences_up_to_the_next_item() -> None:
    chunk = _chunk("一是加强平台建设。要共建实验室和转移中心。二是推进人才交流。")
    followup = FollowUp(
        "ordinal", "加强平台建设 具体 要 建 啥", True, (), frozenset(), ("加强平台建设",)
    )
    sentences = _draft("加强平台建设 具体 要 建 啥", followup, chunk)
    assert "要共建实验室和转移中心。" in sentences
    assert "二是推进人才交流。" not in sentences


# ------------------------------------------------------------------ temporal


def test_the_same_month_is_a_year_and_month_and_its_pronoun_the_last_subjects_name() -> None:
    history = [
        Turn("user", "监管总局 发 的 通知 支持 哪些 险种？"),
        Turn("assistant", "监管总局 2024 年 1 月 发布通知，支持研发保险[1]。"),
    ]
    decided = _decide("同一个月它还发了啥通知？", history)
    assert decided.kind == "temporal"
    assert decided.resolved.startswith("2024年1月监管总局") and "它" not in decided.resolved
    assert decided.already_given  # 「还」: another notice, not the same one
    plain = _decide("同一个月 发 了 啥 通知？", history)
    assert plain.kind == "temporal" and not plain.already_given


def test_another_thing_of_that_time_is_not_asked_about_the_last_subject() -> None:
    history = [
        Turn("user", "科惠保 哪年 推出 的？"),
        Turn("assistant", "科惠保 2002 年 推出[1]。"),
    ]
    decided = _decide("同一年 推出 的 还有 哪家？", history)
    assert decided.kind == "temporal" and decided.resolved.startswith("2002年")
    assert "科惠保" not in decided.resolved and "科惠保" not in decided.context
    assert decided.already_given  # the one just named is not the answer
    same = _decide("当时 覆盖 了 几家 企业？", history)
    assert same.kind == "temporal" and "科惠保" in same.resolved + " ".join(same.context)


def test_a_counted_ask_answered_by_one_sentence_takes_its_last_clauses_as_items() -> None:
    history = [
        Turn("user", "报告 有 哪两个 判断？"),
        Turn("assistant", "展望未来，政策性保险仍将发挥作用，商业性保险有望提速[1]。"),
    ]
    decided = _decide("后者主要在哪些领域？", history)
    assert decided.kind == "ordinal" and decided.resolved.startswith("商业性保险有望提速")


def test_a_table_row_given_as_an_answer_is_a_list() -> None:
    row = "研发阶段\t转化阶段\t应用阶段\t保护阶段"
    assert list_items(row, (), LEXICON) == ["研发阶段", "转化阶段", "应用阶段", "保护阶段"]


def test_then_is_the_year_the_last_question_named_before_any_the_answer_gave() -> None:
    history = [
        Turn("user", "2018年 全球 市场 有 多大？"),
        Turn("assistant", "由 2017 年的 40.5 亿美元升至 2021 年的 77.3 亿美元[1]。"),
    ]
    decided = _decide("当时 哪家 公司 领先？", history)
    assert decided.kind == "temporal" and "2018年" in decided.resolved
    assert "2017" not in decided.resolved


# ------------------------------------------------------------------ lists in longer answers


def test_the_first_sentence_with_a_list_wins_over_a_longer_list_kept_after_it() -> None:
    text = "分为研发保险和中试保险两大类。另外甲方、乙方、丙方和丁方也参与。"
    assert list_items(text, (), LEXICON) == ["研发保险", "中试保险"]


def test_a_long_first_item_is_read_after_the_asking_questions_words() -> None:
    text = "迄今开发的三代位点特异性编辑工具甲核酸酶、乙核酸酶和丙重复序列。"
    asked = "三代编辑工具都有哪些"
    assert list_items(text, (), LEXICON, asked) == ["甲核酸酶", "乙核酸酶", "丙重复序列"]
    assert list_items(text, (), LEXICON) == []  # unasked, the first item is too long


def test_the_asking_questions_closing_verb_is_not_part_of_the_last_item() -> None:
    text = "太阳能、水能以及生物燃料构成。"
    assert list_items(text, (), LEXICON, "能源主要由哪些构成？") == ["太阳能", "水能", "生物燃料"]
    assert list_items(text, (), LEXICON)[-1] == "生物燃料构成"
    alike = "包括研发保险、中试保险和产权保险。"
    assert list_items(alike, (), LEXICON, "有哪些保险？")[-1] == "产权保险"


def test_a_figure_opening_the_last_item_is_its_own() -> None:
    text = "包括3GW的风能电厂和9GW的水力电厂。"
    assert list_items(text, (), LEXICON) == ["3GW的风能电厂", "9GW的水力电厂"]


def test_a_decimal_figure_is_not_taken_for_an_item_number() -> None:
    # 「1.9GW」 opens with 「1.」 like an item number 「1. …」; the digit after the point
    # makes it a decimal, kept whole wherever the item stands.
    text = "包括3GW的风能电厂和1.9GW的水力电厂。"
    assert list_items(text, (), LEXICON) == ["3GW的风能电厂", "1.9GW的水力电厂"]
    marked = "1. 风能电厂建设。\n2. 水力电厂建设。"
    assert list_items(marked, (), LEXICON) == ["风能电厂建设", "水力电厂建设"]


def test_an_ordinal_reads_the_asked_lists_first_sentence_in_a_longer_answer() -> None:
    history = [
        Turn("user", "这些 设施 包括 哪几类？"),
        Turn(
            "assistant",
            "包括3GW的风能电厂和9GW的水力电厂[1]。为推动能源的利用和推广，颁布了法律[2]。",
        ),
    ]
    decided = _decide("最后一类是啥电站？", history)
    assert decided.kind == "ordinal" and decided.resolved.startswith("9GW的水力电厂")


# ------------------------------------------------------------- on the same thing

CHAIN = [
    Turn("user", "产业链 上游 主要 是 谁？"),
    Turn("assistant", "产业链上游是高校和研究机构；中游是产品和服务供应商，提供试剂开发[1]。"),
]


def test_a_turn_asking_on_about_the_same_thing_carries_what_the_last_answer_cited() -> None:
    decided = _decide("中游呢？", CHAIN)
    assert decided.kind == "na_ne"
    assert any("中游是产品和服务供应商" in c for c in decided.cited)
    # 「还有呢？」 goes on past what was cited; a standalone question carries nothing.
    assert _decide("还有呢？", CHAIN).cited == ()
    assert _decide("专利 申请 机构 有 哪些 类型？", CHAIN).cited == ()


def test_a_unit_the_last_answer_cited_wins_a_close_call() -> None:
    elsewhere = _chunk("我国相关企业多处于产业链的中游，以技术服务为主。", 1)
    quoted = _chunk("产业链上游是高校和研究机构；中游是产品和服务供应商，提供试剂开发。", 2)
    asked = "产业链 中游 主要 是 谁"
    assert _draft(asked, FollowUp("na_ne", asked, True), elsewhere, quoted)[0].startswith("我国")
    cited = FollowUp("na_ne", asked, True, cited=(quoted.text,))
    assert _draft(asked, cited, elsewhere, quoted)[0].startswith("产业链上游")
    # A short caption cited does not make every unit naming its words cited.
    caption = FollowUp("na_ne", asked, True, cited=("产业链",))
    assert _draft(asked, caption, elsewhere, quoted)[0].startswith("我国")


POTENTIALS = [
    Turn("user", "表1 里 风能 的 技术 潜力 是 多少？"),
    Turn("assistant", "风能：技术潜力 0.64[1]。"),
    Turn("user", "水能 呢？"),
    Turn("assistant", "水能：技术潜力 0.39[1]。"),
]


def test_a_chain_of_na_ne_turns_puts_each_new_subject_where_the_last_one_stood() -> None:
    assert _decide("水能 呢？", POTENTIALS[:2]).resolved == "表1 里 水能 的 技术 潜力 是 多少？"
    decided = _decide("那 合计 呢？", POTENTIALS)
    assert decided.kind == "na_ne" and decided.resolved == "表1 里 合计 的 技术 潜力 是 多少？"


def test_na_ne_favours_only_what_the_last_answer_cited_about_its_new_subject() -> None:
    # The 水能 row is not about 合计: nothing is favoured.
    assert _decide("那 合计 呢？", POTENTIALS).cited == ()
    assert _decide("中游呢？", CHAIN).cited  # the passage on 上游 names 中游 too
