"""Citation verification: number matching, quote finding, checks, whole answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from evals.numerals_compare import numeral_cases
from rag import verify
from rag.types import AnswerSentence, Chunk, Retrieved, content_id
from rag.verify import VerifiedAnswer, render_answer
from tests.questions import packaged_lexicon

LEXICON = packaged_lexicon()


# The verifier reads numbers and claims with the lexicon; these tests use the packaged one.
def check_citation(sentence: str, quote: str, chunk_text: str) -> tuple[bool, tuple[str, ...]]:
    return verify.check_citation(sentence, quote, chunk_text, LEXICON)


def extract_numbers(text: str) -> set[str]:
    return verify.extract_numbers(text, LEXICON)


def find_quote(sentence: str, chunk_text: str) -> str:
    return verify.find_quote(sentence, chunk_text, LEXICON)


def is_refusal(text: str) -> bool:
    return verify.is_refusal(text, LEXICON)


def verify_answer(
    sentences: Sequence[AnswerSentence], candidates: Mapping[int, Retrieved]
) -> VerifiedAnswer:
    return verify.verify_answer(sentences, candidates, LEXICON)


TITLE = "2025 科技保险发展分析报告"
SECTION = ("三、政策性科技保险取得新进展",)

# Sentences copied verbatim from corpus/nifd_2025_tech_insurance_report.txt.
ZHONGSHI = (
    "2024 年，太保产险公司成功为浙江某新材料科技有限公司提供 1250 万元中试风险责任保险保障，"
    "保障范围包含工程费、设备费、人员费和能耗、审批费等，有效提升了企业开展中试的信心。"
)
PUHUI = (
    "第三，积极发展普惠型科技保险，助力服务中小企业科技创新。作为科技创新的重要力量，"
    "中小微科技企业是科技创新中原创性与颠覆性最强的主体，贡献了我国 70% 以上的技术创新成果，"
    "为中小微科技企业提供普惠型科技保险，有利于为产业自主创新提供源源不断的新动力，"
    "有利于增强创新型经济发展活力。"
)
BAODAI = (
    "在第 27 届北京科博会上，头部国有保险公司与大型国有商业银行联合推出了针对科技保险投保企业的"
    "专项融资产品——“银保科技 e 贷”，截至 2025 年 11 月底，该产品已在北京服务科技企业 26 家，"
    "保险公司累计提供财产类、责任类、工程类等风险保障额度 218 亿元；"
    "银行方面实现融资余额近 1.4 亿元，"
    "户均额度超过 500 万元，贷款平均利率不超过 2.5%，比传统普惠贷款额度提升超过 10%，"
    "利率优惠 10bp 以上，降低了企业融资成本，支持了科技型中小微企业的发展。"
)
SHOUTAO = (
    "第一，首台（套）重大技术装备保险补偿机制逐渐发挥重要作用。早在 2015 年，财政部、工信部、"
    "原保监会启动了首台（套）重大技术装备保险补偿机制试点工作，核心是通过财政补贴降低企业投保成本，"
    "增强客户对创新产品的信任度。"
)


def make_retrieved(text: str, page: int, rank: int) -> Retrieved:
    chunk = Chunk(
        id=content_id(text),
        text=text,
        source="nifd_2025_tech_insurance_report.txt",
        title=TITLE,
        section_path=SECTION,
        page_start=page,
        page_end=page,
        position=rank,
    )
    return Retrieved(chunk=chunk, score=1.0 / rank, rank=rank)


# -- extract_numbers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("2015 年", "2015年"),
        ("70%", "70 %"),
        ("７０％", "70%"),  # full-width
        ("1250 万元", "1250万"),
        ("2024 年 11 月", "2024年11月"),
        ("第 27 届", "第27届"),
        ("10bp", "10 BP"),
        ("近 1.4 亿元", "1.4亿"),
        ("二〇一五年", "2015年"),
        ("第二十七届", "第27届"),
        ("百分之七十", "70%"),
        ("三个方面", "3 方面"),
        ("1,250万元", "1250万元"),
        ("两千家", "2000 家"),
        ("一百二十届", "第120届"),
        ("上百亿元", "100亿"),  # a bare 百 or 千 before a unit reads as 100 or 1000
        ("一百二个", "120个"),  # the spoken abbreviation: 一百二 is 120, not 102
    ],
)
def test_same_fact_in_different_forms_gives_same_tokens(a: str, b: str) -> None:
    assert extract_numbers(a) == extract_numbers(b)
    assert extract_numbers(a)


@pytest.mark.parametrize("kind", list(numeral_cases()))
def test_every_written_numeral_reads_as_its_value(kind: str) -> None:
    # 0–9,999 written out (二 and 两), 〇/零 years and spoken forms such as 一百二 (120).
    wrong = []
    for run, value in numeral_cases()[kind]:
        if run in ("零", "一"):
            continue  # never a count on its own (see the module docstring)
        unit = "年" if kind == "digit-by-digit years" else "个"
        expected = {f"{value}{unit}" if unit == "年" else str(value)}
        if extract_numbers(f"{run}{unit}") != expected:
            wrong.append((run, value, extract_numbers(f"{run}{unit}")))
    assert wrong == []


def test_extract_numbers_keeps_meaningful_units() -> None:
    tokens = extract_numbers(BAODAI)
    assert {"27届", "2025年11月", "26", "218亿", "1.4亿", "500万", "2.5%", "10%", "10bp"} <= tokens
    # The magnitude is part of the fact: 1250万 is not 1250.
    assert extract_numbers("1250 万元") == {"1250万"}
    assert extract_numbers("1250 元") == {"1250"}


@pytest.mark.parametrize(
    "text",
    [
        "一是首台（套）重大技术装备保险补偿机制逐渐发挥重要作用。",
        "第一，首台（套）保险。",
        "一、对科技保险的政策支持不断加强",
        "形成一个良性闭环，进一步发挥市场作用。",
        "“三首”保险成为重要制度安排，“四高一轻”特征。",
        "“十五五”时期。",
        "三四个方面",  # three or four, not 34
        "二三十家机构",  # a range, not one number
    ],
)
def test_list_labels_and_idioms_are_not_numbers(text: str) -> None:
    assert extract_numbers(text) == set()


def test_markers_are_not_numbers() -> None:
    assert extract_numbers("提供了保障[1][2]。") == set()
    assert extract_numbers("提供了保障【3】。") == set()


# -- find_quote --------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "chunk", "must_contain"),
    [
        ("截至2025年11月底，“银保科技e贷”已在北京服务科技企业26家。", BAODAI, "26 家"),
        ("该产品是在第27届北京科博会上推出的保贷联动融资产品。", BAODAI, "第 27 届"),
        ("中小微科技企业贡献了我国70%以上的技术创新成果。", PUHUI, "70% 以上"),
        ("首台（套）保险补偿机制试点始于2015年。", SHOUTAO, "早在 2015 年"),
        ("太保产险提供了1250万元中试风险责任保险保障。", ZHONGSHI, "1250 万元"),
    ],
)
def test_find_quote_is_verbatim_and_holds_the_numbers(
    sentence: str, chunk: str, must_contain: str
) -> None:
    quote = find_quote(sentence, chunk)
    assert quote in chunk
    assert must_contain in quote
    assert check_citation(sentence, quote, chunk) == (True, ())


def test_find_quote_narrows_a_long_sentence() -> None:
    quote = find_quote("银行方面实现融资余额近1.4亿元。", BAODAI)
    assert "1.4 亿元" in quote
    assert len(quote) < len(BAODAI) / 2
    assert "科博会" not in quote


def test_find_quote_extends_to_the_clause_with_the_number() -> None:
    # The best-matching clause names the product; the date sits in the next clause.
    sentence = "“银保科技e贷”专项融资产品截至2025年11月底的情况见报告。"
    quote = find_quote(sentence, BAODAI)
    assert "银保科技 e 贷" in quote
    assert "2025 年 11 月底" in quote


def test_find_quote_does_not_start_with_a_closing_quote() -> None:
    chunk = "他说“好。”然后 2024 年提供了保障。"
    quote = find_quote("2024年提供了保障", chunk)
    assert quote in chunk
    assert not quote.startswith("”")


# -- check_citation ----------------------------------------------------------


def test_check_citation_passes_a_faithful_sentence() -> None:
    sentence = "2024年，太保产险为浙江某新材料科技公司提供了1250万元中试风险责任保险保障。"
    assert check_citation(sentence, find_quote(sentence, ZHONGSHI), ZHONGSHI) == (True, ())


def test_check_citation_fails_a_wrong_number() -> None:
    sentence = "2024年，太保产险为浙江某新材料科技公司提供了1300万元中试风险责任保险保障。"
    ok, problems = check_citation(sentence, find_quote(sentence, ZHONGSHI), ZHONGSHI)
    assert not ok
    assert problems == ("数字 1300万 不见于引文",)


def test_check_citation_fails_a_quote_not_in_the_chunk() -> None:
    ok, problems = check_citation("提供了保障。", "提供了 1300 万元保障", ZHONGSHI)
    assert not ok
    assert "引文不在所引段落中" in problems


def test_check_citation_accepts_width_variants_only() -> None:
    quote_fullwidth = (
        "保障范围包含工程费、设备费、人员费和能耗、审批费等，有效提升了企业开展中试的信心"
    )
    assert check_citation("保障范围包含工程费和设备费。", quote_fullwidth, ZHONGSHI)[0]
    # A half-width comma is the same character after NFKC.
    assert check_citation(
        "保障范围包含工程费和设备费。", quote_fullwidth.replace("，", ","), ZHONGSHI
    )[0]
    # Whitespace differences are not forgiven.
    assert not check_citation("保障范围包含工程费。", "保障范围 包含工程费", ZHONGSHI)[0]


def test_check_citation_fails_an_unrelated_passage() -> None:
    sentence = "首台（套）保险补偿机制通过财政补贴降低企业投保成本。"
    ok, problems = check_citation(sentence, find_quote(sentence, ZHONGSHI), ZHONGSHI)
    assert not ok
    assert "引文与句子内容不符" in problems


def test_decimal_and_percent_boundaries() -> None:
    assert check_citation("利率不超过2.5%。", "贷款平均利率不超过 2.5%", BAODAI)[0]
    assert not check_citation("利率不超过12.5%。", "贷款平均利率不超过 2.5%", BAODAI)[0]
    assert not check_citation("融资余额近1.45亿元。", "银行方面实现融资余额近 1.4 亿元", BAODAI)[0]


# -- verify_answer -----------------------------------------------------------


@pytest.fixture
def candidates() -> dict[int, Retrieved]:
    texts = [ZHONGSHI, PUHUI, BAODAI, SHOUTAO]
    return {i: make_retrieved(t, page=4 + i, rank=i) for i, t in enumerate(texts, start=1)}


def test_verify_answer_renumbers_in_order_of_first_use(candidates: dict[int, Retrieved]) -> None:
    sentences = [
        AnswerSentence("截至2025年11月底，“银保科技e贷”已服务科技企业26家。", (3,)),
        AnswerSentence("太保产险提供了1250万元中试风险责任保险保障。", (1,)),
        AnswerSentence("银保科技e贷的贷款平均利率不超过2.5%。", (3,)),
    ]
    result = verify_answer(sentences, candidates)
    assert [s.citations for s in result.sentences] == [(1,), (2,), (1,)]
    assert [c.n for c in result.citations] == [1, 2]
    assert result.citations[0].chunk_id == candidates[3].chunk.id
    assert result.citations[1].chunk_id == candidates[1].chunk.id
    assert all(c.verified for c in result.citations)
    # One citation per chunk; its quote spans what both sentences drew on.
    assert "26 家" in result.citations[0].quote and "2.5%" in result.citations[0].quote
    assert result.citations[0].quote in BAODAI
    assert result.citations[0].page_label == "第7页"
    assert result.dropped == ()
    assert render_answer(result.sentences) == (
        "截至2025年11月底，“银保科技e贷”已服务科技企业26家[1]。"
        "太保产险提供了1250万元中试风险责任保险保障[2]。"
        "银保科技e贷的贷款平均利率不超过2.5%[1]。"
    )


def test_verify_answer_drops_failures(candidates: dict[int, Retrieved]) -> None:
    sentences = [
        AnswerSentence("太保产险提供了1300万元中试风险责任保险保障。", (1,)),  # wrong number
        AnswerSentence("中小微科技企业贡献了我国70%以上的技术创新成果。", (9,)),  # no passage 9
        AnswerSentence("首台（套）保险补偿机制试点始于2015年。", (1,)),  # wrong passage
        AnswerSentence("科技保险的保费规模已达亿元级，增长了30%。", ()),  # uncited number
        AnswerSentence("中小微科技企业贡献了我国70%以上的技术创新成果。", (2,)),  # fine
    ]
    result = verify_answer(sentences, candidates)
    assert [s.text for s in result.sentences] == [sentences[4].text]
    assert result.sentences[0].citations == (1,)
    assert len(result.dropped) == 4
    assert any("1300万" in p for p in result.problems)
    assert any("[9] 不存在" in p for p in result.problems)


def test_verify_answer_keeps_sentence_and_drops_failing_marker(
    candidates: dict[int, Retrieved],
) -> None:
    sentence = AnswerSentence("中小微科技企业贡献了我国70%以上的技术创新成果。", (1, 2, 7))
    result = verify_answer([sentence], candidates)
    assert result.sentences == (AnswerSentence(sentence.text, (1,)),)
    assert [c.chunk_id for c in result.citations] == [candidates[2].chunk.id]


def test_verify_answer_combines_passages_for_a_combined_sentence(
    candidates: dict[int, Retrieved],
) -> None:
    sentence = AnswerSentence(
        "太保产险提供了1250万元中试风险责任保险保障，银保科技e贷已服务科技企业26家。", (1, 3)
    )
    result = verify_answer([sentence], candidates)
    assert result.sentences == (AnswerSentence(sentence.text, (1, 2)),)


GRID_ROWS = [
    "研发费用损失保险\t重大技术攻关综合险\t首台(套)重大技术装备综合保险\t知识产权申请费用补偿保险",
    "研发中断保险\t中试综合保险\t重点新材料首批次应用综合保险\t知识产权执行保险",
    "产品研发责任险\t概念验证综合保险\t首版次软件综合保险\t知识产权被侵权损失保险",
    "关键研发设备保险\t科技成果转化费用损失保险\t产品责任险\t知识产权侵权责任保险",
]


def test_a_list_sentence_cites_every_row_that_holds_one_of_its_items() -> None:
    rows = {i: make_retrieved(t, page=3, rank=i) for i, t in enumerate(GRID_ROWS, start=1)}
    sentence = AnswerSentence(
        "科技成果应用阶段：首台(套)重大技术装备综合保险、重点新材料首批次应用综合保险、"
        "首版次软件综合保险、产品责任险。",
        (1, 2, 3, 4),
    )
    result = verify_answer([sentence], rows)
    # No row supports the sentence alone; together they hold every item.
    assert result.sentences == (AnswerSentence(sentence.text, (1, 2, 3, 4)),)
    assert [c.chunk_id for c in result.citations] == [rows[n].chunk.id for n in (1, 2, 3, 4)]
    # A row sharing no item with the sentence does not join it.
    stray = {**rows, 5: make_retrieved(BAODAI, page=5, rank=5)}
    result = verify_answer([AnswerSentence(sentence.text, (1, 2, 3, 4, 5))], stray)
    assert result.sentences[0].citations == (1, 2, 3, 4)


def test_an_on_topic_passage_without_the_figure_does_not_join_a_supported_claim() -> None:
    near = "太保产险为浙江某新材料公司提供中试风险责任保险保障，覆盖中试失败的损失。"
    items = {1: make_retrieved(ZHONGSHI, page=4, rank=1), 2: make_retrieved(near, page=4, rank=2)}
    sentence = AnswerSentence("太保产险提供了1250万元中试风险责任保险保障。", (1, 2))
    result = verify_answer([sentence], items)
    assert result.sentences == (AnswerSentence(sentence.text, (1,)),)


def test_a_gap_between_two_dates_is_checked_by_subtracting_them() -> None:
    items = {1: make_retrieved(SHOUTAO, page=4, rank=1), 2: make_retrieved(BAODAI, page=7, rank=2)}

    def kept(text: str, cited: tuple[int, ...] = (1, 2)) -> bool:
        sentence = AnswerSentence(text, cited, spans_years=True)
        return bool(verify_answer([sentence], items).sentences)

    assert kept("从 2015 年到 2025 年，相隔 10 年。")
    assert not kept("从 2015 年到 2025 年，相隔 9 年。")  # wrong arithmetic
    assert not kept("从 2016 年到 2025 年，相隔 9 年。")  # 2016 is in no cited passage
    assert not kept("从 2015 年到 2025 年，相隔 10 年。", (1,))  # 2025 only in passage 2


def test_a_list_sentence_is_dropped_when_its_rows_hold_only_some_items() -> None:
    rows = {i: make_retrieved(t, page=3, rank=i) for i, t in enumerate(GRID_ROWS[:2], start=1)}
    sentence = AnswerSentence(
        "科技成果应用阶段：首台(套)重大技术装备综合保险、重点新材料首批次应用综合保险、"
        "网络安全保险、数据资产保险、商业航天保险、科研人员意外险。",
        (1, 2),
    )
    assert verify_answer([sentence], rows).sentences == ()


def test_verify_answer_keeps_refusals_and_connectives(candidates: dict[int, Retrieved]) -> None:
    sentences = [
        AnswerSentence("报告中没有提到2030年科技保险的保费目标。"),
        AnswerSentence("具体如下："),
        AnswerSentence("科技保险前景广阔。"),  # an uncited claim
    ]
    result = verify_answer(sentences, candidates)
    assert [s.text for s in result.sentences] == [
        "报告中没有提到2030年科技保险的保费目标。",
        "具体如下：",
    ]
    assert result.dropped == ("科技保险前景广阔。",)
    assert is_refusal(sentences[0].text)
    # A refusal with a second clause can smuggle in a claim; it is not kept without citation.
    sneaky = AnswerSentence("报告中没有提到这一点，但保费达到1300万元。")
    assert verify_answer([sneaky], candidates).sentences == ()


def test_render_answer_places_markers_before_final_punctuation() -> None:
    sentences = [AnswerSentence("甲。", (1, 2)), AnswerSentence("乙", (3,)), AnswerSentence("丙！")]
    assert render_answer(sentences) == "甲[1][2]。乙[3]\n丙！"


def test_premise_correction_may_name_the_wrong_figure() -> None:
    quote = find_quote("报告中的说法是1250 万元，而不是1300万元。", ZHONGSHI)
    assert "1250 万元" in quote
    assert check_citation("报告中的说法是1250 万元，而不是1300万元。", quote, ZHONGSHI) == (
        True,
        (),
    )
    assert check_citation("报告中的说法是2024 年，而不是2023年。", quote, ZHONGSHI) == (True, ())
    # The corrected figure itself must still be in the quote.
    assert not check_citation("报告中的说法是1300 万元，而不是1250万元。", quote, ZHONGSHI)[0]


def test_a_sentence_may_quote_the_heading_of_its_passage() -> None:
    lexicon = packaged_lexicon()
    chunk = Chunk(
        id="h1",
        text="我国在该领域已处于领先地位，未来应该进行重点布局。",
        source="r.pdf",
        title="报告",
        section_path=("5 发展建议", "（2）布局优势领域，加快推进应用研究"),
        page_start=11,
        page_end=11,
        position=72,
    )
    candidates = {1: Retrieved(chunk=chunk, score=1.0, rank=1)}
    heading = AnswerSentence("（2）布局优势领域，加快推进应用研究", (1,))
    verified = verify.verify_answer([heading], candidates, lexicon)
    assert [c.quote for c in verified.citations] == ["（2）布局优势领域，加快推进应用研究"]
    # Words in no heading and not in the passage are not a quote of either.
    made_up = AnswerSentence("（2）布局劣势领域，放缓应用研究的步伐", (1,))
    assert not verify.verify_answer([made_up], candidates, lexicon).sentences
    # A heading sentence with a figure the heading lacks fails the number check.
    figure = AnswerSentence("（2）布局优势领域，加快推进应用研究 30 项", (1,))
    assert not verify.verify_answer([figure], candidates, lexicon).sentences
