"""Questions with two asks: each later ask is answered on its own and appended."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rag.asks import AnswerFn, answer_each_ask, merge_answers
from rag.lexicon import Lexicon
from rag.question import span_asks, split_asks
from rag.types import Answer, AnswerSentence, Citation, Turn
from tests.questions import packaged_lexicon, question_of, tagger

LEXICON = packaged_lexicon()


def _each(question: str, history: Sequence[Turn], answer: AnswerFn) -> Answer:
    """The whole question answered, then each of its asks (as the chain does)."""
    whole = answer(question, history)
    return answer_each_ask(question_of(question), history, whole, answer, LEXICON)


def _citation(n: int, chunk_id: str, quote: str) -> Citation:
    return Citation(
        n=n,
        title="t",
        section_path=("三、政策性科技保险取得新进展",),
        page_start=4,
        page_end=4,
        quote=quote,
        chunk_id=chunk_id,
        source="r.txt",
        verified=True,
    )


def _refusing_unless(*scripts: tuple[str | tuple[str, ...], str, str]) -> AnswerFn:
    """An answerer giving each script's answer (text, chunk id) to a question that starts with
    its prefix, and refusing every other question."""

    def answer(question: str, history: Sequence[Turn]) -> Answer:
        for starts, text, chunk_id in scripts:
            if question.startswith(starts):
                return _answer(text, chunk_id)
        return _answer("报告中没有找到能直接回答这个问题的内容。", "", refused=True)

    return answer


def _answer(text: str, chunk_id: str, refused: bool = False) -> Answer:
    if refused:
        return Answer(question="q", resolved_question="q", text=text, refused=True, mode="m")
    return Answer(
        question="q",
        resolved_question="q",
        text=f"{text}[1]",
        refused=False,
        mode="extractive",
        citations=(_citation(1, chunk_id, text),),
        sentences=(AnswerSentence(text, (1,)),),
        timings_ms={"total": 10.0},
    )


def _extra(citations: tuple[Citation, ...], sentences: tuple[AnswerSentence, ...]) -> Answer:
    """A later ask's answer, as its sentences and citations."""
    return Answer(
        question="q",
        resolved_question="q",
        text="",
        refused=False,
        mode="extractive",
        citations=citations,
        sentences=sentences,
    )


def test_split_asks_at_question_marks_and_ignores_tags() -> None:
    assert split_asks("海淀的政策是哪个月出的？致谢里谢了海淀哪个部门") == (
        "海淀的政策是哪个月出的？",
        "致谢里谢了海淀哪个部门？",
    )
    one = "首台套试点是哪年开始的？是吗？"
    assert split_asks(one) == (one,)  # 「是吗」 is a tag, not a second ask
    assert split_asks("科惠保保了几家企业？") == ("科惠保保了几家企业？",)


def test_split_asks_at_commas_when_each_clause_asks(lexicon: Lexicon) -> None:
    asking = lexicon.patterns.question_word
    assert split_asks("国内首家基因编辑公司是哪家，它是哪年成立的？", asking) == (
        "国内首家基因编辑公司是哪家？",
        "它是哪年成立的？",
    )
    # A clause that asks nothing sets the scene for the ask after it.
    assert split_asks("我在写材料，首家公司是哪家，它是哪年成立的", asking) == (
        "我在写材料，首家公司是哪家？",
        "它是哪年成立的？",
    )
    one = "寿险占大头，具体占比多少？"
    assert split_asks(one, asking) == (one,)
    # Without the question words, only question marks split.
    assert split_asks("首家公司是哪家，它是哪年成立的？") == ("首家公司是哪家，它是哪年成立的？",)


def test_a_later_ask_found_elsewhere_is_appended_with_its_own_citation() -> None:
    calls: list[tuple[str, tuple[Turn, ...]]] = []

    def answer(question: str, history: Sequence[Turn]) -> Answer:
        calls.append((question, tuple(history)))
        if question.startswith("致谢"):
            return _answer("感谢北京市海淀区地方金融管理局。", "thanks")
        return _answer("海淀区政府于 2025 年 9 月颁布政策。", "haidian")

    result = _each("海淀的政策哪个月出的？致谢里谢了海淀哪个部门？", [], answer)
    assert (
        result.text == "海淀区政府于 2025 年 9 月颁布政策[1]。感谢北京市海淀区地方金融管理局[2]。"
    )
    assert [c.chunk_id for c in result.citations] == ["haidian", "thanks"]
    assert [c.n for c in result.citations] == [1, 2]
    # The later ask is asked as a follow-up of the first, so 「它」「那个」 resolve.
    assert calls[-1][1][0] == Turn("user", "海淀的政策哪个月出的？")
    assert result.timings_ms["total"] == 20.0


def test_a_later_ask_answered_by_the_same_passage_adds_nothing() -> None:
    def answer(question: str, history: Sequence[Turn]) -> Answer:
        return _answer("2015 年，财政部、工信部启动试点。", "shoutao")

    whole = _answer("2015 年，财政部、工信部启动试点。", "shoutao")
    result = _each("试点哪年开始的？牵头的是哪几家？", [], answer)
    assert result.text == whole.text and len(result.citations) == 1


def test_a_refused_whole_question_falls_back_to_its_asks() -> None:
    def answer(question: str, history: Sequence[Turn]) -> Answer:
        if "？" in question.rstrip("？"):
            return _answer("报告中没有提到种子基金方案。", "", refused=True)
        if question.startswith("深圳"):
            return _answer("方案已于 2025 年 10 月启动共保体遴选。", "shenzhen")
        return _answer("报告中没有提到保费收入。", "", refused=True)

    result = _each("深圳种子基金共保体遴选啥时候启动？全国保费收入多少？", [], answer)
    assert not result.refused and result.text.startswith("方案已于 2025 年 10 月")
    assert result.question == "q"  # the whole question's, not the ask's

    def refuse(question: str, history: Sequence[Turn]) -> Answer:
        return _answer("报告中没有提到。", "", refused=True)

    assert _each("全国保费收入多少？同比涨了多少？", [], refuse).refused


def test_merge_keeps_one_citation_per_new_passage() -> None:
    first = _answer("甲公司推出了中试保险。", "a")
    extra = _extra(
        (_citation(1, "a", "甲公司推出了中试保险。"), _citation(2, "b", "乙。")),
        (
            AnswerSentence("甲公司推出了中试保险。", (1,)),  # already said
            AnswerSentence("乙公司在杭州设立中心。", (2,)),
            AnswerSentence("乙中心借助专家库。", (2,)),
        ),
    )
    merged = merge_answers(first, extra)
    assert [s.citations for s in merged.sentences] == [(1,), (2,), (2,)]
    assert [c.chunk_id for c in merged.citations] == ["a", "b"]


def test_a_later_ask_answered_by_another_sentence_of_a_cited_passage_adds_it() -> None:
    # The whole answer quotes one sentence of passage 「a」; the later ask is answered by
    # the next sentence of the same passage, which it did not quote.
    first = _answer("债务率即债务余额除以综合财力。", "a")
    extra = _extra(
        (_citation(1, "a", "债务率即债务余额除以综合财力。综合财力为四项收入之和。"),),
        (
            AnswerSentence("债务率即债务余额除以综合财力。", (1,)),  # already said
            AnswerSentence("综合财力为四项收入之和。", (1,)),
        ),
    )
    merged = merge_answers(first, extra)
    assert [s.text for s in merged.sentences] == [
        "债务率即债务余额除以综合财力。",
        "综合财力为四项收入之和。",
    ]


def test_a_gap_question_is_split_into_its_two_dated_events() -> None:
    assert span_asks("太保从推出中试险到给浙江企业承保，中间隔了几年？", LEXICON) == (
        "太保推出中试险是哪一年？",
        "太保给浙江企业承保是哪一年？",
    )
    assert span_asks("试点启动，到出台完善补偿政策的意见，差不多隔了几年？", LEXICON) == (
        "试点启动是哪一年？",
        "出台完善补偿政策的意见是哪一年？",
    )
    assert span_asks("这两件事隔了几年？", LEXICON) is None  # no two ends named
    assert span_asks("试点是哪一年？", LEXICON) is None


def _dated(text: str, chunk_id: str) -> Answer:
    from rag.types import Chunk, Retrieved

    answer = _answer(text, chunk_id)
    chunk = Chunk(chunk_id, text, "r.txt", "t", ("三、进展",), 4, 4, 1, "paragraph")
    return replace(answer, retrieved=(Retrieved(chunk, 1.0, 1),))


def test_a_gap_question_gets_both_dates_and_the_checked_gap() -> None:
    def answer(question: str, history: Sequence[Turn]) -> Answer:
        if question.startswith("试点"):
            return _dated("早在 2015 年，财政部启动了试点。", "pilot")
        if question.startswith("发文"):
            return _dated("2024 年 5 月，工信部印发完善补偿政策的意见。", "notice")
        return _answer("报告中没有提到。", "", refused=True)

    result = _each("从试点到发文，隔了几年？", [], answer)
    assert not result.refused
    assert result.sentences[-1].text == "从 2015 年到 2024 年，相隔 9 年。"
    assert result.sentences[-1].spans_years
    assert {c.chunk_id for c in result.citations} == {"pilot", "notice"}
    assert result.text.endswith("相隔 9 年[1][2]。")

    def one_end_missing(question: str, history: Sequence[Turn]) -> Answer:
        if question.startswith("试点"):
            return _dated("早在 2015 年，财政部启动了试点。", "pilot")
        return _answer("报告中没有提到。", "", refused=True)

    # Without both dates there is no gap to state: the whole question's answer stands.
    assert _each("从试点到发文，隔了几年？", [], one_end_missing).refused


def test_a_later_asks_pronoun_stands_for_the_name_the_first_answer_gave() -> None:
    from rag.asks import bridged

    first = "国内首家基因编辑公司是哪家？"
    gave = _answer("甲乙生物是中国首家基因编辑公司，已开发新型疗法。", "first")
    assert bridged("它是哪年成立的？", first, gave, LEXICON) == "甲乙生物是哪年成立的？"
    # No pronoun, a first ask that asks no name, a refusal, or a "name" in the first
    # ask's own words: the ask stays as it is.
    assert bridged("哪年成立的？", first, gave, LEXICON) == "哪年成立的？"
    assert bridged("它是哪年成立的？", "公司做什么业务？", gave, LEXICON) == "它是哪年成立的？"
    refused = _answer("报告中没有找到能直接回答这个问题的内容。", "x", refused=True)
    assert bridged("它是哪年成立的？", first, refused, LEXICON) == "它是哪年成立的？"
    echo = _answer("国内首家基因编辑公司是一家生物公司。", "first")
    assert bridged("它是哪年成立的？", first, echo, LEXICON) == "它是哪年成立的？"


def test_the_bridged_ask_is_what_the_chain_answers() -> None:
    calls: list[str] = []

    def answer(question: str, history: Sequence[Turn]) -> Answer:
        calls.append(question)
        if question.startswith("甲乙生物"):
            return _answer("甲乙生物成立于 2015 年。", "founded")
        return _answer("甲乙生物是中国首家基因编辑公司。", "first")

    result = _each("国内首家基因编辑公司是哪家，它是哪年成立的？", [], answer)
    assert "甲乙生物是哪年成立的？" in calls
    assert "2015 年" in result.text


def test_a_later_asks_pronoun_after_an_unanswered_first_ask_is_not_answered_alone() -> None:
    answer = _refusing_unless((("它", "丙丁"), "丙丁重工成立于 2011 年。", "other"))

    # 它 would be whichever company the ask alone finds: the answer stays a refusal.
    assert _each("国内首家机器人租赁公司是哪家？它是哪年成立的？", [], answer).refused
    # A later ask with its own subject is still answered.
    assert not _each("国内首家机器人租赁公司是哪家？丙丁重工哪年成立？", [], answer).refused


def test_a_later_ask_after_an_unanswered_dated_ask_keeps_its_year() -> None:
    answer = _refusing_unless(
        ("有没有", "预计市场将从2017年的30亿元增长到2022年的60亿元。", "forecast")
    )

    # The later ask leans on the first one's year: a forecast of other years answers neither.
    assert _each("机器人保险市场到2020年能有多大？有没有具体预测数？", [], answer).refused
    # Without a year asked, the forecast is the answer.
    assert not _each("机器人保险市场能有多大？有没有具体预测数？", [], answer).refused


def test_only_a_later_ask_with_few_words_of_its_own_needs_the_first_asks_year() -> None:
    answer = _refusing_unless((("有没有", "投资"), "计划建设5000MW的光伏电站。", "plan"))

    # 「有没有具体预测数」 is asked of 2020: an undated plan does not answer it.
    assert _each("机器人 市场 到2020年 能有 多大？有没有 具体 预测数？", [], answer).refused
    # An ask of words enough of its own is answered by it.
    later = "投资 规划 里 光伏 电站 打算 建 多大？"
    assert not _each(f"机器人 市场 到2020年 能有 多大？{later}", [], answer).refused


def test_a_later_ask_after_an_unanswered_ask_about_a_place_keeps_the_place() -> None:
    answer = _refusing_unless(
        ("有没有", "北京的比值为16.3，超过6到7的合理水平。", "cities"),
        ("上海", "上海的比值为15.4。", "shanghai"),
    )

    def each(question: str) -> Answer:
        analysed = question_of(question, tag=tagger({"成都": "ns", "上海": "ns"}))
        return answer_each_ask(analysed, [], answer(question, []), answer, LEXICON)

    # Other cities' ratios say nothing of 成都's.
    assert each("成都 的 房价收入比 是 多少？有没有 超过 合理线？").refused
    # A later ask naming a place of its own is answered.
    assert not each("成都 的 房价收入比 是 多少？上海 的 是 多少？").refused
