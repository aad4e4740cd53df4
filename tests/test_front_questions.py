"""Questions about the publication, the whole report and its parts, answered over an
invented paper (tests/paper.py) through the strategy registry and the verify stage:
every quote must check out, and each answer must come from the right place."""

from __future__ import annotations

from dataclasses import replace

from rag.context import Context
from rag.lexicon import Lexicon
from rag.strategies.registry import draft_with_strategies
from rag.types import Answer
from rag.verify import absent_terms, assemble_answer, extract_numbers
from tests.paper import BRIEF_CONTEXT, BRIEF_SOURCE, CHUNKS, CONTEXT, ask


def _answer(text: str, context: Context = CONTEXT, source: str = "paper.pdf") -> Answer:
    question, passages = ask(text, context, source)
    draft = draft_with_strategies(question, passages, context)
    answer = assemble_answer(draft, question, context.lexicon)
    assert not answer.dropped, answer.dropped
    assert all(c.verified for c in answer.citations)
    return answer


def test_affiliations_doi_and_keywords_are_quoted_from_the_front_matter() -> None:
    answer = _answer("作者们是哪个单位的？")
    assert answer.strategy == "publication" and not answer.refused
    assert "某某大学环境学院" in answer.text and "某某城市规划研究院" in answer.text
    assert [c.section_path for c in answer.citations] == [()]
    answer = _answer("这篇论文的DOI是多少")
    assert "10.0000/example.2024.01.001" in answer.text
    assert answer.citations[0].section_path == ("摘要",)
    assert "生态效益" in _answer("关键词有哪些").text
    assert "某某环境学报" in _answer("这篇论文发表在哪个期刊上？").text
    answer = _answer("这篇论文是哪年发表的？")
    assert answer.strategy == "publication" and "2024" in answer.text


def test_what_the_author_judges_of_an_institution_is_no_question_about_the_authors() -> None:
    # 「作者认为哪家机构…」 asks what the paper says, not where its authors work.
    answer = _answer("作者认为哪家机构的绿地数据更可靠？")
    assert answer.strategy != "publication"
    assert _answer("作者在哪个机构工作？").strategy == "publication"


def test_the_authors_and_the_first_author_of_a_report_described_before_its_noun() -> None:
    answer = _answer("这篇讲城市绿地生态效益的文章是谁写的？")
    assert answer.strategy == "publication"
    assert all(name in answer.text for name in ("张明远", "李思齐", "王晓"))
    answer = _answer("这篇文章的第一作者是谁？")
    assert answer.text.startswith("张明远") and "李思齐" not in answer.text


def test_a_field_the_report_never_marks_is_refused_and_one_it_mentions_is_left_to_the_text() -> (
    None
):
    answer = _answer("这项研究是哪个基金项目资助的？")
    assert answer.strategy == "publication" and answer.refused
    # The body mentions funding: the ordinary answer path reads it.
    funded = replace(CHUNKS[3], id="funded", text="本研究得到某某基金项目资助。")
    question, passages = ask("这项研究是哪个基金项目资助的？")
    context = replace(CONTEXT, corpus=replace(CONTEXT.corpus, chunks=(*CHUNKS, funded)))
    draft = draft_with_strategies(question, replace(passages, ctx=context), context)
    assert draft.strategy != "publication"


def test_a_question_about_the_content_is_not_a_publication_question() -> None:
    answer = _answer("作者觉得老城区绿地在哪方面偏低？")
    assert answer.strategy != "publication"


def test_a_named_part_is_summarised_by_its_lead_and_item_heads() -> None:
    answer = _answer("第3部分讲了啥？")
    assert answer.strategy == "part_summary"
    for words in ("提升的关键", "3.1 优化绿地布局", "增建小微绿地", "3.2 完善管护机制", "绩效评价"):
        assert words in answer.text, answer.text
    # A sub-heading is quoted from the passage it heads, with the items quoted there.
    headed = [c for c in answer.citations if c.quote.startswith(c.section_path[-1])]
    assert [c.section_path[-1] for c in headed] == ["3.1 优化绿地布局", "3.2 完善管护机制"]
    assert "（1）增建小微绿地。" in headed[0].quote
    answer = _answer("研究现状那部分主要梳理了哪几方面的文献？")
    assert answer.strategy == "part_summary"
    assert all(w in answer.text for w in ("测算", "不同城市", "影响因素")), answer.text


def test_recommendations_are_the_items_of_the_section_or_of_its_part_on_the_topic() -> None:
    answer = _answer("作者最后提了哪几条建议？")
    assert answer.strategy == "recommendations"
    assert all(w in answer.text for w in ("小微绿地", "连通性", "绩效评价", "居民参与"))
    answer = _answer("针对完善管护，作者提了哪几条建议？")
    assert answer.strategy == "recommendations"
    assert "绩效评价" in answer.text and "小微绿地" not in answer.text
    # A premise with a figure of its own is checked by the ordinary path.
    question, passages = ask("作者提了5条建议吧？")
    assert draft_with_strategies(question, passages, CONTEXT).strategy != "recommendations"


def test_recommendations_on_a_topic_the_report_never_discusses_are_refused() -> None:
    said = "".join(c.text for c in CHUNKS)
    context = replace(CONTEXT, scorers=replace(CONTEXT.scorers, corpus_has=said.__contains__))
    answer = _answer("作者在碳汇交易和数字孪生上有啥建议？", context)
    assert answer.refused and answer.strategy == "recommendations"
    # The refusal names the topic, not 「作者」, which points at the report itself.
    question, _ = ask("作者在碳汇交易和数字孪生上有啥建议？", context, "paper.pdf")
    assert "作者" not in said
    assert absent_terms(question, said.__contains__, context.lexicon) == ("碳汇交易", "数字孪生")
    # A word of the asker's own among the report's topics does not refuse.
    answer = _answer("针对完善管护和碳汇交易，作者提了哪几条建议？", context)
    assert not answer.refused and "绩效评价" in answer.text


def test_the_conclusions_come_from_the_abstract_findings_and_the_closing_section() -> None:
    answer = _answer("这篇研究最后得出了啥结论？")
    assert answer.strategy == "conclusion"
    assert "结果表明" in answer.text and "提升的关键" not in answer.text
    assert "两条建议" not in answer.text  # recommendations are not findings
    assert {c.section_path[0] for c in answer.citations} == {"摘要", "3结论与建议"}


def test_what_a_report_described_by_its_topic_is_about_is_its_findings_and_outline() -> None:
    # 「这篇讲…的论文」 names the paper with its topic in between.
    answer = _answer("这篇讲城市绿地生态效益的论文主要讲了些啥？")
    assert answer.strategy == "conclusion"
    assert "结果表明" in answer.text
    assert "三部分：1研究现状；2评估方法与结果；3结论与建议" in answer.text
    # Asked for its conclusions, the outline is not part of the answer.
    assert "三部分" not in _answer("这篇研究最后得出了啥结论？").text


def test_a_summary_whose_topic_a_heading_names_is_that_parts_digest() -> None:
    answer = _answer("评估方法与结果主要讲了什么？")
    assert answer.strategy == "topic_part"
    assert all(w in answer.text for w in ("层次分析法", "2.1 指标体系", "2.2评估结果", "一是"))


def test_the_outline_of_a_report_without_a_toc_is_its_numbered_top_level_headings() -> None:
    answer = _answer("这篇文章分成哪几部分？")
    assert answer.strategy == "outline"
    assert "三部分：1研究现状；2评估方法与结果；3结论与建议" in answer.text
    assert "引言" not in answer.text and len(answer.citations) == 3


def test_the_parts_of_a_topic_of_its_own_are_not_the_reports_outline() -> None:
    # 「指标体系分成哪几部分」 asks about the indicators, not the paper's structure.
    answer = _answer("指标体系 具体分成哪几部分？")
    assert answer.strategy != "outline" and "三部分" not in answer.text
    # Words of the paper's own title still ask for its outline.
    assert _answer("城市绿地 这篇文章分成哪几部分？").strategy == "outline"


def test_a_dotted_identifier_is_one_number(lexicon: Lexicon) -> None:
    assert extract_numbers("DOI 10.1234/j.issn.2000-1234.2021.05.007", lexicon) == {
        "10.1234",
        "1234.2021.05.007",
    }


def test_a_report_numbered_in_chinese_without_abstract_or_toc() -> None:
    def answer(text: str) -> Answer:
        return _answer(text, BRIEF_CONTEXT, BRIEF_SOURCE)

    outline = answer("这份报告分成哪几部分？")
    assert "三部分：一、发展现状；二、主要问题；三、对策建议" in outline.text
    part = answer("第2部分主要讲了什么？")
    assert part.strategy == "part_summary"
    assert all(w in part.text for w in ("两个方面", "（一）专业人才短缺", "（二）服务供给不均"))
    advice = answer("报告最后提了哪几条建议？")
    assert advice.strategy == "recommendations"
    assert "一是加强人才队伍建设" in advice.text and "二是优化设施布局" in advice.text


def test_the_problems_a_report_names_are_the_items_of_its_problems_part() -> None:
    answer = _answer("养老服务目前还存在哪些问题？", BRIEF_CONTEXT, BRIEF_SOURCE)
    assert answer.strategy == "problems"
    assert "专业人才短缺" in answer.text and "服务供给不均" in answer.text
    assert "加强人才队伍建设" not in answer.text
    assert _answer("短板在哪？", BRIEF_CONTEXT, BRIEF_SOURCE).strategy == "problems"
    # Asked what to do about them, the recommendations answer.
    advice = _answer("针对这些问题，作者提了哪些建议？", BRIEF_CONTEXT, BRIEF_SOURCE)
    assert advice.strategy == "recommendations"


def test_recommendations_on_one_items_topic_are_that_item() -> None:
    # No sub-heading names 人才队伍, but one of the section's items does: it answers alone.
    answer = _answer("在人才队伍这方面，作者具体建议咋做？", BRIEF_CONTEXT, BRIEF_SOURCE)
    assert answer.strategy == "recommendations"
    assert "一是加强人才队伍建设" in answer.text and "提高护理人员待遇" in answer.text
    assert "优化设施布局" not in answer.text
    # Asked what should be done, without the word 建议, the report's recommendations answer.
    asked = _answer("在人才队伍这方面，具体该咋做？", BRIEF_CONTEXT, BRIEF_SOURCE)
    assert asked.strategy == "recommendations" and "一是加强人才队伍建设" in asked.text
