"""Name slots: a question asking for an insurer/bank/company/agency needs a passage naming one."""

from __future__ import annotations

import pytest

from rag.question import asked_kinds
from rag.slots import (
    counted_not_named,
    name_withheld,
    place_unnamed,
    slot_unfilled,
    unknown_organisations,
)
from tests.questions import packaged_lexicon, question_of, tagger

LEXICON = packaged_lexicon()

REPORT = (
    "人保财险公司开发出中试综合保险。太保产险公司提供保障。头部国有保险公司与大型国有商业银行合作。"
)


def test_asked_kinds() -> None:
    assert asked_kinds("这单是哪家保险公司承保的？", LEXICON) == ("insurer",)
    assert asked_kinds("哪家保险公司和哪家银行联合推的？", LEXICON) == ("insurer", "bank")
    assert asked_kinds("是哪几个部门一起发的？", LEXICON) == ("agency",)
    assert asked_kinds("保险公司按什么原则定价？", LEXICON) == ()


@pytest.mark.parametrize(
    ("question", "passage", "unfilled"),
    [
        ("哪家保险公司开发的？", "2024 年，人保财险公司开发出中试综合保险。", False),
        ("哪家保险公司承保的？", "南大光电公司的光刻胶借助首批次保险政策完成跨越。", True),
        # Descriptions are not names.
        ("哪家保险公司和哪家银行推的？", "头部国有保险公司与大型国有商业银行联合推出。", True),
        ("哪个部门发的？", "中共中央\t2024 年 7 月\t关于进一步全面深化改革的决定", False),
        ("哪个部门发的？", "工信部、财政部、金融监管总局\t2024 年 5 月", False),
        # The company the question already names does not answer it.
        ("华特气体公司是哪家公司投保的？", "华特气体公司的电子特气产品。", True),
        # 「哪家机构」 is answered by a research body too, but not by 「…也有企业」.
        ("北辰研究所跟哪家机构合作？", "北辰研究所同云杉国际能源研究所开展科研合作。", False),
        ("申请量最多的是哪家机构？", "从申请机构来看，既有科研机构也有企业。", True),
    ],
)
def test_slot_needs_a_name_of_the_asked_kind(question: str, passage: str, unfilled: bool) -> None:
    assert slot_unfilled(question_of(question), passage, LEXICON) is unfilled


# The content words each question of the next test is cut into (as jieba would cut them).
_WORDS = {
    "平安产险有什么案例？": ["平安", "产险", "案例"],
    "人保财险做了什么？": ["人保财险"],
    "太保产险的案例": ["太保", "产险", "案例"],
    "要求保险公司怎么做": ["要求", "保险公司"],
    "哪家银行参与了？": ["银行", "参与"],
}


def _words(text: str) -> list[str]:
    return _WORDS[text]


def test_unknown_organisations_are_found_by_brand() -> None:
    def has(text: str) -> bool:
        return text in REPORT

    tag = tagger({"平安": "a", "产险": "n", "要求": "v", "保险公司": "n"}, _words)

    def unknown(question: str) -> list[str]:
        return unknown_organisations(question_of(question, _words, tag), has)

    assert unknown("平安产险有什么案例？") == ["平安产险"]
    assert unknown("人保财险做了什么？") == []
    assert unknown("太保产险的案例") == []
    # A verb before the kind word is not a brand; a bare kind word is not a name.
    assert unknown("要求保险公司怎么做") == []
    assert unknown("哪家银行参与了？") == []


PLAN = "产品方案包含财产一切险、产品研发责任险、网络安全保险 3 个必选险种以及 2 个可选险种。"


def test_a_count_does_not_name_the_items_it_counts() -> None:
    assert counted_not_named(question_of("两个可选险种具体是哪两个？"), PLAN, LEXICON)
    # The required ones are listed right before their count.
    assert not counted_not_named(question_of("有哪几个必选险种？"), PLAN, LEXICON)
    # A question that does not ask for the items is not affected.
    assert not counted_not_named(question_of("可选险种有几个？"), PLAN, LEXICON)


def test_a_count_of_other_things_does_not_stand_for_the_items_asked() -> None:
    # 「哪些单位」 asks for institutions; the passage counts gene sites, and names the
    # institutions before them.
    study = "此外，甲研究院与乙大学利用该技术靶向多个基因位点，实现了整段基因的切除。"
    asked = question_of("把整段基因切除的研究是哪些单位做的？")
    assert not counted_not_named(asked, study, LEXICON)
    # Asked for the sites themselves, the count does not name them.
    sites = question_of("靶向的基因位点具体是哪些？")
    assert counted_not_named(sites, study, LEXICON)


def test_counts_listed_one_after_another_name_none_of_their_items() -> None:
    survey = "据对6家大型银行、12家股份制银行、10家城商行和8家农商行的统计，抵押贷款占43%。"
    assert counted_not_named(question_of("统计用到的那10家城商行是哪几家？"), survey, LEXICON)
    assert counted_not_named(question_of("那12家股份制银行分别叫啥？"), survey, LEXICON)


def test_a_number_given_without_a_number_names_none_of_its_items() -> None:
    vague = "该公司主要通过与国内多个农科院合作，提供作物的基因编辑服务。"
    assert counted_not_named(question_of("该公司具体跟哪几家农科院合作？"), vague, LEXICON)
    listed = "该公司与多个农科院合作，包括甲农科院、乙农科院。"
    assert not counted_not_named(question_of("该公司具体跟哪几家农科院合作？"), listed, LEXICON)
    # A comma then 「为…」 goes on about something else: the items are still unnamed.
    purpose = "方案包含 2 个可选险种，为初创企业提供保障。"
    assert counted_not_named(question_of("两个可选险种具体是哪两个？"), purpose, LEXICON)
    # 「，如甲、乙等」 opens a clause listing them; 「，如果…」 lists nothing.
    such_as = "我国在多个领域已处于领先地位，如动物模型构建、作物育种等，应重点布局。"
    fields = question_of("我国领先的领域都有哪些？")
    assert not counted_not_named(fields, such_as, LEXICON)
    unless = "我国在多个领域已处于领先地位，如果不加大投入，优势难保。"
    assert counted_not_named(fields, unless, LEXICON)


def test_what_companies_do_does_not_name_one() -> None:
    passage = "当地电池板生产企业不多，组件多靠同韩国企业合作解决。"
    asked = question_of("帮他们生产组件的是哪家韩国公司？")
    assert slot_unfilled(asked, passage, LEXICON)
    named = "组件主要由星河光电公司生产。"
    assert not slot_unfilled(asked, named, LEXICON)


def test_the_asked_kind_may_come_before_the_question_word() -> None:
    assert asked_kinds("头部保险公司具体是哪几家？", LEXICON) == ("insurer",)
    assert slot_unfilled(
        question_of("头部保险公司具体是哪几家？"),
        "头部保险公司该类保险保费规模已达亿元级。",
        LEXICON,
    )


def test_a_name_the_report_withholds_is_not_answered() -> None:
    passage = "太保产险公司为浙江某新材料科技有限公司提供 1250 万元中试风险责任保险保障。"
    assert name_withheld(question_of("那个浙江新材料公司全名叫什么？"), passage, LEXICON)
    assert not name_withheld(question_of("太保给了多少保障？"), passage, LEXICON)
    assert not name_withheld(
        question_of("那个公司叫什么？"), "人保财险为南京方生和医药科技有限公司提供保障。", LEXICON
    )


def test_a_count_in_words_names_nothing_unless_its_items_follow() -> None:
    asked = question_of("那 四大 资产管理公司 具体 是 哪四家 ？")
    assert counted_not_named(asked, "当年由财政出资设立了四大资产管理公司来处置坏账。", LEXICON)
    listed = question_of("三大 上市公司 是 哪三家 ？")
    assert not counted_not_named(
        listed, "行业里的三大上市公司Alpha Gene、Beta Cure都在美国上市。", LEXICON
    )


def test_a_listed_company_named_with_its_share_suffix_fills_the_slot() -> None:
    question = question_of("后来 跟 哪家 公司 合作 ？")
    assert not slot_unfilled(question, "该团队后来与华岳股份合作推进研发。", LEXICON)


def test_the_subject_of_a_copula_names_the_company_the_question_describes() -> None:
    question = question_of("国内首家机器人租赁公司是哪家？")
    assert not slot_unfilled(question, "星河智造是国内首家机器人租赁公司，总部位于合肥。", LEXICON)
    # The description alone names none.
    assert slot_unfilled(question, "国内首家机器人租赁公司已经出现，总部位于合肥。", LEXICON)


def test_a_place_of_a_kind_asked_needs_a_place_named() -> None:
    tag = tagger({"北京": "ns", "全国": "n"})
    asked = question_of("全国 金融 工作 会议 在 哪座城市 召开 的？")
    assert place_unnamed(asked, "全国 金融 工作 会议 决定 设立 委员会", LEXICON, tag)
    assert not place_unnamed(asked, "全国 金融 工作 会议 在 北京 召开", LEXICON, tag)
    # 「在哪儿能看到」 asks no kind of place: a website or a journal answers it.
    anywhere = question_of("季报 在 哪儿 能 看到？")
    assert not place_unnamed(anywhere, "季报 刊 于 官方 网站", LEXICON, tag)


def test_the_questions_own_place_in_a_longer_form_is_not_another_place() -> None:
    places = {"星洲": "ns", "星洲共和国": "ns", "东岭州": "ns"}
    tag = tagger(places)
    asked = question_of("星洲 那 10个 火电站 都 建 在 哪些州？", tag=tag)
    said = "星洲共和国 电力 系统 有 48个 发电站 ， 其中 10个 火电站"
    assert place_unnamed(asked, said, LEXICON, tag)
    assert not place_unnamed(asked, said + " 建 在 东岭州", LEXICON, tag)
    # Nor is the question's scope in the report's words (「中国」 for 「国内」).
    tag = tagger({"中国": "ns", "东岭省": "ns"})
    province = question_of("国内 哪个省份 的 船舶 出口 最强？", tag=tag)
    assert place_unnamed(province, "中国 船舶 出口 竞争力 较强", LEXICON, tag)
    assert not place_unnamed(province, "东岭省 船舶 出口 竞争力 较强", LEXICON, tag)
