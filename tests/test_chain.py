"""The answering chain, end to end on the real report with the real model and index
(`slow`), plus the chain's plumbing with fakes."""

from __future__ import annotations

from typing import Any

import pytest

from rag.chain import Answerer
from rag.context import Context, Scorers
from rag.followup import resolve_followup
from rag.question import (
    CARRIED_TERM_FACTOR,
    Cue,
    Language,
    Question,
    build_question,
    question_terms,
)
from rag.types import Answer, AnswerDelta, Chunk, Retrieved, Turn
from tests.questions import language, packaged_lexicon, question_of


def _context(cut: Any = lambda t: t.replace("？", " ").split()) -> Context:
    return Context(Language(packaged_lexicon(), cut=cut), Scorers(weight=lambda t: 1.0))


def _fake_answerer(chunks: list[Chunk]) -> Answerer:
    def retrieve(question: Question, report: str | None) -> list[Retrieved]:
        return [Retrieved(c, 1.0 / (i + 1), i + 1) for i, c in enumerate(chunks)]

    return Answerer(_context(), retrieve)


def _chunk(text: str) -> Chunk:
    return Chunk("c1", text, "r.txt", "报告", ("一、章节",), 1, 2, 0)


def test_stream_yields_text_then_the_final_answer() -> None:
    answerer = _fake_answerer([_chunk("早在 2015 年，三部门 启动 了 试点。")])
    events = list(answerer.stream("试点 哪一年 启动"))
    assert all(isinstance(e, AnswerDelta) for e in events[:-1]) and len(events) > 2
    final = events[-1]
    assert isinstance(final, Answer)
    assert "".join(e.text for e in events[:-1]) == final.text
    assert final.citations and all(c.verified for c in final.citations)


def test_unknown_report_filter_is_a_clear_message() -> None:
    answerer = _fake_answerer([_chunk("内容。")])
    answer = answerer.answer("问题 内容", report="../../etc/passwd")
    assert answer.refused and "没有这份报告" in answer.text


def test_retrieval_failure_becomes_a_message_not_an_exception() -> None:
    def broken(question: Question, report: str | None) -> list[Retrieved]:
        raise ConnectionError("chroma down")

    answerer = Answerer(_context(str.split), broken)
    answer = answerer.answer("任何 问题")
    assert answer.refused and "检索失败" in answer.text


def test_followup_carries_the_subject_and_the_ask() -> None:
    def analyse(q: str) -> Any:
        return question_terms(
            q, language(lambda t: t.replace("？", " ").replace("呢", " ").split())
        )

    history = [
        Turn("user", "深圳 方案 是 什么时候 推出 的？"),
        Turn("assistant", "2024 年 11 月。"),
    ]
    resolved, _ = resolve_followup("那 共保体 呢？", history, analyse, packaged_lexicon())
    assert "深圳" in resolved and "共保体" in resolved and "什么时候" in resolved


_PLACES = {"苏州", "北京", "深圳"}


def _tagged(q: str) -> Any:
    def cut(text: str) -> list[str]:
        return text.replace("？", " ").replace("呢", " ").split()

    def tag(text: str) -> list[tuple[str, str]]:
        return [(t, "ns" if t in _PLACES else "x" if t == "科惠保" else "n") for t in cut(text)]

    return question_terms(q, language(cut, tag))


def test_a_new_place_in_a_followup_replaces_the_old_one() -> None:
    history = [Turn("user", "苏州 科惠保 补贴 了 多少？"), Turn("assistant", "100% 保费补贴。")]
    resolved, _ = resolve_followup("那 北京 呢？", history, _tagged, packaged_lexicon())
    assert "北京" in resolved and "苏州" not in resolved and "补贴" in resolved
    # 苏州's own product goes with 苏州: Beijing's answer is not about 科惠保.
    assert "科惠保" not in resolved
    # Without a new place, the product is carried.
    again, _ = resolve_followup("那 保额 呢？", history, _tagged, packaged_lexicon())
    assert "科惠保" in again


def test_a_followup_without_a_subject_of_its_own_keeps_the_earlier_one() -> None:
    history = [Turn("user", "深圳 种子基金 有 多大？"), Turn("assistant", "20 亿元。")]
    question = "后来 跟 保险 怎么 挂钩 的？ 哪年 的 事"
    resolved, _ = resolve_followup(question, history, _tagged, packaged_lexicon())
    assert resolved.startswith("深圳") and "挂钩" in resolved


def test_terms_carried_into_a_followup_count_less() -> None:
    answerer = _fake_answerer([])
    history = [Turn("user", "深圳 方案 是 什么时候 推出 的？"), Turn("assistant", "2024 年。")]
    analysis = build_question(
        "那 共保体 遴选 呢？",
        history,
        None,
        answerer.context,
        rewrite=lambda question, history: "深圳 方案 共保体 遴选 呢？",
    )
    assert analysis.term_texts == ("深圳", "方案", "共保体", "遴选")
    factors = {t.text: t.weight_factor for t in analysis.terms}
    assert factors["深圳"] == factors["方案"] == CARRIED_TERM_FACTOR
    assert factors["共保体"] == factors["遴选"] == 1.0
    assert analysis.carried == ("深圳", "方案")
    # A question that was not rewritten keeps its weights.
    plain = build_question("深圳 方案", (), None, answerer.context)
    assert {t.text: t.weight_factor for t in plain.terms}["深圳"] == 1.0


def test_the_asks_of_a_question_leave_its_noise_out() -> None:
    from rag.textnorm import normalise_question

    lexicon = packaged_lexicon()
    language = Language(
        lexicon,
        cut=lambda t: t.replace("？", " ").split(),
        normalise=lambda text: normalise_question(text, lexicon),
    )
    context = Context(language, Scorers(weight=lambda t: 1.0))
    plain = build_question("深圳方案是哪年推出的？共保体有几家？", (), None, context)
    noisy = build_question(
        "我在写材料，想确认下：深圳方案是哪年推出的？共保体有几家？谢谢！", (), None, context
    )
    assert len(plain.asks.parts) == 2
    assert noisy.asks == plain.asks


@pytest.mark.slow
def test_date_question_cites_section_and_page(real_answerer: Any) -> None:
    answer = real_answerer.answer("首台（套）装备保险补偿的试点最早是在哪一年？")
    assert not answer.refused and answer.text.startswith("2015")
    cited = answer.citations[0]
    assert (
        cited.verified
        and cited.section_path[0].startswith("三、")
        and cited.page_label == "第4–6页"
    )
    assert cited.quote in next(
        r.chunk.text for r in answer.retrieved if r.chunk.id == cited.chunk_id
    )


@pytest.mark.slow
def test_figure_question(real_answerer: Any) -> None:
    answer = real_answerer.answer("在苏州高新区，科惠保一共覆盖了几家科技企业？")
    assert "35" in answer.text and not answer.refused


@pytest.mark.slow
def test_two_asks_in_different_parts_are_both_answered(real_answerer: Any) -> None:
    answer = real_answerer.answer("苏州科惠保给多少家企业保了网络安全险？致谢里谢了浙江哪个部门？")
    assert not answer.refused
    assert "35" in answer.text and "浙江省科技厅成果处" in answer.text
    assert {c.section_path[0][:2] for c in answer.citations} >= {"三、", "致谢"}
    assert all(c.verified for c in answer.citations)


@pytest.mark.slow
def test_an_enumeration_answer_shows_every_passage_it_quotes_first(real_answerer: Any) -> None:
    answer = real_answerer.answer("科技保险产品体系有啥特点")
    assert "一是" in answer.text and "四是" in answer.text
    cited = list(dict.fromkeys(c.chunk_id for c in answer.citations))
    assert len(cited) >= 2
    assert [r.chunk.id for r in answer.retrieved[: len(cited)]] == cited


@pytest.mark.slow
def test_a_table_count_is_read_off_the_table_and_checked(real_answerer: Any) -> None:
    answer = real_answerer.answer("表1总共收录了几条政策？")
    assert not answer.refused and "共列出 12 条" in answer.text
    assert len(answer.citations) == 12 and all(c.verified for c in answer.citations)
    latest = real_answerer.answer("表1里最新的那份文件是哪几个部门发的？")
    assert "2026 年 2 月" in latest.text and "国家知识产权局" in latest.text


@pytest.mark.slow
def test_a_gap_question_gets_both_dates_and_the_gap(real_answerer: Any) -> None:
    answer = real_answerer.answer("从首次提出科技保险概念到首台套保险补偿试点，中间隔了几年？")
    assert "2006" in answer.text and "2015" in answer.text and "相隔 9 年" in answer.text
    assert all(c.verified for c in answer.citations)


@pytest.mark.slow
def test_unanswerable_near_miss_is_refused_with_related_passages(real_answerer: Any) -> None:
    answer = real_answerer.answer("人保在杭州那个评估中心每年能做多少单鉴证评估？")
    assert answer.refused and answer.text.startswith("报告中没有找到")
    assert not answer.citations and answer.retrieved


@pytest.mark.slow
def test_a_why_question_the_report_only_restates_is_refused(real_answerer: Any) -> None:
    # The report gives the fund's size, never why it is that size.
    restated = real_answerer.answer("深圳那个种子基金的规模为什么是20亿元？")
    assert restated.refused
    # It says that no reason was found, and shows the passage that states the size first.
    assert restated.text == "报告中没有找到说明原因的内容。"
    assert "种子基金" in restated.retrieved[0].chunk.text
    # What a fund is for is answered, though the report marks it with no 因为 or 为了.
    purpose = real_answerer.answer("深圳为什么要设立20亿元的科技创新种子基金？")
    assert not purpose.refused and "种子基金" in purpose.text


@pytest.mark.slow
def test_a_place_of_a_kind_the_report_never_names_is_refused(real_answerer: Any) -> None:
    # The report says who started the pilots and when, never in which province.
    unnamed = real_answerer.answer("首台套保险补偿机制试点最早是在哪个省开展的？")
    assert unnamed.refused
    named = real_answerer.answer("哪些城市的地方政府加大了科技保险的保费补贴？")
    assert not named.refused and "深圳" in named.text


@pytest.mark.slow
def test_false_premise_states_what_the_report_says(real_answerer: Any) -> None:
    answer = real_answerer.answer("首台套保险补偿试点是2018年才开始的吧？")
    assert not answer.refused and "2015" in answer.text


@pytest.mark.slow
def test_traditional_chinese_is_normalised(real_answerer: Any) -> None:
    answer = real_answerer.answer("首台套保險補償機制是哪一年開始試點的？")
    assert "2015" in answer.text


@pytest.mark.slow
def test_followup_is_resolved_and_shown(real_answerer: Any) -> None:
    history = [
        Turn("user", "深圳的种子基金风险补偿方案哪年推出的？"),
        Turn("assistant", "2024 年 11 月。"),
    ]
    answer = real_answerer.answer("那共保体遴选呢？", history)
    assert answer.resolved_question != answer.question and "深圳" in answer.resolved_question
    assert "2025 年 10 月" in answer.text


def test_unreachable_llm_is_reported_in_the_status_without_the_key() -> None:
    from rag.chain import llm_probe
    from rag.settings import LLMSettings
    from tests.conftest import free_port

    settings = LLMSettings(
        base_url=f"http://127.0.0.1:{free_port()}/v1", model="m", api_key="sk-test-SECRET-123"
    )
    answerer = Answerer(_context(str.split), lambda q, r: [], llm_probe=llm_probe(settings))
    status = answerer.status()
    assert not status.ok and "REPORTQA_LLM_BASE_URL" in status.problems[0]
    assert "SECRET" not in " ".join(status.problems)


@pytest.mark.slow
def test_outline_question_lists_the_toc_and_cites_it(real_answerer: Any) -> None:
    answer = real_answerer.answer("这报告正文分了几大块？")
    assert not answer.refused and "四部分" in answer.text and "总结和展望（第 7 页）" in answer.text
    assert [c.section_path for c in answer.citations] == [("目录",)]
    assert answer.retrieved[0].chunk.section_path == ("目录",)  # the TOC heads the sources
    assert all(c.verified for c in answer.citations)


@pytest.mark.slow
def test_reranked_sources_keep_their_first_stage_rank(real_answerer: Any) -> None:
    answer = real_answerer.answer("首台（套）装备保险补偿的试点最早是在哪一年？")
    ranks = [r.rank for r in answer.retrieved]
    assert ranks == list(range(1, len(ranks) + 1))
    assert sorted(r.first_rank for r in answer.retrieved) == ranks


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "招商银行在科技保险方面做了哪些事？",  # an organisation the report never names
        "银保科技e贷是跟哪家银行一起推出的？",  # the report says only 「大型国有商业银行」
    ],
)
def test_unnamed_or_unknown_organisations_are_refused(real_answerer: Any, question: str) -> None:
    answer = real_answerer.answer(question)
    assert answer.refused and answer.text.startswith("报告中没有找到"), answer.text


@pytest.mark.slow
def test_a_named_insurer_is_answered(real_answerer: Any) -> None:
    answer = real_answerer.answer("中试综合保险是哪家保险公司开发的？")
    assert not answer.refused and "人保财险" in answer.text


@pytest.mark.slow
def test_a_summary_question_gets_the_whole_enumeration(real_answerer: Any) -> None:
    answer = real_answerer.answer("2025年政策性科技保险的新进展能归纳成哪几点？")
    assert not answer.refused
    for item in ("一是", "二是", "三是", "四是", "中试", "普惠", "协同"):
        assert item in answer.text, answer.text
    assert all(c.verified for c in answer.citations)


@pytest.mark.slow
def test_a_grid_label_question_is_answered_from_the_real_grid(real_answerer: Any) -> None:
    answer = real_answerer.answer("产品体系里的服务内容都有哪些？")
    assert not answer.refused
    for item in ("风险保障", "风险评估", "综合金融", "风险救助", "产业协同"):
        assert item in answer.text, answer.text
    assert all(c.verified for c in answer.citations)
    assert answer.retrieved[0].chunk.kind == "table_row"  # the quoted row heads the sources


@pytest.mark.slow
def test_a_grid_sub_heading_question_reads_its_own_cells(real_answerer: Any) -> None:
    # 创业与科研人员 heads cells halfway down the grid, not the first header row's column.
    answer = real_answerer.answer("在那张产品体系的框架图里，创业和科研人员能买哪些险？")
    assert not answer.refused
    assert "人才创业险" in answer.text and "科技创业人才团体意外险" in answer.text, answer.text
    assert "专精特新" not in answer.text
    assert answer.citations and all(c.verified for c in answer.citations)


@pytest.mark.slow
def test_a_grid_cell_question_is_answered_with_its_real_heading(real_answerer: Any) -> None:
    answer = real_answerer.answer("产品体系那张图里，首版次软件综合保险放在哪个阶段？")
    assert not answer.refused
    assert "科技成果应用阶段" in answer.text, answer.text
    assert answer.citations and all(c.verified for c in answer.citations)


@pytest.mark.slow
def test_a_follow_up_asks_its_own_kind_of_question(real_answerer: Any) -> None:
    # The earlier question asked a date; the follow-up asks a size.
    history = [
        Turn("user", "深圳的科技创新种子基金是什么时候设立的？"),
        Turn("assistant", "2023 年。"),
    ]
    answer = real_answerer.answer("规模多大？", history=history)
    assert not answer.refused, answer.text
    assert "20 亿元" in answer.text, answer.text
    assert answer.text.startswith("20 亿元"), answer.text  # led by the size, not the year


@pytest.mark.slow
def test_a_figure_in_the_next_sentence_of_the_real_case_answers(real_answerer: Any) -> None:
    # The best sentence names the product; the level is in the sentence after it.
    answer = real_answerer.answer(
        "人保财险广东推的技术研发应用综合保险，技术就绪度得几级以上才能买中试验证失败险？"
    )
    assert not answer.refused, answer.text
    assert "5 级" in answer.text, answer.text
    assert all(c.verified for c in answer.citations)


@pytest.mark.slow
def test_a_cover_sum_does_not_answer_what_was_spent_on_premiums(real_answerer: Any) -> None:
    # The report gives 1050 万元 of cover and a 100% premium subsidy, not a premium sum.
    answer = real_answerer.answer("苏州高新区那批网络安全保险，政府总共花了多少钱的保费？")
    assert answer.refused, answer.text


@pytest.mark.slow
def test_a_publication_question_quotes_the_real_front_matter(real_answerer: Any) -> None:
    answer = real_answerer.answer("这份报告的执笔人有谁？")
    assert not answer.refused and "阎建军" in answer.text and "邱剑" in answer.text
    assert answer.citations and all(c.verified for c in answer.citations)


def test_a_second_question_after_the_first_is_recognised() -> None:
    def asks_twice(text: str) -> bool:
        return question_of(text).has(Cue.SECOND_ASK)

    assert asks_twice("科惠保归在哪类主体下面？哪个地方落地过项目？")
    assert not asks_twice("科惠保归在哪类主体下面？")
    assert not asks_twice("科惠保归在哪类主体下面??")


def test_a_standalone_question_stays_standalone_in_a_conversation() -> None:
    history = [Turn("user", "苏州 科惠保 补贴 了 多少？"), Turn("assistant", "100% 保费补贴。")]
    lexicon = packaged_lexicon()
    for question in (
        "中小微 科技 企业 贡献 了 多大 比例 的 技术 创新 成果？",  # a question of its own
        "这份 报告 是 哪家 机构 做 的？",  # about the report itself
        "表2 最后 服务内容 那一栏 列 了 哪五项？",  # names a table
        "2015年 我国 进口 了 多少 铁矿石？",  # a year of its own
        "那 人体 临床试验 是 谁 来 审核 的？",  # 「那」 opening its own question
    ):
        resolved, _ = resolve_followup(question, history, _tagged, lexicon)
        assert resolved == question, resolved


def test_a_pointer_back_makes_a_followup_whatever_its_length() -> None:
    history = [Turn("user", "深圳 种子基金 有 多大？"), Turn("assistant", "20 亿元。")]
    question = "它 后来 是 怎么 跟 保险 结合 起来 的？"
    resolved, _ = resolve_followup(question, history, _tagged, packaged_lexicon())
    assert "深圳" in resolved and "结合" in resolved


@pytest.mark.slow
def test_a_part_described_in_the_askers_words_is_outlined(real_answerer: Any) -> None:
    # The asker's words are not the heading's: the part is found by its outline (its
    # heading and the heads of its points).
    answer = real_answerer.answer("讲首台套和中试这些政策性险种最新动向的那部分，分了哪几个方面？")
    assert not answer.refused and "第一" in answer.text and "第四" in answer.text
    assert {c.section_path[0] for c in answer.citations} == {"三、政策性科技保险取得新进展"}


@pytest.mark.slow
def test_what_the_whole_report_is_about_ends_with_its_outline(real_answerer: Any) -> None:
    # 「这篇讲…的报告」: the report named with its topic in between is the whole report.
    answer = real_answerer.answer("这篇讲科技保险发展的报告主要讲了些啥？")
    assert answer.strategy == "conclusion" and not answer.refused
    assert "报告正文分为四部分：一、对科技保险的政策支持不断加强" in answer.text
    assert all(c.verified for c in answer.citations)
