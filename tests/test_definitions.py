"""What a definition question searches for and which unit defines its term (logic only;
`tests/test_definitions_real.py` runs the real chain)."""

from __future__ import annotations

from rag.evidence import defines_term, type_fit
from rag.question import Intent
from rag.route import also_match
from tests.questions import packaged_lexicon, question_of, tagger


def test_a_definition_question_also_searches_for_the_words_that_mark_a_definition() -> None:
    lexicon = packaged_lexicon()
    question = question_of("SCI 是啥意思？")
    assert question.intent is Intent.DEFINITION
    assert "是指" in also_match(question, lexicon)
    assert also_match(question_of("SCI 2015年 是 多少？"), lexicon) == ()


def test_a_unit_defines_the_term_where_the_term_opens_a_clause() -> None:
    lexicon = packaged_lexicon()
    question = question_of("蓝鲸 指的是啥？")
    assert defines_term(question, "“蓝鲸”一般是指规模大、常被忽视的长期成本。", lexicon)
    # An instance named (「最大的…是」) is not what the word means.
    assert not defines_term(question, "眼下最大的“蓝鲸”是上涨的燃料开支。", lexicon)
    short_form = question_of("岸电覆盖指数 是啥意思？")
    assert defines_term(
        short_form, "岸电覆盖指数（SCI）是指用岸电的艘次与靠泊总艘次之比。", lexicon
    )
    in_a_list = question_of("产业链 中游 指的是 哪类企业？")
    assert defines_term(in_a_list, "上游主要是设备厂商；中游是岸电运营商。", lexicon)


def test_the_defining_unit_fits_a_definition_question_best() -> None:
    lexicon = packaged_lexicon()
    question = question_of("蓝鲸 指的是啥？")
    defined = type_fit(question, "“蓝鲸”一般是指规模大、常被忽视的长期成本。", lexicon)
    marked = type_fit(question, "白鹭是指短期的意外开支。", lexicon)
    plain = type_fit(question, "眼下最大的“蓝鲸”是上涨的燃料开支。", lexicon)
    assert defined > marked > plain


def test_the_report_named_before_where_it_says_is_not_a_word_of_the_subject() -> None:
    framed = question_of("文章 里 说的 蓝鲸 指的是啥？")
    assert "文章" not in framed.term_texts and "蓝鲸" in framed.term_texts
    # The report as the one who gives something, or another article, stays a word.
    assert "文章" in question_of("文章 给了 5条 政策建议？").term_texts
    tagged = question_of("晨报 那篇 文章 哪天 发表？", tag=tagger({"文章": "n"}))
    assert "文章" in tagged.term_texts
